"""Write the generated part of the development corpus `tests/corpus/`, and build synthetic report pages.

`python bench/make_corpus.py` (re)writes, next to the hand-written fixtures:
- the GBK fixtures: `sources/NAME.html` (UTF-8, readable and diffable) encoded as GBK into `NAME.html`,
  byte for byte what a GBK portal serves (no charset anywhere, or a wrong utf-8 declaration);
- `gen_CODE_DOCID.html` + `expected/gen_CODE_DOCID.json`: synthetic reports of the sample portal's generator
  (`crawler.sampleportal.generator`), chosen to cover every layout, both table formats, a deliberately
  inconsistent report, a blank and an n/a cell, and a 解读 page, wrapped in full portal pages.
`python bench/make_corpus.py --check` exits non-zero when a committed file differs from what it would write
(tests/test_corpus.py runs the same comparison).

The page wrapper (`report_page`) is the project's own chrome, not the sample portal's, so that the corpus
does not move when the portal's markup does; bench/parse.py builds its throughput corpus with it too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

REPO_ROOT: Final[Path] = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python bench/make_corpus.py`
    sys.path.insert(0, str(REPO_ROOT))

from bench.portal_page import portal_page  # noqa: E402
from bench.word_markup import word_pasted  # noqa: E402
from crawler.sampleportal.generator import (  # noqa: E402
    SyntheticPage,
    SyntheticReport,
    generate_pages,
    generate_reports,
)

CORPUS_DIR: Final[Path] = REPO_ROOT / "tests" / "corpus"
# sources/NAME.html → NAME.html in GBK. The declaration each source carries (none / a wrong utf-8) is
# part of the source: encoding is the only step.
GBK_SOURCES: Final[tuple[str, ...]] = ("gbk_nocharset", "gbk_declared_utf8")


@dataclass(frozen=True)
class PageStyle:
    """How one kind of portal wraps a report: body container, charset and whether it declares it, the
    body's markup ("plain": as `render` writes it; "word": pasted from Word, `word_markup`) and the page
    around it ("lean": the few widgets a parser must drop; "portal": a whole portal page, `portal_page`)."""

    name: str
    container: str  # opening tag of the body container
    charset: str = "utf-8"
    declare_charset: bool = True
    markup: str = "plain"
    chrome: str = "lean"

    @property
    def content_type(self) -> str:
        return f"text/html; charset={self.charset}" if self.declare_charset else "text/html"


STYLES: Final[dict[str, PageStyle]] = {
    "trs": PageStyle("trs", '<div class="TRS_Editor">'),
    "hanweb": PageStyle("hanweb", '<div id="zoom">'),
    "gbk": PageStyle("gbk", '<div class="article-content">', charset="gbk", declare_charset=False),
}
# The same three sites as whole portal pages: what a crawler fetches from them. The two large editor
# platforms keep the markup of reports pasted from Word; the GBK site's older CMS keeps plain markup.
PORTAL_STYLES: Final[dict[str, PageStyle]] = {
    name: replace(style, markup="plain" if name == "gbk" else "word", chrome="portal")
    for name, style in STYLES.items()
}
# The sample portal's regions (codes 99xxxx: outside the national code space) and the style of each.
SITES: Final[tuple[tuple[str, str, str], ...]] = (
    ("990101", "样本市", "trs"),
    ("990102", "样本县", "hanweb"),
    ("990103", "样本区", "gbk"),
)
REPORTS_PER_SITE: Final[int] = 25  # the count the sample portal serves per site, with seed = region code


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def report_page(
    title: str,
    body_html: str,
    *,
    style: PageStyle,
    site_code: str,
    site_name: str,
    published: dt.datetime | None,
    source: str = "",
) -> bytes:
    """A full detail page around a report body (metas, navigation, info block, footer), encoded in the
    style's charset."""
    portal = f"{site_name}人民政府"
    site_id = f"{site_code}0001"  # 网站标识码: region code then four digits
    metas = {"SiteName": portal, "SiteIDCode": site_id, "ColumnName": "年度报告", "ArticleTitle": title}
    info = []
    if published is not None:
        metas["PubDate"] = f"{published:%Y-%m-%d %H:%M}"
        info.append(f"<span>发布时间：{published:%Y-%m-%d %H:%M}</span>")
    if source:
        metas["ContentSource"] = source
        info.append(f"<span>来源：{_esc(source)}</span>")
    charset = f'<meta charset="{style.charset}">\n' if style.declare_charset else ""
    if style.markup == "word":
        body_html = word_pasted(body_html)
    if style.chrome == "portal":
        info.insert(0, f"<span>索引号：{site_id}/{zlib.crc32(title.encode()) % 10**6:06d}</span>")
        return portal_page(
            title=title,
            body_html=body_html,
            container=style.container,
            charset_meta=charset,
            metas=metas,
            info=info,
            portal=portal,
            site_name=site_name,
            site_code=site_code,
            site_id=site_id,
        ).encode(style.charset)
    page = (
        f"<!DOCTYPE html>\n<html>\n<head>\n{charset}<title>{_esc(title)}_{_esc(portal)}</title>\n"
        + "".join(f'<meta name="{k}" content="{_esc(v)}">\n' for k, v in metas.items())
        + '<script type="text/javascript" src="/js/jquery.min.js"></script>\n</head>\n<body>\n'
        + f'<div class="header"><span>{_esc(portal)}</span> <a href="/fanti/">繁體版</a> '
        + '<a href="/wza/">无障碍</a> <a href="/sitemap/">网站地图</a></div>\n'
        + '<div class="crumb">当前位置：<a href="/">首页</a> &gt; '
        + '<a href="/xxgk/">政府信息公开</a> &gt; 年度报告</div>\n'
        + f'<div class="detail"><h2>{_esc(title)}</h2>\n<div class="meta">{"　".join(info)}</div>\n'
        + style.container
        + "\n"
        + body_html
        + "</div>\n</div>\n"
        + '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> '
        + '<a href="javascript:window.print()">打印此页</a> '
        + '<a href="javascript:window.close()">关闭窗口</a></div>\n'
        + f'<div class="footer"><p>主办：{_esc(portal)}办公室</p>'
        + f"<p>网站标识码：{site_id}　ICP备案：样ICP备{site_code}号</p></div>\n</body>\n</html>\n"
    )
    return page.encode(style.charset)


