"""Question parsing over a table of phrasings."""

from __future__ import annotations

import pytest

from analytics.service import DataService

# text, kind, first indicator (or None), municipality codes (or None to skip), extra checks
CASES = [
    ("茨木市の75歳以上人口の将来推計は？", "series", "pop75", ("27211",)),
    ("茨木市の75歳以上人口", "lookup", "pop75", ("27211",)),
    ("いばらきしの高齢化率", "lookup", "aging_rate", ("27211",)),
    ("茨木の高齢化率", "lookup", "aging_rate", ("27211",)),
    ("大阪府茨木市の後期高齢化率", "lookup", "late_aging_rate", ("27211",)),
    ("泉南郡岬町の認定率", "lookup", "cert_rate", ("27366",)),
    ("大阪市北区の高齢化率", "lookup", "aging_rate", ("27127",)),  # the ward keeps its code
    ("奈良県で85歳以上人口の増加率が高い市町村トップ5", "rank", "pop85_increase_rate", ()),
    ("大阪で認定率が低い市町村を5つ", "rank", "cert_rate", ()),
    ("串本町と洲本市の認定率を比べて", "compare", "cert_rate", ("30428", "28205")),
    ("天理市と橿原市の保険料を比較して", "compare", "premium", ("29204", "29205")),
    ("京都府の在宅サービス調整給付月額の平均は？", "stats", "benefit_home", ()),
    ("兵庫県の施設・居住系サービス調整給付月額の中央値", "stats", "benefit_facility", ()),
    ("茨木市の高齢化率は府内で何位？", "position", "aging_rate", ("27211",)),
    ("洲本市の指標一覧", "sheet", None, ("28205",)),
    ("敦賀市の指標", "sheet", None, ("18202",)),
    ("広陵町は予防の観点でどの象限？", "viewpoint", None, ("29426",)),
    ("大阪府で給付のあり方の見直しが必要な市町村は？", "viewpoint", None, ()),
    ("何が聞ける？", "help", None, ()),
    ("和歌山市の訪問介護の利用回数", "lookup", "visits_home_care", ("30201",)),
    ("豊中市の通いの場参加率", "lookup", "kayoi_rate", ("27203",)),
    ("彦根市の85歳以上人口の推計", "series", "pop85", ("25202",)),
    ("茨木市の現在の75歳以上人口", "lookup", "juki_pop75", ("27211",)),
    ("茨木市の75歳以上人口の増加数", "lookup", "pop75_increase", ("27211",)),
    ("茨木市の年齢別人口", "age", None, ("27211",)),
    ("札幌市の75歳以上人口", "lookup", "pop75", ("01100",)),
    ("全国で高齢化率が高い市町村トップ10", "rank", "aging_rate", ()),
    ("広陵町の要介護2の認定率", "lookup", "cert_rate_c2", ("29426",)),
    ("広陵町の健康な人の割合", "lookup", "healthy_share", ("29426",)),
]


@pytest.mark.parametrize(("text", "kind", "indicator", "munis"), CASES)
def test_phrasings(
    service: DataService, text: str, kind: str, indicator: str | None, munis: tuple[str, ...]
) -> None:
    q = service.answerer.parser.parse(text)
    assert q.kind == kind, (text, q)
    if indicator is not None:
        assert q.indicators[0] == indicator, (text, q.indicators)
    assert q.munis == munis, (text, q.munis)


def test_top_n_order_and_scope(service: DataService) -> None:
    p = service.answerer.parser
    q = p.parse("奈良県で85歳以上人口の増加率が高い市町村トップ5")
    assert (q.top_n, q.order, q.prefs) == (5, "desc", ("29",))
    q = p.parse("大阪府で認定率が低い市町村を5つ")
    assert (q.top_n, q.order, q.prefs) == (5, "asc", ("27",))
    q = p.parse("全国で高齢化率が高い市町村上位3")
    assert q.national and q.scope_prefs is None and q.top_n == 3


