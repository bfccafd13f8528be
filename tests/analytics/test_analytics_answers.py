"""Answers checked against values computed here from the CSVs copied under data/."""

from __future__ import annotations

import statistics

from analytics_test_helpers import AGE75, AGE85, ipss, read_csv

from analytics.number_format import fmt_number
from analytics.service import DataService
from bot.text.notes import SAMPLE_NOTE

IBARAKI = "27211"


def test_projection_series_uses_ipss_sums(service: DataService) -> None:
    r = service.answer("茨木市の75歳以上人口の将来推計は？", render_charts=False)
    for year in (2020, 2040):
        assert f"{year}年 {fmt_number(ipss(IBARAKI, year, AGE75), '人')}" in r.text
    # the source's own check: 37,141 → 46,924
    assert ipss(IBARAKI, 2020, AGE75) == 37141 and ipss(IBARAKI, 2040, AGE75) == 46924
    assert "国立社会保障・人口問題研究所" in r.text and "平成30年推計" in r.text
    assert "2025年→2035年" in r.text
    assert not r.sample and SAMPLE_NOTE not in r.text


def test_85plus_lookup_for_a_year(service: DataService) -> None:
    r = service.answer("茨木市の85歳以上人口は2040年に", render_charts=False)
    assert f"2040年 {fmt_number(ipss(IBARAKI, 2040, AGE85), '人')}" in r.text


def test_ranking_top5_matches_computation(service: DataService) -> None:
    nara = {
        r["code5"]
        for r in read_csv("raw/municipalities_jisx0402.csv")
        if r["pref_code"] == "29" and r["level"] == "municipality"
    }
    rates = {c: (ipss(c, 2035, AGE85) / ipss(c, 2025, AGE85) - 1) * 100 for c in nara}
    top = sorted(rates, key=lambda c: -rates[c])[:5]
    names = {r["code5"]: r["name"] for r in read_csv("raw/municipalities_jisx0402.csv")}
    r = service.answer("奈良県で85歳以上人口の増加率が高い市町村トップ5", render_charts=False)
    lines = [ln for ln in r.text.splitlines() if ln[:2] in {f"{i}." for i in range(1, 6)}]
    assert len(lines) == 5
    for i, code in enumerate(top, start=1):
        assert lines[i - 1].startswith(f"{i}. {names[code]} +{rates[code]:.1f}%")
    assert "2025年→2035年" in r.text


def test_aging_rate_position_matches_census(service: DataService) -> None:
    rows = {r["code5"]: r for r in read_csv("raw/ssdse_a_2025_trimmed.csv")}

    def rate(c: str) -> float:
        r = rows[c]
        known = int(r["A1301"]) + int(r["A1302"]) + int(r["A1303"])
        return int(r["A1303"]) / known * 100

    osaka = [c for c in rows if c.startswith("27")]
    assert len(osaka) == 43
    v = rate(IBARAKI)
    rank = 1 + sum(1 for c in osaka if rate(c) > v)
    r = service.answer("茨木市の高齢化率は府内で何位？", render_charts=False)
    assert f"{v:.1f}%" in r.text
    assert f"43市町村中 高い順に{rank}位" in r.text
    assert f"中央値 {statistics.median(rate(c) for c in osaka):.1f}%" in r.text


def test_sample_values_are_marked(service: DataService) -> None:
    r = service.answer("串本町と洲本市の認定率を比べて", render_charts=False)
    assert r.sample and SAMPLE_NOTE in r.text
    sample = {
        row["code"]: row["value"]
        for row in read_csv("sample/indicators_sample.csv")
        if row["indicator"] == "cert_rate" and not row["area"]
    }
    assert f"串本町（和歌山県）: {sample['30428']}%" in r.text
    assert f"洲本市（兵庫県）: {sample['28205']}%" in r.text


def test_missing_values_are_said_missing_never_zero(service: DataService) -> None:
    r = service.answer("いわき市の75歳以上人口の推計", render_charts=False)
    assert "データがありません" in r.text and "福島県" in r.text
    assert "0人" not in r.text


