"""A report's metadata: title, organ, region, reported year, publication and signature dates.

Sources, in order of trust: the page's metas (ArticleTitle, PubDate, SiteIDCode), the visible metadata
block (发布时间: …), the report's own title and text. The reported year is the year the report covers
(title, 统计期限 sentence), never the publication year; the signature date is only a date standing at the
end of the report under the signature, never one inside a sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from parsers import divisions
from parsers.blocks import Block, Line
from parsers.document import Document, from_html
from parsers.model import RegionRef
from parsers.normalize import normalize_text

# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_CLASS = "〇○零Ｏ一二三四五六七八九"
_CN_NUMBER = "[一二三四五六七八九十]{1,3}"

# Arabic: 2023年1月29日, 2023-01-29, 2023/1/29, 2023.1.29 (time of day may follow).
_ISO_DATE = re.compile(
    r"((?:19|20)\d{2})\s*"
    r"(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)"
)
_CN_DATE = re.compile(
    rf"([{_CN_DIGIT_CLASS}O0]{{4}})\s*年\s*({_CN_NUMBER})\s*月\s*({_CN_NUMBER})\s*日"
)
_DATE = re.compile(f"(?:{_ISO_DATE.pattern})|(?:{_CN_DATE.pattern})")


def _cn_int(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十九 → 29, 三十一 → 31."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_of(m: re.Match[str]) -> dt.date | None:
    g = m.groups()
    if g[0] is not None:
        month = g[1] if g[1] is not None else g[3]
        day = g[2] if g[2] is not None else g[4]
        return _make_date(int(g[0]), int(month), int(day))
    try:
        year = int("".join(str(_CN_DIGITS[c]) for c in g[5]))
        return _make_date(year, _cn_int(g[6]), _cn_int(g[7]))
    except KeyError:
        return None


def parse_date(text: str) -> dt.date | None:
    """The first date written in `text` (Arabic or Chinese numerals), or None."""
    for m in _DATE.finditer(text):
        found = _date_of(m)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------------------------
# Signature
# ---------------------------------------------------------------------------------------------

_ORGAN_SUFFIXES = (
    "人民政府办公室", "人民政府办公厅", "人民政府", "政府办公室", "政府办", "办公室", "办公厅", "委员会",
    "政府", "局", "厅", "委", "办", "中心", "院", "所", "站", "队",
)  # fmt: skip
_ORGAN_SUFFIX = "(?:" + "|".join(_ORGAN_SUFFIXES) + ")"
# An optional organ name, then a date, ending the line (page residue such as '|' aside).
_SIGNATURE_TAIL = re.compile(
    rf"(?:^|(?<=\s))(?:(\S{{2,40}}?{_ORGAN_SUFFIX})\s*)?(?:{_DATE.pattern})[\s|]*$"
)
_ORGAN_LINE = re.compile(rf"^\S{{2,40}}{_ORGAN_SUFFIX}$")
# Without any character an organ suffix ends with, the tail's organ group can match nowhere: the tail is
# then searched for without it (the same matches, no group tried at every position).
_ORGAN_SUFFIX_END = re.compile("[" + "".join(sorted({suffix[-1] for suffix in _ORGAN_SUFFIXES})) + "]")
_SIGNATURE_DATE_ONLY = re.compile(rf"(?:^|(?<=\s))(?:{_DATE.pattern})[\s|]*$")
_SIGNATURE_LOOKBACK = 3  # the signature is among the last lines; earlier dates are body text


@dataclass(frozen=True)
class Signature:
    line: int  # index of the first signature line in the lines given
    start: int  # where the signature starts in that line
    date: dt.date
    organ: str | None = None  # the signing body, when written above or before the date


def find_signature(lines: list[str]) -> Signature | None:
    """The signature block (organ and date) that ends a report, if any.

    Only the last few non-empty lines are looked at, and the date must end its line and stand apart
    (start of line, after a space, or right after an organ name): a date inside a sentence is followed
    by more text or a full stop.
    """
    # The last non-empty lines, and the one before them (an organ may stand above the date).
    indexes: list[int] = []
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip(" |"):
            indexes.append(i)
            if len(indexes) > _SIGNATURE_LOOKBACK:
                break
    indexes.reverse()
    for i in reversed(indexes[-_SIGNATURE_LOOKBACK:]):
        text = lines[i]
        tail = _signature_tail_cached(text) if len(text) <= _CACHE_MAX_LEN else _signature_tail(text)
        if tail is None:
            continue
        start, organ, date = tail
        line = i
        if start == 0 and organ is None:
            # the organ may stand alone on the line above the date
            before = [j for j in indexes if j < i]
            if before and _ORGAN_LINE.match(lines[before[-1]].strip(" |")):
                line = before[-1]
                organ = lines[line].strip(" |")
        return Signature(line, start, date, organ)
    return None


def _signature_tail(line: str) -> tuple[int, str | None, dt.date] | None:
    """Where a signature ending `line` starts, its organ (if written before the date) and its date."""
    text = line.rstrip()
    # A date ends with a digit or 日, and only spaces and bars may follow it: a line whose last other
    # character is neither (prose ends with 。) is rejected before the pattern's search of the whole line.
    last = text
    while last.endswith("|"):
        last = last.rstrip("|").rstrip()
    if not (last[-1:].isdecimal() or last.endswith("日")):
        return None
    if _ORGAN_SUFFIX_END.search(text) is None:
        m = _SIGNATURE_DATE_ONLY.search(text)
        organ = None
    else:
        m = _SIGNATURE_TAIL.search(text)
        organ = m.group(1) if m else None
    if m is None:
        return None
    date = _date_of_tail(m)
    return None if date is None else (m.start(), organ, date)


# Closing lines recur (dates, organ names) and metadata and sections both look for the signature: the
# verdicts are memoised; long lines are not (memory).
_CACHE_MAX_LEN = 256
_signature_tail_cached = lru_cache(maxsize=4096)(_signature_tail)


def _date_of_tail(m: re.Match[str]) -> dt.date | None:
    # group 1 is the organ; the date groups follow in _DATE's order
    inner = _DATE.search(m.group(0))
    return _date_of(inner) if inner else None


def sign_date(lines: list[str]) -> dt.date | None:
    found = find_signature(lines)
    return found.date if found else None


# ---------------------------------------------------------------------------------------------
# Title, organ, year
# ---------------------------------------------------------------------------------------------

_REPORT_WORDS = ("年度报告", "工作报告", "工作汇报", "年报")
# Whether a text holds any of _REPORT_WORDS, in one C-level search.
_REPORT_WORD = re.compile("|".join(map(re.escape, _REPORT_WORDS)))
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||--|——|—|-|－|::)\s*")
_YEAR_CN = rf"[{_CN_DIGIT_CLASS}]{{4}}"
_TITLE_YEAR = re.compile(rf"((?:19|20)\d{{2}}|{_YEAR_CN})\s*年")
_PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|-|—|~)\s*(?:((?:19|20)\d{2})\s*年\s*)?12\s*月\s*31\s*日"
)
_REPORT_YEAR_IN_TEXT = re.compile(
    r"((?:19|20)\d{2})\s*年度?\s*(?:政府信息公开|政务公开|政务信息公开)\S{0,6}年度报告"
)
_SPACE = re.compile(r"\s+")
_GOVERNMENT_SUFFIXES = ("人民政府办公室", "人民政府办公厅", "人民政府", "政府办公室", "政府办", "政府")
_PLACE_END = re.compile(r"^(.{1,10}?(?:自治州|自治县|自治旗|特别行政区|省|市|县|区|州|旗|盟))")
_NOT_PLACE = re.compile(r"政府|委员会|局|银行|公司|中心|中国|党|办公")
# "…人民政府办公室关于印发2023年…": the verb and preposition before the year are not the organ
_ORGAN_TRAILER = re.compile(r"(?:关于)?(?:印发|发布|公布|公开)?$|关于$")
# "…办公室关于做好2022年…的通知": from 关于 on, the title names the subject, never the body issuing it
_ORGAN_SUBJECT = "关于"
# A 解读 page quotes the report's title: 《样本市…年度报告》解读; the marks belong to the quotation.
_TITLE_MARKS = "《》〈〉\"'“”‘’「」『』"
_MIN_YEAR = 1990


def clean_title(text: str) -> str:
    """Normalised, page residue removed, no spaces (titles have none that carry meaning)."""
    return _SPACE.sub("", normalize_text(text)).strip("|")


def _first_report_line(blocks: list[Block], limit: int = 12) -> str | None:
    seen = 0
    for block in blocks:
        if not isinstance(block, Line):
            continue
        text = block.text.strip(" |")
        if not text:
            continue
        seen += 1
        if seen > limit:
            break
        if len(text) <= 80 and _REPORT_WORD.search(text):
            return text
    return None


def _strip_site_suffix(title: str) -> str:
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if not parts:
        return title
    for part in parts:
        if _REPORT_WORD.search(part):
            return part
    return parts[0]


def extract_title(doc: Document) -> str | None:
    """The report's own title: the first of ArticleTitle, <title> (site suffix cut) and the first body
    line that reads as a report title (…年度报告/工作汇报); metas are often stale or copied from the
    column, so one that does not read as a report title yields to a body line that does."""
    # The sources are read in order and only as far as needed: the first that reads as a report title wins
    # (most pages: ArticleTitle), else the first non-empty one.
    first_found: str | None = None
    for source in range(3):
        if source == 0:
            raw = doc.metas.get("ArticleTitle", "").strip()
        elif source == 1:
            raw = _strip_site_suffix(doc.title) if doc.title and doc.type == "html" else ""
        else:
            raw = _first_report_line(doc.blocks) or ""
        title = clean_title(raw) if raw else ""
        if not title:
            continue
        if _REPORT_WORD.search(title):
            return title
        if first_found is None:
            first_found = title
    if first_found is not None:
        return first_found
    first = next((b.text for b in doc.blocks if isinstance(b, Line) and b.text.strip(" |")), None)
    return clean_title(first) if first and len(first) <= 80 else None


def _year_value(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    try:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    except KeyError:
        return None


def _plausible(year: int | None) -> int | None:
    if year is None or not _MIN_YEAR <= year <= dt.date.today().year + 1:
        return None
    return year


def extract_organ(title: str | None) -> str | None:
    """The issuing body as the title writes it: the text before the year (盘山县人民政府办公室)."""
    if not title:
        return None
    m = _TITLE_YEAR.search(title)
    if m is None:
        return None
    organ = title[: m.start()].strip(" ,:" + _TITLE_MARKS)
    subject = organ.find(_ORGAN_SUBJECT)
    if subject >= 0:
        organ = organ[:subject]
    organ = _ORGAN_TRAILER.sub("", organ).strip(_TITLE_MARKS)
    if not organ:
        # "2022年开远市人民政府信息公开工作年度报告": the organ follows the year
        after = re.match(r"度?(.*?)(?:政府信息公开|政务公开|信息公开)", title[m.end() :])
        organ = after.group(1).strip(_TITLE_MARKS) if after else ""
        if organ.endswith("人民"):
            organ += "政府"
    return organ or None


def extract_year(title: str | None, lines: list[str]) -> int | None:
    """The year the report covers: its title, else the 统计期限 sentence, else '…2020年…年度报告'."""
    if title:
        for found in _TITLE_YEAR.finditer(title):
            year = _plausible(_year_value(found.group(1)))
            if year:
                return year
    text = "\n".join(lines)
    m = _PERIOD.search(text)
    if m:
        year = _plausible(int(m.group(1)))
        if year:
            return year
    m2 = _REPORT_YEAR_IN_TEXT.search(text)
    if m2:
        return _plausible(int(m2.group(1)))
    return None


def _place_name(organ: str) -> str | None:
    """The place an organ's name starts with, for places outside the national table (样本市人民政府)."""
    for suffix in _GOVERNMENT_SUFFIXES:
        if organ.endswith(suffix):
            organ = organ[: -len(suffix)]
            break
    m = _PLACE_END.match(organ)
    return m.group(1) if m and not _NOT_PLACE.search(m.group(1)) else None


