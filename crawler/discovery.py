"""Discovery: from a portal's home page to its annual-report column, the column's family, and a registry row.

A best-first walk over the portal's own pages. Links are scored by what their text names: the column
itself (政府信息公开年报, 政府信息公开工作年度报告, 年度报告, 工作年报 …), the menus that lead to it
(政府信息公开, 信息公开, 政务公开, 法定主动公开内容), or one annual report (whose page's breadcrumb names the
column). A page reached by a column link is confirmed when its markup names a portal family or it lists
reports; the first confirmed page ends the walk. Bounded: `max_depth` clicks from the home page,
`max_requests` fetches, same host(s) only.

The walk is a state machine (`Discovery`) fed with fetched pages, so the Scrapy spider (crawler/spiders/
discover.py) and a plain synchronous fetcher (`discover()`, used by tests) drive the same logic.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from crawler.links import LinkKind, classify_title
from parsers import divisions
from parsers.document import decode_html, from_html
from parsers.normalize import label_key
from parsers.template import DISCLOSURE_TITLE_WORDS, INTERPRETATION_TITLE_WORDS, REPORT_TITLE_WORDS

if TYPE_CHECKING:
    from crawler.registry import Registry

MAX_DEPTH: Final = 3
MAX_REQUESTS: Final = 60
SAMPLE_PORT_VARIABLE: Final = "${SAMPLE_PORTAL_PORT}"

# ---------------------------------------------------------------------------------------------------------
# Link text: what a link names
# ---------------------------------------------------------------------------------------------------------


class LinkRole(enum.Enum):
    COLUMN = "column"  # names the annual-report column: the goal
    MENU = "menu"  # 政府信息公开 / 政务公开 / 法定主动公开内容 …: leads towards it
    REPORT = "report"  # one annual report: its page's breadcrumb names the column


# The column is "[whose] [subject] [工作] 年报|年度报告 [专栏]": 政府信息公开年报, 年度报告, 工作年报,
# 政府信息公开工作年度报告, 区政府信息公开年报, 部门政府信息公开年报 (the departments': lower).
# 政府工作报告, 企业年报 and 统计年报 leave something else in front and are not the column.
_COLUMN_CORES: Final = tuple(w for w in REPORT_TITLE_WORDS if w.startswith("年"))  # 年度报告, 年报
_SUBJECT_CORE: Final = "年度工作报告"  # only with a subject: 政府信息公开年度工作报告
_SUBJECTS: Final = tuple(sorted(DISCLOSURE_TITLE_WORDS, key=len, reverse=True))
_WORK: Final = "工作"
_COLUMN_TRAILERS: Final = ("专栏", "栏目", "专题", "汇编")
_OWN_PREFIXES: Final = (
    "本级政府", "本级", "市政府", "县政府", "区政府", "州政府", "旗政府", "盟政府", "省政府",
    "市", "县", "区", "州", "旗", "盟", "省",
)  # fmt: skip
_OTHER_PREFIXES: Final = (
    "市直部门", "县直部门", "区直部门", "部门", "乡镇街道", "乡镇", "街道", "镇街", "县市区", "县区", "区县",
    "下级政府", "单位",
)  # fmt: skip
# Menus: "[法定] subject [内容|目录|专栏|平台…]" (法定主动公开内容, 政府信息公开目录, 政务公开专栏).
_MENU_SCORES: Final = {
    "政府信息公开": 60,
    "主动公开": 58,
    "政务信息公开": 57,
    "信息公开": 56,
    "政务公开": 54,
    "公开": 40,
}
_MENU_PREFIXES: Final = ("法定",)
_MENU_TRAILERS: Final = ("内容", "目录", "专栏", "平台", "栏目", "专区", "网")
_SITE_MAPS: Final = ("网站地图", "站点地图")
_YEAR: Final = re.compile(r"(?:19|20)\d\d")

COLUMN_SCORE: Final = 80
SUBJECT_BONUS: Final = 15
OWN_BONUS: Final = 3
OTHER_PENALTY: Final = 40
REPORT_SCORE: Final = 20
SITE_MAP_SCORE: Final = 35
FRAME_SCORE: Final = 200


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> tuple[str, bool]:
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :], True
    return text, False


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
    return text


def column_score(text: str) -> int | None:
    """How surely a link text names the annual-report column; None when it does not."""
    key = label_key(text)
    if not key or _YEAR.search(key) or any(w in key for w in INTERPRETATION_TITLE_WORDS):
        return None
    rest, other = _strip_prefix(key, _OTHER_PREFIXES)
    rest, own = _strip_prefix(rest, _OWN_PREFIXES)
    rest, subject = _strip_prefix(rest, _SUBJECTS)
    rest = _strip_suffix(rest, _COLUMN_TRAILERS)
    rest, _ = _strip_prefix(rest, (_WORK,))
    if rest not in _COLUMN_CORES and not (subject and rest == _SUBJECT_CORE):
        return None
    return COLUMN_SCORE + SUBJECT_BONUS * subject + OWN_BONUS * (own and not other) - OTHER_PENALTY * other


def menu_score(text: str) -> int | None:
    """How surely a link text names a menu leading to the column (政府信息公开 …); None when it does not."""
    key = label_key(text)
    if key in _SITE_MAPS:
        return SITE_MAP_SCORE
    rest, _ = _strip_prefix(key, _MENU_PREFIXES)
    rest = _strip_suffix(rest, _MENU_TRAILERS)
    return _MENU_SCORES.get(rest)


def link_role(text: str) -> tuple[LinkRole, int] | None:
    """(role, score) of a link by its text, or None for a link the walk does not take."""
    score = column_score(text)
    if score is not None:
        return LinkRole.COLUMN, score
    score = menu_score(text)
    if score is not None:
        return LinkRole.MENU, score
    if _YEAR.search(text) and classify_title(text) is LinkKind.REPORT:
        return LinkRole.REPORT, REPORT_SCORE
    return None


# ---------------------------------------------------------------------------------------------------------
# Pages: links, frames, stubs, report links
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageLink:
    url: str  # absolute; the fragment kept (gkmlpt columns are /gkmlpt/index#{cat})
    text: str  # the anchor's text, else its title attribute
    title: str  # the title attribute ("" when none): listings cut long texts, titles keep them
    frame: bool = False  # an iframe, a meta refresh or a JS-redirect stub's target


_XML_DECLARATION: Final = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WHITESPACE: Final = re.compile(r"\s+")
_META_REFRESH_URL: Final = re.compile(r"url\s*=\s*['\"]?([^'\"\s;]+)", re.I)
_JS_REDIRECT: Final = re.compile(
    r"""(?:(?:window|document|top|self|parent)\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"']+)["']\s*\)"""
)
# A redirect stub shows (almost) nothing; a real page that mentions location= shows a lot.
_STUB_TEXT_MAX: Final = 200
_STUB_LINKS_MAX: Final = 2
_NOT_LINKS: Final = ("javascript:", "mailto:", "tel:", "data:")


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _root(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1) or "<html></html>")
    except (lxml.etree.ParserError, ValueError):
        return None


