"""Dialogue tests that read as transcripts: [(発話, 期待する返答の要点), …].

An utterance starting with ``#`` is a chosen option id (a button or a number in the terminal).
The expectation names the reply kind, the card, and phrases the reply must (or must not) say.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.core.engine import Engine
from bot.core.replies import Inbound, Reply
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.render.text import render
from bot.storage.conversations import Store

Turn = tuple[str, dict[str, Any]]


def run(say: Callable[..., Reply], transcript: list[Turn], user: str = "u1") -> list[Reply]:
    replies = []
    for utterance, want in transcript:
        if utterance.startswith("#"):
            reply = say(choose=utterance[1:], user=user)
        else:
            reply = say(utterance, user=user)
        where = f"「{utterance}」への返答"
        assert reply.kind == want["kind"], (where, reply.kind, render(reply)[:200])
        if "card" in want:
            assert reply.card == want["card"], (where, reply.card)
        for phrase in want.get("says", ()):
            assert phrase in render(reply), (where, phrase, render(reply)[:300])
        for phrase in want.get("not", ()):
            assert phrase not in render(reply), (where, phrase)
        if "countermeasures" in want:
            assert reply.countermeasures == want["countermeasures"], where
        if "first_option" in want:
            assert reply.options[0].id == want["first_option"], (where, reply.options[:2])
        for oid in want.get("options", ()):
            assert oid in [o.id for o in reply.options], (where, oid, reply.options)
        replies.append(reply)
    return replies


CONSULTATION: list[Turn] = [
    (
        "協議体がお客様状態で困っている",
        {
            "kind": "card",
            "card": "02",
            "says": ("協議体の活用", "手がかり", "こんな状況に陥っていませんか"),
            "options": ("situation:02-1", "situation:02-2", "menu"),
        },
    ),
    (
        "#situation:02-1",
        {
            "kind": "countermeasures",
            "card": "02",
            "countermeasures": (1, 2),
            "says": ("協議体の設置や開催が目的になっている", "【対策1】", "【対策2】", "出典"),
            "options": ("situation:02-2", "feedback:up", "feedback:down", "menu"),
        },
    ),
    ("#situation:02-2", {"kind": "countermeasures", "card": "02", "countermeasures": (1, 2)}),
    ("#feedback:up", {"kind": "feedback", "says": ("お役に立てて良かったです",)}),
]


def test_consultation_from_worry_to_countermeasures(
    say: Callable[..., Reply], store: Store
) -> None:
    run(say, CONSULTATION)
    log = store.consultations(user="u1")
    assert len(log) == 1
    assert (log[0].card, log[0].situation, log[0].feedback) == ("02", 2, "up")
    assert log[0].text == "協議体がお客様状態で困っている"


def test_situation_suggested_by_the_text_is_offered_first(say: Callable[..., Reply]) -> None:
    run(
        say,
        [
            (
                "通いの場を何か所作るかばかり議論していて、目的を見失っている",
                {"kind": "card", "card": "01", "first_option": "situation:01-2", "says": ("特に",)},
            ),
            ("はい", {"kind": "countermeasures", "card": "01", "countermeasures": (2,)}),
        ],
    )


def test_typed_number_and_no(say: Callable[..., Reply]) -> None:
    run(
        say,
        [
            ("移動支援の担い手がいなくて困っています", {"kind": "card", "card": "05"}),
            ("いいえ", {"kind": "card", "card": "05", "says": ("ほかの状況",)}),
            ("3", {"kind": "countermeasures", "card": "05", "countermeasures": (3,)}),
        ],
    )


def test_abbreviations_kana_and_homophone_typos(say: Callable[..., Reply]) -> None:
    for text, card in [
        ("SCに丸投げになってる", "07"),
        ("いどうしえん", "05"),
        ("協議帯が形だけになっている", "02"),
        ("住民の意識情勢が進まない", "01"),
        ("移動支縁をどうするか", "05"),
    ]:
        reply = say(text, user=text)
        assert reply.kind in ("card", "ask_card"), (text, reply.kind)
        offered = [o.id for o in reply.options]
        assert reply.card == card or f"card:{card}" in offered, (text, reply.card, offered)


def test_no_match_shows_the_menu_and_help(say: Callable[..., Reply]) -> None:
    run(
        say,
        [
            (
                "今日はいい天気ですね",
                {"kind": "menu", "says": ("見つかりませんでした", "住民主体活動の促進")},
            ),
            ("#card:08", {"kind": "card", "card": "08"}),
            ("ヘルプ", {"kind": "help", "says": ("出典", "地域づくりにおける悩みと対策のヒント")}),
            ("ありがとうございました", {"kind": "help"}),
        ],
    )


def test_ambiguous_offers_cards_and_none_of_these(say: Callable[..., Reply]) -> None:
    reply = say("地域の様々な主体との関係づくり")
    if reply.kind == "ask_card":
        ids = [o.id for o in reply.options]
        assert "card:03" in ids and ids[-1] == "menu"
        assert reply.options[-1].label == "どれでもない"
        nxt = say(choose="card:03")
        assert nxt.kind == "card" and nxt.card == "03"
    else:
        assert reply.card == "03"


def test_new_text_starts_over_on_another_card(say: Callable[..., Reply]) -> None:
    run(
        say,
        [
            ("協議体の会議がいつも形だけ", {"kind": "card", "card": "02"}),
            (
                "それより生活支援コーディネーターの役割がはっきりしない",
                {"kind": "card", "card": "07"},
            ),
        ],
    )


def test_a_situation_named_in_words_is_chosen_and_said(say: Callable[..., Reply]) -> None:
    """A clear paraphrase of one situation commits to it, and the answer says so."""
    first = say("住民の支え合いの意識が育たない")
    assert first.card == "01"
    refined = say("困っている近所の高齢者の課題に目が向いていない感じです")
    assert refined.kind == "countermeasures" and refined.card == "01"
    assert refined.situations == (3,)
    assert "と受け取りました" in render(refined)


def test_two_users_do_not_share_state(say: Callable[..., Reply]) -> None:
    say("協議体がお客様状態で困っている", user="a")
    say("SCに丸投げになっている", user="b")
    assert say("はい", user="a").card in ("02", None)
    reply = say(choose="situation:02-1", user="a")
    assert reply.card == "02"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\u3000\n",
        "😀😀😀",
        "\x00\x01\x1b[31m",
        "<@U123> <#C1|general>",
        "a" * 10_000,
        "協議体" * 4000,
    ],
)
def test_bad_text_gets_a_polite_answer(say: Callable[..., Reply], text: str) -> None:
    reply = say(text)
    assert reply.kind in ("error", "menu", "card", "ask_card", "help")
    assert render(reply) and "Traceback" not in render(reply)
    assert render(reply).rstrip().endswith(("。", "）", "」")) or reply.options


@pytest.mark.parametrize(
    "oid", ["card:99", "situation:02-9", "situation:xx", "bogus", "", "data:muni:1"]
)
def test_unknown_option_ids_are_answered_politely(say: Callable[..., Reply], oid: str) -> None:
    reply = say(choose=oid)
    assert reply.kind == "error"
    assert "ません" in render(reply)
    assert [o.id for o in reply.options][:1] == ["card:01"]


def test_feedback_without_a_consultation(say: Callable[..., Reply]) -> None:
    reply = say(choose="feedback:up")
    assert reply.kind == "error" and "見つかりませんでした" in render(reply)


def test_option_from_an_expired_conversation(
    kb: KnowledgeBase, matcher: Matcher, store: Store
) -> None:
    from bot.storage.conversations import utcnow

    engine = Engine(kb, store, matcher)
    engine.handle(Inbound("c", "u", text="協議体がお客様状態で困っている"))
    # age the conversation past the 30-minute TTL
    state, _ = store.load("c")
    assert state is not None
    store.save("c", "u", state, now=utcnow() - timedelta(minutes=31))
    reply = engine.handle(Inbound("c", "u", choose="situation:02-1"))
    assert reply.kind == "error"
    assert "終了しました" in render(reply)
    assert engine.handle(Inbound("c", "u", choose="feedback:up")).kind == "error"


def test_card_buttons_work_without_a_conversation(say: Callable[..., Reply]) -> None:
    """App Home buttons open a card in a fresh conversation."""
    reply = say(choose="card:10")
    assert reply.kind == "card" and reply.card == "10"
    assert say(choose="situation:10-1").countermeasures == (1, 2)


def test_a_match_without_telling_words_says_which_worry_it_resembles(
    say: Callable[..., Reply],
) -> None:
    reply = say("住民は自分の健康づくりには熱心だが、困っている近所の高齢者には目が向いていない")
    assert reply.card == "01"
    assert "という悩みに近いと判断しました" in reply.lead or "手がかり" in reply.lead
