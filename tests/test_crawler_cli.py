"""`python -m crawler db …`: where the data lives, and who may stop the server."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import REPO_ROOT


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_db_url_prints_database_url_normalised() -> None:
    done = run_cli("db", "url", DATABASE_URL="postgresql://analyst:pw@db.example:5432/xxgk")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "postgresql+psycopg://analyst:pw@db.example:5432/xxgk"


def test_db_stop_refuses_a_server_named_by_database_url() -> None:
    done = run_cli("db", "stop", DATABASE_URL="postgresql://analyst:pw@db.example:5432/xxgk")
    assert done.returncode == 2
    assert "DATABASE_URL is set: that server is not ours to stop" in done.stderr


def test_help_names_the_analyst_commands() -> None:
    done = run_cli("--help")
    assert done.returncode == 0, done.stderr
    assert "export" in done.stdout and "quality-report" in done.stdout
    export = run_cli("export", "--help")
    assert export.returncode == 0, export.stderr
    assert "--format {csv,parquet}" in export.stdout
    for option in ("--region REGION", "--year YEAR", "--out OUT"):
        assert option in export.stdout


def test_crawl_refetch_asks_the_spider_for_a_full_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.__main__ as cli

    calls: list[tuple[dict[str, str], dict[str, Any]]] = []
    monkeypatch.setattr(
        cli, "run_crawl", lambda spider_args, overrides: calls.append((spider_args, overrides)) or True
    )
    assert cli.main(["crawl", "990101", "--refetch", "--no-db"]) == 0
    assert cli.main(["crawl", "990101", "--no-db"]) == 0
    assert [args for args, _ in calls] == [{"region": "990101", "refetch": "1"}, {"region": "990101"}]
    assert all(overrides["XXGK_DATABASE"] == "off" for _, overrides in calls)
