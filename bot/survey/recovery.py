"""Settle the slots a killed clock left "posting", without ever posting a digest twice.

Each digest goes out with its ``DigestRef`` (prefecture, slot, attempt). Once a claim's lease
has run out, the channel is searched for that message through the poster: found → the slot is
marked posted with its ts (no second post); not found → a compare-and-set lets exactly one
process take the slot over and post it as the next attempt. A history that cannot be read
leaves the slot "unverified" (not posted again, reconciled again on the next run), never a
possible duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.survey.aggregate import Summary
from bot.survey.context import SurveyContext
from bot.survey.ports import DigestPoster, DigestRef, FoundPost, HistoryUnreadable
from bot.survey.slots import Claimed, Outcome, SlotStore

log = logging.getLogger("bot.survey")

# the channel history is read from this long before the claim (clock skew, the message's ts)
HISTORY_MARGIN = timedelta(seconds=60)
RECOVERED_NOTE = "recovered: found in the channel history by its message metadata"

# posts a slot already claimed as ``ref`` in ``channel`` (``DigestService._post``)
PostClaimed = Callable[
    [DigestRef, str, datetime, tuple[dict[str, Summary], Summary] | None], Outcome
]


class Recovery:
    """Settles stale slots: recovered from the channel, left unverified, or posted again."""

    def __init__(
        self, ctx: SurveyContext, slots: SlotStore, poster: DigestPoster, post: PostClaimed
    ) -> None:
        self.ctx = ctx
        self.slots = slots
        self.poster = poster
        self._post = post

    def run(self, now: datetime, lease: timedelta) -> list[Outcome]:
        """Settle every stale slot once."""
        return [self._recover_one(row, now) for row in self.slots.stale(lease)]

    def _recover_one(self, row: Claimed, now: datetime) -> Outcome:
        pref, slot, n = row.pref_code, row.slot, row.attempts
        start = self.slots.attempt_start(row)
        channel = start.channel if start else self.ctx.channels.get(pref)
        since = min(start.started_at, row.updated_at) if start else row.updated_at
        forced = start.forced if start else False
        if channel is None:
            return self._settle_outcome(
                row, "failed", "recovery: no channel recorded", "チャンネルが設定されていません"
            )
        try:
            found = self._find_posted(channel, row, since, forced=forced)
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
            note = RECOVERED_NOTE
            if found.attempt != n:
                note += f" (message of attempt {found.attempt})"
            if self.slots.settle(row, "posted", note, ts=found.ts):
                log.info(
                    "digest recovered pref=%s slot=%s attempt=%d ts=%s", pref, slot, n, found.ts
                )
                return Outcome(pref, slot, "recovered", "投稿済みの記録を復旧しました", found.ts, n)
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
        attempt = self.slots.take_over(row, target)
        if attempt is None:
            return Outcome(pref, slot, "skipped", "ほかの処理が引き継ぎました", attempt=n)
        log.info("digest taken over pref=%s slot=%s attempt=%d", pref, slot, attempt)
        return self._post(DigestRef(pref, slot, attempt), target, now, None)

    def _find_posted(
        self, channel: str, row: Claimed, since: datetime, *, forced: bool = False
    ) -> FoundPost | None:
        """The digest message for the slot posted since the claim, if any.

        The attempt's own message first. Another attempt's counts too (it is the same digest,
        one a lagging history did not show before), except for a forced attempt: that one
        was asked to post again on purpose.
        """
        oldest = since.replace(tzinfo=UTC) - HISTORY_MARGIN
        hits = self.poster.find(channel, row.pref_code, row.slot, oldest)
        own = [h for h in hits if h.attempt == row.attempts]
        usable = own or ([] if forced else hits)
        return min(usable, key=lambda h: float(h.ts)) if usable else None

    def _still_open(self, pref: str, slot: str, now: datetime) -> bool:
        """Is the slot still due? Like a failed post, a closed slot is not posted late
        (``hintbot digest --now`` posts the current one on purpose)."""
        return any(s.pref_code == pref and s.key == slot for s in self.ctx.due_slots(now))

    def _settle_outcome(self, row: Claimed, status: str, note: str, detail: str) -> Outcome:
        if self.slots.settle(row, status, note):
            return Outcome(row.pref_code, row.slot, status, detail, attempt=row.attempts)
        return Outcome(row.pref_code, row.slot, "skipped", "ほかの処理が対応しました")
