"""Alembic environment.

The database is, in order: the URL passed by `crawler.store.migrate` (Config.attributes), `sqlalchemy.url`
if a config sets one, `DATABASE_URL`, or the embedded server (started/reused under `XXGK_DATA_DIR`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool, text

# `alembic` run from a checkout that is not pip-installed: make the project importable, as
# `prepend_sys_path = .` would in an alembic.ini.
_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from crawler.store.config import DRIVER, env_database_url, normalise_url  # noqa: E402
from crawler.store.database import database_url  # noqa: E402
from crawler.store.models import Base  # noqa: E402

config = context.config
target_metadata = Base.metadata

if config.cmd_opts is not None and not logging.getLogger().handlers:
    # The `alembic` command with pyproject.toml has no [loggers] section: say what is being done anyway.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)-5.5s [%(name)s] %(message)s")
    for name in ("alembic", "crawler.store"):
        logging.getLogger(name).setLevel(logging.INFO)

# Session-level advisory lock key: concurrent upgrades (two crawls starting at once) run one after the other.
_MIGRATION_LOCK_KEY = 0x78786B67  # "xxkg"


def _configured_url() -> str | None:
    url = config.attributes.get("database_url") or config.get_alembic_option("sqlalchemy.url")
    return normalise_url(url) if url else None


def run_migrations_offline() -> None:
    # SQL generation needs a dialect, not a server: do not start the embedded one for it.
    url = _configured_url() or env_database_url() or f"{DRIVER}://"
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_configured_url() or database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            connection.commit()
            try:
                context.configure(connection=connection, target_metadata=target_metadata)
                with context.begin_transaction():
                    context.run_migrations()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY})
                connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
