"""Issue 13: data answers answer the question asked, or say plainly on the first line what they
can answer instead. One test per failure the issue lists, with the exact questions of the
issue; the truth is computed here from data/raw, never from the parser or the answers."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
from analytics_test_helpers import AGE75, AGE85, ipss, read_csv

from analytics.importer import import_file
from analytics.number_format import fmt_number, fmt_signed
from analytics.service import DataService

J75 = ("age_75_79", "age_80_84", "age_85_89", "age_90_94", "age_95_99", "age_100plus")
CANNOT = ("お答えできません", "ありません")


def names() -> dict[str, str]:
    return {r["code5"]: r["name"] for r in read_csv("raw/municipalities_jisx0402.csv")}


def units(pref: str) -> list[str]:
    return [
        r["code5"]
        for r in read_csv("raw/municipalities_jisx0402.csv")
        if r["pref_code"] == pref and r["level"] in ("municipality", "designated_city")
    ]


def juki(code5: str, cols: tuple[str, ...] | None = None) -> float:
    for r in read_csv("raw/population_juki_2023-01-01_age5_total.csv"):
        if r["code5"] == code5:
            return float(r["total"]) if cols is None else float(sum(int(r[c]) for c in cols))
    raise KeyError(code5)


def late_aging(code5: str) -> float:
    for r in read_csv("raw/ssdse_a_2025_trimmed.csv"):
        if r["code5"] == code5:
            known = int(r["A1301"]) + int(r["A1302"]) + int(r["A1303"])
            return int(r["A1419"]) / known * 100
    raise KeyError(code5)


def ranking_lines(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^\d+\. (\S+) (\S+)$", text, flags=re.M)


def ask(service: DataService, q: str) -> tuple[str, str]:
    text = service.answer(q, render_charts=False).text
    return text, text.splitlines()[0]


# ---------------------------------------------------------------- 「ベスト5」 reversed the order
def test_best5_of_the_largest_increase_is_largest_first(service: DataService) -> None:
    inc = {c: ipss(c, 2035, AGE85) - ipss(c, 2025, AGE85) for c in units("27")}
    top = sorted(inc, key=lambda c: -inc[c])[:5]
    assert names()[top[0]] == "大阪市" and inc[top[0]] == 50371  # the truth
    text, first = ask(service, "大阪府で85歳以上人口の増加数が多い市町村ベスト5は？")
    rows = ranking_lines(text)
    assert [n for n, _ in rows] == [names()[c] for c in top]
    assert [v for _, v in rows] == [fmt_signed(inc[c], "人") for c in top]
    assert "多い" in first and "少ない" not in first


def test_best5_of_the_highest_rate_is_highest_first(service: DataService) -> None:
    rate = {c: (ipss(c, 2035, AGE85) / ipss(c, 2025, AGE85) - 1) * 100 for c in units("27")}
    top = sorted(rate, key=lambda c: -rate[c])[:5]
    text, first = ask(service, "大阪府で85歳以上人口の増加率が高い市町村ベスト5は？")
    assert [n for n, _ in ranking_lines(text)] == [names()[c] for c in top]
    assert "高い" in first and "低い" not in first


# ---------------------------------------------------------------- a period without 年
def test_period_without_nen_is_the_period_asked(service: DataService) -> None:
    sakai = "27140"
    want = ipss(sakai, 2040, AGE75) - ipss(sakai, 2020, AGE75)
    other = ipss(sakai, 2035, AGE75) - ipss(sakai, 2025, AGE75)
    assert want == 10999 and other == -9205  # the figures
    text, first = ask(service, "堺市の75歳以上って2020→2040で何人増える？")
    assert fmt_signed(want, "人") in first and "2020年→2040年" in first
    assert fmt_signed(other, "人") not in text and "今後10年" not in text


def test_a_20_year_span_is_never_labelled_ten_years(service: DataService) -> None:
    text, first = ask(service, "堺市の75歳以上人口は2020年→2040年で何人増える？")
    assert "2020年→2040年" in first and "今後10年" not in text


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("堺市の75歳以上人口 2020-2040の増加数", (2020, 2040)),
        ("堺市の75歳以上人口 2020〜40の増加数", (2020, 2040)),
        ("堺市の75歳以上人口は令和7年から令和17年で何人増える？", (2025, 2035)),
        ("堺市の75歳以上人口は今後20年で何人増える？", (2025, 2045)),
        ("堺市の75歳以上人口は今後10年で何人増える？", (2025, 2035)),
    ],
)
def test_every_period_form(service: DataService, question: str, span: tuple[int, int]) -> None:
    y0, y1 = span
    want = ipss("27140", y1, AGE75) - ipss("27140", y0, AGE75)
    _text, first = ask(service, question)
    assert f"{y0}年→{y1}年" in first and fmt_signed(want, "人") in first
    assert first.count("今後") <= 1  # the period is stated once


# ---------------------------------------------------------------- wards got the whole city
@pytest.mark.parametrize(
    ("question", "ward", "cols"),
    [
        ("神戸市北区の75歳以上人口（住基）", "28109", J75),
        ("伏見区の住基人口", "26109", None),
    ],
)
def test_wards_are_answered_from_the_ward_rows(
    service: DataService, question: str, ward: str, cols: tuple[str, ...] | None
) -> None:
    city = {"28109": "28100", "26109": "26100"}[ward]
    text, first = ask(service, question)
    assert fmt_number(juki(ward, cols), "人") in first
    assert fmt_number(juki(city, cols), "人") not in text
    assert "区単位の値がない" not in text and not any(w in first for w in CANNOT)


def test_a_ward_without_ward_rows_is_said_first(service: DataService) -> None:
    _text, first = ask(service, "神戸市北区の高齢化率")
    assert "お答えできません" in first and "区" in first and "神戸市全体" in first


# ---------------------------------------------------------------- unsupported age bands
def test_an_unsupported_age_band_is_said_not_swapped(service: DataService) -> None:
    total = next(
        float(r["A1101"]) for r in read_csv("raw/ssdse_a_2025_trimmed.csv") if r["code5"] == "28209"
    )
    text, first = ask(service, "豊岡市の90歳以上の人口")
    assert "90歳以上" in first and "お答えできません" in first
    assert "85歳以上" in first  # what can be answered instead
    assert fmt_number(total, "人") not in text and fmt_number(juki("28209"), "人") not in text


# ---------------------------------------------------------------- two measures asked
@pytest.mark.parametrize(
    "question", ["茨木市の75歳以上人口の増加数と増加率", "茨木市の75歳以上人口の増加率と増加数"]
)
def test_two_measures_asked_two_given(service: DataService, question: str) -> None:
    v0, v1 = ipss("27211", 2025, AGE75), ipss("27211", 2035, AGE75)
    text, _first = ask(service, question)
    assert fmt_signed(v1 - v0, "人") in text
    assert fmt_signed((v1 / v0 - 1) * 100, "%", 1) in text


def test_two_age_bands_asked_two_given(service: DataService) -> None:
    text, _first = ask(service, "彦根市の75歳以上と85歳以上の増加数")
    for ages in (AGE75, AGE85):
        assert fmt_signed(ipss("25202", 2035, ages) - ipss("25202", 2025, ages), "人") in text


# ---------------------------------------------------------------- comparisons in words
def test_comparison_with_the_average_says_lower(service: DataService) -> None:
    mine = late_aging("27203")
    mean = statistics.fmean(late_aging(c) for c in units("27"))
    assert mine < mean
    _text, first = ask(service, "豊中の後期高齢化率って大阪府平均より高い？")
    assert f"{mine:.1f}%" in first and f"{mean:.1f}%" in first
    assert "市町村平均" in first
    assert f"{mean - mine:.1f}ポイント 低い" in first


def test_viewpoint_quadrant_is_said_positively(service: DataService) -> None:
    text, _first = ask(service, "広陵町は予防の観点でどの象限？")
    assert "ではありません" not in text
    assert re.search(r"→ [右左][上下]の象限", text)


def test_headings_state_the_period_once(service: DataService) -> None:
    for q in (
        "奈良県で85歳以上人口の増加率が高い市町村トップ5",
        "茨木市の75歳以上人口の増加数",
        "奈良県の85歳以上人口の増加率の平均",
    ):
        _text, first = ask(service, q)
        assert first.count("今後10年") <= 1 and first.count("2025年→2035年") == 1, first
        assert "（今後10年）（" not in first


# ---------------------------------------------------------------- other faults
def test_ask_shows_no_internal_ids_for_a_ward_follow_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_analytics_cli import run

    assert run(tmp_path, "ask", "北区の住基人口", "--no-chart", "--pick", "神戸市北区") == 0
    out = capsys.readouterr().out
    assert "data:" not in out and "神戸市北区（兵庫県）" in out
    assert fmt_number(juki("28109"), "人") in out


def test_partial_import_counts_and_names_its_source(
    fresh_service: DataService, tmp_path: Path
) -> None:
    path = tmp_path / "kayoi_2021.csv"
    path.write_text("コード,通いの場参加率\n27211,7.5\n27203,6.1\n", encoding="utf-8")
    import_file(fresh_service.engine, path, fresh_service.catalog, fresh_service.geo, year=2021)
    for q in ("茨木市の通いの場参加率", "茨木市の通いの場参加率は府内で何位？"):
        text = fresh_service.answer(q, render_charts=False).text
        assert "値のある2市町村中" in text and "41市町村はデータなし" in text
        assert "2市町村中" not in text.replace("値のある2市町村中", "")
        source = next(ln for ln in text.splitlines() if ln.startswith("出典"))
        assert "kayoi_2021.csv" in source and "2021年" in source and "平成30年度" not in source
    text = fresh_service.answer(
        "大阪府で通いの場参加率が高い市町村トップ5", render_charts=False
    ).text
    assert "値のある2市町村中" in text and "（41市町村）" in text


def test_scatter_label_at_the_right_edge_stays_inside(service: DataService) -> None:
    from test_analytics_charts import outside_texts

    from analytics import charts

    # the municipality with the highest 75+ increase in Nara sits at the scatter's right edge
    rate = {c: ipss(c, 2035, AGE75) / ipss(c, 2025, AGE75) for c in units("29")}
    edge = names()[max(rate, key=lambda c: rate[c])]
    specs = service.answerer.chart_specs(f"{edge}は予防の観点でどの象限？")
    scatter = [s for s in specs if isinstance(s, charts.ScatterChart)]
    assert scatter and edge in scatter[0].labels
    assert outside_texts(scatter[0]) == []


# ---------------------------------------------------------------- names: 郡 and follow-ups
def test_gun_form_of_a_name(service: DataService) -> None:
    _text, first = ask(service, "泉南郡岬町の85歳以上人口は2030年に")
    assert fmt_number(ipss("27366", 2030, AGE85), "人") in first


@pytest.mark.parametrize(
    ("question", "codes"),
    [
        ("太子町の高齢化率", {"27381", "28464"}),
        ("北区の住基人口", {"26101", "27127", "27146", "28109"}),
        ("川西の高齢化率", {"28217", "29361"}),
    ],
)
def test_every_ambiguous_name_is_asked_back(
    service: DataService, question: str, codes: set[str]
) -> None:
    r = service.answer(question, render_charts=False)
    assert {o.id.removeprefix("data:muni:") for o in r.options} == codes


@pytest.mark.parametrize(
    "question",
    ["南河内郡太子町の高齢化率", "兵庫県の太子町の高齢化率", "伏見区の住基人口", "堺の高齢化率"],
)
def test_no_unambiguous_name_is_asked_back(service: DataService, question: str) -> None:
    assert not service.answer(question, render_charts=False).options


def test_above_the_average_lists_every_place_above_it(service: DataService) -> None:
    rows = {r["code5"]: r for r in read_csv("raw/ssdse_a_2025_trimmed.csv")}

    def aging(c: str) -> float:
        r = rows[c]
        return int(r["A1303"]) / (int(r["A1301"]) + int(r["A1302"]) + int(r["A1303"])) * 100

    mean = statistics.fmean(aging(c) for c in units("27"))
    above = sorted((c for c in units("27") if aging(c) > mean), key=lambda c: -aging(c))
    text, first = ask(service, "大阪府で高齢化率が府平均より高い市町村は？")
    assert f"{len(above)}市町村です" in first and f"{mean:.1f}%" in first
    assert [n for n, _ in ranking_lines(text)] == [names()[c] for c in above]


def test_everyday_words_for_the_current_population(service: DataService) -> None:
    _text, first = ask(service, "高槻の後期高齢者って今何人おる？")
    assert fmt_number(juki("27207", J75), "人") in first and "住民基本台帳" in first
    _text, first = ask(service, "宇治市の前期高齢者数")
    assert "お答えできません" in first


# ---------------------------------------------------------------- measures the tables lack
@pytest.mark.parametrize(
    ("question", "what"),
    [
        ("串本町の認知症高齢者数は？", "認知症高齢者数"),
        ("吹田市の一人暮らし高齢者の数", "一人暮らし高齢者の数"),
        ("豊中市の高齢者世帯数", "高齢者世帯数"),
        ("枚方市の介護事業所数を教えて", "介護事業所数"),
        ("高槻市の平均寿命", "平均寿命"),
    ],
)
def test_a_measure_the_tables_lack_is_said_not_swapped(
    service: DataService, question: str, what: str
) -> None:
    """「認知症高齢者数」 once got 65歳以上人口 as if it were the answer."""
    text, first = ask(service, question)
    assert what in first and "お答えできません" in first
    assert "「" in first and "の指標」" in first  # where the place's own figures are
    assert not re.search(r"\d{1,3}(,\d{3})+人", text)  # no other count passed off as it


def test_a_lacking_measure_beside_a_held_one_answers_the_held_one(service: DataService) -> None:
    text, first = ask(service, "茨木市の高齢化率と認知症高齢者数")
    assert "認知症高齢者数" in first and "お答えできません" in first
    assert "茨木市（大阪府）の高齢化率" in text


def test_held_measures_with_lookalike_words_still_answer(service: DataService) -> None:
    """The lacking words never swallow a measure the catalog has (施設…給付月額, 認定率)."""
    for q in (
        "茨木市の施設及び居住系サービス調整給付月額",
        "茨木市の要介護認定率",
        "茨木市の高齢者数",
    ):
        _text, first = ask(service, q)
        assert "お答えできません" not in first, q


# ---------------------------------------------------------------- projection years off the grid
def test_a_projection_year_off_the_grid_is_said_and_the_nearest_shown(
    service: DataService,
) -> None:
    """「2032年の推計」 once got the whole series without a word about 2032."""
    text, first = ask(service, "茨木市の75歳以上人口 2032年の推計")
    assert "2032年の値はありません" in first and "2030年" in first
    assert fmt_number(ipss("27211", 2030, AGE75), "人") in text
    assert fmt_number(ipss("27211", 2045, AGE75), "人") not in text  # not the whole series
    text, first = ask(service, "大阪府の75歳以上人口、2032年の推計は？")
    assert "2032年の値はありません" in first


# ---------------------------------------------------------------- counts of places are not a top N
def _census(pref: str) -> dict[str, float]:
    """高齢化率 (2020) of the prefecture's municipalities (政令市 as one city), from raw."""
    out = {}
    for r in read_csv("raw/ssdse_a_2025_trimmed.csv"):
        if r["code5"] in units(pref):
            known = int(r["A1301"]) + int(r["A1302"]) + int(r["A1303"])
            out[r["code5"]] = int(r["A1303"]) / known * 100
    return out