def test_ambiguous_name_gets_follow_up_and_choose(service: DataService) -> None:
    r = service.answer("太子町の認定率", render_charts=False)
    assert {o.id for o in r.options} == {"data:muni:27381", "data:muni:28464"}
    assert r.context is not None
    r2 = service.choose("data:muni:28464", r.context)
    assert "太子町（兵庫県）" in r2.text and SAMPLE_NOTE in r2.text
    assert all(o.id.startswith("data:") for o in r.options)


def test_unknown_name_lists_nearest(service: DataService) -> None:
    r = service.answer("東大坂市の認定率", render_charts=False)
    assert "見つかりませんでした" in r.text and "東大阪市" in r.text
    assert "data:muni:27227" in {o.id for o in r.options}
    r2 = service.choose("data:muni:27227", r.context or {})
    assert "東大阪市（大阪府）の調整済み認定率" in r2.text


def test_unknown_indicator_lists_indicators(service: DataService) -> None:
    r = service.answer("茨木市の幸せ指数ランキング", render_charts=False)
    assert "どの指標" in r.text or "指標一覧" in r.text
    r = service.answer("大阪府のゴミ収集量の平均", render_charts=False)
    assert "通いの場参加率" in r.text


def test_sheet_lists_every_indicator_with_position(service: DataService) -> None:
    r = service.answer("洲本市の指標一覧", render_charts=False)
    for name in ("75歳以上人口の将来推計", "高齢化率", "通いの場参加率", "保険料（必要額）"):
        assert name in r.text
    assert "41中" in r.text and "予防の観点" in r.text and SAMPLE_NOTE in r.text


def test_viewpoint_quadrant_list_matches_medians(service: DataService) -> None:
    benefit: dict[str, float] = {}
    for row in read_csv("sample/indicators_sample.csv"):
        if (
            row["code"].startswith("27")
            and not row["area"]
            and row["indicator"]
            in (
                "benefit_facility",
                "benefit_home",
            )
        ):
            benefit[row["code"]] = benefit.get(row["code"], 0.0) + float(row["value"])
    inc = {c: (ipss(c, 2035, AGE85) / ipss(c, 2025, AGE85) - 1) * 100 for c in benefit}
    mx, my = statistics.median(inc.values()), statistics.median(benefit.values())
    expected = {c for c in benefit if inc[c] > mx and benefit[c] > my}
    names = {r["code5"]: r["name"] for r in read_csv("raw/municipalities_jisx0402.csv")}
    r = service.answer("大阪府で給付のあり方の見直しが必要な市町村は？", render_charts=False)
    assert f"（{len(expected)}市町村）" in r.text
    for c in expected:
        assert names[c] in r.text


def test_help_lists_indicators(service: DataService) -> None:
    r = service.answer("何が聞ける？", render_charts=False)
    assert "通いの場参加率" in r.text and "75歳以上人口の将来推計" in r.text


def test_national_comparison_on_request(service: DataService) -> None:
    r = service.answer("全国で高齢化率が高い市町村トップ5", render_charts=False)
    assert "全国" in r.text and "（群馬県）" in r.text


def test_ward_is_answered_for_its_city(service: DataService) -> None:
    r = service.answer("大阪市北区の高齢化率", render_charts=False)
    assert "大阪市（大阪府）" in r.text and "大阪市北区" in r.text


def test_small_areas_are_shown(service: DataService) -> None:
    r = service.answer("茨木市の閉じこもり者割合", render_charts=False)
    assert "圏域別" in r.text and "第1圏域" in r.text


def test_answer_with_chart_writes_png(service: DataService) -> None:
    r = service.answer("大阪府で認定率が低い市町村を5つ")
    assert r.charts and all(p.endswith(".png") for p in r.charts)
    from pathlib import Path

    assert Path(r.charts[0]).read_bytes()[:4] == b"\x89PNG"


def test_choose_with_bad_context_is_polite(service: DataService) -> None:
    r = service.choose("data:muni:27211", {})
    assert "もう一度" in r.text
