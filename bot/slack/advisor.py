"""The engine in Slack: who a turn belongs to, where the answer goes, and posting it safely.

Listeners stay thin: they pick the ``Place`` of a turn and call ``SlackAdvisor``. Everything
that must hold on every surface lives here: claim the delivery before answering (retries and
double clicks never produce a second reply), render Block Kit, upload charts into the thread,
and turn Web API failures into a logged cause plus a message the user can see.

Logs carry Slack ids and reply kinds only, never message text or tokens.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.replies import Inbound, Reply
from bot.runtime import Runtime
from bot.slack.blocks import Renderer, consumed_blocks

log = logging.getLogger("bot.slack")

ALLOWED_SUBTYPES = {None, "file_share", "thread_broadcast"}
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(\w+)(?:\|[^>]*)?>")

CHANNEL_POST_FAILED = (
    "<#{channel}> にお返事を投稿できませんでした（原因: {error}）。"
    "ボットがチャンネルに参加していない可能性があります。チャンネルで `/invite` を使って"
    "ボットを追加するか、このダイレクトメッセージでご相談ください。"
)
DM_FAILED = (
    "ダイレクトメッセージを開けなかったため、お返事できませんでした（原因: {error}）。"
    "お手数ですが、アプリの「メッセージ」タブから直接お書きください。"
)


def conversation_key(team: str, channel: str, thread_ts: str | None, user: str) -> str:
    """One conversation per person and place: two people in one channel never share state."""
    return f"slack:{team}:{channel}:{thread_ts or '-'}:{user}"


@dataclass(frozen=True)
class Place:
    """Where a turn happened and where its answer goes (``thread_ts`` None: top level)."""

    team: str
    channel: str
    thread_ts: str | None
    user: str
    surface: str  # dm, mention, thread, command, button, home, shortcut

    @property
    def key(self) -> str:
        return conversation_key(self.team, self.channel, self.thread_ts, self.user)

    @property
    def is_dm(self) -> bool:
        return self.channel.startswith("D")

    def meta(self) -> dict[str, str]:
        return {
            "source": "slack",
            "team": self.team,
            "channel": self.channel,
            "thread_ts": self.thread_ts or "",
            "surface": self.surface,
        }


def clean_text(text: str | None) -> str:
    """Slack's wire format to what the person wrote: mentions out, links to labels, unescape."""
    if not text:
        return ""
    text = _MENTION.sub(" ", text)
    text = _CHANNEL_REF.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub("", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip()


def mentions(text: str | None, user_id: str | None) -> bool:
    return bool(text and user_id and f"<@{user_id}" in text)


def is_from_person(event: dict[str, Any], bot_user_id: str | None = None) -> bool:
    """False for bots (ourselves included), edits, deletions and other system messages."""
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    if event.get("subtype") not in ALLOWED_SUBTYPES:
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def api_error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "unknown_error")
    return type(exc).__name__


