"""Operations commands: ``hintbot db upgrade``, ``hintbot db current``, ``hintbot forget-user``.

Every failure is a Japanese message with exit code 2, never a traceback; nothing is
half-deleted (one transaction).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, delete, func, inspect, select, update
from sqlalchemy.exc import DBAPIError

from bot.cli.base import Subcommands, add_command, add_group
from bot.errors import UserError
from bot.settings import Settings

# Where each table keeps a Slack user id, and what forgetting that user does to its rows.
# Tables added by later features declare themselves on the model instead:
#     __table_args__ = {"info": {"personal_data": {"user_id": "delete"}}}
# "delete" removes the rows; "blank" keeps them (they belong to the municipality, e.g. survey
# answers) and clears the user id (NULL when the column allows it, else "").
BUILTIN_PERSONAL_DATA: dict[str, dict[str, str]] = {
    "conversations": {"user_id": "delete"},
    "consultations": {"user_id": "delete"},
    # the review queue: the user's texts go; reviewers' ids on decisions are blanked
    "review_sources": {"user_id": "delete"},
    "review_corrections": {"user_id": "delete"},
    "review_candidates": {"decided_by": "blank"},
    "review_assignments": {"assigned_by": "blank", "undone_by": "blank"},
}
ACTIONS = ("delete", "blank")
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


def register(sub: Subcommands) -> None:
    db = add_group(
        sub,
        "db",
        help="データベースのスキーマを更新・確認します（upgrade / current）",
        description="データベースのスキーマ（表の構成）を更新・確認します。",
        dest="db_cmd",
    )
    add_command(
        db,
        "upgrade",
        help="スキーマを最新にします（新しいバージョンを起動する前に実行します）",
        description=(
            "データベースのスキーマを最新にします。保存されているデータはそのまま残ります。"
            "実行前にバックアップを取ってください（README の運用の節）。"
        ),
        handler=cmd_db_upgrade,
    )
    add_command(
        db, "current", help="スキーマの現在のリビジョンを表示します", handler=cmd_db_current
    )

    fu = add_command(
        sub,
        "forget-user",
        help="利用者（Slack のメンバーID）のデータを削除します",
        description=(
            "指定した利用者の会話と相談の記録を削除します。調査の回答は市町村のものとして残し、"
            "回答者のIDだけを消します。Slack 上のメッセージは削除されません。"
        ),
        handler=cmd_forget_user,
    )
    fu.add_argument("user", help="Slack のメンバーID（例: U0123ABCD）")
    fu.add_argument("--yes", action="store_true", help="確認せずに削除します")


# -- db --------------------------------------------------------------------------------------
def _engine(settings: Settings) -> Engine:
    from bot.storage.db import make_engine

    return make_engine(settings.database_url)


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import migrations
    from bot.storage.schema import connection_problem, schema_problem

    engine = _engine(settings)
    try:
        with migrations.locked(engine) as conn:
            state = migrations.schema_state(conn)
            if state.kind == "unknown":
                raise UserError(schema_problem(state))
            applied = migrations.upgrade_connection(conn) if state.kind != "current" else []
    except DBAPIError as exc:
        raise UserError(connection_problem(engine, exc)) from exc
    finally:
        engine.dispose()
    if state.kind == "unversioned":
        print(
            "移行の仕組みより前に作られたデータベースを引き継ぎました（既存のデータは残します）。"
        )
    for rev in applied:
        print(f"適用しました: {rev}")
    if applied:
        print(f"データベースは最新になりました（{state.head}）。")
    else:
        print(f"すでに最新です（{state.head}）。変更はありません。")
    return 0


def cmd_db_current(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import migrations
    from bot.storage.schema import connection_problem, schema_problem

    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            state = migrations.schema_state(conn)
    except DBAPIError as exc:
        raise UserError(connection_problem(engine, exc)) from exc
    finally:
        engine.dispose()
    if state.kind == "current":
        print(f"現在のリビジョン: {state.revision}（最新です）")
    elif state.kind == "outdated":
        print(
            f"現在のリビジョン: {state.revision}（古いです。最新は {state.head}。"
            "`hintbot db upgrade` を実行してください）"
        )
    elif state.kind == "empty":
        print(
            f"データベースは空です（起動時または `hintbot db upgrade` で {state.head} として"
            "作成されます）。"
        )
    elif state.kind == "unversioned":
        print(
            "リビジョンの記録がありません（移行の仕組みより前のデータベースです。"
            "`hintbot db upgrade` で引き継げます）。"
        )
    else:
        raise UserError(schema_problem(state))
    return 0


# -- forget-user -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Forget:
    table: str
    column: str
    action: str  # "delete" | "blank"
    rows: int


def personal_columns() -> list[tuple[Table, str, str]]:
    """(table, user column, action) for every table that stores a user id; blanks first, then
    deletes from dependent tables to the tables they reference (foreign keys stay valid)."""
    from bot.storage.db import Base, import_models

    import_models()
    found: list[tuple[Table, str, str]] = []
    for table in reversed(Base.metadata.sorted_tables):
        spec = {**BUILTIN_PERSONAL_DATA.get(table.name, {})}
        spec.update(table.info.get("personal_data") or {})
        for column, action in spec.items():
            if action not in ACTIONS or column not in table.c:
                raise ValueError(f"bad personal_data on {table.name}: {column}={action}")
            found.append((table, column, action))
    return sorted(found, key=lambda t: t[2] != "blank")


def forget_user(conn: Connection, user: str, *, apply: bool) -> list[Forget]:
    """Count (``apply=False``) or delete/blank (``apply=True``) the user's rows on ``conn``."""
    existing = set(inspect(conn).get_table_names())
    out: list[Forget] = []
    for table, column, action in personal_columns():
        if table.name not in existing:
            continue  # a feature whose tables this database does not have yet
        col = table.c[column]
        if not apply:
            n = conn.execute(select(func.count()).select_from(table).where(col == user)).scalar()
        elif action == "delete":
            n = conn.execute(delete(table).where(col == user)).rowcount
        else:
            blank = None if col.nullable else ""
            n = conn.execute(update(table).where(col == user).values({column: blank})).rowcount
        out.append(Forget(table.name, column, action, int(n or 0)))
    return out


