"""Compose and post the digests, each slot exactly once.

A slot (prefecture, ``weekly:2026-W49`` / ``meeting:2026-12-02``) is claimed under its unique
key in the same transaction that records the attempt, before anything is posted: a restart, a
retry or a second clock process finds the claim and posts nothing. A failed post is recorded
(status failed, error) and the next run claims it again; ``force`` re-posts on purpose as a new
attempt. A crash between claim and post leaves the slot "posting": it is not retried on its
own (that could post twice); ``hintbot digest --now --force`` re-posts it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.db import session_factory
from bot.settings import Settings
from bot.store import ConsultationRow, utcnow
from bot.survey.aggregate import Summary, summarize
from bot.survey.answers import AnswerStore
from bot.survey.channels import ChannelStore, MeetingStore
from bot.survey.definition import Survey, load_survey
from bot.survey.digest import Digest, DigestInput, build_digest
from bot.survey.models import DigestAttempt, DigestSlot
from bot.survey.places import Places, load_places
from bot.survey.registry import Registry
from bot.survey.schedule import (
    Meeting,
    Slot,
    WeeklySpec,
    current_slot,
    due_slots,
    next_meeting,
    parse_weekly,
    zone,
)

log = logging.getLogger("bot.survey")

WORRY_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Outcome:
    pref_code: str
    slot: str
    status: str  # posted | failed | skipped | no_channel
    detail: str = ""
    ts: str | None = None
    attempt: int = 0


@dataclass(frozen=True)
class Composed:
    digest: Digest
    chart_path: Path | None


class SurveyContext:
    """Everything the survey features read: definition, places, stores, card titles."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        survey: Survey | None = None,
        places: Places | None = None,
        card_titles: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        if card_titles is None:
            from bot.knowledge.loader import load_knowledge

            kb = load_knowledge(settings.knowledge_dir)
            card_titles = {c.id: c.title for c in kb.cards}
        self.card_titles = card_titles
        self.survey = survey or load_survey(settings.knowledge_dir, card_titles)
        self.places = places or load_places(settings.data_dir)
        self.answers = AnswerStore(engine)
        self.channels = ChannelStore(engine)
        self.meetings = MeetingStore(engine)
        self.registry = Registry(engine, self.places)
        self.tz = zone(settings.timezone)
        self.weekly: WeeklySpec = parse_weekly(settings.digest_weekly)

    def ensure_demo_sample(self) -> int:
        """Load the bundled sample survey into a database that has no answers at all.

        A new user sees a populated digest at once; the rows carry the sample flag, every
        digest built on them says so, and the first real answer makes them ignored.
        """
        if not self.settings.demo_sample or self.answers.count() > 0:
            return 0
        path = self.settings.data_dir / "sample" / "survey_sample.csv"
        if not path.exists():
            return 0
        from bot.survey.importer import import_survey

        return import_survey(self.answers, self.survey, self.places, path, sample=True).responses


