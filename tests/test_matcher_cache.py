"""The on-disk matcher cache: reused when nothing changed, rebuilt when the knowledge did."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.knowledge.model import KnowledgeBase
from bot.matching.cache import load_matcher


def test_cache_is_reused_and_invalidated(tmp_path: Path, kb: KnowledgeBase) -> None:
    first = load_matcher(kb, tmp_path)
    files = list(tmp_path.glob("matcher-*.pickle"))
    assert len(files) == 1
    again = load_matcher(kb, tmp_path)
    assert again is not first  # unpickled, not rebuilt in place
    assert (
        again.match("SCに丸投げ").cards[0].card == first.match("SCに丸投げ").cards[0].card == "07"
    )

    card = kb.card("02")
    edited = replace(
        kb,
        cards=tuple(
            replace(c, keywords=(*c.keywords, "テスト用の合言葉")) if c is card else c
            for c in kb.cards
        ),
    )
    rebuilt = load_matcher(edited, tmp_path)
    assert rebuilt.match("テスト用の合言葉").cards[0].card == "02"
    assert [f.name for f in tmp_path.glob("matcher-*.pickle")] != [f.name for f in files]


def test_damaged_cache_is_rebuilt(tmp_path: Path, kb: KnowledgeBase) -> None:
    load_matcher(kb, tmp_path)
    (path,) = tmp_path.glob("matcher-*.pickle")
    path.write_bytes(b"not a pickle")
    assert load_matcher(kb, tmp_path).match("協議体").cards[0].card == "02"
