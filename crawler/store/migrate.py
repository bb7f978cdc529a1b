"""Alembic, run programmatically: `upgrade(url)` is `alembic upgrade head` against `url`.

The configuration is built here rather than read from pyproject.toml, so it works from any working
directory; the `alembic` command line uses pyproject.toml's `[tool.alembic]` and the same migrations/env.py.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool

from crawler.store.config import normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
URL_ATTRIBUTE = "database_url"  # Config.attributes key that migrations/env.py reads first


def alembic_config(url: str) -> Config:
    config = Config()
    # set_main_option goes through configparser interpolation: a "%" in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes[URL_ATTRIBUTE] = normalise_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision` (from empty, or from wherever it is; idempotent)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None for a database Alembic never touched."""
    engine = create_engine(normalise_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
