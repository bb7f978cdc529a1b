"""Report-link recognition: is a listing link the annual report, a companion page, or something else?

Shared by every family adapter. The words are data in parsers/template.py; titles are compared after the
parser's own normalisation (Traditional → Simplified, widths, whitespace), so 年度報告 counts too.
"""

from __future__ import annotations

import enum

from parsers.normalize import label_key
from parsers.template import DISCLOSURE_TITLE_WORDS, INTERPRETATION_TITLE_WORDS, REPORT_TITLE_WORDS

# 年度报告 on a report column is unambiguous; 年报 and 工作报告 also name 企业年报 and 政府工作报告.
_SELF_SUFFICIENT = REPORT_TITLE_WORDS[0]


class LinkKind(enum.Enum):
    REPORT = "report"
    INTERPRETATION = "interpretation"  # 解读 / 图解 / 一图读懂: about the report, not the report
    OTHER = "other"


def classify_title(title: str) -> LinkKind:
    key = label_key(title)
    if not key:
        return LinkKind.OTHER
    if any(word in key for word in INTERPRETATION_TITLE_WORDS):
        return LinkKind.INTERPRETATION
    if _SELF_SUFFICIENT in key:
        return LinkKind.REPORT
    if any(word in key for word in REPORT_TITLE_WORDS) and any(w in key for w in DISCLOSURE_TITLE_WORDS):
        return LinkKind.REPORT
    return LinkKind.OTHER


def is_report_title(title: str) -> bool:
    return classify_title(title) is LinkKind.REPORT
