"""Which database to use, and engines for it."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from crawler.store.config import env_database_url, normalise_url, pgdata_dir
from crawler.store.embedded import start_embedded

log = logging.getLogger(__name__)


def database_url() -> str:
    """`DATABASE_URL` (with the psycopg driver) or, when unset, the embedded server's `xxgk` database.

    The embedded server lives in `XXGK_DATA_DIR/pgdata` (default `./var/pgdata`); it is started on first use
    and reused afterwards, by this and by other processes.
    """
    url = env_database_url()
    if url is not None:
        log.info("database: %s (from DATABASE_URL)", make_url(url).render_as_string(hide_password=True))
        return url
    return start_embedded(pgdata_dir())


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`; `options` go to create_engine (e.g. connect_args)."""
    # pre-ping: a long crawl outlives server restarts (embedded server stopped by the CLI, Postgres upgrades).
    return create_engine(normalise_url(url), pool_pre_ping=True, **options)
