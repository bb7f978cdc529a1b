"""Ruling lines of table pictures -> lattices: row and column boundaries and the merged cells between them.

Horizontal and vertical rules are what morphological opening with a long thin kernel keeps of the ink
(strokes of characters are shorter than the kernel). Rules that touch form one table. The boundaries of
a table are the distinct rule positions; two neighbouring slots of the lattice belong to one merged cell
where the rule between them is missing, which is how rowspan/colspan look on paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from parsers.ocr.engine import GrayImage, cv2_module

__all__ = [
    "Lattice",
    "Mask",
    "Span",
    "cv2_module",
    "faint_ink_mask",
    "find_lattices",
    "find_lattices_in",
    "ink_mask",
]

Mask = npt.NDArray[np.uint8]

# Kernel lengths and minimum rule lengths, in text heights (a detected text box's median height).
_H_KERNEL: Final[float] = 1.6
_V_KERNEL: Final[float] = 1.1
_H_MIN_LEN: Final[float] = 2.0
_V_MIN_LEN: Final[float] = 1.0
_MAX_THICKNESS: Final[float] = 0.35  # a "rule" thicker than this share of a text height is a filled area
_COVERAGE: Final[float] = 0.6  # share of a slot's side a rule must cover to separate two slots
_MIN_RULES: Final[int] = 2  # each direction, for a lattice


@dataclass(frozen=True)
class Segment:
    pos: float  # y of a horizontal rule, x of a vertical one
    start: float
    end: float
    thickness: float


@dataclass(frozen=True)
class Span:
    """A merged cell: rows [r0, r1), columns [c0, c1) of the lattice."""

    r0: int
    c0: int
    r1: int
    c1: int


@dataclass
class Lattice:
    xs: list[float]  # column boundaries, left to right (columns = len - 1)
    ys: list[float]  # row boundaries, top to bottom
    spans: list[Span] = field(default_factory=list)  # every slot is in exactly one span
    _slots: dict[tuple[int, int], int] | None = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> int:
        return len(self.ys) - 1

    @property
    def cols(self) -> int:
        return len(self.xs) - 1

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def rect(self, span: Span) -> tuple[float, float, float, float]:
        return self.xs[span.c0], self.ys[span.r0], self.xs[span.c1], self.ys[span.r1]

    def slot_spans(self) -> dict[tuple[int, int], int]:
        """(row, column) -> index of the span that covers it."""
        if self._slots is None:
            self._slots = {
                (r, c): s
                for s, span in enumerate(self.spans)
                for r in range(span.r0, span.r1)
                for c in range(span.c0, span.c1)
            }
        return self._slots


def _cv2() -> Any:
    return cv2_module()


def ink_mask(image: GrayImage) -> Mask:
    """1 where there is ink (Otsu's threshold: paper and print separate cleanly even when blurred)."""
    cv2 = _cv2()
    _, binary = cv2.threshold(image, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return np.asarray(binary, dtype=np.uint8)


# Faint ink: this many grey levels darker than the paper (faded print, a light pencil mark).
FAINT_DEPTH: Final[int] = 40


def faint_ink_mask(image: GrayImage) -> Mask:
    """1 where the page is clearly darker than its paper, however light the print (a faded digit)."""
    paper = float(np.percentile(image, 75))
    return (image < paper - FAINT_DEPTH).astype(np.uint8)


def rule_masks(ink: Mask, text_height: float) -> tuple[Mask, Mask]:
    """(horizontal, vertical): the ink that lies on long straight horizontal / vertical runs."""
    cv2 = _cv2()
    h_len = max(15, round(_H_KERNEL * text_height))
    v_len = max(10, round(_V_KERNEL * text_height))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, h_len), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((v_len, 1), np.uint8))
    # Blur and JPEG leave one-pixel gaps along a rule: bridge them along the rule only.
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, np.ones((5, 1), np.uint8))
    return np.asarray(horizontal, np.uint8), np.asarray(vertical, np.uint8)


def _segments(mask: Mask, horizontal: bool, min_len: float, max_thick: float) -> list[Segment]:
    cv2 = _cv2()
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i][:4])
        length, thick = (w, h) if horizontal else (h, w)
        if length < min_len or thick > max(3.0, max_thick):
            continue
        if horizontal:
            out.append(Segment(y + h / 2, x, x + w, h))
        else:
            out.append(Segment(x + w / 2, y, y + h, w))
    return out


