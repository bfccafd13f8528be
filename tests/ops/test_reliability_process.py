"""The durable reply path in the real server (``hintbot serve --http``, gunicorn, 2 workers):
a worker SIGKILLed under load, PostgreSQL connections terminated under load, and bodies that
must be refused before they are read. Waits are bounded polls; nothing asserts on time."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.storage.conversations import Store
from bot.storage.db import make_engine
from bot.storage.outbox import OutboxStore
from tests.dbutil import TEST_DATABASE_URL, fresh_url
from tests.ops.test_ops_multiprocess import WORRIES, serve_env, wait_until
from tests.support import payloads as P
from tests.support.driver import ServeProcess, SlackLikeSender, SlackSender, send_large_body
from tests.support.fake_slack import FakeSlack, sign
from tests.support.harness import wait_outbox_settled

FAST = {
    "HINTBOT_REPLY_LEASE_SECONDS": "3",
    "HINTBOT_REPLY_SWEEP_SECONDS": "0.2",
    "HINTBOT_REPLY_RETRY_MAX_SECONDS": "0.5",
}


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


def outbox_on(url: str) -> OutboxStore:
    engine = make_engine(url)
    return OutboxStore(engine, Store(engine), lease=timedelta(seconds=3))


def send_all(sender: SlackLikeSender, payloads: list[dict], before: dict[int, object]) -> None:
    """Every payload from 8 threads; ``before[i]()`` runs just before payload ``i`` is sent."""

    def one(i: int) -> None:
        hook = before.get(i)
        if callable(hook):
            hook()
        sender.event(payloads[i])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(len(payloads))))


def assert_answered_once(fake: FakeSlack, users: list[str], url: str) -> None:
    for u in users:
        fake.wait_posts(f"D{u}", 1, timeout=90)
    counts = wait_outbox_settled(outbox_on(url), timeout=90)
    assert counts == {"done": len(users)}
    assert {u: len(fake.posts(f"D{u}")) for u in users} == {u: 1 for u in users}


def test_a_worker_killed_under_load_loses_no_answer_and_posts_none_twice(
    fake: FakeSlack, tmp_path: Path
) -> None:
    url = fresh_url(tmp_path, "kill")
    fake.latency["chat.postMessage"] = 0.15  # replies in flight when the worker dies
    env = {**serve_env(fake, url, tmp_path), **FAST}
    with ServeProcess(env, workers=2, log_path=tmp_path / "serve.log") as server:
        sender = SlackLikeSender(SlackSender(server.base_url, fake.signing_secret), pause=0.5)
        users = [f"U0KILL{i:03d}" for i in range(40)]
        payloads = [
            P.event_callback(P.dm_message(WORRIES[i % 3], user=u)) for i, u in enumerate(users)
        ]
        killed: list[int] = []

        def kill_one() -> None:
            pid = server.worker_pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

        send_all(sender, payloads, {10: kill_one})
        assert killed
        assert_answered_once(fake, users, url)
        assert sender.lost == 0


@pytest.mark.postgres
@pytest.mark.timeout(480)  # 120 workers' worth of retries on a 2-core machine shared with CI
def test_postgres_connections_terminated_under_load_lose_nothing(
    fake: FakeSlack, tmp_path: Path
) -> None:
    assert TEST_DATABASE_URL is not None
    name = f"hintbot_storm_{os.getpid()}"
    url = (
        make_url(fresh_url(tmp_path, "storm"))
        .update_query_dict({"application_name": name})
        .render_as_string(hide_password=False)
    )
    env = {**serve_env(fake, url, tmp_path), **FAST}
    admin = sa.create_engine(TEST_DATABASE_URL, poolclass=NullPool)
    stop = threading.Event()
    terminated = [0]

    def storm() -> None:
        with admin.connect() as conn:
            while not stop.wait(0.05):
                rows = conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": name},
                ).all()
                conn.commit()
                terminated[0] += len(rows)

    with ServeProcess(env, workers=2, log_path=tmp_path / "serve.log") as server:
        sender = SlackLikeSender(SlackSender(server.base_url, fake.signing_secret), pause=0.3)
        users = [f"U0PG{i:04d}" for i in range(120)]
        payloads = [
            P.event_callback(P.dm_message(WORRIES[i % 3], user=u)) for i, u in enumerate(users)
        ]
        killer = threading.Thread(target=storm, daemon=True)
        killer.start()
        calm = threading.Timer(20.0, stop.set)
        try:
            send_all(sender, payloads, {})
            # the storm goes on for 20 s after the last event, then the answers must all
            # arrive: on a machine shared with CI the storm alone can starve the workers
            calm.start()
            for u in users:
                fake.wait_posts(f"D{u}", 1, timeout=240)
        finally:
            calm.cancel()
            stop.set()
            killer.join(10)
        assert terminated[0] > 0
        assert_answered_once(fake, users, url)
        engine = make_engine(url)
        try:
            logged = Store(engine).consultations(limit=10_000)
        finally:
            engine.dispose()
        # the consultation log is complete: one consultation per worry, none twice
        assert sorted(c.user_id for c in logged) == sorted(users)
    admin.dispose()


def test_bodies_are_refused_before_they_are_read(fake: FakeSlack, tmp_path: Path) -> None:
    url = fresh_url(tmp_path, "bodies")
    env = serve_env(fake, url, tmp_path)
    with ServeProcess(env, workers=1, log_path=tmp_path / "serve.log") as server:
        # a declared 20 MB: 413 from the length alone
        status, _, _ = send_large_body(server.base_url, 20_000_000)
        assert status == 413
        # 20 MB chunked and unsigned: 401 before a byte of it is read
        status, _, _ = send_large_body(server.base_url, 20_000_000, chunked=True)
        assert status == 401
        # 2 MB chunked and signed (over the 1 MiB limit): 413 after at most 1 MiB
        ts = str(int(time.time()))
        headers = sign(fake.signing_secret, b"", int(ts))
        status, _, _ = send_large_body(server.base_url, 2_000_000, chunked=True, headers=headers)
        assert status == 413
        # and the server still answers
        sender = SlackSender(server.base_url, fake.signing_secret)
        assert sender.event(P.event_callback(P.dm_message(WORRIES[0]))).status == 200
        fake.wait_posts("DU0USER1", 1, timeout=30)
        wait_until(lambda: server.proc is not None and server.proc.poll() is None, 5, "alive")
