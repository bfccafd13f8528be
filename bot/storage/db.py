"""Database plumbing shared by every stored thing (conversations, logs, indicators, surveys).

SQLite is the embedded default so a new user needs no server; ``DATABASE_URL`` switches to
PostgreSQL. All tables hang off one ``Base`` so one metadata/migration history covers them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.errors import UserError
from bot.storage.files import private_file

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


DB_FILE = "hintbot.sqlite3"


def default_url(home: Path | None = None) -> str:
    """The embedded default: a SQLite file in the state folder (``Settings.home``)."""
    return f"sqlite:///{(home or default_home()) / DB_FILE}"


def default_home(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> Path:
    """The per-user data folder, where all state lives unless ``HINTBOT_HOME`` says otherwise:
    $XDG_DATA_HOME/hintbot or ~/.local/share/hintbot (Linux), ~/Library/Application
    Support/hintbot (macOS), %LOCALAPPDATA%\\hintbot (Windows). ``env`` is the entry point's."""
    env = env or {}
    if env.get("HINTBOT_HOME"):
        return Path(env["HINTBOT_HOME"]).expanduser()
    if platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "hintbot"
    if platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "hintbot"
    xdg = env.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "hintbot"


def make_engine(url: str | None = None) -> Engine:
    """Create an engine; SQLite files get their folder, WAL and a busy timeout."""
    url = normalize_url(url or default_url())
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            engine = create_engine(
                "sqlite://",
                connect_args={"check_same_thread": False},
                poolclass=StaticPool,
                hide_parameters=True,
            )
        else:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path:
                private_file(Path(path))  # 0600 before SQLite writes a byte; -wal/-shm follow it
            engine = create_engine(
                url,
                connect_args={"timeout": 30, "check_same_thread": False},
                hide_parameters=True,  # SQL errors must not carry users' text into the logs
            )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    try:
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
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
        "bot.storage.review",
        "bot.storage.survey_tables",
        "bot.storage.visits",
    ):
        importlib.import_module(mod)


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
