"""``hintbot db …`` and ``hintbot forget-user`` as a user runs them: a subprocess configured
by DATABASE_URL (PostgreSQL with TEST_DATABASE_URL, else a SQLite file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cli.ops import forget_user
from bot.storage import migrations
from bot.storage.conversations import Store
from bot.storage.db import Base, import_models, make_engine
from tests.dbutil import fresh_url
from tests.ops.migration_data import assert_all_rows_kept, fill_every_table

ROOT = Path(__file__).resolve().parents[2]
SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL")


def hintbot(
    *args: str, url: str, stdin: str = "", extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SLACK_VARS}
    env.update(DATABASE_URL=url, **(extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture()
def url(tmp_path: Path) -> str:
    return fresh_url(tmp_path, "ops")


@pytest.fixture()
def engine(url: str) -> Iterator[sa.Engine]:
    e = make_engine(url)
    yield e
    e.dispose()


def test_db_upgrade_and_current_on_a_new_database(url: str) -> None:
    res = hintbot("db", "current", url=url)
    assert res.returncode == 0, res.stderr
    assert "空" in res.stdout
    res = hintbot("db", "upgrade", url=url)
    assert res.returncode == 0, res.stderr
    assert f"適用しました: {migrations.revisions_between(None, migrations.head())[0]}" in res.stdout
    res = hintbot("db", "upgrade", url=url)
    assert res.returncode == 0 and "すでに最新" in res.stdout
    res = hintbot("db", "current", url=url)
    assert res.returncode == 0 and migrations.head() in res.stdout and "最新" in res.stdout


def test_pre_migration_database_start_up_refuses_then_db_upgrade(
    url: str, engine: sa.Engine
) -> None:
    """A database the bot made before migrations existed: tables and rows, no version."""
    import_models()
    Base.metadata.create_all(engine)
    store = Store(engine)
    store.save("T:DU1", "U1", {"step": "card", "card": "02"})
    store.log_consultation(conversation="T:DU1", user="U1", text="協議体", intent="hint")
    line = json.dumps({"user": "U1", "text": "移動支援の担い手がいない"}, ensure_ascii=False)

    res = hintbot("chat", "--json", url=url, stdin=line + "\n")
    assert res.returncode == 2
    assert "hintbot db upgrade" in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""

    res = hintbot("db", "upgrade", url=url)
    assert res.returncode == 0, res.stderr
    assert "引き継ぎ" in res.stdout

    res = hintbot("chat", "--json", url=url, stdin=line + "\n")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.splitlines()[0])["card"] == "05"
    assert [r.text for r in store.consultations(user="U1")][-1] == "協議体"
    assert len(store.consultations(user="U1")) == 2


def test_first_release_database_start_up_refuses_then_db_upgrade(
    url: str, engine: sa.Engine
) -> None:
    """A database at the first released schema (0001), with rows in every table: the new
    code refuses to start; ``hintbot db upgrade`` applies the rest and keeps every row."""
    first = migrations.revisions_between(None, migrations.head())[0]
    later = migrations.revisions_between(first, migrations.head())
    if not later:
        pytest.skip("only the first revision exists")
    migrations.upgrade(engine, first)
    with engine.begin() as conn:
        written = fill_every_table(conn)
    engine.dispose()

    res = hintbot("chat", "--json", url=url, stdin='{"user": "U1", "text": "ヘルプ"}\n')
    assert res.returncode == 2 and res.stdout == ""
    assert "hintbot db upgrade" in res.stderr and first in res.stderr
    assert "Traceback" not in res.stderr

    res = hintbot("db", "upgrade", url=url)
    assert res.returncode == 0, res.stderr
    assert [x for x in res.stdout.splitlines() if x.startswith("適用しました")] == [
        f"適用しました: {rev}" for rev in later
    ]
    assert_all_rows_kept(engine, written)
    res = hintbot("chat", "--json", url=url, stdin='{"user": "U1", "text": "ヘルプ"}\n')
    assert res.returncode == 0, res.stderr


def test_unknown_revision_db_upgrade_refuses(url: str, engine: sa.Engine) -> None:
    migrations.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_future'"))
    for args in (("db", "upgrade"), ("db", "current"), ("check",)):
        res = hintbot(*args, url=url)
        if args == ("check",):
            assert res.returncode == 0  # needs no database
            continue
        assert res.returncode == 2, args
        assert "9999_from_future" in res.stderr and "Traceback" not in res.stderr


def test_unreachable_or_wrong_database_is_a_clear_error(tmp_path: Path) -> None:
    res = hintbot("db", "upgrade", url="postgresql+psycopg://hintbot:secret@127.0.0.1:1/none")
    assert res.returncode == 2
    assert "接続できない" in res.stderr and "DATABASE_URL" in res.stderr
    assert "secret" not in res.stderr and "Traceback" not in res.stderr
    res = hintbot("db", "current", url="mysql://x@localhost/y")
    assert res.returncode == 2 and "DATABASE_URL" in res.stderr
    assert "Traceback" not in res.stderr


# -- forget-user -------------------------------------------------------------------------------
def seed_two_users(engine: sa.Engine) -> Store:
    migrations.upgrade(engine)
    store = Store(engine)
    for user in ("U0FORGET", "U0KEEP"):
        store.save(f"T:D{user}", user, {"step": "card"})
        for text in ("協議体がお客様状態で困っている", "移動支援の担い手がいない"):
            store.log_consultation(conversation=f"T:D{user}", user=user, text=text, intent="hint")
    return store


def counts(engine: sa.Engine, user: str) -> tuple[int, int]:
    with engine.connect() as conn:
        conv = conn.execute(
            sa.text("SELECT count(*) FROM conversations WHERE user_id = :u"), {"u": user}
        ).scalar()
        cons = conn.execute(
            sa.text("SELECT count(*) FROM consultations WHERE user_id = :u"), {"u": user}
        ).scalar()
    return int(conv or 0), int(cons or 0)


def test_forget_user_asks_then_deletes_only_that_user(url: str, engine: sa.Engine) -> None:
    seed_two_users(engine)
    res = hintbot("forget-user", "U0FORGET", url=url, stdin="n\n")
    assert res.returncode == 1 and "中止" in res.stdout
    assert counts(engine, "U0FORGET") == (1, 2)

    res = hintbot("forget-user", "U0FORGET", url=url, stdin="y\n")
    assert res.returncode == 0, res.stderr
    assert "conversations: 1 件（削除）" in res.stdout
    assert "consultations: 2 件（削除）" in res.stdout
    assert counts(engine, "U0FORGET") == (0, 0)
    assert counts(engine, "U0KEEP") == (1, 2)

    res = hintbot("forget-user", "U0FORGET", "--yes", url=url)
    assert res.returncode == 0 and "保存されていません" in res.stdout


def test_forget_user_errors(url: str, engine: sa.Engine) -> None:
    res = hintbot("forget-user", "U1 ; DROP TABLE", "--yes", url=url)
    assert res.returncode == 2 and "メンバーID" in res.stderr
    assert "Traceback" not in res.stderr
    import_models()
    Base.metadata.create_all(engine)  # not migrated yet: refuse rather than guess
    res = hintbot("forget-user", "U0X", "--yes", url=url)
    assert res.returncode == 2 and "hintbot db upgrade" in res.stderr


def test_forget_user_blanks_rows_that_belong_to_someone_else(engine: sa.Engine) -> None:
    """A table declaring ``personal_data`` = blank keeps its rows and clears the user id;
    deletes and blanks happen in one transaction."""
    seed_two_users(engine)
    table = sa.Table(
        "ops_test_answers",
        Base.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("municipality", sa.String(5), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        info={"personal_data": {"submitted_by": "blank"}},
    )
    try:
        table.create(engine)
        with engine.begin() as conn:
            conn.execute(
                table.insert(),
                [
                    {"municipality": "27211", "submitted_by": "U0FORGET"},
                    {"municipality": "27211", "submitted_by": "U0KEEP"},
                ],
            )
        with engine.begin() as conn:
            done = {f.table: (f.action, f.rows) for f in forget_user(conn, "U0FORGET", apply=True)}
        assert done["ops_test_answers"] == ("blank", 1)
        assert done["conversations"] == ("delete", 1)
        assert done["consultations"] == ("delete", 2)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.submitted_by).order_by(table.c.id)).all()
        assert [r[0] for r in rows] == [None, "U0KEEP"]
    finally:
        Base.metadata.remove(table)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE ops_test_answers"))
