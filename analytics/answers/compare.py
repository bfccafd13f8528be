"""Two or more municipalities side by side (kind ``compare``), with the verdict in words:
which is higher and by how much, or 同程度."""

from __future__ import annotations

from analytics.answers import projection
from analytics.answers.common import Answer, Context, Used
from analytics.catalog import Indicator
from analytics.chart_spec import BarChart, Chart
from analytics.query import Query
from analytics.tables import Series


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    if not q.munis and len(q.prefs) >= 2:
        return prefectures(ctx, q, used)
    codes = list(q.munis)
    lines: list[str] = [f"{'・'.join(ctx.name(c) for c in codes)}の比較です。"]
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        if ind.is_projection and not q.years_asked:
            lines.append(f"■{ind.name}")
            for c in codes:
                lines += ["　" + x for x in projection.lines_for(ctx, ind, c, q, used)]
            if not chart_list:
                ch = projection.line_chart(ctx, ind, codes, used)
                if ch:
                    chart_list.append(ch)
            continue
        s = ctx.series_for(ind, q, used)
        if s is None:
            lines.append(f"{ctx.measure(ind)}のデータがありません。")
            continue
        lines.append(f"■{ctx.heading(ind, s)}")
        have: list[tuple[str, float]] = []
        for c in codes:
            read, v = ctx.value(ind, s, c, used)
            if v is None:
                lines.append(
                    f"・{ctx.name(read, True)}: データなし（{ctx.missing_reason(ind, read, s)}）"
                )
                continue
            have.append((read, v))
            pos = ""
            if ctx.geo.munis[read].level != "designated_city_ward":
                pos = ctx.position(s, read, (ctx.geo.munis[read].pref_code,), ind)
            lines.append(
                f"・{ctx.name(read, True)}: {ctx.fmt(ind, v)}" + (f"（{pos}）" if pos else "")
            )
        if len(have) == 2:
            (c0, v0), (c1, v1) = have
            lines.append(
                "　→ " + ctx.name(c0) + "は" + ctx.verdict(ind, v0, v1, ctx.name(c1)) + "です。"
            )
        elif len(have) > 2:
            top = max(have, key=lambda t: t[1])
            low = min(have, key=lambda t: t[1])
            lines.append(
                f"　→ {ctx.more_less(ind, True)}順に "
                + " ＞ ".join(ctx.name(c) for c, _ in sorted(have, key=lambda t: -t[1]))
                + f"。最も{ctx.more_less(ind, True)}のは{ctx.name(top[0])}、"
                f"最も{ctx.more_less(ind, False)}のは{ctx.name(low[0])}です。"
            )
        if not chart_list and have:
            chart_list.append(_bars(ctx, ind, s, [(ctx.name(c), v) for c, v in have], used))
    return Answer(lines, chart_list)


def _bars(
    ctx: Context, ind: Indicator, s: Series, have: list[tuple[str, float]], used: Used
) -> BarChart:
    """The compared places as bars, both highlighted when there are two."""
    return BarChart(
        title=ctx.heading(ind, s),
        labels=tuple(n for n, _ in have),
        values=tuple(v for _, v in have),
        highlight=tuple(range(len(have))) if len(have) <= 2 else (0,),
        unit=ind.unit,
        note=ctx.chart_note(used),
    )


def prefectures(ctx: Context, q: Query, used: Used) -> Answer:
    """Two or more prefectures' own values (the prefecture row, or the sum of its municipalities
    where the table has no such row), with the verdict."""
    names = [ctx.geo.prefs[p].name for p in q.prefs]
    lines: list[str] = [f"{'・'.join(names)}の比較です（府県全体の値）。"]
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        s = ctx.series_for(ind, q, used)
        if s is None:
            lines.append(f"{ctx.measure(ind)}のデータがありません。")
            continue
        lines.append(f"■{ctx.heading(ind, s)}")
        have: list[tuple[str, float]] = []
        for p, name in zip(q.prefs, names, strict=True):
            v = s.pref_values.get(p)
            if v is None:
                lines.append(f"・{name}: データなし")
                continue
            have.append((name, v))
            lines.append(f"・{name}: {ctx.fmt(ind, v)}")
        if len(have) == 2:
            (n0, v0), (n1, v1) = have
            lines.append("　→ " + n0 + "は" + ctx.verdict(ind, v0, v1, n1) + "です。")
        elif len(have) > 2:
            order = sorted(have, key=lambda t: -t[1])
            lines.append(
                f"　→ {ctx.more_less(ind, True)}順に " + " ＞ ".join(n for n, _ in order) + "。"
            )
        if not chart_list and have:
            chart_list.append(_bars(ctx, ind, s, have, used))
    return Answer(lines, chart_list)
