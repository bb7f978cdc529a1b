"""Table structure from geometry: ruling lines -> lattices, text boxes -> cells, Lines and borderless Grids.

No OCR here: boxes and their readings are made up, pictures are ruled lines drawn with numpy. Fast.
"""

from __future__ import annotations

import numpy as np
import pytest

from parsers.blocks import Grid, Line
from parsers.ocr import layout, preprocess, ruling
from parsers.ocr.engine import TextBox
from parsers.ocr.layout import Piece, Word
from parsers.ocr.ruling import Lattice, Span

TH = 30.0  # text height of the made-up pages


def _page(width: int = 900, height: int = 500) -> np.ndarray:
    return np.full((height, width), 255, dtype=np.uint8)


def _hline(img: np.ndarray, y: int, x0: int, x1: int, t: int = 2) -> None:
    img[y - t // 2 : y - t // 2 + t, x0 : x1 + 1] = 0


def _vline(img: np.ndarray, x: int, y0: int, y1: int, t: int = 2) -> None:
    img[y0 : y1 + 1, x - t // 2 : x - t // 2 + t] = 0


def _ruled_table(img: np.ndarray) -> None:
    """4 columns × 4 rows at x = 100, 300, 450, 600, 750 and y = 50, 100, 150, 200, 250;
    the top-left cell spans two rows (no rule under it) and the top-right header spans three columns."""
    xs = [100, 300, 450, 600, 750]
    ys = [50, 100, 150, 200, 250]
    _hline(img, ys[0], xs[0], xs[-1])
    _hline(img, ys[1], xs[1], xs[-1])  # not under the rowspan cell of column 0
    for y in ys[2:]:
        _hline(img, y, xs[0], xs[-1])
    _vline(img, xs[0], ys[0], ys[-1])
    _vline(img, xs[1], ys[0], ys[-1])
    for x in xs[2:4]:
        _vline(img, x, ys[1], ys[-1])  # not through the colspan header
    _vline(img, xs[-1], ys[0], ys[-1])


def test_lattice_from_ruling_lines_finds_merged_cells() -> None:
    img = _page()
    _ruled_table(img)
    (lattice,) = ruling.find_lattices(img, TH)
    assert [round(x) for x in lattice.xs] == [100, 300, 450, 600, 750]
    assert [round(y) for y in lattice.ys] == [50, 100, 150, 200, 250]
    assert lattice.spans == [
        Span(0, 0, 2, 1),  # rowspan 2
        Span(0, 1, 1, 4),  # colspan 3
        Span(1, 1, 2, 2),
        Span(1, 2, 2, 3),
        Span(1, 3, 2, 4),
        *[Span(r, c, r + 1, c + 1) for r in (2, 3) for c in range(4)],
    ]


def test_text_strokes_are_not_rules() -> None:
    img = _page()
    _ruled_table(img)
    img[175:177, 320:340] = 0  # a 一 inside a cell: shorter than any rule
    img[160:190, 500:502] = 0  # a 丨 stroke inside a cell
    (lattice,) = ruling.find_lattices(img, TH)
    assert len(lattice.xs) == 5 and len(lattice.ys) == 5


def test_two_tables_on_one_page_are_two_lattices() -> None:
    img = _page(height=900)
    _ruled_table(img)
    for y in (500, 560, 620):
        _hline(img, y, 100, 700)
    for x in (100, 400, 700):
        _vline(img, x, 500, 620)
    first, second = ruling.find_lattices(img, TH)
    assert first.rows == 4 and first.cols == 4
    assert second.rows == 2 and second.cols == 2
    assert second.ys[0] > first.ys[-1]


def test_no_rules_no_lattice() -> None:
    img = _page()
    img[100:130, 100:400] = 0  # a filled bar is not a table
    assert ruling.find_lattices(img, TH) == []


def _lattice() -> Lattice:
    return Lattice(
        [100.0, 300.0, 450.0, 600.0, 750.0],
        [50.0, 100.0, 150.0, 200.0, 250.0],
        [
            Span(0, 0, 2, 1),
            Span(0, 1, 1, 4),
            Span(1, 1, 2, 2),
            Span(1, 2, 2, 3),
            Span(1, 3, 2, 4),
            *[Span(r, c, r + 1, c + 1) for r in (2, 3) for c in range(4)],
        ],
    )


def test_grid_expands_merged_cells_and_keeps_weakest_confidence() -> None:
    lat = _lattice()
    words = {
        0: [Word(TextBox(150, 60, 250, 90), "信息", 0.99), Word(TextBox(150, 110, 250, 140), "内容", 0.95)],
        1: [Word(TextBox(400, 60, 600, 90), "申请人情况", 0.98)],
        2: [Word(TextBox(350, 110, 400, 140), "自然人", 0.97)],
        3: [Word(TextBox(500, 110, 550, 140), "企业", 0.99)],
        4: [Word(TextBox(650, 110, 700, 140), "总计", 0.99)],
        5: [Word(TextBox(150, 160, 250, 190), "一、本年新收", 0.99)],
        6: [Word(TextBox(370, 160, 380, 190), "1", 0.999)],
        7: [Word(TextBox(520, 160, 530, 190), "8", 0.62)],
        8: [Word(TextBox(670, 160, 690, 190), "9", 0.999)],
        9: [Word(TextBox(150, 210, 250, 240), "二、上年结转", 0.99)],
        # 10: a blank cell (no ink); 11: ink nobody could read
        12: [Word(TextBox(670, 210, 680, 240), "0", 0.999)],
    }
    rescued = {11: Word(TextBox(520, 210, 530, 240), "", 0.0)}
    grid = layout.lattice_grid(lat, words, rescued, TH, page=3)
    assert grid is not None
    assert grid.method == "ocr" and grid.page == 3
    assert grid.rows == [
        ["信息内容", "申请人情况", "申请人情况", "申请人情况"],
        ["信息内容", "自然人", "企业", "总计"],
        ["一、本年新收", "1", "8", "9"],
        ["二、上年结转", "", "", "0"],
    ]
    assert grid.confidence == [
        [0.95, 0.98, 0.98, 0.98],
        [0.95, 0.97, 0.99, 0.99],
        [0.99, 0.999, 0.62, 0.999],
        [0.99, None, layout.UNREAD, 0.999],
    ]


def test_assemble_orders_lines_and_tables_top_to_bottom() -> None:
    lat = _lattice()
    pieces = [
        Piece(TextBox(100, 10, 500, 40)),  # heading above the table
        Piece(TextBox(370, 160, 380, 190), 0, 6),
        Piece(TextBox(100, 280, 400, 310)),  # a note below it
        Piece(TextBox(520, 160, 530, 190), 0, 7, rescue=True),
    ]
    readings = [("二、主动公开政府信息情况", 0.98), ("5", 0.99), ("注：单位为件", 0.97), ("7", 0.93)]
    blocks = layout.assemble(pieces, readings, [lat], TH, page=None)
    assert isinstance(blocks[0], Line) and blocks[0].text == "二、主动公开政府信息情况"
    assert blocks[0].method == "ocr" and blocks[0].confidence == 0.98
    assert isinstance(blocks[1], Grid)
    assert blocks[1].rows == [["", "5", "7", ""]]  # only the row with text; empty rows dropped
    assert blocks[1].confidence == [[None, 0.99, 0.93, None]]
    assert isinstance(blocks[2], Line) and blocks[2].text == "注:单位为件"


def test_detected_box_read_as_nothing_is_flagged_not_blank() -> None:
    lat = _lattice()
    pieces = [Piece(TextBox(150, 160, 250, 190), 0, 5), Piece(TextBox(370, 160, 380, 190), 0, 6)]
    grid = layout.assemble(pieces, [("一、本年新收", 0.99), ("", 0.0)], [lat], TH)[0]
    assert isinstance(grid, Grid)
    assert grid.rows == [["一、本年新收", "", "", ""]]
    assert grid.confidence == [[0.99, layout.UNREAD, None, None]]


def _word(x0: float, y0: float, text: str, conf: float = 0.99, width: float = 0.0) -> Word:
    w = width or 16.0 * len(text)
    return Word(TextBox(x0, y0, x0 + w, y0 + TH), text, conf)


def test_borderless_rows_become_a_grid_with_blank_cells_in_place() -> None:
    words = [
        _word(100, 20, "收到和处理政府信息公开申请情况"),
        _word(100, 80, "一、本年新收"), _word(400, 80, "12"), _word(500, 80, "3"), _word(600, 80, "15"),
        _word(100, 130, "二、上年结转"), _word(400, 130, "1"), _word(600, 130, "1"),
        _word(100, 180, "(七)总计"), _word(400, 180, "10", 0.7), _word(500, 180, "3"), _word(600, 180, "13"),
        _word(100, 260, "以上数据截至12月31日"),
    ]
    blocks = layout.text_blocks(words, TH, page=None)
    kinds = [type(b).__name__ for _, b in blocks]
    assert kinds == ["Line", "Grid", "Line"]
    grid = blocks[1][1]
    assert isinstance(grid, Grid)
    assert grid.rows == [
        ["一、本年新收", "12", "3", "15"],
        ["二、上年结转", "1", "", "1"],
        ["(七)总计", "10", "3", "13"],
    ]
    assert grid.confidence is not None and grid.confidence[2][1] == 0.7 and grid.confidence[1][2] is None


def test_words_of_a_line_join_without_spaces_between_cjk() -> None:
    words = [_word(100, 20, "二、主动公开"), _word(200, 22, "政府信息情况"), _word(100, 70, "2021 年")]
    blocks = [b for _, b in layout.text_blocks(words, TH, None)]
    assert [b.text for b in blocks if isinstance(b, Line)] == ["二、主动公开政府信息情况", "2021 年"]


def test_text_height_is_the_median_box_height() -> None:
    boxes = [TextBox(0, 0, 10, h) for h in (20, 30, 31, 32, 90)]
    assert layout.text_height(boxes) == 31
    assert layout.text_height([]) == 20.0


@pytest.mark.parametrize("angle", [0.7, -0.45, 1.0])
def test_skew_estimate_undoes_a_slight_rotation(angle: float) -> None:
    from PIL import Image

    img = _page(1000, 700)
    for y in range(60, 660, 40):
        _hline(img, y, 80, 920)
    rotated = np.asarray(
        Image.fromarray(img).rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    )
    assert preprocess.estimate_skew(rotated) == pytest.approx(-angle, abs=0.06)
    assert preprocess.estimate_skew(img) == pytest.approx(0.0, abs=0.02)


def test_text_no_table_cell_can_hold_is_blanked_and_flagged() -> None:
    rows = [
        ["信息内容", "总计", "其他", "本年制发件数"],
        ["规章", "d", "3", "12"],
        ["行政规范性文件", "口", "了2", "4"],
        ["行政许可", "7", "n/a", "/"],
    ]
    confs: list[list[float | None]] = [[0.99] * 4 for _ in rows]
    layout.flag_suspects(rows, confs)
    assert rows == [
        ["信息内容", "总计", "其他", "本年制发件数"],  # short headers of value columns stay
        ["规章", "", "3", "12"],  # a smudged 0 read as d: no table cell holds that
        ["行政规范性文件", "", "", "4"],  # a lone glyph, digits mixed with CJK: misread values
        ["行政许可", "7", "n/a", "/"],
    ]
    assert confs[1][1] == confs[2][1] == confs[2][2] == layout.SUSPECT
    assert confs[0] == [0.99] * 4 and confs[3] == [0.99] * 4


def test_a_lone_character_among_values_is_flagged_under_a_column_of_headers() -> None:
    rows = [
        ["行政复议", "行政复议", "行政诉讼", "行政诉讼"],
        ["结果维持", "总计", "结果维持", "总计"],
        ["中", "3", "0", "3"],  # the first value of table 四 smudged and read as 中
        ["规章", "0", "3", "7"],  # a short row label among values is a label
        ["3.其他", "0", "0", "0"],  # and so is a numbered one
    ]
    confs: list[list[float | None]] = [[0.99] * 4 for _ in rows]
    layout.flag_suspects(rows, confs)
    assert rows[2] == ["", "3", "0", "3"] and confs[2] == [layout.SUSPECT, 0.99, 0.99, 0.99]
    assert rows[3:] == [["规章", "0", "3", "7"], ["3.其他", "0", "0", "0"]]
    assert confs[3:] == [[0.99] * 4] * 2
    assert rows[0] == ["行政复议", "行政复议", "行政诉讼", "行政诉讼"]
    assert rows[1] == ["结果维持", "总计", "结果维持", "总计"]
