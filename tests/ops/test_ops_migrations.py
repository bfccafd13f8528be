"""Schema migrations: every row survives an upgrade, and start-up refuses an old schema.

Runs on in-memory/file SQLite by default and on PostgreSQL with TEST_DATABASE_URL.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.errors import UserError
from bot.storage import migrations
from bot.storage.db import Base, import_models, make_engine
from bot.storage.schema import create_schema, ensure_schema
from tests.dbutil import fresh_engine, fresh_url
from tests.ops.migration_data import assert_all_rows_kept, fill_every_table

FIRST = "0001_initial"
EXTRA = "9999_ops_test"


# -- upgrades keep every row --------------------------------------------------------------------
def all_revisions() -> list[str]:
    return migrations.revisions_between(None, migrations.head())


def test_first_release_is_0001_and_revision_ids_fit_alembic_version() -> None:
    revs = all_revisions()
    assert revs[0] == FIRST
    assert all(len(r) <= 32 for r in revs)  # alembic_version.version_num is VARCHAR(32)


@pytest.mark.parametrize("start", all_revisions())
def test_upgrade_keeps_every_row(start: str) -> None:
    """A database at ``start`` (0001 = the first released schema), filled with data in every
    table, upgraded to the newest revision still holds every row unchanged."""
    engine = fresh_engine(schema=False)
    try:
        assert migrations.upgrade(engine, start) == migrations.revisions_between(None, start)
        with engine.begin() as conn:
            written = fill_every_table(conn)
        if start == FIRST:
            import_models()
            first_tables = {
                "conversations",
                "consultations",
                "processed_events",
                "analytics_indicator_value",
                "analytics_import_batch",
            }
            assert set(written) == first_tables
        migrations.upgrade(engine)
        ensure_schema(engine)  # start-up accepts it
        assert_all_rows_kept(engine, written)
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_models() -> None:
    """The newest migration and the models agree. If this fails, a model changed without a
    migration: add one (``python -m bot.storage.migrations revision -m "what changed"``, then review
    it) so that existing databases get the change through ``hintbot db upgrade``."""
    engine = fresh_engine(schema=False)
    try:
        ensure_schema(engine)
        import_models()
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()


# -- start-up check -----------------------------------------------------------------------------
def test_fresh_database_is_created_at_head() -> None:
    engine = fresh_engine(schema=False)
    try:
        ensure_schema(engine)
        ensure_schema(engine)  # the second start finds it current
        with engine.connect() as conn:
            assert migrations.schema_state(conn).kind == "current"
            assert migrations.current_revision(conn) == migrations.head()
    finally:
        engine.dispose()


def test_create_schema_marks_the_database_current() -> None:
    engine = fresh_engine()  # create_all + stamp, as tests and evaluation use
    try:
        ensure_schema(engine)
    finally:
        engine.dispose()


def test_pre_migration_database_refuses_then_upgrade_adopts_it() -> None:
    """Tables made by create_all before migrations existed, no alembic_version."""
    engine = fresh_engine(schema=False)
    try:
        import_models()
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            written = fill_every_table(conn)
        with pytest.raises(UserError, match="hintbot db upgrade"):
            ensure_schema(engine)
        assert migrations.upgrade(engine) == all_revisions()
        ensure_schema(engine)
        assert_all_rows_kept(engine, written)
    finally:
        engine.dispose()


def test_unknown_newer_revision_refuses() -> None:
    engine = fresh_engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_future'"))
        with pytest.raises(UserError, match="9999_from_future") as exc:
            ensure_schema(engine)
        assert "新しい" in str(exc.value)
    finally:
        engine.dispose()


def test_concurrent_start_ups_on_a_new_database(tmp_path: Path) -> None:
    """Several processes starting at once on an empty database: one creates it, all run."""
    url = fresh_url(tmp_path, "race")
    engines = [make_engine(url) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def start(engine: sa.Engine) -> None:
        try:
            barrier.wait(timeout=30)
            ensure_schema(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        if engines[0].dialect.name == "postgresql":
            assert errors == []  # serialised by the advisory lock
        with engines[0].connect() as conn:
            assert migrations.schema_state(conn).kind == "current"
            n = conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
            assert n == 1
    finally:
        for e in engines:
            e.dispose()


# -- an older schema than the code: a second revision added for the test --------------------------
@pytest.fixture()
def extra_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of the migrations with one more revision after the real head, the way the next
    feature's migration will come: it adds a column (SQLite: by copying the table)."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / f"{EXTRA}.py").write_text(
        f'''"""Test revision."""
import sqlalchemy as sa
from alembic import op

revision = {EXTRA!r}
down_revision = {migrations.head()!r}
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("consultations", recreate="always" if sqlite else "auto") as b:
        b.add_column(sa.Column("ops_test_note", sa.String(20), nullable=True))
    op.create_table("ops_test_extra", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("ops_test_extra")
    with op.batch_alter_table("consultations") as b:
        b.drop_column("ops_test_note")
''',
        encoding="utf-8",
    )
    real_head = migrations.head()
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", folder)
    migrations.script.cache_clear()
    assert migrations.head() == EXTRA
    yield real_head
    migrations.script.cache_clear()


def test_outdated_database_refuses_and_upgrade_keeps_rows(extra_revision: str) -> None:
    engine = fresh_engine(schema=False)
    try:
        migrations.upgrade(engine, extra_revision)
        with engine.begin() as conn:
            written = fill_every_table(conn)
        with pytest.raises(UserError) as exc:
            ensure_schema(engine)
        message = str(exc.value)
        assert "hintbot db upgrade" in message
        assert extra_revision in message and EXTRA in message and "古い" in message
        assert migrations.upgrade(engine) == [EXTRA]
        ensure_schema(engine)
        assert_all_rows_kept(engine, written)
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            assert "ops_test_extra" in names
            cols = {c["name"] for c in sa.inspect(conn).get_columns("consultations")}
            assert "ops_test_note" in cols
            # the copied table keeps handing out new ids after the old ones
            conn.execute(
                sa.text(
                    "INSERT INTO consultations (conversation_key, user_id, created_at, text,"
                    " intent, scores, meta) VALUES ('k', 'u', :t, 'x', 'hint', '[]', '{}')"
                ),
                {"t": datetime(2025, 1, 1)},
            )
            assert conn.execute(sa.text("SELECT max(id) FROM consultations")).scalar() == 4
    finally:
        engine.dispose()


def test_new_database_gets_every_revision(extra_revision: str) -> None:
    engine = fresh_engine(schema=False)
    try:
        ensure_schema(engine)
        with engine.connect() as conn:
            assert migrations.current_revision(conn) == EXTRA
    finally:
        engine.dispose()


def test_create_schema_is_only_for_new_databases(tmp_path: Path) -> None:
    """create_schema never re-stamps a versioned database (that would hide missing steps)."""
    url = fresh_url(tmp_path, "stamp")
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
        create_schema(engine)
        with engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.head()
    finally:
        engine.dispose()