def test_a_count_of_municipalities_with_an_average_is_not_a_ranking(
    service: DataService,
) -> None:
    """「17市町の平均」 was read as the top 17, 「1市町村あたり平均」 as the top 1."""
    rates = _census("18")
    assert len(rates) == 17
    text, first = ask(service, "福井県内17市町の高齢化率の平均値")
    assert f"{statistics.mean(rates.values()):.1f}%" in text and "上位" not in first
    j75 = [juki(c, J75) for c in units("29")]
    text, first = ask(service, "奈良県の市町村の住基75歳以上人口、1市町村あたり平均何人？")
    assert fmt_number(statistics.mean(j75), "人") in text and "上位" not in first


# ---------------------------------------------------------------- two prefectures compared
def _pref_aging(pref: str) -> float:
    rows = [r for r in read_csv("raw/ssdse_a_2025_trimmed.csv") if r["code5"] in units(pref)]
    old = sum(int(r["A1303"]) for r in rows)
    known = sum(int(r["A1301"]) + int(r["A1302"]) + int(r["A1303"]) for r in rows)
    return old / known * 100


def test_two_prefectures_are_compared_by_their_own_values(service: DataService) -> None:
    """「滋賀県と奈良県、どっちが高い」 once listed the top 10 towns of both."""
    shiga, nara = _pref_aging("25"), _pref_aging("29")
    text, first = ask(service, "滋賀県と奈良県の高齢化率、どっちが高い？")
    assert "比較" in first and not ranking_lines(text)
    assert f"{shiga:.1f}%" in text and f"{nara:.1f}%" in text
    assert ("低い" if shiga < nara else "高い") in text.split("→")[1]


# ---------------------------------------------------------------- each measure from its own table
def test_census_and_juki_population_side_by_side(service: DataService) -> None:
    """「国勢調査人口と住基人口」 gave the 住基 figure alone (「住基」 decided both)."""
    census = next(
        float(r["A1101"]) for r in read_csv("raw/ssdse_a_2025_trimmed.csv") if r["code5"] == "18481"
    )
    text, first = ask(service, "高浜町の国勢調査人口と住基人口を並べて見たい")
    assert fmt_number(census, "人") in text and fmt_number(juki("18481"), "人") in text
    assert "お答えできません" not in first and "位（多い順）" in text  # a look-up, not a ranking
