"""The report's two viewpoints (kind ``viewpoint``): municipalities placed in four quadrants by
the medians of two indicators; ``quadrant`` is also one line of the indicator sheet."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import Chart, ScatterChart
from analytics.geo import KINKI_PREFS
from analytics.query import Query
from analytics.tables import Series

VIEWPOINTS = {
    "prevention": {
        "title": "要介護状態になることの予防の観点",
        "x": "pop75_increase_rate",
        "y": "healthy_share",
        "concern": "介護予防に力を入れる必要",
        "quadrant": "lower_right",  # increase high, healthy share low
        "desc": "75歳以上人口の今後10年の増加率が高く、健康な人の割合が低い",
    },
    "benefit": {
        "title": "要介護状態になった後の給付の観点",
        "x": "pop85_increase_rate",
        "y": "benefit_total",
        "concern": "給付のあり方の見直しが必要",
        "quadrant": "upper_right",  # increase high, benefit high
        "desc": "85歳以上人口の今後10年の増加率が高く、調整給付月額が高い",
    },
}


QUADRANT_NAMES = {
    "upper_right": "右上",
    "lower_right": "右下",
    "upper_left": "左上",
    "lower_left": "左下",
}


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    lines: list[str] = []
    chart_list: list[Chart] = []
    for key in q.viewpoints:
        vp = VIEWPOINTS[key]
        ix, iy = ctx.ind(str(vp["x"])), ctx.ind(str(vp["y"]))
        sx, sy = _vp_series(ctx, key, used)
        if sx is None or sy is None:
            lines.append(f"{vp['title']}: {ix.name}か{iy.name}のデータがありません。")
            continue
        if q.munis:
            groups = sorted({ctx.geo.munis[c].pref_code for c in q.munis})
        elif q.prefs and not q.region and not q.national:
            groups = list(q.prefs)
        else:
            groups = list(KINKI_PREFS)
        lines.append(
            f"■{vp['title']}（{ctx.heading(ix, sx)} × {ctx.heading(iy, sy)}、"
            "各府県の中央値で4つに区分）"
        )
        for p in groups:
            codes = ctx.scope_codes((p,))
            pts = [
                (c, x, y)
                for c in codes
                if (x := sx.values.get(c)) is not None and (y := sy.values.get(c)) is not None
            ]
            if not pts:
                continue
            mx = statistics.median(t[1] for t in pts)
            my = statistics.median(t[2] for t in pts)
            asked = [c for c in q.munis if ctx.geo.munis[c].pref_code == p]
            for c in asked:
                lines.append(f"・{ctx.name(c, True)}: " + quadrant(ctx, key, c, (p,), used))
            if not asked:
                hits = [
                    c
                    for c, x, y in pts
                    if x > mx and ((y < my) if key == "prevention" else (y > my))
                ]
                names = "、".join(ctx.name(c) for c in hits) or "なし"
                lines.append(
                    f"・{ctx.geo.prefs[p].name}で「{vp['concern']}」の象限（{vp['desc']}）: {names}（{len(hits)}市町村）"
                )
            if len(chart_list) < 2 and (asked or len(groups) == 1):
                idx = {c: i for i, (c, _, _) in enumerate(pts)}
                chart_list.append(
                    ScatterChart(
                        title=f"{vp['title']}（{ctx.geo.prefs[p].name}）",
                        labels=tuple(ctx.name(c) for c, _, _ in pts),
                        xs=tuple(x for _, x, _ in pts),
                        ys=tuple(y for _, _, y in pts),
                        xlabel=f"{ctx.measure(ix)}（{ctx.period(sx)}、%）",
                        ylabel=f"{iy.name}（{iy.unit}）",
                        xline=mx,
                        yline=my,
                        highlight=tuple(idx[c] for c in asked if c in idx),
                        quadrant_text=str(vp["concern"]),
                        quadrant=str(vp["quadrant"]),
                        note=ctx.chart_note(used),
                    )
                )
    return Answer(lines, chart_list)


def quadrant(ctx: Context, key: str, code: str, scope: Sequence[str], used: Used) -> str:
    vp = VIEWPOINTS[key]
    sx, sy = _vp_series(ctx, key, used)
    if sx is None or sy is None:
        return ""
    codes = ctx.scope_codes(scope)
    pts = [
        (c, x, y)
        for c in codes
        if (x := sx.values.get(c)) is not None and (y := sy.values.get(c)) is not None
    ]
    x, y = sx.values.get(code), sy.values.get(code)
    ix, iy = ctx.ind(str(vp["x"])), ctx.ind(str(vp["y"]))
    if x is None or y is None or not pts:
        return f"{ix.name}か{iy.name}のデータがないため判定できません。"
    mx = statistics.median(p[1] for p in pts)
    my = statistics.median(p[2] for p in pts)
    hx = "高い" if x > mx else "低い"
    hy = "高い" if y > my else "低い"
    quad = ("右" if x > mx else "左") + ("上" if y > my else "下")
    concern_quad = QUADRANT_NAMES[str(vp["quadrant"])]
    mx_name, my_name = ctx.measure(ix), ctx.measure(iy)
    if quad == concern_quad:
        verdict = f"→ {quad}の象限、「{vp['concern']}」とされる象限です。"
    else:
        verdict = (
            f"→ {quad}の象限（{mx_name}が{hx[:-1]}く、{my_name}が{hy}）です。"
            f"「{vp['concern']}」とされるのは{concern_quad}の象限です。"
        )
    return (
        f"{mx_name}（{ctx.when(sx)}） {ctx.fmt(ix, x)}（中央値 {ctx.fmt(ix, mx)}より{hx}）、"
        f"{my_name}（{ctx.when(sy)}） {ctx.fmt(iy, y)}（中央値 {ctx.fmt(iy, my)}より{hy}） {verdict}"
    )


def _vp_series(ctx: Context, key: str, used: Used) -> tuple[Series | None, Series | None]:
    vp = VIEWPOINTS[key]
    sx = ctx.store.series(str(vp["x"]), ctx.store.base_year)
    sy = ctx.store.series(str(vp["y"]))
    used.add(ctx.ind(str(vp["x"])), sx)
    used.add(ctx.ind(str(vp["y"])), sy)
    return sx, sy
