"""Schema checks at start-up and for throwaway databases, over the migrations.

Kept apart from ``db`` so the migrations can import the metadata without an import circle.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from bot.errors import UserError
from bot.storage import migrations
from bot.storage.db import Base, import_models
from bot.storage.migrations import SchemaState


def create_schema(engine: Engine) -> None:
    """Create all tables at once and mark them as the newest revision.

    For new throwaway databases (tests, in-memory evaluation); real databases go through
    ``ensure_schema`` / ``hintbot db upgrade`` so their history stays in the migrations.
    """
    import_models()
    with migrations.locked(engine) as conn:
        Base.metadata.create_all(conn)
        if migrations.current_revision(conn) is None:
            migrations.stamp_head(conn)


def ensure_schema(engine: Engine) -> None:
    """Start-up check: a new empty database is created at the newest revision; an older or
    unknown schema stops the process with the command to run (``hintbot db upgrade``)."""
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
