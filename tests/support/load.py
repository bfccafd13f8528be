"""Simulated people for the benchmarks: each sends worries and clicks the first button of
the previous answer, one after another, while Slack's retries and double clicks are mixed in.
Shared by the Slack benchmark (SQLite) and the PostgreSQL benchmark."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support import payloads as P
from tests.support.fake_slack import Call

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

WaitPosts = Callable[[str, int, float], list[Call]]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def first_button_value(blocks: list[dict[str, Any]]) -> str | None:
    for b in blocks:
        acc = b.get("accessory") or {}
        if acc.get("type") == "button":
            return str(acc["value"])
        for el in b.get("elements") or []:
            if el.get("type") == "button":
                return str(el["value"])
    return None


@dataclass
class LoadStats:
    events: int = 0
    extra_deliveries: int = 0  # retries and double clicks sent on top (must not be answered)
    errors: int = 0
    duplicates: int = 0
    replies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0


def simulate_people(
    sender: Any,
    posts: Callable[[str], list[Call]],
    wait_posts: WaitPosts,
    *,
    users: int,
    per_user: int,
    tag: str,
    think: tuple[float, float] = (0.0, 0.0),
    deadline_s: float = 30.0,
) -> LoadStats:
    """``users`` people at once, each sending ``per_user`` events and pausing ``think``
    seconds (uniform, not measured) after each reply, as a person reading it would.

    Every fifth event is delivered twice (a Slack retry or a double click); a person whose
    reply does not come counts the rest of their events as errors.
    """
    stats = LoadStats(events=users * per_user)
    lock = threading.Lock()
    start_gate = threading.Barrier(users)

    def person(u: int) -> None:
        user = f"U{tag}{u:04d}"
        channel = f"D{user}"
        last: Call | None = None
        pause = random.Random(u)
        start_gate.wait()
        for step in range(per_user):
            if step and think[1] > 0:
                time.sleep(pause.uniform(*think))
            value = (
                first_button_value(last.json_field("blocks") or []) if last and step % 2 else None
            )
            t0 = time.monotonic()
            try:
                if value is not None and last is not None:
                    msg = P.posted_message(last.body, last.response["ts"])
                    click = P.block_actions(value, message=msg, channel=channel, user=user)
                    resp = sender.interaction(click)
                    if step % 5 == 1:  # a double click: a second interaction
                        sender.interaction({**click, "trigger_id": f"{click['trigger_id']}b"})
                        with lock:
                            stats.extra_deliveries += 1
                else:
                    text = WORRIES[(u + step) % len(WORRIES)]
                    payload = P.event_callback(P.dm_message(text, user=user))
                    resp = sender.event(payload)
                    if step % 5 == 0:  # Slack retries the same event_id
                        sender.event(payload, retry_num=1)
                        with lock:
                            stats.extra_deliveries += 1
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
                got = wait_posts(channel, step + 1, deadline_s)
            except Exception:
                with lock:
                    stats.errors += per_user - step
                return
            last = got[step]
            with lock:
                stats.replies_ms.append((last.at - t0) * 1000)
                if ENGINE_FAILURE in str(last.body.get("text", "")):
                    stats.errors += 1

    threads = [threading.Thread(target=person, args=(u,)) for u in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.seconds = time.monotonic() - started
    # a last reply for a sentinel person: stray duplicates, if any, are in by then
    sender.event(P.event_callback(P.dm_message("ヘルプ", user=f"U{tag}SENTINEL")))
    wait_posts(f"DU{tag}SENTINEL", 1, deadline_s)
    stats.duplicates = sum(max(0, len(posts(f"DU{tag}{u:04d}")) - per_user) for u in range(users))
    return stats
