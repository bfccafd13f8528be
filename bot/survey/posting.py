"""Post the digests, each slot exactly once, through the digest poster.

A run claims the slot (``bot.survey.slots``), composes the digest, renews the lease right
before posting, posts it with its ``DigestRef`` (prefecture, slot, attempt) and records the
outcome. A failed post is recorded and the next run tries it again while the slot is due;
``force`` re-posts on purpose as a new attempt.

A process killed between claim and finish leaves the slot "posting"; once the lease has run
out, ``recover`` settles it from the channel history (``bot.survey.recovery``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.survey.aggregate import Summary
from bot.survey.compose import DigestComposer
from bot.survey.context import SurveyContext
from bot.survey.digest import Composed
from bot.survey.ports import ConsultationLog, DigestPoster, DigestRef, PostFailed
from bot.survey.recovery import Recovery
from bot.survey.schedule import Slot
from bot.survey.slots import Outcome, SlotStore

log = logging.getLogger("bot.survey")

Summaries = tuple[dict[str, Summary], Summary]


class DigestService:
    """Composes, posts and recovers the digests of one database through one poster."""

    def __init__(
        self,
        ctx: SurveyContext,
        poster: DigestPoster,
        consultations: ConsultationLog,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """``clock`` (aware UTC) dates claims and leases; tests pass a controllable one."""
        self.ctx = ctx
        self.engine = ctx.engine
        self.poster = poster
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.lease = timedelta(minutes=ctx.settings.digest_lease_minutes)
        self.slot_store = SlotStore(ctx.engine, self._clock)
        self.composer = DigestComposer(ctx, consultations, self.slot_store)
        self.recovery = Recovery(ctx, self.slot_store, poster, self._post)

    # -- figures and slots ----------------------------------------------------------------------
    def summaries(self, pref_codes: Sequence[str] | None = None) -> Summaries:
        return self.composer.summaries(pref_codes)

    def compose(
        self,
        pref_code: str,
        now: datetime,
        slot: str | None = None,
        *,
        summaries: Summaries | None = None,
        chart: bool = True,
        chart_dir: Path | None = None,
        reuse_chart: bool = True,
    ) -> Composed:
        return self.composer.compose(
            pref_code,
            now,
            slot,
            summaries=summaries,
            chart=chart,
            chart_dir=chart_dir,
            reuse_chart=reuse_chart,
        )

    def previous(self, pref_code: str) -> tuple[dict[str, Any] | None, datetime | None]:
        return self.slot_store.previous(pref_code)

    def current(self, pref_code: str, now: datetime) -> Slot:
        return self.ctx.current_slot(pref_code, now)

    def slots(self) -> list[tuple[str, str, str, int]]:
        """(pref, slot, status, attempts) of every recorded slot, newest first."""
        return self.slot_store.all()

    # -- posting ----------------------------------------------------------------------------
    def run_due(
        self, now: datetime | None = None, kinds: Iterable[str] = ("weekly", "meeting")
    ) -> list[Outcome]:
        """Post every slot that is due and not yet posted (failed ones are tried again)."""
        now = now or self._clock()
        slots = self.ctx.due_slots(now, kinds)
        if not slots:
            return []
        summaries = self.summaries(sorted({s.pref_code for s in slots}))
        return [self.run_slot(s.pref_code, s.key, now, summaries=summaries) for s in slots]

    def run_slot(
        self,
        pref_code: str,
        slot: str,
        now: datetime,
        *,
        force: bool = False,
        summaries: Summaries | None = None,
    ) -> Outcome:
        """Claim, compose, post (message, then the chart in its thread), record."""
        channel = self.ctx.channels.get(pref_code)
        if channel is None:
            return Outcome(pref_code, slot, "no_channel", "チャンネルが設定されていません")
        attempt = self.slot_store.claim(pref_code, slot, channel, force=force)
        if attempt is None:
            return Outcome(pref_code, slot, "skipped", "投稿済みか、ほかの処理が投稿中です")
        return self._post(DigestRef(pref_code, slot, attempt), channel, now, summaries)

    def _post(
        self, ref: DigestRef, channel: str, now: datetime, summaries: Summaries | None
    ) -> Outcome:
        """Post a claimed slot: compose, renew the lease, post with its ref, record."""
        pref_code, slot, attempt = ref.pref_code, ref.slot, ref.attempt
        try:
            composed = self.compose(pref_code, now, slot, summaries=summaries)
        except Exception as exc:  # record and let a later run retry
            log.exception("digest composition failed (pref=%s slot=%s)", pref_code, slot)
            self.slot_store.finish(ref, "failed", error=f"compose: {exc!r}"[:2000])
            return Outcome(pref_code, slot, "failed", repr(exc), attempt=attempt)
        digest = composed.digest
        if not self.slot_store.renew(ref, digest.snapshot):
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
            posted = self.poster.post(channel, composed, ref)
        except PostFailed as exc:
            error = str(exc)
            log.warning("digest post failed: %s (pref=%s slot=%s)", error, pref_code, slot)
            self.slot_store.finish(ref, "failed", error=error)
            return Outcome(pref_code, slot, "failed", error, attempt=attempt)
        self.slot_store.finish(
            ref, "posted", ts=posted.ts, error=posted.note, snapshot=digest.snapshot
        )
        log.info(
            "digest posted pref=%s slot=%s attempt=%d ts=%s", pref_code, slot, attempt, posted.ts
        )
        return Outcome(pref_code, slot, "posted", posted.note or "", posted.ts, attempt)

    # -- recovery ---------------------------------------------------------------------------
    def recover(self, now: datetime | None = None) -> list[Outcome]:
        """Settle every slot left "posting" past its lease: recovered, or posted again."""
        return self.recovery.run(now or self._clock(), self.lease)

    def next_stale_at(self) -> datetime | None:
        """When the oldest claim still within its lease runs out (aware UTC), if any."""
        oldest = self.slot_store.oldest_claim()
        return None if oldest is None else oldest + self.lease
