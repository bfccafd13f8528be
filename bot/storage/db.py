"""Database plumbing shared by every stored thing (conversations, logs, indicators, surveys).

SQLite is the embedded default so a new user needs no server; ``DATABASE_URL`` switches to
PostgreSQL. All tables hang off one ``Base`` so one metadata/migration history covers them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.migrations import SchemaState

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


def create_schema(engine: Engine) -> None:
    """Create all tables at once and mark them as the newest revision.

    For new throwaway databases (tests, in-memory evaluation); real databases go through
    ``ensure_schema`` / ``hintbot db upgrade`` so their history stays in the migrations.
    """
    from bot import migrations

    import_models()
    with migrations.locked(engine) as conn:
        Base.metadata.create_all(conn)
        if migrations.current_revision(conn) is None:
            migrations.stamp_head(conn)


def ensure_schema(engine: Engine) -> None:
    """Start-up check: a new empty database is created at the newest revision; an older or
    unknown schema stops the process with the command to run (``hintbot db upgrade``)."""
    from sqlalchemy.exc import DBAPIError

    from bot import migrations

    try:
        with migrations.locked(engine) as conn:
            state = migrations.schema_state(conn)
            if state.kind == "empty":
                migrations.upgrade_connection(conn)
                return
    except DBAPIError as exc:
        raise UserError(connection_problem(engine, exc)) from exc
    if state.kind != "current":
        raise UserError(schema_problem(state))


def connection_problem(engine: Engine, exc: Exception) -> str:
    where = engine.url.render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200] if str(exc) else ""
    return (
        f"データベース（{where}）に接続できないか、操作できませんでした: {reason}。"
        "DATABASE_URL とデータベースサーバーの状態をご確認ください。"
    )


def schema_problem(state: SchemaState) -> str:
    """The Japanese explanation for a schema the code cannot run on."""
    kind, rev, head = state.kind, state.revision, state.head
    if kind == "outdated":
        return (
            f"データベースのスキーマが古いため起動できません（現在: {rev}、必要: {head}）。"
            "データをバックアップしてから `hintbot db upgrade` を実行し、もう一度起動してください。"
        )
    if kind == "unversioned":
        return (
            "データベースにスキーマのバージョン情報がありません（移行の仕組みより前に作られた"
            "データベースです）。データをバックアップしてから `hintbot db upgrade` を実行し、"
            "もう一度起動してください。"
        )
    return (
        f"データベースのスキーマ（リビジョン {rev}）はこのバージョンの hintbot が知らない"
        f"新しいものです（このバージョンの最新: {head}）。新しいバージョンの hintbot で起動するか、"
        "更新前のバックアップから復元してください。"
    )


def import_models() -> None:
    """Import every module that defines tables so ``Base.metadata`` is complete."""
    import importlib

    for mod in ("bot.store", "analytics.models", "bot.survey.models"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a feature not installed (yet): no tables
            if not exc.name or not (mod == exc.name or mod.startswith(exc.name + ".")):
                raise


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
