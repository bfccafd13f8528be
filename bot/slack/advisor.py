"""The engine in Slack: who a turn belongs to, where the answer goes, and posting it once.

Listeners stay thin: they say what an event or action asks for (a ``Work``) and call
``SlackAdvisor``. Everything that must hold on every surface lives here:

- **Durable intake** (``accept``, in the acknowledgement, before Slack gets its 200): the
  de-duplication claim and the work to do are recorded in one transaction (the reply outbox,
  ``bot.storage.outbox``). A redelivery of work that is claimed but unfinished resumes it.
- **Delivery** (``deliver``, after the 200, in a lazy listener or the ``Sweeper``): the engine's
  turn runs in one transaction with its rendered reply, so a retry posts the same reply and
  never runs the engine twice; the reply is posted with message metadata naming its outbox
  key, and before any second attempt the channel is read for that metadata, so a reply is
  never posted twice, even after a crash between posting and recording it.
- **Failures**: a transient Web API or database failure is retried with backoff until the
  reply is posted or ``reply_give_up_minutes`` have passed; a permanent one (channel_not_found,
  not_in_channel …) is not retried. Either way the person is told where that is possible, and
  the log names the outbox key.

Logs carry Slack ids, outbox keys and error ids only, never message text or tokens.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import SQLAlchemyError

from bot.core.replies import Inbound, Reply
from bot.runtime import Runtime
from bot.slack.blocks import Renderer, consumed_blocks
from bot.slack.client import CALL_ERRORS, Failure, api_error, backoff, classify
from bot.storage.conversations import utcnow
from bot.storage.outbox import Job, LeaseLost, OutboxStore, TurnFailed, Work

__all__ = [
    "CHANNEL_POST_FAILED",
    "DM_FAILED",
    "Place",
    "SlackAdvisor",
    "Sweeper",
    "Work",
    "api_error",
    "clean_text",
    "conversation_key",
    "is_from_person",
    "mentions",
]

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
GIVEN_UP = (
    "先ほどのご相談へのお返事を、Slack との通信がうまくいかずお届けできませんでした"
    "（原因: {error}）。お返事が届いていないときは、お手数ですがもう一度お書きください。"
)
REPLY_EVENT = "hintbot_reply"  # the metadata event type of every reply (payload: its key)
HISTORY_PAGE = 200
HISTORY_PAGES = 10
HISTORY_MARGIN = timedelta(seconds=120)  # read the channel from before the event (clock skew)
TURN_TRIES = 3  # a turn lost to the database is run again at once this many times in all
DB_RETRY_MAX_S = 2.0  # then retried within this (the Web API's failures wait longer)


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


def consult_work(
    key: str,
    place: Place,
    *,
    text: str | None = None,
    choose: str | None = None,
    fresh: bool = False,
    response_url: str | None = None,
) -> Work:
    """The work of a consultation turn. ``place.channel`` "" means the person's DM, opened
    when the work is done (``/hint``, the shortcut, App Home buttons)."""
    payload: dict[str, Any] = {
        "team": place.team,
        "channel": place.channel or None,
        "thread_ts": place.thread_ts,
        "user": place.user,
        "surface": place.surface,
        "text": text,
        "choose": choose,
        "fresh": fresh,
    }
    if response_url:
        payload["response_url"] = response_url
    return Work(key, "consult", place.user, payload)


def new_job(work: Work, token: str, now: datetime) -> Job:
    """The row ``OutboxStore.accept`` has just recorded for ``work``, leased to ``token``."""
    payload = dict(work.payload)
    channel = payload.get("channel")
    return Job(
        work.key[:255],
        work.kind,
        work.user[:64],
        payload,
        "pending",
        1,
        None,
        channel if isinstance(channel, str) and channel else None,
        0,
        None,
        None,
        now,
        token,
    )


def home_work(key: str, user: str) -> Work:
    """Publishing the App Home tab (idempotent: repeating it does no harm)."""
    return Work(key, "home", user, {"user": user})


class SlackAdvisor:
    """Records, runs and posts the turns of consultations in Slack; shared by every listener
    and the sweeper, thread-safe."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.store = runtime.store
        self.renderer = Renderer(runtime.kb)
        # the engine as it is: its store's calls join the turn's transaction (Store.bound)
        self.engine = runtime.engine
        self.outbox = OutboxStore(
            runtime.db,
            runtime.store,
            lease=timedelta(seconds=self.settings.reply_lease_seconds),
        )
        self.give_up_after = timedelta(minutes=self.settings.reply_give_up_minutes)
        self.owner = f"{socket.gethostname()[:24]}:{os.getpid()}"
        # outbox key -> (lease token, "new" | "resume"), from the ack to its lazy listener
        self._held: dict[str, list[tuple[str, str]]] = {}
        self._fresh: dict[str, Job] = {}  # lease token -> the row it recorded (new work)
        self._lock = threading.Lock()

    # -- de-duplication and state -----------------------------------------------------------
    def claim(self, key: str) -> bool:
        """True the first time a delivery is seen (any worker); False for retries/duplicates.
        For work that is not a consultation turn (registrations); turns go through ``accept``."""
        first = self.store.claim_event(key)
        if not first:
            log.info("duplicate delivery ignored: %s", key)
        return first

    def has_conversation(self, key: str) -> bool:
        """Whether the bot is conversing with this person here (an expired one still counts)."""
        state, expired = self.store.load(key)
        return state is not None or expired

    def new_token(self) -> str:
        return f"{self.owner}:{uuid.uuid4().hex[:16]}"

    # -- intake: in the acknowledgement ----------------------------------------------------
    def accept(self, work: Work) -> bool:
        """Record ``work`` with its claim (one transaction). True when this process is to
        deliver it now: new work, or unfinished work of an earlier delivery (resumed). A
        database failure raises: the request is then not acknowledged and Slack sends it
        again."""
        token = self.new_token()
        now = utcnow()
        result = self.outbox.accept(work, token, now)
        if result == "new":  # what the row holds now: the lazy listener need not read it
            with self._lock:
                if len(self._fresh) > 10_000:  # hand-offs that never ran (bounded memory)
                    self._fresh.clear()
                self._fresh[token] = new_job(work, token, now)
        if result in ("new", "resume"):
            with self._lock:  # the same key twice in one process: two entries, one lease
                self._held.setdefault(work.key, []).append((token, result))
            return True
        log.info("duplicate delivery ignored: %s (%s)", work.key, result)
        return False

    def lease(self, key: str) -> str | None:
        """After ``accept`` said to deliver: the lease token (new work is leased when it is
        recorded; resumed work is leased now by a compare-and-set, so the same delivery
        handled at the same time by another worker goes to one of the two), or None."""
        with self._lock:
            waiting = self._held.get(key)
            if not waiting:
                return None
            token, result = waiting.pop(0)
            if not waiting:
                del self._held[key]
        if result == "new":
            return token  # leased when it was recorded
        try:
            leased = self.outbox.acquire(key, token, due_only=False)
        except SQLAlchemyError as exc:
            log.warning("outbox unreadable: %s (key=%s)", type(exc).__name__, key)
            return None  # recorded: the sweeper takes it up
        if not leased:
            log.info("duplicate delivery ignored: %s (busy)", key)
            return None
        if result == "resume":
            log.info("unfinished delivery resumed: %s", key)
        return token

    def deliver_accepted(self, client: WebClient, key: str) -> None:
        """The lazy listener's part: deliver what this process's ``accept`` took on."""
        token = self.lease(key)
        if token is not None:
            self.deliver(client, key, token)

    # -- delivery --------------------------------------------------------------------------
    def deliver(self, client: WebClient, key: str, token: str) -> None:
        """Do the work of an outbox row leased to ``token``: make the reply (once), post it
        (once) and record it; on failure schedule a retry or give up. Never raises."""
        with self._lock:
            fresh = self._fresh.pop(token, None)
        try:
            job = fresh if fresh is not None and fresh.key == key else self.outbox.job(key, token)
        except SQLAlchemyError as exc:
            log.warning("outbox unreadable: %s (key=%s)", type(exc).__name__, key)
            return  # the lease runs out; the sweeper takes it up again
        if job is None:
            return
        try:
            if utcnow() >= job.created_at + self.give_up_after:
                self._give_up(client, job, job.last_error or "expired")
            elif job.kind == "home":
                self._publish_home(client, job)
            else:
                self._consult_with_turn_retries(client, job)
        except LeaseLost:
            log.info("delivery taken over by another worker: %s", key)
        except TurnFailed as exc:
            self._retry(client, job, Failure(f"db_{exc}"))
        except CALL_ERRORS as exc:
            failure = classify(exc)
            if failure.permanent:
                self._give_up(client, job, failure.error)
            else:
                self._retry(client, job, failure)
        except SQLAlchemyError as exc:
            # the outbox could not record a step; what is posted is found again by its
            # metadata, so the sweeper's next attempt (after the lease) posts nothing twice
            log.warning("outbox update failed: %s (key=%s)", type(exc).__name__, key)
        except Exception as exc:  # a bug must not kill the listener thread or the sweeper
            log.error("delivery failed: %s (key=%s)", type(exc).__name__, key, exc_info=False)
            self._retry(client, job, Failure(type(exc).__name__))

    def _consult_with_turn_retries(self, client: WebClient, job: Job) -> None:
        """A turn lost to the database (a dropped connection, a restarted server) is tried
        again at once a few times, briefly, before it is scheduled like other failures."""
        for attempt in range(TURN_TRIES):
            try:
                self._deliver_consult(client, job)
                return
            except TurnFailed:
                if attempt == TURN_TRIES - 1:
                    raise
                time.sleep(0.05 * 3**attempt)

    def _place(self, job: Job, channel: str | None = None) -> Place:
        p = job.payload
        return Place(
            str(p.get("team") or "-"),
            channel or job.channel or str(p.get("channel") or ""),
            p.get("thread_ts") or None,
            str(p.get("user") or job.user),
            str(p.get("surface") or "dm"),
        )

    def _deliver_consult(self, client: WebClient, job: Job) -> None:
        if job.posted_ts:  # posted before; only its charts may be left
            self._after_post(client, job, self._place(job), job.posted_ts, job.reply or {})
            return
        channel = job.channel or job.payload.get("channel")
        if not channel:
            resp = client.conversations_open(users=job.user)
            channel = str((resp.get("channel") or {}).get("id") or "")
            if not channel:
                raise _NoChannel(job.key)
            self.outbox.set_channel(job, channel)
        place = self._place(job, channel)
        reply = job.reply
        if reply is None:
            # the turn's commit also counts the post below and renews the lease for it
            reply = self.outbox.run_turn(
                job, lambda: (self._turn(place, job.payload), place.channel)
            )
        else:
            if job.post_tries:
                # an earlier attempt began posting: it may be out, although unrecorded
                ts = self.find_posted(client, place, job)
                if ts is not None:
                    log.info(
                        "reply found posted: key=%s channel=%s ts=%s", job.key, place.channel, ts
                    )
                    self._after_post(client, job, place, ts, reply, record=True)
                    return
            if not self.outbox.begin_post(job):
                raise LeaseLost(job.key)
        resp = client.chat_postMessage(
            channel=place.channel,
            thread_ts=place.thread_ts,
            text=str(reply.get("text") or ""),
            blocks=list(reply.get("blocks") or []),
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": REPLY_EVENT, "event_payload": {"key": job.key}},
        )
        ts = str(resp.get("ts") or "")
        log.info(
            "reply posted: key=%s channel=%s ts=%s attempt=%d",
            job.key,
            place.channel,
            ts or "-",
            job.attempts,
        )
        self._after_post(client, job, place, ts, reply, record=True)

    def _turn(self, place: Place, payload: Mapping[str, Any]) -> dict[str, Any]:
        """One engine turn (inside ``run_turn``'s transaction); returns the rendered reply."""
        if payload.get("fresh"):
            # a fresh start (menu, Home button): drop an expired conversation, so it is no error
            self.store.load(place.key)
        reply = self.engine.handle(
            Inbound(
                place.key,
                place.user,
                text=payload.get("text"),
                choose=payload.get("choose"),
                meta=place.meta(),
            )
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
        return self.rendered(reply)

    def rendered(self, reply: Reply) -> dict[str, Any]:
        """A reply as stored in the outbox: what ``chat.postMessage`` sends, and its charts."""
        r = self.renderer.message(reply)
        return {
            "text": r.text,
            "blocks": r.blocks_json(),
            "charts": list(reply.charts),
            "kind": reply.kind,
            "card": reply.card,
        }

    def _after_post(
        self,
        client: WebClient,
        job: Job,
        place: Place,
        ts: str,
        reply: Mapping[str, Any],
        *,
        record: bool = False,
    ) -> None:
        charts = tuple(str(c) for c in reply.get("charts") or ())
        if record:
            self.outbox.record_posted(job.key, ts or "-", done=not charts)
        if charts:
            self.upload_charts(client, place, charts)
            self.outbox.finish(job.key)

    def find_posted(self, client: WebClient, place: Place, job: Job) -> str | None:
        """The ts of this job's reply if it is in the channel (by its message metadata)."""
        since = job.created_at.replace(tzinfo=UTC) - HISTORY_MARGIN
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            args: dict[str, Any] = {
                "channel": place.channel,
                "oldest": f"{since.timestamp():.6f}",
                "include_all_metadata": True,
                "limit": HISTORY_PAGE,
            }
            if cursor:
                args["cursor"] = cursor
            if place.thread_ts:
                resp = client.conversations_replies(ts=place.thread_ts, **args)
            else:
                resp = client.conversations_history(**args)
            for m in resp.get("messages") or []:
                meta = m.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == REPLY_EVENT and payload.get("key") == job.key:
                    return str(m.get("ts") or "-")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not resp.get("has_more") or not cursor:
                return None
        return None  # far more messages than one answer's time can hold: not found

    def _publish_home(self, client: WebClient, job: Job) -> None:
        user = str(job.payload.get("user") or job.user)
        view = self.renderer.home(self.store.consultations(user=user, limit=5))
        client.views_publish(user_id=user, view=view)
        self.outbox.finish(job.key)

    # -- failures ---------------------------------------------------------------------------
    def _retry(self, client: WebClient, job: Job, failure: Failure) -> None:
        now = utcnow()
        cap = self.settings.reply_retry_max_seconds
        if failure.error.startswith("db_"):
            cap = min(cap, DB_RETRY_MAX_S)  # our own database: back soon, not Slack's pace
        wait = failure.retry_after
        if wait is None:
            wait = backoff(max(0, job.attempts - 1), 1.0, cap)
        at = now + timedelta(seconds=wait)
        if at >= job.created_at + self.give_up_after:
            self._give_up(client, job, failure.error)
            return
        try:
            scheduled = self.outbox.retry_later(job, failure.error, at, now)
        except SQLAlchemyError as exc:
            log.warning("outbox update failed: %s (key=%s)", type(exc).__name__, job.key)
            return
        if scheduled:
            log.warning(
                "reply attempt failed: key=%s attempt=%d error=%s; next in %.1fs",
                job.key,
                job.attempts,
                failure.error,
                wait,
            )

    def _give_up(self, client: WebClient, job: Job, error: str) -> None:
        try:
            if not self.outbox.give_up(job.key, job.token, error):
                return
        except SQLAlchemyError as exc:
            log.warning("outbox update failed: %s (key=%s)", type(exc).__name__, job.key)
            return
        log.warning(
            "reply given up: key=%s kind=%s user=%s attempts=%d error=%s",
            job.key,
            job.kind,
            job.user,
            job.attempts,
            error,
        )
        if job.kind == "consult":
            self._tell_given_up(client, job, error)

    def _tell_given_up(self, client: WebClient, job: Job, error: str) -> None:
        """Tell the person, where that is possible, that their answer is not coming."""
        place = self._place(job)
        if place.channel and not place.is_dm:
            self._tell_by_dm(client, place, error)
            return
        url = job.payload.get("response_url")
        if url:  # /hint and the shortcut: their response_url shows it where they typed
            text = (GIVEN_UP if place.channel else DM_FAILED).format(error=error)
            try:
                WebhookClient(str(url), timeout=10).send(text=text, response_type="ephemeral")
                return
            except CALL_ERRORS as exc:
                log.warning("response_url failed: %s (key=%s)", api_error(exc), job.key)
        if place.channel and error not in ("channel_not_found", "not_in_channel"):
            try:
                client.chat_postMessage(channel=place.channel, text=GIVEN_UP.format(error=error))
            except CALL_ERRORS as exc:
                log.warning("could not tell the person: %s (key=%s)", api_error(exc), job.key)

    def _tell_by_dm(self, client: WebClient, place: Place, error: str) -> None:
        dm, _ = self.dm_channel(client, place.user)
        if dm is None:
            return
        try:
            client.chat_postMessage(
                channel=dm, text=CHANNEL_POST_FAILED.format(channel=place.channel, error=error)
            )
        except CALL_ERRORS as exc:
            log.warning(
                "could not report the failure by DM: %s (user=%s)", api_error(exc), place.user
            )

    # -- posting without the outbox (tests, tools) -----------------------------------------
    def post(self, client: WebClient, place: Place, reply: Reply) -> str | None:
        """Render and post a reply at once (no outbox); returns its ts."""
        rendered = self.rendered(reply)
        try:
            resp = client.chat_postMessage(
                channel=place.channel,
                thread_ts=place.thread_ts,
                text=rendered["text"],
                blocks=rendered["blocks"],
                unfurl_links=False,
                unfurl_media=False,
            )
        except CALL_ERRORS as exc:
            log.warning("chat.postMessage failed: %s (channel=%s)", api_error(exc), place.channel)
            return None
        if reply.charts:
            self.upload_charts(client, place, reply.charts)
        return str(resp.get("ts") or "") or None

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
            except CALL_ERRORS as exc:
                log.warning(
                    "files_upload_v2 failed: %s (channel=%s)", api_error(exc), place.channel
                )

    # -- helpers for listeners -------------------------------------------------------------
    def dm_channel(self, client: WebClient, user: str) -> tuple[str | None, str]:
        """(the bot's DM with ``user``, "") via conversations.open, or (None, Slack's error)."""
        try:
            resp = client.conversations_open(users=user)
        except CALL_ERRORS as exc:
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
        except CALL_ERRORS as exc:
            log.warning("chat.update failed: %s (channel=%s)", api_error(exc), channel)

    def publish_home(self, client: WebClient, user: str) -> None:
        view = self.renderer.home(self.store.consultations(user=user, limit=5))
        try:
            client.views_publish(user_id=user, view=view)
        except CALL_ERRORS as exc:
            log.warning("views.publish failed: %s (user=%s)", api_error(exc), user)


class _NoChannel(Exception):
    """conversations.open answered without a channel id."""


class Sweeper:
    """Takes up, in each serving process, the answers left unposted: a dead worker's (once
    its lease has run out), a lost database connection's and a failed Web API call's (when
    their backoff is due). Every ``reply_sweep_seconds``; a few at a time, in parallel."""

    def __init__(
        self,
        advisor: SlackAdvisor,
        client: WebClient,
        *,
        interval: float | None = None,
        workers: int = 4,
        batch: int = 20,
    ) -> None:
        self.advisor = advisor
        self.client = client
        self.interval = interval or advisor.settings.reply_sweep_seconds
        self.batch = batch
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hintbot-sweep")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._complained = False

    def sweep_once(self, now: datetime | None = None) -> int:
        """Lease and deliver the rows due now; returns how many were taken up."""
        outbox = self.advisor.outbox
        taken = []
        for key in outbox.due(now, self.batch):
            token = self.advisor.new_token()
            if outbox.acquire(key, token, now):
                log.info("sweeper took up: %s", key)
                taken.append(self._pool.submit(self.advisor.deliver, self.client, key, token))
        for f in taken:
            f.result()
        return len(taken)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep_once()
                self._complained = False
            except SQLAlchemyError as exc:
                if not self._complained:  # once per outage, not every few seconds
                    log.warning("sweeper: database unavailable (%s)", type(exc).__name__)
                    self._complained = True
            except Exception as exc:  # never let the thread die
                log.error("sweeper failed: %s", type(exc).__name__)

    def start(self) -> Sweeper:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hintbot-sweeper", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with contextlib.suppress(Exception):
            self._pool.shutdown(wait=False, cancel_futures=True)


def start_sweeper(runtime: Runtime, client: WebClient) -> Sweeper:
    """A sweeper thread for a serving process (HTTP worker or Socket Mode)."""
    return Sweeper(SlackAdvisor(runtime), client).start()
