"""Socket Mode end to end: Bolt's real SocketModeHandler (slack_sdk's builtin client) connects
through apps.connections.open to the local WebSocket server and answers pushed envelopes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.advisor import Place, SlackAdvisor, Sweeper, consult_work
from bot.slack.app import create_app
from bot.storage.conversations import utcnow
from bot.storage.outbox import OutboxStore
from tests.support import payloads as P
from tests.support.fake_slack import FakeSlack
from tests.support.harness import LogWatcher, all_text, buttons_of, wait_outbox_settled


@pytest.fixture()
def socket_app(
    fake: FakeSlack, settings: Settings, runtime: Runtime
) -> Iterator[SocketModeHandler]:
    socket_settings = Settings(
        database_url=settings.database_url,
        slack_bot_token=settings.slack_bot_token,
        slack_app_token="xapp-test-not-real",
        slack_api_url=fake.api_url,
    )
    client = WebClient(token=socket_settings.slack_bot_token, base_url=fake.api_url)
    app = create_app(socket_settings, client, runtime=runtime, socket_mode=True)
    handler = SocketModeHandler(app, app_token=socket_settings.slack_app_token)
    handler.connect()
    fake.wait_socket_client()
    yield handler
    handler.close()


def test_socket_mode_event_is_acknowledged_and_answered(
    fake: FakeSlack, socket_app: SocketModeHandler
) -> None:
    opened = fake.calls_to("apps.connections.open")
    assert opened and opened[0].headers.get("Authorization") == "Bearer xapp-test-not-real"

    payload = P.event_callback(P.dm_message("協議体がお客様状態で困っている"))
    envelope = fake.push_envelope(payload)
    ack = fake.wait_socket_ack(envelope)
    assert ack["envelope_id"] == envelope
    [post] = fake.wait_for_calls("chat.postMessage")
    assert post.body["channel"] == "DU0USER1"
    assert "ヒント02" in all_text(post)

    # a redelivery of the same event (retry_attempt 1) is acknowledged but not answered again
    with LogWatcher() as logs:
        again = fake.push_envelope(payload, retry_attempt=1)
        fake.wait_socket_ack(again)
        logs.wait_for(f"duplicate delivery ignored: event:{payload['event_id']}")
    assert len(fake.posts("DU0USER1")) == 1

    # an interactive envelope: a button click continues the conversation
    message = P.posted_message(post.body, post.response["ts"])
    click = P.block_actions("situation:02-1", message=message, channel="DU0USER1")
    envelope = fake.push_envelope(click, type="interactive")
    fake.wait_socket_ack(envelope)
    posts = fake.wait_for_calls("chat.postMessage", 2)
    assert "対策" in all_text(posts[1])
    assert "feedback:up" in [b["value"] for b in buttons_of(posts[1])]
    fake.wait_for_calls("chat.update")


def test_socket_mode_slash_command_acknowledges_with_text(
    fake: FakeSlack, socket_app: SocketModeHandler
) -> None:
    envelope = fake.push_envelope(P.slash_command("", channel="C0PREF"), type="slash_commands")
    ack = fake.wait_socket_ack(envelope)
    assert "ダイレクトメッセージ" in str(ack.get("payload"))
    [post] = fake.wait_for_calls("chat.postMessage")
    assert post.body["channel"] == "DU0USER1"


def test_socket_mode_redelivery_resumes_unfinished_work(
    fake: FakeSlack, socket_app: SocketModeHandler, runtime: Runtime
) -> None:
    """A worker recorded the event and died before answering: Slack's redelivery over the
    socket resumes it, and the answer is posted once."""
    payload = P.event_callback(P.dm_message("協議体がお客様状態で困っている"))
    key = f"event:{payload['event_id']}"
    outbox = OutboxStore(runtime.db, runtime.store, lease=timedelta(seconds=30))
    place = Place("T0TEST", "DU0USER1", None, "U0USER1", "dm")
    work = consult_work(key, place, text="協議体がお客様状態で困っている")
    assert outbox.accept(work, "dead-worker", utcnow() - timedelta(seconds=15)) == "new"
    with LogWatcher() as logs:
        fake.wait_socket_ack(fake.push_envelope(payload, retry_attempt=1))
        logs.wait_for(f"unfinished delivery resumed: {key}")
    fake.wait_posts("DU0USER1", 1)
    assert wait_outbox_settled(outbox) == {"done": 1}
    fake.wait_socket_ack(fake.push_envelope(payload, retry_attempt=2))
    assert len(fake.posts("DU0USER1")) == 1


def test_socket_mode_failed_post_is_retried_by_the_sweeper(
    fake: FakeSlack, socket_app: SocketModeHandler, runtime: Runtime
) -> None:
    fake.inject("chat.postMessage", channel="DU0USER1", status=503, times=2)
    fast = replace(runtime, settings=replace(runtime.settings, reply_retry_max_seconds=0.2))
    sweeper = Sweeper(SlackAdvisor(fast), WebClient(base_url=fake.api_url), interval=0.05).start()
    try:
        payload = P.event_callback(P.dm_message("協議体がお客様状態で困っている"))
        fake.wait_socket_ack(fake.push_envelope(payload))
        fake.wait_posts("DU0USER1", 1, timeout=30)
        outbox = OutboxStore(runtime.db, runtime.store, lease=timedelta(seconds=30))
        assert wait_outbox_settled(outbox) == {"done": 1}
    finally:
        sweeper.stop()
    assert len(fake.posts("DU0USER1")) == 1 and len(fake.faults_served) == 2
