"""Mean, median and range over a scope (kind ``stats``), by prefecture when several."""

from __future__ import annotations

import statistics

from analytics.answers import projection
from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import BarChart, Chart
from analytics.number_format import fmt_number
from analytics.query import Query
from analytics.tables import IPSS_YEARS


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    scope = ctx.default_scope(q)
    lines: list[str] = []
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        if ind.is_projection and not q.years and not q.munis:
            prefs = list(scope or [])
            lines.append(f"{ind.name}（{ctx.catalog.sources[ind.source].short}）")
            for p in prefs[:7]:
                vals = {
                    y: s.pref_values.get(p)
                    for y in IPSS_YEARS
                    if (s := ctx.store.series(ind.id, y))
                }
                lines.append(
                    f"・{ctx.geo.prefs[p].name}: "
                    + " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
                )
                used.add(ind, ctx.store.series(ind.id, IPSS_YEARS[0]))
                for y in IPSS_YEARS:
                    used.sources.setdefault(ind.source, set()).add(y)
            ch = projection.line_chart(ctx, ind, [], used, prefs[:7])
            if ch and not chart_list:
                chart_list.append(ch)
            continue
        s = ctx.series_for(ind, q, used)
        if s is None:
            lines.append(f"{ind.name}のデータがありません。")
            continue
        codes = ctx.scope_codes(scope)
        nums = [v for c in codes if (v := s.values.get(c)) is not None]
        if not nums:
            lines.append(f"{ctx.scope_name(scope)}の{ind.name}はデータがありません。")
            continue
        mean, med = statistics.fmean(nums), statistics.median(nums)
        when = f"今後10年: {ctx.period(s)}" if s.end_year else ctx.period(s)
        lines.append(f"{ctx.scope_name(scope)}の{ind.name}（{when}、{len(nums)}市町村）")
        lines.append(
            f"・市町村の平均 {ctx.fmt(ind, mean)}、中央値 {ctx.fmt(ind, med)}"
            f"（最小 {ctx.fmt(ind, min(nums))}〜最大 {ctx.fmt(ind, max(nums))}）"
        )
        if scope is not None and len(scope) >= 1 and s.pref_values:
            for p in scope[:7]:
                pv = s.pref_values.get(p)
                if pv is not None:
                    lines.append(f"・{ctx.geo.prefs[p].name}全体: {ctx.fmt(ind, pv)}")
        missing = ctx.missing_in(s, codes)
        if missing:
            lines.append(
                f"・データなし: {len(missing)}市町村（平均・中央値の計算から除いています）"
            )
        for c in q.munis:
            if s.values.get(c) is not None:
                lines.append(f"・{ctx.name(c)}: {ctx.fmt(ind, s.values[c])}")
        if not chart_list:
            if scope is not None and len(scope) == 1:
                bar = ctx.pref_bar(ind, s, scope, list(q.munis), used)
                if bar:
                    chart_list.append(bar)
            else:
                groups = sorted({ctx.geo.munis[c].pref_code for c in codes})
                meds = []
                for p in groups:
                    pvals = [
                        v
                        for c in codes
                        if ctx.geo.munis[c].pref_code == p and (v := s.values.get(c)) is not None
                    ]
                    if pvals:
                        meds.append((ctx.geo.prefs[p].name, statistics.median(pvals)))
                if meds:
                    chart_list.append(
                        BarChart(
                            title=f"{ind.name}の府県別中央値（{ctx.period(s)}）",
                            labels=tuple(x for x, _ in meds),
                            values=tuple(v for _, v in meds),
                            unit=ind.unit,
                            note=ctx.chart_note(used),
                            ref_lines=(("全体の中央値", med),),
                        )
                    )
    return Answer(lines, chart_list)
