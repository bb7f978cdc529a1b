"""Database roles (`python -m crawler db roles`, crawler/db_roles.py): the crawler's role writes rows and
nothing else; the analysts' role reads every table and view, now and later, and cannot change a thing;
passwords come only from the environment.

The test server trusts local connections, so a password is checked by recomputing its SCRAM verifier; logging
in at all still needs LOGIN, which only a role with a password gets. Role names carry the test's pid: roles
are server-wide and other test sessions may share the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from crawler.__main__ import main
from crawler.db_roles import DbRolesError, apply_roles, libpq_url, role_specs

CRAWLER_PASSWORD = "crawler-secret-1"
ANALYST_PASSWORD = "analyst-secret-2"


@pytest.fixture
def roles(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    crawler, analyst = f"xxgk_crawler_t{os.getpid()}", f"xxgk_analyst_t{os.getpid()}"
    monkeypatch.setenv("XXGK_CRAWLER_ROLE", crawler)
    monkeypatch.setenv("XXGK_ANALYST_ROLE", analyst)
    monkeypatch.setenv("XXGK_CRAWLER_PASSWORD", CRAWLER_PASSWORD)
    monkeypatch.setenv("XXGK_ANALYST_PASSWORD", ANALYST_PASSWORD)
    try:
        yield crawler, analyst
    finally:
        with psycopg.connect(libpq_url(pg_url), autocommit=True) as conn:
            for name in (crawler, analyst):
                if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                    conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def created_lines(crawler: str, analyst: str) -> list[str]:
    return [
        f"{crawler}: created; reads and writes rows (no DDL); "
        "can log in (password from XXGK_CRAWLER_PASSWORD)",
        f"{analyst}: created; reads tables and views only; can log in (password from XXGK_ANALYST_PASSWORD)",
    ]


def connect_as(url: str, role: str) -> psycopg.Connection[Any]:
    as_role = make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
    return psycopg.connect(libpq_url(as_role), autocommit=True)


def scram_matches(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier (pg_authid.rolpassword) was made from `password` (RFC 5802)."""
    method, rest = verifier.split("$", 1)
    assert method == "SCRAM-SHA-256"
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (
        hashlib.sha256(client_key).digest() == stored_key
        and hmac.new(salted, b"Server Key", "sha256").digest() == server_key
    )


def test_roles_are_created_with_passwords_from_the_environment(pg_url: str, roles: tuple[str, str]) -> None:
    crawler, analyst = roles
    assert apply_roles(pg_url) == created_lines(crawler, analyst)
    with psycopg.connect(libpq_url(pg_url)) as conn:
        found = dict(
            conn.execute(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s)", ([crawler, analyst],)
            ).fetchall()
        )
    assert scram_matches(found[crawler], CRAWLER_PASSWORD)
    assert scram_matches(found[analyst], ANALYST_PASSWORD)
    assert not scram_matches(found[analyst], CRAWLER_PASSWORD)  # the check itself can say no


