"""``make bench`` section "postgres": the production footing measured on a real PostgreSQL.

A temporary database on the local server (created and dropped here), ``hintbot serve --http
--workers 2`` (gunicorn, two worker processes) against the local Slack emulation, and 50
simulated people × 40 events each at once: a worry typed in a DM, then a click on the answer's
first button, alternating. Every fourth event is delivered twice (a Slack retry, or the same
delivery reaching both workers), which must not be answered twice. Measured: errors,
duplicate replies, lost log rows, and the time from sending an event to its chat.postMessage.

Then "a clock killed mid-digest and restarted: 0 missing and 0 duplicate digests": the 7
prefectures' channels set, digests due now, ``hintbot clock`` as a real process SIGKILLed twice
mid-run — once between a slot's claim and its post, once while Slack has the message but the
clock has no answer yet (the local Slack answers chat.postMessage 200 ms late) — and started a
third time. Measured: digests missing or duplicated per (channel, slot) in the local Slack, and
how the interrupted slots were settled (recovered by their message metadata, or re-posted).

Run alone: ``python -m benchmarks.postgres`` (prints JSON; ``python -m benchmarks.postgres clock`` for the
clock section only; ``--baseline REF`` runs the same load again on the code of a git ref, e.g. the
commit before the durable reply path, and reports its figures as ``baseline_…``). ``HINTBOT_BENCH_PG`` overrides the server (default
``postgresql://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_url() -> str:
    return os.environ.get("HINTBOT_BENCH_PG") or ADMIN_URL


def _reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip()[:120]}"
    return None


class TempDatabase:
    """CREATE DATABASE on enter, DROP DATABASE … WITH (FORCE) on exit."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"hintbot_bench_{secrets.token_hex(4)}"

    def _execute(self, template: LiteralString) -> None:
        import psycopg
        from psycopg import sql

        statement = sql.SQL(template).format(sql.Identifier(self.name))
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    @property
    def url(self) -> str:
        from sqlalchemy import make_url

        u = make_url(self.admin_url).set(drivername="postgresql+psycopg", database=self.name)
        return u.render_as_string(hide_password=False)

    def __enter__(self) -> TempDatabase:
        self._execute("CREATE DATABASE {}")
        return self

    def __exit__(self, *exc: object) -> None:
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def _bench_slack() -> Any:
    """The local Slack, plus a wake-up per channel: fifty people waiting on one shared
    condition would wake each other on every call, and the load generator (not the bot)
    would become what is measured."""
    from tests.support.fake_slack import Call, FakeSlack, _decode_body

    class BenchSlack(FakeSlack):
        def __init__(self) -> None:
            super().__init__()
            self._signals: dict[str, threading.Event] = {}
            self._signals_lock = threading.Lock()

        def signal(self, channel: str) -> threading.Event:
            with self._signals_lock:
                return self._signals.setdefault(channel, threading.Event())

        def _dispatch(
            self, path: str, headers: dict[str, str], raw: bytes
        ) -> tuple[int, dict[str, Any] | bytes, dict[str, str]]:
            result = super()._dispatch(path, headers, raw)
            if path.startswith("/api/chat.postMessage"):
                self.signal(str(_decode_body(headers, raw).get("channel"))).set()
            return result

        def await_posts(self, channel: str, count: int, timeout: float) -> list[Call]:
            event = self.signal(channel)
            deadline = time.monotonic() + timeout
            while True:
                event.clear()
                posts = self.posts(channel)
                if len(posts) >= count:
                    return posts
                if not event.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"{channel}: {len(posts)} of {count} replies")

    return BenchSlack()


def _load(
    fake: Any,
    sender: Any,
    users: int,
    per_user: int,
    think: tuple[float, float],
    prefix: str,
    deadline_s: float = 30.0,
) -> dict[str, float]:
    """``users`` people at once, each sending ``per_user`` events one after another, pausing
    ``think`` seconds (uniform) after each reply as a person reading it would."""
    from tests.support.load import percentile, simulate_people

    stats = simulate_people(
        sender,
        fake.posts,
        fake.await_posts,
        users=users,
        per_user=per_user,
        tag=f"B{prefix}",
        think=think,
        deadline_s=deadline_s,
    )
    r = stats.replies_ms
    return {
        f"{prefix}events": float(stats.events),
        f"{prefix}extra_deliveries": float(stats.extra_deliveries),
        f"{prefix}errors": float(stats.errors),
        f"{prefix}duplicate_replies": float(stats.duplicates),
        f"{prefix}reply_p50_ms": percentile(r, 50),
        f"{prefix}reply_p99_ms": percentile(r, 99),
        f"{prefix}reply_max_ms": max(r) if r else float("nan"),
        f"{prefix}events_per_s": stats.events / stats.seconds if stats.seconds else float("nan"),
    }


