"""Test data for migrations: rows of every column type in every table, and their check."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.storage import migrations


def _value(col: sa.Column[Any], i: int) -> Any:
    """A value of the column's type that a lossy migration would visibly change."""
    t = col.type
    if col.nullable and not col.primary_key and i == 2:
        return None
    if isinstance(t, sa.Boolean):
        return i % 2 == 0
    if isinstance(t, sa.Integer):
        return i + 1 if col.primary_key else 2020 + i
    if isinstance(t, sa.Float):
        return 1.25 + i
    if isinstance(t, sa.DateTime):
        return datetime(2025, 1, 2, 3, 4, 5, 123456) + timedelta(days=i)
    if isinstance(t, sa.Date):
        return date(2025, 4, 1) + timedelta(days=i)
    if isinstance(t, sa.LargeBinary):
        return bytes([0, 255, i]) + "状態".encode()
    if isinstance(t, sa.JSON):
        return {"状況": [i, "お客様状態"], "nested": {"none": None, "n": 1.5}}
    if isinstance(t, sa.Text):
        return f"{i}: 協議体がお客様状態で困っている。\n改行と「記号」も 😊"
    if isinstance(t, sa.String):
        length = t.length or 255
        return f"{i}値{col.name}"[:length]
    raise AssertionError(f"no test value for {col.table.name}.{col.name} ({t!r})")


def _referenced(col: sa.Column[Any], i: int, written: dict[str, list[dict[str, Any]]]) -> Any:
    """Foreign keys point at row ``i`` of the referenced table (filled before this one)."""
    for fk in col.foreign_keys:
        target = fk.column
        if target is target.table.autoincrement_column:
            return i + 1  # a new table's first ids
        return written[target.table.name][i][target.name]
    return _value(col, i)


def fill_every_table(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    """Insert three rows into every table of the database (plain SQL through Core)."""
    meta = sa.MetaData()
    meta.reflect(conn)
    written: dict[str, list[dict[str, Any]]] = {}
    for table in meta.sorted_tables:
        if table.name == migrations.VERSION_TABLE:
            continue
        # ids the database hands out are left to it, as the application does
        columns = [c for c in table.columns if c is not table.autoincrement_column]
        rows = [{c.name: _referenced(c, i, written) for c in columns} for i in range(3)]
        conn.execute(table.insert(), rows)
        written[table.name] = rows
    return written


def read_rows(conn: sa.Connection, name: str, columns: list[str]) -> list[dict[str, Any]]:
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    order = list(table.primary_key.columns) or [table.c[columns[0]]]
    return [
        {c: row._mapping[c] for c in columns}
        for row in conn.execute(sa.select(table).order_by(*order))
    ]


def assert_all_rows_kept(engine: sa.Engine, written: dict[str, list[dict[str, Any]]]) -> None:
    with engine.connect() as conn:
        for name, rows in written.items():
            assert read_rows(conn, name, list(rows[0])) == rows, name
