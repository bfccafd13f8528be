"""One municipality's rank and percentile in its scope (kind ``position``)."""

from __future__ import annotations

import statistics

from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import Chart
from analytics.query import Query


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    code = q.munis[0]
    m = ctx.geo.munis[code]
    scope = q.scope_prefs if (q.national or q.region or q.prefs) else (m.pref_code,)
    if q.prefs and m.pref_code not in q.prefs and not (q.national or q.region):
        scope = (m.pref_code,)
    lines: list[str] = []
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        if ind.is_projection and not q.years:
            ind = ctx.ind(ind.id + "_increase_rate")
        s = ctx.series_for(ind, q, used)
        if s is None or s.values.get(code) is None:
            lines.append(
                f"{m.label}の{ind.name}はデータがありません（{ctx.missing_reason(ind, code)}）。"
            )
            continue
        codes = ctx.scope_codes(scope)
        v = s.values[code]
        assert v is not None
        ranked_desc = ctx.ranked(s, codes, True)
        rank_hi = 1 + sum(1 for _, x in ranked_desc if x > v)
        rank_lo = 1 + sum(1 for _, x in ranked_desc if x < v)
        pct = ctx.percentile(s, code, codes)
        vals = [x for _, x in ranked_desc]
        when = f"今後10年: {ctx.period(s)}" if s.end_year else ctx.period(s)
        lines.append(
            f"{m.label}の{ind.name}（{when}）は {ctx.fmt(ind, v)} で、"
            f"{ctx.scope_name(scope)}内 {len(vals)}市町村中 高い順に{rank_hi}位（低い順に{rank_lo}位）、"
            f"パーセンタイル {pct:.0f} です。"
        )
        lines.append(
            f"　{ctx.scope_name(scope)}の中央値 {ctx.fmt(ind, statistics.median(vals))}、"
            f"平均 {ctx.fmt(ind, statistics.fmean(vals))}。"
        )
        if not chart_list:
            ch = ctx.pref_bar(ind, s, scope, [code], used)
            if ch:
                chart_list.append(ch)
    return Answer(lines, chart_list)
