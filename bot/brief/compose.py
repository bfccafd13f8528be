"""Compose municipality briefs from what the project holds: the indicator tables, the survey
answers, the hint cards, the consultation log, the visit records and the 検討会 dates.

``BriefComposer`` reads only. Figures come from the tables (``analytics.tables.DataStore``),
never from answer texts; the survey's aggregates are computed once per batch, so a prefecture's
39 briefs share them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from analytics.catalog import Catalog, Indicator
from analytics.number_format import fmt_number, fmt_signed
from analytics.tables import DataStore, Series
from bot.brief.model import (
    CONSULTATION_DAYS,
    MAX_VISITS,
    TOP_CARDS,
    Barrier,
    Barriers,
    Brief,
    CardBrief,
    Consultations,
    Figure,
    Sheet,
    ViewpointLine,
    VisitLine,
    Visits,
)
from bot.knowledge.model import KnowledgeBase
from bot.storage.visits import Visit, VisitStore
from bot.survey.aggregate import Summary, summarize
from bot.survey.answers import Latest
from bot.survey.context import SurveyContext
from bot.survey.ports import ConsultationLog
from bot.survey.schedule import next_meeting

REGION_NAME = "近畿2府5県"
# The 見える化 and survey-based indicators every sheet shows (sample until imported); any
# other indicator with imported values is shown after them.
MIERUKA = ("cert_rate", "healthy_share", "kayoi_rate", "premium", "benefit_total")
# The report's two viewpoints (図表2-5): x rises with the next ten years' growth; the quadrant
# of concern is high x with low y (prevention) or high x with high y (benefit).
VIEWPOINTS = (
    (
        "要介護状態になることの予防の観点",
        "pop75_increase_rate",
        "healthy_share",
        "介護予防に力を入れる必要",
        "low",
    ),
    (
        "要介護状態になった後の給付の観点",
        "pop85_increase_rate",
        "benefit_total",
        "給付のあり方の見直しが必要",
        "high",
    ),
)


@dataclass(frozen=True)
class SurveyFigures:
    """The latest answers that count and the per-prefecture and regional summaries."""

    latest: Mapping[str, Latest]
    by_pref: Mapping[str, Summary]
    region: Summary
    has_real: bool


class BriefComposer:
    def __init__(
        self,
        store: DataStore,
        survey: SurveyContext,
        kb: KnowledgeBase,
        consultations: ConsultationLog,
        visits: VisitStore,
    ) -> None:
        self.store = store
        self.ctx = survey
        self.kb = kb
        self.consultations = consultations
        self.visits = visits

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    # -- batches ----------------------------------------------------------------------------
    def compose_many(
        self, codes: Sequence[str], today: date, *, with_visits: bool = True
    ) -> list[Brief]:
        """Briefs of ``codes`` in that order, sharing the survey figures and the meetings."""
        figures = self.survey_figures()
        meetings = self.ctx.meetings.all()
        staff = self._staff()
        visits = self.visits.for_municipalities(codes) if with_visits else {}
        return [
            self._compose(
                code,
                today,
                figures,
                next_meeting(today, self.ctx.places.muni(code).pref_code, meetings),
                staff.get(code, []),
                visits.get(code, []) if with_visits else None,
            )
            for code in codes
        ]

    def compose(self, code5: str, today: date, *, with_visits: bool = True) -> Brief:
        return self.compose_many([code5], today, with_visits=with_visits)[0]

    # -- the survey -------------------------------------------------------------------------
    def survey_figures(self) -> SurveyFigures:
        ctx, places = self.ctx, self.ctx.places
        latest = ctx.answers.latest(places.pref_codes)
        answers = {c: dict(v.answers) for c, v in latest.items()}
        sample = [c for c, v in latest.items() if v.sample]
        by_pref: dict[str, Summary] = {}
        region_codes: list[str] = []
        for pc in places.pref_codes:
            codes = [m.code5 for m in places.munis_of(pc)]
            region_codes += codes
            by_pref[pc] = summarize(ctx.survey, pc, places.pref_name(pc), codes, answers, sample)
        region = summarize(ctx.survey, "region", REGION_NAME, region_codes, answers, sample)
        has_real = any(not v.sample for v in latest.values())
        return SurveyFigures(latest, by_pref, region, has_real)

    def _staff(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for m in self.ctx.registry.members("approved"):
            if m.role == "municipal" and m.code5:
                out.setdefault(m.code5, []).append(m.user_id)
        return out

    # -- one brief --------------------------------------------------------------------------
    def _compose(
        self,
        code5: str,
        today: date,
        figures: SurveyFigures,
        meeting: date | None,
        staff: list[str],
        visits: list[Visit] | None,
    ) -> Brief:
        m = self.ctx.places.muni(code5)
        barriers = self._barriers(code5, m.pref_code, figures)
        cards, from_pref = self._cards(barriers, figures.by_pref[m.pref_code])
        return Brief(
            code5=code5,
            name=m.name,
            pref_code=m.pref_code,
            pref_name=m.pref_name,
            today=today,
            sheet=self.sheet(code5),
            barriers=barriers,
            cards=cards,
            cards_from_prefecture=from_pref,
            consultations=self._consultations(staff, today),
            visits=None if visits is None else _visits(visits, today),
            next_meeting=meeting,
        )

    # -- the sheet --------------------------------------------------------------------------
    def sheet(self, code5: str) -> Sheet:
        store = self.store
        pref = store.geo.munis[code5].pref_code
        codes = [c for c in store.geo.units_in([pref])]
        base, end = store.base_year, store.base_year + 10
        used: set[str] = set()
        out: list[Figure] = []

        def add(ind_id: str, year: int | None, label: str | None = None) -> None:
            ind = self.catalog.get(ind_id)
            s = store.series(ind_id, year)
            if s is None:
                return
            used.add(ind.source)
            out.append(self._figure(ind, s, code5, pref, codes, label))

        add("aging_rate", None)
        add("late_aging_rate", None)
        for age in ("75", "85"):
            add(f"pop{age}", base, f"{age}歳以上人口（{base}年）")
            add(f"pop{age}", end, f"{age}歳以上人口（{end}年）")
            add(f"pop{age}_increase_rate", base, f"{age}歳以上人口の増加率（{base}→{end}年）")
        shown = set(MIERUKA)
        for ind_id in MIERUKA:
            add(ind_id, None)
        for ind in self.catalog.indicators:
            if ind.id not in shown and not ind.is_real and self._imported(ind.id):
                add(ind.id, None)
        viewpoints = tuple(self._viewpoint(v, code5, codes) for v in VIEWPOINTS)
        for v in VIEWPOINTS:
            used.update(self.catalog.get(i).source for i in (v[1], v[2]))
        mieruka_imported = any(
            self._imported(i.id) for i in self.catalog.indicators if not i.is_real
        )
        credits = tuple(src.credit for k, src in self.catalog.sources.items() if k in used)
        return Sheet(tuple(out), viewpoints, mieruka_imported, credits)

    def _imported(self, ind_id: str) -> bool:
        return any(k[0] == ind_id for k in self.store.imported)

    def _figure(
        self,
        ind: Indicator,
        s: Series,
        code5: str,
        pref: str,
        codes: Sequence[str],
        label: str | None,
    ) -> Figure:
        v = s.values.get(code5)
        vals = [x for c in codes if (x := s.values.get(c)) is not None]
        rank = None if v is None else 1 + sum(1 for x in vals if x > v)
        pct = None
        if v is not None and vals:
            below = sum(1 for x in vals if x < v)
            equal = sum(1 for x in vals if x == v)
            pct = (below + 0.5 * equal) / len(vals) * 100
        pv = s.pref_values.get(pref)
        if pv is not None:
            pref_text = self._fmt(ind, pv)
        elif vals:
            pref_text = f"中央値 {self._fmt(ind, statistics.median(vals))}"
        else:
            pref_text = "データなし"
        text = self._fmt(ind, v)
        if ind.id.endswith("_increase_rate") and v is not None:
            inc = self.store.series(ind.id.removesuffix("_rate"), s.year)
            n = inc.values.get(code5) if inc is not None else None
            if n is not None:
                text += f"（{fmt_signed(n, '人', 0)}）"
        period = f"{s.year}年→{s.end_year}年" if s.end_year else f"{s.year}年"
        return Figure(
            key=f"{ind.id}@{s.year}" if ind.is_projection else ind.id,
            label=label or ind.name,
            value=v,
            text=text,
            pref_text=pref_text,
            rank=rank,
            of=len(vals),
            period=period,
            source=self.catalog.sources[ind.source].short,
            sample=s.sample,
            imported=self._imported(ind.id),
            percentile=pct,
        )

    @staticmethod
    def _fmt(ind: Indicator, v: float | None) -> str:
        if ind.id.endswith("_increase_rate"):
            return fmt_signed(v, "%", 1)
        if ind.id.endswith("_increase"):
            return fmt_signed(v, "人", 0)
        return fmt_number(v, ind.unit, ind.decimals)

    def _viewpoint(
        self, spec: tuple[str, str, str, str, str], code5: str, codes: Sequence[str]
    ) -> ViewpointLine:
        title, x_id, y_id, concern, y_side = spec
        ix, iy = self.catalog.get(x_id), self.catalog.get(y_id)
        sx = self.store.series(x_id, self.store.base_year)
        sy = self.store.series(y_id)
        if sx is None or sy is None:
            return ViewpointLine(title, f"{ix.name}か{iy.name}のデータがありません。", None, False)
        sample = sx.sample or sy.sample
        pts = [
            (x, y)
            for c in codes
            if (x := sx.values.get(c)) is not None and (y := sy.values.get(c)) is not None
        ]
        x, y = sx.values.get(code5), sy.values.get(code5)
        if x is None or y is None or not pts:
            return ViewpointLine(
                title, f"{ix.name}か{iy.name}のデータがないため判定できません。", None, sample
            )
        mx = statistics.median(p[0] for p in pts)
        my = statistics.median(p[1] for p in pts)
        hit = x > mx and (y < my if y_side == "low" else y > my)
        verdict = "の象限です" if hit else "の象限ではありません"
        text = (
            f"{ix.name} {self._fmt(ix, x)}（府内中央値 {self._fmt(ix, mx)}より"
            f"{'高い' if x > mx else '低い'}）、{iy.name} {self._fmt(iy, y)}（中央値 "
            f"{self._fmt(iy, my)}より{'高い' if y > my else '低い'}）→「{concern}」{verdict}。"
        )
        return ViewpointLine(title, text, hit, sample)

    # -- barriers ---------------------------------------------------------------------------
    def _barriers(self, code5: str, pref: str, figures: SurveyFigures) -> Barriers:
        survey = self.ctx.survey
        ps, region = figures.by_pref[pref], figures.region
        latest = figures.latest.get(code5)
        if latest is None or not latest.answers:
            return Barriers(
                answered=False,
                answered_on=None,
                previous_on=None,
                applying=(),
                items_answered=0,
                items_total=len(survey.items),
                no_longer=(),
                pref_name=ps.name,
                pref_answered=len(ps.answered),
                pref_total=ps.total,
                sample=ps.sample,
                pref_top=tuple((s.item.text, s.share) for s in ps.top(5)),
            )
        previous = self._previous(code5, latest)
        prev = dict(previous.answers) if previous else {}
        applies = survey.applies_values
        rows: list[Barrier] = []
        for it in survey.items:
            v = latest.answers.get(it.id)
            if v is None or v not in applies:
                continue
            p = prev.get(it.id)
            if previous is None:
                change = ""
            elif p is None:
                change = "前回は未回答"
            elif p not in applies:
                change = "新たに当てはまる"
            elif p != v:
                change = f"前回: {survey.level(p).label}"
            else:
                change = "前回と同じ"
            rows.append(
                Barrier(
                    n=it.n,
                    text=it.text,
                    short=it.short,
                    answer=survey.level(v).label,
                    strong=v == survey.strongest_value,
                    pref_share=ps.share(it.id).share,
                    region_share=region.share(it.id).share,
                    change=change,
                    cards=it.cards,
                    sample=latest.sample,
                )
            )
        rows.sort(key=lambda b: (not b.strong, -b.pref_share, b.n))
        no_longer = tuple(
            it.text
            for it in survey.items
            if prev.get(it.id) in applies and latest.answers.get(it.id) not in applies
        )
        return Barriers(
            answered=True,
            answered_on=_local_day(latest.submitted_at, self.ctx),
            previous_on=_local_day(previous.submitted_at, self.ctx) if previous else None,
            applying=tuple(rows),
            items_answered=sum(1 for it in survey.items if it.id in latest.answers),
            items_total=len(survey.items),
            no_longer=no_longer,
            pref_name=ps.name,
            pref_answered=len(ps.answered),
            pref_total=ps.total,
            sample=latest.sample,
        )

    def _previous(self, code5: str, latest: Latest) -> Latest | None:
        """The answers before ``latest`` of the same kind (real with real, sample with sample)."""
        same = [h for h in self.ctx.answers.history(code5) if h.sample == latest.sample]
        idx = next(
            (
                i
                for i in range(len(same) - 1, -1, -1)
                if same[i].submitted_at == latest.submitted_at
            ),
            None,
        )
        return same[idx - 1] if idx else None

    # -- cards ------------------------------------------------------------------------------
    def _cards(self, barriers: Barriers, pref: Summary) -> tuple[tuple[CardBrief, ...], bool]:
        if barriers.answered:
            order = [(b.text, b.cards) for b in barriers.applying]
            from_pref = False
        else:
            order = [(s.item.text, s.item.cards) for s in pref.top(5)]
            from_pref = True
        chosen: list[str] = []
        because: dict[str, list[str]] = {}
        for text, cards in order:
            for c in cards:
                if c not in chosen and len(chosen) < TOP_CARDS:
                    chosen.append(c)
                if c in chosen:
                    because.setdefault(c, []).append(text)
        out = []
        for cid in chosen:
            if not self.kb.has_card(cid):
                continue
            card = self.kb.card(cid)
            out.append(
                CardBrief(
                    id=card.id,
                    title=card.title,
                    category=card.category,
                    because=tuple(because.get(cid, ())),
                    questions=tuple(s.question for s in card.situations),
                    countermeasures=tuple(cm.title for cm in card.countermeasures),
                )
            )
        return tuple(out), from_pref

    # -- consultations ----------------------------------------------------------------------
    def _consultations(self, staff: list[str], today: date) -> Consultations:
        since = datetime.combine(today - timedelta(days=CONSULTATION_DAYS), time(0), self.ctx.tz)
        cards = self.consultations.cards_consulted(staff, since) if staff else []
        counts = Counter(c for c in cards if c)
        titles = {c.id: c.title for c in self.kb.cards}
        by_card = tuple(
            (cid, titles.get(cid, ""), n)
            for cid, n in sorted(counts.items(), key=lambda t: (-t[1], t[0]))
        )
        return Consultations(CONSULTATION_DAYS, len(staff), sum(counts.values()), by_card)


def _visits(rows: Iterable[Visit], today: date) -> Visits:
    lines = [VisitLine(v.day, v.planned(today), v.note, v.recorded_by, v.recorded_at) for v in rows]
    planned = tuple(sorted((v for v in lines if v.planned), key=lambda v: v.day))
    past = [v for v in lines if not v.planned]  # already latest first
    return Visits(planned, tuple(past[:MAX_VISITS]), len(past))


def _local_day(at: datetime, ctx: SurveyContext) -> date:
    """A stored UTC time as the local day."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(ctx.tz).date()
