"""A clock killed mid-digest: after the lease, the slot is recovered from the channel history
(message metadata) or posted again, exactly once; a fresh claim is left alone."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.errors import UserError
from bot.settings import Settings
from bot.slack.digest_poster import DIGEST_EVENT
from bot.storage.conversations import Store
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from bot.storage.survey_tables import DigestAttempt, DigestSlot
from bot.survey.context import SurveyContext
from bot.survey.importer import import_survey
from bot.survey.posting import DigestService
from bot.survey.recovery import RECOVERED_NOTE
from tests.dbutil import fresh_url
from tests.support.fake_slack import FakeSlack
from tests.survey.conftest import MONDAY_9, SAMPLE, digest_poster

SLOT = "weekly:2026-W50"
LEASE = timedelta(minutes=10)


class Clock:
    """A controllable clock (aware UTC) shared by the services and the fake Slack."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, delta: timedelta) -> None:
        self.t += delta

    def epoch(self) -> float:
        return self.t.timestamp()


@pytest.fixture()
def clock() -> Clock:
    return Clock(MONDAY_9 + timedelta(minutes=1))


@pytest.fixture()
def fake(clock: Clock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock.epoch) as f:
        yield f


def _client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def _service(ctx: SurveyContext, fake: FakeSlack, clock: Clock | None = None) -> DigestService:
    return DigestService(ctx, digest_poster(fake), Store(ctx.engine), clock=clock)


def _osaka(ctx: SurveyContext) -> None:
    import_survey(ctx.answers, ctx.survey, ctx.places, SAMPLE)
    ctx.channels.set("27", "C0OSAKA")


def _die(*_a: Any, **_k: Any) -> Any:
    raise SystemExit("killed")  # what SIGKILL would do: nothing after this point runs


