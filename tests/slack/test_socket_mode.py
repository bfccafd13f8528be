"""Socket Mode end to end: Bolt's real SocketModeHandler (slack_sdk's builtin client) connects
through apps.connections.open to the local WebSocket server and answers pushed envelopes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.app import create_app
from tests.support import payloads as P
from tests.support.fake_slack import FakeSlack
from tests.support.harness import LogWatcher, all_text, buttons_of


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
