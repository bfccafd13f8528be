"""Slack adapter benchmark over loopback, against the local Slack emulation.

The app runs exactly as in production: ``hintbot serve --http`` (gunicorn, gthread workers,
``bot.slack.wsgi``) in a subprocess with a SQLite file database, talking to ``FakeSlack``'s Web
API. Measured:

* acknowledgement latency of 200 signed events (HTTP response time; target p99 < 100 ms);
* time from sending an event to the reply's chat.postMessage arriving (target p99 < 500 ms);
* a load run: 20 simulated people × 50 requests each (worries typed in a DM, alternating
  with clicks on the previous answer's first button), with Slack-style retries and double
  clicks mixed in; counts errors and duplicate replies (both must be 0).

Run: ``python -m benchmarks.slack`` (prints JSON).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support import payloads as P
from tests.support.driver import ServeProcess, SlackSender
from tests.support.fake_slack import FakeSlack
from tests.support.load import WORRIES, percentile, simulate_people


def _latency_run(fake: FakeSlack, sender: SlackSender, n: int) -> dict[str, float]:
    acks: list[float] = []
    replies: list[float] = []
    errors = 0
    for i in range(n):
        user = f"UL{i:05d}"
        payload = P.event_callback(P.dm_message(WORRIES[i % len(WORRIES)], user=user))
        t0 = time.monotonic()
        resp = sender.event(payload)
        acks.append(resp.elapsed * 1000)
        if resp.status != 200:
            errors += 1
            continue
        try:
            [post] = fake.wait_posts(f"D{user}", 1, timeout=10)
        except TimeoutError:
            errors += 1
            continue
        replies.append((post.at - t0) * 1000)
    return {
        "ack_p50_ms": percentile(acks, 50),
        "ack_p99_ms": percentile(acks, 99),
        "reply_p50_ms": percentile(replies, 50),
        "reply_p99_ms": percentile(replies, 99),
        "latency_events": float(n),
        "latency_errors": float(errors),
    }


def _load_run(fake: FakeSlack, sender: SlackSender, users: int, per_user: int) -> dict[str, float]:
    stats = simulate_people(
        sender,
        fake.posts,
        lambda channel, n, timeout: fake.wait_posts(channel, n, timeout=timeout),
        users=users,
        per_user=per_user,
        tag="P",
    )
    return {
        "load_users": float(users),
        "load_events": float(stats.events),
        "load_extra_deliveries": float(stats.extra_deliveries),
        "load_errors": float(stats.errors),
        "load_duplicates": float(stats.duplicates),
        "load_seconds": stats.seconds,
        "load_events_per_s": stats.events / stats.seconds if stats.seconds else float("nan"),
        "load_reply_p50_ms": percentile(stats.replies_ms, 50),
        "load_reply_p99_ms": percentile(stats.replies_ms, 99),
    }


def run_bench(
    events: int = 200, users: int = 20, per_user: int = 50, workers: int = 2
) -> dict[str, float]:
    """Start a local Slack and ``hintbot serve --http``; return the measured figures."""
    with tempfile.TemporaryDirectory(prefix="hintbot-bench-") as tmp, FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench-not-real",
            "SLACK_SIGNING_SECRET": fake.signing_secret,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "HINTBOT_CHART_DIR": str(Path(tmp) / "charts"),
        }
        server = ServeProcess(env, workers=workers)
        with server:
            sender = SlackSender(server.base_url, fake.signing_secret)
            # warm up every worker (imports, first queries) before measuring
            for i in range(10 * workers):
                sender.event(P.event_callback(P.dm_message(WORRIES[i % 10], user=f"UW{i}")))
                fake.wait_posts(f"DUW{i}", 1, timeout=30)
            result: dict[str, Any] = {"workers": float(workers)}
            result.update(_latency_run(fake, sender, events))
            result.update(_load_run(fake, sender, users, per_user))
    return {k: float(v) for k, v in result.items()}


def main() -> int:
    figures = run_bench()
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}, indent=2))
    ok = (
        figures["ack_p99_ms"] < 100
        and figures["reply_p99_ms"] < 500
        and figures["load_errors"] == 0
        and figures["load_duplicates"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
