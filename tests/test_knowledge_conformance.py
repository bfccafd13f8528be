"""One conformance test over all hint cards: they load, carry the booklet's structure, the
pointers resolve as the booklet's ➡対策 arrows say, and each card's own worries match it."""

from __future__ import annotations

import pytest

from bot.knowledge.model import CATEGORIES, KnowledgeBase
from bot.matching.matcher import Matcher

# From the booklet (別冊資料編) and the report's 図表3-3: card -> {situation: [対策, …]}
POINTERS = {
    "01": {1: [1], 2: [2], 3: [3]},
    "02": {1: [1, 2], 2: [1, 2]},
    "03": {1: [1, 3], 2: [2, 3]},
    "04": {1: [1, 2, 3], 2: [1, 2, 3]},
    "05": {1: [1], 2: [2], 3: [3]},
    "06": {1: [1, 2]},
    "07": {1: [1, 3], 2: [2, 3]},
    "08": {1: [1], 2: [2]},
    "09": {1: [1, 2], 2: [1, 2]},
    "10": {1: [1, 2]},
}
TITLES = {
    "01": ("住民主体活動の促進", "住民の意識醸成"),
    "02": ("住民主体活動の促進", "協議体の活用"),
    "03": ("住民主体活動の促進", "住民・地域団体等との連携"),
    "04": ("地域ニーズへの対応", "総合事業の担い手の確保"),
    "05": ("地域ニーズへの対応", "移動支援ニーズへの対応"),
    "06": ("地域ニーズへの対応", "地域特性への対応"),
    "07": ("暮らしを支える体制づくり", "生活支援コーディネーターの活動"),
    "08": ("暮らしを支える体制づくり", "市町村における他部署との連携"),
    "09": ("暮らしを支える体制づくり", "自立支援型ケアマネジメントの実践"),
    "10": ("地域づくりの成果を把握する", "生活支援体制整備事業の成果の把握"),
}
# Titles of the 陥っている状況 and 対策 in the booklet's words (図表3-3), spot-checked per card.
BOOKLET_TITLES = {
    ("01", "s", 1): "市町村が「やってほしいこと」を結果的に住民に押し付けてしまっている。",
    ("01", "c", 1): "住民のやりたいことを知り、それを応援する。",
    (
        "01",
        "c",
        2,
    ): "「誰のために」「何のために」通いの場をつくるのか、もう一度立ち止まって考える。",
    ("01", "c", 3): "支援を要する人の具体的な困りごとを共有し、住民活動に意味づけをする。",
    ("02", "s", 1): "協議体の設置や開催が目的になっている。",
}


def test_ten_cards_twenty_situations_twentyfive_countermeasures(kb: KnowledgeBase) -> None:
    assert [c.id for c in kb.cards] == [f"{i:02d}" for i in range(1, 11)]
    assert sum(len(c.situations) for c in kb.cards) == 20
    assert sum(len(c.countermeasures) for c in kb.cards) == 25


@pytest.mark.parametrize("card_id", sorted(POINTERS))
def test_card_structure_and_pointers(kb: KnowledgeBase, card_id: str) -> None:
    card = kb.card(card_id)
    assert (card.category, card.title) == TITLES[card_id]
    assert card.category in CATEGORIES
    assert card.introduction and card.worries
    assert {s.n: list(s.countermeasures) for s in card.situations} == POINTERS[card_id]
    for s in card.situations:
        assert s.title and s.explanation
        assert s.question.endswith(("か？", "か?")), s.question
        for n in s.countermeasures:
            assert card.countermeasure(n).title
    for cm in card.countermeasures:
        assert cm.points, f"対策{cm.n} has no headed points"
        for p in cm.points:
            assert p.heading and p.text
    for cite in (*card.references, *(r for s in card.situations for r in s.references)):
        assert kb.reference(cite.mark) is not None, cite


def test_booklet_titles(kb: KnowledgeBase) -> None:
    for (cid, kind, n), title in BOOKLET_TITLES.items():
        card = kb.card(cid)
        got = card.situation(n).title if kind == "s" else card.countermeasure(n).title
        assert got == title


def test_bibliography_follows_report_and_leaves_eleven_untitled(kb: KnowledgeBase) -> None:
    marks = [r.mark for r in kb.references]
    assert marks == list("①②③④⑤⑥⑦⑧⑨⑩⑪")
    assert kb.reference("⑪").title is None  # type: ignore[union-attr]
    assert "困りごと点検リスト" in (kb.reference("⑩").title or "")  # type: ignore[union-attr]
    assert any(c.mark == "⑪" for c in kb.card("06").references)


def test_lexicon_covers_field_abbreviations(kb: KnowledgeBase) -> None:
    aliases = {a.casefold() for t in kb.lexicon for a in (t.term, *t.aliases)}
    for word in (
        "sc",
        "生活支援co",
        "包括",
        "社協",
        "総合事業",
        "緩和型",
        "短期集中",
        "ケアプラン",
        "サロン",
        "縦割り",
    ):
        assert word in aliases, word


@pytest.mark.parametrize("card_id", sorted(POINTERS))
def test_each_cards_own_worries_match_it(kb: KnowledgeBase, matcher: Matcher, card_id: str) -> None:
    for worry in kb.card(card_id).worries:
        result = matcher.match(worry)
        assert result.confidence != "none", worry
        assert result.cards[0].card == card_id, (worry, result.cards[:3])
