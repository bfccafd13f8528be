"""Two or more municipalities side by side (kind ``compare``), with the difference of two."""

from __future__ import annotations

from analytics.answers import projection
from analytics.answers.common import Answer, Context, Used
from analytics.chart_spec import BarChart, Chart
from analytics.number_format import fmt_number, unit_suffix
from analytics.query import Query


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    codes = list(q.munis)
    lines: list[str] = [f"{'・'.join(ctx.name(c) for c in codes)}の比較です。"]
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
        if ind.is_projection and not q.years:
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
            lines.append(f"{ind.name}のデータがありません。")
            continue
        lines.append(f"■{ind.name}（{ctx.period(s)}）")
        for c in codes:
            v = s.values.get(c)
            pref = (ctx.geo.munis[c].pref_code,)
            if v is None:
                lines.append(f"・{ctx.name(c, True)}: データなし（{ctx.missing_reason(ind, c)}）")
                continue
            pos = ctx.position(s, c, pref, ind)
            lines.append(
                f"・{ctx.name(c, True)}: {ctx.fmt(ind, v)}" + (f"（{pos}）" if pos else "")
            )
        have = [(c, x) for c in codes if (x := s.values.get(c)) is not None]
        if len(have) == 2:
            (c0, v0), (c1, v1) = have
            diff = v0 - v1
            unit = "ポイント" if ind.is_percent else unit_suffix(ind.unit)
            if diff == 0:
                lines.append(f"　{ctx.name(c0)}と{ctx.name(c1)}は同じ値です。")
            else:
                hi = c0 if diff > 0 else c1
                word = "高い" if not ind.unit.startswith("人") else "多い"
                lines.append(
                    f"　{ctx.name(hi)}のほうが {fmt_number(abs(diff), '', ind.decimals)}{unit} {word}です。"
                )
        if not chart_list and have:
            chart_list.append(
                BarChart(
                    title=f"{ind.name}（{ctx.period(s)}）",
                    labels=tuple(ctx.name(c) for c, _ in have),
                    values=tuple(v for _, v in have),
                    highlight=tuple(range(len(have))) if len(have) <= 2 else (0,),
                    unit=ind.unit,
                    note=ctx.chart_note(used),
                )
            )
    return Answer(lines, chart_list)
