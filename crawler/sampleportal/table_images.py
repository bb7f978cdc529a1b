"""The official tables drawn as pictures, the way 图片版 reports show them: ruled grid, merged cells, 宋体.

A table is the sample portal's own layout of it (`render`: merged cells and labels from `parsers.template`),
drawn with Pillow at a given dpi with a serif CJK font. The same grid, dpi and fonts give the same bytes
(no timestamps, no randomness), so a re-crawl sees an unchanged picture. The sample portal serves these for
a few 图片版 reports (sites.py); tests/corpus_images draws its OCR corpus with them (and degrades copies).
Needs Pillow (imported by the portal only when it draws a picture) and a CJK font (Debian fonts-noto-cjk).
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from .render import Grid, Placed, place

# Debian fonts-noto-cjk; fonts-wqy-zenhei as a fallback (both installed by .ci/run).
FONT_CANDIDATES: Final[tuple[tuple[str, str], ...]] = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
)
FONT_PT: Final[float] = 10.5  # 五号, the size official tables are printed in
PAGE_WIDTH_INCH: Final[float] = 6.3  # A4 less 2.5 cm margins: the width a table is drawn to
_PAD: Final[float] = 0.06  # cell padding, inches
_LINE_GAP: Final[float] = 0.35  # between wrapped lines, in font heights


class FontMissing(RuntimeError):
    """No CJK font installed: the corpus cannot be drawn."""


@lru_cache(maxsize=8)
def font(size_px: int) -> ImageFont.FreeTypeFont:
    for path, family in FONT_CANDIDATES:
        if not Path(path).is_file():
            continue
        for index in range(16):  # a .ttc holds several faces: take the Simplified Chinese one
            try:
                face = ImageFont.truetype(path, size_px, index=index)
            except OSError:
                break
            if face.getname()[0] == family:
                return face
    raise FontMissing("no CJK font found: apt-get install fonts-noto-cjk (or fonts-wqy-zenhei)")


Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break text into lines no wider than `width`, between characters (CJK) but never inside a number."""
    pieces: list[str] = []
    for ch in text:
        last = pieces[-1][-1:] if pieces else ""
        in_number = last.isascii() and last.isalnum() and ch.isascii() and ch.isalnum()
        if in_number or (last.isdigit() and ch in ".,"):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    lines: list[str] = []
    current = ""
    for piece in pieces:
        if current and face.getlength(current + piece) > width:
            lines.append(current)
            current = piece
        else:
            current += piece
    if current or not lines:
        lines.append(current)
    return lines


def _column_widths(
    placed: list[Placed], cols: int, total: float, face: ImageFont.FreeTypeFont, pad: float
) -> list[float]:
    """Columns share the page width in proportion to what their single-column cells need (capped, so a
    long label wraps rather than squeezing the value columns)."""
    need = [face.getlength("总计数") + 2 * pad] * cols  # three characters: value columns stay legible
    cap = total / 3
    for p in placed:
        if p.cell.colspan == 1 and p.cell.text:
            need[p.col] = max(need[p.col], min(face.getlength(p.cell.text) + 2 * pad, cap))
    scale = total / sum(need)
    return [w * scale for w in need]


def draw_table(
    grid: Grid, dpi: int = 150, margin_inch: float = 0.3, cells: list[tuple[Placed, Rect]] | None = None
) -> Image.Image:
    """The table as a grayscale picture: ruled lines, merged cells, text centred in its cell.
    `cells`, when given, receives each cell with its rectangle (tests damage chosen cells)."""
    px = dpi / 72
    face = font(round(FONT_PT * px))
    pad = _PAD * dpi
    line_h = face.size * (1 + _LINE_GAP)
    placed, rows, cols = place(grid)
    widths = _column_widths(placed, cols, PAGE_WIDTH_INCH * dpi, face, pad)
    xs = [0.0]
    for w in widths:
        xs.append(xs[-1] + w)

    def span_width(p: Placed) -> float:
        return xs[p.col + p.cell.colspan] - xs[p.col]

    wrapped = {id(p): _wrap(p.cell.text, face, span_width(p) - 2 * pad) for p in placed}
    heights = [line_h + 2 * pad] * rows
    for p in sorted(placed, key=lambda q: q.cell.rowspan):  # single-row cells set heights first
        need = len(wrapped[id(p)]) * line_h + 2 * pad
        have = sum(heights[p.row : p.row + p.cell.rowspan])
        if need > have:
            last = p.row + p.cell.rowspan - 1
            heights[last] += need - have
    ys = [0.0]
    for h in heights:
        ys.append(ys[-1] + h)

    margin = margin_inch * dpi
    image = Image.new("L", (math.ceil(xs[-1] + 2 * margin), math.ceil(ys[-1] + 2 * margin)), 255)
    draw = ImageDraw.Draw(image)
    stroke = max(1, round(dpi / 100))
    for p in placed:
        x0, x1 = margin + xs[p.col], margin + xs[p.col + p.cell.colspan]
        y0, y1 = margin + ys[p.row], margin + ys[p.row + p.cell.rowspan]
        draw.rectangle((round(x0), round(y0), round(x1), round(y1)), outline=0, width=stroke)
        if cells is not None:
            cells.append((p, (x0, y0, x1, y1)))
        lines = wrapped[id(p)]
        top = (y0 + y1) / 2 - len(lines) * line_h / 2 + (line_h - face.size) / 2
        for n, text in enumerate(lines):
            left = (x0 + x1) / 2 - face.getlength(text) / 2
            draw.text((left, top + n * line_h), text, fill=0, font=face)
    return image


def draw_line(
    text: str, width: int, dpi: int = 150, pt: float = FONT_PT, centre: bool = False
) -> Image.Image:
    """One line of text (a title, a section heading) on a strip as wide as the tables."""
    face = font(round(pt * dpi / 72))
    margin = round(0.3 * dpi)
    height = round(face.size * 1.8)
    image = Image.new("L", (width, height), 255)
    left = (width - face.getlength(text)) / 2 if centre else margin
    ImageDraw.Draw(image).text((left, (height - face.size) / 2), text, fill=0, font=face)
    return image


def stack(images: list[Image.Image], gap_inch: float = 0.4, dpi: int = 150) -> Image.Image:
    """Pictures one under another on a white page, left-aligned."""
    gap = round(gap_inch * dpi)
    width = max(im.width for im in images)
    height = sum(im.height for im in images) + gap * (len(images) - 1)
    page = Image.new("L", (width, height), 255)
    y = 0
    for im in images:
        page.paste(im, (0, y))
        y += im.height + gap
    return page


def encode(image: Image.Image, kind: str, dpi: int = 150, quality: int = 90) -> bytes:
    """PNG or JPEG bytes with the dpi recorded."""
    buf = io.BytesIO()
    if kind == "png":
        image.save(buf, "PNG", dpi=(dpi, dpi), optimize=False)
    elif kind == "jpeg":
        image.save(buf, "JPEG", dpi=(dpi, dpi), quality=quality)
    else:
        raise ValueError(f"unknown image kind {kind!r}")
    return buf.getvalue()


TABLE_DPI: Final[int] = 150  # the resolution the portal serves its table pictures at (as the OCR corpus)


def table_png(grid: Grid, dpi: int = TABLE_DPI) -> bytes:
    """One table as the PNG a 图片版 page embeds in its place."""
    return encode(draw_table(grid, dpi), "png", dpi)
