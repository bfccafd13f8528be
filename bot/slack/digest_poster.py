"""The survey's digest poster on Slack's Web API (``bot.survey.ports.DigestPoster``).

Each digest message carries Slack message metadata naming its prefecture, slot and attempt
(event type ``hintbot_digest``): how a restarted clock recognises its own post in the channel
history (``conversations.history`` with ``include_all_metadata``). The chart goes into the
message's thread. Web API failures become the survey's ``PostFailed`` / ``HistoryUnreadable``
carrying Slack's error code.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.settings import Settings
from bot.slack.advisor import api_error
from bot.slack.client import make_web_client
from bot.slack.digest_blocks import digest_blocks
from bot.survey.digest import Composed
from bot.survey.ports import DigestRef, FoundPost, HistoryUnreadable, Posted, PostFailed

log = logging.getLogger("bot.slack")

DIGEST_EVENT = "hintbot_digest"  # the metadata event type of every digest message
TEXT_MAX = 3000
HISTORY_PAGE = 200
HISTORY_PAGES = 10


class SlackDigestPoster:
    """Posts digests with ``chat.postMessage`` and finds them with ``conversations.history``."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, channel: str, composed: Composed, ref: DigestRef) -> Posted:
        digest = composed.digest
        try:
            resp = self.client.chat_postMessage(
                channel=channel,
                text=digest.text[:TEXT_MAX],
                blocks=digest_blocks(digest),
                unfurl_links=False,
                unfurl_media=False,
                metadata={
                    "event_type": DIGEST_EVENT,
                    "event_payload": {
                        "pref": ref.pref_code,
                        "slot": ref.slot,
                        "attempt": ref.attempt,
                    },
                },
            )
        except SlackClientError as exc:
            raise PostFailed(api_error(exc)) from exc
        ts = str(resp.get("ts") or "") or None
        if composed.chart_path is None:
            return Posted(ts)
        try:
            self.client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                file=str(composed.chart_path),
                filename=f"survey-{ref.pref_code}-{ref.slot.replace(':', '-')}.png",
                title=digest.chart.title,
            )
        except SlackClientError as exc:
            # the message is out; posting it again would duplicate it
            note = f"chart upload failed: {api_error(exc)}"
            log.warning("digest chart upload failed: %s (pref=%s)", note, ref.pref_code)
            return Posted(ts, note)
        return Posted(ts)

    def find(self, channel: str, pref_code: str, slot: str, since: datetime) -> list[FoundPost]:
        hits: list[FoundPost] = []
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                resp = self.client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=HISTORY_PAGE,
                    cursor=cursor,
                )
            except SlackClientError as exc:
                raise HistoryUnreadable(api_error(exc)) from exc
            for m in resp.get("messages") or []:
                meta = m.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if (
                    meta.get("event_type") == DIGEST_EVENT
                    and str(payload.get("pref")) == pref_code
                    and str(payload.get("slot")) == slot
                ):
                    got = payload.get("attempt")
                    hits.append(FoundPost(str(m["ts"]), got if isinstance(got, int) else None))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not resp.get("has_more") or not cursor:
                return hits
        raise HistoryUnreadable(f"more than {HISTORY_PAGES * HISTORY_PAGE} messages")


def make_digest_poster(settings: Settings) -> SlackDigestPoster:
    """The poster on the bot token's Web API client; ``SlackConfigError`` names a missing
    ``SLACK_BOT_TOKEN``."""
    return SlackDigestPoster(make_web_client(settings))
