"""Projections over the years (kind ``series``), and the projection lines and line chart the
look-up, comparison and statistics answers reuse for 社人研 estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from analytics.answers.common import IPSS_RANGE, Answer, Context, Used
from analytics.catalog import Indicator
from analytics.chart_spec import LineChart
from analytics.number_format import fmt_number, fmt_signed
from analytics.query import Query
from analytics.tables import IPSS_YEARS


def series(ctx: Context, q: Query, used: Used) -> Answer:
    ind = next(ctx.ind(i) for i in q.indicators if ctx.ind(i).is_projection)
    lines: list[str] = []
    # single years named with 推計/将来 are answered for those years (an off-grid one, such as
    # 2032, is said to be missing and its nearest projection year shown); otherwise every year
    asked = q if q.years and q.period is None else replace(q, years=())
    for c in q.munis:
        lines += lines_for(ctx, ind, c, asked, used)
    prefs = [] if q.munis else list(q.prefs or [])
    years = list(IPSS_YEARS)
    if prefs and asked.years:
        years = projection_years(ctx, ind, asked.years, used)
    for p in prefs:
        vals = {y: s.pref_values.get(p) for y in years if (s := ctx.store.series(ind.id, y))}
        lines.append(
            f"{ctx.geo.prefs[p].name}全体の{ind.name}: "
            + " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
        )
    if not asked.years:
        used.add_years(ind, IPSS_YEARS)
    elif prefs:
        used.add_years(ind, years)
    ch = line_chart(ctx, ind, list(q.munis), used, prefs)
    return Answer(lines, [ch] if ch else [])


def projection_years(ctx: Context, ind: Indicator, asked: Sequence[int], used: Used) -> list[int]:
    """The projection years to show for ``asked``: a year the projection does not have is
    said to be missing, once, and the nearest one it has is shown instead."""
    shown: list[int] = []
    for y in asked:
        if y not in IPSS_YEARS:
            near = min(IPSS_YEARS, key=lambda h: (abs(h - y), -h))
            used.cannot(
                f"{ctx.measure(ind)}の{y}年の値はありません（{IPSS_RANGE}）。{near}年の値を示します。"
            )
            y = near
        if y not in shown:
            shown.append(y)
    return shown


def lines_for(ctx: Context, ind: Indicator, code: str, q: Query, used: Used) -> list[str]:
    """The projection of one place: every year, or the years asked (and their change)."""
    m = ctx.geo.munis[code]
    if m.level == "designated_city_ward":
        city = ctx.unit_of(code)
        used.cannot(
            f"{ctx.name(code)}の{ind.name}はお答えできません（社人研の推計には政令市の区の値が"
            f"ありません）。{ctx.name(city)}全体の値を示します。"
        )
        code = city
    label = ctx.name(code, True)
    vals = {y: s.values.get(code) for y in IPSS_YEARS if (s := ctx.store.series(ind.id, y))}
    if all(v is None for v in vals.values()):
        used.add_years(ind, IPSS_YEARS)
        return [f"{label}の{ind.name}はデータがありません（{ctx.missing_reason(ind, code)}）。"]
    src = ctx.catalog.sources[ind.source].short
    asked = q.years_asked
    if q.period is not None:  # every projection year of the span, then its change
        y0, y1 = q.period
        inside = [y for y in IPSS_YEARS if y0 < y < y1]
        asked = (y0, *inside, y1)
    if asked:
        shown = projection_years(ctx, ind, asked, used)
        used.add_years(ind, shown)
        rel = f"（{q.relative}）" if q.relative and len(shown) == 1 else ""
        sep = " → " if q.period is not None else "、"
        head = sep.join(f"{y}年{rel} {fmt_number(vals[y], '人')}" for y in shown)
        out = [f"{label}の{ind.name}（{src}）: {head}"]
        if len(shown) >= 2:
            a, b = min(shown), max(shown)
            va, vb = vals[a], vals[b]
            if va is not None and vb is not None and va:
                out.append(
                    f"{a}年→{b}年の変化: {fmt_signed(vb - va, '人')}"
                    f"（{fmt_signed((vb / va - 1) * 100, '%', 1)}）"
                )
        return out
    used.add_years(ind, IPSS_YEARS)
    head = " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
    out = [f"{label}の{ind.name}（{src}）: {head}"]
    base = ctx.store.base_year
    end = base + 10
    v0, v1 = vals.get(base), vals.get(end)
    if v0 is not None and v1 is not None and v0:
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
        c = ctx.unit_of(c)
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
