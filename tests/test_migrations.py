"""The Alembic migrations against a real Postgres: from empty, back to base, and agreement with the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, create_engine, inspect, pool

from crawler.store.embedded import running_server, stop_embedded
from crawler.store.migrate import MIGRATIONS_DIR, alembic_config, current_revision, downgrade, upgrade
from crawler.store.models import Base
from parsers.template import ACTIVE_DISCLOSURE, REQUEST_COLUMN_IDS, REVIEW_COLUMN_IDS, TABLE_FORMATS

REPO_ROOT = Path(__file__).resolve().parents[1]

EXPECTED_TABLES = {
    "alembic_version",
    "regions",
    "crawl_runs",
    "documents",
    "document_versions",
    "reports",
    "report_sections",
    "report_active_disclosure",
    "report_requests",
    "report_review_litigation",
    "checks",
    "crawl_failures",
    "region_schedules",
    "scheduled_jobs",
    "divisions",
    "template_labels",
    "cell_sources",
}


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _columns(url: str, table: str) -> list[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return [c["name"] for c in inspect(engine).get_columns(table)]
    finally:
        engine.dispose()


def _schema_diff(url: str, metadata: MetaData) -> list[object]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()
    assert head is not None
    return head


def test_single_linear_history_starting_at_0001() -> None:
    script = ScriptDirectory.from_config(alembic_config("postgresql://"))
    assert script.get_heads() == ["0005"]
    assert script.get_bases() == ["0001"]
    assert [rev.revision for rev in script.walk_revisions()] == ["0005", "0004", "0003", "0002", "0001"]
    assert Path(script.dir) == MIGRATIONS_DIR


def test_upgrade_from_empty_creates_exactly_the_expected_tables(pg_empty_url: str) -> None:
    assert _tables(pg_empty_url) == set()
    assert current_revision(pg_empty_url) is None

    upgrade(pg_empty_url)
    assert _tables(pg_empty_url) == EXPECTED_TABLES
    assert current_revision(pg_empty_url) == _head()

    upgrade(pg_empty_url)  # already at head: nothing to do, nothing fails
    assert _tables(pg_empty_url) == EXPECTED_TABLES
    assert current_revision(pg_empty_url) == _head()


def test_downgrade_to_base_then_upgrade_again(pg_empty_url: str) -> None:
    upgrade(pg_empty_url)
    downgrade(pg_empty_url, "base")
    assert _tables(pg_empty_url) == {"alembic_version"}  # Alembic keeps its (now empty) bookkeeping table
    assert current_revision(pg_empty_url) is None

    upgrade(pg_empty_url)
    assert _tables(pg_empty_url) == EXPECTED_TABLES
    assert current_revision(pg_empty_url) == _head()


def test_migrated_schema_matches_the_models(pg_url: str) -> None:
    assert _schema_diff(pg_url, Base.metadata) == []


def test_schema_comparison_notices_a_difference(pg_url: str) -> None:
    # The control for the test above: a model column the migration lacks must show up.
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["report_requests"].append_column(Column("subtotal", Integer()))
    diff = _schema_diff(pg_url, metadata)
    assert len(diff) == 1
    assert diff[0][0] == "add_column"  # type: ignore[index]
    assert diff[0][3].name == "subtotal"  # type: ignore[index]


def test_value_columns_are_the_template_column_ids(pg_url: str) -> None:
    assert _columns(pg_url, "report_requests") == ["report_id", "row_id", *REQUEST_COLUMN_IDS, "raw"]
    assert _columns(pg_url, "report_review_litigation") == [
        "report_id",
        "block_id",
        *REVIEW_COLUMN_IDS,
        "raw",
    ]
    active_ids = list(
        dict.fromkeys(
            col.id for fmt in TABLE_FORMATS for row in ACTIVE_DISCLOSURE[fmt] for col in row.columns
        )
    )
    assert _columns(pg_url, "report_active_disclosure") == ["report_id", "row_id", *active_ids, "raw"]
    assert len(active_ids) == 12  # 2021: 5 distinct column ids, 2019: 8, `decisions` shared


def _alembic_cli(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "alembic", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_alembic_command_line_from_the_repo_root(pg_empty_url: str) -> None:
    # DATABASE_URL in the plain postgresql:// spelling users paste from elsewhere.
    plain_url = pg_empty_url.replace("postgresql+psycopg://", "postgresql://", 1)
    proc = _alembic_cli(plain_url, "upgrade", "head")
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    assert "Running upgrade  -> 0001" in output
    assert "Running upgrade 0001 -> 0002" in output
    assert f"-> {_head()}" in output
    assert _tables(pg_empty_url) == EXPECTED_TABLES


def test_concurrent_upgrades_run_one_after_the_other(pg_empty_url: str) -> None:
    procs = [_alembic_cli(pg_empty_url, "upgrade", "head") for _ in range(2)]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    # Exactly one of them found work to do; the other waited on the lock, then found the database at head.
    assert sum("Running upgrade  -> 0001" in out for out in outputs) == 1
    assert current_revision(pg_empty_url) == _head()


def test_alembic_command_line_without_database_url_uses_the_embedded_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"XXGK_DATA_DIR": str(tmp_path)}
    pgdata = tmp_path / "pgdata"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        server = running_server(pgdata)
        assert server is not None
        url = server.url()  # the `xxgk` database
        assert _tables(url) == EXPECTED_TABLES
        assert current_revision(url) == _head()
    finally:
        stop_embedded(pgdata)
