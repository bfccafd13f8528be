"""The durable reply path (issue 12): every acknowledged event is answered exactly once,
whatever the Web API, the database or the worker does in between.

Faults are injected into the local Slack (``FakeSlack.inject``); the sweeper runs as in a
serving process, on short timings. Waits are bounded polls, never assertions on time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.advisor import CHANNEL_POST_FAILED, DM_FAILED, Place, consult_work
from bot.storage.conversations import utcnow
from bot.storage.outbox import OutboxStore
from tests.support import payloads as P
from tests.support.fake_slack import FakeSlack
from tests.support.harness import LogWatcher, SlackHarness, all_text, serve_harness

WORRY = "協議体がお客様状態で困っている"
DM = "DU0USER1"


@pytest.fixture()
def settings(settings: Settings) -> Settings:
    """Short timings: sweeps every 50 ms, retries within 0.2 s, leases of 3 s."""
    return replace(
        settings,
        reply_sweep_seconds=0.05,
        reply_retry_max_seconds=0.2,
        reply_lease_seconds=3.0,
    )


@pytest.fixture()
def durable(fake: FakeSlack, settings: Settings, runtime: Runtime) -> Iterator[SlackHarness]:
    with serve_harness(fake, settings, runtime) as h:
        yield h


def outbox_of(h: SlackHarness) -> OutboxStore:
    return OutboxStore(h.runtime.db, h.runtime.store, lease=timedelta(seconds=3))


FAULTS = {
    "500": {"status": 500},
    "503 twice": {"status": 503, "times": 2},
    "429 Retry-After 1": {"status": 429, "retry_after": "1"},
    "429 without Retry-After": {"status": 429, "retry_after": None},
    "429 unreadable Retry-After": {"status": 429, "retry_after": "soon"},
    "4 consecutive 429s": {"status": 429, "retry_after": "0", "times": 4},
    "2 dropped connections": {"drop": True, "times": 2},
    "ok:false fatal_error": {"status": 200, "error": "fatal_error"},
    "500 after posting": {"status": 500, "effect": True},
    "dropped after posting": {"drop": True, "effect": True},
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_a_failed_post_is_retried_until_answered_exactly_once(
    durable: SlackHarness, fault: str
) -> None:
    durable.fake.inject("chat.postMessage", channel=DM, **FAULTS[fault])
    assert durable.dm(WORRY).status == 200
    [post] = durable.fake.wait_posts(DM, 1, timeout=30)
    assert "ヒント02" in all_text(post)
    assert durable.wait_settled() == {"done": 1}
    assert len(durable.fake.posts(DM)) == 1  # exactly once, also when the first one got out
    assert durable.fake.faults_served  # the fault did happen
    assert len(durable.runtime.store.consultations()) == 1  # the engine ran once


def test_a_permanent_error_is_not_retried_and_the_person_is_told(
    durable: SlackHarness,
) -> None:
    durable.fake.inject(
        "chat.postMessage", channel="C0GONE", status=200, error="not_in_channel", times=5
    )
    with LogWatcher() as logs:
        durable.event(P.app_mention(WORRY, channel="C0GONE"))
        [dm] = durable.fake.wait_posts(DM, 1)
        logs.wait_for("reply given up: key=event:")
    assert dm.body["text"] == CHANNEL_POST_FAILED.format(channel="C0GONE", error="not_in_channel")
    assert durable.wait_settled() == {"failed": 1}
    # one attempt only: not_in_channel cannot be cured by trying again
    assert len([c for c in durable.fake.faults_served if c.body["channel"] == "C0GONE"]) == 1


def test_a_dm_that_cannot_be_opened_is_explained_through_the_response_url(
    durable: SlackHarness,
) -> None:
    durable.fake.inject("conversations.open", status=200, error="cannot_dm_bot", times=5)
    url = f"{durable.fake.base_url}/response/hint"
    assert durable.sender.command(P.slash_command(WORRY, response_url=url)).status == 200
    [told] = durable.fake.wait_for_calls("response_url")
    assert "cannot_dm_bot" in told.body["text"]
    assert told.body["text"] == DM_FAILED.format(error="cannot_dm_bot")
    assert durable.wait_settled() == {"failed": 1}
    assert durable.fake.posts() == []


def test_an_answer_is_given_up_after_the_bounded_time_and_the_person_is_told(
    fake: FakeSlack, settings: Settings, runtime: Runtime
) -> None:
    short = replace(settings, reply_give_up_minutes=0.02)  # 1.2 seconds
    runtime = replace(runtime, settings=short)
    fake.inject("chat.postMessage", channel="C0DOWN", status=500, times=10_000)
    with serve_harness(fake, short, runtime) as h, LogWatcher() as logs:
        h.event(P.app_mention(WORRY, channel="C0DOWN"))
        logs.wait_for("reply given up: key=event:", timeout=30)
        [dm] = fake.wait_posts(DM, 1)
        assert dm.body["text"] == CHANNEL_POST_FAILED.format(channel="C0DOWN", error="http_500")
        assert h.wait_settled() == {"failed": 1}
        assert fake.posts("C0DOWN") == []


def test_a_crash_between_posting_and_recording_is_settled_from_the_message_metadata(
    durable: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = OutboxStore.record_posted
    lost = threading.Event()

    def record_posted(self: OutboxStore, key: str, ts: str, **kw: Any) -> None:
        if not lost.is_set():  # the worker "dies" right after Slack took the message
            lost.set()
            raise OperationalError("UPDATE", {}, Exception("connection lost"))
        real(self, key, ts, **kw)

    monkeypatch.setattr(OutboxStore, "record_posted", record_posted)
    durable.dm(WORRY)
    durable.fake.wait_posts(DM, 1)
    # the row stays open until its lease runs out; then the sweeper reads the DM history,
    # finds the message by its metadata and records it instead of posting again
    assert durable.wait_settled(timeout=30) == {"done": 1}
    assert lost.is_set()
    assert len(durable.fake.posts(DM)) == 1
    [history] = durable.fake.calls_to("conversations.history")[-1:]
    assert history.body["channel"] == DM and history.body["include_all_metadata"] in ("1", "true")
    [post] = durable.fake.posts(DM)
    meta = post.json_field("metadata")
    assert meta["event_type"] == "hintbot_reply" and meta["event_payload"]["key"].startswith(
        "event:"
    )


def test_a_redelivery_of_claimed_unfinished_work_resumes_it(durable: SlackHarness) -> None:
    payload = P.event_callback(P.dm_message(WORRY))
    key = f"event:{payload['event_id']}"
    # a worker recorded the event a while ago, acknowledged nothing, and died
    outbox = outbox_of(durable)
    place = Place("T0TEST", DM, None, "U0USER1", "dm")
    work = consult_work(key, place, text=WORRY)
    assert outbox.accept(work, "dead-worker", utcnow() - timedelta(seconds=15)) == "new"
    with LogWatcher() as logs:
        assert durable.sender.event(payload, retry_num=1).status == 200
        logs.wait_for(f"unfinished delivery resumed: {key}")
    durable.fake.wait_posts(DM, 1)
    assert durable.wait_settled() == {"done": 1}
    with LogWatcher() as logs:
        assert durable.sender.event(payload, retry_num=2).status == 200
        logs.wait_for(f"duplicate delivery ignored: {key}")
    assert len(durable.fake.posts(DM)) == 1


def test_a_turn_whose_database_fails_is_rolled_back_and_run_once_more(
    durable: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.storage.conversations as conv

    real = conv.add_consultation
    failed = threading.Event()

    def add_consultation(s: Any, **kw: Any) -> int:
        if not failed.is_set():
            failed.set()
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return real(s, **kw)

    monkeypatch.setattr(conv, "add_consultation", add_consultation)
    durable.dm(WORRY)
    [post] = durable.fake.wait_posts(DM, 1, timeout=30)
    assert durable.wait_settled() == {"done": 1}
    assert failed.is_set()
    assert "処理中に問題" not in all_text(post)  # not the engine's apology: the real answer
    assert len(durable.fake.posts(DM)) == 1
    [row] = durable.runtime.store.consultations()  # one turn kept, the failed one rolled back
    assert row.card == "02"


def test_intake_without_a_database_is_503_and_slack_sends_it_again(
    durable: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = OutboxStore.accept
    down = threading.Event()
    down.set()

    def accept(self: OutboxStore, *a: Any, **kw: Any) -> Any:
        if down.is_set():
            raise OperationalError("INSERT", {}, Exception("could not connect"))
        return real(self, *a, **kw)

    monkeypatch.setattr(OutboxStore, "accept", accept)
    payload = P.event_callback(P.dm_message(WORRY))
    resp = durable.sender.event(payload)
    assert resp.status == 503  # not 500, not 200: the event is not lost
    down.clear()
    assert durable.sender.event(payload, retry_num=1).status == 200
    durable.fake.wait_posts(DM, 1)
    assert durable.wait_settled() == {"done": 1}
    assert len(durable.fake.posts(DM)) == 1


def test_a_double_click_on_an_app_home_card_sends_one_dm(durable: SlackHarness) -> None:
    clicks = [P.home_block_actions("card:02") for _ in range(2)]
    statuses: list[int] = []
    go = threading.Barrier(2)

    def click(payload: dict[str, Any]) -> None:
        go.wait()
        statuses.append(durable.sender.interaction(payload).status)

    threads = [threading.Thread(target=click, args=(c,)) for c in clicks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]
    [post] = durable.fake.wait_posts(DM, 1)
    assert "ヒント02" in all_text(post)
    assert durable.wait_settled() == {"done": 1}
    assert len(durable.fake.posts(DM)) == 1
    # another card is another request
    durable.sender.interaction(P.home_block_actions("card:05"))
    durable.fake.wait_posts(DM, 2)
    assert durable.wait_settled() == {"done": 2}


def test_every_surface_goes_through_the_outbox(durable: SlackHarness) -> None:
    """DM, mention, thread reply, /hint, a button, an App Home button and the shortcut: each
    answer carries its outbox key in the message metadata."""
    url = f"{durable.fake.base_url}/response/x"
    durable.dm(WORRY)
    [dm] = durable.fake.wait_posts(DM, 1)
    root = P.new_ts()
    durable.event(P.app_mention(WORRY, channel="C0PREF", ts=root))
    durable.fake.wait_posts("C0PREF", 1)
    durable.event(P.channel_message("1", channel="C0PREF", thread_ts=root))
    durable.fake.wait_posts("C0PREF", 2)
    durable.sender.command(P.slash_command("", response_url=url))
    durable.click(dm, "situation:02-1")
    durable.sender.interaction(P.home_block_actions("card:03"))
    durable.sender.interaction(P.message_shortcut(WORRY, response_url=url))
    durable.fake.wait_posts(DM, 5)
    assert durable.wait_settled() == {"done": 7}
    keys = [
        p.json_field("metadata")["event_payload"]["key"]
        for p in durable.fake.posts()
        if p.body.get("metadata")
    ]
    kinds = sorted(
        {k.split(":", 1)[0] + (":home" if k.startswith("action:home") else "") for k in keys}
    )
    assert kinds == ["action", "action:home", "command", "event", "shortcut"]
    assert len(keys) == len(set(keys)) == 7
