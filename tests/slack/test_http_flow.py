"""End to end over HTTP: signed requests from a stand-in Slack to the real Bolt app, replies
checked where Slack would receive them (the fake Web API)."""

from __future__ import annotations

import http.client
import json
import logging
from datetime import timedelta

import pytest

from tests.support import payloads as P
from tests.support.fake_slack import sign
from tests.support.harness import LogWatcher, SlackHarness, all_text, buttons_of

WORRY = "協議体がお客様状態で困っている"


def test_dm_worry_names_the_card_and_a_click_gives_countermeasures(slack: SlackHarness) -> None:
    resp = slack.dm(WORRY)
    assert resp.status == 200
    [post] = slack.wait_posts(1)
    assert post.body["channel"] == "DU0USER1"
    assert "thread_ts" not in post.body  # a DM answers in the DM itself
    text = all_text(post)
    assert "ヒント02" in text and "協議体の活用" in text
    assert "こんな状況に陥っていませんか" in text
    values = [b["value"] for b in buttons_of(post)]
    assert "situation:02-1" in values and "menu" in values

    assert slack.click(post, "situation:02-1").status == 200
    posts = slack.wait_posts(2)
    answer = posts[1]
    assert answer.body["channel"] == "DU0USER1"
    text = all_text(answer)
    assert "対策" in text and "出典" in text
    # the clicked message lost its buttons and says what was chosen
    [update] = slack.fake.wait_for_calls("chat.update")
    assert update.body["ts"] == post.response["ts"]
    new_blocks = update.json_field("blocks")
    assert not [b for b in new_blocks if b["type"] == "actions"]
    assert not [b for b in new_blocks if "accessory" in b]
    assert "選択: 1." in json.dumps(new_blocks, ensure_ascii=False)


def test_retried_event_is_answered_once(slack: SlackHarness) -> None:
    payload = P.event_callback(P.dm_message(WORRY))
    assert slack.sender.event(payload).status == 200
    slack.wait_posts(1)
    # Slack redelivers the same event_id with X-Slack-Retry-Num
    with LogWatcher() as logs:
        assert slack.sender.event(payload, retry_num=1).status == 200
        assert slack.sender.event(payload, retry_num=2).status == 200
        logs.wait_for(f"duplicate delivery ignored: event:{payload['event_id']}", count=2)
    assert len(slack.fake.posts("DU0USER1")) == 1


def test_double_click_on_one_message_answers_once(slack: SlackHarness) -> None:
    slack.dm(WORRY)
    [post] = slack.wait_posts(1)
    with LogWatcher() as logs:
        assert slack.click(post, "situation:02-1").status == 200
        assert slack.click(post, "situation:02-2").status == 200
        logs.wait_for(f"duplicate delivery ignored: action:DU0USER1:{post.response['ts']}")
    slack.wait_posts(2)
    assert len(slack.fake.posts("DU0USER1")) == 2
    assert len(slack.fake.calls_to("chat.update")) == 1