def _publish_time(doc_id: int, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8 + doc_id % 10, doc_id * 7 % 60))


def synthetic_page(report: SyntheticReport | SyntheticPage, style: PageStyle) -> bytes:
    published = _publish_time(report.doc_id, report.publish_date)
    return report_page(
        report.title,
        report.body_html(),
        style=style,
        site_code=report.region_code,
        site_name=report.region_name,
        published=published,
        source=report.organ,
    )


def json_value(obj: object) -> object:
    """Decimals as JSON numbers that read back (with parse_float=Decimal) to the same value."""
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dump_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, default=json_value) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Which generator outputs the corpus keeps
# ---------------------------------------------------------------------------------------------

Want = tuple[str, Callable[[SyntheticReport], bool]]
# Each want picks the first report (in publication order) it matches that is not picked already.
WANTS: Final[tuple[Want, ...]] = (
    ("html-table 2021", lambda r: r.layout == "html-table" and r.format == "2021" and not r.defect),
    ("html-table 2019", lambda r: r.layout == "html-table" and r.format == "2019"),
    ("text-cells", lambda r: r.layout == "text-cells" and not r.defect),
    ("text-pipe", lambda r: r.layout == "text-pipe"),
    ("absent (tables as images)", lambda r: r.layout == "absent"),
    ("inconsistent", lambda r: bool(r.defect)),
    ("blank cell", lambda r: r.special_cell.startswith("blank:")),
    ("n/a cell", lambda r: r.special_cell.startswith("na:")),
)
PER_SITE: Final[int] = 3  # wants served by each site, in turn, so every style gets a share


def _chosen() -> Iterator[tuple[str, SyntheticReport | SyntheticPage, PageStyle, str]]:
    sites: list[tuple[list[SyntheticReport], PageStyle]] = []
    for code, name, style_name in SITES:
        reports = generate_reports(code, name, REPORTS_PER_SITE, int(code))
        sites.append((reports, STYLES[style_name]))
    for n, (label, want) in enumerate(WANTS):
        # Spread the wants over the sites, falling back to the others when one has no match.
        order = sites[n // PER_SITE % len(sites) :] + sites[: n // PER_SITE % len(sites)]
        for reports, style in order:
            match = next((r for r in reports if want(r)), None)
            if match is not None:
                reports.remove(match)
                yield label, match, style, f"gen_{match.region_code}_{match.doc_id}"
                break
        else:
            raise RuntimeError(f"no generated report is {label!r}: the generator changed; revise WANTS")
    code, name, style_name = SITES[0]
    reports = generate_reports(code, name, REPORTS_PER_SITE, int(code))
    page = next(p for p in generate_pages(reports, 4, int(code)) if p.kind == "解读")
    yield "解读 page", page, STYLES[style_name], f"gen_{page.region_code}_{page.doc_id}"


def _expected(label: str, item: SyntheticReport | SyntheticPage, style: PageStyle) -> dict[str, Any]:
    if isinstance(item, SyntheticPage):
        published = _publish_time(item.doc_id, item.publish_date)
        expected: dict[str, Any] = {
            "title": item.title,
            "kind": "not_report",
            "region": {"name": item.region_name, "code": item.region_code},
            "publish_date": published.date().isoformat(),
            "tables": {"active_disclosure": None, "requests": None, "review_litigation": None},
        }
    else:
        expected = item.expected()
        expected["kind"] = "report"
    expected["content_type"] = style.content_type
    what = [label, f"page style {style.name}"]
    if isinstance(item, SyntheticReport):
        what.append(f"layout {item.layout}")
        what += [x for x in (item.defect, item.special_cell) if x]
    expected["notes"] = "Generated by bench/make_corpus.py (crawler.sampleportal.generator): " + "; ".join(
        what
    )
    return expected


def build() -> dict[Path, bytes]:
    """Every generated file of the corpus: path → bytes."""
    files: dict[Path, bytes] = {}
    for name in GBK_SOURCES:
        text = (CORPUS_DIR / "sources" / f"{name}.html").read_text(encoding="utf-8")
        files[CORPUS_DIR / f"{name}.html"] = text.encode("gbk")
    for label, item, style, name in _chosen():
        files[CORPUS_DIR / f"{name}.html"] = synthetic_page(item, style)
        files[CORPUS_DIR / "expected" / f"{name}.json"] = dump_json(_expected(label, item, style))
    return files


def stale(files: dict[Path, bytes]) -> list[Path]:
    """Files that are missing or differ from what `build` writes, and generated files no longer built."""
    out = [p for p, data in files.items() if not p.is_file() or p.read_bytes() != data]
    for path in [*CORPUS_DIR.glob("gen_*"), *(CORPUS_DIR / "expected").glob("gen_*")]:
        if path not in files:
            out.append(path)
    return sorted(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    files = build()
    out_of_date = stale(files)
    if args.check:
        for path in out_of_date:
            print(f"out of date: {path.relative_to(REPO_ROOT)}")
        return 1 if out_of_date else 0
    for path in out_of_date:
        if path in files:
            path.write_bytes(files[path])
            print(f"wrote {path.relative_to(REPO_ROOT)}")
        else:
            path.unlink()
            print(f"removed {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
