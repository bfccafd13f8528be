"""Where each prefecture's digest goes, and the 検討会 dates the pre-meeting digests follow."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from bot.errors import UserError
from bot.storage.conversations import utcnow
from bot.storage.db import session_factory
from bot.storage.survey_tables import SurveyChannel, SurveyMeeting
from bot.survey.schedule import Meeting

CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,31}$")


def check_channel_id(channel: str) -> str:
    raw = (channel or "").strip()
    cid = raw.lstrip("<#").rstrip(">").split("|", 1)[0]
    if not CHANNEL_RE.match(cid):
        raise UserError(
            f"チャンネルIDの形式が正しくありません（値: {raw!r}）。C0123ABCD のような ID を指定してください"
            "（Slack でチャンネル名を右クリック →「リンクをコピー」の末尾、またはチャンネル詳細の下部にあります）。"
        )
    return cid


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise UserError(
            f"日付「{text}」を読めません。2026-12-02 のように書いてください。"
        ) from None


class ChannelStore:
    def __init__(self, engine: Engine) -> None:
        self._session = session_factory(engine)

    def set(self, pref_code: str, channel: str) -> None:
        cid = check_channel_id(channel)
        with self._session.begin() as s:
            row = s.get(SurveyChannel, pref_code)
            if row is None:
                s.add(SurveyChannel(pref_code=pref_code, channel_id=cid, updated_at=utcnow()))
            else:
                row.channel_id = cid
                row.updated_at = utcnow()

    def get(self, pref_code: str) -> str | None:
        with self._session() as s:
            row = s.get(SurveyChannel, pref_code)
            return row.channel_id if row else None

    def all(self) -> dict[str, str]:
        with self._session() as s:
            rows = s.scalars(select(SurveyChannel).order_by(SurveyChannel.pref_code))
            return {r.pref_code: r.channel_id for r in rows}

    def remove(self, pref_code: str) -> bool:
        with self._session.begin() as s:
            res = s.execute(delete(SurveyChannel).where(SurveyChannel.pref_code == pref_code))
            return bool(res.rowcount)


class MeetingStore:
    def __init__(self, engine: Engine) -> None:
        self._session = session_factory(engine)

    def add(self, day: date, pref_code: str = "") -> bool:
        """False when the meeting is already registered."""
        try:
            with self._session.begin() as s:
                s.add(SurveyMeeting(meeting_date=day, pref_code=pref_code, created_at=utcnow()))
            return True
        except IntegrityError:
            return False

    def all(self) -> list[Meeting]:
        with self._session() as s:
            rows = s.scalars(
                select(SurveyMeeting).order_by(SurveyMeeting.meeting_date, SurveyMeeting.pref_code)
            )
            return [Meeting(r.meeting_date, r.pref_code) for r in rows]

    def remove(self, day: date, pref_code: str = "") -> bool:
        with self._session.begin() as s:
            res = s.execute(
                delete(SurveyMeeting).where(
                    SurveyMeeting.meeting_date == day, SurveyMeeting.pref_code == pref_code
                )
            )
            return bool(res.rowcount)