def _stored(url: str) -> tuple[int, int]:
    """(worries logged by the simulated people, delivery ids claimed)."""
    from sqlalchemy import text

    from bot.storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            logged = conn.execute(
                text(
                    "SELECT count(*) FROM consultations"
                    " WHERE user_id LIKE 'UB%' AND user_id NOT LIKE '%SENTINEL'"
                )
            ).scalar()
            claims = conn.execute(text("SELECT count(*) FROM processed_events")).scalar()
    finally:
        engine.dispose()
    return int(logged or 0), int(claims or 0)


# People pause to read an answer before the next message or click; "burst_" runs the same
# load with no pause at all, to show the headroom (on a 2-core machine the load generator
# and the local Slack then compete with the bot for the CPUs).
RUNS: tuple[tuple[str, tuple[float, float]], ...] = (("", (0.5, 1.5)), ("burst_", (0.0, 0.0)))


# -- a clock killed mid-digest ------------------------------------------------------------------
CLOCK_LEASE_MINUTES = 0.05  # 3 s: the production default is 10 minutes
CLOCK_POST_DELAY = 0.2  # the local Slack answers chat.postMessage this late
CLOCK_TIMEOUT = 120.0


def _clock_slack(post_delay: float) -> Any:
    """The local Slack, answering chat.postMessage ``post_delay`` late (the message is kept
    first, as Slack would have it), with a hook called as each message arrives."""
    from tests.support.fake_slack import FakeSlack

    class ClockSlack(FakeSlack):
        def __init__(self) -> None:
            super().__init__()
            self.on_post: Callable[[], None] | None = None

        def start(self) -> ClockSlack:
            super().start()
            # a killed client leaves a broken pipe behind: expected here, not worth a traceback
            assert self._http is not None
            self._http.handle_error = lambda *_a: None  # type: ignore[method-assign]
            return self

        def _dispatch(
            self, path: str, headers: dict[str, str], raw: bytes
        ) -> tuple[int, dict[str, Any] | bytes, dict[str, str]]:
            result = super()._dispatch(path, headers, raw)
            if path.startswith("/api/chat.postMessage"):
                hook = self.on_post
                if hook is not None:
                    hook()
                time.sleep(post_delay)  # a slow answer: the message is out, the clock waits
            return result

    return ClockSlack()


