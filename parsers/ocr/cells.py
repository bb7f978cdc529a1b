"""Where the text of a ruled page is, from its ink alone: no text detector for ruled tables.

The ruling lines already say where every cell is, so a ruled cell's text lines are found from the ink
inside it (blots grouped by vertical overlap) and each line is handed straight to the recogniser. The
detector, the slowest step on a table scan, then only runs on the strips of the page outside the ruled
tables that hold any ink (a title, section headings, a note under a table), or not at all.

Before anything is detected the text height comes from the ink too: the height of a whole character
(a high percentile of blot heights, since a CJK character breaks into several smaller blots) scaled to
what the detector's boxes measure, which is what the ruling and layout thresholds are stated in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from parsers.ocr.engine import GrayImage, TextBox, cv2_module
from parsers.ocr.layout import Piece
from parsers.ocr.ruling import Lattice, Mask

# Text height from blots: a detector box is about this much taller than the ink of a whole character.
_BOX_PER_GLYPH: Final[float] = 1.3
_GLYPH_PERCENTILE: Final[float] = 90.0
_MIN_BLOTS: Final[int] = 12  # fewer blots than this say nothing about the text size
DEFAULT_TEXT_HEIGHT: Final[float] = 20.0
# Inside a cell, in text heights: blots smaller than _SPECK are noise; a line needs one blot of at
# least _GLYPH (a digit is ~0.55, a CJK character ~0.75); blots closer than _LINE_GAP vertically are one
# line; a line thinner than _MIN_LINE (the strokes of 二, a stray quote) belongs to the nearest line
# within _JOIN.
_SPECK: Final[float] = 0.1
_GLYPH: Final[float] = 0.3
_LINE_GAP: Final[float] = 0.08
_MIN_LINE: Final[float] = 0.4
_JOIN: Final[float] = 0.5
# A band taller than _MAX_LINE character heights holds more than one line; no line is cut thinner
# than _MIN_CUT character heights.
_MAX_LINE: Final[float] = 1.6
_MIN_CUT: Final[float] = 0.6
# A blot as long as the cell's side and as thin as a rule is the edge of a ruling line, not text.
_RULE_SPAN: Final[float] = 0.9
# A cell whose darkest mark is this many grey levels under its paper may hold faded print.
_FADED_CONTRAST: Final[float] = 20.0
_CELL_INSET: Final[int] = 3  # pixels inside the rules, besides half their thickness
# Margin around a line's ink in the crop handed to the recogniser, in text heights (the detector's
# boxes leave about this much around the ink; the recogniser is trained on such crops).
_PAD_X: Final[float] = 0.15
_PAD_Y: Final[float] = 0.12
_SOLID: Final[float] = 0.6  # share of a detected box that is ink, beyond which it is a filled shape
# Strips outside ruled tables: blots closer than this (text heights) are one strip; margin around it.
_STRIP_GAP: Final[float] = 1.5
_STRIP_MARGIN: Final[float] = 0.6


@dataclass(frozen=True)
class _Blot:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def size(self) -> int:
        return max(self.x1 - self.x0, self.y1 - self.y0)


def _blots(mask: Mask) -> list[_Blot]:
    count, _, stats, _ = cv2_module().connectedComponentsWithStats(np.ascontiguousarray(mask), connectivity=8)
    return [
        _Blot(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h, _ in (stats[i] for i in range(1, count))
    ]


def text_height_from_ink(ink: Mask) -> float:
    """The text height (as the detector's boxes measure it) estimated from the page's blots; 20 px when
    the page has too few to tell."""
    rows, cols = ink.shape
    heights = [
        b.y1 - b.y0
        for b in _blots(ink)
        if 4 <= b.y1 - b.y0 <= rows / 4 and 2 <= b.x1 - b.x0 <= cols / 4
        and (b.x1 - b.x0) <= 4 * (b.y1 - b.y0)
    ]
    if len(heights) < _MIN_BLOTS:
        return DEFAULT_TEXT_HEIGHT
    return float(np.percentile(heights, _GLYPH_PERCENTILE)) * _BOX_PER_GLYPH


def _is_rule_edge(b: _Blot, width: int, height: int, rule_width: float) -> bool:
    thin = max(3.0, rule_width + 1)
    w, h = b.x1 - b.x0, b.y1 - b.y0
    return (h <= thin and w >= _RULE_SPAN * width) or (w <= thin and h >= _RULE_SPAN * height)


def _bands(blots: list[_Blot], th: float) -> list[tuple[list[_Blot], int, int]]:
    """Blots grouped into text lines, top to bottom: (blots, top row, bottom row)."""
    bands: list[list[_Blot]] = []
    bottom = -1.0
    for b in sorted(blots, key=lambda b: b.y0):
        if bands and b.y0 <= bottom + _LINE_GAP * th:
            bands[-1].append(b)
            bottom = max(bottom, b.y1)
        else:
            bands.append([b])
            bottom = b.y1
    # A thin band (the separate strokes of 二, a dot) is part of the nearest line, when one is near.
    changed = True
    while changed and len(bands) > 1:
        changed = False
        for i, band in enumerate(bands):
            top, low = min(b.y0 for b in band), max(b.y1 for b in band)
            if low - top >= _MIN_LINE * th:
                continue
            gaps = []
            if i > 0:
                gaps.append((top - max(b.y1 for b in bands[i - 1]), i - 1))
            if i + 1 < len(bands):
                gaps.append((min(b.y0 for b in bands[i + 1]) - low, i + 1))
            gap, j = min(gaps)
            if gap <= _JOIN * th:
                bands[j].extend(band)
                del bands[i]
                changed = True
                break
    out = []
    for band in bands:
        out.extend(_split_tall(band, min(b.y0 for b in band), max(b.y1 for b in band), th))
    return out


def _split_tall(band: list[_Blot], top: int, low: int, th: float) -> list[tuple[list[_Blot], int, int]]:
    """A band taller than one line (lines set so close that their blots nearly touch, or joined by one
    blot that reaches across) cut where the fewest blots cover a row, as often as it takes; a blot
    goes with the side its middle is on, and each side ends at the cut."""
    glyph = th / _BOX_PER_GLYPH
    margin = int(_MIN_CUT * glyph)
    if low - top <= _MAX_LINE * glyph or low - top - margin <= margin:
        return [(band, top, low)]
    cover = np.zeros(low - top, dtype=np.int32)
    for b in band:
        cover[max(0, b.y0 - top) : max(0, b.y1 - top)] += 1
    cut = top + margin + int(np.argmin(cover[margin : low - top - margin]))
    upper = [b for b in band if (b.y0 + b.y1) / 2 < cut]
    lower = [b for b in band if (b.y0 + b.y1) / 2 >= cut]
    if not upper or not lower:  # one tall blot (a bracket, a stamp): nothing to cut between
        return [(band, top, low)]
    above = min(cut, max(b.y1 for b in upper))
    below = max(cut, min(b.y0 for b in lower))
    return _split_tall(upper, max(top, min(b.y0 for b in upper)), above, th) + _split_tall(
        lower, below, min(low, max(b.y1 for b in lower)), th
    )


def cell_lines(ink: Mask, cell: TextBox, th: float, rule_width: float = 2.0) -> list[TextBox]:
    """The text lines inside one cell (`cell`: the area inside its rules), each as the box to recognise."""
    x0, y0 = max(0, int(cell.x0)), max(0, int(cell.y0))
    x1, y1 = min(ink.shape[1], int(cell.x1)), min(ink.shape[0], int(cell.y1))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return []
    region = ink[y0:y1, x0:x1]
    if not region.any():
        return []
    blots = [
        b for b in _blots(region)
        if b.size >= _SPECK * th and not _is_rule_edge(b, x1 - x0, y1 - y0, rule_width)
    ]
    px, py = _PAD_X * th, _PAD_Y * th
    lines = []
    for band, top, low in _bands(blots, th):
        if max(b.size for b in band) < _GLYPH * th:
            continue  # specks only: nothing a reader would call text
        lines.append(
            TextBox(
                max(float(x0), x0 + min(b.x0 for b in band) - px),
                max(float(y0), y0 + top - py),
                min(float(x1), x0 + max(b.x1 for b in band) + px),
                min(float(y1), y0 + low + py),
            )
        )
    return lines


def inner(lattice: Lattice, span: int, rule_width: float) -> TextBox:
    """The area of a cell inside its rules."""
    x0, y0, x1, y1 = lattice.rect(lattice.spans[span])
    inset = rule_width / 2 + _CELL_INSET
    return TextBox(x0 + inset, y0 + inset, x1 - inset, y1 - inset)


def faded_box(image: GrayImage, cell: TextBox, th: float) -> TextBox | None:
    """The bounds of glyph-sized marks in a cell that shows no ink by the page's measure, judged
    against the cell's own paper instead (print faded to a light grey); None when the cell is blank."""
    x0, y0 = max(0, int(cell.x0)), max(0, int(cell.y0))
    x1, y1 = min(image.shape[1], int(cell.x1)), min(image.shape[0], int(cell.y1))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    region = image[y0:y1, x0:x1]
    paper = float(np.percentile(region, 90))
    dark = float(region.min())
    if paper - dark < _FADED_CONTRAST:
        return None
    marks = [b for b in _blots((region < (paper + dark) / 2).astype(np.uint8)) if b.size >= _GLYPH * th]
    if not marks:
        return None
    px, py = _PAD_X * th, _PAD_Y * th
    return TextBox(
        max(float(x0), x0 + min(b.x0 for b in marks) - px),
        max(float(y0), y0 + min(b.y0 for b in marks) - py),
        min(float(x1), x0 + max(b.x1 for b in marks) + px),
        min(float(y1), y0 + max(b.y1 for b in marks) + py),
    )


def plan_cells(lattices: list[Lattice], image: GrayImage, ink: Mask, th: float, rule_width: float = 2.0
               ) -> list[Piece]:
    """One piece per text line of every ruled cell, found in `ink` (faint print included). A cell with
    no line there but faded marks by its own contrast is read whole as a rescue: what the recogniser
    makes of it is flagged when unsure, and nothing read leaves it flagged, never blank."""
    pieces: list[Piece] = []
    for t, lattice in enumerate(lattices):
        for s in range(len(lattice.spans)):
            cell = inner(lattice, s, rule_width)
            lines = cell_lines(ink, cell, th, rule_width)
            pieces.extend(Piece(line, t, s) for line in lines)
            if not lines:
                faded = faded_box(image, cell, th)
                if faded is not None:
                    pieces.append(Piece(faded, t, s, rescue=True))
    return pieces


def not_solid(boxes: list[TextBox], ink: Mask) -> list[TextBox]:
    """The boxes that are not solid ink: a filled bar or a redaction block is not text, however the
    detector scores it (print covers well under half of its box)."""
    kept = []
    for box in boxes:
        x0, y0 = max(0, int(box.x0)), max(0, int(box.y0))
        x1, y1 = min(ink.shape[1], round(box.x1)), min(ink.shape[0], round(box.y1))
        area = ink[y0:y1, x0:x1]
        if area.size == 0 or float(area.mean()) < _SOLID:
            kept.append(box)
    return kept


def outside_strips(ink: Mask, lattices: list[Lattice], th: float) -> list[TextBox]:
    """Areas outside every ruled table that hold glyph-sized ink, top to bottom: what the detector reads.

    A strip is a run of such blots with no vertical gap wider than 1.5 text heights, as wide as its ink
    plus a margin; it never reaches into a table."""
    rows, cols = ink.shape
    boxes = [lat.bbox for lat in lattices]

    def outside(b: _Blot) -> bool:
        cx, cy = (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
        return not any(x0 - 2 <= cx <= x1 + 2 and y0 - 2 <= cy <= y1 + 2 for x0, y0, x1, y1 in boxes)

    blots = sorted((b for b in _blots(ink) if b.size >= _GLYPH * th and outside(b)), key=lambda b: b.y0)
    strips: list[list[_Blot]] = []
    bottom = -1.0
    for b in blots:
        if strips and b.y0 <= bottom + _STRIP_GAP * th:
            strips[-1].append(b)
            bottom = max(bottom, b.y1)
        else:
            strips.append([b])
            bottom = b.y1
    margin = _STRIP_MARGIN * th
    out = []
    for strip in strips:
        top = max(0.0, min(b.y0 for b in strip) - margin)
        low = min(float(rows), max(b.y1 for b in strip) + margin)
        left = max(0.0, min(b.x0 for b in strip) - margin)
        right = min(float(cols), max(b.x1 for b in strip) + margin)
        for x0, y0, x1, y1 in boxes:  # keep the margin out of a table next to the strip
            if x0 <= (left + right) / 2 <= x1:
                if y1 <= min(b.y0 for b in strip):
                    top = max(top, y1 + 1)
                if y0 >= max(b.y1 for b in strip):
                    low = min(low, y0 - 1)
        out.append(TextBox(left, top, right, low))
    return out
