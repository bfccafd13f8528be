"""A municipality's five-year age profile (kind ``age``) from the 住民基本台帳 table."""

from __future__ import annotations

from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import BarChart
from analytics.number_format import fmt_number
from analytics.query import Query
from analytics.tables import juki_age_profile


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    code = q.munis[0]
    prof = juki_age_profile(ctx.data_dir, code)
    ind = ctx.ind("juki_total")
    if prof is None:
        return Answer([f"{ctx.name(code, True)}の年齢別人口はデータがありません。"])
    used.add(ind, ctx.store.series("juki_total"))
    labels = tuple(
        k.removeprefix("age_").replace("_", "〜").replace("plus", "")
        + ("歳以上" if "plus" in k else "歳")
        for k in prof
    )
    lines = [f"{ctx.name(code, True)}の年齢別人口（住民基本台帳 2023年1月1日）:"]
    lines.append(
        "、".join(
            f"{lab} {fmt_number(v, '人')}" for lab, v in zip(labels, prof.values(), strict=True)
        )
    )
    chart = BarChart(
        title=f"{ctx.name(code)}の5歳階級別人口（2023年1月1日）",
        labels=labels,
        values=tuple(prof.values()),
        unit="人",
        note=ctx.chart_note(used),
        horizontal=True,
    )
    return Answer(lines, [chart])
