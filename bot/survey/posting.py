"""Compose and post the digests, each slot exactly once.

A slot (prefecture, ``weekly:2026-W49`` / ``meeting:2026-12-02``) is claimed under its unique
key in the same transaction that records the attempt, before anything is posted: a restart, a
retry or a second clock process finds the claim and posts nothing. A failed post is recorded
(status failed, error) and the next run claims it again; ``force`` re-posts on purpose as a new
attempt.

A process killed between claim and finish leaves the slot "posting". The claim is a lease: it
is renewed right before chat.postMessage, and each message carries metadata naming its
prefecture, slot and attempt. Once the lease has run out, ``recover`` reads the channel
history: the message found → the slot is marked posted with its ts (no second post); not found
→ a compare-and-set on (status, attempts, updated_at) lets exactly one process take the slot
over and post it as the next attempt. A history that cannot be read leaves the slot
"unverified" (not posted again, reconciled again on the next run), never a possible duplicate.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.settings import Settings
from bot.storage.conversations import ConsultationRow
from bot.storage.db import session_factory
from bot.storage.survey_tables import DigestAttempt, DigestSlot
from bot.survey.aggregate import Summary, summarize
from bot.survey.answers import AnswerStore
from bot.survey.channels import ChannelStore, MeetingStore
from bot.survey.definition import Survey, load_survey
from bot.survey.digest import Digest, DigestInput, build_digest
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
T = TypeVar("T")

WORRY_WINDOW = timedelta(days=7)
# Slack message metadata on every digest: how a restarted clock recognises its own post
DIGEST_EVENT = "hintbot_digest"
# the channel history is read from this long before the claim (clock skew, Slack's ts)
HISTORY_MARGIN = timedelta(seconds=60)
HISTORY_PAGE = 200
HISTORY_PAGES = 10
RECOVERED_NOTE = "recovered: found in the channel history by its message metadata"


@dataclass(frozen=True)
class Outcome:
    pref_code: str
    slot: str
    status: str  # posted | recovered | failed | unverified | skipped | no_channel
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


@dataclass(frozen=True)
class _Claimed:
    """A slot row as read for recovery; the compare-and-set matches all of it."""

    id: int
    pref_code: str
    slot: str
    status: str
    attempts: int
    updated_at: datetime


class HistoryUnreadable(Exception):
    """The channel history could not be read completely: whether a post went out is unknown."""


class DigestService:
    def __init__(self, ctx: SurveyContext, *, clock: Callable[[], datetime] | None = None) -> None:
        """``clock`` (aware UTC) dates claims and leases; tests pass a controllable one."""
        self.ctx = ctx
        self.engine = ctx.engine
        self._session = session_factory(ctx.engine)
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.lease = timedelta(minutes=ctx.settings.digest_lease_minutes)

    def _db_now(self) -> datetime:
        return _naive_utc(self._clock())

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
        now = self._db_now()
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

    def _renew(
        self, pref_code: str, slot: str, attempt: int, snapshot: dict[str, Any] | None
    ) -> bool:
        """Renew the lease right before posting (and keep the figures being posted).

        False: the claim is no longer ours (it ran out and another process took the slot
        over), so posting now could duplicate the digest. The renewal also means the lease
        measures the post, not how long composing took.
        """
        now = self._db_now()
        with self._session.begin() as s:
            res = s.execute(
                update(DigestSlot)
                .where(
                    DigestSlot.pref_code == pref_code,
                    DigestSlot.slot == slot,
                    DigestSlot.status == "posting",
                    DigestSlot.attempts == attempt,
                )
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if res.rowcount != 1:
                return False
            slot_id = s.scalars(
                select(DigestSlot.id).where(
                    DigestSlot.pref_code == pref_code, DigestSlot.slot == slot
                )
            ).one()
            s.execute(
                update(DigestAttempt)
                .where(DigestAttempt.slot_id == slot_id, DigestAttempt.attempt == attempt)
                .values(snapshot=snapshot)
                .execution_options(synchronize_session=False)
            )
            return True

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
        """Record the attempt's outcome; the slot follows only while the attempt still owns
        it (a slot taken over or recovered meanwhile keeps what the other process wrote)."""
        now = self._db_now()
        with self._session.begin() as s:
            slot_id = s.scalars(
                select(DigestSlot.id).where(
                    DigestSlot.pref_code == pref_code, DigestSlot.slot == slot
                )
            ).one()
            s.execute(
                update(DigestSlot)
                .where(
                    DigestSlot.id == slot_id,
                    DigestSlot.status == "posting",
                    DigestSlot.attempts == attempt,
                )
                .values(status=status, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            att = s.scalars(
                select(DigestAttempt).where(
                    DigestAttempt.slot_id == slot_id, DigestAttempt.attempt == attempt
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
        channel = self.ctx.channels.get(pref_code)
        if channel is None:
            return Outcome(pref_code, slot, "no_channel", "チャンネルが設定されていません")
        attempt = self.claim(pref_code, slot, channel, force=force)
        if attempt is None:
            return Outcome(pref_code, slot, "skipped", "投稿済みか、ほかの処理が投稿中です")
        return self._post(client, pref_code, slot, attempt, channel, now, summaries)

    def _post(
        self,
        client: Any,
        pref_code: str,
        slot: str,
        attempt: int,
        channel: str,
        now: datetime,
        summaries: tuple[dict[str, Summary], Summary] | None,
    ) -> Outcome:
        """Post a claimed slot: compose, renew the lease, post with metadata, chart, record."""
        from slack_sdk.errors import SlackClientError

        from bot.slack.advisor import api_error

        try:
            composed = self.compose(pref_code, now, slot, summaries=summaries)
        except Exception as exc:  # record and let a later run retry
            log.exception("digest composition failed (pref=%s slot=%s)", pref_code, slot)
            self._finish(pref_code, slot, attempt, "failed", error=f"compose: {exc!r}"[:2000])
            return Outcome(pref_code, slot, "failed", repr(exc), attempt=attempt)
        digest = composed.digest
        if not self._renew(pref_code, slot, attempt, digest.snapshot):
            log.warning(
                "digest claim lost before posting (pref=%s slot=%s attempt=%d)",
                pref_code,
                slot,
                attempt,
            )
            return Outcome(
                pref_code,
                slot,
                "skipped",
                "ほかの処理が引き継いだため投稿しませんでした",
                attempt=attempt,
            )
        try:
            resp = client.chat_postMessage(
                channel=channel,
                text=digest.text[:3000],
                blocks=digest.blocks,
                unfurl_links=False,
                unfurl_media=False,
                metadata={
                    "event_type": DIGEST_EVENT,
                    "event_payload": {"pref": pref_code, "slot": slot, "attempt": attempt},
                },
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
        now = now or self._clock()
        slots = self.due(now, kinds)
        if not slots:
            return []
        summaries = self.summaries(sorted({s.pref_code for s in slots}))
        return [self.run_slot(client, s.pref_code, s.key, now, summaries=summaries) for s in slots]

    # -- recovery ---------------------------------------------------------------------------
    def stale(self) -> list[_Claimed]:
        """Slots "posting" past their lease, and "unverified" ones (reconciled again)."""
        cutoff = self._db_now() - self.lease
        with self._session() as s:
            rows = s.execute(
                select(
                    DigestSlot.id,
                    DigestSlot.pref_code,
                    DigestSlot.slot,
                    DigestSlot.status,
                    DigestSlot.attempts,
                    DigestSlot.updated_at,
                )
                .where(
                    or_(
                        and_(DigestSlot.status == "posting", DigestSlot.updated_at < cutoff),
                        DigestSlot.status == "unverified",
                    )
                )
                .order_by(DigestSlot.updated_at, DigestSlot.id)
            ).all()
        return [_Claimed(int(a), b, c, d, int(e), f) for a, b, c, d, e, f in rows]

    def next_stale_at(self) -> datetime | None:
        """When the oldest claim still within its lease runs out (aware UTC), if any."""
        with self._session() as s:
            oldest = s.scalar(
                select(func.min(DigestSlot.updated_at)).where(DigestSlot.status == "posting")
            )
        if oldest is None:
            return None
        return oldest.replace(tzinfo=UTC) + self.lease

    def recover(self, client: Any, now: datetime | None = None) -> list[Outcome]:
        """Settle every stale slot once: recovered from the history, or posted again."""
        now = now or self._clock()
        return [self._recover_one(client, row, now) for row in self.stale()]

    def _recover_one(self, client: Any, row: _Claimed, now: datetime) -> Outcome:
        pref, slot, n = row.pref_code, row.slot, row.attempts
        with self._session() as s:
            att = s.execute(
                select(DigestAttempt.channel, DigestAttempt.started_at, DigestAttempt.forced).where(
                    DigestAttempt.slot_id == row.id, DigestAttempt.attempt == n
                )
            ).first()
        channel = att[0] if att else self.ctx.channels.get(pref)
        since = min(att[1], row.updated_at) if att else row.updated_at
        forced = bool(att[2]) if att else False
        if channel is None:
            return self._settle_outcome(
                row, "failed", "recovery: no channel recorded", "チャンネルが設定されていません"
            )
        try:
            found = self._find_posted(client, channel, pref, slot, n, since, forced=forced)
        except HistoryUnreadable as exc:
            log.warning("digest %s %s: channel history unreadable (%s)", pref, slot, exc)
            return self._settle_outcome(
                row,
                "unverified",
                f"recovery: cannot read the channel history ({exc}); not posted again to avoid"
                " a duplicate. Grant channels:history / groups:history and invite the bot, or"
                " check the channel and run hintbot digest --now --force.",
                f"チャンネルの履歴を読めないため、投稿済みか確かめられません（{exc}）。"
                "重複を避けるため再投稿していません。",
            )
        if found is not None:
            ts, posted_by = found
            note = RECOVERED_NOTE
            if posted_by != n:
                note += f" (message of attempt {posted_by})"
            won = self._settle(row, "posted", note, ts=ts)
            if won:
                log.info("digest recovered pref=%s slot=%s attempt=%d ts=%s", pref, slot, n, ts)
                return Outcome(pref, slot, "recovered", "投稿済みの記録を復旧しました", ts, n)
            return Outcome(pref, slot, "skipped", "ほかの処理が復旧しました", attempt=n)
        if not self._still_open(pref, slot, now):
            return self._settle_outcome(
                row,
                "failed",
                "recovery: no message in the channel history and the slot's window has closed",
                "投稿された形跡がなく、投稿の期間も過ぎたため再投稿しません",
            )
        target = self.ctx.channels.get(pref)
        if target is None:
            return self._settle_outcome(
                row, "failed", "recovery: no channel", "チャンネルが設定されていません"
            )
        attempt = self._take_over(row, target)
        if attempt is None:
            return Outcome(pref, slot, "skipped", "ほかの処理が引き継ぎました", attempt=n)
        log.info("digest taken over pref=%s slot=%s attempt=%d", pref, slot, attempt)
        return self._post(client, pref, slot, attempt, target, now, None)

    def _find_posted(
        self,
        client: Any,
        channel: str,
        pref: str,
        slot: str,
        attempt: int,
        since: datetime,
        *,
        forced: bool = False,
    ) -> tuple[str, int | None] | None:
        """(ts, attempt) of the digest message for pref+slot posted since the claim.

        The attempt's own message first. Another attempt's counts too (it is the same digest,
        one a lagging history did not show before), except for a forced attempt: that one
        was asked to post again on purpose.
        """
        from slack_sdk.errors import SlackClientError

        from bot.slack.advisor import api_error

        oldest = f"{(since.replace(tzinfo=UTC) - HISTORY_MARGIN).timestamp():.6f}"
        hits: list[tuple[str, int | None]] = []
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                resp = client.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=HISTORY_PAGE,
                    cursor=cursor,
                )
            except SlackClientError as exc:
                raise HistoryUnreadable(api_error(exc)) from exc
            for m in resp.get("messages") or []:
                meta = m.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if (
                    meta.get("event_type") == DIGEST_EVENT
                    and str(payload.get("pref")) == pref
                    and str(payload.get("slot")) == slot
                ):
                    got = payload.get("attempt")
                    hits.append((str(m["ts"]), got if isinstance(got, int) else None))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not resp.get("has_more") or not cursor:
                break
        else:
            raise HistoryUnreadable(f"more than {HISTORY_PAGES * HISTORY_PAGE} messages")
        own = [h for h in hits if h[1] == attempt]
        usable = own or ([] if forced else hits)
        return min(usable, key=lambda h: float(h[0])) if usable else None

    def _still_open(self, pref: str, slot: str, now: datetime) -> bool:
        """Is the slot still due? Like a failed post, a closed slot is not posted late
        (``hintbot digest --now`` posts the current one on purpose)."""
        return any(s.pref_code == pref and s.key == slot for s in self.due(now))

    def _cas(self, row: _Claimed) -> Any:
        return update(DigestSlot).where(
            DigestSlot.id == row.id,
            DigestSlot.status == row.status,
            DigestSlot.attempts == row.attempts,
            DigestSlot.updated_at == row.updated_at,
        )

    def _settle(self, row: _Claimed, status: str, note: str, *, ts: str | None = None) -> bool:
        """Compare-and-set the stale slot to ``status``; the attempt records why."""

        def once() -> bool:
            now = self._db_now()
            with self._session.begin() as s:
                res = s.execute(
                    self._cas(row)
                    .values(status=status, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if res.rowcount != 1:
                    return False
                values: dict[str, Any] = {"status": status, "finished_at": now, "error": note}
                if ts is not None:
                    values["ts"] = ts
                s.execute(
                    update(DigestAttempt)
                    .where(DigestAttempt.slot_id == row.id, DigestAttempt.attempt == row.attempts)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                return True

        return bool(_busy_retry(once, False))

    def _settle_outcome(self, row: _Claimed, status: str, note: str, detail: str) -> Outcome:
        if self._settle(row, status, note):
            return Outcome(row.pref_code, row.slot, status, detail, attempt=row.attempts)
        return Outcome(row.pref_code, row.slot, "skipped", "ほかの処理が対応しました")

    def _take_over(self, row: _Claimed, channel: str) -> int | None:
        """Compare-and-set the stale claim to ours as the next attempt; None: lost the race."""
        attempt = row.attempts + 1

        def once() -> int | None:
            now = self._db_now()
            with self._session.begin() as s:
                res = s.execute(
                    self._cas(row)
                    .values(status="posting", attempts=attempt, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if res.rowcount != 1:
                    return None
                s.execute(
                    update(DigestAttempt)
                    .where(DigestAttempt.slot_id == row.id, DigestAttempt.attempt == row.attempts)
                    .values(
                        status="failed",
                        finished_at=now,
                        error=f"lease expired; no message in the channel history; taken over by attempt {attempt}",
                    )
                    .execution_options(synchronize_session=False)
                )
                s.add(
                    DigestAttempt(
                        slot_id=row.id,
                        attempt=attempt,
                        forced=False,
                        status="posting",
                        channel=channel,
                        started_at=now,
                    )
                )
                return attempt

        return _busy_retry(once, None)

    def slots(self) -> list[tuple[str, str, str, int]]:
        """(pref, slot, status, attempts) of every recorded slot, newest first."""
        with self._session() as s:
            rows = s.execute(
                select(
                    DigestSlot.pref_code, DigestSlot.slot, DigestSlot.status, DigestSlot.attempts
                ).order_by(DigestSlot.updated_at.desc())
            ).all()
        return [(a, b, c, int(d)) for a, b, c, d in rows]


def _busy_retry(fn: Callable[[], T], lost: T) -> T:
    """Run a compare-and-set; a SQLite writer that met a busy database tries again."""
    for _ in range(3):
        try:
            return fn()
        except OperationalError:
            log.info("compare-and-set retried after a busy database")
    return lost


def _naive_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)
