"""``hintbot clock``: the process that posts the digests on time (APScheduler 3).

Jobs live in the project's database (SQLAlchemyJobStore on the same engine), times are
Asia/Tokyo explicitly, and every digest job has ``coalesce`` and a ``misfire_grace_time`` in
hours, so a clock that was down catches up once. Whatever fires, the slots themselves are
claimed in the database, so a second clock process or a restart never posts a slot twice.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.settings import Settings
from bot.survey.schedule import parse_weekly, zone

log = logging.getLogger("bot.survey.clock")

JOB_TABLE = "apscheduler_jobs"
WEEKLY_JOB = "survey-digest-weekly"
MEETING_JOB = "survey-digest-meetings"
RETRY_JOB = "survey-digest-retry"
PURGE_JOB = "purge-processed-events"
RETRY_MINUTES = 30
PURGE_AT = (4, 30)

# The running clock's collaborators; jobs in the store refer to module functions by name.
_RUNNER: dict[str, Callable[..., Any]] = {}


def set_runner(digests: Callable[[list[str]], Any], purge: Callable[[], Any]) -> None:
    _RUNNER["digests"] = digests
    _RUNNER["purge"] = purge


def job_digests(kinds: list[str]) -> None:
    """Scheduled entry point: post the due slots of ``kinds``."""
    fn = _RUNNER.get("digests")
    if fn is None:
        log.warning("digest job ran outside hintbot clock; nothing done")
        return
    fn(kinds)


def job_purge() -> None:
    fn = _RUNNER.get("purge")
    if fn is not None:
        fn()


def build_scheduler(engine: Engine, settings: Settings, *, blocking: bool = True) -> BaseScheduler:
    """The scheduler with its jobs (replacing stored ones, so changed settings apply)."""
    tz = zone(settings.timezone)
    weekly = parse_weekly(settings.digest_weekly)
    grace = int(timedelta(hours=settings.digest_grace_hours).total_seconds()) or 1
    cls = BlockingScheduler if blocking else BackgroundScheduler
    sched: BaseScheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
        timezone=tz,
    )
    common: dict[str, Any] = {
        "replace_existing": True,
        "coalesce": True,
        "misfire_grace_time": grace,
        "max_instances": 1,
    }
    sched.add_job(
        "bot.survey.clock:job_digests",
        CronTrigger(
            day_of_week=weekly.cron_day(), hour=weekly.hour, minute=weekly.minute, timezone=tz
        ),
        args=[["weekly"]],
        id=WEEKLY_JOB,
        name=f"週次ダイジェスト（{weekly.describe()}）",
        **common,
    )
    # Pre-meeting digests fire N days before a meeting at the weekly time of day: a daily job
    # at that time finds them (meetings added later by `hintbot meeting add` included).
    sched.add_job(
        "bot.survey.clock:job_digests",
        CronTrigger(hour=weekly.hour, minute=weekly.minute, timezone=tz),
        args=[["meeting"]],
        id=MEETING_JOB,
        name=f"検討会{settings.digest_days_before}日前のダイジェスト",
        **common,
    )
    # Failed posts are tried again while their slot is still open.
    sched.add_job(
        "bot.survey.clock:job_digests",
        IntervalTrigger(minutes=RETRY_MINUTES, timezone=tz),
        args=[["weekly", "meeting"]],
        id=RETRY_JOB,
        name="失敗した投稿の再試行",
        **common,
    )
    sched.add_job(
        "bot.survey.clock:job_purge",
        CronTrigger(hour=PURGE_AT[0], minute=PURGE_AT[1], timezone=tz),
        id=PURGE_JOB,
        name="処理済みイベントIDの削除",
        **common,
    )
    return sched


def run_clock(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT."""
    from bot.db import ensure_schema, make_engine
    from bot.slack.client import make_web_client
    from bot.store import Store
    from bot.survey.service import DigestService, SurveyContext

    client = make_web_client(settings)  # SLACK_BOT_TOKEN is required; the message names it
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    ctx = SurveyContext(settings, engine)
    ctx.ensure_demo_sample()
    service = DigestService(ctx)
    store = Store(engine)

    def digests(kinds: list[str]) -> None:
        for o in service.run_due(client, datetime.now(UTC), kinds):
            log.info("digest %s %s: %s %s", o.pref_code, o.slot, o.status, o.detail)

    def purge() -> None:
        n = store.purge_processed_events()
        log.info("purged %d processed event ids", n)

    set_runner(digests, purge)
    sched = build_scheduler(engine, settings, blocking=True)
    # Stored jobs are replaced at start (settings may have changed), which drops a run missed
    # while the clock was down; catch up here instead: slots still in their window post once.
    digests(["weekly", "meeting"])

    def stop(_sig: int, _frame: object) -> None:
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    print(
        f"hintbot clock を開始しました（{service.ctx.weekly.describe()}、検討会の"
        f"{settings.digest_days_before}日前、タイムゾーン {settings.timezone}）。Ctrl+C で終了します。",
        flush=True,
    )
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        engine.dispose()
    return 0
