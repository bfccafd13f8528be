"""When digests are due, as pure functions of ``now``, the meetings and the settings.

Two schedules: weekly (default Monday 09:00) and N days before each 検討会 (default 3), both in
Asia/Tokyo, explicitly. A slot names what a digest is for — ``weekly:2026-W49`` (ISO week) or
``meeting:2026-12-02`` — per prefecture; the database makes each slot post once. A slot stays
due for ``grace`` after its time (a clock that was down catches up once); a pre-meeting slot
stays due until the meeting day begins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UserError

DEFAULT_TZ = "Asia/Tokyo"
DEFAULT_WEEKLY = "mon 09:00"
DEFAULT_DAYS_BEFORE = 3
DEFAULT_GRACE_HOURS = 12
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_JA = "月火水木金土日"
_WEEKDAY_WORDS = {
    **{w: i for i, w in enumerate(WEEKDAYS)},
    **{
        w: i
        for i, w in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{c: i for i, c in enumerate(WEEKDAY_JA)},
    **{c + "曜": i for i, c in enumerate(WEEKDAY_JA)},
    **{c + "曜日": i for i, c in enumerate(WEEKDAY_JA)},
}
_WEEKLY_RE = re.compile(r"^\s*(\S+?)\s+(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class WeeklySpec:
    weekday: int  # 0 = Monday
    hour: int
    minute: int

    @property
    def at(self) -> time:
        return time(self.hour, self.minute)

    def cron_day(self) -> str:
        return WEEKDAYS[self.weekday]

    def describe(self) -> str:
        return f"毎週{WEEKDAY_JA[self.weekday]}曜日 {self.hour:02d}:{self.minute:02d}"


def parse_weekly(text: str) -> WeeklySpec:
    """「mon 09:00」「月 9:30」 → ``WeeklySpec``; a Japanese error naming the setting."""
    m = _WEEKLY_RE.match(text or "")
    day = _WEEKDAY_WORDS.get(m.group(1).lower()) if m else None
    if m is None or day is None:
        raise UserError(
            f"HINTBOT_DIGEST_WEEKLY の値「{text}」を読めません。「mon 09:00」のように曜日"
            "（mon〜sun または 月〜日）と時刻を書いてください。"
        )
    hour, minute = int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59:
        raise UserError(f"HINTBOT_DIGEST_WEEKLY の時刻「{hour}:{minute:02d}」が正しくありません。")
    return WeeklySpec(day, hour, minute)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UserError(
            f"タイムゾーン「{name}」が見つかりません（HINTBOT_TIMEZONE）。Asia/Tokyo のように書いてください。"
        ) from exc


@dataclass(frozen=True)
class Meeting:
    day: date
    pref_code: str = ""  # "" = every prefecture

    def concerns(self, pref_code: str) -> bool:
        return self.pref_code in ("", pref_code)


@dataclass(frozen=True)
class Slot:
    pref_code: str
    key: str
    kind: str  # weekly | meeting
    fire_at: datetime  # aware, in the schedule's time zone
    meeting: date | None = None


def weekly_key(d: date) -> str:
    iso = d.isocalendar()
    return f"weekly:{iso.year}-W{iso.week:02d}"


def meeting_key(d: date) -> str:
    return f"meeting:{d.isoformat()}"


def _local(now: datetime, tz: ZoneInfo) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz)


def weekly_fire_at_or_before(now: datetime, spec: WeeklySpec, tz: ZoneInfo) -> datetime:
    """The latest weekly time not after ``now``."""
    local = _local(now, tz)
    days_back = (local.weekday() - spec.weekday) % 7
    fire = datetime.combine(local.date() - timedelta(days=days_back), spec.at, tzinfo=tz)
    if fire > local:
        fire -= timedelta(days=7)
    return fire


def meeting_fire(day: date, spec: WeeklySpec, days_before: int, tz: ZoneInfo) -> datetime:
    """The pre-meeting digest time: ``days_before`` days earlier, at the weekly time of day."""
    return datetime.combine(day - timedelta(days=days_before), spec.at, tzinfo=tz)


def meeting_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def due_slots(
    now: datetime,
    pref_codes: Sequence[str],
    meetings: Iterable[Meeting],
    *,
    weekly: WeeklySpec,
    days_before: int = DEFAULT_DAYS_BEFORE,
    grace: timedelta = timedelta(hours=DEFAULT_GRACE_HOURS),
    tz: ZoneInfo | None = None,
    last_run: datetime | None = None,
    kinds: Iterable[str] = ("weekly", "meeting"),
) -> list[Slot]:
    """Slots whose time has come and not passed its window, per prefecture.

    ``last_run``: slots whose time is not after it were handled then and are left out.
    A pre-meeting slot on the same day as the weekly one replaces it (one digest, not two).
    """
    tz = tz or ZoneInfo(DEFAULT_TZ)
    local = _local(now, tz)
    since = _local(last_run, tz) if last_run is not None else None
    wanted = set(kinds)
    meetings = sorted(set(meetings), key=lambda m: (m.day, m.pref_code))
    weekly_fire = weekly_fire_at_or_before(local, weekly, tz)
    out: list[Slot] = []
    for pref in pref_codes:
        mine = sorted({m.day for m in meetings if m.concerns(pref)})
        meeting_fires = {d: meeting_fire(d, weekly, days_before, tz) for d in mine}
        for d, fire in meeting_fires.items():
            if not (fire <= local < meeting_start(d, tz)):
                continue
            if since is not None and fire <= since:
                continue
            if "meeting" in wanted:
                out.append(Slot(pref, meeting_key(d), "meeting", fire, d))
        if "weekly" not in wanted:
            continue
        if local - weekly_fire > grace:
            continue
        if since is not None and weekly_fire <= since:
            continue
        if any(f.date() == weekly_fire.date() for f in meeting_fires.values()):
            continue  # the pre-meeting digest of the same day covers it
        out.append(Slot(pref, weekly_key(weekly_fire.date()), "weekly", weekly_fire))
    return out


def current_slot(
    now: datetime,
    pref_code: str,
    meetings: Iterable[Meeting],
    *,
    weekly: WeeklySpec,
    days_before: int = DEFAULT_DAYS_BEFORE,
    tz: ZoneInfo | None = None,
) -> Slot:
    """The slot a digest posted right now belongs to (``hintbot digest --now``).

    Within a pre-meeting window, that meeting's slot; otherwise the ISO week of ``now``.
    """
    tz = tz or ZoneInfo(DEFAULT_TZ)
    local = _local(now, tz)
    for m in sorted(set(meetings), key=lambda m: m.day):
        if not m.concerns(pref_code):
            continue
        fire = meeting_fire(m.day, weekly, days_before, tz)
        if fire <= local < meeting_start(m.day, tz):
            return Slot(pref_code, meeting_key(m.day), "meeting", fire, m.day)
    return Slot(pref_code, weekly_key(local.date()), "weekly", local)


def next_meeting(today: date, pref_code: str, meetings: Iterable[Meeting]) -> date | None:
    days = sorted(m.day for m in meetings if m.concerns(pref_code) and m.day >= today)
    return days[0] if days else None


def slot_label(key: str) -> str:
    """「2026年 第49週の定例」「12月2日の検討会前」 for messages."""
    kind, _, rest = key.partition(":")
    if kind == "weekly":
        year, _, week = rest.partition("-W")
        return f"{year}年 第{int(week)}週の定例"
    if kind == "meeting":
        d = date.fromisoformat(rest)
        return f"{d.month}月{d.day}日の検討会前"
    return key


def fmt_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAY_JA[d.weekday()]}）"
