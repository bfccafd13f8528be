"""The figures a digest reports, gathered from the answers, the last posted digest and the
conversation log, and the digest composed from them (with its chart drawn)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bot.survey.aggregate import Summary, summarize
from bot.survey.context import SurveyContext
from bot.survey.digest import Composed, DigestInput, build_digest
from bot.survey.ports import ConsultationLog
from bot.survey.schedule import next_meeting
from bot.survey.slots import SlotStore

WORRY_WINDOW = timedelta(days=7)
REGION_NAME = "近畿2府5県"


class DigestComposer:
    """Composes a prefecture's digest; reads only (nothing is claimed or posted)."""

    def __init__(
        self,
        ctx: SurveyContext,
        consultations: ConsultationLog,
        slots: SlotStore | None = None,
    ) -> None:
        self.ctx = ctx
        self.consultations = consultations
        self.slots = slots or SlotStore(ctx.engine)

    def summaries(
        self, pref_codes: Sequence[str] | None = None
    ) -> tuple[dict[str, Summary], Summary]:
        """Per-prefecture summaries and the region's, from the latest answers."""
        ctx, places = self.ctx, self.ctx.places
        latest = ctx.answers.latest(places.pref_codes)
        answers = {c: dict(v.answers) for c, v in latest.items()}
        sample = [c for c, v in latest.items() if v.sample]
        by_pref: dict[str, Summary] = {}
        region_codes: list[str] = []
        for pc in places.pref_codes:
            codes = [m.code5 for m in places.munis_of(pc)]
            region_codes += codes
            if pref_codes is None or pc in pref_codes:
                by_pref[pc] = summarize(
                    ctx.survey, pc, places.pref_name(pc), codes, answers, sample
                )
        region = summarize(ctx.survey, "region", REGION_NAME, region_codes, answers, sample)
        return by_pref, region

    def worries(self, pref_code: str, now: datetime) -> list[tuple[str, int]]:
        """Cards most often matched for the prefecture's registered users in the last week."""
        users = self.ctx.registry.users_of_prefecture(pref_code)
        if not users:
            return []
        cards = self.consultations.cards_consulted(users, now - WORRY_WINDOW)
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
        slot_key = slot or ctx.current_slot(pref_code, now, meetings).key
        prev, prev_at = self.slots.previous(pref_code)
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