def test_years_and_eras(service: DataService) -> None:
    p = service.answerer.parser
    assert p.parse("茨木市の75歳以上人口は2040年に").years == (2040,)
    assert p.parse("茨木市の令和7年の75歳以上人口").years == (2025,)


@pytest.mark.parametrize(
    ("text", "span", "prefs"),
    [
        ("太子町の認定率", "太子町", {"大阪府", "兵庫県"}),
        ("美浜町の保険料", "美浜町", {"福井県", "和歌山県"}),
        ("池田の高齢化率", "池田", {"福井県", "大阪府"}),
    ],
)
def test_ambiguous_names(service: DataService, text: str, span: str, prefs: set[str]) -> None:
    q = service.answerer.parser.parse(text)
    assert q.ambiguous is not None and q.ambiguous.span == span
    assert {service.geo.munis[c].pref_name for c in q.ambiguous.codes} == prefs


def test_prefecture_in_question_resolves_ambiguity(service: DataService) -> None:
    q = service.answerer.parser.parse("兵庫県の太子町の認定率")
    assert q.ambiguous is None and q.munis == ("28464",)
    q = service.answerer.parser.parse("和歌山県美浜町の保険料")
    assert q.munis == ("30381",)


def test_name_outside_kinki_only_once_is_not_ambiguous(service: DataService) -> None:
    # 池田町 exists in 4 prefectures but only once in Kinki (福井県)
    q = service.answerer.parser.parse("池田町の高齢化率")
    assert q.ambiguous is None and q.munis == ("18382",)


def test_typo_gives_nearest_names(service: DataService) -> None:
    q = service.answerer.parser.parse("東大坂市の認定率")
    assert q.unknown_places and q.unknown_places[0][0] == "東大坂市"
    assert "27227" in q.unknown_places[0][1]


@pytest.mark.parametrize(
    ("text", "years", "span"),
    [
        ("2020→2040", (), (2020, 2040)),
        ("2020-2040", (), (2020, 2040)),
        ("2020〜40", (), (2020, 2040)),
        ("2020～40年", (), (2020, 2040)),
        ("2020年→2040年", (), (2020, 2040)),
        ("2020年から2040年にかけて", (), (2020, 2040)),
        ("令和7年から令和17年", (), (2025, 2035)),
        ("R7〜R17", (), (2025, 2035)),
        ("今後10年", (), (2025, 2035)),
        ("これから20年で", (), (2025, 2045)),
        ("2040年までに", (), (2025, 2040)),
        ("2020年から10年で", (), (2020, 2030)),
        ("今と2040年で", (), (2025, 2040)),
        ("20年後", (2045,), None),
        ("十年後", (2035,), None),
        ("2040年に", (2040,), None),
        ("2040に", (2040,), None),
        ("令和7年", (2025,), None),
        ("2020年と2040年", (2020, 2040), None),
        ("人口2000人以上", (), None),
        ("上位10", (), None),
    ],
)
def test_period_forms(text: str, years: tuple[int, ...], span: tuple[int, int] | None) -> None:
    from analytics.periods import parse_period
    from bot.text.normalize import squeeze

    p = parse_period(squeeze(text), 2025)
    assert (p.years, p.span) == (years, span), text


@pytest.mark.parametrize(
    ("text", "order", "top_n"),
    [
        ("大阪府で85歳以上人口の増加数が多い市町村ベスト5は？", "desc", 5),
        ("大阪府で85歳以上人口の増加数が少ない市町村ワースト5", "asc", 5),
        ("大阪府で認定率ワースト3", "desc", 3),  # 認定率: higher is worse
        ("大阪府で認定率ベスト3", "asc", 3),
        ("大阪府で高齢化率の上位3", "desc", 3),
        ("大阪府で高齢化率の下位3", "asc", 3),
        ("大阪府で高齢化率が高い下位3", "desc", 3),  # the explicit word decides
        ("大阪府で75歳以上人口が多い順に5つ", "desc", 5),
        ("大阪府で75歳以上人口が少ない順に五つ", "asc", 5),
        ("大阪府で75歳以上人口が一番多いのは？", "desc", 1),
        ("大阪府で保険料が一番安いのは？", "asc", 1),
        ("和歌山県で今後10年に75歳以上人口が最も減る市町村は？", "asc", 1),
        ("奈良県の高齢化率トップテン", "desc", 10),
        ("兵庫県で75歳以上の増加率TOP5", "desc", 5),
        ("和歌山県で高齢化率ナンバーワンは？", "desc", 1),
        ("滋賀県の後期高齢化率、下から3つ", "asc", 3),
    ],
)
def test_ranking_words(service: DataService, text: str, order: str, top_n: int) -> None:
    q = service.answerer.parser.parse(text)
    assert q.kind == "rank", (text, q.kind)
    assert (q.order, q.top_n) == (order, top_n), text


