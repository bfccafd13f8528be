"""Schema migrations (Alembic), shipped inside the package and configured in code.

No ``alembic.ini`` is needed at run time: ``hintbot db upgrade`` and the start-up check build
the configuration here, so an installed wheel migrates exactly like a checkout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key ("hint" in ASCII): one schema change at a time per database
SCHEMA_LOCK_KEY = 0x68696E74
# Alembic's ``op``/``context`` proxies are process-global: one migration run per process
_PROCESS_LOCK = threading.RLock()

StateKind = Literal["empty", "current", "outdated", "unversioned", "unknown"]


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands relative to the code's migration head."""

    kind: StateKind
    revision: str | None  # what alembic_version says (None: no version row)
    head: str


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic ``Config`` pointing at this folder; env.py uses ``connection`` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_path_separator", "os")
    cfg.set_main_option("file_template", "%%(rev)s")  # ids already carry the slug
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    rev = script().get_current_head()
    assert rev is not None, "no migrations found"
    return rev


def revisions_between(lower: str | None, upper: str) -> list[str]:
    """Revision ids after ``lower`` up to ``upper``, oldest first."""
    revs = [r.revision for r in script().iterate_revisions(upper, lower or "base")]
    return list(reversed(revs))


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def known_tables() -> set[str]:
    """Tables this code base defines (the start-up check looks for any of them)."""
    from bot.storage.db import Base, import_models

    import_models()
    return set(Base.metadata.tables)


def schema_state(conn: Connection) -> SchemaState:
    tables = set(inspect(conn).get_table_names())
    target = head()
    rev = current_revision(conn) if VERSION_TABLE in tables else None
    if rev is None:
        kind: StateKind = "unversioned" if tables & known_tables() else "empty"
    elif rev == target:
        kind = "current"
    elif _is_known(rev):
        kind = "outdated"
    else:
        kind = "unknown"
    return SchemaState(kind, rev, target)


def _is_known(rev: str) -> bool:
    try:
        return script().get_revision(rev) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def lock(conn: Connection) -> None:
    """Serialise schema work across processes; released at commit/rollback.

    PostgreSQL: a transaction-level advisory lock. SQLite: take the write lock up front
    (``BEGIN IMMEDIATE``), so the DDL that follows is one atomic transaction as well.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the schema lock: the schema changes all or not at all."""
    with _PROCESS_LOCK, engine.begin() as conn:
        lock(conn)
        yield conn


def upgrade_connection(conn: Connection, target: str = "head") -> list[str]:
    """Apply pending migrations on ``conn`` (inside the caller's transaction)."""
    before = current_revision(conn)
    command.upgrade(config(conn), target)
    after = current_revision(conn)
    if after is None or after == before:
        return []
    return revisions_between(before, after)


def upgrade(engine: Engine, target: str = "head") -> list[str]:
    """Bring the database to ``target``; returns the revisions applied, oldest first."""
    with locked(engine) as conn:
        return upgrade_connection(conn, target)


def stamp_head(conn: Connection) -> None:
    """Record the head revision without running migrations (for create_all'd databases)."""
    MigrationContext.configure(conn).stamp(script(), "head")