# An organ recurs in every report it issues.
_place_name_cached = lru_cache(maxsize=4096)(_place_name)


def extract_region(organ: str | None, title: str | None, metas: dict[str, str], context: str) -> RegionRef:
    """The region the report's organ belongs to.

    The organ's place name resolved in the national table; a SiteIDCode meta (its first 6 digits are the
    site's 行政区划代码) decides between same-named places and stands in when the name is not in the table.
    """
    site_code = _site_region_code(metas)
    source = organ or title or ""
    found = divisions.find_in_text(source, context=context) if source else RegionRef()
    if found.name and found.code is None and site_code:
        candidates = divisions.resolve(found.name)
        for cand in candidates:
            if cand.code == site_code or any(a.code == site_code for a in divisions.ancestors(cand)):
                return RegionRef(found.name, cand.code)
    if found.code:
        return found
    if site_code:
        name = found.name or (_place_name_cached(organ) if organ else None)
        if name is None:
            known = divisions.lookup(site_code)
            name = known.name if known else None
        return RegionRef(name, site_code)
    if found.name:
        return found
    return RegionRef(_place_name_cached(organ) if organ else None, None)


def _is_bare_place(organ: str) -> bool:
    return divisions.find_in_text(organ).name == organ or _place_name_cached(organ) == organ


