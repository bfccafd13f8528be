"""One municipality's rank and percentile in its scope (kind ``position``), with the verdict
against the median in words; a ward is ranked among its city's wards."""

from __future__ import annotations

import statistics

from analytics.answers import lookup
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
        if ind.is_projection and not q.years_asked:
            ind = ctx.ind(ind.id + "_increase_rate")
        s = ctx.series_for(ind, q, used)
        if s is None:
            lines.append(f"{ctx.measure(ind)}のデータがありません。")
            continue
        read, v = ctx.value(ind, s, code, used)
        if v is None:
            lines.append(
                f"{ctx.name(read, True)}の{ctx.heading(ind, s)}はデータがありません"
                f"（{ctx.missing_reason(ind, read, s)}）。"
            )
            continue
        if ctx.geo.munis[read].level == "designated_city_ward":
            pos = lookup.ward_position(ctx, s, read, ind)
            lines.append(
                f"{ctx.name(read, True)}の{ctx.heading(ind, s)}は {ctx.fmt(ind, v)} で、{pos}です。"
            )
            bar = lookup.ward_bar(ctx, ind, s, read, used)
            if bar is not None and not chart_list:
                chart_list.append(bar)
            continue
        codes = ctx.scope_codes(scope)
        ranked_desc = ctx.ranked(s, codes, True)
        rank_hi = 1 + sum(1 for _, x in ranked_desc if x > v)
        rank_lo = 1 + sum(1 for _, x in ranked_desc if x < v)
        pct = ctx.percentile(s, read, codes)
        vals = [x for _, x in ranked_desc]
        where = ctx.count_text(ctx.scope_name(scope), len(vals), len(codes) - len(vals))
        hi, lo = ctx.more_less(ind, True), ctx.more_less(ind, False)
        med = statistics.median(vals)
        lines.append(
            f"{ctx.name(read, True)}の{ctx.heading(ind, s)}は {ctx.fmt(ind, v)} で、"
            f"{where} {hi}順に{rank_hi}位（{lo}順に{rank_lo}位）、"
            f"パーセンタイル {pct or 0:.0f} です。"
        )
        lines.append(
            f"　{ctx.verdict(ind, v, med, ctx.scope_name(scope) + 'の中央値')}です"
            f"（市町村の平均 {ctx.fmt(ind, statistics.fmean(vals))}）。"
        )
        if not chart_list:
            ch = ctx.pref_bar(ind, s, scope, [read], used)
            if ch:
                chart_list.append(ch)
    return Answer(lines, chart_list)
