"""Schedule computation as pure functions of ``now``, the last run and the meetings, and the
APScheduler job configuration of ``hintbot clock``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.settings import Settings
from bot.survey.schedule import (
    Meeting,
    WeeklySpec,
    current_slot,
    due_slots,
    parse_weekly,
    weekly_key,
)

JST = ZoneInfo("Asia/Tokyo")
MON9 = WeeklySpec(0, 9, 0)


def jst(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=JST)


def keys(slots: list) -> list[tuple[str, str]]:
    return [(s.pref_code, s.key) for s in slots]


def test_weekly_keys_are_iso_weeks() -> None:
    assert weekly_key(date(2026, 11, 30)) == "weekly:2026-W49"
    assert weekly_key(date(2027, 1, 1)) == "weekly:2026-W53"  # ISO year, not calendar year
    assert weekly_key(date(2027, 1, 4)) == "weekly:2027-W01"


def test_parse_weekly_accepts_english_and_japanese_and_rejects_nonsense() -> None:
    assert parse_weekly("mon 09:00") == MON9
    assert parse_weekly("金 17:30") == WeeklySpec(4, 17, 30)
    assert parse_weekly("Wednesday 8:05") == WeeklySpec(2, 8, 5)
    with pytest.raises(UserError, match="HINTBOT_DIGEST_WEEKLY"):
        parse_weekly("毎週月曜")
    with pytest.raises(UserError, match="時刻"):
        parse_weekly("mon 25:00")


def test_weekly_slot_is_due_from_its_time_within_the_grace_window() -> None:
    before = due_slots(jst(2026, 11, 30, 8, 59), ["27"], [], weekly=MON9)
    assert keys(before) == []  # last week's slot is past its 12 h window
    at = due_slots(jst(2026, 11, 30, 9, 0), ["27", "28"], [], weekly=MON9)
    assert keys(at) == [("27", "weekly:2026-W49"), ("28", "weekly:2026-W49")]
    assert at[0].fire_at == jst(2026, 11, 30, 9, 0)
    # the same answer in UTC (00:00Z is 09:00 JST): times are Asia/Tokyo explicitly
    assert keys(due_slots(datetime(2026, 11, 30, 0, 0, tzinfo=UTC), ["27"], [], weekly=MON9)) == [
        ("27", "weekly:2026-W49")
    ]


def test_a_clock_that_was_down_over_a_slot_catches_up_once() -> None:
    # down from Sunday to Monday 15:00: the 09:00 slot is still within 12 h
    late = due_slots(
        jst(2026, 11, 30, 15, 0), ["27"], [], weekly=MON9, last_run=jst(2026, 11, 29, 12, 0)
    )
    assert keys(late) == [("27", "weekly:2026-W49")]
    # once run, the same slot is not due again
    again = due_slots(
        jst(2026, 11, 30, 15, 30), ["27"], [], weekly=MON9, last_run=jst(2026, 11, 30, 15, 0)
    )
    assert again == []
    # down past the window (Tuesday): missed, not posted late
    assert due_slots(jst(2026, 12, 1, 10, 0), ["27"], [], weekly=MON9) == []
    wide = due_slots(jst(2026, 12, 1, 10, 0), ["27"], [], weekly=MON9, grace=timedelta(days=2))
    assert keys(wide) == [("27", "weekly:2026-W49")]


def test_pre_meeting_slot_is_due_n_days_before_until_the_meeting() -> None:
    meetings = [Meeting(date(2026, 12, 4))]  # Friday; 3 days before = Tuesday 09:00
    assert [s.key for s in due_slots(jst(2026, 12, 1, 8, 0), ["27"], meetings, weekly=MON9)] == []
    tue = due_slots(jst(2026, 12, 1, 9, 0), ["27"], meetings, weekly=MON9)
    assert keys(tue) == [("27", "meeting:2026-12-04")]
    # still due (e.g. after a failure) until the meeting day begins, then never
    assert keys(due_slots(jst(2026, 12, 3, 23, 0), ["27"], meetings, weekly=MON9)) == [
        ("27", "meeting:2026-12-04")
    ]
    assert due_slots(jst(2026, 12, 4, 0, 0), ["27"], meetings, weekly=MON9) == []
    # days_before is configurable
    five = due_slots(jst(2026, 11, 29, 9, 0), ["27"], meetings, weekly=MON9, days_before=5)
    assert keys(five) == [("27", "meeting:2026-12-04")]


def test_a_meeting_inside_the_weekly_window_gets_one_digest_not_two() -> None:
    # meeting Thursday 12-03: 3 days before is Monday 09:00, the weekly time
    meetings = [Meeting(date(2026, 12, 3))]
    slots = due_slots(jst(2026, 11, 30, 9, 0), ["27", "28"], meetings, weekly=MON9)
    assert keys(slots) == [("27", "meeting:2026-12-03"), ("28", "meeting:2026-12-03")]
    # a meeting on Friday of the same week: weekly on Monday, pre-meeting on Tuesday
    fri = [Meeting(date(2026, 12, 4))]
    assert keys(due_slots(jst(2026, 11, 30, 9, 0), ["27"], fri, weekly=MON9)) == [
        ("27", "weekly:2026-W49")
    ]


def test_prefecture_specific_meetings_concern_only_that_prefecture() -> None:
    meetings = [Meeting(date(2026, 12, 4), "28")]
    slots = due_slots(jst(2026, 12, 1, 9, 0), ["27", "28"], meetings, weekly=MON9)
    assert keys(slots) == [("28", "meeting:2026-12-04")]
    only_meetings = due_slots(jst(2026, 11, 30, 9, 0), ["27"], [], weekly=MON9, kinds=["meeting"])
    assert only_meetings == []


def test_current_slot_for_digest_now() -> None:
    meetings = [Meeting(date(2026, 12, 4))]
    assert current_slot(jst(2026, 11, 30, 10, 0), "27", meetings, weekly=MON9).key == (
        "weekly:2026-W49"
    )
    assert current_slot(jst(2026, 12, 2, 10, 0), "27", meetings, weekly=MON9).key == (
        "meeting:2026-12-04"
    )


def test_clock_jobs_are_tokyo_time_coalesced_with_grace_in_hours_and_stored_in_the_db() -> None:
    from apscheduler.triggers.cron import CronTrigger

    from bot.storage.survey_tables import apscheduler_jobs
    from bot.survey.clock import (
        MEETING_JOB,
        PURGE_CONVERSATIONS_JOB,
        PURGE_JOB,
        RETRY_JOB,
        WEEKLY_JOB,
        build_scheduler,
    )
    from tests.dbutil import fresh_engine

    engine = fresh_engine()
    settings = Settings(digest_weekly="tue 08:30", digest_grace_hours=6)
    sched = build_scheduler(engine, settings, blocking=False)
    sched.start(paused=True)
    try:
        jobs = {j.id: j for j in sched.get_jobs()}
        assert set(jobs) == {
            WEEKLY_JOB,
            MEETING_JOB,
            RETRY_JOB,
            PURGE_JOB,
            PURGE_CONVERSATIONS_JOB,
        }
        for job in jobs.values():
            assert job.coalesce is True
            assert job.misfire_grace_time == 6 * 3600
            assert str(job.trigger.timezone) == "Asia/Tokyo"
        weekly = jobs[WEEKLY_JOB].trigger
        assert isinstance(weekly, CronTrigger)
        fields = {f.name: str(f) for f in weekly.fields}
        assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("tue", "8", "30")
        assert jobs[WEEKLY_JOB].args == (["weekly"],)
        assert jobs[MEETING_JOB].args == (["meeting"],)
        nxt = jobs[WEEKLY_JOB].next_run_time
        assert nxt is None or (nxt.weekday(), nxt.hour, nxt.minute) == (1, 8, 30)
        with engine.connect() as conn:
            stored = set(conn.execute(select(apscheduler_jobs.c.id)).scalars())
        assert stored == set(jobs)
    finally:
        sched.shutdown(wait=False)
        engine.dispose()