def _touch(a: Segment, b: Segment, tol: float) -> bool:
    """A horizontal segment `a` and a vertical one `b` meet (or nearly: rules of scans do not quite join)."""
    return a.start - tol <= b.pos <= a.end + tol and b.start - tol <= a.pos <= b.end + tol


def _groups(hs: list[Segment], vs: list[Segment], tol: float) -> list[tuple[list[Segment], list[Segment]]]:
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if _touch(h, v, tol):
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[Segment], list[Segment]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return list(groups.values())


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _coverage(mask: Mask, pos: float, start: float, end: float, horizontal: bool, reach: int) -> float:
    """Share of [start, end] along which the rule mask has ink within `reach` pixels of `pos`."""
    p = round(pos)
    a, b = round(start), round(end)
    margin = max(1, (b - a) // 10)  # the corners, where the crossing rules are, say nothing
    a, b = a + margin, b - margin
    if b <= a:
        return 1.0
    if horizontal:
        band = mask[max(0, p - reach) : p + reach + 1, a:b]
        hit = band.any(axis=0)
    else:
        band = mask[a:b, max(0, p - reach) : p + reach + 1]
        hit = band.any(axis=1)
    return float(hit.mean()) if hit.size else 0.0


def _spans(xs: list[float], ys: list[float], hmask: Mask, vmask: Mask, reach: int) -> list[Span]:
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and _coverage(vmask, xs[c + 1], ys[r], ys[r + 1], False, reach) < _COVERAGE:
                parent[find(r * cols + c)] = find(r * cols + c + 1)
            if r + 1 < rows and _coverage(hmask, ys[r + 1], xs[c], xs[c + 1], True, reach) < _COVERAGE:
                parent[find(r * cols + c)] = find((r + 1) * cols + c)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            members.setdefault(find(r * cols + c), []).append((r, c))
    spans = []
    for slots in members.values():
        rs = [r for r, _ in slots]
        cs = [c for _, c in slots]
        spans.append(Span(min(rs), min(cs), max(rs) + 1, max(cs) + 1))
    spans.sort(key=lambda s: (s.r0, s.c0))
    return _disjoint(spans)


def _disjoint(spans: list[Span]) -> list[Span]:
    """An L-shaped merge (a broken rule) gives overlapping bounding boxes: the first keeps the slots."""
    taken: set[tuple[int, int]] = set()
    out = []
    for s in spans:
        slots = {(r, c) for r in range(s.r0, s.r1) for c in range(s.c0, s.c1)}
        if slots & taken:
            for r, c in sorted(slots - taken):
                out.append(Span(r, c, r + 1, c + 1))
                taken.add((r, c))
            continue
        taken |= slots
        out.append(s)
    out.sort(key=lambda s: (s.r0, s.c0))
    return out


def find_lattices(image: GrayImage, text_height: float) -> list[Lattice]:
    """The ruled tables of a (deskewed) page, top to bottom."""
    return find_lattices_in(ink_mask(image), text_height)[0]


def find_lattices_in(ink: Mask, text_height: float) -> tuple[list[Lattice], float]:
    """(lattices top to bottom, typical rule thickness in pixels) from a page's ink mask."""
    text_height = max(8.0, text_height)
    hmask, vmask = rule_masks(ink, text_height)
    thick = _MAX_THICKNESS * text_height
    hs = _segments(hmask, True, _H_MIN_LEN * text_height, thick)
    vs = _segments(vmask, False, _V_MIN_LEN * text_height, thick)
    tol = max(3.0, 0.25 * text_height)
    lattices = []
    widths: list[float] = []
    for group_h, group_v in _groups(hs, vs, tol):
        if len(group_h) < _MIN_RULES or len(group_v) < _MIN_RULES:
            continue
        ys = _cluster([s.pos for s in group_h], tol)
        xs = _cluster([s.pos for s in group_v], tol)
        if len(ys) < _MIN_RULES or len(xs) < _MIN_RULES:
            continue
        thickness = sorted(s.thickness for s in group_h + group_v)
        width = thickness[len(thickness) // 2]
        widths.append(width)
        reach = max(2, round(width / 2) + 1)
        lattices.append(Lattice(xs, ys, _spans(xs, ys, hmask, vmask, reach)))
    lattices.sort(key=lambda lat: lat.ys[0])
    return lattices, max(widths) if widths else 2.0
