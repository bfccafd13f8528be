"""One municipality against an average (kind ``versus``): 「豊中の後期高齢化率って大阪府平均より
高い？」 is answered with a verdict in words (高い/低い/同程度, by how much) and the basis named:
the municipalities' mean (市町村平均, the default for 平均), their median (中央値) or the
whole area's own value (府全体・近畿全体・全国). The other two bases follow for reference."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from analytics.answers.common import Answer, Context, Used
from analytics.answers.stats import whole_key
from analytics.chart_spec import Chart
from analytics.geo import KINKI_PREFS
from analytics.query import Query


def _scope(ctx: Context, q: Query, code: str) -> Sequence[str] | None:
    if q.national:
        return None
    if q.region:
        return KINKI_PREFS
    if q.prefs:
        return q.prefs
    return (ctx.geo.munis[ctx.unit_of(code)].pref_code,)


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    code = q.munis[0]
    scope = _scope(ctx, q, code)
    where = ctx.scope_name(scope)
    lines: list[str] = []
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        ind = ctx.ind(ind_id)
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
        codes = ctx.scope_codes(scope)
        nums = [x for c in codes if (x := s.values.get(c)) is not None]
        if not nums:
            lines.append(f"{where}の{ctx.measure(ind)}はデータがありません。")
            continue
        key = whole_key(scope)
        whole = s.pref_values.get(key) if key is not None else None
        missing = len(codes) - len(nums)
        n_text = f"値のある{len(nums)}市町村" if missing else f"{len(nums)}市町村"
        bases = {
            "mean": (statistics.fmean(nums), f"{where}の市町村平均（{n_text}）"),
            "median": (statistics.median(nums), f"{where}の市町村の中央値（{n_text}）"),
        }
        if whole is not None:
            label = "全国全体の値" if scope is None else f"{where}全体の値"
            bases["whole"] = (whole, label)
        basis = q.basis or "mean"
        if basis not in bases:
            used.cannot(
                f"{where}全体の{ctx.measure(ind)}はお答えできません（{ctx.table_name(ind, s)}は"
                f"市町村ごとの値だけです）。市町村平均と比べます。"
            )
            basis = "mean"
        ref, label = bases[basis]
        lines.append(
            f"{ctx.name(read, True)}の{ctx.heading(ind, s)}は {ctx.fmt(ind, v)} で、"
            f"{ctx.verdict(ind, v, ref, label)}です。"
        )
        others = [ctx.verdict(ind, v, r, lab) for k, (r, lab) in bases.items() if k != basis]
        if others:
            lines.append("　参考: " + "、".join(others) + "。")
        if not chart_list and ctx.geo.munis[read].level != "designated_city_ward":
            bar = ctx.pref_bar(ind, s, scope, [read], used)
            if bar is not None:
                chart_list.append(bar)
    return Answer(lines, chart_list)
