"""Database roles: the crawler writes as its own role; analysts read through a read-only one.

    DATABASE_URL=<the owner's URL> python -m crawler db roles

creates the two roles if they are missing and sets their rights on the database of DATABASE_URL:

- the crawler (XXGK_CRAWLER_ROLE, default xxgk_crawler): SELECT, INSERT, UPDATE and DELETE on every table,
  the sequences behind them; no DDL, so it cannot change the schema (migrations run as the owner);
- the analysts (XXGK_ANALYST_ROLE, default xxgk_analyst): SELECT on every table and view (the analyst views
  of migration 0004 included), nothing else — no writes, no tables of their own, not even temporary ones —
  and read-only transactions by default.

Both for what exists and, through default privileges, for every table or view the owner creates later (the
next migrations). PUBLIC loses CREATE on the schema and TEMPORARY on the database (the defaults of older
Postgres versions would otherwise let any role create tables); the crawler is granted TEMPORARY back.
Passwords come only from the environment (XXGK_CRAWLER_PASSWORD, XXGK_ANALYST_PASSWORD); a
role whose variable is unset or empty cannot log in. Running it again is harmless: it converges.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from crawler.store.config import normalise_url

SCHEMA = "public"


class DbRolesError(RuntimeError):
    """The roles could not be set up (the message says why and what to do)."""


@dataclass(frozen=True)
class RoleSpec:
    name: str
    password: str | None  # None: NOLOGIN
    writer: bool
    name_env: str
    password_env: str


def role_specs(environ: Mapping[str, str] | None = None) -> tuple[RoleSpec, RoleSpec]:
    """The crawler's and the analysts' roles, as the environment names them."""
    env = os.environ if environ is None else environ

    def spec(kind: str, default: str, writer: bool) -> RoleSpec:
        name_env, password_env = f"XXGK_{kind}_ROLE", f"XXGK_{kind}_PASSWORD"
        name = env.get(name_env, "").strip() or default
        return RoleSpec(name, env.get(password_env) or None, writer, name_env, password_env)

    return spec("CRAWLER", "xxgk_crawler", True), spec("ANALYST", "xxgk_analyst", False)


def libpq_url(url: str) -> str:
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def apply_roles(url: str, specs: tuple[RoleSpec, ...] | None = None) -> list[str]:
    """Create/configure the roles on the database at `url` (connected as its owner); what was done, a line
    per role."""
    chosen = specs if specs is not None else role_specs()
    report: list[str] = []
    try:
        with psycopg.connect(libpq_url(url), autocommit=False) as conn:
            owner = conn.execute("SELECT current_user").fetchone()
            database = conn.execute("SELECT current_database()").fetchone()
            assert owner is not None and database is not None
            _close_public(conn, str(database[0]))
            for spec in chosen:
                report.append(_apply(conn, spec, str(owner[0]), str(database[0])))
            conn.commit()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise DbRolesError(
            f"not allowed: {exc.diag.message_primary}. Run `python -m crawler db roles` with DATABASE_URL "
            "naming the database's owner, a role with CREATEROLE"
        ) from exc
    return report


def _close_public(conn: psycopg.Connection[tuple[object, ...]], database: str) -> None:
    """What every role may do by default: no tables of its own in the schema, no temporary tables."""
    conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(SCHEMA)))
    conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))


def _apply(conn: psycopg.Connection[tuple[object, ...]], spec: RoleSpec, owner: str, database: str) -> str:
    role = sql.Identifier(spec.name)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (spec.name,)).fetchone() is not None
    if not exists:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(role))
    if spec.password is not None:
        conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(role, sql.Literal(spec.password)))
    else:
        conn.execute(sql.SQL("ALTER ROLE {} WITH NOLOGIN PASSWORD NULL").format(role))
    schema = sql.Identifier(SCHEMA)
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
    # Start from nothing on the tables, so that running this again after a change of mind converges.
    conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, role))
    conn.execute(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema, role))
    conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(schema, role))
    conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM {}").format(sql.Identifier(database), role))
    defaults = sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} ").format(
        sql.Identifier(owner), schema
    )
    conn.execute(defaults + sql.SQL("REVOKE ALL ON TABLES FROM {}").format(role))
    conn.execute(defaults + sql.SQL("REVOKE ALL ON SEQUENCES FROM {}").format(role))
    if spec.writer:
        table_rights = sql.SQL("SELECT, INSERT, UPDATE, DELETE")
        conn.execute(sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA {} TO {}").format(table_rights, schema, role))
        conn.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, role))
        conn.execute(defaults + sql.SQL("GRANT {} ON TABLES TO {}").format(table_rights, role))
        conn.execute(defaults + sql.SQL("GRANT USAGE, SELECT ON SEQUENCES TO {}").format(role))
        conn.execute(sql.SQL("ALTER ROLE {} RESET default_transaction_read_only").format(role))
        # Scratch tables are the crawler's business (the owner keeps TEMPORARY through ownership).
        conn.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database), role))
        rights = "reads and writes rows (no DDL)"
    else:
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role))
        conn.execute(defaults + sql.SQL("GRANT SELECT ON TABLES TO {}").format(role))
        conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role))
        rights = "reads tables and views only"
    login = (
        f"can log in (password from {spec.password_env})"
        if spec.password
        else (f"cannot log in ({spec.password_env} is not set)")
    )
    return f"{spec.name}: {'existed' if exists else 'created'}; {rights}; {login}"
