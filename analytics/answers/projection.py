"""Projections over the years (kind ``series``), and the projection lines and line chart the
look-up, comparison and statistics answers reuse for 社人研 estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from analytics.answers.common import Answer, Context, Used
from analytics.catalog import Indicator
from analytics.chart_spec import LineChart
from analytics.number_format import fmt_number, fmt_signed
from analytics.query import Query
from analytics.tables import IPSS_YEARS


def series(ctx: Context, q: Query, used: Used) -> Answer:
    ind = next(ctx.ind(i) for i in q.indicators if ctx.ind(i).is_projection)
    lines: list[str] = []
    for c in q.munis:
        lines += lines_for(ctx, ind, c, replace(q, years=()), used)
    prefs = [] if q.munis else list(q.prefs or [])
    for p in prefs:
        vals = {y: s.pref_values.get(p) for y in IPSS_YEARS if (s := ctx.store.series(ind.id, y))}
        lines.append(
            f"{ctx.geo.prefs[p].name}の{ind.name}: "
            + " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
        )
        used.add(ind, ctx.store.series(ind.id, IPSS_YEARS[0]))
    for y in IPSS_YEARS:
        used.sources.setdefault(ind.source, set()).add(y)
    ch = line_chart(ctx, ind, list(q.munis), used, prefs)
    return Answer(lines, [ch] if ch else [])


def lines_for(ctx: Context, ind: Indicator, code: str, q: Query, used: Used) -> list[str]:
    m = ctx.geo.munis[code]
    vals = {y: s.values.get(code) for y in IPSS_YEARS if (s := ctx.store.series(ind.id, y))}
    used.add(ind, ctx.store.series(ind.id, IPSS_YEARS[0]))
    for y in IPSS_YEARS:
        used.sources.setdefault(ind.source, set()).add(y)
    if all(v is None for v in vals.values()):
        return [f"{m.label}の{ind.name}はデータがありません（{ctx.missing_reason(ind, code)}）。"]
    base = ctx.store.base_year
    end = base + 10
    if q.years:
        shown = [y for y in q.years if y in vals]
        head = "、".join(f"{y}年 {fmt_number(vals[y], '人')}" for y in shown)
        if not shown:
            used.note(
                f"推計は 2015〜2045 年の5年ごとです（{'、'.join(map(str, q.years))}年はありません）。"
            )
            head = "、".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
    else:
        head = " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
    out = [f"{m.label}の{ind.name}（{ctx.catalog.sources[ind.source].short}）: {head}"]
    v0, v1 = vals.get(base), vals.get(end)
    if v0 is not None and v1 is not None:
        out.append(
            f"今後10年（{base}年→{end}年）の増加: {fmt_signed(v1 - v0, '人')}"
            f"（{fmt_signed((v1 / v0 - 1) * 100, '%', 1)}）"
        )
    return out


def line_chart(
    ctx: Context, ind: Indicator, codes: Sequence[str], used: Used, prefs: Sequence[str] = ()
) -> LineChart | None:
    series: list[tuple[str, tuple[float | None, ...]]] = []
    for c in codes:
        vals = tuple(
            (s.values.get(c) if (s := ctx.store.series(ind.id, y)) else None) for y in IPSS_YEARS
        )
        if any(v is not None for v in vals):
            series.append((ctx.name(c), vals))
    for p in prefs:
        vals = tuple(
            (s.pref_values.get(p) if (s := ctx.store.series(ind.id, y)) else None)
            for y in IPSS_YEARS
        )
        if any(v is not None for v in vals):
            series.append((ctx.geo.prefs[p].name, vals))
    if not series:
        return None
    who = "・".join(lab for lab, _ in series[:4])
    return LineChart(
        title=f"{ind.name}（{who}）",
        years=IPSS_YEARS,
        series=tuple(series),
        highlight=(0,) if len(series) == 1 else (),
        unit="人",
        note=ctx.chart_note(used),
    )
