"""Where the store keeps its data, and how a database URL is spelled.

Environment: `XXGK_DATA_DIR` (default `./var`) holds the embedded Postgres cluster (`pgdata/`) and the raw
documents (`raw/`); `DATABASE_URL` names an external Postgres instead of the embedded one.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url

DATABASE_NAME = "xxgk"  # the database created inside the embedded server
DATA_DIR_ENV = "XXGK_DATA_DIR"
DATABASE_URL_ENV = "DATABASE_URL"
DRIVER = "postgresql+psycopg"

# Spellings that mean "Postgres, default driver": SQLAlchemy would pick psycopg2 for them (not installed).
_PLAIN_SCHEMES = ("postgresql", "postgres")


def data_dir() -> Path:
    """The data directory, absolute (a relative `XXGK_DATA_DIR` is taken from the working directory)."""
    return Path(os.environ.get(DATA_DIR_ENV) or "var").expanduser().resolve()


def pgdata_dir() -> Path:
    return data_dir() / "pgdata"


def raw_dir() -> Path:
    return data_dir() / "raw"


def normalise_url(url: str) -> str:
    """Return `url` with the psycopg 3 driver: `postgresql://…` and `postgres://…` become `postgresql+psycopg://…`.

    Raises ValueError for anything that is not a Postgres URL or names another driver, so a typo in
    `DATABASE_URL` fails at start-up with the offending scheme in the message.
    """
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise ValueError(f"not a database URL (no scheme): {url!r}")
    if scheme in _PLAIN_SCHEMES:
        text = f"{DRIVER}://{rest}"
    elif scheme != DRIVER:
        raise ValueError(f"unsupported database URL scheme {scheme!r}: use postgresql:// or {DRIVER}://")
    make_url(text)  # raises ArgumentError on a malformed URL
    return text


def env_database_url() -> str | None:
    """`DATABASE_URL`, normalised, or None when it is unset or empty."""
    value = os.environ.get(DATABASE_URL_ENV, "").strip()
    return normalise_url(value) if value else None


def socket_url(socket_dir: Path, database: str, user: str = "postgres") -> str:
    """A SQLAlchemy URL for a server listening only on a unix socket in `socket_dir`."""
    url = URL.create(DRIVER, username=user, database=database, query={"host": str(socket_dir)})
    return url.render_as_string(hide_password=False)
