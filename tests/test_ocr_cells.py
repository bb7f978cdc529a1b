"""Ruled cells read from their ink, without the text detector: text height, the lines of a cell, faded
print, the strips the detector still reads, solid shapes. Pictures are drawn with numpy; no OCR. Fast.
"""

from __future__ import annotations

import numpy as np

from parsers.ocr import cells, ruling
from parsers.ocr.engine import TextBox
from parsers.ocr.ruling import Lattice, Span

TH = 30.0  # text height of the made-up pages (pads are 0.15 × 30 = 4.5 px across, 0.12 × 30 = 3.6 down)


def _blank(height: int = 400, width: int = 800) -> np.ndarray:
    return np.zeros((height, width), dtype=np.uint8)


def _glyph(ink: np.ndarray, x: int, y: int, w: int = 16, h: int = 22) -> None:
    """A blot the size of a character: an outline box (ink rarely fills its bounds)."""
    ink[y : y + h, x : x + 2] = ink[y : y + h, x + w - 2 : x + w] = 1
    ink[y : y + 2, x : x + w] = ink[y + h - 2 : y + h, x : x + w] = 1


def test_text_height_is_read_from_whole_characters() -> None:
    ink = _blank()
    for n in range(30):  # 30 characters 20 px high, and 50 smaller pieces of characters
        _glyph(ink, 10 + 25 * n, 20, h=20)
    for n in range(50):
        _glyph(ink, 10 + 15 * n, 100, w=8, h=10)
    ink[300:302, 20:780] = 1  # a rule: not a character
    assert cells.text_height_from_ink(ink) == 20 * 1.3  # the 90th percentile blot, as a detector box
    few = _blank()
    for n in range(5):
        _glyph(few, 10 + 25 * n, 20)
    assert cells.text_height_from_ink(few) == cells.DEFAULT_TEXT_HEIGHT


def test_a_cell_with_two_lines_gives_two_boxes_with_margins() -> None:
    ink = _blank(200, 400)
    for n in range(4):  # 信息内容
        _glyph(ink, 100 + 20 * n, 50)
    for n in range(2):  # 公开 on the next line, 8 px lower than the first line's foot
        _glyph(ink, 100 + 20 * n, 80)
    lines = cells.cell_lines(ink, TextBox(60, 40, 260, 120), TH)
    assert lines == [
        TextBox(100 - 4.5, 50 - 3.6, 176 + 4.5, 72 + 3.6),
        TextBox(100 - 4.5, 80 - 3.6, 136 + 4.5, 102 + 3.6),
    ]


def test_lines_set_close_together_are_still_two_lines() -> None:
    ink = _blank(200, 400)
    for n in range(3):
        _glyph(ink, 100 + 20 * n, 50)  # rows 50–72
        _glyph(ink, 100 + 20 * n, 73)  # rows 73–95: no white row between the two lines
    ink[60:90, 170:172] = 1  # and a stroke reaching from one line into the next
    lines = cells.cell_lines(ink, TextBox(60, 40, 260, 120), TH)
    # Cut at row 72, where only the stroke is: each line's crop ends there.
    assert [(round(b.y0 + 3.6), round(b.y1 - 3.6)) for b in lines] == [(50, 72), (72, 95)]
    bracket = _blank(200, 400)
    _glyph(bracket, 100, 50)
    bracket[46:80, 90:92] = 1  # one tall blot (a bracket) is not two lines
    assert len(cells.cell_lines(bracket, TextBox(60, 40, 260, 120), TH)) == 1


def test_the_strokes_of_one_character_are_one_line_and_specks_none() -> None:
    ink = _blank(200, 400)
    ink[60:62, 100:118] = 1  # 二: two strokes 12 px apart, each thinner than a line
    ink[74:76, 98:120] = 1
    ink[150:152, 300:302] = 1  # dust in the corner of the cell
    lines = cells.cell_lines(ink, TextBox(60, 40, 360, 170), TH)
    assert lines == [TextBox(98 - 4.5, 60 - 3.6, 120 + 4.5, 76 + 3.6)]
    specks = _blank(200, 400)
    specks[60:62, 100:102] = specks[90:93, 200:202] = 1
    assert cells.cell_lines(specks, TextBox(60, 40, 360, 170), TH) == []


def test_the_edge_of_a_rule_inside_the_cell_is_not_text() -> None:
    ink = _blank(200, 400)
    ink[41:43, 60:260] = 1  # the inner edge of the rule above, as thick as the rule, the cell's width
    _glyph(ink, 150, 70)
    assert cells.cell_lines(ink, TextBox(60, 40, 260, 120), TH, rule_width=2.0) == [
        TextBox(150 - 4.5, 70 - 3.6, 166 + 4.5, 92 + 3.6)
    ]
    dash = _blank(200, 400)
    dash[80:82, 140:170] = 1  # a dash (不适用) is short: it stays text
    assert len(cells.cell_lines(dash, TextBox(60, 40, 260, 120), TH, rule_width=2.0)) == 1


def _table() -> tuple[np.ndarray, Lattice]:
    """A page (255 = paper) with a 1 × 3 ruled table at x = 100, 300, 500, 700 and y = 150, 230."""
    page = np.full((400, 800), 255, dtype=np.uint8)
    for y in (150, 230):
        page[y - 1 : y + 1, 100:701] = 0
    for x in (100, 300, 500, 700):
        page[150:231, x - 1 : x + 1] = 0
    lattice = Lattice([100.0, 300.0, 500.0, 700.0], [150.0, 230.0], [Span(0, c, 1, c + 1) for c in range(3)])
    return page, lattice


def test_faded_print_is_read_whole_and_a_blank_cell_stays_blank() -> None:
    page, lattice = _table()
    page[175:197, 150:166] = 90  # dark print in the first cell
    page[175:197, 380:396] = 225  # print faded to a light grey in the second: under the page's ink measure
    faint = ruling.faint_ink_mask(page)
    assert not faint[175:197, 380:396].any()
    pieces = cells.plan_cells([lattice], page, faint, TH, rule_width=2.0)
    assert [(p.span, p.rescue) for p in pieces] == [(0, False), (1, True)]  # the third cell is blank
    assert pieces[1].box == TextBox(380 - 4.5, 175 - 3.6, 396 + 4.5, 197 + 3.6)


def test_the_detector_reads_only_the_strips_outside_the_tables() -> None:
    page, lattice = _table()
    page[60:82, 200:600] = 0  # a heading above the table
    page[240:262, 120:300] = 0  # a note just under it
    ink = ruling.ink_mask(page)
    strips = cells.outside_strips(ink, [lattice], TH)
    margin = 0.6 * TH
    assert strips == [
        TextBox(200 - margin, 60 - margin, 600 + margin, 82 + margin),
        TextBox(120 - margin, 231, 300 + margin, 262 + margin),  # its margin stops short of the table
    ]
    assert cells.outside_strips(ruling.ink_mask(_table()[0]), [lattice], TH) == []  # a table alone


def test_solid_shapes_are_not_text() -> None:
    ink = _blank()
    ink[50:150, 50:250] = 1  # a filled bar (a redaction)
    for n in range(5):
        _glyph(ink, 300 + 20 * n, 60)
    boxes = [TextBox(40, 40, 260, 160), TextBox(295, 55, 405, 87)]
    assert cells.not_solid(boxes, ink) == [boxes[1]]
