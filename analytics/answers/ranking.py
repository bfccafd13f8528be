"""The top (or bottom) N municipalities of a scope (kind ``rank``)."""

from __future__ import annotations

from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import BarChart
from analytics.query import Query


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    ind = ctx.ind(q.indicators[0])
    scope = ctx.default_scope(q)
    s = ctx.series_for(ind, q, used)
    if s is None:
        return Answer([f"{ind.name}のデータがありません。"])
    desc = q.order != "asc"
    codes = ctx.scope_codes(scope)
    ranked = ctx.ranked(s, codes, desc)
    n = q.top_n or 10
    word = "高い" if desc else "低い"
    if ind.unit.startswith("人") and not ind.is_percent:
        word = "多い" if desc else "少ない"
    when = f"今後10年: {ctx.period(s)}" if s.end_year else ctx.period(s)
    lines = [
        f"{ctx.scope_name(scope)}で{ind.name}が{word}市町村（{when}）上位{min(n, len(ranked))}位です。"
    ]
    multi = scope is None or len(scope) > 1
    top = ranked[:n]
    for c, v in top:
        rank = 1 + sum(1 for _, x in ranked if (x > v if desc else x < v))
        lines.append(f"{rank}. {ctx.name(c, multi)} {ctx.fmt(ind, v)}")
    for c in q.munis:
        if c not in {k for k, _ in top} and s.values.get(c) is not None:
            pos = ctx.position(s, c, scope, ind)
            lines.append(f"（{ctx.name(c)}: {ctx.fmt(ind, s.values[c])}、{pos}）")
    missing = ctx.missing_in(s, codes)
    if missing:
        shown = "、".join(ctx.name(c, multi) for c in missing[:5])
        more = f" ほか{len(missing) - 5}" if len(missing) > 5 else ""
        lines.append(f"データなし（順位の対象外）: {shown}{more}（{len(missing)}市町村）")
        if scope is None and ind.source == "ipss2018":
            used.note("社人研（平成30年推計）には福島県の市町村別の推計がありません。")
    chart = BarChart(
        title=f"{ind.name}（{when}・{ctx.scope_name(scope)}）{word}順",
        labels=tuple(ctx.name(c, False) for c, _ in top),
        values=tuple(v for _, v in top),
        highlight=tuple(i for i, (c, _) in enumerate(top) if c in q.munis),
        unit=ind.unit,
        note=ctx.chart_note(used),
        horizontal=True,
    )
    return Answer(lines, [chart] if top else [])