class _ClockProcess:
    """``hintbot clock`` as a subprocess of this bench (only ever signalled by its pid)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        from bot.settings import ROOT

        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "clock"],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: nothing in the clock runs after this (no finally, no shutdown)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc.wait(10)
        self._log.close()


def _poll(condition: Callable[[], bool], timeout: float, every: float = 0.002) -> bool:
    """Bounded polling of the database and the local Slack (a bench, not a test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def run_clock_kill_bench(
    admin: str | None = None,
    *,
    lease_minutes: float = CLOCK_LEASE_MINUTES,
    post_delay: float = CLOCK_POST_DELAY,
    timeout: float = CLOCK_TIMEOUT,
) -> dict[str, float]:
    """Kill ``hintbot clock`` mid-digest twice, restart it, count the digests in Slack."""
    admin = admin or _admin_url()
    problem = _reachable(admin)
    if problem:
        print(f"  PostgreSQL not reachable at {admin}: {problem}", flush=True)
        return {"clock_kill_postgres_reachable": 0.0}
    import psycopg
    from sqlalchemy import make_url

    from bot.settings import ROOT
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema
    from bot.survey.channels import ChannelStore
    from bot.survey.places import load_places
    from bot.survey.schedule import WEEKDAYS, weekly_key, zone

    # the weekly digest fell due a minute ago (Tokyo time): the clock's start-up posts it
    due = datetime.now(zone("Asia/Tokyo")) - timedelta(minutes=1)
    slot = weekly_key(due.date())
    result: dict[str, float] = {"clock_kill_postgres_reachable": 1.0}
    with (
        tempfile.TemporaryDirectory(prefix="hintbot-clockbench-") as tmp,
        TempDatabase(admin) as db,
        _clock_slack(post_delay) as fake,
    ):
        engine = make_engine(db.url)
        try:
            ensure_schema(engine)
            channels = {pc: f"C0PREF{pc}" for pc in load_places(ROOT / "data").pref_codes}
            for pc, ch in channels.items():
                ChannelStore(engine).set(pc, ch)
        finally:
            engine.dispose()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench-not-real",
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": db.url,
            "HINTBOT_CHART_DIR": str(Path(tmp) / "charts"),
            "HINTBOT_CACHE_DIR": str(Path(tmp) / "cache"),
            "HINTBOT_DIGEST_WEEKLY": f"{WEEKDAYS[due.weekday()]} {due:%H:%M}",
            "HINTBOT_DIGEST_LEASE_MINUTES": str(lease_minutes),
        }
        libpq = make_url(db.url).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(libpq, autocommit=True) as watch:

            def slots() -> dict[str, str]:
                rows = watch.execute("SELECT pref_code, status FROM survey_digest_slots")
                return {str(pc): str(st) for pc, st in rows.fetchall()}

            def posted_in_slack() -> set[str]:
                return {pc for pc, ch in channels.items() if fake.messages.get(ch)}

            def all_posted() -> bool:
                got = slots()
                return len(got) == len(channels) and set(got.values()) == {"posted"}

            def check(clock: _ClockProcess) -> bool:
                """True while the clock runs or was killed by us; a crash is an error."""
                if not clock.alive() and clock.proc.returncode != -signal.SIGKILL:
                    raise RuntimeError(f"hintbot clock exited: {clock.log()}")
                return True

            # 1. killed between a slot's claim and its post (composing), two prefectures in
            kills_after_claim = 0.0
            clock = _ClockProcess(env, Path(tmp) / "clock-1.log")
            try:

                def claimed_unposted() -> bool:
                    check(clock)
                    done = posted_in_slack()
                    claimed = {pc for pc, st in slots().items() if st == "posting"}
                    return (len(done) >= 2 and bool(claimed - done)) or all_posted()

                _poll(claimed_unposted, timeout)
                if not all_posted():
                    clock.kill()
                    kills_after_claim = 1.0
            finally:
                clock.kill()
                clock.stop()
            # 2. killed while Slack has a message and the clock waits for the answer
            kills_during_post = 0.0
            target = len(fake.posts()) + 2
            fired = threading.Event()
            clock = _ClockProcess(env, Path(tmp) / "clock-2.log")
            try:

                def on_post() -> None:
                    if len(fake.posts()) >= target and not fired.is_set():
                        fired.set()
                        clock.kill()

                fake.on_post = on_post
                _poll(lambda: check(clock) and (fired.is_set() or all_posted()), timeout)
                kills_during_post = 1.0 if fired.is_set() else 0.0
            finally:
                fake.on_post = None
                clock.kill()
                clock.stop()
            # 3. started again: every slot settles (recovered, re-posted or simply posted)
            t0 = time.monotonic()
            clock = _ClockProcess(env, Path(tmp) / "clock-3.log")
            try:
                _poll(lambda: check(clock) and all_posted(), timeout, every=0.05)
                settle_s = time.monotonic() - t0
            finally:
                clock.stop()
            notes = [
                str(e)
                for (e,) in watch.execute(
                    "SELECT coalesce(error, '') FROM survey_digest_attempts"
                ).fetchall()
            ]
            unsettled = len(channels) - sum(1 for st in slots().values() if st == "posted")
        per_slot: Counter[tuple[str, str]] = Counter()
        for ch, messages in fake.messages.items():
            for m in messages:
                if m.get("thread_ts") not in (None, m["ts"]):
                    continue
                payload = (m.get("metadata") or {}).get("event_payload") or {}
                per_slot[(ch, str(payload.get("slot")))] += 1
        expected = {(ch, slot) for ch in channels.values()}
        result.update(
            {
                "clock_kill_prefectures": float(len(channels)),
                "clock_kill_kills": kills_after_claim + kills_during_post,
                "clock_kill_killed_after_claim": kills_after_claim,
                "clock_kill_killed_during_post": kills_during_post,
                "clock_kill_missing": float(sum(1 for k in expected if per_slot[k] == 0)),
                "clock_kill_duplicates": float(
                    sum(max(0, n - 1) for k, n in per_slot.items() if k in expected)
                    + sum(n for k, n in per_slot.items() if k not in expected)
                ),
                "clock_kill_recovered_by_metadata": float(
                    sum(1 for n in notes if n.startswith("recovered:"))
                ),
                "clock_kill_reposted": float(sum(1 for n in notes if "taken over by" in n)),
                "clock_kill_unsettled_slots": float(unsettled),
                "clock_kill_settle_s": settle_s,
            }
        )
    return result


