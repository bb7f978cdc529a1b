"""Postgres fixtures (loaded by tests/conftest.py through `pytest_plugins`).

- `pg_server` (session): a real server. The embedded one, started in a temporary directory and stopped at the
  end, or, when `DATABASE_URL` is set, that URL's server (its role needs CREATEDB).
- `pg_url` (function): a fresh database migrated to head, cloned from a template database that is migrated
  once per session (`CREATE DATABASE … TEMPLATE` takes milliseconds; migrating takes a second); dropped after.
- `pg_empty_url` (function): a fresh empty database, for the migration tests.

Every database this session creates is named `xxgk_test_<pid>_<random>_…`, so sessions sharing a server
(CI jobs against one DATABASE_URL) never touch each other's databases.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from crawler.store.config import env_database_url
from crawler.store.embedded import start_embedded, stop_embedded
from crawler.store.migrate import upgrade


@dataclass
class PgServer:
    admin_url: str  # SQLAlchemy URL of an existing database on the server, used to create and drop others
    prefix: str  # the names of this session's databases start with it
    pgdata: Path | None  # the embedded server's data directory; None for DATABASE_URL's server
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def url_for(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def new_name(self, label: str) -> str:
        return f"{self.prefix}_{label}{next(self._numbers)}"

    def create_database(self, name: str, template: str = "template0") -> str:
        self._admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        # FORCE: a test that forgot to close its engine must not leave the database behind.
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _admin(self, statement: sql.Composed) -> None:
        libpq_url = (
            make_url(self.admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        with psycopg.connect(libpq_url, autocommit=True) as conn:
            conn.execute(statement)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    prefix = f"xxgk_test_{os.getpid()}_{secrets.token_hex(3)}"
    external = env_database_url()
    if external is not None:
        yield PgServer(admin_url=external, prefix=prefix, pgdata=None)
        return
    # Not under pytest's basetemp: another pytest session prunes old basetemps, data directory included,
    # and would kill this session's server mid-run.
    root = Path(tempfile.mkdtemp(prefix="xxgk-test-pg-"))
    pgdata = root / "pgdata"
    admin_url = start_embedded(pgdata, database="postgres")
    try:
        yield PgServer(admin_url=admin_url, prefix=prefix, pgdata=pgdata)
    finally:
        stop_embedded(pgdata)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> Iterator[str]:
    """The name of a database migrated to head, the template of every `pg_url` database."""
    name = f"{pg_server.prefix}_template"
    upgrade(pg_server.create_database(name))
    try:
        yield name
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def pg_url(pg_server: PgServer, pg_template: str) -> Iterator[str]:
    """A fresh database migrated to head (a SQLAlchemy `postgresql+psycopg://` URL)."""
    name = pg_server.new_name("db")
    url = pg_server.create_database(name, template=pg_template)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def pg_empty_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh database with no tables at all."""
    name = pg_server.new_name("empty")
    url = pg_server.create_database(name)
    try:
        yield url
    finally:
        pg_server.drop_database(name)
