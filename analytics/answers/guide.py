"""What can be asked: the help answer (kind ``help``) and the answer to a question whose
indicator was not recognised (kind ``unknown_indicator``) both list the catalog."""

from __future__ import annotations

from analytics.answers.common import Answer, Context, Used
from analytics.query import Query
from bot.core.replies import Option


def catalog_help(ctx: Context, q: Query, used: Used) -> Answer:
    lines = [
        "指標について、次のような質問にお答えできます（近畿2府5県が既定の範囲です。「全国で」と付けると全国で比べます）。",
        "・値: 「茨木市の75歳以上人口の将来推計は？」「豊中市の通いの場参加率」",
        "・比較: 「串本町と洲本市の認定率を比べて」",
        "・ランキング: 「奈良県で85歳以上人口の増加率が高い市町村トップ5」",
        "・平均・中央値: 「京都府の在宅サービス調整給付月額の平均は？」",
        "・順位: 「茨木市の高齢化率は府内で何位？」",
        "・指標一覧（図表2-3）: 「洲本市の指標一覧」",
        "・2つの観点: 「広陵町は予防の観点でどの象限？」「大阪府で給付のあり方の見直しが必要な市町村は？」",
        "",
        "聞ける指標（◎実データ／○サンプル＝架空の値。実データを取り込むと置き換わります）:",
    ]
    for group in ctx.catalog.groups:
        inds = [i for i in ctx.catalog.indicators if i.group == group]
        if not inds:
            continue
        names = "、".join(_mark(ctx, i.id) + i.name for i in inds)
        lines.append(f"【{group}】{names}")
    return Answer(lines)


def _mark(ctx: Context, ind_id: str) -> str:
    s = ctx.store.series(ind_id)
    return "◎" if s is not None and not s.sample else "○"


def unknown_indicator(ctx: Context, q: Query, used: Used) -> Answer:
    lines = ["どの指標についてのご質問か分かりませんでした。次の指標についてお答えできます。"]
    for group in ctx.catalog.groups:
        inds = [i.name for i in ctx.catalog.indicators if i.group == group]
        if inds:
            lines.append(f"【{group}】" + "、".join(inds))
    opts = [Option(f"data:ind:{i}", ctx.ind(i).name) for i in q.indicator_suggestions[:5]]
    if q.munis and len(q.munis) == 1:
        opts.append(Option("data:sheet", f"{ctx.name(q.munis[0])}の指標一覧"))
    if opts:
        lines.insert(1, "もしかして: " + "、".join(o.label for o in opts[:5]))
    return Answer(lines, options=opts)


_AGE_OFFER = (
    "お答えできる年齢の区分は 65歳以上・75歳以上・85歳以上の人口（住民基本台帳 2023年1月1日）と、"
    "75歳以上・85歳以上の将来推計（社人研 2015〜2045年）、"
    "5歳階級の年齢別人口（住民基本台帳。90〜94歳・95〜99歳・100歳以上を含む）です"
)


_HELD_OFFER = (
    "お答えできるのは、人口・高齢化率・後期高齢化率（令和2年国勢調査）、65歳以上・75歳以上・"
    "85歳以上の人口（住民基本台帳）、75歳以上・85歳以上人口の将来推計（社人研）と、"
    "見える化の指標（認定率・通いの場参加率・保険料・給付月額など）です"
)


def unsupported_lines(ctx: Context, q: Query) -> list[str]:
    """First lines for what the tables cannot hold: another age band, a measure they do not
    have, men and women apart."""
    out: list[str] = []
    place = "・".join(ctx.name(c) for c in q.munis[:3])
    if not place and q.prefs:
        place = "・".join(ctx.geo.prefs[p].name for p in q.prefs)
    prefix = f"{place}の" if place else ""
    for what, why in q.unsupported:
        if why == "age":
            band = "前期高齢者（65〜74歳）" if what == "前期高齢者" else what
            example = (
                f"「{ctx.name(q.munis[0])}の85歳以上人口」「{ctx.name(q.munis[0])}の年齢別人口」"
                if q.munis
                else "「茨木市の85歳以上人口」「茨木市の年齢別人口」"
            )
            out.append(f"{prefix}{band}の人口はお答えできません。{_AGE_OFFER}（例: {example}）。")
        elif why == "measure":
            sheet = f"「{ctx.name(q.munis[0])}の指標」" if q.munis else "「茨木市の指標」"
            out.append(
                f"{prefix}{what}はお答えできません（同梱の指標の表にない値です）。{_HELD_OFFER}"
                f"（市町村ごとの一覧は {sheet} のようにお尋ねください）。"
            )
        elif why == "sex":
            out.append(
                "男女別の値はお答えできません（同梱の表は男女計だけです）。男女計の値を示します。"
            )
    return out


def unsupported(ctx: Context, q: Query, used: Used) -> Answer:
    """Nothing answerable is left once the unsupported part is set aside: the first lines
    (``unsupported_lines``) already say what can be answered instead."""
    return Answer([])