class DigestService:
    def __init__(self, ctx: SurveyContext) -> None:
        self.ctx = ctx
        self.engine = ctx.engine
        self._session = session_factory(ctx.engine)

    # -- figures ----------------------------------------------------------------------------
    def summaries(
        self, pref_codes: Sequence[str] | None = None
    ) -> tuple[dict[str, Summary], Summary]:
        """Per-prefecture summaries and the region's, from the latest answers."""
        places = self.ctx.places
        latest = self.ctx.answers.latest(places.pref_codes)
        answers = {c: dict(v.answers) for c, v in latest.items()}
        sample = [c for c, v in latest.items() if v.sample]
        by_pref: dict[str, Summary] = {}
        region_codes: list[str] = []
        for pc in places.pref_codes:
            codes = [m.code5 for m in places.munis_of(pc)]
            region_codes += codes
            if pref_codes is None or pc in pref_codes:
                by_pref[pc] = summarize(
                    self.ctx.survey, pc, places.pref_name(pc), codes, answers, sample
                )
        region = summarize(self.ctx.survey, "region", "近畿2府5県", region_codes, answers, sample)
        return by_pref, region

    def previous(self, pref_code: str) -> tuple[dict[str, Any] | None, datetime | None]:
        """The snapshot of the last digest posted for the prefecture (any slot)."""
        with self._session() as s:
            row = s.execute(
                select(DigestAttempt.snapshot, DigestAttempt.finished_at)
                .join(DigestSlot, DigestSlot.id == DigestAttempt.slot_id)
                .where(DigestSlot.pref_code == pref_code, DigestAttempt.status == "posted")
                .order_by(DigestAttempt.finished_at.desc(), DigestAttempt.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None, None
        return row[0], row[1]

    def worries(self, pref_code: str, now: datetime) -> list[tuple[str, int]]:
        """Cards most often matched for the prefecture's registered users in the last week."""
        users = self.ctx.registry.users_of_prefecture(pref_code)
        if not users:
            return []
        since = _naive_utc(now) - WORRY_WINDOW
        with self._session() as s:
            cards = s.scalars(
                select(ConsultationRow.card).where(
                    ConsultationRow.user_id.in_(users),
                    ConsultationRow.created_at >= since,
                    ConsultationRow.card.is_not(None),
                )
            ).all()
        counts = Counter(c for c in cards if c)
        return sorted(counts.items(), key=lambda t: (-t[1], t[0]))

    def compose(
        self,
        pref_code: str,
        now: datetime,
        slot: str | None = None,
        *,
        summaries: tuple[dict[str, Summary], Summary] | None = None,
        chart: bool = True,
        chart_dir: Path | None = None,
        reuse_chart: bool = True,
    ) -> Composed:
        ctx = self.ctx
        by_pref, region = summaries or self.summaries([pref_code])
        meetings = ctx.meetings.all()
        today = now.astimezone(ctx.tz).date()
        slot_key = slot or self.current(pref_code, now, meetings).key
        prev, prev_at = self.previous(pref_code)
        names = {m.code5: m.name for m in ctx.places.munis_of(pref_code)}
        digest = build_digest(
            DigestInput(
                survey=ctx.survey,
                pref=by_pref[pref_code],
                region=region,
                previous=prev,
                previous_at=prev_at,
                worries=self.worries(pref_code, now),
                next_meeting=next_meeting(today, pref_code, meetings),
                slot=slot_key,
                today=today,
                card_titles=ctx.card_titles,
                muni_names=names,
            )
        )
        path = None
        if chart:
            from analytics.charts import render

            path = render(digest.chart, chart_dir or ctx.settings.chart_dir, reuse=reuse_chart)
        return Composed(digest, path)

    # -- slots ------------------------------------------------------------------------------
    def current(
        self, pref_code: str, now: datetime, meetings: Iterable[Meeting] | None = None
    ) -> Slot:
        ctx = self.ctx
        return current_slot(
            now,
            pref_code,
            self.ctx.meetings.all() if meetings is None else meetings,
            weekly=ctx.weekly,
            days_before=ctx.settings.digest_days_before,
            tz=ctx.tz,
        )

    def due(self, now: datetime, kinds: Iterable[str] = ("weekly", "meeting")) -> list[Slot]:
        ctx = self.ctx
        return due_slots(
            now,
            sorted(ctx.channels.all()),
            ctx.meetings.all(),
            weekly=ctx.weekly,
            days_before=ctx.settings.digest_days_before,
            grace=timedelta(hours=ctx.settings.digest_grace_hours),
            tz=ctx.tz,
            kinds=kinds,
        )

    def _claim(self, pref_code: str, slot: str, channel: str, *, force: bool = False) -> int | None:
        """Claim the slot and record the attempt in one transaction; None: not ours to post.

        New slot: insert (the unique key stops a second process). Failed slot (or ``force``):
        a compare-and-set update on (status, attempts) lets exactly one process win.
        """
        now = utcnow()
        try:
            with self._session.begin() as s:
                row = s.scalars(
                    select(DigestSlot).where(
                        DigestSlot.pref_code == pref_code, DigestSlot.slot == slot
                    )
                ).first()
                if row is None:
                    row = DigestSlot(
                        pref_code=pref_code, slot=slot, status="posting", attempts=1, updated_at=now
                    )
                    s.add(row)
                    s.flush()
                    attempt = 1
                else:
                    if row.status != "failed" and not force:
                        return None
                    res = s.execute(
                        update(DigestSlot)
                        .where(
                            DigestSlot.id == row.id,
                            DigestSlot.status == row.status,
                            DigestSlot.attempts == row.attempts,
                        )
                        .values(status="posting", attempts=row.attempts + 1, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                    if res.rowcount != 1:
                        return None
                    attempt = row.attempts + 1
                s.add(
                    DigestAttempt(
                        slot_id=row.id,
                        attempt=attempt,
                        forced=force,
                        status="posting",
                        channel=channel,
                        started_at=now,
                    )
                )
                return attempt
        except IntegrityError:
            return None  # another process inserted the slot first

    def claim(self, pref_code: str, slot: str, channel: str, *, force: bool = False) -> int | None:
        """Claim the slot; a SQLite writer that lost a race (database busy) re-reads once more."""
        for _ in range(3):
            try:
                return self._claim(pref_code, slot, channel, force=force)
            except OperationalError:
                log.info("claim retried after a busy database (pref=%s slot=%s)", pref_code, slot)
        return None

    def _finish(
        self,
        pref_code: str,
        slot: str,
        attempt: int,
        status: str,
        *,
        ts: str | None = None,
        error: str | None = None,
        snapshot: dict[str, Any] | None = None,
    ) -> None:
        now = utcnow()
        with self._session.begin() as s:
            row = s.scalars(
                select(DigestSlot).where(DigestSlot.pref_code == pref_code, DigestSlot.slot == slot)
            ).one()
            row.status = status
            row.updated_at = now
            att = s.scalars(
                select(DigestAttempt).where(
                    DigestAttempt.slot_id == row.id, DigestAttempt.attempt == attempt
                )
            ).one()
            att.status = status
            att.finished_at = now
            att.ts = ts
            att.error = error
            att.snapshot = snapshot

    def run_slot(
        self,
        client: Any,
        pref_code: str,
        slot: str,
        now: datetime,
        *,
        force: bool = False,
        summaries: tuple[dict[str, Summary], Summary] | None = None,
    ) -> Outcome:
        """Claim, compose, post (message, then the chart in its thread), record."""
        from slack_sdk.errors import SlackClientError

        from bot.slack.advisor import api_error

        channel = self.ctx.channels.get(pref_code)
        if channel is None:
            return Outcome(pref_code, slot, "no_channel", "チャンネルが設定されていません")
        attempt = self.claim(pref_code, slot, channel, force=force)
        if attempt is None:
            return Outcome(pref_code, slot, "skipped", "投稿済みか、ほかの処理が投稿中です")
        try:
            composed = self.compose(pref_code, now, slot, summaries=summaries)
        except Exception as exc:  # record and let a later run retry
            log.exception("digest composition failed (pref=%s slot=%s)", pref_code, slot)
            self._finish(pref_code, slot, attempt, "failed", error=f"compose: {exc!r}"[:2000])
            return Outcome(pref_code, slot, "failed", repr(exc), attempt=attempt)
        digest = composed.digest
        try:
            resp = client.chat_postMessage(
                channel=channel,
                text=digest.text[:3000],
                blocks=digest.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackClientError as exc:
            error = api_error(exc)
            log.warning("digest post failed: %s (pref=%s slot=%s)", error, pref_code, slot)
            self._finish(pref_code, slot, attempt, "failed", error=error)
            return Outcome(pref_code, slot, "failed", error, attempt=attempt)
        ts = str(resp.get("ts") or "") or None
        note = None
        if composed.chart_path is not None:
            try:
                client.files_upload_v2(
                    channel=channel,
                    thread_ts=ts,
                    file=str(composed.chart_path),
                    filename=f"survey-{pref_code}-{slot.replace(':', '-')}.png",
                    title=digest.chart.title,
                )
            except SlackClientError as exc:
                # the message is out; posting it again would duplicate it
                note = f"chart upload failed: {api_error(exc)}"
                log.warning("digest chart upload failed: %s (pref=%s)", note, pref_code)
        self._finish(
            pref_code, slot, attempt, "posted", ts=ts, error=note, snapshot=digest.snapshot
        )
        log.info("digest posted pref=%s slot=%s attempt=%d ts=%s", pref_code, slot, attempt, ts)
        return Outcome(pref_code, slot, "posted", note or "", ts, attempt)

    def run_due(
        self, client: Any, now: datetime | None = None, kinds: Iterable[str] = ("weekly", "meeting")
    ) -> list[Outcome]:
        """Post every slot that is due and not yet posted (failed ones are tried again)."""
        now = now or datetime.now(UTC)
        slots = self.due(now, kinds)
        if not slots:
            return []
        summaries = self.summaries(sorted({s.pref_code for s in slots}))
        return [self.run_slot(client, s.pref_code, s.key, now, summaries=summaries) for s in slots]

    def slots(self) -> list[tuple[str, str, str, int]]:
        """(pref, slot, status, attempts) of every recorded slot, newest first."""
        with self._session() as s:
            rows = s.execute(
                select(
                    DigestSlot.pref_code, DigestSlot.slot, DigestSlot.status, DigestSlot.attempts
                ).order_by(DigestSlot.updated_at.desc())
            ).all()
        return [(a, b, c, int(d)) for a, b, c, d in rows]


def _naive_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)