# An organ recurs in every report it issues.
_is_bare_place_cached = lru_cache(maxsize=4096)(_is_bare_place)


_SITE_CODE = re.compile(r"\s*(\d{6})")


def _site_region_code(metas: dict[str, str]) -> str | None:
    for key, value in metas.items():
        if key.lower() == "siteidcode":
            m = _SITE_CODE.match(value)
            if m:
                return m.group(1)
    return None


# ---------------------------------------------------------------------------------------------
# Publication date
# ---------------------------------------------------------------------------------------------

_PUBDATE_METAS = ("pubdate", "publishdate", "firstpublishedtime", "published", "article:published_time")
# The bare 时间/日期 must not match inside 成文日期/发文日期/印发日期 (the signing date; gkmlpt
# prints 成文日期 before 发布日期 in its classify table).
_PUBLISH_LABELS = re.compile(
    r"(?<!成文)(?<!发文)(?<!印发)(发布时间|发布日期|信息提供日期|公开日期|生成日期|更新时间|时间|日期)\s*[:：]\s*"
)


def publish_date_from(metas: dict[str, str], header_text: str) -> dt.date | None:
    """The page's publication date: a PubDate-like meta, else the visible 发布时间/发布日期 block."""
    lowered = {k.lower(): v for k, v in metas.items()}
    for key in _PUBDATE_METAS:
        if key in lowered:
            found = parse_date(normalize_text(lowered[key]))
            if found:
                return found
    for line in header_text.splitlines():
        for m in _PUBLISH_LABELS.finditer(line):
            found = parse_date(line[m.end() : m.end() + 40])
            if found:
                return found
    return None


