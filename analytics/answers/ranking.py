"""The top (or bottom) N municipalities of a scope (kind ``rank``), one block per measure asked.

The order is the one the question asked: an explicit 多い/高い/少ない/低い decides (「増加数が
多い…ベスト5」 is largest first), then 上位/トップ/一番 and 下位; ベスト/ワースト alone follow
the indicator (the heading then says how the word was read). The heading states the measure,
the exact period and how many municipalities have a value; the ones without are listed."""

from __future__ import annotations

import statistics

from analytics.answers.common import Answer, Context, Used
from analytics.catalog import Indicator
from analytics.chart_spec import BarChart, Chart
from analytics.number_format import fmt_number, unit_suffix
from analytics.query import Query
from analytics.tables import Series


def answer(ctx: Context, q: Query, used: Used) -> Answer:
    lines: list[str] = []
    chart_list: list[Chart] = []
    for ind_id in q.indicators:
        block, chart = _one(ctx, q, ctx.ind(ind_id), used)
        lines += block
        if chart is not None and not chart_list:
            chart_list.append(chart)
    return Answer(lines, chart_list)


def _one(ctx: Context, q: Query, ind: Indicator, used: Used) -> tuple[list[str], BarChart | None]:
    s = ctx.series_for(ind, q, used)
    if s is None:
        return [f"{ctx.measure(ind)}のデータがありません。"], None
    desc = q.order != "asc"
    word = ctx.more_less(ind, desc)
    if q.ward_scope:
        city = q.ward_scope
        codes = ctx.geo.wards_of(city)
        scope_label, unit = ctx.name(city), "区"
        if not any(s.values.get(c) is not None for c in codes):
            used.cannot(
                f"{scope_label}の区ごとの{ctx.measure(ind)}はお答えできません"
                f"（{ctx.table_name(ind, s)}には政令市の区の値がありません）。"
                "区ごとの値があるのは住民基本台帳（2023年1月1日）の人口・65歳以上・75歳以上・"
                "85歳以上人口です。"
            )
            return [], None
    else:
        scope = ctx.default_scope(q)
        codes = ctx.of_type(ctx.scope_codes(scope), q.unit_type)
        scope_label, unit = ctx.scope_name(scope), q.unit_type or "市町村"
        if q.unit_type:
            scope_label = f"{scope_label}の{q.unit_type}のうち"
    ranked = ctx.ranked(s, codes, desc)
    missing = [c for c in codes if s.values.get(c) is None]
    if q.threshold is not None:
        return _over(ctx, q, ind, s, ranked, missing, scope_label, unit, used)
    n = len(ranked) if q.all_rows else (q.top_n or 10)
    top = ranked[:n]
    read_as = ""
    if q.order_word in ("ベスト", "ワースト"):
        read_as = f"「{q.order_word}」は{word}順と読みました。"
    have = f"値のある{len(ranked)}{unit}中" if missing else f"{len(ranked)}{unit}中"
    head = (
        f"{scope_label}で{ctx.heading(ind, s)}が{word}順の上位{len(top)}{unit}です"
        f"（{have}）。{read_as}"
    )
    lines = [head]
    for c, v in top:
        rank = 1 + sum(1 for _, x in ranked if (x > v if desc else x < v))
        lines.append(f"{rank}. {_label(ctx, c, q, unit)} {ctx.fmt(ind, v)}")
    shown = {k for k, _ in top}
    for c in q.munis:
        mine = s.values.get(c)
        if c not in shown and mine is not None and c in codes:
            rank = 1 + sum(1 for _, x in ranked if (x > mine if desc else x < mine))
            lines.append(f"（{ctx.name(c)}: {ctx.fmt(ind, mine)}、{have} {word}順に{rank}位）")
    if missing:
        names = "、".join(_label(ctx, c, q, unit) for c in missing[:5])
        more = f" ほか{len(missing) - 5}" if len(missing) > 5 else ""
        lines.append(f"データなし（順位の対象外）: {names}{more}（{len(missing)}{unit}）")
        if ind.source == "ipss2018" and any(ctx.geo.munis[c].pref_code == "07" for c in missing):
            used.note("社人研（平成30年推計）には福島県の市町村別の推計がありません。")
    if not top:
        return lines, None
    chart = BarChart(
        title=f"{scope_label}の{ctx.heading(ind, s)} {word}順",
        labels=tuple(ctx.geo.munis[c].name for c, _ in top),
        values=tuple(v for _, v in top),
        highlight=tuple(i for i, (c, _) in enumerate(top) if c in q.munis),
        unit=ind.unit,
        note=ctx.chart_note(used),
        horizontal=True,
    )
    return lines, chart


_OPS = {">=": "以上", ">": "を超える", "<": "未満", "<=": "以下"}


def _over(
    ctx: Context,
    q: Query,
    ind: Indicator,
    s: Series,
    ranked: list[tuple[str, float]],
    missing: list[str],
    scope_label: str,
    unit: str,
    used: Used,
) -> tuple[list[str], BarChart | None]:
    """「高齢化率が40%以上の市町村」: every place past the threshold, in order."""
    assert q.threshold is not None
    op, limit, typed = q.threshold
    own = "%" if ind.is_percent else unit_suffix(ind.unit)
    against = ""
    if typed in ("mean", "median") and ranked:
        vals = [v for _, v in ranked]
        limit = statistics.fmean(vals) if typed == "mean" else statistics.median(vals)
        basis = "市町村平均" if typed == "mean" else "市町村の中央値"
        against = f"{scope_label.removesuffix('のうち')}の{basis}（{ctx.fmt(ind, limit)}）"
        typed = ""
    if typed and typed != "ポイント" and typed != own:
        used.cannot(
            f"{ctx.measure(ind)}は{own}で表す指標のため、「{fmt_number(limit)}{typed}」では"
            f"判定できません。{own}で指定してください（例: 「{ctx.measure(ind)}が…{own}以上の市町村」）。"
        )
        return [], None
    tests = {
        ">=": lambda x: x >= limit,
        ">": lambda x: x > limit,
        "<": lambda x: x < limit,
        "<=": lambda x: x <= limit,
    }
    hits = [(c, v) for c, v in ranked if tests[op](v)]
    have = f"値のある{len(ranked)}{unit}中" if missing else f"{len(ranked)}{unit}中"
    digits = 0 if float(limit).is_integer() else ind.decimals
    lim = fmt_number(limit, unit_suffix(ind.unit), digits)
    joint = "" if op == ">" else "の"
    if against:
        word = ctx.more_less(ind, op in (">", ">="))
        lines = [
            f"{scope_label}で{ctx.heading(ind, s)}が{against}より{word}{unit}は "
            f"{len(hits)}{unit}です（{have}）。"
        ]
    else:
        lines = [
            f"{scope_label}で{ctx.heading(ind, s)}が{lim}{_OPS[op]}{joint}{unit}は "
            f"{len(hits)}{unit}です（{have}）。"
        ]
    lines += [
        f"{i}. {_label(ctx, c, q, unit)} {ctx.fmt(ind, v)}" for i, (c, v) in enumerate(hits, 1)
    ]
    if missing:
        lines.append(f"データなし（判定の対象外）: {len(missing)}{unit}")
    return lines, None


def _label(ctx: Context, code: str, q: Query, unit: str) -> str:
    if unit == "区":
        return ctx.geo.munis[code].name
    scope = ctx.default_scope(q)
    multi = scope is None or len(scope) > 1
    return ctx.name(code, multi)
