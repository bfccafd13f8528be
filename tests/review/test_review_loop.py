"""The review loop: what the bot could not serve → the queue → a reviewer's decision → the bot
answers that wording and its close variants, everywhere, at once; undone; refused when it
would break the dev set."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine as SAEngine
from sqlalchemy import func, select

from bot.core.engine import Engine
from bot.core.replies import Inbound
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.review.measure import GuardQuery
from bot.review.service import ReviewService
from bot.storage.conversations import Store
from bot.storage.review import ReviewAssignment, ReviewCorrection
from tests.review.conftest import REVIEWER, bot_engine

WORRY = "地域の茶話会がマンネリで新しい人が来ない"
SAME_AGAIN = "地域の茶話会がマンネリで、新しい人が来ないんです"
CLOSE = "地区の茶話会がマンネリ化していて新しい人が来ない"
OTHER = "集会所の鍵当番が決まらず毎回もめる"


def say(bot: Engine, user: str, text: str) -> str:
    reply = bot.handle(Inbound(f"t:{user}", user, text=text))
    return f"{reply.kind} {reply.card or '-'}"


def test_the_whole_loop_as_a_transcript(
    kb: KnowledgeBase, matcher: Matcher, db: SAEngine, bot: Engine, service: ReviewService
) -> None:
    transcript = []
    # 1. two people write the same worry in their words; the bot finds no card
    transcript.append(("U0A", WORRY, say(bot, "U0A", WORRY)))
    # the first one then opens card 01 from the list: a label from the user
    picked = bot.handle(Inbound("t:U0A", "U0A", choose="card:01"))
    transcript.append(("U0A", "[card:01]", f"{picked.kind} {picked.card}"))
    transcript.append(("U0B", SAME_AGAIN, say(bot, "U0B", SAME_AGAIN)))
    transcript.append(("U0C", OTHER, say(bot, "U0C", OTHER)))
    assert [t[2] for t in transcript] == ["menu -", "card 01", "menu -", "menu -"]

    # 2. the queue: near-duplicates once, with their count, most frequent first
    queue = service.queue()
    assert [(c.text, c.count, c.reason) for c in queue] == [
        (WORRY, 2, "unanswered"),
        (OTHER, 1, "unanswered"),
    ]
    first = queue[0]
    assert first.picks == {"01": 1} and first.suggested == "01"
    assert set(first.wordings) == {WORRY, SAME_AGAIN}
    assert list(first.to_json()) == ["id", "text", "reason", "count", "cards"]
    assert first.to_json()["cards"][0].keys() == {"card", "score", "users"}

    # 3. a reviewer assigns it to card 01, situation 3; the effect is measured and reported
    outcome = service.assign(first.id, "01", 3, by=REVIEWER)
    assert outcome.done and outcome.assignment
    assert outcome.effect is not None and outcome.effect.broken == []
    assert [s.name for s in outcome.effect.sets] == ["dev"]
    assert (outcome.effect.group_before, outcome.effect.group_after) == (0, 2)
    text = "\n".join(outcome.lines(service.card_title))
    assert "ヒント01「住民の意識醸成」 状況3 に割り当てました" in text and "dev: 正解" in text
    [a] = service.assignments()
    assert (a.candidate, a.by, a.card, a.situation, a.text) == (first.id, REVIEWER, "01", 3, WORRY)
    assert a.at is not None and a.effect["group"] == {"total": 2, "before": 0, "after": 2}
    assert [c.text for c in service.queue()] == [OTHER]

    # 4. the same and a close wording now open card 01 at situation 3, in another "process"
    other = bot_engine(kb, matcher, db)
    for user, words in (("U0D", WORRY), ("U0E", CLOSE)):
        reply = other.handle(Inbound(f"t:{user}", user, text=words))
        assert (reply.kind, reply.card, reply.suggested) == ("card", "01", (3,)), words
        assert "担当者が登録した言い回し" in reply.lead
    # an unrelated worry is still not answered
    assert say(other, "U0F", OTHER) == "menu -"


def test_undo_takes_the_assignment_back(bot: Engine, service: ReviewService, db: SAEngine) -> None:
    say(bot, "U0A", WORRY)
    [c] = service.queue()
    assert service.assign(c.id, "01", by=REVIEWER).done
    assert say(bot, "U0B", WORRY) == "card 01"
    undone = service.undo(c.id, by="U0REVIEW2")
    assert undone.done and undone.effect is not None
    assert (undone.effect.group_before, undone.effect.group_after) == (1, 0)
    assert say(bot, "U0C", WORRY) == "menu -"  # the bot no longer follows it
    assert [(x.id, x.status) for x in service.queue()] == [(c.id, "open")]
    [a] = service.assignments(active_only=False)
    assert a.undone_at is not None
    with db.connect() as conn:
        by = conn.execute(select(ReviewAssignment.undone_by)).scalar()
    assert by == "U0REVIEW2"
    assert service.assignments() == []
    # nothing left to undo
    assert not service.undo(c.id, by=REVIEWER).done


def test_an_assignment_that_breaks_the_dev_set_is_refused(
    bot: Engine, service: ReviewService, db: SAEngine
) -> None:
    # dev.yaml v008 「協議体の出席者が消極的」 is answered with card 02; logged as
    # unanswered (as if the matcher had missed it), a reviewer assigns it to card 05
    store = Store(db)
    store.log_consultation(
        conversation="t:x", user="U0X", text="協議体の出席者が消極的", intent="unknown",
        confidence="none", score=0.1, scores=[["05", 0.1]],
    )  # fmt: skip
    [c] = service.queue()
    version = service.version()
    outcome = service.assign(c.id, "05", by=REVIEWER)
    assert not outcome.done
    assert outcome.refused and "受け付けませんでした" in outcome.refused[0]
    assert "dev.yaml v008（正解 02 → 05）" in outcome.refused[0]
    assert (
        outcome.effect is not None and outcome.effect.sets[0].after < outcome.effect.sets[0].before
    )
    # nothing changed: no assignment, the same version, still in the queue, the bot unchanged
    assert service.assignments(active_only=False) == []
    assert service.version() == version
    assert [x.id for x in service.queue()] == [c.id]
    assert say(bot, "U0Y", "協議体の出席者が消極的") == "card 02"
    # the right card is accepted
    assert service.assign(c.id, "02", by=REVIEWER).done


def test_rejected_wordings_are_declined(bot: Engine, service: ReviewService) -> None:
    text = "ボランティアさんの交通費をどうするか決まらない"
    say(bot, "U0A", text)
    [c] = service.queue()
    outcome = service.reject(c.id, by=REVIEWER)
    assert outcome.done and "対象外にしました" in outcome.lines()[0]
    reply = bot.handle(Inbound("t:U0B", "U0B", text=text))
    assert reply.kind == "menu" and reply.card is None
    # its new occurrences join the decided group and do not reopen it
    assert service.queue() == []


def test_what_the_log_tells_becomes_the_reason(
    bot: Engine, service: ReviewService, db: SAEngine
) -> None:
    # voted down after a confident answer
    assert say(bot, "U0A", "会議で意見が出ない") == "card 02"
    bot.handle(Inbound("t:U0A", "U0A", choose="situation:02-1"))
    bot.handle(Inbound("t:U0A", "U0A", choose="feedback:down"))
    # a confident card, then another card chosen from the list: corrected
    assert say(bot, "U0B", "住民が集まらない") == "card 01"
    bot.handle(Inbound("t:U0B", "U0B", choose="menu"))
    bot.handle(Inbound("t:U0B", "U0B", choose="card:02"))
    # two or three cards offered and one picked: a labelled example
    assert say(bot, "U0C", "SCと協議体のどちらも機能していない") == "ask_card -"
    bot.handle(Inbound("t:U0C", "U0C", choose="card:07"))
    # a fact request declined
    say(bot, "U0D", "協議体の会場の予約はどこに電話すればいいですか")
    got = {c.text: (c.reason, c.picks, c.rejected) for c in service.queue()}
    assert got["会議で意見が出ない"] == ("down", {}, {"02": 1})
    assert got["住民が集まらない"] == ("corrected", {"02": 1}, {"01": 1})
    assert got["SCと協議体のどちらも機能していない"] == ("picked", {"07": 1}, {})
    assert got["協議体の会場の予約はどこに電話すればいいですか"][0] == "declined"


def test_chigau_after_a_card_read_from_words_is_recorded(
    bot: Engine, service: ReviewService, db: SAEngine
) -> None:
    worry = "SCと協議体のどちらも機能していない"
    assert say(bot, "U0A", worry) == "ask_card -"
    opened = bot.handle(Inbound("t:U0A", "U0A", text="協議体の話"))
    assert opened.card == "02" and "ちがう" in opened.understood
    back = bot.handle(Inbound("t:U0A", "U0A", text="ちがう"))
    assert back.kind == "ask_card"
    with db.connect() as conn:
        rows = conn.execute(select(ReviewCorrection.card, ReviewCorrection.user_id)).all()
    assert [tuple(r) for r in rows] == [("02", "U0A")]
    [c] = service.queue()
    assert (c.text, c.reason, c.rejected) == (worry, "corrected", {"02": 1})
    # then the user picks card 07: the correction keeps the user's own pick
    bot.handle(Inbound("t:U0A", "U0A", choose="card:07"))
    [c] = service.queue()
    assert (c.reason, c.picks, c.rejected) == ("corrected", {"07": 1}, {"02": 1})


def test_collecting_twice_adds_nothing_and_a_late_vote_is_seen(
    bot: Engine,
    make_service: Callable[..., ReviewService],
    guard_dev: list[GuardQuery],
    db: SAEngine,
) -> None:
    from datetime import timedelta

    svc = make_service(guard=guard_dev, settle=timedelta(hours=1))
    assert say(bot, "U0A", "会議で意見が出ない") == "card 02"
    assert svc.queue() == []  # answered, no vote yet
    bot.handle(Inbound("t:U0A", "U0A", choose="situation:02-1"))
    bot.handle(Inbound("t:U0A", "U0A", choose="feedback:down"))
    [c] = svc.queue()  # still within the settle window: read again, the vote is seen
    assert c.reason == "down"
    again = svc.collect()
    assert (again.added, again.groups) == (0, 0)
    with db.connect() as conn:
        n = conn.execute(select(func.count()).select_from(ReviewCorrection)).scalar()
    assert n == 0


def test_collectors_running_at_once_store_each_consultation_once(
    bot: Engine, make_service: Callable[..., ReviewService], db: SAEngine
) -> None:
    import threading

    from bot.storage.review import ReviewSource

    replies = [say(bot, f"U0{i:03d}", f"{WORRY}（{i}回目）") for i in range(12)]
    n = replies.count("menu -")  # (one of them the bot reads as two or three cards)
    assert n >= 10
    services = [make_service(guard=[]) for _ in range(4)]
    errors: list[BaseException] = []

    def run(svc: ReviewService) -> None:
        try:
            svc.collect()
        except BaseException as exc:  # the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ReviewSource)).scalar() == n
    assert [(c.count, c.reason) for c in services[0].queue()] == [(n, "unanswered")]