def test_a_role_without_a_password_in_the_environment_cannot_log_in(
    pg_url: str, roles: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, analyst = roles
    apply_roles(pg_url)
    monkeypatch.delenv("XXGK_ANALYST_PASSWORD")
    assert apply_roles(pg_url)[1] == (
        f"{analyst}: existed; reads tables and views only; cannot log in (XXGK_ANALYST_PASSWORD is not set)"
    )
    with psycopg.connect(libpq_url(pg_url)) as conn:
        row = conn.execute(
            "SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s", (analyst,)
        ).fetchone()
    assert row == (False, None)
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        connect_as(pg_url, analyst)


def test_the_analyst_reads_everything_and_changes_nothing(pg_url: str, roles: tuple[str, str]) -> None:
    _, analyst = roles
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as owner:
        owner.execute("INSERT INTO regions (code, name) VALUES ('990101', '样本市')")
        owner.execute("INSERT INTO crawl_runs (spider, region_codes) VALUES ('reports', ARRAY['990101'])")
    apply_roles(pg_url)
    with connect_as(pg_url, analyst) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (analyst,)
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM regions").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM region_health").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM region_run_outcomes").fetchone() == (1,)
        # Switching the read-only default off does not help: the rights are not there.
        conn.execute("SET default_transaction_read_only = off")
        for statement in (
            "INSERT INTO crawl_runs (spider, region_codes) VALUES ('x', ARRAY['990101'])",
            "UPDATE crawl_runs SET spider = 'x'",
            "DELETE FROM crawl_runs",
            "UPDATE regions SET name = 'x'",
            "DELETE FROM regions",
            "TRUNCATE crawl_failures",
            "CREATE TABLE analyst_scratch (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with psycopg.connect(libpq_url(pg_url)) as owner:
        assert owner.execute("SELECT spider FROM crawl_runs").fetchall() == [("reports",)]


# The analyst views of migration 0004, by name: each must be readable by the analysts.
ANALYST_VIEWS = (
    "region_hierarchy",
    "report_key_figures",
    "organ_year_reports",
    "request_values",
    "check_results",
    "coverage",
    "cross_year_checks",
    "region_health",
    "region_run_outcomes",
)


def _relations(url: str, kind: str) -> list[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = %s ORDER BY c.relname",
            (kind,),
        ).fetchall()
    return [str(name) for (name,) in rows]


def test_the_analyst_selects_every_table_and_view_and_writes_none(
    pg_url: str, roles: tuple[str, str]
) -> None:
    _, analyst = roles
    apply_roles(pg_url)
    tables, views = _relations(pg_url, "r"), _relations(pg_url, "v")
    assert set(ANALYST_VIEWS) == set(views)
    assert {"divisions", "template_labels", "cell_sources", "reports", "alembic_version"} <= set(tables)
    assert len(tables) == 17
    with connect_as(pg_url, analyst) as conn:
        for name in (*tables, *views):
            conn.execute(sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(name))).fetchall()
        assert conn.execute("SELECT count(*) FROM divisions").fetchone() == (3339,)
        conn.execute("SET default_transaction_read_only = off")
        refused = 0
        for name in tables:
            table = sql.Identifier(name)
            column = conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1", (name,)
            ).fetchone()
            assert column is not None
            first = sql.Identifier(str(column[0]))
            for statement in (
                sql.SQL("INSERT INTO {} DEFAULT VALUES").format(table),
                sql.SQL("UPDATE {} SET {} = {}").format(table, first, first),
                sql.SQL("DELETE FROM {}").format(table),
                sql.SQL("TRUNCATE {}").format(table),
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
                refused += 1
        assert refused == 4 * 17
        for statement in (
            "CREATE TABLE analyst_scratch (x int)",
            "CREATE VIEW analyst_view AS SELECT 1 AS x",
            "CREATE TEMPORARY TABLE analyst_temp (x int)",
            "CREATE SCHEMA analyst_schema",
            "CREATE FUNCTION public.analyst_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "CREATE INDEX analyst_ix ON reports (title)",
            "DROP VIEW coverage",
            "COMMENT ON TABLE reports IS 'x'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_the_crawler_writes_the_new_tables_and_keeps_temporary_tables(
    pg_url: str, roles: tuple[str, str]
) -> None:
    crawler, _ = roles
    apply_roles(pg_url)
    with connect_as(pg_url, crawler) as conn:
        conn.execute("CREATE TEMPORARY TABLE crawler_temp (x int)")
        assert conn.execute("SELECT count(*) FROM cell_sources").fetchone() == (0,)
        conn.execute("INSERT INTO crawler_temp VALUES (1)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE crawler_scratch (x int)")


def test_the_crawler_writes_rows_but_not_the_schema(pg_url: str, roles: tuple[str, str]) -> None:
    crawler, _ = roles
    apply_roles(pg_url)
    with connect_as(pg_url, crawler) as conn:
        conn.execute("INSERT INTO regions (code, name) VALUES ('990101', '样本市')")
        run = conn.execute(
            "INSERT INTO crawl_runs (spider, region_codes) VALUES ('reports', ARRAY['990101']) RETURNING id"
        ).fetchone()
        assert run is not None
        conn.execute("UPDATE crawl_runs SET finish_reason = 'finished' WHERE id = %s", run)
        conn.execute(
            "INSERT INTO scheduled_jobs (region_code, project, spider, scrapyd_job_id, state) "
            "VALUES ('990101', 'xxgk', 'reports', 'j1', 'pending')"
        )
        conn.execute("DELETE FROM scheduled_jobs")
        assert conn.execute("SELECT count(*) FROM region_health").fetchone() == (1,)
        for statement in (
            "CREATE TABLE crawler_scratch (x int)",
            "DROP TABLE crawl_failures",
            "ALTER TABLE crawl_runs ADD COLUMN x int",
            "DROP VIEW region_health",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_tables_and_views_made_later_are_covered(pg_url: str, roles: tuple[str, str]) -> None:
    crawler, analyst = roles
    apply_roles(pg_url)
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as owner:  # the next migration, say
        owner.execute("CREATE TABLE later_table (id bigint GENERATED ALWAYS AS IDENTITY, x int)")
        owner.execute("CREATE VIEW later_view AS SELECT x FROM later_table")
    with connect_as(pg_url, crawler) as conn:
        conn.execute("INSERT INTO later_table (x) VALUES (1), (2)")
    with connect_as(pg_url, analyst) as conn:
        assert conn.execute("SELECT sum(x) FROM later_view").fetchone() == (3,)
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO later_table (x) VALUES (3)")


def test_only_the_owner_can_set_roles_up(pg_url: str, roles: tuple[str, str]) -> None:
    crawler, _ = roles
    apply_roles(pg_url)
    as_crawler = make_url(pg_url).set(username=crawler).render_as_string(hide_password=False)
    with pytest.raises(DbRolesError, match="naming the database's owner, a role with CREATEROLE"):
        apply_roles(as_crawler)


def test_the_command_line(
    pg_url: str, roles: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    crawler, analyst = roles
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert main(["db", "roles"]) == 0
    assert capsys.readouterr().out.splitlines() == created_lines(crawler, analyst)


def test_role_names_default_and_come_from_the_environment() -> None:
    crawler, analyst = role_specs({})
    assert (crawler.name, crawler.password, crawler.writer) == ("xxgk_crawler", None, True)
    assert (analyst.name, analyst.password, analyst.writer) == ("xxgk_analyst", None, False)
    crawler, analyst = role_specs({"XXGK_ANALYST_ROLE": "readers", "XXGK_ANALYST_PASSWORD": "p"})
    assert (analyst.name, analyst.password) == ("readers", "p")
