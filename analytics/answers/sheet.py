"""One municipality's indicator sheet (kind ``sheet``; the report's 図表2-3): every indicator
with its rank in the prefecture, the two viewpoints, and a percentile profile chart."""

from __future__ import annotations

import statistics

from analytics.answers import viewpoint
from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import BarChart, Chart
from analytics.number_format import fmt_number
from analytics.query import Query

SHEET_ORDER = (
    "pop75",
    "pop85",
    "pop75_increase",
    "pop75_increase_rate",
    "pop85_increase",
    "pop85_increase_rate",
    "aging_rate",
    "late_aging_rate",
    "juki_total",
    "juki_pop65",
    "juki_pop75",
    "juki_pop85",
    "cert_rate",
    "healthy_share",
    "kayoi_rate",
    "short_prev_sites",
    "premium",
    "benefit_facility",
    "benefit_home",
    "benefit_total",
    "capacity_facility",
    "capacity_daycare",
    "visits_home_care",
    "visits_daycare",
)


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    code = q.munis[0]
    m = ctx.geo.munis[code]
    scope = (m.pref_code,)
    pref_name = ctx.geo.prefs[m.pref_code].name
    lines = [f"{m.label}の指標一覧です（報告書 図表2-3 に相当。順位は{pref_name}内・高い順）。"]
    by_group: dict[str, list[str]] = {}
    profile: list[tuple[str, float]] = []
    ids = [i for i in SHEET_ORDER] + [
        i.id
        for i in ctx.catalog.indicators
        if i.id not in SHEET_ORDER and not i.id.startswith("cert_rate_")
    ]
    for ind_id in ids:
        ind = ctx.ind(ind_id)
        if ind.is_projection:
            b, e = ctx.store.base_year, ctx.store.base_year + 10
            sb, se = ctx.store.series(ind.id, b), ctx.store.series(ind.id, e)
            if sb is None or se is None:
                continue
            used.add(ind, sb)
            used.add(ind, se)
            text = (
                f"{ind.name}: {b}年 {fmt_number(sb.values.get(code), '人')} → "
                f"{e}年 {fmt_number(se.values.get(code), '人')}"
            )
            by_group.setdefault(ind.group, []).append(text)
            continue
        s = ctx.store.series(ind.id)
        if s is None:
            continue
        used.add(ind, s)
        v = s.values.get(code)
        mark = "（サンプル）" if s.sample else ""
        if v is None:
            by_group.setdefault(ind.group, []).append(
                f"{ctx.heading(ind, s)}{mark}: データなし（{ctx.missing_reason(ind, code, s)}）"
            )
            continue
        codes = ctx.scope_codes(scope)
        ranked = ctx.ranked(s, codes, True)
        rank = 1 + sum(1 for _, x in ranked if x > v)
        med = statistics.median(x for _, x in ranked)
        missing = len(codes) - len(ranked)
        among = f"値のある{len(ranked)}中" if missing else f"{len(ranked)}中"
        gaps = f"、{missing}はデータなし" if missing else ""
        by_group.setdefault(ind.group, []).append(
            f"{ctx.heading(ind, s)}{mark}: {ctx.fmt(ind, v)}"
            f"（{among} {rank}位{gaps}、中央値 {ctx.fmt(ind, med)}）"
        )
        pct = ctx.percentile(s, code, codes)
        if pct is not None and ind_id in SHEET_ORDER and not ind.unit.startswith("人"):
            profile.append((ind.name + ("＊" if s.sample else ""), pct))
    for group in ctx.catalog.groups:
        if group in by_group:
            lines.append(f"【{group}】")
            lines += ["・" + t for t in by_group[group]]
    # The two viewpoints, one line each
    for key in ("prevention", "benefit"):
        quad = viewpoint.quadrant(ctx, key, code, scope, used)
        if quad:
            lines.append(f"【{viewpoint.VIEWPOINTS[key]['title']}】{quad}")
    chart_list: list[Chart] = []
    if profile:
        chart_list.append(
            BarChart(
                title=f"{m.name}の指標の位置（{pref_name}内パーセンタイル、＊はサンプル）",
                labels=tuple(x for x, _ in profile),
                values=tuple(v for _, v in profile),
                unit="パーセンタイル（0=最も低い、100=最も高い）",
                note=ctx.chart_note(used),
                ref_lines=(("中央", 50.0),),
                horizontal=True,
            )
        )
    return Answer(lines, chart_list)