def _run_load(
    admin: str, users: int, per_user: int, workers: int, code: Path | None = None
) -> dict[str, float]:
    """The load runs on a new database; ``code`` is another checkout to serve (a baseline)."""
    from tests.support import payloads as P
    from tests.support.driver import ServeProcess, SlackSender
    from tests.support.load import WORRIES

    result: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="hintbot-pgbench-") as tmp,
        TempDatabase(admin) as db,
        _bench_slack() as fake,
    ):
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench-not-real",
            "SLACK_SIGNING_SECRET": fake.signing_secret,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": db.url,
            "HINTBOT_CHART_DIR": str(Path(tmp) / "charts"),
        }
        log = Path(tmp) / "serve.log"
        with ServeProcess(env, workers=workers, log_path=log, cwd=code) as server:
            sender = SlackSender(server.base_url, fake.signing_secret)
            for i in range(8 * workers):  # warm every worker (imports, pools, first queries)
                sender.event(P.event_callback(P.dm_message(WORRIES[i % 8], user=f"UW{i}")))
                fake.await_posts(f"DUW{i}", 1, 60)
            for prefix, think in RUNS:
                result.update(_load(fake, sender, users, per_user, think, prefix))
        logged, claims = _stored(db.url)
    # every worry typed is one log row (a click updates its row); every distinct delivery is
    # claimed exactly once (warm-up + events + sentinels), whichever worker took it
    runs = len(RUNS)
    result["lost_log_rows"] = float(runs * users * ((per_user + 1) // 2) - logged)
    result["claims_off_by"] = float(claims - (8 * workers + runs * (users * per_user + 1)))
    return result


def _checkout(ref: str, into: Path) -> Path:
    """The tree of ``ref`` (``git archive``, nothing in this checkout changes) in ``into``."""
    from bot.settings import ROOT

    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def run_bench(
    users: int = 50, per_user: int = 40, workers: int = 2, baseline: str | None = None
) -> dict[str, float]:
    """The figures above; ``postgres_reachable`` 0 (and nothing else) without a server.

    ``baseline`` (or ``HINTBOT_BENCH_BASELINE``): a git ref whose code runs the same load
    afterwards, its figures prefixed ``baseline_`` — e.g. the commit before the durable reply
    path, to compare the reply times with and without it."""
    admin = _admin_url()
    problem = _reachable(admin)
    if problem:
        print(f"  PostgreSQL not reachable at {admin}: {problem}", flush=True)
        return {"postgres_reachable": 0.0}
    result: dict[str, float] = {
        "postgres_reachable": 1.0,
        "workers": float(workers),
        "users": float(users),
        "events_per_user": float(per_user),
    }
    result.update(_run_load(admin, users, per_user, workers))
    baseline = baseline or os.environ.get("HINTBOT_BENCH_BASELINE") or None
    if baseline:
        with tempfile.TemporaryDirectory(prefix="hintbot-baseline-") as code:
            figures = _run_load(admin, users, per_user, workers, _checkout(baseline, Path(code)))
        result.update({f"baseline_{k}": v for k, v in figures.items()})
    result.update(run_clock_kill_bench(admin))
    return result


def _clock_ok(figures: dict[str, float]) -> bool:
    return (
        figures.get("clock_kill_missing") == 0
        and figures.get("clock_kill_duplicates") == 0
        and figures.get("clock_kill_unsettled_slots") == 0
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    only_clock = "clock" in args
    baseline = args[args.index("--baseline") + 1] if "--baseline" in args[:-1] else None
    figures = run_clock_kill_bench() if only_clock else run_bench(baseline=baseline)
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}, indent=2))
    if only_clock:
        return 0 if _clock_ok(figures) else 1
    if not figures.get("postgres_reachable"):
        return 1
    ok = (
        all(figures[f"{p}errors"] == 0 and figures[f"{p}duplicate_replies"] == 0 for p, _ in RUNS)
        and figures["reply_p99_ms"] < 500
        and figures["lost_log_rows"] == 0
        and figures["claims_off_by"] == 0
        and _clock_ok(figures)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
