"""Database plumbing shared by every stored thing (conversations, logs, indicators, surveys).

SQLite is the embedded default so a new user needs no server; ``DATABASE_URL`` switches to
PostgreSQL. All tables hang off one ``Base`` so one metadata/migration history covers them.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.errors import UserError

# Explicit constraint names, identical on SQLite and PostgreSQL, so migrations can alter them
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table of the project."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


DEFAULT_DB_PATH = Path("var") / "hintbot.sqlite3"


def default_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH}"


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite files get their folder, WAL and a busy timeout."""
    url = normalize_url(url or default_url())
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
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise UserError(
            "DATABASE_URL を解釈できないか、対応していないデータベースです。SQLite は "
            "sqlite:///ファイルのパス、PostgreSQL は "
            "postgresql+psycopg://ユーザー@ホスト:5432/データベース名 の形で指定してください"
            f"（{type(exc).__name__}）。"
        ) from exc


def normalize_url(url: str) -> str:
    """``postgres://`` / ``postgresql://`` (as hosting services write them) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def import_models() -> None:
    """Import every module that defines tables so ``Base.metadata`` is complete."""
    import importlib

    for mod in (
        "bot.storage.conversations",
        "bot.storage.indicator_tables",
        "bot.storage.survey_tables",
        "bot.storage.visits",
    ):
        importlib.import_module(mod)


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
