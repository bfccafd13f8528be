"""Stored survey answers: every submission is kept (history); the latest per municipality counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select

from bot.storage.conversations import utcnow
from bot.storage.db import session_factory
from bot.storage.survey_tables import SurveyResponse


@dataclass(frozen=True)
class NewResponse:
    code5: str
    pref_code: str
    answers: Mapping[str, int]
    sample: bool = False
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Latest:
    """A municipality's answers that count now."""

    code5: str
    answers: Mapping[str, int]
    sample: bool
    submitted_at: datetime
    source: str


class AnswerStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = session_factory(engine)

    def add(
        self,
        responses: Sequence[NewResponse],
        *,
        source: str,
        by: str | None = None,
        file_name: str | None = None,
    ) -> int:
        """Insert all ``responses`` in one transaction (all or nothing)."""
        if not responses:
            return 0
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                insert(SurveyResponse),
                [
                    {
                        "code5": r.code5,
                        "pref_code": r.pref_code,
                        "submitted_at": r.submitted_at or now,
                        "submitted_by": by,
                        "source": source,
                        "file_name": file_name,
                        "sample": r.sample,
                        "answers": dict(r.answers),
                    }
                    for r in responses
                ],
            )
        return len(responses)

    def latest(self, pref_codes: Iterable[str] | None = None) -> dict[str, Latest]:
        """The newest submission per municipality (by submission time, then insertion)."""
        q = select(
            SurveyResponse.code5,
            SurveyResponse.answers,
            SurveyResponse.sample,
            SurveyResponse.submitted_at,
            SurveyResponse.source,
        ).order_by(SurveyResponse.submitted_at, SurveyResponse.id)
        if pref_codes is not None:
            q = q.where(SurveyResponse.pref_code.in_(list(pref_codes)))
        out: dict[str, Latest] = {}
        with self.engine.connect() as conn:
            # real answers replace the demo sample entirely: the two are never mixed
            if self._has_real(conn):
                q = q.where(SurveyResponse.sample.is_(False))
            for code5, answers, sample, at, source in conn.execute(q):
                out[code5] = Latest(code5, _clean(answers), bool(sample), at, source)
        return out

    @staticmethod
    def _has_real(conn: Connection) -> bool:
        q = select(SurveyResponse.id).where(SurveyResponse.sample.is_(False)).limit(1)
        return conn.execute(q).first() is not None

    def latest_for(self, code5: str, *, include_sample: bool = True) -> Latest | None:
        with self._session() as s:
            q = select(SurveyResponse).where(SurveyResponse.code5 == code5)
            if not include_sample:
                q = q.where(SurveyResponse.sample.is_(False))
            row = s.scalars(
                q.order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc()).limit(1)
            ).first()
            if row is None:
                return None
            return Latest(row.code5, _clean(row.answers), row.sample, row.submitted_at, row.source)

    def history(self, code5: str) -> list[Latest]:
        with self._session() as s:
            rows = s.scalars(
                select(SurveyResponse)
                .where(SurveyResponse.code5 == code5)
                .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
            )
            return [
                Latest(r.code5, _clean(r.answers), r.sample, r.submitted_at, r.source) for r in rows
            ]

    def count(self) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(SurveyResponse)).scalar() or 0)


def _clean(answers: object) -> dict[str, int]:
    if not isinstance(answers, dict):
        return {}
    return {str(k): int(v) for k, v in answers.items() if isinstance(v, int | float)}
