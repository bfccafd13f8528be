"""Slack adapter benchmark over loopback, against the local Slack emulation.

The app runs exactly as in production: ``hintbot serve --http`` (gunicorn, gthread workers,
``bot.wsgi``) in a subprocess with a SQLite file database, talking to ``FakeSlack``'s Web
API. Measured:

* acknowledgement latency of 200 signed events (HTTP response time; target p99 < 100 ms);
* time from sending an event to the reply's chat.postMessage arriving (target p99 < 500 ms);
* a load run: 20 simulated people × 50 requests each (worries typed in a DM, alternating
  with clicks on the previous answer's first button), with Slack-style retries and double
  clicks mixed in; counts errors and duplicate replies (both must be 0).

Run: ``python -m bot.slack.bench`` (prints JSON).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bot.testing import payloads as P
from bot.testing.driver import ServeProcess, SlackSender
from bot.testing.fake_slack import Call, FakeSlack

WORRIES = (
    "協議体がお客様状態で困っている",
    "移動支援の担い手がいない",
    "生活支援コーディネーターに丸投げになっている",
    "住民の意識が高まらない",
    "通いの場の参加者が固定化している",
    "他部署との連携がうまくいかない",
    "総合事業の担い手が足りない",
    "地域づくりの成果をどう把握すればいいかわからない",
    "自立支援型のケアマネジメントが浸透しない",
    "町内会との連携が進まない",
)
ENGINE_FAILURE = "処理中に問題が起きました"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def _first_button_value(call: Call) -> str | None:
    for b in call.json_field("blocks") or []:
        acc = b.get("accessory") or {}
        if acc.get("type") == "button":
            return str(acc["value"])
        for el in b.get("elements") or []:
            if el.get("type") == "button":
                return str(el["value"])
    return None


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
    errors = 0
    replies: list[float] = []
    lock = threading.Lock()
    extra_deliveries = 0  # retries and double clicks sent on top (must not be answered)

    def person(u: int) -> None:
        nonlocal errors, extra_deliveries
        user = f"UP{u:04d}"
        channel = f"D{user}"
        last: Call | None = None
        for step in range(per_user):
            value = _first_button_value(last) if last is not None and step % 2 else None
            t0 = time.monotonic()
            try:
                if value is not None and last is not None:
                    msg = P.posted_message(last.body, last.response["ts"])
                    click = P.block_actions(value, message=msg, channel=channel, user=user)
                    resp = sender.interaction(click)
                    if step % 5 == 1:  # a double click
                        sender.interaction({**click, "trigger_id": f"{click['trigger_id']}b"})
                        with lock:
                            extra_deliveries += 1
                else:
                    text = WORRIES[(u + step) % len(WORRIES)]
                    payload = P.event_callback(P.dm_message(text, user=user))
                    resp = sender.event(payload)
                    if step % 5 == 0:  # Slack retries the same event_id
                        sender.event(payload, retry_num=1)
                        with lock:
                            extra_deliveries += 1
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
                posts = fake.wait_posts(channel, step + 1, timeout=30)
            except Exception:
                with lock:
                    errors += 1
                return
            last = posts[step]
            with lock:
                replies.append((last.at - t0) * 1000)
                if ENGINE_FAILURE in str(last.body.get("text", "")):
                    errors += 1

    start = time.monotonic()
    threads = [threading.Thread(target=person, args=(u,)) for u in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    # let stray duplicates (if any) arrive: wait for one more sentinel reply, then count
    sentinel = P.event_callback(P.dm_message("ヘルプ", user="UPSENTINEL"))
    sender.event(sentinel)
    fake.wait_posts("DUPSENTINEL", 1, timeout=30)
    duplicates = 0
    for u in range(users):
        got = len(fake.posts(f"DUP{u:04d}"))
        duplicates += max(0, got - per_user)
    total = users * per_user
    return {
        "load_users": float(users),
        "load_events": float(total),
        "load_extra_deliveries": float(extra_deliveries),
        "load_errors": float(errors),
        "load_duplicates": float(duplicates),
        "load_seconds": elapsed,
        "load_events_per_s": total / elapsed if elapsed else float("nan"),
        "load_reply_p50_ms": percentile(replies, 50),
        "load_reply_p99_ms": percentile(replies, 99),
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
