"""A served Bolt app plus the fake Slack it talks to, with shortcuts for tests and the bench."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.settings import Settings
from tests.support import payloads as P
from tests.support.driver import Response, SlackSender, serve_in_process
from tests.support.fake_slack import Call, FakeSlack, iter_texts


@dataclass
class SlackHarness:
    """The app served over loopback HTTP, the fake Slack it talks to, and shortcuts."""

    fake: FakeSlack
    app: App
    runtime: Runtime
    sender: SlackSender

    # -- sending ----------------------------------------------------------------------------
    def event(self, event: dict[str, Any], **kw: Any) -> tuple[dict[str, Any], Response]:
        payload = P.event_callback(event, team=self.fake.team_id)
        resp = self.sender.event(payload, **kw)
        return payload, resp

    def dm(self, text: str, user: str = "U0USER1", **kw: Any) -> Response:
        return self.event(P.dm_message(text, user=user, **kw))[1]

    def click(
        self, post: Call, value: str, *, user: str = "U0USER1", ts: str | None = None
    ) -> Response:
        """Click the button with ``value`` on the message a recorded post created."""
        msg = P.posted_message(post.body, ts or post.response["ts"])
        payload = P.block_actions(
            value, message=msg, channel=post.body["channel"], user=user, team=self.fake.team_id
        )
        return self.sender.interaction(payload)

    # -- waiting ----------------------------------------------------------------------------
    def wait_posts(self, count: int = 1, timeout: float = 10.0, **match: Any) -> list[Call]:
        return self.fake.wait_for_calls("chat.postMessage", count, timeout, **match)

    def wait_settled(self, timeout: float = 30.0) -> dict[str, int]:
        """Wait (bounded) until the reply outbox has nothing open: every recorded answer is
        posted or given up. Returns the rows per status."""
        from bot.storage.outbox import OutboxStore

        outbox = OutboxStore(self.runtime.db, self.runtime.store, lease=timedelta(seconds=1))
        return wait_outbox_settled(outbox, timeout)


def wait_outbox_settled(outbox: Any, timeout: float = 30.0) -> dict[str, int]:
    """Poll (bounded, backing off) until ``outbox`` has no pending or posted row."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        counts = outbox.counts()
        if not counts.get("pending") and not counts.get("posted"):
            return dict(counts)
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox not settled within {timeout}s: {counts}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


@contextlib.contextmanager
def serve_harness(
    fake: FakeSlack, settings: Settings, runtime: Runtime, *, sweeper: bool = True
) -> Iterator[SlackHarness]:
    """The app on a loopback port against ``fake``, with (by default) the sweeper thread a
    serving process runs, on ``settings``' timings."""
    from bot.slack.advisor import SlackAdvisor, Sweeper
    from bot.slack.app import create_app
    from bot.slack.wsgi import make_application

    client = WebClient(token=settings.slack_bot_token, base_url=fake.api_url)
    app = create_app(settings, client, runtime=runtime)
    sweep = Sweeper(SlackAdvisor(runtime), app.client).start() if sweeper else None
    try:
        with serve_in_process(make_application(settings, app)) as url:
            yield SlackHarness(fake, app, runtime, SlackSender(url, fake.signing_secret))
    finally:
        if sweep is not None:
            sweep.stop()


def blocks_of(call: Call) -> list[dict[str, Any]]:
    return list(call.json_field("blocks") or [])


def buttons_of(call: Call) -> list[dict[str, Any]]:
    out = []
    for b in blocks_of(call):
        out += [e for e in b.get("elements") or [] if e.get("type") == "button"]
        acc = b.get("accessory")
        if isinstance(acc, dict) and acc.get("type") == "button":
            out.append(acc)
    return out


def all_text(call: Call) -> str:
    """Every visible text of a recorded message (blocks and fallback)."""
    return "\n".join(iter_texts(blocks_of(call))) + "\n" + str(call.body.get("text", ""))


class LogWatcher(logging.Handler):
    """Collects log messages so a test can wait for one (e.g. a duplicate being ignored)."""

    def __init__(self, logger: str = "bot.slack") -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self._cond = threading.Condition()
        self._logger = logging.getLogger(logger)

    def emit(self, record: logging.LogRecord) -> None:
        with self._cond:
            self.messages.append(record.getMessage())
            self._cond.notify_all()

    def __enter__(self) -> LogWatcher:
        self._old_level = self._logger.level
        self._logger.addHandler(self)
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._old_level)

    def wait_for(self, text: str, count: int = 1, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                hits = [m for m in self.messages if text in m]
                if len(hits) >= count:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"log {text!r} x{count} not seen within {timeout}s")
                self._cond.wait(left)