def _crash(service: DigestService, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Run the due digests on a service killed at ``where``."""
    with monkeypatch.context() as m:
        if where == "after_claim":  # claimed, composing: nothing sent yet
            m.setattr(service, "compose", _die)
        elif where == "before_request":  # lease renewed, the request never left
            m.setattr(service.poster, "post", _die)
        elif where == "after_post":  # the message (and chart) are out, not recorded
            m.setattr(service.slot_store, "finish", _die)
        else:
            raise AssertionError(where)
        with pytest.raises(SystemExit):
            service.run_due(service._clock())


def _slot(service: DigestService) -> tuple[str, int]:
    with service.engine.connect() as conn:
        row = conn.execute(
            select(DigestSlot.status, DigestSlot.attempts).where(DigestSlot.slot == SLOT)
        ).one()
    return str(row[0]), int(row[1])


def _attempts(service: DigestService) -> list[tuple[int, str, str | None, str | None]]:
    with service.engine.connect() as conn:
        rows = conn.execute(
            select(
                DigestAttempt.attempt, DigestAttempt.status, DigestAttempt.ts, DigestAttempt.error
            ).order_by(DigestAttempt.attempt)
        ).all()
    return [(int(a), str(b), c, d) for a, b, c, d in rows]


@pytest.mark.parametrize("where", ["after_claim", "before_request"])
def test_killed_before_the_post_is_posted_once_after_the_lease(
    ctx: SurveyContext,
    clock: Clock,
    fake: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    _osaka(ctx)
    _crash(_service(ctx, fake, clock), monkeypatch, where)
    assert fake.posts("C0OSAKA") == []
    restarted = _service(ctx, fake, clock)
    assert _slot(restarted) == ("posting", 1)
    assert [o.status for o in restarted.run_due()] == ["skipped"]

    clock.advance(LEASE + timedelta(seconds=1))
    [outcome] = restarted.recover()
    assert (outcome.status, outcome.attempt) == ("posted", 2)
    [post] = fake.posts("C0OSAKA")
    assert post.body["metadata"] == {
        "event_type": DIGEST_EVENT,
        "event_payload": {"pref": "27", "slot": SLOT, "attempt": 2},
    }
    [upload] = fake.calls_to("files.completeUploadExternal")
    assert upload.body.get("thread_ts") == post.response["ts"]
    # the history was read from a minute before the claim, with the metadata
    [history] = fake.calls_to("conversations.history")
    claimed = MONDAY_9 + timedelta(minutes=1)
    assert history.body["channel"] == "C0OSAKA"
    assert history.body["include_all_metadata"] in ("1", "true")
    assert float(history.body["oldest"]) == pytest.approx(claimed.timestamp() - 60, abs=1e-3)
    # attempt 1 is closed as taken over; nothing more happens on later runs
    attempts = _attempts(restarted)
    assert [(a, s) for a, s, _, _ in attempts] == [(1, "failed"), (2, "posted")]
    assert "taken over by attempt 2" in str(attempts[0][3])
    clock.advance(LEASE * 2)
    assert restarted.recover() == []
    assert [o.status for o in restarted.run_due()] == ["skipped"]
    assert len(fake.posts("C0OSAKA")) == 1
    assert _slot(restarted) == ("posted", 2)


def test_killed_after_the_post_is_recovered_from_the_message_metadata(
    ctx: SurveyContext, clock: Clock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _osaka(ctx)
    _crash(_service(ctx, fake, clock), monkeypatch, "after_post")
    [post] = fake.posts("C0OSAKA")
    restarted = _service(ctx, fake, clock)
    assert _slot(restarted) == ("posting", 1)

    clock.advance(LEASE + timedelta(seconds=1))
    [outcome] = restarted.recover()
    assert (outcome.status, outcome.ts, outcome.attempt) == ("recovered", post.response["ts"], 1)
    assert len(fake.posts("C0OSAKA")) == 1  # no second chat.postMessage
    assert _slot(restarted) == ("posted", 1)
    [(n, status, ts, note)] = _attempts(restarted)
    assert (n, status, ts, note) == (1, "posted", post.response["ts"], RECOVERED_NOTE)
    # the figures posted were kept before posting: the next digest still compares with them
    snapshot, _at = restarted.previous("27")
    assert snapshot is not None and snapshot["answered"] == 39
    assert restarted.recover() == []
    assert [o.status for o in restarted.run_due()] == ["skipped"]
    assert len(fake.posts("C0OSAKA")) == 1


def test_a_fresh_claim_is_left_to_the_clock_that_may_still_be_posting(
    ctx: SurveyContext, clock: Clock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _osaka(ctx)
    claimed_at = clock()
    _crash(_service(ctx, fake, clock), monkeypatch, "after_claim")
    other = _service(ctx, fake, clock)
    clock.advance(LEASE - timedelta(seconds=1))
    assert other.recover() == []
    assert [o.status for o in other.run_due()] == ["skipped"]
    assert fake.calls_to("conversations.history") == [] and fake.posts() == []
    assert _slot(other) == ("posting", 1)
    assert other.next_stale_at() == claimed_at + LEASE  # when the clock looks again


def _two_services(
    ctx: SurveyContext, url: str, fake: FakeSlack, clock: Clock
) -> list[DigestService]:
    engines = [make_engine(url) for _ in range(2)]
    create_schema(engines[0])
    settings = Settings(database_url=url, chart_dir=ctx.settings.chart_dir, cache_dir=None)
    return [
        _service(
            SurveyContext(
                settings, e, survey=ctx.survey, places=ctx.places, card_titles=ctx.card_titles
            ),
            fake,
            clock,
        )
        for e in engines
    ]


def _together(fns: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = fns[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.parametrize("where", ["after_claim", "after_post"])
def test_two_clocks_recovering_the_same_stale_slot_post_it_once(
    ctx: SurveyContext,
    clock: Clock,
    fake: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    where: str,
) -> None:
    services = _two_services(ctx, fresh_url(tmp_path, "recovery"), fake, clock)
    try:
        _osaka(services[0].ctx)
        _crash(services[0], monkeypatch, where)
        posted_before = len(fake.posts("C0OSAKA"))
        clock.advance(LEASE + timedelta(seconds=1))
        results = _together([lambda s=s: s.recover() for s in services for _ in (0, 1)])
        statuses = sorted(o.status for res in results for o in res)
        assert len(fake.posts("C0OSAKA")) == 1
        if where == "after_claim":
            assert posted_before == 0 and statuses.count("posted") == 1
        else:
            assert posted_before == 1 and statuses.count("recovered") == 1
        assert set(statuses) <= {"posted", "recovered", "skipped"}
        assert _slot(services[1])[0] == "posted"
        # and the clocks' next runs leave it alone
        for s in services:
            assert s.recover() == []
            assert [o.status for o in s.run_due()] == ["skipped"]
        assert len(fake.posts("C0OSAKA")) == 1
    finally:
        for s in services:
            s.engine.dispose()


def test_an_expired_claimer_that_wakes_up_does_not_post_over_the_takeover(
    ctx: SurveyContext, clock: Clock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease is renewed right before posting: a claimer that stalled past it while
    composing finds the slot taken over and posts nothing."""
    _osaka(ctx)
    slow = _service(ctx, fake, clock)
    other = _service(ctx, fake, clock)
    real_compose = slow.compose

    def stalled(*a: Any, **k: Any) -> Any:
        clock.advance(LEASE + timedelta(seconds=1))
        assert [o.status for o in other.recover()] == ["posted"]
        return real_compose(*a, **k)

    monkeypatch.setattr(slow, "compose", stalled)
    [outcome] = slow.run_due(clock())
    assert outcome.status == "skipped" and outcome.attempt == 1
    assert len(fake.posts("C0OSAKA")) == 1
    assert _slot(other) == ("posted", 2)


def test_an_unreadable_history_is_never_a_duplicate_and_is_reconciled_later(
    ctx: SurveyContext, clock: Clock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _osaka(ctx)
    _crash(_service(ctx, fake, clock), monkeypatch, "after_post")
    service = _service(ctx, fake, clock)
    clock.advance(LEASE + timedelta(seconds=1))
    fake.fail("conversations.history", "missing_scope")
    [outcome] = service.recover()
    assert outcome.status == "unverified" and "missing_scope" in outcome.detail
    assert _slot(service) == ("unverified", 1)
    [(_, status, _, note)] = _attempts(service)
    assert status == "unverified" and "missing_scope" in str(note)
    assert "channels:history" in str(note)
    # neither the retry nor a restart posts it again while it is unverified
    assert [o.status for o in service.run_due()] == ["skipped"]
    assert len(fake.posts("C0OSAKA")) == 1
    # once the history can be read (scope granted), the next run settles it
    clock.advance(timedelta(minutes=30))
    [later] = service.recover()
    assert later.status == "recovered"
    assert len(fake.posts("C0OSAKA")) == 1 and _slot(service) == ("posted", 1)


def test_a_stale_slot_whose_window_has_closed_is_not_posted_late(
    ctx: SurveyContext, clock: Clock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _osaka(ctx)
    _crash(_service(ctx, fake, clock), monkeypatch, "after_claim")
    service = _service(ctx, fake, clock)
    clock.advance(timedelta(days=2))  # the weekly slot's 12-hour window is long over
    [outcome] = service.recover()
    assert outcome.status == "failed"
    assert fake.posts() == [] and _slot(service) == ("failed", 1)


def test_every_digest_post_carries_its_metadata(
    ctx: SurveyContext, clock: Clock, fake: FakeSlack
) -> None:
    _osaka(ctx)
    service = _service(ctx, fake, clock)
    [outcome] = service.run_due()
    assert outcome.status == "posted"
    history = _client(fake).conversations_history(
        channel="C0OSAKA", oldest=f"{clock.epoch() - 60:.6f}", include_all_metadata=True
    )
    [message] = history["messages"]
    assert message["ts"] == outcome.ts
    assert message["metadata"] == {
        "event_type": DIGEST_EVENT,
        "event_payload": {"pref": "27", "slot": SLOT, "attempt": 1},
    }
    # without include_all_metadata Slack leaves it out; oldest is exclusive
    plain = _client(fake).conversations_history(channel="C0OSAKA", oldest="0")
    assert "metadata" not in plain["messages"][0]
    later = _client(fake).conversations_history(channel="C0OSAKA", oldest=str(outcome.ts))
    assert later["messages"] == []


def test_the_lease_setting_allows_fractions_and_refuses_nonsense() -> None:
    assert Settings().digest_lease_minutes == 10
    env = {"HINTBOT_DIGEST_LEASE_MINUTES": "0.05"}
    assert Settings.from_env(env).digest_lease_minutes == pytest.approx(0.05)
    for bad in ("0", "-1", "abc", "nan", "inf"):
        with pytest.raises(UserError, match="HINTBOT_DIGEST_LEASE_MINUTES"):
            Settings.from_env({"HINTBOT_DIGEST_LEASE_MINUTES": bad})


def test_the_clock_schedules_a_one_off_recovery_when_a_lease_runs_out() -> None:
    from bot.survey.clock import RECOVER_JOB, build_scheduler, schedule_recovery
    from tests.dbutil import fresh_engine

    engine = fresh_engine()
    settings = Settings()
    sched = build_scheduler(engine, settings, blocking=False)
    sched.start(paused=True)
    try:
        at = datetime.now(UTC) + timedelta(minutes=5)
        job_id = schedule_recovery(sched, at, settings)
        job = sched.get_job(job_id)
        assert job_id.startswith(RECOVER_JOB) and job is not None
        assert job.args == (["weekly", "meeting"],)
        assert abs((job.next_run_time - at).total_seconds() - 1) < 1.5
        # a lease already run out is looked at shortly, not in a tight loop
        soon = sched.get_job(schedule_recovery(sched, at - timedelta(hours=1), settings))
        assert soon is not None
        assert soon.next_run_time > datetime.now(UTC) + timedelta(seconds=1)
    finally:
        sched.shutdown(wait=False)
        engine.dispose()


def test_the_clock_jobs_recover_first_then_follow_up_on_fresh_claims(
    ctx: SurveyContext, clock: Clock, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.survey.clock import RECOVER_JOB, ClockJobs, build_scheduler

    _osaka(ctx)
    ctx.channels.set("28", "C0HYOGO")
    crashed = _service(ctx, fake, clock)
    real_compose = crashed.compose
    monkeypatch.setattr(  # killed while composing Hyogo, after Osaka was posted
        crashed,
        "compose",
        lambda pref, *a, **k: _die() if pref == "28" else real_compose(pref, *a, **k),
    )
    with pytest.raises(SystemExit):
        crashed.run_due(clock())
    assert len(fake.posts("C0OSAKA")) == 1 and fake.posts("C0HYOGO") == []

    settings = Settings()
    store = Store(ctx.engine, ttl=timedelta(minutes=settings.conversation_ttl_minutes))
    jobs = ClockJobs(_service(ctx, fake, clock), store, settings)
    jobs.sched = build_scheduler(ctx.engine, settings, blocking=False)
    jobs.sched.start(paused=True)
    try:
        jobs.digests(["weekly", "meeting"])  # the restart: Hyogo's claim is still fresh
        assert fake.posts("C0HYOGO") == []
        [follow_up] = [j for j in jobs.sched.get_jobs() if j.id.startswith(RECOVER_JOB)]
        assert follow_up.args == (["weekly", "meeting"],)
        clock.advance(LEASE + timedelta(seconds=1))
        jobs.digests(["weekly", "meeting"])  # what the follow-up (or the retry) runs
        assert len(fake.posts("C0HYOGO")) == 1 and len(fake.posts("C0OSAKA")) == 1
    finally:
        jobs.sched.shutdown(wait=False)


def test_the_daily_purge_drops_idle_conversations(
    ctx: SurveyContext, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage.conversations import ConversationRow, utcnow
    from bot.survey import clock as clock_module
    from bot.survey.clock import ClockJobs, job_purge_conversations, set_runner

    monkeypatch.setattr(clock_module, "_RUNNER", {})
    store = Store(ctx.engine, ttl=timedelta(minutes=30))
    store.save("idle", "U1", {"step": 1}, now=utcnow() - timedelta(hours=2))
    store.save("active", "U2", {"step": 1}, now=utcnow())
    jobs = ClockJobs(_service(ctx, fake), store, Settings())
    set_runner(jobs.digests, jobs.purge, jobs.purge_conversations)
    job_purge_conversations()
    with ctx.engine.connect() as conn:
        assert list(conn.execute(select(ConversationRow.key)).scalars()) == ["active"]
