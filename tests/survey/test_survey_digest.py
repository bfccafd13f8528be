"""Digest content, and each slot posted exactly once (restarts, retries, two clocks)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.slack.digest_blocks import digest_blocks_json
from bot.storage.conversations import Store
from bot.storage.db import make_engine
from bot.survey.context import SurveyContext
from bot.survey.importer import import_survey
from bot.survey.posting import DigestService
from bot.text.notes import SAMPLE_NOTE
from tests.dbutil import fresh_url
from tests.support.fake_slack import FakeSlack
from tests.support.harness import all_text, blocks_of, buttons_of
from tests.survey.conftest import MONDAY_9, SAMPLE, digest_poster


def _load_sample(ctx: SurveyContext) -> None:
    import_survey(ctx.answers, ctx.survey, ctx.places, SAMPLE)


def test_digest_names_top_barriers_cards_unanswered_worries_and_the_next_meeting(
    ctx: SurveyContext, service: DigestService
) -> None:
    _load_sample(ctx)
    ctx.meetings.add(date(2026, 12, 10))
    ctx.registry.set("U0IB", role="municipal", place="茨木市")
    ctx.registry.set("U0NARA", role="municipal", place="広陵町")
    store = Store(ctx.engine)
    recent = MONDAY_9.replace(tzinfo=None) - timedelta(days=2)
    for card in ("02", "02", "04"):
        store.log_consultation(
            conversation="c", user="U0IB", text="…", intent="hint", card=card, now=recent
        )
    store.log_consultation(  # another prefecture's user, and an old one: not counted
        conversation="c", user="U0NARA", text="…", intent="hint", card="05", now=recent
    )
    store.log_consultation(
        conversation="c",
        user="U0IB",
        text="…",
        intent="hint",
        card="09",
        now=recent - timedelta(days=10),
    )
    composed = service.compose("27", MONDAY_9)
    d = composed.digest
    assert d.sample and SAMPLE_NOTE in d.text
    assert "大阪府 課題認識アンケート ダイジェスト" in d.text
    assert "12月10日の検討会前のお知らせ" in d.text  # 3 days before the meeting
    assert "1. 担い手（受け皿）の確保：97%" in d.text
    assert "ヒント04「総合事業の担い手の確保」" in d.text
    assert "泉佐野市、寝屋川市、忠岡町、太子町" in d.text  # not yet answered in the sample
    assert "回答: 39 / 43 市町村（回答率 91%）" in d.text
    assert (
        "ヒント02「協議体の活用」：2件" in d.text
        and "ヒント04「総合事業の担い手の確保」：1件" in d.text
    )
    assert "ヒント05「移動支援ニーズへの対応」：" not in d.text.split("先週ボット")[1]
    assert "ヒント09「自立支援型ケアマネジメントの実践」：" not in d.text.split("先週ボット")[1]
    assert "2026年12月10日（木）（あと 3 日）" in d.text
    assert d.cards[0] == "04"
    assert composed.chart_path is not None and composed.chart_path.stat().st_size > 1000
    assert d.chart.note.startswith(SAMPLE_NOTE)
    # blocks: the same content, card buttons handled by the App Home action (open in DM)
    blocks = digest_blocks_json(d)
    assert len(blocks) <= 50
    buttons = [e for b in blocks for e in b.get("elements") or [] if e.get("type") == "button"]
    assert [b["value"] for b in buttons] == [f"card:{c}" for c in d.cards]
    assert all(b["action_id"] == f"home:{b['value']}" for b in buttons)


def test_an_empty_survey_still_makes_a_digest(service: DigestService) -> None:
    d = service.compose("18", MONDAY_9, chart=False).digest
    assert "まだ回答がありません" in d.text and "回答率 0%" in d.text
    assert SAMPLE_NOTE not in d.text and d.cards == ()


@pytest.fixture()
def fake() -> FakeSlack:
    with FakeSlack() as f:
        yield f


def test_a_slot_posts_once_failed_posts_retry_and_force_reposts(
    ctx: SurveyContext, service: DigestService, fake: FakeSlack
) -> None:
    _load_sample(ctx)
    ctx.channels.set("27", "C0OSAKA")
    fake.fail("chat.postMessage", "not_in_channel")
    first = service.run_due(MONDAY_9)
    assert [(o.slot, o.status, o.detail) for o in first] == [
        ("weekly:2026-W50", "failed", "not_in_channel")
    ]
    assert fake.posts("C0OSAKA") == []
    # the clock's next run (e.g. the 30-minute retry job) tries the failed slot again
    second = service.run_due(MONDAY_9 + timedelta(minutes=30))
    assert [(o.status, o.attempt) for o in second] == [("posted", 2)]
    [post] = fake.posts("C0OSAKA")
    assert "大阪府 課題認識アンケート ダイジェスト" in all_text(post)
    # the chart goes into the digest's thread
    [upload] = fake.calls_to("files.completeUploadExternal")
    assert upload.body.get("thread_ts") == post.response["ts"]
    assert upload.body.get("channel_id") == "C0OSAKA"
    # restarts and retries never post the slot again
    for _ in range(3):
        assert [o.status for o in service.run_due(MONDAY_9 + timedelta(hours=1))] == ["skipped"]
    assert len(fake.posts("C0OSAKA")) == 1
    # --force posts again on purpose, as a new attempt
    forced = service.run_slot("27", "weekly:2026-W50", MONDAY_9, force=True)
    assert (forced.status, forced.attempt) == ("posted", 3)
    assert len(fake.posts("C0OSAKA")) == 2
    assert service.slots() == [("27", "weekly:2026-W50", "posted", 3)]


def test_the_next_digest_reports_changes_since_the_last_one(
    ctx: SurveyContext, service: DigestService, fake: FakeSlack, tmp_path: Path
) -> None:
    _load_sample(ctx)
    ctx.channels.set("27", "C0OSAKA")
    assert service.run_slot("27", "weekly:2026-W50", MONDAY_9).status == "posted"
    f = tmp_path / "late.csv"
    f.write_text(
        "市町村名,"
        + ",".join(str(n) for n in range(1, 26))
        + "\n泉佐野市,"
        + ",".join(["4"] * 25)
        + "\n",
        encoding="utf-8",
    )
    # marked sample like the rest: real answers would replace the sample altogether
    import_survey(ctx.answers, ctx.survey, ctx.places, f, sample=True)
    d = service.compose("27", MONDAY_9 + timedelta(days=7), chart=False).digest
    assert "前回のダイジェストから回答が +1 市町村" in d.text
    assert "新たに回答した市町村: 泉佐野市" in d.text
    assert "前回比 −2pt" in d.text  # 担い手: 38/39 → 38/40


def test_two_clocks_on_one_database_post_each_slot_once(
    survey_settings: Settings, ctx: SurveyContext, fake: FakeSlack, tmp_path: Path
) -> None:
    """Two schedulers (threads, each with its own engine) run the same job at the same time."""
    url = fresh_url(tmp_path, "clocks")
    first = make_engine(url)
    from bot.storage.schema import create_schema

    create_schema(first)
    settings = Settings(database_url=url, chart_dir=tmp_path / "charts", cache_dir=None)

    def context(engine) -> SurveyContext:  # type: ignore[no-untyped-def]
        return SurveyContext(
            settings, engine, survey=ctx.survey, places=ctx.places, card_titles=ctx.card_titles
        )

    setup = context(first)
    _load_sample(setup)
    for pc, ch in (("27", "C0OSAKA"), ("28", "C0HYOGO"), ("29", "C0NARA")):
        setup.channels.set(pc, ch)
    setup.meetings.add(date(2026, 12, 10), "29")  # Nara: 3 days before is 12-07 → meeting slot
    services = [
        DigestService(c, digest_poster(fake), Store(c.engine))
        for c in (setup, context(make_engine(url)))
    ]
    barrier = threading.Barrier(len(services) * 2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def clock(svc: DigestService) -> None:
        barrier.wait()
        res = svc.run_due(MONDAY_9)
        with lock:
            outcomes.extend(f"{o.pref_code}:{o.slot}:{o.status}" for o in res)

    threads = [threading.Thread(target=clock, args=(s,)) for s in services for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert len(fake.posts("C0OSAKA")) == 1
    assert len(fake.posts("C0HYOGO")) == 1
    assert len(fake.posts("C0NARA")) == 1
    assert sorted(o for o in outcomes if o.endswith(":posted")) == [
        "27:weekly:2026-W50:posted",
        "28:weekly:2026-W50:posted",
        "29:meeting:2026-12-10:posted",
    ]
    assert sum(o.endswith(":skipped") for o in outcomes) == 9
    for s in services:
        s.engine.dispose()


def test_channel_message_blocks_reach_slack_with_the_sample_note(
    ctx: SurveyContext, service: DigestService, fake: FakeSlack
) -> None:
    _load_sample(ctx)
    ctx.channels.set("30", "C0WAKAYAMA")
    service.run_slot("30", "weekly:2026-W50", datetime(2026, 12, 7, tzinfo=UTC))
    [post] = fake.posts("C0WAKAYAMA")
    text = all_text(post)
    assert SAMPLE_NOTE in text and "和歌山県" in text
    assert blocks_of(post)[0]["type"] == "header"
    assert {b["value"] for b in buttons_of(post)} >= {"card:04"}