def _target(base: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(_NOT_LINKS):
        return None
    url = urljoin(base, href)
    return url if urlsplit(url).scheme in ("http", "https") else None


def visible_text(root: lxml.html.HtmlElement) -> str:
    body = root.find("body")
    if body is None:
        return ""
    parts = [
        text
        for element in body.iter()
        if element.tag not in ("script", "style") and isinstance(element.tag, str)
        for text in (element.text, element.tail if element is not body else None)
        if text
    ]
    return _collapse(" ".join(parts))


def redirect_stub_target(html: str, base_url: str) -> str | None:
    """Where a JS-redirect stub sends the browser (`location.href = …` on a page showing nothing), or None."""
    root = _root(html)
    if root is None:
        return None
    if len(visible_text(root)) > _STUB_TEXT_MAX or len(root.xpath("//a[@href]")) > _STUB_LINKS_MAX:
        return None
    for script in root.iter("script"):
        m = _JS_REDIRECT.search(script.text or "")
        if m:
            return _target(base_url, m.group(1) or m.group(2))
    return None


def meta_refresh_target(root: lxml.html.HtmlElement, base_url: str) -> str | None:
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "refresh":
            m = _META_REFRESH_URL.search(meta.get("content") or "")
            if m:
                return _target(base_url, m.group(1))
    return None


def page_links(html: str, base_url: str) -> list[PageLink]:
    """Anchors (text or title), then frames, meta refresh and a stub's JS redirect, in page order."""
    root = _root(html)
    if root is None:
        return []
    base = base_url
    for element in root.iter("base"):
        base = urljoin(base_url, element.get("href") or "")
        break
    links: list[PageLink] = []
    for anchor in root.iter("a", "area"):
        url = _target(base, anchor.get("href"))
        if url is None:
            continue
        title = _collapse(anchor.get("title") or "")
        text = _collapse(" ".join(anchor.itertext())) or title
        links.append(PageLink(url, text, title))
    for frame in root.iter("iframe", "frame"):
        url = _target(base, frame.get("src"))
        if url is not None:
            links.append(PageLink(url, "", "", frame=True))
    refresh = meta_refresh_target(root, base)
    if refresh is not None:
        links.append(PageLink(refresh, "", "", frame=True))
    stub = redirect_stub_target(html, base)
    if stub is not None:
        links.append(PageLink(stub, "", "", frame=True))
    return links


_ANCHOR: Final = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.I | re.S)
_TITLE_ATTRIBUTE: Final = re.compile(r"""\btitle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_TAG: Final = re.compile(r"<[^>]+>")


def report_links(html: str) -> int:
    """Annual reports the page lists, counted in the raw markup: Hanweb's records sit in CDATA of a
    `<datastore>` script, which an HTML parser reads as text."""
    count = 0
    for attributes, inner in _ANCHOR.findall(html):
        title = _TITLE_ATTRIBUTE.search(attributes)
        text = (title.group(1) or title.group(2)) if title else _TAG.sub("", inner)
        if classify_title(_collapse(text)) is LinkKind.REPORT:
            count += 1
    return count


# ---------------------------------------------------------------------------------------------------------
# Families: recognised from the column page's markup and URL
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilySign:
    family: str
    evidence: str  # the marker seen, in words a registry note can keep


_ARG: Final = r"\s*[\w.]+\s*"
_QUOTED: Final = r"""\s*["']([\w-]+)["']\s*"""
_TRS_CLASSIC_CALL: Final = re.compile(rf"createPageHTML\({_ARG},{_ARG},{_QUOTED},{_QUOTED}[,)]")
_TRS_SIX_CALL: Final = re.compile(
    rf"""createPageHTML\(\s*["'][^"']*["']\s*,{_ARG},{_ARG},{_QUOTED},{_QUOTED}[,)]"""
)
_GKMLPT_CONFIG: Final = re.compile(r"window\._CONFIG\s*=")
_BODA_DETAIL: Final = re.compile(r"""href\s*=\s*["'][^"']*/info/\d+/\d+\.htm["']""", re.I)
_DATE_PATH: Final = re.compile(
    r"/\d{4}_\d{1,2}/\d{1,2}_\d{1,2}/content-\d+\.html?|/html/[\w-]+/\d{6,8}/content-\d+\.html?"
)
_HANWEB_COLUMN: Final = re.compile(r"/col/col\d+/")
# A folder per year (2024n/, gknb2017/, 2023/), linked by a text naming that year.
_YEAR_FOLDER_HREF: Final = re.compile(r"(?:^|/)[A-Za-z_-]*((?:19|20)\d\d)[A-Za-z_-]*/(?:index\.s?html?)?$")
_YEAR_FOLDERS_MIN: Final = 2


def _jpaas(url: str, html: str) -> str | None:
    if "jpaas-publish-server" in html:
        return "jpaas publish server (jpaas-publish-server page-build unit)"
    return None


def _hanweb_xxgk(url: str, html: str) -> str | None:
    if "/module/xxgk/" in html or "/module/xxgk/" in url:
        return "Hanweb xxgk module (/module/xxgk/)"
    return None


def _gkmlpt(url: str, html: str) -> str | None:
    if _GKMLPT_CONFIG.search(html) and ("gkmlpt" in html or "/gkmlpt/" in url):
        return "gkmlpt shell (window._CONFIG, /gkmlpt/)"
    return None


def _public_column(url: str, html: str) -> str | None:
    if "/public/column/" in html or "/public/column/" in url:
        return "public/column platform (/public/column/…, the list rendered by JavaScript)"
    return None


def _trs(url: str, html: str) -> str | None:
    six = _TRS_SIX_CALL.search(html)
    if six:
        return f"TRS createPageHTML, 6 arguments: 1-based {six.group(1)}_k.{six.group(2)} pages"
    classic = _TRS_CLASSIC_CALL.search(html)
    if classic:
        return f"TRS createPageHTML: 0-based {classic.group(1)}_N.{classic.group(2)} pages"
    if "createPageHTML" in html:
        return "TRS createPageHTML (arguments not read)"
    return None


def _hanweb_jpage(url: str, html: str) -> str | None:
    if "<datastore>" in html:
        return "Hanweb jpage (<datastore> in the column page; later pages by POST dataproxy.jsp)"
    return None


def _boda(url: str, html: str) -> str | None:
    if "p_pages" in html:
        return "Boda VSB pager (span.p_pages, reverse-numbered pages)"
    if _BODA_DETAIL.search(html) and urlsplit(url).path.endswith(".htm"):
        return "Boda VSB (/info/{tree}/{id}.htm links on a .htm column)"
    return None


def _liaoning(url: str, html: str) -> str | None:
    if _DATE_PATH.search(html):
        return "date-path links (/YYYY_MM/DD_HH/content-{id}.html)"
    return None


def _legacy(url: str, html: str) -> str | None:
    path = urlsplit(url).path.lower()
    if path.endswith((".aspx", ".asp")):
        return "ASP.NET list (.aspx)"
    root = _root(html)
    if root is None:
        return None
    stub = redirect_stub_target(html, url)
    if stub is not None:
        return f"JS-redirect stub (to {stub})"
    refresh = meta_refresh_target(root, url)
    if refresh is not None:
        return f"meta-refresh stub (to {refresh})"
    host = urlsplit(url).hostname
    for frame in root.iter("iframe", "frame"):
        src = _target(url, frame.get("src"))
        if src is not None and urlsplit(src).hostname == host:
            return f"the list is a same-host iframe ({src})"
    folders = []
    for anchor in root.iter("a"):
        m = _YEAR_FOLDER_HREF.search(urlsplit((anchor.get("href") or "").strip()).path)
        if m and m.group(1) in " ".join(anchor.itertext()):
            folders.append(anchor)
    if len(folders) >= _YEAR_FOLDERS_MIN:
        return f"year folders ({len(folders)} links such as {folders[0].get('href')})"
    return None


def _hanweb_column_url(url: str, html: str) -> str | None:
    if _HANWEB_COLUMN.search(urlsplit(url).path):
        return "Hanweb column URL /col/colNNN/ (no <datastore> seen)"
    return None


# Most specific first: jpaas and xxgk pages also sit under /col/colNNN/, and every family's pages may hold
# nav links of the others. The legacy shells come after every real list; a bare /col/colNNN/ URL last.
_SIGNS: Final[tuple[tuple[str, Callable[[str, str], str | None]], ...]] = (
    ("jpaas", _jpaas),
    ("hanweb_xxgk", _hanweb_xxgk),
    ("gkmlpt", _gkmlpt),
    ("public_column", _public_column),
    ("trs_classic", _trs),
    ("hanweb_jpage", _hanweb_jpage),
    ("boda_vsb", _boda),
    ("liaoning_datepath", _liaoning),
    ("legacy", _legacy),
    ("hanweb_jpage", _hanweb_column_url),
)


def recognise_family(url: str, html: str) -> FamilySign | None:
    """The portal family a column page's markup (and URL) shows, with the marker seen; None when none does."""
    for family, probe in _SIGNS:
        evidence = probe(url, html)
        if evidence is not None:
            return FamilySign(family, evidence)
    return None


# ---------------------------------------------------------------------------------------------------------
# The region a portal belongs to
# ---------------------------------------------------------------------------------------------------------

_SITE_ID_CODE: Final = re.compile(r"^\s*(\d{6})")


@dataclass(frozen=True)
class RegionGuess:
    code: str
    name: str
    parent: str | None
    parent_name: str | None
    level: str | None
    sample: bool
    how: str  # "SiteIDCode 9901010001", "title 开原市人民政府"


def identify_region(
    metas: dict[str, str], title: str | None, registry: Registry | None
) -> RegionGuess | None:
    """The region a home page names: its 网站标识码 (first 6 digits = 行政区划代码), else its
    title or SiteName."""
    site_id = next((v for k, v in metas.items() if k.lower() == "siteidcode"), "")
    m = _SITE_ID_CODE.match(site_id)
    if m:
        guess = _region_by_code(m.group(1), f"SiteIDCode {site_id.strip()}", registry)
        if guess is not None:
            return guess
    for text in (metas.get("SiteName"), title):
        if text:
            ref = divisions.find_in_text(text)
            if ref.code:
                guess = _region_by_code(ref.code, f"site name {text}", registry)
                if guess is not None:
                    return guess
    return None


def _region_by_code(code: str, how: str, registry: Registry | None) -> RegionGuess | None:
    region = registry.get(code) if registry is not None else None
    if region is not None:
        return RegionGuess(
            region.code, region.name, region.parent, region.parent_name, region.level, region.sample, how
        )
    division = divisions.lookup(code)
    if division is None:
        return None
    parent = divisions.lookup(division.parent) if division.parent else None
    return RegionGuess(
        division.code,
        division.name,
        division.parent,
        parent.name if parent else None,
        division.level,
        False,
        how,
    )


# ---------------------------------------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------------------------------------

# WAF challenges answer instead of the page (portal-families.md, "Encodings, blocking and politeness").
_CHALLENGES: Final = (
    (412, b"$_ts", "瑞数 (Ruishu)"),
    (521, b"document.cookie", "加速乐 (Jiasule)"),
)


def challenge_note(page: FetchedPage) -> str:
    """', a 瑞数 (Ruishu) challenge …' when the answer is a WAF challenge page, else ''."""
    for status, marker, name in _CHALLENGES:
        if page.status == status and marker in page.body:
            return (
                f", a {name} challenge: discovery reads plain pages; pass the challenge in a browser "
                "and look for the column there"
            )
    return ""


@dataclass(frozen=True)
class FetchedPage:
    url: str  # after redirects
    status: int
    content_type: str | None
    body: bytes


@dataclass
class Fetch:
    """One page the walk asks for, and how it got there."""

    url: str  # as linked (fragment kept); requests drop the fragment
    depth: int  # clicks from the home page
    role: LinkRole | None  # None: the home page
    score: int
    text: str  # the link text that led here
    via: Fetch | None
    order: int  # when first seen (ties go to the earlier link)
    referer: str | None = None
    # Reached without a click (iframe, stub, refresh): it stands for the page that framed it.
    frame: bool = False

    @property
    def request_url(self) -> str:
        return urlunsplit(urlsplit(self.url)._replace(fragment=""))

    @property
    def column(self) -> bool:
        return self.role is LinkRole.COLUMN

    def path(self) -> list[Fetch]:
        """The fetches from the first click to this one (frames included, the home page not)."""
        chain: list[Fetch] = []
        current: Fetch | None = self
        while current is not None and current.via is not None:
            chain.append(current)
            current = current.via
        return chain[::-1]


@dataclass(frozen=True)
class Candidate:
    fetch: Fetch
    url: str  # the page's own URL after redirects (fragment of the link kept)
    sign: FamilySign | None
    reports: int  # report links the page lists

    @property
    def confirmed(self) -> bool:
        return self.sign is not None or self.reports > 0


@dataclass
class DiscoveryResult:
    """What a walk found: the column, its family, the region, and the registry row to add."""

    portal: str  # the home page as reached (after redirects)
    column_url: str | None
    column_title: str | None
    family: str | None
    evidence: str | None
    confirmed: bool
    route: list[tuple[str, str]]  # (link text, URL) of each click from the home page
    requests: int
    region: RegionGuess | None
    problems: list[str] = field(default_factory=list)
    defined_in: Path | None = None  # the registry file already holding the region's row

    @property
    def found(self) -> bool:
        return self.column_url is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "portal": self.portal,
            "column_url": self.column_url,
            "column_title": self.column_title,
            "family": self.family,
            "evidence": self.evidence,
            "confirmed": self.confirmed,
            "route": [list(step) for step in self.route],
            "requests": self.requests,
            "region_code": self.region.code if self.region else None,
            "region_name": self.region.name if self.region else None,
            "region_parent": self.region.parent if self.region else None,
            "region_level": self.region.level if self.region else None,
            "region_identified_by": self.region.how if self.region else None,
            "problems": list(self.problems),
        }

    def to_toml(self, sample_port: int | None = None) -> str:
        """The registry row to paste into a file in crawler/regions/, with comments saying how it was found.

        URLs on a loopback host at `sample_port` are written with ${SAMPLE_PORTAL_PORT}, as sample rows are.
        """
        lines = [f"# discovered from {self.portal} in {self.requests} requests"]
        if self.route:
            lines.append("# route: 首页 → " + " → ".join(text for text, _ in self.route))
        lines += [f"# problem: {p}" for p in self.problems]
        if self.defined_in is not None and self.region is not None:
            lines.append(
                f"# {self.region.code} already has a row in {_shown(self.defined_in)}: replace it there "
                "(a code may appear in one file only)"
            )
        row = self._row_lines(sample_port)
        usable = self.region is not None and self.column_url is not None and self.family is not None
        if not usable:
            missing = [
                what
                for what, absent in (
                    ("the region (no SiteIDCode or place name on the home page): fill in code and name",
                     self.region is None),
                    ("the annual-report column", self.column_url is None),
                    ("the column's family: not recognised from its markup", self.family is None),
                )
                if absent
            ]  # fmt: skip
            lines += [f"# not found: {what}" for what in missing]
            row = [f"# {line}" for line in row]
        return "\n".join([*lines, *row]) + "\n"

    def _row_lines(self, sample_port: int | None) -> list[str]:
        region = self.region
        code = region.code if region else "??????"
        out = [f'[regions."{code}"]']
        if region is not None:
            out.append(f"name = {_toml_str(region.name)}")
            if region.parent:
                out.append(f"parent = {_toml_str(region.parent)}")
                if region.parent_name:
                    out.append(f"parent_name = {_toml_str(region.parent_name)}")
            if region.level:
                out.append(f"level = {_toml_str(region.level)}")
        else:
            out.append('name = "?"')
        out.append(f"portal = {_toml_str(_templated(self.portal, sample_port))}")
        if self.column_url is not None:
            out.append(f"listings = [{_toml_str(_templated(self.column_url, sample_port))}]")
        if self.family is not None:
            out.append(f"family = {_toml_str(self.family)}")
        if region is not None and region.sample:
            out.append("sample = true")
        note = "found by discovery"
        if self.route:
            note += ": 首页 → " + " → ".join(text for text, _ in self.route)
        if self.evidence:
            note += f"; {self.evidence}"
        out.append(f"notes = {_toml_str(note)}")
        return out


def _shown(path: Path) -> str:
    """crawler/regions/seeds.toml rather than an absolute path, when under the working directory."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _toml_str(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX included).
    return json.dumps(text, ensure_ascii=False)


def _templated(url: str, sample_port: int | None) -> str:
    if sample_port is None:
        return url
    parts = urlsplit(url)
    if parts.port == sample_port and is_loopback(parts.hostname or ""):
        return url.replace(f"{parts.hostname}:{sample_port}", f"{parts.hostname}:{SAMPLE_PORT_VARIABLE}", 1)
    return url


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _site_domain(host: str) -> str | None:
    """ts.gov.cn for www.ts.gov.cn: its other hosts (xxgk.ts.gov.cn) are the same portal. None for an IP or
    a name too short to be one site's (gov.cn)."""
    if _is_ip(host):
        return None
    name = host.removeprefix("www.")
    return name if name.count(".") >= 2 else None


class Discovery:
    """The walk from one portal's home page. Ask `next_fetch()`, answer with `visit()` or `fail()`, until it
    returns None; then `result()`."""

    def __init__(self, portal: str, max_depth: int = MAX_DEPTH, max_requests: int = MAX_REQUESTS) -> None:
        parts = urlsplit(portal.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"portal {portal!r} is not an http(s) URL")
        portal = urlunsplit(parts._replace(path=parts.path or "/"))
        self.portal = portal
        self.home_url = portal
        self.max_depth = max_depth
        self.max_requests = max_requests
        self.requests = 0
        self.hosts: set[str] = {urlsplit(portal).hostname or ""}
        self.problems: list[str] = []
        self.candidates: list[Candidate] = []
        self.found: Candidate | None = None
        self.home_metas: dict[str, str] = {}
        self.home_title: str | None = None
        self._order = 0
        self._pending: dict[str, Fetch] = {}
        self._seen: set[str] = set()
        self._add(Fetch(portal, 0, None, 0, "", None, 0))

    # -- the frontier ----------------------------------------------------------------------------

    @staticmethod
    def _key(url: str, role: LinkRole | None) -> str:
        """Pages are fetched once, except a column link's fragment names a column of its own (gkmlpt)."""
        parts = urlsplit(url)
        if role is LinkRole.COLUMN and parts.fragment:
            return url
        return urlunsplit(parts._replace(fragment=""))

    def _add(self, fetch: Fetch) -> None:
        key = self._key(fetch.url, fetch.role)
        if key in self._seen:
            pending = self._pending.get(key)
            # A better link to a page not fetched yet (a menu page also linked as the column) takes over.
            if pending is not None and (fetch.score, -fetch.depth) > (pending.score, -pending.depth):
                self._pending[key] = fetch
            return
        self._seen.add(key)
        self._pending[key] = fetch

    def next_fetch(self) -> Fetch | None:
        """The most promising page not fetched yet; None when the walk is over."""
        if self.found is not None or not self._pending:
            return None
        if self.requests >= self.max_requests:
            if "budget" not in " ".join(self.problems):
                self.problems.append(f"request budget spent ({self.max_requests} requests)")
            return None
        key, best = max(self._pending.items(), key=lambda kv: (kv[1].score, -kv[1].depth, -kv[1].order))
        del self._pending[key]
        self.requests += 1
        return best

    def _allowed(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if host in self.hosts:
            return True
        domains = {_site_domain(known) for known in self.hosts} - {None}
        return any(host.endswith(f".{domain}") for domain in domains)

    # -- answers ---------------------------------------------------------------------------------

    def fail(self, fetch: Fetch, reason: str) -> None:
        """A fetch that got no page (HTTP error, timeout, refused by robots.txt …)."""
        where = "home page" if fetch.via is None else (fetch.text or "frame")
        self.problems.append(f"{where} {fetch.request_url}: {reason}")

    def visit(self, fetch: Fetch, page: FetchedPage) -> None:
        if page.status != 200:
            self.fail(fetch, f"HTTP {page.status}{challenge_note(page)}")
            return
        if fetch.depth == 0:
            # The home page's redirects, frames and stubs are the portal too.
            self.hosts.add(urlsplit(page.url).hostname or "")
            if fetch.via is None:
                self.home_url = page.url
        html, _encoding = decode_html(page.body, page.content_type)
        if fetch.depth == 0 and "SiteIDCode" not in self.home_metas:
            self._read_home(html)
        if fetch.column:
            fragment = urlsplit(fetch.url).fragment
            own_url = f"{page.url.split('#')[0]}#{fragment}" if fragment else page.url
            candidate = Candidate(fetch, own_url, recognise_family(page.url, html), report_links(html))
            self.candidates.append(candidate)
            if candidate.confirmed:
                self.found = candidate
                return
        for link in page_links(html, page.url):
            self._follow(fetch, link)

    def _read_home(self, html: str) -> None:
        document = from_html(html)
        self.home_metas = {**document.metas, **self.home_metas}
        if self.home_title is None:
            root = _root(html)
            title = root.find(".//title") if root is not None else None
            self.home_title = _collapse(title.text_content()) if title is not None else None

    def _follow(self, fetch: Fetch, link: PageLink) -> None:
        if not self._allowed(link.url):
            return
        role: LinkRole | None
        if link.frame:
            # No click: the frame or stub target is the page itself, as the browser shows it.
            role, score, depth = fetch.role, FRAME_SCORE, fetch.depth
        else:
            scored = max(
                (s for s in (link_role(link.text), link_role(link.title) if link.title else None) if s),
                key=lambda s: s[1],
                default=None,
            )
            if scored is None:
                return
            role, score = scored
            depth = fetch.depth + 1
        if depth > self.max_depth:
            return
        self._order += 1
        text = link.text or link.title
        self._add(
            Fetch(
                link.url,
                depth,
                role,
                score,
                text or fetch.text,
                fetch,
                self._order,
                referer=fetch.request_url,
                frame=link.frame,
            )
        )

    # -- the outcome -----------------------------------------------------------------------------

    def result(self, registry: Registry | None = None) -> DiscoveryResult:
        chosen = self.found
        problems = list(self.problems)
        if chosen is None and self.candidates:
            chosen = max(self.candidates, key=lambda c: (c.fetch.score, -c.fetch.depth))
            problems.append(
                f"{chosen.url} is linked as the column ({chosen.fetch.text}) but lists no report and shows "
                "no family marker"
            )
        elif chosen is None:
            clicks = "click" if self.max_depth == 1 else "clicks"
            problems.append(
                f"no link named as the annual-report column within {self.max_depth} {clicks} of the home page"
            )
        region = identify_region(self.home_metas, self.home_title, registry)
        steps = [(f.text, f.url) for f in (chosen.fetch.path() if chosen else []) if not f.frame]
        return DiscoveryResult(
            portal=self.home_url,
            column_url=chosen.url if chosen else None,
            column_title=chosen.fetch.text if chosen else None,
            family=chosen.sign.family if chosen and chosen.sign else None,
            evidence=chosen.sign.evidence if chosen and chosen.sign else None,
            confirmed=bool(chosen and chosen.confirmed),
            route=steps,
            requests=self.requests,
            region=region,
            problems=problems,
            defined_in=registry.source(region.code) if registry is not None and region else None,
        )


def walk(discovery: Discovery, fetch: Callable[[Fetch], FetchedPage]) -> Iterator[Fetch]:
    """Drive `discovery` with a synchronous `fetch` (an exception = a failed fetch); yields each fetch."""
    while (step := discovery.next_fetch()) is not None:
        yield step
        try:
            page = fetch(step)
        except Exception as exc:  # any transport error is the walk's data, recorded by fail()
            discovery.fail(step, f"{type(exc).__name__}: {exc}")
            continue
        discovery.visit(step, page)


def discover(
    portal: str,
    fetch: Callable[[Fetch], FetchedPage],
    registry: Registry | None = None,
    max_depth: int = MAX_DEPTH,
    max_requests: int = MAX_REQUESTS,
) -> DiscoveryResult:
    """The column, family and registry row of the portal at `portal`, fetching with `fetch`."""
    discovery = Discovery(portal, max_depth, max_requests)
    for _ in walk(discovery, fetch):
        pass
    return discovery.result(registry)