@pytest.mark.parametrize(
    ("text", "indicators"),
    [
        ("茨木市の75歳以上人口の増加数と増加率", ("pop75_increase", "pop75_increase_rate")),
        ("茨木市の75歳以上と85歳以上の増加数", ("pop75_increase", "pop85_increase")),
        ("茨木市の75歳以上はどれくらい増える？", ("pop75_increase", "pop75_increase_rate")),
        ("堺市の75歳以上って2020→2040で何人増える？", ("pop75_increase",)),
        ("堺市の75歳以上は2020→2040で何%増える？", ("pop75_increase_rate",)),
        ("吹田市の住基の人口", ("juki_total",)),
        ("高槻市の75才以上人口（住基）", ("juki_pop75",)),
    ],
)
def test_several_measures(service: DataService, text: str, indicators: tuple[str, ...]) -> None:
    assert service.answerer.parser.parse(text).indicators == indicators


@pytest.mark.parametrize(
    ("text", "bands"),
    [
        ("豊岡市の90歳以上の人口", ("90歳以上",)),
        ("大阪市の80代の人口", ("80代",)),
        ("宇治市の前期高齢者数", ("前期高齢者",)),
        ("宇治市の65〜74歳の人口", ("65〜74歳",)),
        ("宇治市の85歳以上人口", ()),
        ("宇治市の短期集中予防サービス（75歳以上1万人当たり）", ()),
    ],
)
def test_unsupported_age_bands(service: DataService, text: str, bands: tuple[str, ...]) -> None:
    q = service.answerer.parser.parse(text)
    assert tuple(b for b, k in q.unsupported if k == "age") == bands
    if bands:
        assert "census_pop" not in q.indicators and "juki_total" not in q.indicators


def test_wards_keep_their_code_and_gun_forms(service: DataService) -> None:
    p = service.answerer.parser
    assert p.parse("伏見区の住基人口").munis == ("26109",)
    assert p.parse("京都市伏見区の住基人口").munis == ("26109",)
    assert p.parse("泉南郡岬町の高齢化率").munis == ("27366",)
    assert p.parse("大阪府泉南郡岬町の高齢化率").munis == ("27366",)
    assert p.parse("揖保郡太子町の高齢化率").munis == ("28464",)
    q = p.parse("大阪市で75歳以上人口（住基）が多い区トップ5")
    assert (q.kind, q.ward_scope) == ("rank", "27100")


@pytest.mark.parametrize(
    ("text", "unit_type"),
    [
        ("奈良県で高齢化率が一番低い村は？", "村"),
        ("大阪府で高齢化率が高い市トップ3", "市"),
        ("大阪府の町村で75歳以上人口の増加率が高いところ", "町村"),
        ("大阪府で高齢化率が高い市町村トップ3", ""),
        ("大阪府の市町で高齢化率が高いところ", ""),
        ("大阪市で高齢化率が高い区", ""),
        ("都市部で高齢化率が高いところ", ""),
        ("政令市の高齢化率の平均", ""),
    ],
)
def test_one_type_of_municipality(service: DataService, text: str, unit_type: str) -> None:
    assert service.answerer.parser.parse(text).unit_type == unit_type, text