def test_forged_or_stale_signatures_are_rejected(slack: SlackHarness) -> None:
    payload = P.event_callback(P.dm_message(WORRY))
    body = json.dumps(payload)
    forged = slack.sender.post(body, "application/json", secret="not-the-secret")
    assert forged.status == 401
    old = sign(slack.fake.signing_secret, body, timestamp=1_000_000_000)
    stale = slack.sender.post(body, "application/json", headers=old)
    assert stale.status == 401
    unsigned = slack.sender.post(
        body, "application/json", headers={"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}
    )
    assert unsigned.status == 401
    conn = http.client.HTTPConnection(slack.sender.host, slack.sender.port, timeout=5)
    conn.request(
        "POST", "/slack/events", body=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert conn.getresponse().status == 401  # no signature headers at all
    conn.close()
    # nothing reached the engine or Slack
    assert slack.fake.posts() == []
    assert slack.runtime.store.consultations() == []


def test_app_mention_answers_in_a_thread_and_the_thread_continues(slack: SlackHarness) -> None:
    root = P.new_ts()
    slack.event(P.app_mention(WORRY, channel="C0PREF", ts=root))
    [post] = slack.wait_posts(1)
    assert post.body["channel"] == "C0PREF"
    assert post.body["thread_ts"] == root
    assert "ヒント02" in all_text(post)
    # a reply in the thread without a mention continues the conversation
    slack.event(P.channel_message("1", channel="C0PREF", thread_ts=root))
    posts = slack.wait_posts(2)
    assert posts[1].body["thread_ts"] == root
    assert "対策" in all_text(posts[1])
    # a click in the thread stays in the thread
    slack.click(posts[1], "feedback:up")
    posts = slack.wait_posts(3)
    assert posts[2].body["thread_ts"] == root
    assert posts[2].body["text"].startswith("お役に立てて")


def test_channel_chatter_and_strangers_threads_are_ignored(slack: SlackHarness) -> None:
    root = P.new_ts()
    slack.event(P.app_mention(WORRY, channel="C0PREF", ts=root))
    slack.wait_posts(1)
    # top-level channel message without mention, someone else's reply in the thread,
    # and a reply in a thread the bot never joined
    slack.event(P.channel_message(WORRY, channel="C0PREF"))
    slack.event(P.channel_message("1", channel="C0PREF", thread_ts=root, user="U0OTHER"))
    slack.event(P.channel_message(WORRY, channel="C0PREF", thread_ts=P.new_ts()))
    slack.dm("ヘルプ", user="U0LATER")
    slack.wait_posts(1, channel="DU0LATER")
    assert len(slack.fake.posts("C0PREF")) == 1


def test_mention_inside_a_thread_is_answered_once(slack: SlackHarness) -> None:
    root = P.new_ts()
    slack.event(P.app_mention(WORRY, channel="C0PREF", ts=root))
    slack.wait_posts(1)
    # the same message arrives as app_mention and as message.channels: one answer only
    ts = P.new_ts()
    slack.event(P.app_mention("2", channel="C0PREF", thread_ts=root, ts=ts))
    slack.event(P.channel_message("<@U0BOT> 2", channel="C0PREF", thread_ts=root, ts=ts))
    slack.wait_posts(2)
    slack.dm("ヘルプ", user="U0LATER")
    slack.wait_posts(1, channel="DU0LATER")
    assert len(slack.fake.posts("C0PREF")) == 2


def test_two_people_in_one_channel_do_not_share_state(slack: SlackHarness) -> None:
    root = P.new_ts()
    slack.event(P.app_mention(WORRY, channel="C0PREF", ts=root, user="U0ALICE"))
    slack.wait_posts(1)
    slack.event(P.app_mention("移動支援の担い手がいない", channel="C0PREF", ts=root, user="U0BOB"))
    posts = slack.wait_posts(2)
    assert "ヒント05" in all_text(posts[1])
    # Alice answers 「1」: situation 1 of *her* card (02), not Bob's (05)
    slack.event(P.channel_message("1", channel="C0PREF", thread_ts=root, user="U0ALICE"))
    posts = slack.wait_posts(3)
    assert "ヒント02" in all_text(posts[2])
    keys = {r.conversation_key for r in slack.runtime.store.consultations()}
    assert keys == {
        f"slack:T0TEST:C0PREF:{root}:U0ALICE",
        f"slack:T0TEST:C0PREF:{root}:U0BOB",
    }
    # Bob clicks a situation button on Alice's answer: his own conversation, not hers
    slack.click(posts[0], "situation:02-2", user="U0BOB")
    posts = slack.wait_posts(4)
    assert "困りごとの事例" in all_text(posts[3])
    users = {r.user_id for r in slack.runtime.store.consultations() if r.situation == 2}
    assert users == {"U0BOB"}


def test_slash_command_with_text_consults_and_without_shows_the_menu(
    slack: SlackHarness,
) -> None:
    resp = slack.sender.command(P.slash_command(WORRY, channel="C0PREF"))
    assert resp.status == 200
    assert "ダイレクトメッセージ" in resp.body  # the ephemeral acknowledgement
    [post] = slack.wait_posts(1)
    assert post.body["channel"] == "DU0USER1"
    assert "ヒント02" in all_text(post)

    resp = slack.sender.command(P.slash_command("", channel="DU0USER1"))
    assert resp.status == 200
    posts = slack.wait_posts(2)
    values = [b["value"] for b in buttons_of(posts[1])]
    assert sorted(v for v in values if v.startswith("card:")) == [
        f"card:{i:02d}" for i in range(1, 11)
    ]
    # the menu groups the cards under the four categories
    text = all_text(posts[1])
    for cat in ("住民主体活動の促進", "地域ニーズへの対応", "暮らしを支える体制づくり"):
        assert cat in text


def test_app_home_lists_cards_by_category_and_recent_consultations(
    slack: SlackHarness,
) -> None:
    slack.dm(WORRY)
    slack.wait_posts(1)
    slack.event(P.app_home_opened(user="U0USER1"))
    [pub] = slack.fake.wait_for_calls("views.publish")
    assert pub.body["user_id"] == "U0USER1"
    view = pub.json_field("view")
    assert view["type"] == "home"
    dumped = json.dumps(view, ensure_ascii=False)
    for cat in (
        "住民主体活動の促進",
        "地域ニーズへの対応",
        "暮らしを支える体制づくり",
        "地域づくりの成果を把握する",
    ):
        assert cat in dumped
    values = [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("type") == "button"
    ]
    assert values == [f"card:{i:02d}" for i in range(1, 11)]
    assert "最近のご相談" in dumped and "ヒント02「協議体の活用」" in dumped
    # the Messages tab also sends app_home_opened: no publish for it
    slack.event(P.app_home_opened(user="U0USER1", tab="messages"))
    # a card button in Home answers in the DM
    slack.sender.interaction(P.home_block_actions("card:05", user="U0USER1"))
    posts = slack.wait_posts(2)
    assert posts[1].body["channel"] == "DU0USER1"
    assert "ヒント05" in all_text(posts[1])
    assert len(slack.fake.calls_to("views.publish")) == 1


def test_message_shortcut_consults_about_that_message_in_a_dm(slack: SlackHarness) -> None:
    payload = P.message_shortcut("移動支援の担い手がいなくて困っています", user="U0USER2")
    assert slack.sender.interaction(payload).status == 200
    [post] = slack.wait_posts(1)
    assert post.body["channel"] == "DU0USER2"
    assert "ヒント05" in all_text(post)


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B0BOT"},  # ourselves
        {"bot_id": "B0OTHER", "subtype": "bot_message"},  # another bot
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join"},
    ],
)
def test_bots_edits_and_deletions_are_ignored(slack: SlackHarness, extra: dict) -> None:
    slack.dm(WORRY, **extra)
    slack.dm("ヘルプ", user="U0LATER")
    slack.wait_posts(1, channel="DU0LATER")
    assert slack.fake.posts("DU0USER1") == []


