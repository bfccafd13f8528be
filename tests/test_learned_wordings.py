"""The engine follows a reviewer's assignment before the matcher, through its port."""

from __future__ import annotations

from bot.core.engine import Engine
from bot.core.ports import LearnedWording
from bot.core.replies import Inbound
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.storage.conversations import Store
from bot.text.prepared import Prepared


class Learned:
    def __init__(self, table: dict[str, LearnedWording]) -> None:
        self.table = table

    def lookup(self, text: Prepared) -> LearnedWording | None:
        return self.table.get(text.compact)


def test_an_assigned_wording_opens_its_card_and_situation(
    kb: KnowledgeBase, matcher: Matcher, store: Store
) -> None:
    learned = Learned({"ほげほげ会議がぐだぐだ": LearnedWording("02", 2, assignment=7)})
    engine = Engine(kb, store, matcher, learned=learned)
    before = Engine(kb, store, matcher).handle(Inbound("c0", "u", text="ほげほげ会議がぐだぐだ"))
    assert before.card != "02" or before.kind != "card"
    reply = engine.handle(Inbound("c1", "u", text="ほげほげ会議がぐだぐだ"))
    assert (reply.kind, reply.card, reply.suggested) == ("card", "02", (2,))
    assert "担当者が登録した言い回し" in reply.lead


def test_a_wording_marked_off_topic_is_declined(
    kb: KnowledgeBase, matcher: Matcher, store: Store
) -> None:
    learned = Learned({"協議体の弁当の手配": LearnedWording(None, assignment=8)})
    reply = Engine(kb, store, matcher, learned=learned).handle(
        Inbound("c2", "u", text="協議体の弁当の手配")
    )
    assert reply.kind == "menu" and reply.card is None
