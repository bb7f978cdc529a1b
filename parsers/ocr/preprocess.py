"""Image bytes -> grayscale pages ready for OCR: bounded decoding, scaling, deskewing.

Nothing is decoded before its size is known: the header gives width × height, and a picture over the
pixel cap (a 20,000 × 20,000 "decompression bomb") is refused with a reason without allocating it.
Multi-page TIFFs are pages; other formats are read as their first frame (an animated GIF's later
frames are not pages). Very large pages are scaled down to a size at which table text is still
20–40 pixels high; slightly rotated scans are straightened, since row and column finding assumes
horizontal rules.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from parsers.ocr.engine import GrayImage, cv2_module
from parsers.readers.limits import DEFAULT_LIMITS, ReaderLimits

# Pages wider than this are scaled down: an A4 page at 250 dpi; table text stays ≥ 20 px high.
MAX_WIDTH: Final[int] = 2100
MAX_HEIGHT: Final[int] = 6000
# Skew search: scans are rarely off by more than a few degrees; more is a photo, not a scan.
MAX_SKEW_DEG: Final[float] = 3.0
_SKEW_MIN_DEG: Final[float] = 0.05  # below this a rotation only blurs
_SKEW_WIDTH: Final[int] = 1000  # the search runs on a copy this wide
MULTI_PAGE_FORMATS: Final[frozenset[str]] = frozenset({"TIFF", "MPO"})


@dataclass
class Page:
    image: GrayImage
    number: int  # 1-based frame number
    scale: float = 1.0  # decoded pixels -> these pixels
    skew_deg: float = 0.0  # the rotation that was undone


@dataclass
class Decoded:
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: str | None = None
    size: tuple[int, int] | None = None  # width, height of the first frame as declared


def _gray(frame: Image.Image) -> Image.Image:
    """Any mode -> L, transparent areas on white (a PNG's transparent background is the paper)."""
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    if frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(frame, dtype=np.float64)
        low, high = float(arr.min()), float(arr.max())
        span = high - low or 1.0
        return Image.fromarray(((arr - low) * (255.0 / span)).astype(np.uint8), "L")
    if frame.mode == "CMYK":
        return frame.convert("RGB").convert("L")
    return frame.convert("L")


def _fit(image: Image.Image) -> tuple[Image.Image, float]:
    scale = min(1.0, MAX_WIDTH / image.width, MAX_HEIGHT / image.height)
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS), scale


def _too_big(width: int, height: int, limits: ReaderLimits) -> str | None:
    if width * height > limits.max_pixels:
        return (
            f"image too large: {width} × {height} = {width * height / 1e6:.0f} megapixels exceeds the cap of "
            f"{limits.max_pixels / 1e6:.0f} megapixels; not decoded"
        )
    return None


def decode(data: bytes, limits: ReaderLimits = DEFAULT_LIMITS) -> Decoded:
    """The pages of an image file, each grayscale, scaled and deskewed. Never raises: a picture that
    cannot be read gives no pages and a warning that says why."""
    out = Decoded()
    if len(data) > limits.max_bytes:
        out.warnings.append(f"image too large: {len(data)} bytes exceeds the cap of {limits.max_bytes}")
        return out
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as exc:
        out.warnings.append(f"image too large: {exc}; not decoded")
        return out
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        out.warnings.append(f"unreadable image: {type(exc).__name__}: {exc}")
        return out
    with image:
        out.format = image.format
        out.size = image.size
        reason = _too_big(image.width, image.height, limits)
        if reason:
            out.warnings.append(reason)
            return out
        frames = getattr(image, "n_frames", 1) if image.format in MULTI_PAGE_FORMATS else 1
        if frames > limits.max_pages:
            out.warnings.append(f"image has {frames} pages; only the first {limits.max_pages} are read")
            frames = limits.max_pages
        for number in range(1, frames + 1):
            page = _page(image, number, limits, out.warnings)
            if page is not None:
                out.pages.append(page)
    if not out.pages and not out.warnings:
        out.warnings.append("unreadable image: no page could be decoded")
    return out


def _page(image: Image.Image, number: int, limits: ReaderLimits, notes: list[str]) -> Page | None:
    where = f"image page {number}" if number > 1 else "image"
    try:
        image.seek(number - 1)
        reason = _too_big(image.width, image.height, limits)
        if reason:
            notes.append(f"{where}: {reason}")
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
            frame = ImageOps.exif_transpose(image) if number == 1 else image.copy()
        gray = _gray(frame if frame is not None else image)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        notes.append(f"unreadable {where}: {type(exc).__name__}: {exc}")
        return None
    gray, scale = _fit(gray)
    pixels: GrayImage = np.asarray(gray, dtype=np.uint8).copy()
    angle = estimate_skew(pixels)
    if abs(angle) >= _SKEW_MIN_DEG:
        pixels = rotate(pixels, angle)
    return Page(pixels, number, scale, angle)


# ---------------------------------------------------------------------------------------------
# Skew
# ---------------------------------------------------------------------------------------------


def _ink(image: GrayImage) -> GrayImage:
    """1 where there is ink: darker than the midpoint between paper and the darkest strokes."""
    paper = float(np.percentile(image, 90))
    dark = float(np.percentile(image, 1))
    if paper - dark < 40:  # a blank or flat page
        return np.zeros_like(image)
    return (image < (paper + dark) / 2).astype(np.uint8)


def _profile_score(ink: GrayImage, angle: float) -> float:
    """How sharply the rows of ink line up after rotating by `angle`: text lines and rules give peaks."""
    cv2 = _cv2()
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def estimate_skew(image: GrayImage) -> float:
    """The angle (degrees, counter-clockwise positive as cv2 rotates) that makes text rows horizontal."""
    cv2 = _cv2()
    h, w = image.shape
    factor = min(1.0, _SKEW_WIDTH / max(w, 1))
    small = image if factor >= 1.0 else cv2.resize(image, (max(1, int(w * factor)), max(1, int(h * factor))),
                                                    interpolation=cv2.INTER_AREA)
    ink = _ink(small)
    if ink.sum() < 100:
        return 0.0
    best, step = 0.0, 0.25
    candidates = list(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, step))
    for _ in range(3):  # coarse to fine: 0.25°, 0.05°, 0.01°
        scores = [(_profile_score(ink, float(a)), float(a)) for a in candidates]
        top = max(scores)[0]
        # Near 0° small rotations move no pixel: the score is flat there; take the middle of the flat top.
        ties = [a for score, a in scores if score >= top]
        best = (min(ties) + max(ties)) / 2
        step /= 5
        candidates = [best + k * step for k in range(-5, 6)]
    return round(best, 2)


def rotate(image: GrayImage, angle: float) -> GrayImage:
    """Rotate about the centre, growing the canvas so nothing is cut, the new corners white."""
    cv2 = _cv2()
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(image, matrix, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=255)
    return np.asarray(out, dtype=np.uint8)


def _cv2() -> Any:
    return cv2_module()
