"""Small pieces of the Slack adapter: text cleaning, keys, filters, settings checks."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.slack.advisor import clean_text, conversation_key, is_from_person, mentions
from bot.slack.client import SlackConfigError, api_url, make_web_client, require


def test_clean_text_turns_slack_markup_into_what_was_written() -> None:
    raw = "<@U0BOT>  協議体が&lt;お客様&gt;状態 &amp; <https://example.jp|資料> <#C123|general> <!here>"
    assert clean_text(raw) == "協議体が<お客様>状態 & 資料 #general"
    assert clean_text(None) == "" and clean_text("<@U0BOT>") == ""


def test_conversation_key_separates_people_and_threads() -> None:
    assert conversation_key("T", "C", None, "U") == "slack:T:C:-:U"
    assert conversation_key("T", "C", "1.2", "U") != conversation_key("T", "C", "1.2", "V")


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"user": "U1", "text": "x"}, True),
        ({"user": "U1", "subtype": "file_share"}, True),
        ({"user": "U1", "subtype": "thread_broadcast"}, True),
        ({"user": "U1", "bot_id": "B1"}, False),
        ({"subtype": "bot_message", "bot_id": "B2"}, False),
        ({"user": "U1", "subtype": "message_changed"}, False),
        ({"subtype": "message_deleted"}, False),
        ({"user": "U0BOT"}, False),
        ({"text": "no user"}, False),
    ],
)
def test_only_people_are_answered(event: dict, expected: bool) -> None:
    assert is_from_person(event, "U0BOT") is expected


def test_mentions() -> None:
    assert mentions("<@U0BOT> hi", "U0BOT") and not mentions("hi", "U0BOT")
    assert not mentions("<@U0BOT>", None)


def test_require_names_each_missing_variable_in_japanese() -> None:
    with pytest.raises(SlackConfigError) as err:
        require(Settings(), "slack_app_token", "slack_bot_token")
    msg = str(err.value)
    assert "SLACK_APP_TOKEN" in msg and "SLACK_BOT_TOKEN" in msg and "環境変数" in msg
    require(Settings(slack_bot_token="xoxb-1"), "slack_bot_token")  # no error


def test_api_url_always_ends_with_a_slash_and_rate_limits_are_retried() -> None:
    assert api_url(Settings()) == "https://slack.com/api/"
    assert api_url(Settings(slack_api_url="http://127.0.0.1:9/api")) == "http://127.0.0.1:9/api/"
    client = make_web_client(Settings(slack_bot_token="xoxb-1", slack_api_url="http://x/api"))
    assert client.base_url == "http://x/api/"
    names = [type(h).__name__ for h in client.retry_handlers]
    # ours only: the SDK's connection retry would repeat a message post that may be out
    assert names == ["RateLimitRetry", "ServerErrorRetry", "ConnectionRetry"]
