"""`COMMENT ON` texts for every table, view and column, Chinese and English in one comment.

Analysts read the schema with `\\d+` or their SQL client: each comment says what the column holds, in
Chinese (the official label where there is one) and in English. The labels of the value columns and key
figures come from parsers/template.py, never typed here. Migration 0004 applies them with
`apply_comments`; a later migration that adds a column adds its text here and calls `apply_comments` again
(it comments whatever exists, so earlier migrations keep working with later texts).
tests/test_comments.py asserts that every column of the migrated database has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from sqlalchemy import Connection, text

from parsers.template import (
    ACTIVE_DISCLOSURE,
    REQUEST_COLUMNS,
    REQUEST_GROUP_HEADER,
    REQUEST_ROW_BY_ID,
    REQUEST_TABLE_HEADER,
    REVIEW_BLOCKS,
    REVIEW_COLUMNS,
    REVIEW_HEADER_LABELS,
    SECTIONS,
    TABLE_FORMATS,
    request_rows,
)

# ---------------------------------------------------------------------------------------------
# Generated from the template: the value columns of the three report tables, and the key figures
# ---------------------------------------------------------------------------------------------

_REQUEST_COLUMN_EN: Final[dict[str, str]] = {
    "natural_person": "requests from natural persons",
    "commercial_enterprise": f"requests from commercial enterprises ({REQUEST_GROUP_HEADER})",
    "research_institution": f"requests from research institutions ({REQUEST_GROUP_HEADER})",
    "social_welfare_org": f"requests from social welfare organisations ({REQUEST_GROUP_HEADER})",
    "legal_service_org": f"requests from legal service organisations ({REQUEST_GROUP_HEADER})",
    "other_org": f"requests from other legal persons or organisations ({REQUEST_GROUP_HEADER})",
    "total": "requests from all applicants together",
}
_ACTIVE_COLUMN_EN: Final[dict[str, str]] = {
    "issued": "documents issued this year",
    "repealed": "documents repealed this year",
    "in_force": "documents in force at the end of the year",
    "decisions": "decisions made this year (licensing, penalties, coercive measures …)",
    "amount_10k_yuan": "administrative fees collected this year, in 10,000 yuan (decimal)",
    "new_made": "documents newly made this year",
    "new_published": "documents newly published this year",
    "total_published": "documents published in total",
    "prev_items": "items at the end of the previous year",
    "change": "change of the number of items this year (signed)",
    "items": "procurement projects",
    "amount": "total amount of procurement (decimal)",
}
_REVIEW_COLUMN_EN: Final[dict[str, str]] = {
    "upheld": "cases whose decision was upheld",
    "corrected": "cases whose decision was corrected",
    "other": "cases with another outcome",
    "pending": "cases not yet concluded",
    "total": "all cases",
}
_TOTAL_LABEL: Final[str] = next(c.label for c in REQUEST_COLUMNS if c.id == "total")
_REVIEW_TOTAL_LABEL: Final[str] = next(c.label for c in REVIEW_COLUMNS if c.id == "total")
_BLOCK_LABEL: Final[dict[str, str]] = {b.id: b.label for b in REVIEW_BLOCKS}


def _active_labels(column_id: str) -> str:
    """The official label(s) of a table 二 column: one label, or one per format when they differ."""
    by_format: dict[str, str] = {}
    for fmt in TABLE_FORMATS:
        for row in ACTIVE_DISCLOSURE[fmt]:
            for col in row.columns:
                if col.id == column_id:
                    by_format.setdefault(fmt, col.label)
    labels = set(by_format.values())
    if len(by_format) == 1:
        ((fmt, label),) = by_format.items()
        return f"{label}（{fmt}格式）"
    if len(labels) == 1:
        return labels.pop()
    return " / ".join(f"{label}（{fmt}格式）" for fmt, label in by_format.items())


def _active_formats(column_id: str) -> str:
    fmts = [
        f for f in TABLE_FORMATS if any(c.id == column_id for r in ACTIVE_DISCLOSURE[f] for c in r.columns)
    ]
    return "both formats" if len(fmts) == len(TABLE_FORMATS) else f"format {fmts[0]} only"


def value_column_comments() -> dict[str, dict[str, str]]:
    """Comments of the typed value columns of the three report tables, from the template."""
    active_ids = list(
        dict.fromkeys(c.id for fmt in TABLE_FORMATS for r in ACTIVE_DISCLOSURE[fmt] for c in r.columns)
    )
    return {
        "report_active_disclosure": {
            cid: f"{_active_labels(cid)} — {_ACTIVE_COLUMN_EN[cid]} "
            f"(table 二 column {cid}, {_active_formats(cid)}; NULL = blank or n/a, see raw)"
            for cid in active_ids
        },
        "report_requests": {
            c.id: f"{c.label}（{REQUEST_TABLE_HEADER}） — {_REQUEST_COLUMN_EN[c.id]} "
            f"(table 三 column {c.id}; NULL = blank or n/a, see raw)"
            for c in REQUEST_COLUMNS
        },
        "report_review_litigation": {
            c.id: f"{c.label} — {_REVIEW_COLUMN_EN[c.id]} "
            f"(table 四 column {c.id}; NULL = blank or n/a, see raw)"
            for c in REVIEW_COLUMNS
        },
    }


def _row_total(row_id: str, english: str) -> str:
    row = REQUEST_ROW_BY_ID[row_id]
    return f"{row.label}（{_TOTAL_LABEL}） — {english} (table 三 row {row_id}, column total)"


def _group_sum(prefix: str, english: str) -> str:
    groups = dict.fromkeys(r.group for r in request_rows("2021") if r.id.startswith(prefix) and r.group)
    rows = {fmt: [r.id for r in request_rows(fmt) if r.id.startswith(prefix)] for fmt in TABLE_FORMATS}
    if len({tuple(ids) for ids in rows.values()}) == 1:
        shown = " + ".join(next(iter(rows.values())))
    else:
        shown = "; ".join(f"{' + '.join(ids)} (format {fmt})" for fmt, ids in rows.items())
    return (
        f"{'、'.join(groups)}（{_TOTAL_LABEL}） — {english}: the sum of the totals of rows {shown}; "
        "NULL when any of them is blank, n/a or missing (blank ≠ 0)"
    )


def key_figure_comments() -> dict[str, str]:
    fees_row = next(r for r in ACTIVE_DISCLOSURE["2021"] if r.id == "fees")
    return {
        "requests_new_received": _row_total("new_received", "requests newly received this year"),
        "requests_carried_over": _row_total("carried_over", "requests carried over from the previous year"),
        "requests_granted": _row_total("granted", "requests granted in full"),
        "requests_partially_granted": _row_total("partially_granted", "requests granted in part"),
        "requests_denied": _group_sum("denied_", "requests denied"),
        "requests_unable": _group_sum("unable_", "requests the organ could not answer with information"),
        "requests_not_processed": _group_sum("not_processed_", "requests not processed"),
        "requests_other": _group_sum("other_", "requests handled otherwise"),
        "requests_total": _row_total("total", "requests handled this year in all"),
        "requests_carried_forward": _row_total("carried_forward", "requests carried forward to next year"),
        "reviews_total": f"{_BLOCK_LABEL['review']}（{_REVIEW_TOTAL_LABEL}） — administrative reviews "
        "(table 四 block review, column total)",
        "lawsuits_total": f"{_BLOCK_LABEL['litigation_direct']} + {_BLOCK_LABEL['litigation_after_review']}"
        f"（{_REVIEW_TOTAL_LABEL}） — lawsuits: litigation_direct.total + litigation_after_review.total "
        "(NULL when either is blank)",
        "fees_10k_yuan": f"{fees_row.label}：{fees_row.columns[0].label} — administrative fees collected, "
        "10,000 yuan (table 二 row fees, column amount_10k_yuan; 2021 format only, NULL for 2019)",
    }


# ---------------------------------------------------------------------------------------------
# Written here: tables and views, and columns by meaning
# ---------------------------------------------------------------------------------------------

_SECTION_IDS_LISTED: Final[str] = ", ".join(f"{s.id} = {s.number}、{s.heading}" for s in SECTIONS)
_HEADING: Final[dict[str, str]] = {s.id: s.heading for s in SECTIONS}
_REVIEW_HEADER, _LITIGATION_HEADER = REVIEW_HEADER_LABELS
_IN_FORCE_LABEL: Final[str] = next(
    c.label for r in ACTIVE_DISCLOSURE["2021"] for c in r.columns if c.id == "in_force"
)

RELATIONS: Final[dict[str, str]] = {
    "alembic_version": "迁移版本 — the Alembic revision the schema is at (one row)",
    "regions": "地区登记表 — the region registry (crawler/regions/*.toml over the national code table): "
    "one row per region the crawler knows",
    "crawl_runs": "抓取批次 — one crawl run of a spider over some regions, with its counts",
    "documents": "文档 — one URL found by the crawler (a report page or an attachment), over time",
    "document_versions": "文档版本 — one distinct content (by sha256) of a document, with the provenance of "
    "the fetch that first saw it",
    "reports": "年度报告解析结果 — the parse of one document's current version (contract §8, minus its "
    "tables); kind 'not_report' for pages that are no annual report",
    "report_sections": "报告章节 — the report's six sections, one row per section id "
    f"({_SECTION_IDS_LISTED})",
    "report_active_disclosure": f"表二 {_HEADING['active_disclosure']} — table 二 of a report: one row per "
    "template row id, one typed column per template column id (both formats)",
    "report_requests": f"表三 {_HEADING['requests']} — table 三 of a report: one row per template row id, "
    "one typed column per applicant column",
    "report_review_litigation": f"表四 {_HEADING['review_litigation']} — table 四 of a report: one row per "
    "block, one typed column per outcome",
    "checks": "一致性检查 — the §7 checks of a report: ok true, false, or NULL (not assessable)",
    "crawl_failures": "抓取失败 — a URL the crawler could not fetch, keep or read, with the reason",
    "region_schedules": "定时抓取计划 — the cadence in force for a region the scheduler crawls",
    "scheduled_jobs": "定时抓取任务 — one crawl of one region submitted to scrapyd by the scheduler",
    "region_run_outcomes": "各地区抓取结果（视图） — per crawl run and region: ok, failed or unfinished, "
    "and why",
    "region_health": "各地区抓取健康状况（视图） — per region: last success, reports known, failures since, "
    "overdue, open job (what `python -m crawler status` prints)",
    "divisions": "行政区划代码表 — the national division table, county level and above "
    "(parsers/data/divisions.tsv, loaded by migration 0004)",
    "template_labels": "官方模板标签 — the official row, column and block labels of tables 二, 三 and 四 per "
    "table format (parsers/template.py, loaded by migration 0004)",
    "cell_sources": "单元格来源 — where each stored table cell was read: method, page, OCR confidence, and "
    "the image or attachment when not the report's own document",
    "region_hierarchy": "地区层级（视图） — every code of regions ∪ divisions with its province, prefecture "
    "and county (sums by province are one GROUP BY province_code)",
    "report_key_figures": "报告主要数据（视图） — one row per report (kind 'report') with its key figures "
    "and provenance; blank cells stay NULL, never 0",
    "organ_year_reports": "机关年度报告（视图） — the one report chosen per region, organ and year: most "
    "tables present, then the latest publish date, then the highest report id",
    "request_values": "表三长表（视图） — table 三 in long form: one row per stored cell (report × row × "
    "applicant column) with the official labels",
    "check_results": "检查结果（视图） — the §7 checks of each report, split into rule and subject, with the "
    "numbers named in the detail",
    "coverage": "覆盖情况（视图） — per region and year: reports found, parsed, with all three tables, "
    "failing checks, and crawl failures",
    "cross_year_checks": "跨年度检查（视图） — between consecutive years of one organ: "
    f"{REQUEST_ROW_BY_ID['carried_over'].label} = the previous year's "
    f"{REQUEST_ROW_BY_ID['carried_forward'].label} per applicant column, and {_IN_FORCE_LABEL} continuity "
    "(2021 format); the rules of parsers.checks.cross_year",
}

# Columns that mean the same wherever they appear (a relation's own entry below wins).
COMMON: Final[dict[str, str]] = {
    "report_id": "报告编号 — the report (reports.id)",
    "region_code": "地区代码 — the 6-digit 行政区划代码 of the crawl region (regions.code; 99xxxx = sample "
    "portal)",
    "region_name": "地区名称 — the region's name (regions.name)",
    "organ": "发布机关 — the issuing organ as the report names it, e.g. 某某市人民政府",
    "year": "报告年度 — the year the report covers",
    "format": "表格格式 — the template format: '2021' (国办公开办函〔2021〕30号), '2019' (〔2019〕60号), "
    "'legacy' (before 2019) or 'unknown'",
    "title": "报告标题 — the report's title",
    "check_id": "检查编号 — the check id of contract §7, e.g. requests.balance.total",
    "ok": "是否通过 — true = holds, false = fails, NULL = not assessable (a blank or n/a operand)",
    "detail": "检查说明 — the numbers compared, as parsers/checks.py writes them",
    "raw": "单元格原文 — each cell's text as read, {column id: text}: \"\" for a blank cell, the mark as "
    "written (e.g. \"/\") for n/a",
    "province_code": "省级代码 — the province's 行政区划代码",
    "province_name": "省级名称 — the province's name",
    "prefecture_code": "地级代码 — the prefecture's code; NULL for a province, for 直辖市 districts and for "
    "省直辖县",
    "prefecture_name": "地级名称 — the prefecture's name (NULL as prefecture_code)",
    "code": "行政区划代码 — the 6-digit division code",
    "name": "名称 — the official name",
    "level": "层级 — province (省级), prefecture (地级) or county (县级)",
    "parent_code": "上级代码 — the parent division's code; NULL for a province",
    "publish_date": "发布日期 — the publish date (from the page or the listing)",
    "sign_date": "落款日期 — the date the report is signed with",
    "parsed_at": "解析时间 — when the parse was stored (UTC)",
    "fetched_at": "抓取时间 — when the version was fetched (UTC)",
    "sha256": "内容哈希 — SHA-256 of the document's bytes (the raw store's key)",
    "final_url": "最终网址 — the URL after redirects",
    "crawl_run_id": "抓取批次编号 — the crawl run (crawl_runs.id)",
    "scrapyd_job_id": "scrapyd 任务编号 — scrapyd's job id of the crawl",
    "started_at": "开始时间 — when the run started (UTC)",
    "finished_at": "结束时间 — when it finished (UTC); NULL while running or if it never closed",
    "finish_reason": "结束原因 — Scrapy's finish reason ('finished' when it ran to the end)",
    "updated_at": "更新时间 — when the row last changed (UTC)",
    "row_id": "行编号 — the template row id of the table (parsers/template.py; labels in template_labels)",
    "column_id": "列编号 — the template column id",
    "table_id": "表编号 — active_disclosure (表二), requests (表三) or review_litigation (表四)",
    "method": "读取方式 — how the value was read: html-table, text, pdf-table, pdf-text, docx-table, ocr … "
    "(parsers.blocks.METHODS)",
    "page": "页码 — the page of a PDF or an image sequence the value is on; NULL for web pages",
    "confidence": "识别置信度 — OCR confidence 0..1; NULL for text that was not OCR'd",
    "low_confidence": "低置信度 — true when the OCR confidence is under the flagging threshold "
    "(parsers.template.OCR_LOW_CONFIDENCE)",
    "document_url": "来源文档 — the image or attachment the value was read from; NULL = the report's own "
    "document",
    "id": "编号 — the row's id",
}

COLUMNS: Final[dict[str, dict[str, str]]] = {
    "alembic_version": {"version_num": "版本号 — the migration revision id, e.g. 0004"},
    "regions": {
        "name": "地区名称 — the region's name in the registry",
        "parent_code": "上级地区代码 — the parent region's code",
        "level": "层级 — province, prefecture or county (registry)",
        "portal_url": "门户网址 — the region's government portal home page",
        "family": "门户类型 — the portal family (crawler/families) that reads its listings",
        "listing_urls": "年报栏目网址 — the listing pages of the annual-report column (JSON array)",
        "params": "门户参数 — family parameters (JSON object)",
        "is_sample": "样本地区 — true for the local sample portal's regions (codes 99xxxx)",
    },
    "crawl_runs": {
        "id": "批次编号 — the crawl run's id",
        "spider": "爬虫名 — the Scrapy spider that ran (reports, discover …)",
        "region_codes": "地区代码列表 — the regions the run crawled",
        "items": "文档数 — documents saved by the run",
        "reports_new": "新报告数 — report documents new to the store",
        "reports_changed": "变更报告数 — report documents whose content changed",
        "reports_unchanged": "未变报告数 — report documents seen again unchanged",
        "failures": "失败数 — crawl_failures recorded by the run",
        "stats": "统计 — Scrapy's stats of the run (JSON)",
        "failures_by_reason": "按原因失败数 — the run's failures counted by reason (JSON {reason: count})",
    },
    "documents": {
        "id": "文档编号 — the document's id",
        "url": "网址 — the document's URL (unique)",
        "region_code": "地区代码 — the crawl region that found it",
        "role": "角色 — report (a listing's report link) or attachment (a file a report page links)",
        "parent_url": "上级网址 — for an attachment, the page that links it",
        "parent_document_id": "上级文档编号 — that page's document id, once stored",
        "first_seen_at": "首次发现时间 — when the URL was first fetched (UTC)",
        "last_seen_at": "最近发现时间 — when it was last seen (UTC)",
        "current_version_id": "当前版本编号 — the latest content (document_versions.id)",
        "kind": "文件类型 — what the current version is: pdf, doc, docx, wps, xls, xlsx, image, html, other",
        "listing_date": "栏目日期 — the latest date a listing printed beside the URL",
    },
    "document_versions": {
        "id": "版本编号 — the version's id",
        "document_id": "文档编号 — the document (documents.id)",
        "raw_path": "原文路径 — the bytes' path in the raw store, relative to its root",
        "size": "字节数 — size of the content in bytes",
        "content_type": "内容类型 — the HTTP Content-Type",
        "http_status": "HTTP 状态码 — the answer's status",
        "listing_url": "栏目网址 — the listing page that linked the document",
        "listing_title": "栏目标题 — the link text on the listing",
        "listing_date": "栏目日期 — the date printed beside the link",
        "page_date": "页面日期 — the publish date on the page itself",
        "encoding": "字符编码 — the charset the page was decoded with",
        "file_name": "文件名 — the file's own name (Content-Disposition or link text)",
        "fetched_at": "抓取时间 — when this content was first fetched (UTC)",
    },
    "reports": {
        "id": "报告编号 — the report's id",
        "document_id": "文档编号 — the source document (documents.id)",
        "version_id": "版本编号 — the version parsed (document_versions.id)",
        "region_name": "报告所写地区 — the region as written in the report",
        "parsed_region_code": "解析地区代码 — the division code resolved from the report's text",
        "script": "字形 — simplified or traditional (the text was converted to simplified)",
        "kind": "文档性质 — report, or not_report for letters, notices and 解读 pages filed as reports",
        "warnings": "解析警告 — the parser's warnings (JSON array)",
        "legacy": "旧版数据 — headline figures of a pre-2019 report (JSON), NULL otherwise",
        "parser_version": "解析器版本 — the parser version that produced the row",
        "companions": "解析所用附件 — the companions (attachments, pictures) of the page the parse read, as "
        "a JSON object URL → sha256 of the version read (document_versions.sha256), null for one that "
        "could not be fetched; NULL for reports stored before migration 0005",
    },
    "report_sections": {
        "section_id": "章节编号 — the contract section id: " + _SECTION_IDS_LISTED,
        "heading_present": "有标题 — whether the section's heading was found",
        "text": "章节正文 — the section text; NULL when the heading is absent, \"\" when it stands alone",
    },
    "report_review_litigation": {
        "block_id": "复议诉讼类别 — the block of table 四: "
        + ", ".join(f"{b.id} = {b.label}" for b in REVIEW_BLOCKS),
    },
    "checks": {},
    "crawl_failures": {
        "id": "失败编号 — the failure's id",
        "region_code": "地区代码 — the region it belongs to (no foreign key: it may be unknown)",
        "url": "网址 — the URL that failed",
        "reason": "原因 — a short reason (crawler/failures.py), e.g. timeout, http 404, not a report",
        "detail": "详情 — what exactly happened",
        "at": "时间 — when it was recorded (UTC)",
    },
    "region_schedules": {
        "region_code": "地区代码 — the scheduled region",
        "cadence_seconds": "抓取周期 — seconds between crawls",
        "overdue_after_seconds": "逾期阈值 — seconds without a success after which the region is overdue",
        "active": "启用 — whether the scheduler crawls it",
        "enrolled_at": "加入时间 — when the region was first scheduled (UTC)",
    },
    "scheduled_jobs": {
        "id": "任务编号 — the job's id",
        "region_code": "地区代码 — the region crawled",
        "project": "scrapyd 项目 — the scrapyd project",
        "spider": "爬虫名 — the spider scheduled",
        "scrapyd_job_id": "scrapyd 任务编号 — chosen by the scheduler before it asks scrapyd",
        "state": "状态 — submitting, submit_failed, pending, running, finished, failed or lost",
        "attempts": "提交次数 — submissions tried",
        "created_at": "创建时间 — when the job was created (UTC)",
        "scheduled_at": "受理时间 — when scrapyd accepted it (UTC)",
        "next_attempt_at": "重试时间 — for submit_failed: retry from then (UTC)",
        "finished_at": "结束时间 — when the job ended (UTC)",
        "crawl_run_id": "抓取批次编号 — the crawl run it produced",
        "error": "错误 — why submitting or running failed",
    },
    "region_run_outcomes": {
        "region_code": "地区代码 — one of the run's regions",
        "reports_before": "此前报告数 — reports of the region known before the run started",
        "nothing_found": "未找到报告链接 — whether the run recorded 'no report links' for the region",
        "outcome": "结果 — ok, failed or unfinished",
        "problem": "问题 — why the outcome is not ok",
    },
    "region_health": {
        "last_success": "最近成功时间 — the end of the last ok run (UTC)",
        "last_run_id": "最近批次编号 — the latest run",
        "last_run_at": "最近抓取时间 — when the latest run started (UTC)",
        "last_outcome": "最近结果 — ok, failed or unfinished",
        "last_problem": "最近问题 — why the latest run was not ok",
        "reports_known": "已知报告数 — reports (kind report) stored for the region",
        "newest_report_year": "最新报告年度 — the newest report year stored",
        "failures_since_success": "成功后失败数 — failures recorded since the last success",
        "cadence_seconds": "抓取周期 — seconds between scheduled crawls; NULL when not scheduled",
        "overdue": "逾期 — no success within the cadence plus grace",
        "job_state": "任务状态 — the open scheduled job's state, if any",
        "job_id": "任务编号 — the open scheduled job's scrapyd id",
    },
    "divisions": {},
    "template_labels": {
        "table_id": "表编号 — active_disclosure (表二), requests (表三) or review_litigation (表四)",
        "format": "表格格式 — the template format the label belongs to: '2021' or '2019'",
        "kind": "类别 — row, column, or block (table 四)",
        "id": "编号 — the contract id (the column name in the report tables, the row_id / block_id value)",
        "label": "官方标签 — the official label, normalised (Simplified, half-width brackets)",
        "ord": "顺序 — its position in the official table, from 1",
        "group_label": "上级标签 — the label printed over it: a table 三 row's group, a table 二 row's "
        f"sub-table caption, {REQUEST_GROUP_HEADER} over the organisation columns, {_REVIEW_HEADER} / "
        f"{_LITIGATION_HEADER} over the blocks of table 四",
    },
    "cell_sources": {
        "row_id": "行编号 — the template row id (block id for table 四)",
    },
    "region_hierarchy": {
        "code": "行政区划代码 — a code of regions ∪ divisions",
        "name": "名称 — the registry's name, else the division table's",
        "level": "层级 — province, prefecture or county (registry, division table, else by code: xx0000, "
        "xxxx00)",
        "county_code": "县级代码 — the code itself for a county-level row, NULL above",
        "county_name": "县级名称 — its name for a county-level row, NULL above",
    },
    "report_key_figures": {
        **key_figure_comments(),
        "region_name": "地区名称 — the crawl region's name (region_hierarchy)",
        "checks_total": "检查总数 — the report's §7 checks",
        "checks_failed": "未通过检查数 — its checks with ok = false",
        "tables_present": "表格数 — how many of tables 二, 三, 四 the report has (0–3)",
        "source_url": "来源网址 — the document's URL (documents.url)",
        "final_url": "最终网址 — the URL after redirects of the version parsed",
        "fetched_at": "抓取时间 — when the version parsed was fetched (UTC)",
        "sha256": "内容哈希 — SHA-256 of the version parsed",
    },
    "organ_year_reports": {
        "report_id": "选定报告编号 — the report chosen for the organ and year",
        "tables_present": "表格数 — tables present in the chosen report (0–3)",
        "candidates": "候选报告数 — how many reports the organ has for the year (> 1: duplicates, revisions)",
    },
    "request_values": {
        "row_label": "官方行标签 — the row's official label (template_labels)",
        "row_order": "行顺序 — the row's position in the official table of its format",
        "row_group": f"上级行标签 — the group the row sits under, e.g. {REQUEST_ROW_BY_ID['granted'].group}",
        "column_id": f"申请人列编号 — the applicant column id ({REQUEST_TABLE_HEADER})",
        "column_label": "官方列标签 — the column's official label",
        "column_order": "列顺序 — the column's position, from 1",
        "value": "数值 — the cell's number; NULL for blank and n/a cells (see is_blank, is_na)",
        "raw": "单元格原文 — the cell's text as read: \"\" for blank, the mark (e.g. \"/\") for n/a",
        "is_blank": "空白 — the cell is blank (NULL value; blank ≠ 0)",
        "is_na": "不适用 — the cell holds an n/a mark (/, —, 不适用 …)",
        "table_format": "表格格式 — the table's format ('2021' or '2019'; for a report of unknown format, "
        "2019 when the table has the row other_handling)",
    },
    "check_results": {
        "rule": "检查规则 — the check id up to its subject, e.g. requests.balance",
        "subject": "检查对象 — the column, row or block id the check is about; NULL if none "
        "(narrative checks)",
        "numbers": "涉及数值 — the numbers named in detail, in order (not the quoted prose, not the count "
        "of zero rows)",
    },
    "coverage": {
        "year": "年度 — the report's year, else the 4-digit year in the listing title, else NULL",
        "province_code": "省级代码 — the region's province",
        "reports_found": "发现报告数 — report documents found (listing links; pages parsed as not_report "
        "excluded)",
        "reports_parsed": "解析报告数 — of them, parsed as a report of a known format",
        "reports_with_all_tables": "三表齐全数 — of them, reports with all three tables",
        "reports_failing_checks": "检查未通过报告数 — reports with at least one failing check",
        "failures": "抓取失败数 — distinct URLs in crawl_failures for the region and year (the year of the "
        "document at the URL when stored, else NULL)",
    },
    "cross_year_checks": {
        "year": "年度 — the later year t",
        "previous_year": "上一年度 — the year t-1",
        "report_id": "报告编号 — the report of year t (organ_year_reports)",
        "previous_report_id": "上年报告编号 — the report of year t-1",
        "check_id": "检查编号 — cross_year.carry.<column> or cross_year.in_force.<row>",
        "detail": "检查说明 — the numbers compared, as parsers.checks.cross_year writes them",
        "expected": "应有值 — carried_forward(t-1), or in_force(t-1) + issued(t) - repealed(t)",
        "actual": "实际值 — carried_over(t), or in_force(t)",
    },
}
for _relation, _columns in value_column_comments().items():
    COLUMNS.setdefault(_relation, {}).update(_columns)


def relation_comment(relation: str) -> str | None:
    return RELATIONS.get(relation)


def column_comment(relation: str, column: str) -> str | None:
    own = COLUMNS.get(relation, {})
    return own.get(column) or COMMON.get(column)


# ---------------------------------------------------------------------------------------------
# Applying them
# ---------------------------------------------------------------------------------------------

_CATALOG = text(
    """
    SELECT c.relname, c.relkind, a.attname
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'p', 'm')
    ORDER BY c.relname, a.attnum
    """
)
_KIND_WORD: Final[dict[str, str]] = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}


def _existing(conn: Connection) -> Iterator[tuple[str, str, str | None]]:
    for relname, relkind, attname in conn.execute(_CATALOG):
        yield str(relname), str(relkind), None if attname is None else str(attname)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _set(conn: Connection, on: str, comment: str | None) -> None:
    # COMMENT takes no bind parameters: the text goes in as a literal, quotes doubled.
    value = "NULL" if comment is None else "'" + comment.replace("'", "''") + "'"
    conn.exec_driver_sql(f"COMMENT ON {on} IS {value}".replace("%", "%%"))


def apply_comments(conn: Connection) -> None:
    """Comment every existing table, view and column that has a text here (others are left alone)."""
    done: set[str] = set()
    for relation, kind, column in _existing(conn):
        target = _quote(conn, relation)
        if relation not in done:
            done.add(relation)
            if (comment := relation_comment(relation)) is not None:
                _set(conn, f"{_KIND_WORD[kind]} {target}", comment)
        if column is not None and (comment := column_comment(relation, column)) is not None:
            _set(conn, f"COLUMN {target}.{_quote(conn, column)}", comment)


def clear_comments(conn: Connection) -> None:
    """Remove the comments `apply_comments` set on what exists (a downgrade)."""
    done: set[str] = set()
    for relation, kind, column in _existing(conn):
        target = _quote(conn, relation)
        if relation not in done:
            done.add(relation)
            if relation_comment(relation) is not None:
                _set(conn, f"{_KIND_WORD[kind]} {target}", None)
        if column is not None and column_comment(relation, column) is not None:
            _set(conn, f"COLUMN {target}.{_quote(conn, column)}", None)
