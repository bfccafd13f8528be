"""The durable reply path measured (issue 12): ``python -m benchmarks.reliability``.

Every section runs the real server, ``hintbot serve --http`` (gunicorn, 2 workers), against
the local Slack stand-in, with the production settings unless a section says otherwise:

- ``faults``: 60 DMs, one per channel; the first ``chat.postMessage`` of each channel fails
  with 500, 429 (Retry-After 1), a dropped connection, or 503 twice (15 channels each).
  Answered, duplicates, and seconds until each answer.
- ``sigkill``: 80 DMs from 16 threads through a Slack-like resender (a delivery without a 200
  is sent again with X-Slack-Retry-Num, up to 3 times); one gunicorn worker is SIGKILLed after
  the 20th. Answered, duplicates, seconds until the last answer.
- ``storm`` (PostgreSQL): 400 DMs while every connection of the server is terminated
  (``pg_terminate_backend``) every 50 ms. Answered, duplicates, consultations logged.
- ``malformed``: every shape of the issue, signed and unsigned, and 20 MB bodies (declared and
  chunked, unsigned); statuses, 500s, time to the refusal, growth of the workers' RSS.
- ``approvals``: 20 trials on SQLite and on PostgreSQL, each: two admins click 承認 at once,
  and an old button of a replaced request is clicked. Double approvals, hijacks.

PostgreSQL: ``HINTBOT_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``);
without a server those sections report ``postgres_reachable: 0``. Prints JSON; exit 1 when a
target is missed. ``python -m benchmarks.reliability faults sigkill`` runs some sections.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.postgres import TempDatabase, _admin_url, _reachable
from tests.support import payloads as P
from tests.support.driver import (
    ServeProcess,
    SlackLikeSender,
    SlackSender,
    send_large_body,
)
from tests.support.fake_slack import FakeSlack, sign
from tests.support.load import WORRIES, percentile

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL")


def _env(fake: FakeSlack, url: str, tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SLACK_VARS}
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench-not-real",
        SLACK_SIGNING_SECRET=fake.signing_secret,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=url,
        HINTBOT_HOME=str(tmp / "home"),
        HINTBOT_CHART_DIR=str(tmp / "charts"),
        **extra,
    )
    return env


def _outbox(url: str) -> Any:
    from bot.storage.conversations import Store
    from bot.storage.db import make_engine
    from bot.storage.outbox import OutboxStore

    engine = make_engine(url)
    return OutboxStore(engine, Store(engine), lease=timedelta(seconds=45))


def _settle(url: str, timeout: float) -> dict[str, int]:
    from tests.support.harness import wait_outbox_settled

    outbox = _outbox(url)
    try:
        return wait_outbox_settled(outbox, timeout)
    except TimeoutError:
        return outbox.counts()
    finally:
        outbox.engine.dispose()


def _answered(fake: FakeSlack, channels: list[str], sent_at: dict[str, float]) -> dict[str, Any]:
    posts = {ch: fake.posts(ch) for ch in channels}
    waits = [posts[ch][0].at - sent_at[ch] for ch in channels if posts[ch] and ch in sent_at]
    return {
        "answered": sum(1 for ch in channels if posts[ch]),
        "duplicates": sum(max(0, len(p) - 1) for p in posts.values()),
        "answer_p50_s": round(percentile(waits, 50), 2) if waits else None,
        "answer_max_s": round(max(waits), 2) if waits else None,
    }


def _wait_all(fake: FakeSlack, channels: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    for ch in channels:
        try:
            fake.wait_posts(ch, 1, timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            return False
    return True


# -- Web API faults ------------------------------------------------------------------------------
def bench_faults(n: int = 60) -> dict[str, Any]:
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("500", {"status": 500}),
        ("429 Retry-After 1", {"status": 429, "retry_after": "1"}),
        ("dropped connection", {"drop": True}),
        ("503 twice", {"status": 503, "times": 2}),
    ]
    with tempfile.TemporaryDirectory(prefix="hintbot-rel-") as t, FakeSlack() as fake:
        tmp = Path(t)
        url = f"sqlite:///{tmp}/faults.sqlite3"
        users = [f"U0F{i:04d}" for i in range(n)]
        channels = [f"D{u}" for u in users]
        for i, ch in enumerate(channels):
            fake.inject("chat.postMessage", channel=ch, **kinds[i % len(kinds)][1])
        with ServeProcess(_env(fake, url, tmp), workers=2, log_path=tmp / "serve.log") as srv:
            sender = SlackSender(srv.base_url, fake.signing_secret)
            sent_at: dict[str, float] = {}
            statuses: list[int] = []
            for i, u in enumerate(users):
                sent_at[f"D{u}"] = time.monotonic()
                statuses.append(
                    sender.event(P.event_callback(P.dm_message(WORRIES[i % 10], user=u))).status
                )
            _wait_all(fake, channels, 180)
            counts = _settle(url, 60)
        out = {"dms": n, **_answered(fake, channels, sent_at), "outbox": counts}
        out["faults_served"] = len(fake.faults_served)
        out["non_200_acks"] = sum(1 for s in statuses if s != 200)
        return out


# -- a worker SIGKILLed --------------------------------------------------------------------------
def bench_sigkill(n: int = 80, kill_after: int = 20) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hintbot-rel-") as t, FakeSlack() as fake:
        tmp = Path(t)
        url = f"sqlite:///{tmp}/kill.sqlite3"
        # Slack answers a post in 0.5 s, and 16 people write at once: when the worker dies,
        # answers are in flight in it (made but not posted, or posted but not recorded)
        fake.latency["chat.postMessage"] = 0.5
        with ServeProcess(_env(fake, url, tmp), workers=2, log_path=tmp / "serve.log") as srv:
            sender = SlackLikeSender(SlackSender(srv.base_url, fake.signing_secret), pause=1.0)
            users = [f"U0K{i:04d}" for i in range(n)]
            channels = [f"D{u}" for u in users]
            sent_at: dict[str, float] = {}
            killed: list[int] = []
            count = [0]
            lock = threading.Lock()

            def one(i: int) -> None:
                with lock:
                    count[0] += 1
                    if count[0] == kill_after + 1 and not killed:
                        pid = srv.worker_pids()[0]
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                sent_at[channels[i]] = time.monotonic()
                sender.event(P.event_callback(P.dm_message(WORRIES[i % 10], user=users[i])))

            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(one, range(n)))
            all_in = _wait_all(fake, channels, 180)
            last = max((fake.posts(ch)[0].at for ch in channels if fake.posts(ch)), default=t0)
            counts = _settle(url, 120)
            log_text = (tmp / "serve.log").read_text(errors="replace")
        return {
            "dms": n,
            "killed_worker": bool(killed),
            **_answered(fake, channels, sent_at),
            "all_answered_s": round(last - t0, 1) if all_in else None,
            "resent": sender.resent,
            "deliveries_never_acknowledged": sender.lost,
            "outbox": counts,
            "log": _log_summary(log_text),
        }


# -- PostgreSQL connections terminated -----------------------------------------------------------
def bench_storm(n: int = 400, every: float = 0.05) -> dict[str, Any]:
    admin = _admin_url()
    problem = _reachable(admin)
    if problem:
        return {"postgres_reachable": 0, "why": problem}
    import sqlalchemy as sa
    from sqlalchemy import make_url
    from sqlalchemy.pool import NullPool

    name = f"hintbot_storm_{os.getpid()}"
    with (
        tempfile.TemporaryDirectory(prefix="hintbot-rel-") as t,
        TempDatabase(admin) as db,
        FakeSlack() as fake,
    ):
        tmp = Path(t)
        url = make_url(db.url).update_query_dict({"application_name": name})
        url_s = url.render_as_string(hide_password=False)
        killer_engine = sa.create_engine(
            make_url(db.url).render_as_string(hide_password=False), poolclass=NullPool
        )
        stop = threading.Event()
        terminated = [0]

        def storm() -> None:
            with killer_engine.connect() as conn:
                while not stop.wait(every):
                    rows = conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :n AND pid <> pg_backend_pid()"
                        ),
                        {"n": name},
                    ).all()
                    conn.commit()
                    terminated[0] += len(rows)

        with ServeProcess(_env(fake, url_s, tmp), workers=2, log_path=tmp / "serve.log") as srv:
            sender = SlackLikeSender(SlackSender(srv.base_url, fake.signing_secret), pause=0.5)
            users = [f"U0S{i:04d}" for i in range(n)]
            channels = [f"D{u}" for u in users]
            sent_at: dict[str, float] = {}
            killer = threading.Thread(target=storm, daemon=True)
            killer.start()
            t0 = time.monotonic()
            try:

                def one(i: int) -> None:
                    sent_at[channels[i]] = time.monotonic()
                    sender.event(P.event_callback(P.dm_message(WORRIES[i % 10], user=users[i])))

                with ThreadPoolExecutor(max_workers=8) as pool:
                    list(pool.map(one, range(n)))
                _wait_all(fake, channels, 240)
            finally:
                stop.set()
                killer.join(10)
                killer_engine.dispose()
            seconds = time.monotonic() - t0
            counts = _settle(url_s, 120)
            log_text = (tmp / "serve.log").read_text(errors="replace")
        logged = _consultations(url_s, "U0S")
        return {
            "postgres_reachable": 1,
            "events": n,
            "connections_terminated": terminated[0],
            **_answered(fake, channels, sent_at),
            "consultations_logged": logged,
            "consultation_log_complete": logged == n,
            "resent": sender.resent,
            "deliveries_never_acknowledged": sender.lost,
            "seconds": round(seconds, 1),
            "outbox": counts,
            "log": _log_summary(log_text),
        }


LOG_MARKS = (
    "reply posted",
    "reply attempt failed",
    "sweeper took up",
    "reply found posted",
    "outbox update failed",
    "outbox unreadable",
    "unfinished delivery resumed",
    "duplicate delivery ignored",
    "delivery taken over",
    "reply given up",
    "engine failure",
    "Traceback",
)


def _log_summary(text: str) -> dict[str, int]:
    return {mark: text.count(mark) for mark in LOG_MARKS}


def _consultations(url: str, prefix: str) -> int:
    from sqlalchemy import text

    from bot.storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.execute(
                text("SELECT count(*) FROM consultations WHERE user_id LIKE :p"),
                {"p": f"{prefix}%"},
            ).scalar()
    finally:
        engine.dispose()
    return int(n or 0)


# -- malformed requests --------------------------------------------------------------------------
SHAPES: dict[str, tuple[bytes, str]] = {
    '{"type":': (b'{"type":', "application/json"),
    "[1]": (b"[1]", "application/json"),
    "\\xff\\xfe{}": (b"\xff\xfe{}", "application/json"),
    "null": (b"null", "application/json"),
    '"hello"': (b'"hello"', "application/json"),
    "payload=%7Bx": (b"payload=%7Bx", "application/x-www-form-urlencoded"),
}


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def bench_malformed() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hintbot-rel-") as t, FakeSlack() as fake:
        tmp = Path(t)
        url = f"sqlite:///{tmp}/malformed.sqlite3"
        with ServeProcess(_env(fake, url, tmp), workers=2, log_path=tmp / "serve.log") as srv:
            sender = SlackSender(srv.base_url, fake.signing_secret)
            statuses: dict[str, dict[str, int]] = {}
            form = "application/x-www-form-urlencoded"
            view = {"callback_id": "survey_submit", "private_metadata": "{}", "blocks": []}
            no_type = P.view_submission(view, {})
            del no_type["view"]["type"]
            odd_meta = P.view_submission({**view, "private_metadata": "[1]"}, {})
            shapes = {
                **SHAPES,
                "view_submission without view.type": (
                    P.encode_interaction(no_type)[0].encode(),
                    form,
                ),
                "private_metadata [1]": (P.encode_interaction(odd_meta)[0].encode(), form),
            }
            for name, (body, ctype) in shapes.items():
                unsigned = sender.post(
                    body,
                    ctype,
                    headers={"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""},
                )
                signed = sender.post(body, ctype)
                statuses[name] = {"unsigned": unsigned.status, "signed": signed.status}
            codes = [s for pair in statuses.values() for s in pair.values()]
            workers = srv.worker_pids()
            before = {pid: _rss_kb(pid) for pid in workers}
            big: dict[str, Any] = {}
            for label, chunked in (("declared", False), ("chunked", True)):
                results = []
                with ThreadPoolExecutor(max_workers=4) as pool:
                    futures = [
                        pool.submit(send_large_body, srv.base_url, 20_000_000, chunked=chunked)
                        for _ in range(4)
                    ]
                    results = [f.result() for f in futures]
                big[label] = {
                    "statuses": sorted({r[0] or 0 for r in results}),
                    "refused_in_max_s": round(max(r[1] for r in results), 3),
                }
            ts = int(time.time())
            signed_big = send_large_body(
                srv.base_url, 20_000_000, chunked=True, headers=sign(fake.signing_secret, b"", ts)
            )
            big["chunked_signed"] = {
                "statuses": [signed_big[0]],
                "refused_in_max_s": round(signed_big[1], 3),
            }
            after = {pid: _rss_kb(pid) for pid in workers if Path(f"/proc/{pid}").exists()}
            growth = max((after[p] - before[p]) / 1024 for p in after) if after else None
        return {
            "shapes": statuses,
            "responses_500": sum(1 for c in codes if c >= 500),
            "bodies_20mb": big,
            "worker_rss_growth_max_mb": round(growth, 1) if growth is not None else None,
        }


# -- approvals -----------------------------------------------------------------------------------
def _approval_trials(url: str, trials: int) -> dict[str, Any]:
    from bot.settings import Settings
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema
    from bot.survey.context import SurveyContext
    from bot.survey.registry import AlreadyDecided, Member

    engine = make_engine(url)
    try:
        ensure_schema(engine)
        ctx = SurveyContext(Settings(database_url=url, demo_sample=False), engine)
        reg = ctx.registry
        reg.set("U0BUREAU", role="bureau")
        reg.set("U0OSAKA", role="prefecture", place="大阪府", admin=True)
        double = hijacked = second_told = 0
        for i in range(trials):
            # two admins click 承認 on the same request at once
            m = reg.request(f"U0BA{i:04d}", "茨木市")
            results: list[Any] = [None, None]
            gate = threading.Barrier(2)

            def click(
                slot: int,
                admin: str,
                m: Member = m,
                res: list[Any] = results,
                gate: threading.Barrier = gate,
            ) -> None:
                gate.wait()
                try:
                    res[slot] = reg.decide(
                        admin, m.user_id, True, request_id=m.request_id, version=m.version
                    )
                except AlreadyDecided as exc:
                    res[slot] = exc

            threads = [
                threading.Thread(target=click, args=(k, a))
                for k, a in enumerate(("U0BUREAU", "U0OSAKA"))
            ]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wins = sum(1 for r in results if isinstance(r, Member))
            double += max(0, wins - 1)
            second_told += sum(
                1 for r in results if isinstance(r, AlreadyDecided) and "すでに処理" in str(r)
            )
            # applies as 茨木市 staff, re-applies as prefecture staff; the old button is clicked
            old = reg.request(f"U0BH{i:04d}", "茨木市")
            reg.request(f"U0BH{i:04d}", "大阪府")
            with contextlib.suppress(AlreadyDecided):
                reg.decide(
                    "U0BUREAU", old.user_id, True, request_id=old.request_id, version=old.version
                )
            now = reg.get(old.user_id)
            if now is not None and now.approved:
                hijacked += 1
        return {
            "trials": trials,
            "double_approvals": double,
            "hijacks": hijacked,
            "second_clicks_told_already_processed": second_told,
        }
    finally:
        engine.dispose()


def bench_approvals(trials: int = 20) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hintbot-rel-") as t:
        out["sqlite"] = _approval_trials(f"sqlite:///{t}/approvals.sqlite3", trials)
    admin = _admin_url()
    problem = _reachable(admin)
    if problem:
        out["postgresql"] = {"postgres_reachable": 0, "why": problem}
    else:
        with TempDatabase(admin) as db:
            out["postgresql"] = _approval_trials(db.url, trials)
    return out


SECTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "faults": bench_faults,
    "sigkill": bench_sigkill,
    "storm": bench_storm,
    "malformed": bench_malformed,
    "approvals": bench_approvals,
}


def _ok(results: dict[str, Any]) -> bool:
    checks: list[bool] = []
    if "faults" in results:
        r = results["faults"]
        checks.append(r["answered"] == r["dms"] and r["duplicates"] == 0)
    if "sigkill" in results:
        r = results["sigkill"]
        checks.append(r["answered"] == r["dms"] and r["duplicates"] == 0)
        checks.append(r["all_answered_s"] is not None and r["all_answered_s"] < 120)
    if results.get("storm", {}).get("postgres_reachable"):
        r = results["storm"]
        checks.append(r["answered"] == r["events"] and r["duplicates"] == 0)
        checks.append(r["consultation_log_complete"])
    if "malformed" in results:
        r = results["malformed"]
        checks.append(r["responses_500"] == 0)
        checks.append(all(b["refused_in_max_s"] < 1 for b in r["bodies_20mb"].values()))
        growth = r["worker_rss_growth_max_mb"]
        checks.append(growth is not None and growth <= 20)
    for db in ("sqlite", "postgresql"):
        r = results.get("approvals", {}).get(db, {})
        if "trials" in r:
            checks.append(r["double_approvals"] == 0 and r["hijacks"] == 0)
    return all(checks)


def run_bench(sections: list[str] | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in sections or list(SECTIONS):
        t0 = time.monotonic()
        print(f"  reliability: {name} …", file=sys.stderr, flush=True)
        results[name] = SECTIONS[name]()
        results[name]["section_s"] = round(time.monotonic() - t0, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    names = [a for a in (sys.argv[1:] if argv is None else argv) if a in SECTIONS]
    results = run_bench(names or None)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0 if _ok(results) else 1


if __name__ == "__main__":
    sys.exit(main())