def test_own_message_by_user_id_is_ignored(slack: SlackHarness) -> None:
    slack.dm(WORRY, user="U0BOT", channel="DU0USER1")
    slack.dm("ヘルプ", user="U0LATER")
    slack.wait_posts(1, channel="DU0LATER")
    assert slack.fake.posts("DU0USER1") == []


def test_click_on_an_expired_conversation_gets_a_polite_restart(slack: SlackHarness) -> None:
    slack.dm(WORRY)
    [post] = slack.wait_posts(1)
    slack.runtime.store.ttl = timedelta(0)  # everything said so far has now expired
    slack.click(post, "feedback:up")
    posts = slack.wait_posts(2)
    text = all_text(posts[1])
    assert "終了しました" in text or "見つかりませんでした" in text
    assert any(b["value"].startswith("card:") for b in buttons_of(posts[1]))


def test_channel_post_failure_is_explained_to_the_person_by_dm(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    slack.fake.fail(
        "chat.postMessage", "not_in_channel", match=lambda b: b.get("channel") == "C0SECRET"
    )
    slack.event(P.app_mention(WORRY, channel="C0SECRET"))
    [dm] = slack.wait_posts(1, channel="DU0USER1")
    assert "not_in_channel" in dm.body["text"] and "C0SECRET" in dm.body["text"]
    assert "投稿できませんでした" in dm.body["text"]
    assert any("not_in_channel" in r.getMessage() for r in caplog.records)


def test_rate_limited_post_is_retried_not_lost(slack: SlackHarness) -> None:
    slack.fake.rate_limit("chat.postMessage", times=1)
    slack.dm(WORRY)
    [post] = slack.wait_posts(1)
    assert post.body["channel"] == "DU0USER1"


def test_logs_carry_ids_not_text_or_tokens(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    slack.dm(WORRY)
    slack.wait_posts(1)
    slack.dm("ヘルプ", user="U0LATER")
    slack.wait_posts(1, channel="DU0LATER")
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any("U0USER1" in m for m in info)
    joined = "\n".join(info)
    assert "お客様状態" not in joined
    assert "xoxb-" not in joined


def test_token_redaction_filter() -> None:
    from bot.slack.logs import RedactTokens

    rec = logging.LogRecord("x", logging.INFO, "", 0, "token %s", ("xoxb-123-abc",), None)
    RedactTokens().filter(rec)
    assert "xoxb-123" not in rec.getMessage() and "[redacted]" in rec.getMessage()


def test_health_check_and_unknown_paths(slack: SlackHarness) -> None:
    assert slack.sender.get("/healthz").status == 200
    assert slack.sender.get("/nowhere").status == 404
