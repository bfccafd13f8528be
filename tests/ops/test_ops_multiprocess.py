"""Several processes on one PostgreSQL database: one reply per Slack event, whichever process
or worker receives it, and concurrent writes to one conversation never fail.

The de-duplication is the database's: a primary key on the delivery id (processed_events),
so these tests run the real ``hintbot serve --http`` processes against the local Slack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.storage.conversations import Store
from bot.storage.db import Base, import_models, make_engine
from bot.storage.schema import create_schema
from tests.dbutil import fresh_url
from tests.support import payloads as P
from tests.support.driver import ROOT, ServeProcess, SlackSender
from tests.support.fake_slack import FakeSlack

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL")
DUPLICATE_LOG = "duplicate delivery ignored"
WORRIES = ("協議体がお客様状態で困っている", "移動支援の担い手がいない", "住民の意識が高まらない")


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


def serve_env(fake: FakeSlack, url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SLACK_VARS}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test-token-not-real",
        SLACK_SIGNING_SECRET=fake.signing_secret,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=url,
        HINTBOT_CHART_DIR=str(tmp_path / "charts"),
    )
    return env


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll with back-off until ``predicate`` holds (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout}s: {what}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def duplicates_logged(*logs: Path) -> int:
    return sum(p.read_text(errors="replace").count(DUPLICATE_LOG) for p in logs if p.exists())


def deliver(senders: list[SlackSender], payloads: list[dict[str, Any]]) -> None:
    """Each payload to every sender at once (as a duplicated delivery would arrive)."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(s.event, p) for p in payloads for s in senders]
        statuses = [f.result().status for f in futures]
    assert statuses == [200] * len(futures)


def assert_one_reply_each(fake: FakeSlack, users: list[str], logs: list[Path]) -> None:
    for user in users:
        fake.wait_posts(f"D{user}", 1, timeout=30)
    # every duplicate was seen and declined by the process that lost the claim ...
    wait_until(lambda: duplicates_logged(*logs) >= len(users), 30, "duplicates declined")
    assert duplicates_logged(*logs) == len(users)
    # ... so no further reply can come: exactly one per event
    assert {u: len(fake.posts(f"D{u}")) for u in users} == {u: 1 for u in users}


@pytest.mark.postgres
def test_two_servers_on_two_ports_fed_the_same_events(fake: FakeSlack, tmp_path: Path) -> None:
    url = fresh_url(tmp_path, "two_ports")  # empty: both servers start on it at once
    servers = [
        ServeProcess(serve_env(fake, url, tmp_path), workers=1, log_path=tmp_path / f"s{i}.log")
        for i in range(2)
    ]
    with ExitStack() as stack:
        starters = [threading.Thread(target=s.start) for s in servers]
        for t in starters:
            t.start()
        for t in starters:
            t.join(90)
        for s in servers:
            stack.callback(s.stop)
            s.wait_ready(30)
        senders = [SlackSender(s.base_url, fake.signing_secret) for s in servers]
        users = [f"U0TWO{i:03d}" for i in range(20)]
        payloads = [
            P.event_callback(P.dm_message(WORRIES[i % 3], user=u)) for i, u in enumerate(users)
        ]
        deliver(senders, payloads)
        assert_one_reply_each(fake, users, [s.log_path for s in servers if s.log_path])


@pytest.mark.postgres
def test_two_workers_behind_one_port(fake: FakeSlack, tmp_path: Path) -> None:
    url = fresh_url(tmp_path, "one_port")
    log = tmp_path / "serve.log"
    with ServeProcess(serve_env(fake, url, tmp_path), workers=2, log_path=log) as server:
        sender = SlackSender(server.base_url, fake.signing_secret)
        users = [f"U0ONE{i:03d}" for i in range(20)]
        payloads = [
            P.event_callback(P.dm_message(WORRIES[i % 3], user=u)) for i, u in enumerate(users)
        ]
        deliver([sender, sender], payloads)
        assert_one_reply_each(fake, users, [log])


def test_serve_refuses_an_out_of_date_database(fake: FakeSlack, tmp_path: Path) -> None:
    url = fresh_url(tmp_path, "old")
    engine = make_engine(url)
    import_models()
    Base.metadata.create_all(engine)  # made before migrations: no recorded revision
    engine.dispose()
    res = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--http", "--port", "1"],
        cwd=ROOT, env=serve_env(fake, url, tmp_path), capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert res.returncode == 2
    assert "hintbot db upgrade" in res.stderr and "Traceback" not in res.stderr


# -- the same rows from several connections at once -------------------------------------------
@pytest.mark.postgres
def test_concurrent_saves_of_one_conversation(tmp_path: Path) -> None:
    """Processes (here: engines with their own connections) saving the same new conversation
    at the same moment: no error, one row, holding one of the saved states."""
    url = fresh_url(tmp_path, "saves")
    engines = [make_engine(url) for _ in range(8)]
    create_schema(engines[0])
    errors: list[BaseException] = []
    claimed: list[bool] = []
    barrier = threading.Barrier(len(engines))
    base = datetime(2025, 1, 1)

    def worker(i: int, engine: sa.Engine) -> None:
        store = Store(engine, ttl=timedelta(days=3650))
        try:
            barrier.wait(timeout=30)
            for round_ in range(5):
                store.save(f"T:DUSAME:{round_}", "USAME", {"n": i}, now=base)
            claimed.append(store.claim_event("Ev-same"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, e)) for i, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert sorted(claimed) == [False] * (len(engines) - 1) + [True]
        store = Store(engines[0], ttl=timedelta(days=3650))
        for round_ in range(5):
            state, _expired = store.load(f"T:DUSAME:{round_}", now=base)
            assert state is not None and state["n"] in range(len(engines))
        with engines[0].connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM conversations")).scalar()
        assert n == 5
    finally:
        for e in engines:
            e.dispose()
