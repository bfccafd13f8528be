"""One municipality's value(s) (kind ``lookup``), with its rank in the prefecture and a bar chart."""

from __future__ import annotations

from analytics.answers import projection
from analytics.answers.common import Answer, Context, Used
from analytics.catalog import Indicator
from analytics.chart_spec import Chart
from analytics.number_format import fmt_number
from analytics.query import Query
from analytics.tables import Series


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    code = q.munis[0]
    m = ctx.geo.munis[code]
    lines: list[str] = []
    chart_list: list[Chart] = []
    scope = (m.pref_code,)
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        if ind.is_projection:
            lines += projection.lines_for(ctx, ind, code, q, used)
            if not chart_list:
                c = projection.line_chart(ctx, ind, [code], used)
                if c is not None:
                    chart_list.append(c)
            continue
        s = ctx.series_for(ind, q, used)
        if s is None:
            lines.append(f"{ind.name}のデータがありません。")
            continue
        v = s.values.get(code)
        if v is None:
            lines.append(
                f"{m.label}の{ind.name}（{ctx.period(s)}）はデータがありません"
                f"（{ctx.missing_reason(ind, code)}）。"
            )
            continue
        pos = ctx.position(s, code, scope, ind)
        extra = ""
        if ind.id.endswith(("_increase", "_increase_rate")):
            base = ctx.store.series(ind.id.split("_")[0], s.year)
            end = ctx.store.series(ind.id.split("_")[0], s.end_year) if s.end_year else None
            if base is not None and end is not None:
                extra = (
                    f"（{s.year}年 {fmt_number(base.values.get(code), '人')} → "
                    f"{s.end_year}年 {fmt_number(end.values.get(code), '人')}）"
                )
        label = "今後10年" if s.end_year and s.end_year - s.year == 10 else "期間"
        when = f"{label}: {ctx.period(s)}" if s.end_year else ctx.period(s)
        lines.append(
            f"{m.label}の{ind.name}（{when}）は {ctx.fmt(ind, v)} です{extra}。"
            + (f"{pos}です。" if pos else "")
        )
        lines += _area_lines(ctx, ind, s, code)
        if not chart_list:
            bar = ctx.pref_bar(ind, s, scope, [code], used)
            if bar is not None:
                chart_list.append(bar)
    return Answer(lines, chart_list)


def _area_lines(ctx: Context, ind: Indicator, s: Series, code: str) -> list[str]:
    areas = s.areas.get(code)
    if not areas:
        return []
    parts = [f"{a} {ctx.fmt(ind, v)}" for a, v in areas.items()]
    return ["　圏域別: " + "、".join(parts)]