class SlackAdvisor:
    """Runs one turn of a consultation in Slack; shared by every listener, thread-safe."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.engine = runtime.engine
        self.store = runtime.store
        self.renderer = Renderer(runtime.kb)

    # -- de-duplication and state -----------------------------------------------------------
    def claim(self, key: str) -> bool:
        """True the first time a delivery is seen (any worker); False for retries/duplicates."""
        first = self.store.claim_event(key)
        if not first:
            log.info("duplicate delivery ignored: %s", key)
        return first

    def has_conversation(self, key: str) -> bool:
        """Whether the bot is conversing with this person here (an expired one still counts)."""
        state, expired = self.store.load(key)
        return state is not None or expired

    def forget_expired(self, key: str) -> None:
        """Drop an expired conversation so a fresh start (menu, Home button) is not an error."""
        self.store.load(key)

    # -- a turn ---------------------------------------------------------------------------
    def consult(
        self,
        client: WebClient,
        place: Place,
        *,
        text: str | None = None,
        choose: str | None = None,
        fresh: bool = False,
    ) -> str | None:
        """Ask the engine and post its answer at ``place``; returns the posted message ts."""
        if fresh:
            self.forget_expired(place.key)
        reply = self.engine.handle(
            Inbound(place.key, place.user, text=text, choose=choose, meta=place.meta())
        )
        log.info(
            "turn surface=%s team=%s channel=%s thread=%s user=%s kind=%s card=%s",
            place.surface,
            place.team,
            place.channel,
            place.thread_ts or "-",
            place.user,
            reply.kind,
            reply.card or "-",
        )
        return self.post(client, place, reply)

    def post(self, client: WebClient, place: Place, reply: Reply) -> str | None:
        rendered = self.renderer.message(reply)
        try:
            resp = client.chat_postMessage(
                channel=place.channel,
                thread_ts=place.thread_ts,
                text=rendered.text,
                blocks=rendered.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackClientError as exc:
            self._post_failed(client, place, exc)
            return None
        ts = str(resp.get("ts") or "")
        if reply.charts:
            self.upload_charts(client, place, reply.charts)
        return ts or None

    def upload_charts(self, client: WebClient, place: Place, charts: tuple[str, ...]) -> None:
        """Charts go into the same thread (or DM) as the answer that mentions them."""
        for path in charts:
            p = Path(path)
            if not p.is_file():
                log.warning("chart file missing: %s", p.name)
                continue
            try:
                client.files_upload_v2(
                    channel=place.channel,
                    thread_ts=place.thread_ts,
                    file=str(p),
                    filename=p.name,
                    title=p.stem,
                )
            except SlackClientError as exc:
                log.warning(
                    "files_upload_v2 failed: %s (channel=%s)", api_error(exc), place.channel
                )

    def _post_failed(self, client: WebClient, place: Place, exc: Exception) -> None:
        error = api_error(exc)
        log.warning(
            "chat.postMessage failed: %s (surface=%s channel=%s user=%s)",
            error,
            place.surface,
            place.channel,
            place.user,
        )
        if place.is_dm:
            return  # nowhere else to tell the person
        dm, _ = self.dm_channel(client, place.user)
        if dm is None:
            return
        try:
            client.chat_postMessage(
                channel=dm, text=CHANNEL_POST_FAILED.format(channel=place.channel, error=error)
            )
        except SlackClientError as exc2:
            log.warning(
                "could not report the failure by DM: %s (user=%s)", api_error(exc2), place.user
            )

    # -- helpers for listeners -------------------------------------------------------------
    def dm_channel(self, client: WebClient, user: str) -> tuple[str | None, str]:
        """(the bot's DM with ``user``, "") via conversations.open, or (None, Slack's error)."""
        try:
            resp = client.conversations_open(users=user)
        except SlackClientError as exc:
            error = api_error(exc)
            log.warning("conversations.open failed: %s (user=%s)", error, user)
            return None, error
        channel = resp.get("channel") or {}
        cid = channel.get("id") if isinstance(channel, dict) else None
        return (str(cid), "") if cid else (None, "no_channel")

    def mark_chosen(
        self,
        client: WebClient,
        channel: str,
        message: dict[str, Any],
        value: str,
        button_text: str,
        user: str,
    ) -> None:
        """Replace the clicked message's buttons with 「選択: …」 so they cannot be clicked twice."""
        chosen = self.renderer.choice_label(value, button_text)
        if not channel.startswith("D"):
            chosen += f"（<@{user}>）"
        blocks = consumed_blocks(list(message.get("blocks") or []), chosen)
        try:
            client.chat_update(
                channel=channel,
                ts=message["ts"],
                text=message.get("text") or chosen,
                blocks=blocks,
            )
        except SlackClientError as exc:
            log.warning("chat.update failed: %s (channel=%s)", api_error(exc), channel)

    def publish_home(self, client: WebClient, user: str) -> None:
        view = self.renderer.home(self.store.consultations(user=user, limit=5))
        try:
            client.views_publish(user_id=user, view=view)
        except SlackClientError as exc:
            log.warning("views.publish failed: %s (user=%s)", api_error(exc), user)