def _describe(f: Forget) -> str:
    what = "削除" if f.action == "delete" else "回答は残し、回答者IDを消去"
    return f"  {f.table}: {f.rows} 件（{what}）"


def _confirm(prompt: str) -> bool:
    print(prompt, end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes", "はい")


def cmd_forget_user(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import migrations
    from bot.storage.schema import connection_problem, schema_problem

    user = (args.user or "").strip()
    if not USER_ID.match(user):
        raise UserError(
            f"利用者IDの形式が正しくありません: {user!r}。"
            "Slack のメンバーID（例: U0123ABCD）を指定してください。"
        )
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            state = migrations.schema_state(conn)
            if state.kind == "empty":
                print("データベースは空です。削除するデータはありません。")
                return 0
            if state.kind != "current":
                raise UserError(schema_problem(state))
            plan = forget_user(conn, user, apply=False)
            conn.rollback()
        total = sum(f.rows for f in plan)
        if total == 0:
            print(f"利用者 {user} のデータは保存されていません。削除するものはありません。")
            return 0
        print(f"利用者 {user} について、次のデータを処理します:")
        for f in plan:
            if f.rows:
                print(_describe(f))
        if not args.yes and not _confirm("よろしいですか？ [y/N]: "):
            print("中止しました。何も削除していません。")
            return 1
        with engine.begin() as conn:
            done = forget_user(conn, user, apply=True)
    except DBAPIError as exc:
        raise UserError(connection_problem(engine, exc)) from exc
    finally:
        engine.dispose()
    print(f"利用者 {user} のデータを処理しました:")
    for f in done:
        print(_describe(f))
    print("Slack 上のメッセージは削除されません。必要に応じて Slack 側で削除してください。")
    return 0
