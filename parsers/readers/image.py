"""Image documents (PNG, JPEG, GIF, BMP, TIFF, WEBP) and scanned PDF pages -> blocks, by OCR.

Per page: find the ruled tables (lattices) from the ink -> decide what to recognise: each text line of
each ruled cell, found from the cell's ink (parsers.ocr.cells), and the text boxes the detector finds in
the strips outside the tables; a page without ruling lines is detected whole -> recognise -> assemble
Grids and Lines (parsers.ocr.layout). Reading ruled cells without the detector is what keeps a table
picture within seconds on one core: detection was half the time of a table and the ruling already says
where every cell is. The blocks are the same kind the HTML reader yields, marked `method="ocr"` with the
recogniser's confidence, so metadata, sections, tables and checks read them unchanged.

`read_image` is the reader registered for the "image" type: it never raises; an image it cannot read
(too large, truncated, not an image, OCR not installed) gives an empty Document with the reason.
`ocr_image` and `ocr_pdf_page` are for other readers and benchmarks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Final

from parsers.blocks import Block, Grid, Line
from parsers.document import Document
from parsers.ocr import OcrUnavailable
from parsers.readers.limits import DEFAULT_LIMITS, Deadline, ReaderLimits
from parsers.template import OCR_LOW_CONFIDENCE

if TYPE_CHECKING:  # numpy, Pillow and the engine load on first use: they are the optional `ocr` extra
    from parsers.ocr.engine import Engine, GrayImage, TextBox
    from parsers.ocr.layout import Piece
    from parsers.ocr.ruling import Lattice

# Text smaller than this (pixels, a detected box's height) is enlarged before it is read again.
MIN_TEXT_HEIGHT: Final[float] = 16.0
_TARGET_TEXT_HEIGHT: Final[float] = 28.0
_MAX_UPSCALE: Final[float] = 3.0
# Confidence of a lone "/" told by its shape (the recogniser reads it as an unsure "1").
MARK_CONFIDENCE: Final[float] = 0.95
# More boxes than this on one page is not a report page (a texture, a photo of a crowd).
MAX_BOXES: Final[int] = 4000


class OcrError(RuntimeError):
    """A page that could not be read; the message is the reason to record."""


def _load() -> tuple[ModuleType, ModuleType, ModuleType, ModuleType]:
    """(engine, layout, preprocess, ruling), or OcrUnavailable naming what is missing."""
    try:
        from parsers.ocr import engine, layout, preprocess, ruling
    except ImportError as exc:
        raise OcrUnavailable(f"OCR is not available ({exc}); install the project's `ocr` extra") from exc
    return engine, layout, preprocess, ruling


@dataclass
class OcrResult:
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    raw_text: list[str] = field(default_factory=list)  # what was read, before normalisation
    seconds: float = 0.0


def _crop(image: GrayImage, box: TextBox) -> GrayImage | None:
    import numpy as np

    h, w = image.shape
    x0, y0 = max(0, int(box.x0)), max(0, int(box.y0))
    x1, y1 = min(w, round(box.x1)), min(h, round(box.y1))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    crop = image[y0:y1, x0:x1].astype(np.float32)
    low, high = float(crop.min()), float(crop.max())
    if high - low < 8:  # flat: nothing to stretch
        return np.ascontiguousarray(image[y0:y1, x0:x1])
    # Faded print is read better at full contrast; crisp crops are unchanged by the stretch.
    return np.ascontiguousarray(((crop - low) * (255.0 / (high - low))).astype(np.uint8))


def _enlarge(image: GrayImage, factor: float) -> GrayImage:
    import numpy as np

    cv2 = _load()[0].cv2_module()
    h, w = image.shape
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_CUBIC), dtype=np.uint8)


def _detect_strips(image: GrayImage, strips: list[TextBox], engine: Engine) -> list[TextBox]:
    """Text boxes in the given areas of the page (the detector runs on each area alone), in page pixels."""
    from parsers.ocr.engine import TextBox

    boxes = []
    for strip in strips:
        x0, y0 = int(strip.x0), int(strip.y0)
        x1, y1 = round(strip.x1), round(strip.y1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        for b in engine.detect(image[y0:y1, x0:x1]):
            boxes.append(TextBox(b.x0 + x0, b.y0 + y0, b.x1 + x0, b.y1 + y0, b.score))
    return boxes


def _plan(image: GrayImage, engine: Engine, max_pixels: int, notes: list[str], where: str
          ) -> tuple[GrayImage, list[Piece], list[Lattice], float]:
    """(the page as read, what to recognise, its ruled tables, text height). Ruled tables are read cell
    by cell from their ink and the detector only sees the rest of the page; a page without ruling lines
    is detected whole (parsers.ocr.cells)."""
    _, layout, _, ruling = _load()
    from parsers.ocr import cells

    ink = ruling.ink_mask(image)
    th = cells.text_height_from_ink(ink)
    enlarged = False
    if th < MIN_TEXT_HEIGHT:
        factor = min(_MAX_UPSCALE, _TARGET_TEXT_HEIGHT / th)
        if image.size * factor * factor <= max_pixels:
            image, enlarged = _enlarge(image, factor), True
            ink = ruling.ink_mask(image)
            th = cells.text_height_from_ink(ink)
    lattices, rule_width = ruling.find_lattices_in(ink, th)
    if lattices:
        pieces = cells.plan_cells(lattices, image, ruling.faint_ink_mask(image), th, rule_width)
        boxes = cells.not_solid(_detect_strips(image, cells.outside_strips(ink, lattices, th), engine), ink)
        if boxes:
            th = layout.text_height(boxes)
        pieces = layout.plan(boxes) + pieces
    else:
        boxes = cells.not_solid(engine.detect(image), ink)
        th = layout.text_height(boxes)
        if boxes and th < MIN_TEXT_HEIGHT and not enlarged:
            factor = min(_MAX_UPSCALE, _TARGET_TEXT_HEIGHT / th)
            if image.size * factor * factor <= max_pixels:
                image = _enlarge(image, factor)
                ink = ruling.ink_mask(image)
                boxes = cells.not_solid(engine.detect(image), ink)
                th = layout.text_height(boxes)
        pieces = layout.plan(boxes)
    if len(pieces) > MAX_BOXES:
        notes.append(f"{where}{len(pieces)} text boxes; only the first {MAX_BOXES} are read")
        pieces = sorted(pieces, key=lambda p: (p.box.y0, p.box.x0))[:MAX_BOXES]
    return image, pieces, lattices, th


def ocr_page(image: GrayImage, page: int | None, engine: Engine, max_pixels: int = DEFAULT_LIMITS.max_pixels,
             result: OcrResult | None = None) -> OcrResult:
    """OCR one grayscale page into blocks (appended to `result` when given)."""
    _, layout, _, _ = _load()
    out = result if result is not None else OcrResult()
    started = time.monotonic()
    where = f"page {page}: " if page is not None else ""
    with engine.lock:
        image, pieces, lattices, th = _plan(image, engine, max_pixels, out.warnings, where)
        crops = [_crop(image, p.box) for p in pieces]
        wanted = [c for c in crops if c is not None]
        readings = iter(engine.recognize(wanted))
    from parsers.ocr import marks

    texts: list[tuple[str, float]] = []
    for piece, crop in zip(pieces, crops, strict=True):
        if crop is None:  # too small a box to read: the cell shows something, so it is not blank
            texts.append(("", float(layout.UNREAD)))
            continue
        reading = next(readings)
        text, confidence = reading.text, reading.confidence
        shape = marks.mark(crop, text) if piece.table is not None else None
        if shape is not None and shape != text:
            # The stroke's shape decides; a dash read as 一 was read confidently, only as the wrong sign.
            confidence = confidence if shape == marks.DASH else max(confidence, MARK_CONFIDENCE)
            text = shape
        texts.append((text, confidence))
        if text:
            out.raw_text.append(text)
    blocks = layout.assemble(pieces, texts, lattices, th, page)
    out.blocks.extend(blocks)
    if not blocks:
        out.warnings.append(f"{where}no text found by OCR")
    out.seconds += time.monotonic() - started
    return out


def ocr_image(
    data: bytes, *, threads: int | None = None, limits: ReaderLimits = DEFAULT_LIMITS
) -> list[Block]:
    """The blocks of every page of an image file (for benchmarks and callers that want blocks only).

    Raises OcrError with the reason when the image cannot be read, OcrUnavailable without the engine."""
    result = _ocr_bytes(data, threads, limits)
    if not result.blocks and result.warnings:
        raise OcrError("; ".join(result.warnings))
    return result.blocks


def ocr_pdf_page(image_bytes: bytes, page_no: int) -> list[Block]:
    """The blocks of one rendered PDF page that has no text layer, each marked with `page_no`.

    Raises OcrError (message = the reason to record) when the page image cannot be read or holds no
    text, OcrUnavailable when the OCR engine is not installed."""
    engine, _, preprocess, _ = _load()
    decoded = preprocess.decode(image_bytes)
    if not decoded.pages:
        raise OcrError(f"scanned PDF page {page_no}: " + "; ".join(decoded.warnings))
    result = ocr_page(decoded.pages[0].image, page_no, engine.get_engine())
    if not result.blocks:
        raise OcrError(f"scanned PDF page {page_no}: no text found by OCR")
    return result.blocks


def _ocr_bytes(data: bytes, threads: int | None, limits: ReaderLimits) -> OcrResult:
    engine_module, _, preprocess, _ = _load()
    decoded = preprocess.decode(data, limits)
    result = OcrResult(warnings=list(decoded.warnings))
    if not decoded.pages:
        return result
    engine = engine_module.get_engine(threads)
    deadline = Deadline(limits.read_seconds)
    paged = len(decoded.pages) > 1
    for n, page in enumerate(decoded.pages):
        if n and deadline.expired():
            result.warnings.append(
                f"OCR stopped after {n} of {len(decoded.pages)} pages: {limits.read_seconds:.0f} s limit"
            )
            break
        ocr_page(page.image, page.number if paged else None, engine, limits.max_pixels, result)
    return result


def _title(blocks: list[Block]) -> str | None:
    for block in blocks:
        if isinstance(block, Line):
            return block.text
        if isinstance(block, Grid):
            return None  # a picture that starts with a table has no title of its own
    return None


def read_image(data: bytes, content_type: str | None = None, *,
               limits: ReaderLimits = DEFAULT_LIMITS) -> Document:
    """Reader for image documents (parsers.report.READERS["image"]). Never raises."""
    try:
        result = _ocr_bytes(data, None, limits)
    except OcrUnavailable as exc:
        return Document([], "", None, {}, None, [f"image not read: {exc}"], "", "image")
    except Exception as exc:  # the contract: a bad picture is a warning, never a crash
        return Document([], "", None, {}, None, [f"image not read: OCR failed: {type(exc).__name__}: {exc}"],
                        "", "image")
    warnings = list(result.warnings)
    low = sum(
        1
        for b in result.blocks
        if isinstance(b, Grid) and b.confidence
        for row in b.confidence
        for c in row
        if c is not None and c < OCR_LOW_CONFIDENCE
    )
    if low:
        warnings.append(f"OCR: {low} table cells read with low confidence")
    return Document(result.blocks, "\n".join(result.raw_text), _title(result.blocks), {}, None, warnings, "",
                    "image")

