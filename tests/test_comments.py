"""`COMMENT ON` every table, view and column (crawler/store/comments.py, applied by migration 0004): read
back from the migrated database's catalog, Chinese and English in each, the template's labels on the value
columns."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from crawler.db_roles import libpq_url
from crawler.store.comments import COLUMNS, COMMON, RELATIONS
from crawler.store.migrate import downgrade, upgrade
from parsers.template import (
    ACTIVE_DISCLOSURE,
    REQUEST_COLUMNS,
    REQUEST_ROW_BY_ID,
    REVIEW_COLUMNS,
    TABLE_FORMATS,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")

_CATALOG = """
    SELECT c.relname, c.relkind, a.attname, obj_description(c.oid, 'pg_class'),
           col_description(c.oid, a.attnum)
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')
    ORDER BY c.relname, a.attnum
"""


def catalog(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return list(conn.execute(_CATALOG).fetchall())


def test_every_table_view_and_column_has_a_bilingual_comment(pg_url: str) -> None:
    rows = catalog(pg_url)
    relations = {(name, kind) for name, kind, *_ in rows}
    # The catalog is what the migrations made: 17 tables (alembic_version included) and 9 views.
    assert sum(kind == "r" for _, kind in relations) == 17
    assert {name for name, kind in relations if kind == "v"} == {
        "region_run_outcomes",
        "region_health",
        "region_hierarchy",
        "report_key_figures",
        "organ_year_reports",
        "request_values",
        "check_results",
        "coverage",
        "cross_year_checks",
    }
    missing = []
    for name, _, column, relation_comment, column_comment in rows:
        for what, comment in ((name, relation_comment), (f"{name}.{column}", column_comment)):
            if not comment or not CJK.search(comment) or not LATIN.search(comment):
                missing.append((what, comment))
    assert missing == []
    # Every column of every table and view was looked at (the count information_schema gives).
    with psycopg.connect(libpq_url(pg_url)) as conn:
        columns = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
        ).fetchone()
    assert columns == (len(rows),) == (285,)


def test_value_columns_name_the_template_labels(pg_url: str) -> None:
    comments = {(name, column): comment for name, _, column, _, comment in catalog(pg_url)}
    for spec in REQUEST_COLUMNS:
        assert comments[("report_requests", spec.id)].startswith(spec.label + "（")
        assert f"column {spec.id}" in comments[("report_requests", spec.id)]
    for spec in REVIEW_COLUMNS:
        assert comments[("report_review_litigation", spec.id)].startswith(spec.label + " — ")
    for fmt in TABLE_FORMATS:
        for row in ACTIVE_DISCLOSURE[fmt]:
            for col in row.columns:
                assert f"{col.label}（{fmt}格式）" in comments[("report_active_disclosure", col.id)] or (
                    comments[("report_active_disclosure", col.id)].startswith(col.label + " — ")
                )
    # `decisions` is labelled differently in the two formats: both labels are named.
    decisions = comments[("report_active_disclosure", "decisions")]
    assert decisions.startswith("本年处理决定数量（2021格式） / 处理决定数量（2019格式） — ")
    # Key figures name the row they read, with the template's label.
    assert comments[("report_key_figures", "requests_new_received")].startswith(
        REQUEST_ROW_BY_ID["new_received"].label
    )
    assert comments[("report_key_figures", "requests_denied")].startswith(
        f"{REQUEST_ROW_BY_ID['denied_state_secret'].group}（"
    )


def test_texts_are_not_orphans() -> None:
    # Every relation the column texts name has a comment of its own, and no text is empty.
    assert set(COLUMNS) <= set(RELATIONS)
    texts = [*RELATIONS.values(), *COMMON.values(), *(t for cols in COLUMNS.values() for t in cols.values())]
    assert all(CJK.search(t) and LATIN.search(t) for t in texts)


def test_downgrade_removes_what_0004_made_and_its_comments(pg_empty_url: str) -> None:
    upgrade(pg_empty_url)
    downgrade(pg_empty_url, "0003")
    rows = catalog(pg_empty_url)
    names = {name for name, *_ in rows}
    assert not names & {"divisions", "template_labels", "cell_sources", "report_key_figures", "coverage"}
    assert "region_health" in names and "reports" in names
    assert [r for r in rows if r[3] is not None or r[4] is not None] == []
    upgrade(pg_empty_url)
    assert all(r[4] for r in catalog(pg_empty_url))
