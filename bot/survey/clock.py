"""``hintbot clock``: the process that posts the digests on time (APScheduler 3).

Jobs live in the project's database (SQLAlchemyJobStore on the same engine), times are
Asia/Tokyo explicitly, and every digest job has ``coalesce`` and a ``misfire_grace_time`` in
hours, so a clock that was down catches up once. Whatever fires, the slots themselves are
claimed in the database, so a second clock process or a restart never posts a slot twice.

Every digest run (and the start-up) first settles slots left "posting" by a clock that died
mid-digest once their lease has run out (``DigestService.recover``); a claim still within its
lease gets a one-off run at the moment it runs out, so recovery does not wait for the retry.

The clock does not know Slack: its entry point passes in the factory of the digest poster.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.settings import Settings
from bot.survey.schedule import parse_weekly, zone

if TYPE_CHECKING:
    from bot.survey.ports import ConversationPurges, DigestPoster
    from bot.survey.posting import DigestService

log = logging.getLogger("bot.survey.clock")

JOB_TABLE = "apscheduler_jobs"
WEEKLY_JOB = "survey-digest-weekly"
MEETING_JOB = "survey-digest-meetings"
RETRY_JOB = "survey-digest-retry"
PURGE_JOB = "purge-processed-events"
PURGE_CONVERSATIONS_JOB = "purge-expired-conversations"
RECOVER_JOB = "survey-digest-recover"  # + "-<epoch>": one-off runs when a lease runs out
RETRY_MINUTES = 30
PURGE_AT = (4, 30)
PURGE_CONVERSATIONS_AT = (4, 40)
# a one-off recovery run is never sooner than this (no tight loop on a stubborn slot)
RECOVER_MIN_DELAY = timedelta(seconds=2)

# The running clock's collaborators; jobs in the store refer to module functions by name.
_RUNNER: dict[str, Callable[..., Any]] = {}


def set_runner(
    digests: Callable[[list[str]], Any],
    purge: Callable[[], Any],
    purge_conversations: Callable[[], Any] | None = None,
) -> None:
    _RUNNER["digests"] = digests
    _RUNNER["purge"] = purge
    if purge_conversations is not None:
        _RUNNER["purge_conversations"] = purge_conversations


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


def job_purge_conversations() -> None:
    fn = _RUNNER.get("purge_conversations")
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
    sched.add_job(
        "bot.survey.clock:job_purge_conversations",
        CronTrigger(hour=PURGE_CONVERSATIONS_AT[0], minute=PURGE_CONVERSATIONS_AT[1], timezone=tz),
        id=PURGE_CONVERSATIONS_JOB,
        name="期限切れの会話の削除",
        **common,
    )
    return sched


def schedule_recovery(sched: BaseScheduler, at: datetime, settings: Settings) -> str:
    """A one-off digest run when a claim's lease runs out; returns the job id."""
    run_at = max(at + timedelta(seconds=1), datetime.now(UTC) + RECOVER_MIN_DELAY)
    job_id = f"{RECOVER_JOB}-{int(run_at.timestamp())}"
    grace = int(timedelta(hours=settings.digest_grace_hours).total_seconds()) or 1
    sched.add_job(
        "bot.survey.clock:job_digests",
        DateTrigger(run_date=run_at, timezone=zone(settings.timezone)),
        args=[["weekly", "meeting"]],
        id=job_id,
        name="中断された投稿の確認",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=grace,
        max_instances=1,
    )
    return job_id


class ClockJobs:
    """What the scheduled jobs do, with the running clock's collaborators."""

    def __init__(
        self, service: DigestService, conversations: ConversationPurges, settings: Settings
    ) -> None:
        self.service = service
        self.conversations = conversations
        self.settings = settings
        self.sched: BaseScheduler | None = None

    def digests(self, kinds: list[str]) -> None:
        # slots a killed clock left "posting": recovered from the history, or posted again
        for o in self.service.recover():
            log.info("digest %s %s recovery: %s %s", o.pref_code, o.slot, o.status, o.detail)
        for o in self.service.run_due(None, kinds):
            log.info("digest %s %s: %s %s", o.pref_code, o.slot, o.status, o.detail)
        at = self.service.next_stale_at()
        if at is not None and self.sched is not None:
            schedule_recovery(self.sched, at, self.settings)

    def purge(self) -> None:
        n = self.conversations.purge_processed_events()
        log.info("purged %d processed event ids", n)

    def purge_conversations(self) -> None:
        n = self.conversations.purge_expired()
        log.info("purged %d idle conversations", n)


def run_clock(settings: Settings, make_poster: Callable[[Settings], DigestPoster]) -> int:
    """Run until SIGTERM/SIGINT, posting through the poster ``make_poster`` builds.

    The poster is built first, so a missing setting (the Slack token) stops the start-up
    with the factory's own message before anything else is opened.
    """
    from bot.storage.conversations import Store
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema
    from bot.survey.context import SurveyContext
    from bot.survey.posting import DigestService

    poster = make_poster(settings)
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    ctx = SurveyContext(settings, engine)
    ctx.ensure_demo_sample()
    store = Store(engine, ttl=timedelta(minutes=settings.conversation_ttl_minutes))
    service = DigestService(ctx, poster, store)
    jobs = ClockJobs(service, store, settings)
    set_runner(jobs.digests, jobs.purge, jobs.purge_conversations)
    sched = jobs.sched = build_scheduler(engine, settings, blocking=True)
    # Stored jobs are replaced at start (settings may have changed), which drops a run missed
    # while the clock was down; catch up here instead: slots still in their window post once,
    # and slots a killed clock left "posting" are settled (or looked at when their lease ends).
    jobs.digests(["weekly", "meeting"])

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
