"""不适用 marks told by their shape: a lone "/" or "—" in a cell.

The recogniser is trained on lines of text and reads a slash standing alone in a table cell as "1" or
"7" (unsure), and a dash as the character 一 (sure). Both are one straight stroke; its direction and
thinness (principal axes of the ink) tell them apart from digits, whose ink is never that thin.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from parsers.ocr.engine import GrayImage

SLASH: Final[str] = "/"
DASH: Final[str] = "—"
# Readings a lone mark comes out as; only these are second-guessed.
SLASH_READINGS: Final[frozenset[str]] = frozenset({"1", "7", "l", "I", "|", "/", "\\", ""})
DASH_READINGS: Final[frozenset[str]] = frozenset({"一", "_", "-", "—", "－", "~", ""})
_MAX_THINNESS: Final[float] = 0.13  # minor / major axis of a stroke; "1" is ≥ 0.15 with its serifs
_SLASH_ANGLES: Final[tuple[float, float]] = (50.0, 80.0)  # degrees above horizontal, rising rightwards
_DASH_TOLERANCE: Final[float] = 10.0
_DASH_THINNESS: Final[float] = 0.35
_MIN_PIXELS: Final[int] = 6
_ONE_BLOT: Final[float] = 0.9  # share of the ink in the largest blot for "one stroke"


def _stroke(crop: GrayImage) -> tuple[float, float, float] | None:
    """(angle in degrees 0–180, thinness, width / height) of the crop's ink when it is one blot."""
    from parsers.ocr.engine import cv2_module

    low, high = int(crop.min()), int(crop.max())
    if high - low < 40:
        return None
    ink = (crop < (low + high) / 2).astype(np.uint8)
    count, labels, stats, _ = cv2_module().connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return None
    areas = stats[1:, 4]
    biggest = int(np.argmax(areas)) + 1
    if areas.max() < _MIN_PIXELS or areas.max() < _ONE_BLOT * areas.sum():
        return None
    ys, xs = np.nonzero(labels == biggest)
    pts = np.stack([xs, ys], axis=1).astype(np.float64)
    pts -= pts.mean(axis=0)
    values, vectors = np.linalg.eigh(pts.T @ pts / len(pts))
    major = vectors[:, 1]
    thinness = float(np.sqrt(max(values[0], 0.0) / max(values[1], 1e-9)))
    angle = float(np.degrees(np.arctan2(-major[1], major[0])) % 180.0)
    w, h = int(stats[biggest, 2]), int(stats[biggest, 3])
    return angle, thinness, w / max(h, 1)


def mark(crop: GrayImage, reading: str) -> str | None:
    """"/" or "—" when the crop's ink is that one stroke and the reading is one a mark is misread as."""
    reading = reading.strip()
    if reading not in SLASH_READINGS and reading not in DASH_READINGS:
        return None
    stroke = _stroke(crop)
    if stroke is None:
        return None
    angle, thinness, aspect = stroke
    low, high = _SLASH_ANGLES
    if reading in SLASH_READINGS and low <= angle <= high and thinness <= _MAX_THINNESS:
        return SLASH
    horizontal = min(angle, 180.0 - angle) <= _DASH_TOLERANCE
    if reading in DASH_READINGS and horizontal and thinness <= _DASH_THINNESS and aspect >= 1.5:
        return DASH
    return None
