"""Visit records: what prefecture or bureau staff saw and agreed on when they visited or advised
a municipality, kept in the database so they outlive staff transfers and go into the next brief.

A record belongs to a municipality (code5, with its prefecture for area checks), has the day of
the visit (a future day is a planned visit) and a note; who recorded it is a Slack member id
(``recorded_by``; blanked by ``hintbot forget-user``, the note stays) or none from the command
line (``recorded_via`` says which).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.errors import UserError
from bot.storage.conversations import utcnow
from bot.storage.db import Base, session_factory

NOTE_MAX = 4000  # characters; a visit note is a paragraph or two, not a report
VIA = ("cli", "slack")


class VisitRow(Base):
    __tablename__ = "visit_records"
    __table_args__ = ({"info": {"personal_data": {"recorded_by": "blank"}}},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code5: Mapped[str] = mapped_column(String(5), index=True)
    pref_code: Mapped[str] = mapped_column(String(2), index=True)
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_via: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


@dataclass(frozen=True)
class Visit:
    """One visit record as a value."""

    id: int
    code5: str
    pref_code: str
    day: date
    note: str
    recorded_by: str | None
    recorded_via: str
    recorded_at: datetime

    def planned(self, today: date) -> bool:
        """A visit dated after ``today`` is planned, not yet made."""
        return self.day > today


def _visit(row: VisitRow) -> Visit:
    return Visit(
        int(row.id),
        row.code5,
        row.pref_code,
        row.visit_date,
        row.note,
        row.recorded_by,
        row.recorded_via,
        row.recorded_at,
    )


def clean_note(note: str | None) -> str:
    """The note as stored: trimmed; an empty or overlong note is a Japanese ``UserError``."""
    text = (note or "").replace("\r\n", "\n").strip()
    if not text:
        raise UserError(
            "記録の内容（メモ）が空です。訪問で確認したこと・合意したことなどを書いてください。"
        )
    if len(text) > NOTE_MAX:
        raise UserError(
            f"記録の内容が長すぎます（{len(text)}字）。{NOTE_MAX}字以内にしてください。"
        )
    return text


class VisitStore:
    """The visit records over the project's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = session_factory(engine)

    def add(
        self,
        code5: str,
        pref_code: str,
        day: date,
        note: str,
        *,
        by: str | None = None,
        via: str = "cli",
        now: datetime | None = None,
    ) -> Visit:
        if via not in VIA:
            raise ValueError(f"recorded_via must be one of {VIA}: {via!r}")
        text = clean_note(note)
        with self._session.begin() as s:
            row = VisitRow(
                code5=code5,
                pref_code=pref_code,
                visit_date=day,
                note=text,
                recorded_by=by,
                recorded_via=via,
                recorded_at=now or utcnow(),
            )
            s.add(row)
            s.flush()
            return _visit(row)

    def for_municipality(self, code5: str) -> list[Visit]:
        """Every record of the municipality, the latest visit first."""
        return self.for_municipalities([code5]).get(code5, [])

    def for_municipalities(self, codes: Iterable[str]) -> dict[str, list[Visit]]:
        """Records of several municipalities at once (one query), latest visit first."""
        wanted = list(dict.fromkeys(codes))
        if not wanted:
            return {}
        out: dict[str, list[Visit]] = {}
        with self._session() as s:
            rows = s.scalars(
                select(VisitRow)
                .where(VisitRow.code5.in_(wanted))
                .order_by(VisitRow.visit_date.desc(), VisitRow.id.desc())
            )
            for row in rows:
                out.setdefault(row.code5, []).append(_visit(row))
        return out
