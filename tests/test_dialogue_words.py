"""Follow-ups answered in words, as transcripts: [(発話, 期待する返答の要点), …].

Every question the bot asks can be answered the way one answers a person. Each test is one
kind of written reply; ``#`` starts a chosen option (a button), as in test_dialogue.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.replies import Inbound, Reply
from bot.core.state import ConversationState
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.storage.conversations import Store
from tests.test_dialogue import run

Say = Callable[..., Reply]

# 「協議体がお客様状態で困っている」 opens card 02 with its two situations and no highlight
KYOGITAI = ("協議体がお客様状態で困っている", {"kind": "card", "card": "02"})


def test_a_situation_named_in_own_words_is_chosen_and_said(say: Say) -> None:
    run(
        say,
        [
            KYOGITAI,
            (
                "協議体をつくること自体が目的になっちゃってるんです",
                {
                    "kind": "countermeasures",
                    "card": "02",
                    "countermeasures": (1, 2),
                    "says": ("と受け取りました", "協議体の設置や開催が目的になっている"),
                },
            ),
        ],
    )


@pytest.mark.parametrize(
    ("reply", "situation"),
    [("2個目", 2), ("下のほうです", 2), ("いちばん下", 2), ("最初の", 1), ("上から1番目", 1)],
)
def test_position_words_pick_in_the_order_shown(say: Say, reply: str, situation: int) -> None:
    [_, answer] = run(say, [KYOGITAI, (reply, {"kind": "countermeasures", "card": "02"})])
    assert answer.situations == (situation,)


@pytest.mark.parametrize("yes", ["はい", "ええ、そうです", "そやねん", "そうそう、まさにそれ"])
def test_yes_in_everyday_forms_accepts_the_highlighted_situation(say: Say, yes: str) -> None:
    run(
        say,
        [
            (
                "通いの場を何か所作るかばかり議論していて、目的を見失っている",
                {"kind": "card", "card": "01", "first_option": "situation:01-2"},
            ),
            (yes, {"kind": "countermeasures", "card": "01", "countermeasures": (2,)}),
        ],
    )


def test_yes_on_a_one_situation_card_accepts_it(say: Say) -> None:
    run(
        say,
        [
            ("#card:10", {"kind": "card", "card": "10"}),
            ("はい", {"kind": "countermeasures", "card": "10"}),
        ],
    )


def test_no_twice_moves_on_and_never_repeats_the_question(say: Say) -> None:
    replies = run(
        say,
        [
            ("移動支援の担い手がいなくて困っています", {"kind": "card", "card": "05"}),
            ("いいえ", {"kind": "card", "card": "05", "says": ("ほかの状況",)}),
            ("ちゃいます", {"kind": "card", "card": "05", "says": ("ほかの状況",)}),
        ],
    )
    asked = [(r.situations, r.suggested) for r in replies]
    assert len(set(asked)) == len(asked), asked  # each no asked something new
    run(say, [("違うかも", {"kind": "card"}), ("いいえ", {"kind": "ask_card"})])


def test_none_of_these_offers_other_cards_not_the_same_list(say: Say) -> None:
    [_, answer] = run(say, [KYOGITAI, ("どれでもない", {"kind": "ask_card"})])
    assert not any(o.id.startswith("situation:02-") for o in answer.options)


@pytest.mark.parametrize("both", ["両方", "どっちも当てはまります", "全部当てはまる"])
def test_both_shows_the_countermeasures_of_every_situation(say: Say, both: str) -> None:
    [_, answer] = run(say, [KYOGITAI, (both, {"kind": "countermeasures", "card": "02"})])
    assert answer.situations == (1, 2)


def ask_between(store: Store, cards: tuple[str, ...]) -> None:
    """Put conversation c-u1 where the bot has just asked 「どれがいちばん近いでしょうか？」."""
    state = ConversationState(
        stage="ask_card",
        candidates=cards,
        options=(*(f"card:{c}" for c in cards), "menu"),
    )
    store.save("c-u1", "u1", state.to_json())


@pytest.mark.parametrize(
    ("words", "card"),
    [
        ("住民の意識のほうです", "01"),
        ("団体との連携の話", "03"),
        ("担い手の件", "04"),
        ("2番目", "01"),
    ],
)
def test_the_card_choice_is_answered_with_its_topic(
    say: Say, store: Store, words: str, card: str
) -> None:
    ask_between(store, ("03", "01", "04"))
    answer = say(words)
    assert (answer.kind, answer.card) == ("card", card)
    assert "と受け取りました" in answer.understood


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("助かりました", "up"),
        ("ありがとうございます、参考になりました", "up"),
        ("使えそう", "up"),
        ("ちょっと違った", "down"),
        ("期待してたのと違う", "down"),
    ],
)
def test_feedback_in_words_is_stored_as_feedback(
    say: Say, store: Store, words: str, value: str
) -> None:
    run(
        say,
        [
            KYOGITAI,
            ("#situation:02-1", {"kind": "countermeasures"}),
            (words, {"kind": "feedback", "says": ("ご評価と受け取りました",)}),
        ],
    )
    assert store.consultations(user="u1")[0].feedback == value


def test_other_situations_and_references_after_the_countermeasures(say: Say) -> None:
    run(
        say,
        [
            KYOGITAI,
            ("#situation:02-1", {"kind": "countermeasures"}),
            ("参考文献は？", {"kind": "feedback", "says": ("参考文献",)}),
            ("他の状況も見たい", {"kind": "card", "card": "02", "options": ("situation:02-2",)}),
        ],
    )


@pytest.mark.parametrize(
    ("words", "card"),
    [
        ("カード3を開いて", "03"),
        ("ヒント07", "07"),
        ("担い手のカード", "04"),
        ("協議体のヒント", "02"),
    ],
)
def test_a_card_opens_by_number_or_title_anywhere(say: Say, words: str, card: str) -> None:
    run(
        say,
        [
            KYOGITAI,
            (words, {"kind": "card", "card": card, "says": ("こんな状況に陥っていませんか",)}),
        ],
    )


@pytest.mark.parametrize("words", ["一覧", "はじめからお願いします", "違う相談に切り替えたい"])
def test_list_and_start_over(say: Say, words: str) -> None:
    run(say, [KYOGITAI, (words, {"kind": "menu"})])


def test_help_anywhere(say: Say) -> None:
    run(say, [KYOGITAI, ("ヘルプ", {"kind": "help", "says": ("文章でお答えいただけます",)})])


def test_a_misunderstanding_is_corrected_in_one_turn(say: Say) -> None:
    run(
        say,
        [
            KYOGITAI,
            ("2個目", {"kind": "countermeasures", "card": "02", "says": ("と受け取りました",)}),
            (
                "ちがう",
                {
                    "kind": "card",
                    "card": "02",
                    "says": ("選び直します",),
                    "options": ("situation:02-1", "situation:02-2"),
                },
            ),
            ("最初の", {"kind": "countermeasures", "card": "02"}),
        ],
    )


def test_a_new_worry_in_the_middle_of_the_situation_question(say: Say) -> None:
    run(
        say,
        [
            KYOGITAI,
            (
                "それとは別で、通院の送迎をしてくれる担い手がいなくて困っています",
                {"kind": "card", "card": "05", "says": ("新しいご相談として承ります",)},
            ),
        ],
    )


def test_the_clarifying_reply_keeps_the_thread(say: Say) -> None:
    run(
        say,
        [
            ("短期集中Cを卒業した人の受け皿がなくて困ってます", {"kind": "card", "card": "04"}),
            (
                "誰にどんな支援が要るのかははっきりしてない",
                {
                    "kind": "countermeasures",
                    "card": "04",
                    "says": (
                        "誰にどのような支援が必要なのか具体化されていない",
                        "と受け取りました",
                    ),
                },
            ),
        ],
    )


def test_written_follow_ups_of_a_shared_town_name(engine_with_data: Callable[..., Reply]) -> None:
    say = engine_with_data
    first = say("太子町の高齢化率は？")
    assert first.kind == "data" and len(first.options) == 2
    assert all("data:" not in o.label for o in first.options)
    answer = say("大阪のほう")
    assert answer.kind == "data" and "太子町（大阪府）" in answer.body
    assert "と受け取りました" in answer.understood
    say("美浜町の高齢化率は？")
    assert "美浜町（和歌山県）" in say("和歌山です").body
    say("美浜町の高齢化率は？")
    assert "美浜町（福井県）" in say("1").body


@pytest.fixture()
def engine_with_data(kb: KnowledgeBase, matcher: Matcher, tmp_path: Path) -> Say:
    from analytics.service import DataService
    from bot.settings import ROOT, Settings
    from tests.dbutil import fresh_engine

    db = fresh_engine()
    settings = Settings(database_url="sqlite://", data_dir=ROOT / "data", chart_dir=tmp_path)
    engine = Engine(kb, Store(db), matcher, DataService.load(settings, db))

    def _say(text: str | None = None, *, choose: str | None = None) -> Reply:
        return engine.handle(Inbound("c-data", "u1", text=text, choose=choose))

    return _say
