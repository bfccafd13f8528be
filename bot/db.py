"""Database plumbing shared by every stored thing (conversations, logs, indicators, surveys).

SQLite is the embedded default so a new user needs no server; ``DATABASE_URL`` switches to
PostgreSQL. All tables hang off one ``Base`` so one metadata/migration history covers them.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    """Declarative base for every table of the project."""


DEFAULT_DB_PATH = Path("var") / "hintbot.sqlite3"


def default_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH}"


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite files get their folder, WAL and a busy timeout."""
    url = url or default_url()
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            engine = create_engine(
                "sqlite://",
                connect_args={"check_same_thread": False},
                poolclass=StaticPool,
            )
        else:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Create all tables that do not exist yet (import model modules first)."""
    import_models()
    Base.metadata.create_all(engine)


def import_models() -> None:
    """Import every module that defines tables so ``Base.metadata`` is complete."""
    import importlib

    for mod in ("bot.store", "analytics.models"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # pragma: no cover - during bootstrap only
            if exc.name != mod:
                raise


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
