"""Mean, median and range over a scope (kind ``stats``), with the whole area's own value
(府全体・近畿全体・全国) where the table has it, by prefecture when several."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from analytics.answers import projection
from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import BarChart, Chart
from analytics.geo import KINKI_PREFS
from analytics.number_format import fmt_number
from analytics.query import Query
from analytics.tables import IPSS_YEARS, KINKI, NATION


def whole_key(scope: Sequence[str] | None) -> str | None:
    """The ``pref_values`` key of a scope's whole-area value."""
    if scope is None:
        return NATION
    if tuple(sorted(scope)) == KINKI_PREFS:
        return KINKI
    if len(scope) == 1:
        return scope[0]
    return None


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    scope = ctx.default_scope(q)
    lines: list[str] = []
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        if ind.is_projection and not q.years_asked and not q.munis:
            prefs = list(scope or [])
            lines.append(f"{ind.name}（{ctx.catalog.sources[ind.source].short}）")
            for p in prefs[:7]:
                vals = {
                    y: s.pref_values.get(p)
                    for y in IPSS_YEARS
                    if (s := ctx.store.series(ind.id, y))
                }
                lines.append(
                    f"・{ctx.geo.prefs[p].name}全体: "
                    + " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
                )
            used.add_years(ind, IPSS_YEARS)
            ch = projection.line_chart(ctx, ind, [], used, prefs[:7])
            if ch and not chart_list:
                chart_list.append(ch)
            continue
        s = ctx.series_for(ind, q, used)
        if s is None:
            lines.append(f"{ctx.measure(ind)}のデータがありません。")
            continue
        codes = ctx.of_type(ctx.scope_codes(scope), q.unit_type)
        nums = [v for c in codes if (v := s.values.get(c)) is not None]
        if not nums:
            lines.append(f"{ctx.scope_name(scope)}の{ctx.heading(ind, s)}はデータがありません。")
            continue
        mean, med = statistics.fmean(nums), statistics.median(nums)
        missing = len(codes) - len(nums)
        unit = q.unit_type or "市町村"
        have = f"値のある{len(nums)}{unit}" if missing else f"{len(nums)}{unit}"
        where = ctx.scope_name(scope) + (f"の{q.unit_type}" if q.unit_type else "")
        lines.append(f"{where}の{ctx.heading(ind, s)}: {have}の値")
        lines.append(
            f"・{unit}の平均 {ctx.fmt(ind, mean)}、中央値 {ctx.fmt(ind, med)}"
            f"（最小 {ctx.fmt(ind, min(nums))}〜最大 {ctx.fmt(ind, max(nums))}）"
        )
        key = whole_key(scope)
        if key is not None and s.pref_values.get(key) is not None and not q.unit_type:
            lines.append(f"・{ctx.scope_name(scope)}全体の値: {ctx.fmt(ind, s.pref_values[key])}")
        if scope is not None and len(scope) > 1 and s.pref_values:
            for p in scope[:7]:
                pv = s.pref_values.get(p)
                if pv is not None:
                    lines.append(f"・{ctx.geo.prefs[p].name}全体: {ctx.fmt(ind, pv)}")
        if missing:
            lines.append(f"・データなし: {missing}{unit}（平均・中央値の計算から除いています）")
        for c in q.munis:
            read, v = ctx.value(ind, s, c, used)
            if v is not None:
                lines.append(f"・{ctx.name(read)}: {ctx.fmt(ind, v)}")
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
                            title=f"{ctx.measure(ind)}の府県別中央値（{ctx.when(s)}）",
                            labels=tuple(x for x, _ in meds),
                            values=tuple(v for _, v in meds),
                            unit=ind.unit,
                            note=ctx.chart_note(used),
                            ref_lines=(("全体の中央値", med),),
                        )
                    )
    return Answer(lines, chart_list)
