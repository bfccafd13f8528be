"""Turn a Japanese question into a structured ``Query`` (rules + the name indexes).

Kept separate from answering so the phrasing table in the tests can check parsing alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from rapidfuzz import fuzz

from analytics.catalog import Catalog
from analytics.geo import KINKI_PREFS, NATION_WORDS, REGION_WORDS, Gazetteer, Hit
from bot.text.normalize import squeeze
from bot.text.prepared import Prepared

RANK_WORDS = re.compile(
    r"高い|低い|多い|少ない|大きい|小さい|トップ|上位|下位|ワースト|ベスト|ランキング|順に|並べ|"
    r"高め|低め|ランク"
)
LOW_WORDS = re.compile(r"低い|少ない|小さい|下位|低め|低順|少ない順")
POSITION_WORDS = re.compile(r"順位|何位|位置|パーセンタイル|立ち位置|何番目|中で|内で|県内|府内")
STATS_WORDS = re.compile(r"平均|中央値|median|mean")
SERIES_WORDS = re.compile(r"推計|将来|推移|見通し|予測|見込み|今後|経年|グラフ")
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
INCREASE_RATE = re.compile(r"増加率|伸び率|増加割合|増減率|伸び")
INCREASE = re.compile(r"増加数|増加|増える|増減|何人増")
CURRENT = re.compile(r"現在|住基|住民基本台帳|今の")
CARE_LEVELS = re.compile(r"要介護度別|介護度別|要支援・要介護度別|介護度ごと|要介護度ごと")
TOP_N = re.compile(
    r"(?:トップ|上位|下位|ベスト|ワースト)(\d{1,3})|(\d{1,3})(?:つ|位まで|市町村|団体|自治体|件|か所|カ所|ヶ所|市町)"
)
YEAR = re.compile(r"((?:19|20)\d\d)年|(令和|平成)(元|\d{1,2})年")
NOISE = re.compile(r"市区町村|区市町村|市町村|都道府県|府県|市町|町村|地域|全国|近畿")
SPLIT = re.compile(
    r"[、。,.!?！？「」『』（）()・\s]|の|と|で|は|を|が|に|や|へ|も|から|まで|より|について|って"
)
PLACE_TAIL = re.compile(
    r"^(?:[一-龥ぁ-んァ-ヶー々ヶ]{1,9}[市町村区郡]|[ぁ-ゖー]{2,12}(?:し|ちょう|まち|むら|そん))$"
)
PLACE_LIKE = re.compile(r"[一-龥々ヶ]{1,6}[市町村](?!町村|区町村)")
# Words that say "this is an indicator question" without naming the indicator
META_WORDS = re.compile(r"指標|データ|統計|数値|推計|一覧")
# Words typical of a worry rather than a data request
WORRY_WORDS = re.compile(
    r"困っ|悩|どうすれば|どうしたら|方法|やり方|立ち上げ|増えない|いない|進まない|受け身|"
    r"お客様|足りない|できない|わからない|難しい"
)


def text_views(question: str | Prepared) -> tuple[str, str]:
    """(as typed, squeezed). A turn the engine prepared is already squeezed: not again here."""
    if isinstance(question, Prepared):
        return question.raw, question.squeezed
    return question, squeeze(question)


@dataclass(frozen=True)
class Ambiguity:
    span: str
    codes: tuple[str, ...]  # candidate unit codes (wards already mapped to their cities)
    labels: tuple[str, ...]


# What a question asks for; ``analytics.answers`` has one handler for each.
Kind = Literal[
    "help",  # what can be asked (the catalog)
    "unknown_indicator",  # a place or pattern without a known indicator: the catalog, suggestions
    "lookup",  # one municipality's value(s)
    "compare",  # two or more municipalities side by side
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
    munis: tuple[str, ...] = ()
    prefs: tuple[str, ...] = ()
    national: bool = False
    region: bool = False
    years: tuple[int, ...] = ()
    order: str = "desc"
    top_n: int | None = None
    viewpoints: tuple[str, ...] = ()
    ambiguous: Ambiguity | None = None
    unknown_places: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (span, nearest codes)
    corrected: tuple[tuple[str, str], ...] = ()  # (typed span, code)
    wards: tuple[tuple[str, str], ...] = ()  # (ward span, city code)
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


@dataclass
class Parser:
    catalog: Catalog
    geo: Gazetteer
    _forms: dict[str, str] = field(default_factory=dict)
    _max: int = 0

    def __post_init__(self) -> None:
        self._forms = self.catalog.surface_forms()
        self._max = max(len(k) for k in self._forms)

    # ------------------------------------------------------------ indicators
    def find_indicators(self, text: str) -> list[tuple[str, int, int]]:
        """(indicator id, start, end) for every alias found, longest match first."""
        out: list[tuple[str, int, int]] = []
        i, n = 0, len(text)
        while i < n:
            for length in range(min(self._max, n - i), 1, -1):
                s = text[i : i + length]
                if s in self._forms:
                    out.append((self._forms[s], i, i + length))
                    i += length
                    break
            else:
                i += 1
        return out

    def indicators_of(self, text: str) -> tuple[list[str], list[tuple[int, int]]]:
        found = self.find_indicators(text)
        ids: list[str] = []
        spans = [(s, e) for _, s, e in found]
        for ind, _s, _e in found:
            ids.append(self._refine(ind, text))
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

    def _refine(self, ind: str, text: str) -> str:
        """75歳以上人口 + 増加率 → the 10-year increase rate, 現在の → 住民基本台帳, etc."""
        if ind in ("pop75", "pop85"):
            if INCREASE_RATE.search(text):
                return f"{ind}_increase_rate"
            if INCREASE.search(text):
                return f"{ind}_increase"
            if CURRENT.search(text) and not SERIES_WORDS.search(text):
                return "juki_" + ind
        if ind in ("juki_pop65",) and SERIES_WORDS.search(text) and "推計" in text:
            return ind
        return ind

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
        return tuple(self.geo.munis[c].label for c in codes)

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
        for h in hits:
            if h.kind == "pref":
                continue
            if h.span in forced:
                if forced[h.span] not in munis:
                    munis.append(forced[h.span])
                continue
            codes = self._candidates(h, prefs, national)
            if h.kind == "gun":
                for c in codes:
                    if c not in munis:
                        munis.append(c)
                continue
            if len(codes) == 1:
                code = codes[0]
                raw = next((c for c in h.codes if self.geo.resolve_unit(c) == code), code)
                if raw != code:
                    wards.append((h.span, code))
                if code not in munis:
                    munis.append(code)
            elif len(codes) > 1 and ambiguous is None:
                ambiguous = Ambiguity(h.span, codes, self._labels(codes))
        # Typos and unknown names in what the index did not explain
        indicators, ind_spans = self.indicators_of(text)
        if forced_indicators:
            indicators = list(forced_indicators)
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
            if chunk in forced:
                if forced[chunk] not in munis:
                    munis.append(forced[chunk])
                continue
            near = self.geo.fuzzy(chunk, limit=5)
            if not near:
                unknown.append((chunk, ()))
                continue
            best, score = near[0]
            second = near[1][1] if len(near) > 1 else 0.0
            if score >= 90 and score - second >= 8:
                corrected.append((chunk, best))
                if best not in munis:
                    munis.append(best)
            else:
                unknown.append((chunk, tuple(c for c, _ in near)))
        # Years
        years: list[int] = []
        for m in YEAR.finditer(text):
            if m.group(1):
                years.append(int(m.group(1)))
            else:
                n = 1 if m.group(3) == "元" else int(m.group(3))
                years.append((2018 if m.group(2) == "令和" else 1988) + n)
        # Top N and order
        top_n = None
        mt = TOP_N.search(text)
        if mt:
            top_n = int(mt.group(1) or mt.group(2))
        order = "asc" if LOW_WORDS.search(text) else "desc"
        if "ワースト" in text or "ベスト" in text:
            order = self._best_worst_order(indicators, "ワースト" in text)
        # Viewpoints
        viewpoints: list[str] = []
        if VIEW_PREV.search(text):
            viewpoints.append("prevention")
        if VIEW_BEN.search(text):
            viewpoints.append("benefit")
        if not viewpoints and VIEW_ANY.search(text):
            viewpoints = ["prevention", "benefit"]
        unknown_ind = ""
        suggestions: tuple[str, ...] = ()
        kind = self._kind(text, indicators, munis, prefs, viewpoints, top_n, national, region)
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
            years=tuple(years),
            order=order,
            top_n=top_n,
            viewpoints=tuple(viewpoints),
            ambiguous=ambiguous,
            unknown_places=tuple(unknown),
            corrected=tuple(corrected),
            wards=tuple(wards),
            unknown_indicator=unknown_ind,
            indicator_suggestions=suggestions,
        )

    def _best_worst_order(self, indicators: list[str], worst: bool) -> str:
        direction = "higher_better"
        if indicators:
            direction = self.catalog.get(indicators[0]).direction
        best_desc = direction != "higher_worse"
        return ("asc" if best_desc else "desc") if worst else ("desc" if best_desc else "asc")

    def _candidates(self, h: Hit, prefs: list[str], national: bool) -> tuple[str, ...]:
        """Unit codes a hit may mean, narrowed by named prefectures, else by the Kinki scope."""
        codes = sorted({self.geo.resolve_unit(c) for c in h.codes})
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
            if munis and (SHEET_WORDS.search(text) or len(munis) == 1):
                return "sheet"
            if SHEET_WORDS.search(text) and not munis and not prefs:
                return "help"
            return "unknown_indicator"
        has_rank = bool(RANK_WORDS.search(text)) or top_n is not None
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
        if projection and SERIES_WORDS.search(text) and (munis or prefs or national or region):
            return "series"
        if len(munis) >= 2:
            return "compare"
        if len(munis) == 1:
            return "lookup"
        if prefs or national or region:
            return "stats"
        return "stats"