_SIGN_LABEL = re.compile(r"成文日期\s*[:：]\s*")


def _header_sign_date(header_text: str) -> dt.date | None:
    for line in header_text.splitlines():
        m = _SIGN_LABEL.search(line)
        if m:
            return parse_date(line[m.end() : m.end() + 40])
    return None


def page_publish_date(html_text: str) -> dt.date | None:
    """For the crawler: the publication date a page shows (meta PubDate or its visible date block)."""
    doc = from_html(html_text)
    return publish_date_from(doc.metas, doc.header_text)


# ---------------------------------------------------------------------------------------------
# All together
# ---------------------------------------------------------------------------------------------


@dataclass
class Metadata:
    title: str | None = None
    organ: str | None = None
    region: RegionRef = field(default_factory=RegionRef)
    year: int | None = None
    publish_date: dt.date | None = None
    sign_date: dt.date | None = None


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(value)


def extract(doc: Document, published: dt.date | str | None = None) -> Metadata:
    lines = [b.text for b in doc.blocks if isinstance(b, Line)]
    title = extract_title(doc)
    organ = extract_organ(title)
    context = "\n".join(lines[:80])
    signature = find_signature(lines)
    signed = signature.organ if signature else None
    if signed and organ and signed.startswith(organ) and _is_bare_place_cached(organ):
        organ = signed  # "泰顺县2020年…" signed 泰顺县人民政府: the signature names the body
    return Metadata(
        title=title,
        organ=organ,
        region=extract_region(organ, title, doc.metas, context),
        year=extract_year(title, lines),
        publish_date=publish_date_from(doc.metas, doc.header_text) or _as_date(published),
        sign_date=signature.date if signature else _header_sign_date(doc.header_text),
    )
