"""Turn a Japanese question into a structured ``Query`` (rules + the name indexes).

Kept separate from answering so the phrasing table in the tests can check parsing alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from rapidfuzz import fuzz

from analytics.catalog import Catalog
from analytics.geo import KINKI_PREFS, NATION_WORDS, REGION_WORDS, Gazetteer, Hit
from analytics.periods import kanji_number, parse_period
from bot.text.normalize import squeeze
from bot.text.prepared import Prepared

RANK_WORDS = re.compile(
    r"高い|低い|多い|少ない|大きい|小さい|トップ|上位|下位|ワースト|ベスト|ランキング|順に|並べ|"
    r"高め|低め|ランク|多い順|少ない順|高い順|低い順|降順|昇順|一番|いちばん|最も|もっとも|"
    r"最多|最少|最大|最小|最高|最低|多く|少なく|高く|低く|安い|安く|高額|低額|[Tt][Oo][Pp]|"
    r"ナンバーワン|上から|下から"
)
# 「高齢化率が40%以上の市町村」: a threshold instead of a number of places
THRESHOLD = re.compile(
    r"(\d+(?:\.\d+)?)(万)?(%|パーセント|人|円|ポイント)?"
    r"(以上|超え|超|を超える|を超えた|より高い|より多い|未満|以下|を下回る|より低い|より少ない)"
)
# The explicit words that decide the order of a ranking (「増加数が多い…ベスト5」 is largest first)
HIGH_WORDS = re.compile(
    r"多い|多く|高い|高く|大きい|大きく|高め|多め|最多|最高|最大|降順|上回|高額|多そう|高そう|"
    r"進んで|進ん"
)
LOW_WORDS = re.compile(
    r"少ない|少なく|低い|低く|小さい|小さく|低め|少なめ|最少|最低|最小|昇順|下回|安い|安く|"
    r"低額|少なそう|低そう"
)
TOP_WORDS = re.compile(
    r"トップ|[Tt][Oo][Pp]|上位|ランキング|ランク|一番|いちばん|最も|もっとも|上から|ナンバーワン|1番"
)
BOTTOM_WORDS = re.compile(r"下位|下から")
BEST_WORST = re.compile(r"ベスト|ワースト")
ONE_WORDS = re.compile(
    r"一番|いちばん|最も|もっとも|最多|最少|最大|最小|最高|最低|トップは|1位は|ナンバーワン|"
    r"[Nn][Oo]\.?1(?!\d)|1番(?!目)"
)
DECREASE_WORDS = re.compile(r"減少|減る|減って|減り|減った")
POSITION_WORDS = re.compile(
    r"順位|何位|位置|パーセンタイル|立ち位置|何番目|中で|内で|県内|府内|高い方|低い方|多い方|少ない方"
)
STATS_WORDS = re.compile(r"平均|中央値|median|mean")
VERSUS_BASIS = re.compile(r"平均|中央値|全体|府の値|県の値|全国値|近畿の値")
VERSUS_CUE = re.compile(
    r"より|比べ|比較|上回|下回|超え|と比|差|高い|低い|多い|少ない|高く|低く|多く|少なく|どう|"
    r"同じ|同程度|並み|程度|以上|以下|違い"
)
WHICH_WORDS = re.compile(r"どっち|どちら|どれが")
COMPARE_WORDS = re.compile(r"比べ|比較|違い|差は|対比")
SERIES_WORDS = re.compile(r"推計|将来|推移|見通し|予測|見込み|今後|経年|グラフ")
FUTURE_WORDS = re.compile(r"推計|将来|推移|見通し|予測|見込み|今後|経年|年後")
SHEET_WORDS = re.compile(
    r"指標一覧|指標の一覧|一覧|指標|シート|カルテ|まとめ|プロフィール|全部|概要"
)
HELP_WORDS = re.compile(
    r"何が聞け|何を聞け|なにが聞け|なにを聞け|聞けること|聞ける指標|どんな指標|どの指標|"
    r"指標の一覧|指標一覧|指標リスト|どんなデータ|使える指標"
)
AGE_WORDS = re.compile(r"年齢別|年齢階級|年齢構成|人口構成|人口ピラミッド|5歳階級")
VIEW_PREV = re.compile(r"予防の観点|介護予防に力を入れる|介護予防に力|予防観点")
VIEW_BEN = re.compile(r"給付の観点|給付のあり方|給付の在り方|給付観点|見直しが必要")
VIEW_ANY = re.compile(r"観点|象限|四象限|2つの視点|二つの視点")
# How a population change is asked: as a number of people, as a rate, or either
RATE_WORDS = re.compile(r"増加率|伸び率|増加割合|増減率|減少率|伸び")
RATE_HINT = re.compile(r"何%|何パーセント|何倍|何割|率で|割合で|[0-9]+%")
COUNT_WORDS = re.compile(r"増加数|増加人数|増減数|減少数|増加幅|減少幅")
COUNT_HINT = re.compile(r"何人|人数で|人増|人減|人くらい|人ぐらい")
INCREASE = re.compile(r"増加|増える|増え|増減|減少|減る|減り|減っ|伸び|変化")
DEGREE_WORDS = re.compile(
    r"どのくらい|どれくらい|どのぐらい|どれぐらい|どれだけ|どの程度|どんだけ|どれほど|いくつ"
)
CURRENT = re.compile(r"現在|住基|住民基本台帳|今(?!後)|いま(?!後)|最新")
CARE_LEVELS = re.compile(r"要介護度別|介護度別|要支援・要介護度別|介護度ごと|要介護度ごと")
_NUMERAL = r"(\d{1,3}|[一二三四五六七八九十]{1,3}|テン|ファイブ|スリー)"
TOP_N = re.compile(
    rf"(?:トップ|[Tt][Oo][Pp]|上位|下位|ベスト|ワースト|上から|下から){_NUMERAL}|"
    rf"{_NUMERAL}(?:つ|位まで|位以内|市町村|団体|自治体|件|か所|カ所|ヶ所|市町|か所|ヵ所)"
)
# 「一番低い村は？」「町村の平均」: only one type of municipality (on the text with names masked)
UNIT_TYPE = re.compile(
    r"(?<![市町村区都令核])(町村|市|町|村)(?![町村区部内外民長役議])"
    r"(?=は|を|で|の中|のうち|の|だけ|のみ|限定|トップ|ベスト|ワースト|上位|下位|ランキング|"
    r"[0-9]|\?|？|$|が|に|って|と|ごと|別)"
)
ALL_WORDS = re.compile(r"全部|すべて|全て|全市町村|全ての市町村|全団体|全区")
NOISE = re.compile(r"市区町村|区市町村|市町村|都道府県|府県|市町|町村|地域|全国|近畿")
SPLIT = re.compile(
    r"[、。,.!?！？「」『』（）()・\s]|の|と|で|は|を|が|に|や|へ|も|から|まで|より|について|って"
)
PLACE_TAIL = re.compile(
    r"^(?:[一-龥ぁ-んァ-ヶー々ヶ]{1,9}[市町村区郡]|[ぁ-ゖー]{2,12}(?:し|ちょう|まち|むら|そん))$"
)
# Leftover words that end in 市/町/村/区 without being a name
NOT_PLACE = re.compile(
    r"(?:多い|少ない|高い|低い|大きい|小さい|多く|少なく|高く|低く|どの|各|同じ|近い|その|この|"
    r"ほか|他|うち|全|政令|指定|中核|周辺|近隣|隣|一番|上位|下位|同規模|人口|都市)"
    r"[市町村区]$|^[市町村区]$"
)
PLACE_LIKE = re.compile(r"[一-龥々ヶ]{1,6}[市町村](?!町村|区町村)")
# Words that say "this is an indicator question" without naming the indicator
META_WORDS = re.compile(r"指標|データ|統計|数値|推計|一覧")
# Words typical of a worry rather than a data request
WORRY_WORDS = re.compile(
    r"困っ|悩|どうすれば|どうしたら|方法|やり方|立ち上げ|増えない|いない|進まない|受け身|"
    r"お客様|足りない|できない|わからない|難しい"
)
# Age bands: 65/75/85歳以上 are in the tables, anything else is said to be unavailable
AGE_BAND = re.compile(
    r"(\d{1,3})歳?(?:〜|~|-|ー|から)(\d{1,3})歳(?:以下|未満|まで)?|"
    r"(\d{1,3})歳(以上|超え|超|未満|以下)|(\d{2})代|前期高齢者|超高齢者"
)
SUPPORTED_AGES = ("65", "75", "85")
# Measures the bundled tables do not hold, with what may follow them (高齢者数, 率 …). A question
# naming one is told so on its first line, and the words are kept out of the indicator search
# so that 「認知症高齢者数」 is never answered as 高齢者数 (65歳以上人口)
UNHELD = re.compile(
    r"(?:認知症|要介護者|要支援者|要介護認定者|認定者|一人暮らし|ひとり暮らし|独り暮らし|独居|単身|"
    r"高齢者?のみ世帯|高齢者?世帯|世帯|所得|年収|収入|死亡|出生|婚姻|平均寿命|健康寿命|介護職員|"
    r"介護人材|介護従事者|ヘルパー|ケアマネ(?:ジャー)?|(?:介護|福祉)?(?:事業所|施設)|病床|病院|診療所|医師|看護師|"
    r"生活保護|外国人|転入|転出|待機者|障害者|障がい者|就業|就労|空き家|利用者|虐待|免許返納|"
    r"運転免許|買い物弱者|買い物難民|移動困難者|孤立死|孤独死|閉じこもり|フレイル)"
    r"(?:の)?(?:高齢者|人|者)?(?:の)?(?:数|人数|件数|率|割合|人口)?"
)
SEX_WORDS = re.compile(r"男女別|男性|女性|男子|女子|男の人|女の人")
WARD_SCOPE = re.compile(
    r"(?:各|どの|全)区|区(?:ごと|別|単位|で|の中|の順|を|トップ|ランキング|は)|"
    r"(?:多い|少ない|高い|低い)区"
)


# Everyday spellings read as the catalog's: 75才 → 75歳, 75+ → 75歳以上
_SPELLINGS = ((re.compile(r"(\d)才"), r"\1歳"), (re.compile(r"(\d{2})(?:歳)?\+"), r"\1歳以上"))
# Short forms staff type that the catalog does not list (the catalog is data, kept as is)
EXTRA_FORMS = {
    "高齢率": "aging_rate",
    "後期高齢率": "late_aging_rate",
    "後期高齢者割合": "late_aging_rate",
    "高齢者割合": "aging_rate",
    "高齢者の比率": "aging_rate",
    "後期高齢者の比率": "late_aging_rate",
    "後期高齢者の人口": "pop75",
    "後期高齢者": "pop75",
    "高齢者": "juki_pop65",
    "高齢化が進ん": "aging_rate",
    "高齢化進ん": "aging_rate",
    "高齢化が進行": "aging_rate",
    "後期高齢者の数": "pop75",
    "後期高齢者人数": "pop75",
    "住基人口": "juki_total",
    "住基の人口": "juki_total",
    "住民基本台帳の人口": "juki_total",
}


def text_views(question: str | Prepared) -> tuple[str, str]:
    """(as typed, squeezed). A turn the engine prepared is already squeezed: not again here."""
    if isinstance(question, Prepared):
        raw, text = question.raw, question.squeezed
    else:
        raw, text = question, squeeze(question)
    for pattern, repl in _SPELLINGS:
        text = pattern.sub(repl, text)
    return raw, text


@dataclass(frozen=True)
class Ambiguity:
    span: str
    codes: tuple[str, ...]  # candidate codes (a ward keeps its own code)
    labels: tuple[str, ...]


# What a question asks for; ``analytics.answers`` has one handler for each.
Kind = Literal[
    "help",  # what can be asked (the catalog)
    "unknown_indicator",  # a place or pattern without a known indicator: the catalog, suggestions
    "unsupported",  # a known kind of figure the tables do not hold (90歳以上, 男女別): what can be
    "lookup",  # one municipality's value(s)
    "compare",  # two or more municipalities side by side
    "versus",  # one municipality against an average, a median or the whole prefecture
    "rank",  # the top (or bottom) N of a scope
    "stats",  # mean and median over a scope
    "position",  # one municipality's rank and percentile in its scope
    "series",  # a projection over the years
    "sheet",  # one municipality's indicator sheet (図表2-3)
    "viewpoint",  # the report's two viewpoints (quadrants)
    "age",  # the five-year age profile
]
KINDS: tuple[Kind, ...] = get_args(Kind)


@dataclass(frozen=True)
class Query:
    text: str
    kind: Kind
    indicators: tuple[str, ...] = ()
    munis: tuple[str, ...] = ()  # asked codes: a 政令市's ward keeps its ward code
    prefs: tuple[str, ...] = ()
    national: bool = False
    region: bool = False
    years: tuple[int, ...] = ()
    period: tuple[int, int] | None = None  # an asked span (start, end), for changes
    relative: str = ""  # 「今後10年」「20年後」 as asked
    order: str = "desc"
    order_word: str = ""  # the word that decided the order (多い, 低い, ワースト, 上位 …)
    top_n: int | None = None
    all_rows: bool = False
    unit_type: str = ""  # 市 | 町 | 村 | 町村: rank or average only that type
    threshold: tuple[str, float, str] | None = None  # (">=" | ">" | "<" | "<=", value, unit)
    viewpoints: tuple[str, ...] = ()
    ambiguous: Ambiguity | None = None
    unknown_places: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (span, nearest codes)
    corrected: tuple[tuple[str, str], ...] = ()  # (typed span, code)
    wards: tuple[tuple[str, str], ...] = ()  # (ward span, ward code)
    ward_scope: str = ""  # a 政令市 whose wards are ranked (「大阪市で…が多い区」)
    unsupported: tuple[tuple[str, str], ...] = ()  # (what, why-kind): ("90歳以上", "age")
    basis: str = ""  # versus: "mean" | "median" | "whole"
    wants_future: bool = False  # 推計・将来・推移 … asked
    table: str = ""  # a source named in the question: "juki2023" | "census2020" | "ipss2018"
    unknown_indicator: str = ""
    indicator_suggestions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def scope_prefs(self) -> tuple[str, ...] | None:
        """Prefectures to rank in: None means all of Japan."""
        if self.national:
            return None
        if self.prefs and not self.region:
            return self.prefs
        return KINKI_PREFS

    @property
    def years_asked(self) -> tuple[int, ...]:
        """Single years asked, or the two ends of the asked span."""
        if self.period is not None:
            return self.period
        return self.years


POP_FAMILY = {
    "pop75": "pop75",
    "pop75_increase": "pop75",
    "pop75_increase_rate": "pop75",
    "pop85": "pop85",
    "pop85_increase": "pop85",
    "pop85_increase_rate": "pop85",
}
JUKI_OF = {"pop75": "juki_pop75", "pop85": "juki_pop85"}


@dataclass
class Parser:
    catalog: Catalog
    geo: Gazetteer
    base_year: int = 2025
    _forms: dict[str, str] = field(default_factory=dict)
    _catalog_forms: dict[str, str] = field(default_factory=dict)
    _max: int = 0

    def __post_init__(self) -> None:
        self._catalog_forms = self.catalog.surface_forms()
        self._forms = dict(self._catalog_forms)
        for form, ind in EXTRA_FORMS.items():
            if ind in self.catalog.by_id():
                self._forms.setdefault(form, ind)
        self._max = max(len(k) for k in self._forms)

    # ------------------------------------------------------------ indicators
    def find_indicators(self, text: str, catalog_only: bool = False) -> list[tuple[str, int, int]]:
        """(indicator id, start, end) for every alias found, longest match first.

        ``catalog_only`` leaves out the everyday short forms (高齢者, 後期高齢者 …): the data
        detector uses it, because worries use those words too."""
        forms = self._catalog_forms if catalog_only else self._forms
        out: list[tuple[str, int, int]] = []
        i, n = 0, len(text)
        while i < n:
            for length in range(min(self._max, n - i), 1, -1):
                s = text[i : i + length]
                if s in forms:
                    out.append((forms[s], i, i + length))
                    i += length
                    break
            else:
                i += 1
        return out

    def indicators_of(
        self, text: str, years: tuple[int, ...] = (), span: bool = False
    ) -> tuple[list[str], list[tuple[int, int]]]:
        found = self.find_indicators(text)
        ids: list[str] = []
        spans = [(s, e) for _, s, e in found]
        changes = self._changes(text, span)
        for ind, s, e in found:
            ids += self._refine(ind, text, changes, years, span, text[s:e])
        # Composite phrasings the aliases do not cover
        if "利用回数" in text or "回数" in text:
            if "訪問介護" in text:
                ids.append("visits_home_care")
            if "通所介護" in text or "デイサービス" in text:
                ids.append("visits_daycare")
        if "定員" in text:
            if "施設" in text or "居住系" in text:
                ids.append("capacity_facility")
            if "通所" in text or "デイサービス" in text:
                ids.append("capacity_daycare")
        if "給付月額" in text or "給付額" in text:
            home, fac = "在宅" in text, ("施設" in text or "居住系" in text)
            if home:
                ids.append("benefit_home")
            if fac:
                ids.append("benefit_facility")
            if home or fac:
                ids = [i for i in ids if i != "benefit_total"]
        if CARE_LEVELS.search(text) and ("認定率" in text or not ids):
            ids = [i for i in ids if i != "cert_rate"]
            ids += [
                "cert_rate",
                *[f"cert_rate_{k}" for k in ("s1", "s2", "c1", "c2", "c3", "c4", "c5")],
            ]
        seen: list[str] = []
        for i in ids:
            if i not in seen:
                seen.append(i)
        return seen, spans

    @staticmethod
    def _changes(text: str, span: bool) -> tuple[str, ...]:
        """Which changes of a population are asked: ("count",), ("rate",) or both."""
        rate = bool(RATE_WORDS.search(text))
        count = bool(COUNT_WORDS.search(text))
        generic = bool(INCREASE.search(text))
        if generic or span:
            rate = rate or bool(RATE_HINT.search(text))
            count = count or bool(COUNT_HINT.search(text))
        if not (rate or count) and generic:
            if DEGREE_WORDS.search(text):
                rate = count = True
            else:
                count = True
        return tuple(k for k, on in (("count", count), ("rate", rate)) if on)

    def _refine(
        self,
        ind: str,
        text: str,
        changes: tuple[str, ...],
        years: tuple[int, ...],
        span: bool = False,
        form: str = "",
    ) -> list[str]:
        """75歳以上人口 + 増加率 → the increase rate, 増加数と増加率 → both, 現在の → 住民基本台帳."""
        fam = POP_FAMILY.get(ind)
        current = bool(CURRENT.search(text)) and not FUTURE_WORDS.search(text) and not span
        # 「国勢調査人口と住基人口」: the census named by its own words stays the census
        if ind == "census_pop" and current and "国勢調査" not in form and "国調" not in form:
            return ["juki_total"]  # 「住基の人口」「現在の人口」 are the 住民基本台帳's
        if fam is None:
            return [ind]
        if ind != fam and not changes:
            return [ind]  # an alias that names the change itself
        if changes:
            out = []
            if ind == f"{fam}_increase_rate" and "count" not in changes:
                return [ind]
            if ind == f"{fam}_increase" and "rate" not in changes:
                return [ind]
            if "count" in changes:
                out.append(f"{fam}_increase")
            if "rate" in changes:
                out.append(f"{fam}_increase_rate")
            return out
        if current and not years:
            return [JUKI_OF[fam]]
        if years and all(y == 2023 for y in years):
            return [JUKI_OF[fam]]
        return [ind]

    def _table_for(self, text: str, indicators: Sequence[str]) -> str:
        """The source named in the question, unless the measures asked come from several
        (「国勢調査人口と住基人口」 names each measure's own table)."""
        if len({self.catalog.get(i).source for i in indicators}) > 1:
            return ""
        return _table(text)

    def fuzzy_indicators(self, text: str, limit: int = 5) -> list[str]:
        scored: dict[str, float] = {}
        for form, ind in self._forms.items():
            if len(form) < 3:
                continue
            sc = fuzz.partial_ratio(form, text)
            if sc >= 70 and sc > scored.get(ind, 0):
                scored[ind] = sc
        return [i for i, _ in sorted(scored.items(), key=lambda t: -t[1])[:limit]]

    # ---------------------------------------------------------------- places
    def _labels(self, codes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.geo.label_of(c) for c in codes)

    # ----------------------------------------------------------------- parse
    def parse(
        self,
        question: str | Prepared,
        forced: Mapping[str, str] | None = None,
        forced_indicators: tuple[str, ...] = (),
    ) -> Query:
        raw_text, text = text_views(question)
        forced = dict(forced or {})
        hits = self.geo.scan(text)
        national = any(w in text for w in NATION_WORDS)
        region = any(w in text for w in REGION_WORDS)
        prefs: list[str] = []
        for h in hits:
            if h.kind == "pref" and h.codes[0] not in prefs:
                prefs.append(h.codes[0])
        munis: list[str] = []
        wards: list[tuple[str, str]] = []
        ambiguous: Ambiguity | None = None

        def add(span: str, code: str) -> None:
            if self.geo.munis[code].level == "designated_city_ward":
                wards.append((span, code))
            if code not in munis:
                munis.append(code)

        for h in hits:
            if h.kind == "pref":
                continue
            if h.span in forced:
                add(h.span, forced[h.span])
                continue
            codes = self._candidates(h, prefs, national)
            if h.kind == "gun":
                for c in codes:
                    add(h.span, c)
                continue
            if len(codes) == 1:
                add(h.span, codes[0])
            elif len(codes) > 1 and ambiguous is None:
                ambiguous = Ambiguity(h.span, codes, self._labels(codes))
        # Years and periods, then the indicators (a period makes 何人 a change)
        period = parse_period(text, self.base_year)
        # What the tables cannot hold: other age bands (kept out of the indicator search, so
        # 「前期高齢者」 is not 高齢者), men and women apart
        unsupported: list[tuple[str, str]] = []
        ind_text = text
        for m in AGE_BAND.finditer(text):
            if m.group(3) in SUPPORTED_AGES and m.group(4) in ("以上", "超え", "超"):
                continue
            unsupported.append((m.group(0), "age"))
            ind_text = ind_text[: m.start()] + "|" * len(m.group(0)) + ind_text[m.end() :]
        indicators, ind_spans = self.indicators_of(ind_text, period.years, period.span is not None)
        unheld = [
            m
            for m in UNHELD.finditer(ind_text)
            if not any(s <= m.start() and m.end() <= e for s, e in ind_spans)
        ]
        if unheld:
            for m in unheld:
                unsupported.append((m.group(0), "measure"))
                ind_text = ind_text[: m.start()] + "|" * len(m.group(0)) + ind_text[m.end() :]
            indicators, ind_spans = self.indicators_of(
                ind_text, period.years, period.span is not None
            )
        if forced_indicators:
            indicators = list(forced_indicators)
        # Typos and unknown names in what the index did not explain
        masked = list(text)
        for h in hits:
            for k in range(h.start, h.start + len(h.span)):
                masked[k] = "|"
        for s, e in ind_spans:
            for k in range(s, e):
                masked[k] = "|"
        rest = NOISE.sub("|", "".join(masked))
        unknown: list[tuple[str, tuple[str, ...]]] = []
        corrected: list[tuple[str, str]] = []
        for chunk in SPLIT.split(rest.replace("|", "、")):
            if not chunk or not PLACE_TAIL.match(chunk) or len(chunk) < 2:
                continue
            if NOT_PLACE.search(chunk):
                continue
            if chunk in forced:
                add(chunk, forced[chunk])
                continue
            near = self.geo.fuzzy(chunk, limit=5)
            if not near:
                unknown.append((chunk, ()))
                continue
            best, score = near[0]
            second = near[1][1] if len(near) > 1 else 0.0
            if score >= 90 and score - second >= 8:
                corrected.append((chunk, best))
                add(chunk, best)
            else:
                unknown.append((chunk, tuple(c for c, _ in near)))
        if SEX_WORDS.search(text) and indicators:
            unsupported.append(("男女別", "sex"))
        if any(k == "age" for _, k in unsupported):
            # 「90歳以上の人口」: 人口 is the band's population, not the total
            indicators = [i for i in indicators if i not in ("census_pop", "juki_total")]
        # Top N and order
        top_n = None
        mt = TOP_N.search(text)
        if mt:
            top_n = kanji_number(mt.group(1) or mt.group(2))
            # 「17市町の平均」「1市町村あたり」 count the places, they do not ask for a top N
            if mt.group(1) is None and (
                text[mt.end() :].startswith(("あたり", "当たり", "平均", "の平均"))
                or (STATS_WORDS.search(text) and not RANK_WORDS.search(text))
            ):
                top_n = None
        elif ONE_WORDS.search(text) and len(munis) != 1:
            top_n = 1
        order, order_word = self._order(text, indicators)
        threshold = _threshold(text)
        if threshold is not None and top_n is None:
            order = "asc" if threshold[0] in ("<", "<=") else "desc"
        # Wards of one 政令市 ranked
        ward_scope = ""
        masked_text = "".join(masked)
        if (
            len(munis) == 1
            and self.geo.munis[munis[0]].level == "designated_city"
            and WARD_SCOPE.search(masked_text)
        ):
            ward_scope = munis[0]
        unit_type = ""
        if not ward_scope:
            mt2 = UNIT_TYPE.search(masked_text)
            unit_type = mt2.group(1) if mt2 else ""
        # Viewpoints
        viewpoints: list[str] = []
        if VIEW_PREV.search(text):
            viewpoints.append("prevention")
        if VIEW_BEN.search(text):
            viewpoints.append("benefit")
        if not viewpoints and VIEW_ANY.search(text):
            viewpoints = ["prevention", "benefit"]
        basis = ""
        if "中央値" in text:
            basis = "median"
        elif re.search(r"全体|府の値|県の値|全国値|近畿の値", text):
            basis = "whole"
        elif "平均" in text:
            basis = "mean"
        unknown_ind = ""
        suggestions: tuple[str, ...] = ()
        kind = self._kind(
            text,
            indicators,
            munis,
            prefs,
            viewpoints,
            top_n,
            national,
            region,
            ward_scope,
            unsupported,
        )
        listable = kind in ("stats", "position", "lookup") and len(munis) != 1
        if threshold is not None and indicators and listable:
            kind = "rank"
        if kind == "unsupported" and not unsupported:
            kind = "unknown_indicator"
        if kind == "unknown_indicator":
            suggestions = tuple(self.fuzzy_indicators(text))
            unknown_ind = raw_text.strip()
        return Query(
            text=raw_text,
            kind=kind,
            indicators=tuple(indicators),
            munis=tuple(munis),
            prefs=tuple(prefs),
            national=national,
            region=region,
            years=period.years,
            period=period.span,
            relative=period.relative,
            order=order,
            order_word=order_word,
            top_n=top_n,
            all_rows=bool(ALL_WORDS.search(text))
            or threshold is not None
            or (bool(ward_scope) and top_n is None),
            threshold=threshold,
            unit_type=unit_type,
            viewpoints=tuple(viewpoints),
            ambiguous=ambiguous,
            unknown_places=tuple(unknown),
            corrected=tuple(corrected),
            wards=tuple(wards),
            ward_scope=ward_scope,
            unsupported=tuple(unsupported),
            basis=basis,
            wants_future=bool(FUTURE_WORDS.search(text)),
            table=self._table_for(text, indicators),
            unknown_indicator=unknown_ind,
            indicator_suggestions=suggestions,
        )

    def _order(self, text: str, indicators: list[str]) -> tuple[str, str]:
        """("desc" | "asc", the deciding word). An explicit 多い/高い/少ない/低い decides; then
        上位/トップ/一番 (largest first) and 下位; ベスト/ワースト follow the indicator's direction."""
        hi, lo = HIGH_WORDS.search(text), LOW_WORDS.search(text)
        flip = bool(DECREASE_WORDS.search(text)) and any(
            i.endswith(("_increase", "_increase_rate")) for i in indicators
        )
        order, word = "", ""
        if hi and (not lo or hi.start() < lo.start()):
            order, word = "desc", hi.group(0)
        elif lo:
            order, word = "asc", lo.group(0)
        elif m := TOP_WORDS.search(text):
            order, word = "desc", m.group(0)
        elif m := BOTTOM_WORDS.search(text):
            order, word = "asc", m.group(0)
        elif m := BEST_WORST.search(text):
            order, word = self._best_worst_order(indicators, m.group(0) == "ワースト"), m.group(0)
        elif flip:
            order, word = "desc", ""
        else:
            return "desc", ""
        if flip:  # 「減少が大きい」 = the most negative change first
            order = "asc" if order == "desc" else "desc"
            word = word or "減少"
        return order, word

    def _best_worst_order(self, indicators: list[str], worst: bool) -> str:
        """ベスト/ワースト without 多い/高い…: by the indicator's direction; a population count or
        rate has no good side, so ベスト is the largest and ワースト the largest burden."""
        direction = "neutral"
        ind_id = indicators[0] if indicators else ""
        if ind_id:
            ind = self.catalog.get(ind_id)
            if ind.source not in ("ipss2018", "census2020", "juki2023"):
                direction = ind.direction
        if direction == "higher_better":
            return "asc" if worst else "desc"
        if direction == "higher_worse":
            return "desc" if worst else "asc"
        if worst and ind_id in ("census_pop", "juki_total"):
            return "asc"
        return "desc"

    def _candidates(self, h: Hit, prefs: list[str], national: bool) -> tuple[str, ...]:
        """Codes a hit may mean (a ward keeps its code), narrowed by named prefectures, else by
        the Kinki scope; a ward and its own city are one place."""
        codes = sorted(set(h.codes))
        if prefs:
            inpref = [c for c in codes if self.geo.munis[c].pref_code in prefs]
            if inpref:
                codes = inpref
        if len(codes) > 1 and not national:
            kinki = [c for c in codes if self.geo.munis[c].in_kinki]
            if kinki:
                codes = kinki
        return tuple(codes)

    def _kind(
        self,
        text: str,
        indicators: list[str],
        munis: list[str],
        prefs: list[str],
        viewpoints: list[str],
        top_n: int | None,
        national: bool,
        region: bool,
        ward_scope: str,
        unsupported: Sequence[tuple[str, str]] = (),
    ) -> Kind:
        if HELP_WORDS.search(text) and not munis and not indicators:
            return "help"
        if HELP_WORDS.search(text) and not munis and "聞" in text:
            return "help"
        if viewpoints:
            return "viewpoint"
        if munis and AGE_WORDS.search(text):
            return "age"
        if not indicators:
            if (
                AGE_BAND.search(text)
                or (SEX_WORDS.search(text) and munis)
                or any(k == "measure" for _, k in unsupported)
            ):
                return "unsupported"
            if munis and (SHEET_WORDS.search(text) or len(munis) == 1):
                return "sheet"
            if SHEET_WORDS.search(text) and not munis and not prefs:
                return "help"
            return "unknown_indicator"
        ranks = {m.group(0) for m in RANK_WORDS.finditer(text)}
        if len(munis) == 1 and ranks == {"並べ"}:
            ranks = set()  # 「A町の二つの値を並べて」: side by side, not a ranking
        has_rank = bool(ranks) or top_n is not None
        if ward_scope:  # 「京都市の区ごとの…」: every ward of the city, when the table has them
            return "rank"
        if (
            len(munis) == 1
            and VERSUS_BASIS.search(text)
            and (VERSUS_CUE.search(text) or "平均" in text or "中央値" in text)
        ):
            return "versus"
        if len(munis) >= 2 and WHICH_WORDS.search(text):
            return "compare"
        if (
            not munis
            and len(prefs) >= 2
            and (WHICH_WORDS.search(text) or COMPARE_WORDS.search(text))
        ):
            return "compare"  # 「滋賀県と奈良県、どっちが高い？」: the two prefectures' own values
        if (
            munis
            and len(munis) == 1
            and (POSITION_WORDS.search(text) or (has_rank and top_n is None))
        ):
            return "position"
        if has_rank and (not munis or top_n is not None or prefs or national or region):
            return "rank"
        if STATS_WORDS.search(text):
            return "stats"
        projection = any(self.catalog.get(i).is_projection for i in indicators)
        changes = any(i.endswith(("_increase", "_increase_rate")) for i in indicators)
        where = munis or prefs or national or region
        if projection and not changes and SERIES_WORDS.search(text) and where:
            return "series"
        if len(munis) >= 2:
            return "compare"
        if len(munis) == 1:
            return "lookup"
        if prefs or national or region:
            return "stats"
        return "stats"


_VS_AVERAGE = re.compile(
    r"(平均|中央値)(?:値)?(?:より|を|以上|以下|未満)?(高い|多い|上回|超え|以上|低い|少ない|下回|未満|以下)?"
)


def _threshold(text: str) -> tuple[str, float, str] | None:
    """(op, value, unit); 「平均より高い市町村」 gives the unit "mean" (or "median") and the
    value is the scope's own, computed by the answer."""
    m = THRESHOLD.search(text)
    if m is None:
        a = _VS_AVERAGE.search(text)
        if a is None or not a.group(2):
            return None
        basis = "median" if a.group(1) == "中央値" else "mean"
        above = a.group(2) in ("高い", "多い", "上回", "超え", "以上")
        return (">" if above else "<", float("nan"), basis)
    value = float(m.group(1)) * (10_000 if m.group(2) else 1)
    unit = "%" if m.group(3) in ("%", "パーセント") else (m.group(3) or "")
    word = m.group(4)
    if word == "以上":
        return (">=", value, unit)
    if word == "以下":
        return ("<=", value, unit)
    if word in ("未満", "を下回る", "より低い", "より少ない"):
        return ("<", value, unit)
    return (">", value, unit)


def _table(text: str) -> str:
    if re.search(r"住基|住民基本台帳", text):
        return "juki2023"
    if re.search(r"国勢調査|国調", text):
        return "census2020"
    if re.search(r"社人研|人口問題研究所", text):
        return "ipss2018"
    return ""
