"""Properties of parse_report (hypothesis): it never fails on bad input, and it never invents a number.

"Never fails" is stronger than "never raises" (parse_report catches everything by contract): no input may
reach that safety net, so a `parser error:` warning is a failure here. "Never invents a number": every
int/Decimal cell of every table is a digit string of the source (a glued cell is a substring of its run).
Inputs: arbitrary bytes, soups of table-ish fragments, truncated corpus pages, and corpus tables whose
lines are shuffled.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Final

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import ParsedReport, parse_report
from parsers.normalize import normalize_text
from parsers.template import REQUEST_ROWS, REVIEW_COLUMNS, SECTIONS
from tests.conftest import REPO_ROOT

CORPUS: Final[Path] = REPO_ROOT / "tests" / "corpus"
SETTINGS: Final = settings(
    max_examples=int(os.environ.get("XXGK_HYPOTHESIS_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Corpus pages whose prefixes are parsed (the GBK ones cut multi-byte characters in half too).
HTML_PAGES: Final[tuple[str, ...]] = (
    "html2021_rowspan.html",
    "html2019_blank_total.html",
    "traditional.html",
    "gbk_nocharset.html",
    "units_2019.html",
)
# Flattened corpus tables whose lines are shuffled.
FLAT_PAGES: Final[tuple[str, ...]] = (
    "flat_spaces.txt",
    "flat_cells.txt",
    "flat_pipes.txt",
    "glued_cells.txt",
)

_DIGIT_GROUPS: Final[re.Pattern[str]] = re.compile(r"(?<=\d),(?=\d{3})")


@lru_cache(maxsize=16)
def _corpus_bytes(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _source_texts(data: bytes) -> list[str]:
    """The source as the parser may have decoded it, normalised (full-width digits, 1,234 → 1234)."""
    texts = []
    for codec in ("utf-8", "gb18030"):
        text = normalize_text(data.decode(codec, "replace"))
        texts.append(_DIGIT_GROUPS.sub("", text))
    return texts


def _digits(value: int | Decimal) -> str:
    text = format(abs(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def assert_sound(report: ParsedReport, data: bytes) -> None:
    """No internal error reached the safety net, and no table number is missing from the source."""
    assert isinstance(report, ParsedReport)
    errors = [w for w in report.warnings if w.startswith("parser error")]
    assert errors == []
    sources = _source_texts(data)
    invented = []
    for table_id, table in report.tables.items():
        for row, cols in (table or {}).items():
            for col, cell in cols.items():
                value = cell.value
                if isinstance(value, bool) or not isinstance(value, int | Decimal):
                    continue
                if not any(_digits(value) in source for source in sources):
                    invented.append(f"{table_id}.{row}.{col} = {value} (raw {cell.raw!r})")
    assert invented == []


# ---------------------------------------------------------------------------------------------
# Arbitrary input
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.binary(max_size=3000), content_type=st.sampled_from([None, "text/html", "text/plain"]))
def test_arbitrary_bytes(data: bytes, content_type: str | None) -> None:
    assert_sound(parse_report(data, content_type=content_type), data)


# Pieces of markup and table text that, shuffled together, make half-formed reports.
_LABELS: Final[list[str]] = [
    *(f"{s.number}、{s.heading}" for s in SECTIONS),
    *(r.label for r in REQUEST_ROWS),
    *(c.label for c in REVIEW_COLUMNS),
    "行政复议",
    "行政诉讼",
    "本年制发件数",
    "规章",
    "行政规范性文件",
    "本年收费金额(单位:万元)",
]
_MARKUP: Final[list[str]] = [
    "<table>",
    "</table>",
    "<tr>",
    "</tr>",
    "<td>",
    "</td>",
    '<td rowspan="22">',
    '<td colspan="7">',
    '<td rowspan="0">',
    '<td colspan="-3">',
    '<td rowspan="99999">',
    "<br>",
    "&nbsp;",
    "<p>",
    "</p>",
    "<div id='zoom'>",
    "<!--[if !supportLists]-->",
    "|",
    "|||",
    "\n",
    " ",
    "　",
    "/",
    "——",
    "12.5万元",
    "640020470",
    "１２",
    "1,234",
    "-3",
    "二〇二三年一月二十九日",
    "样本县2021年政府信息公开工作年度报告",
]
_FRAGMENT = st.one_of(
    st.sampled_from(_LABELS),
    st.sampled_from(_MARKUP),
    st.integers(min_value=0, max_value=99999).map(str),
    st.text(max_size=8),
)


@SETTINGS
@given(
    pieces=st.lists(_FRAGMENT, max_size=120),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
    content_type=st.sampled_from([None, "text/html", "text/plain", "text/html; charset=utf-8"]),
)
def test_soups_of_table_fragments(pieces: list[str], encoding: str, content_type: str | None) -> None:
    data = "".join(pieces).encode(encoding, "replace")
    assert_sound(parse_report(data, content_type=content_type), data)


# ---------------------------------------------------------------------------------------------
# Damaged corpus pages
# ---------------------------------------------------------------------------------------------


@st.composite
def _truncated(draw: st.DrawFn) -> bytes:
    data = _corpus_bytes(draw(st.sampled_from(HTML_PAGES)))
    return data[: draw(st.integers(min_value=0, max_value=len(data)))]


@SETTINGS
@given(data=_truncated())
def test_truncated_pages(data: bytes) -> None:
    assert_sound(parse_report(data), data)


@st.composite
def _shuffled(draw: st.DrawFn) -> bytes:
    """A flattened corpus page with the lines between its first and last table shuffled."""
    lines = _corpus_bytes(draw(st.sampled_from(FLAT_PAGES))).decode("utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("二、"))
    end = max(i for i, line in enumerate(lines) if line.startswith("五、"))
    middle = draw(st.permutations(lines[start + 1 : end]))
    return "\n".join([*lines[: start + 1], *middle, *lines[end:]]).encode("utf-8")


@SETTINGS
@given(data=_shuffled())
def test_shuffled_table_text(data: bytes) -> None:
    assert_sound(parse_report(data), data)


# ---------------------------------------------------------------------------------------------
# The checker itself: a test that cannot fail is a defect
# ---------------------------------------------------------------------------------------------


def test_the_soundness_check_catches_an_invented_number() -> None:
    data = _corpus_bytes("flat_spaces.txt")
    report = parse_report(data)
    assert_sound(report, data)
    table = report.tables["review_litigation"]
    assert table is not None
    cells = table["review"]
    cells["total"] = type(cells["total"])(987654321, "987654321")
    try:
        assert_sound(report, data)
    except AssertionError as exc:
        assert "review_litigation.review.total = 987654321" in str(exc)
    else:
        raise AssertionError("an invented number went unnoticed")
