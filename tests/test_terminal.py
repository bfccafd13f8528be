"""The terminal chat after a restart: it says it starts afresh and never picks from an old list."""

from __future__ import annotations

import io

from bot.core.engine import Engine
from bot.terminal import interactive


def chat(engine: Engine, *lines: str) -> str:
    out = io.StringIO()
    interactive(engine, user="t1", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return out.getvalue()


def test_a_restarted_chat_starts_afresh_and_says_so(engine: Engine) -> None:
    first = chat(engine, "協議体がお客様状態で困っている")
    assert "こんな状況に陥っていませんか" in first
    # the process restarts: the old list is no longer on screen
    second = chat(engine, "1")
    assert "新しいご相談として始めます" in second
    assert "に当てはまる場合の対策です" not in second  # option 1 of the old list not taken


def test_a_fresh_chat_says_nothing_about_an_earlier_one(engine: Engine) -> None:
    assert "新しいご相談として始めます" not in chat(engine, "ヘルプ")


def test_numbers_pick_from_the_list_on_screen(engine: Engine) -> None:
    out = chat(engine, "協議体がお客様状態で困っている", "1")
    assert "に当てはまる場合の対策です" in out
