"""Test databases: in-memory SQLite by default, PostgreSQL when ``TEST_DATABASE_URL`` is set.

In PostgreSQL mode every ``fresh_url``/``fresh_engine`` gets its own new schema in that
database (``search_path`` in the URL), so each test starts with no tables and no
``alembic_version`` while session-wide fixtures keep theirs. The URL works unchanged in a
subprocess (``DATABASE_URL=...``). Schemas are dropped when the test session ends.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import weakref
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from bot.storage.db import make_engine
from bot.storage.schema import create_schema

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip() or None
POSTGRES = bool(TEST_DATABASE_URL)
SCHEMA_PREFIX = "hbt_"

requires_postgres = pytest.mark.skipif(
    not POSTGRES, reason="PostgreSQL only: set TEST_DATABASE_URL (make test-postgres)"
)

_seq = itertools.count(1)
_schemas: list[str] = []
_by_path: dict[tuple[str, str], str] = {}  # (tmp_path, name) -> schema, like a SQLite file
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _admin() -> Engine:
    assert TEST_DATABASE_URL is not None
    return create_engine(TEST_DATABASE_URL, poolclass=NullPool)


def _new_schema() -> str:
    name = f"{SCHEMA_PREFIX}{os.getpid()}_{next(_seq)}"
    admin = _admin()
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    finally:
        admin.dispose()
    _schemas.append(name)
    return name


def fresh_url(tmp_path: Path | None = None, name: str = "test") -> str:
    """The URL of a new, empty database.

    PostgreSQL mode: a new schema of ``TEST_DATABASE_URL`` (the same one again for the same
    ``tmp_path`` and ``name``, as a file path would be). Otherwise a SQLite file in
    ``tmp_path`` (for several engines or processes on one database) or in-memory SQLite.
    """
    if TEST_DATABASE_URL:
        key = (str(tmp_path), name)
        if tmp_path is None:
            schema = _new_schema()
        elif key in _by_path:
            schema = _by_path[key]
        else:
            schema = _by_path[key] = _new_schema()
        url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)
    if tmp_path is None:
        return "sqlite://"
    return f"sqlite:///{tmp_path}/{name}.sqlite3"


def fresh_engine(*, schema: bool = True, tmp_path: Path | None = None) -> Engine:
    """An engine on a new database; with ``schema`` all tables exist (stamped at head)."""
    engine = make_engine(fresh_url(tmp_path))
    _engines.add(engine)
    if schema:
        create_schema(engine)
    return engine


def drop_test_schemas() -> None:
    """Drop this process's schemas (best effort: never hang on a lingering connection)."""
    if not TEST_DATABASE_URL or not _schemas:
        return
    for engine in list(_engines):
        engine.dispose()
    admin = _admin()
    try:
        for name in list(_schemas):
            with contextlib.suppress(Exception), admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                _schemas.remove(name)
    finally:
        admin.dispose()


atexit.register(drop_test_schemas)
