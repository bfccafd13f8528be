"""One municipality's value(s) (kind ``lookup``), with its rank in the prefecture and a bar chart.

A ward of a 政令市 is answered from the tables that have ward rows (住民基本台帳) and ranked
among the city's wards; for the others the first line says the table has no wards."""

from __future__ import annotations

from analytics.answers import projection
from analytics.answers.common import Answer, Context, Used
from analytics.catalog import Indicator
from analytics.chart_spec import BarChart, Chart
from analytics.number_format import fmt_number
from analytics.query import Query
from analytics.tables import Series


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    code = q.munis[0]
    lines: list[str] = []
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        if ind.is_projection:
            lines += projection.lines_for(ctx, ind, code, q, used)
            if not chart_list:
                c = projection.line_chart(ctx, ind, [ctx.unit_of(code)], used)
                if c is not None:
                    chart_list.append(c)
            continue
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
        ward = ctx.geo.munis[read].level == "designated_city_ward"
        pos = ward_position(ctx, s, read, ind) if ward else ""
        if not ward:
            pos = ctx.position(s, read, (ctx.geo.munis[read].pref_code,), ind)
        lines.append(
            f"{ctx.name(read, True)}の{ctx.heading(ind, s)}は {ctx.fmt(ind, v)} です"
            f"{change_detail(ctx, ind, s, read)}。" + (f"{pos}です。" if pos else "")
        )
        lines += _area_lines(ctx, ind, s, read)
        if not chart_list:
            bar = (
                ward_bar(ctx, ind, s, read, used)
                if ward
                else ctx.pref_bar(ind, s, (ctx.geo.munis[read].pref_code,), [read], used)
            )
            if bar is not None:
                chart_list.append(bar)
    return Answer(lines, chart_list)


def change_detail(ctx: Context, ind: Indicator, s: Series, code: str) -> str:
    """「（2020年 125,983人 → 2040年 136,982人）」 for a change of 75/85歳以上人口."""
    if not ind.id.endswith(("_increase", "_increase_rate")) or not s.end_year:
        return ""
    fam = ind.id.split("_")[0]
    b, e = ctx.store.series(fam, s.year), ctx.store.series(fam, s.end_year)
    if b is None or e is None:
        return ""
    return (
        f"（{s.year}年 {fmt_number(b.values.get(code), '人')} → "
        f"{s.end_year}年 {fmt_number(e.values.get(code), '人')}）"
    )


def ward_position(ctx: Context, s: Series, ward: str, ind: Indicator) -> str:
    """「大阪市の24区中 3位（多い順）」 among the wards of the same city."""
    city = ctx.unit_of(ward)
    peers = [(c, x) for c in ctx.geo.wards_of(city) if (x := s.values.get(c)) is not None]
    v = s.values.get(ward)
    if v is None or len(peers) < 2:
        return ""
    rank = 1 + sum(1 for _, x in peers if x > v)
    return f"{ctx.name(city)}の{len(peers)}区中 {rank}位（{ctx.more_less(ind, True)}順）"


def ward_bar(ctx: Context, ind: Indicator, s: Series, ward: str, used: Used) -> BarChart | None:
    city = ctx.unit_of(ward)
    peers = [(c, x) for c in ctx.geo.wards_of(city) if (x := s.values.get(c)) is not None]
    if not peers:
        return None
    peers.sort(key=lambda t: -t[1])
    return BarChart(
        title=f"{ctx.heading(ind, s)}・{ctx.name(city)}の区",
        labels=tuple(ctx.geo.munis[c].name for c, _ in peers),
        values=tuple(v for _, v in peers),
        highlight=tuple(i for i, (c, _) in enumerate(peers) if c == ward),
        unit=ind.unit,
        note=ctx.chart_note(used),
    )


def _area_lines(ctx: Context, ind: Indicator, s: Series, code: str) -> list[str]:
    areas = s.areas.get(code)
    if not areas:
        return []
    parts = [f"{a} {ctx.fmt(ind, v)}" for a, v in areas.items()]
    return ["　圏域別: " + "、".join(parts)]
