"""Municipality master and the name index used to find places in a question.

Staff write names in many forms (茨木市 / 茨木 / いばらきし / 泉南郡岬町 / 大阪府茨木市 / a ward), so
the index is built once from the master with every surface form pointing to its codes. Typos
are handled by rapidfuzz only for the text the exact index did not explain.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.text.normalize import squeeze

KINKI_PREFS: tuple[str, ...] = ("18", "25", "26", "27", "28", "29", "30")
UNIT_LEVELS = ("municipality", "designated_city", "special_ward")
_SUFFIX = re.compile(r"(市|町|村)$")
_KANA_SUFFIX = re.compile(r"(し|ちょう|まち|そん|むら)$")
_HIRAGANA = re.compile(r"^[ぁ-ゖー]+$")
# Stems that are everyday words in questions; the full name (with 市/町/村) still matches.
_STEM_STOP = frozenset({"おおい", "本部", "中央", "中間", "昭和", "大正", "明和", "南部"})
# One-character stems staff do write alone (「堺の高齢化率」)
_SHORT_STEMS = {"堺": "27140"}
REGION_WORDS = (
    "近畿2府5県",
    "近畿二府五県",
    "近畿管内",
    "近畿圏",
    "近畿",
    "関西",
    "管内",
    "2府5県",
)
NATION_WORDS = ("全国で", "全国の", "全国平均", "全国中央値", "全国", "国内")


@dataclass(frozen=True)
class Municipality:
    code5: str
    code6: str
    name: str
    kana: str
    pref_code: str
    pref_name: str
    level: str
    parent_code5: str = ""
    gun: str = ""

    @property
    def label(self) -> str:
        """Name with its prefecture, as shown in answers and options."""
        return f"{self.name}（{self.pref_name}）"

    @property
    def is_unit(self) -> bool:
        return self.level in UNIT_LEVELS

    @property
    def in_kinki(self) -> bool:
        return self.pref_code in KINKI_PREFS


@dataclass(frozen=True)
class Prefecture:
    code: str  # two digits
    code5: str  # e.g. 27000
    name: str


@dataclass(frozen=True)
class Hit:
    """One place found in the text: ``codes`` has several entries when the name is ambiguous."""

    span: str
    start: int
    kind: str  # "muni" | "pref" | "gun"
    codes: tuple[str, ...]  # raw codes: a ward keeps its own code (see ``resolve_unit``)


@dataclass(frozen=True)
class FuzzyCandidate:
    span: str
    start: int
    candidates: tuple[tuple[str, float], ...]  # (code5, score) best first


@dataclass
class Gazetteer:
    munis: dict[str, Municipality]
    prefs: dict[str, Prefecture]
    _forms: dict[str, set[str]] = field(default_factory=dict)
    _pref_forms: dict[str, str] = field(default_factory=dict)
    _gun_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _max_len: int = 0
    _fuzzy_names: list[str] = field(default_factory=list)
    _fuzzy_codes: list[str] = field(default_factory=list)
    _wards: dict[str, list[str]] = field(default_factory=dict)

    # ----------------------------------------------------------------- building
    @classmethod
    def from_csv(cls, master: Path, juki: Path | None = None) -> Gazetteer:
        """Read the JIS X 0402 master; the 住基 file (optional) supplies 郡 names."""
        gun_of: dict[str, str] = {}
        if juki is not None and juki.exists():
            with juki.open(encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    name = row["name"]
                    if row["row_type"] == "municipality" and "郡" in name[:-1]:
                        gun_of[row["code5"]] = name.split("郡", 1)[0] + "郡"
        munis: dict[str, Municipality] = {}
        prefs: dict[str, Prefecture] = {}
        with master.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["level"] == "prefecture":
                    prefs[row["pref_code"]] = Prefecture(
                        row["pref_code"], row["code5"], row["pref_name"]
                    )
                    continue
                munis[row["code5"]] = Municipality(
                    code5=row["code5"],
                    code6=row["code6"],
                    name=row["name"],
                    kana=row["kana"],
                    pref_code=row["pref_code"],
                    pref_name=row["pref_name"],
                    level=row["level"],
                    parent_code5=row["parent_city_code5"] or "",
                    gun=gun_of.get(row["code5"], ""),
                )
        g = cls(munis=munis, prefs=prefs)
        g._build()
        return g

    def _add(self, form: str, code: str) -> None:
        if len(form) >= 2:
            self._forms.setdefault(form, set()).add(code)

    def _build(self) -> None:
        for p in self.prefs.values():
            self._pref_forms[p.name] = p.code
            short = p.name if p.name == "北海道" else p.name[:-1]
            self._pref_forms.setdefault(short, p.code)
        guns: dict[str, list[str]] = defaultdict(list)
        for m in self.munis.values():
            if m.level == "designated_city_ward":
                parent = self.munis.get(m.parent_code5)
                self._wards.setdefault(m.parent_code5, []).append(m.code5)
                if parent is not None:
                    self._add(parent.name + m.name, m.code5)
                    self._add(m.pref_name + parent.name + m.name, m.code5)
                    if m.in_kinki:
                        self._add(m.name, m.code5)
                continue
            self._add(m.name, m.code5)
            self._add(m.pref_name + m.name, m.code5)
            self._add(m.kana, m.code5)
            if m.gun:
                self._add(m.gun + m.name, m.code5)
                self._add(m.pref_name + m.gun + m.name, m.code5)
                guns[m.pref_code + ":" + m.gun].append(m.code5)
            if m.in_kinki or m.level == "designated_city":
                stem = _SUFFIX.sub("", m.name)
                if stem != m.name and len(stem) >= 2 and stem not in _STEM_STOP:
                    self._add(stem, m.code5)
                kstem = _KANA_SUFFIX.sub("", m.kana)
                if kstem != m.kana and len(kstem) >= 3 and kstem not in _STEM_STOP:
                    self._add(kstem, m.code5)
            if m.is_unit and not ("01695" <= m.code5 <= "01700"):
                self._fuzzy_names += [m.name, m.kana]
                self._fuzzy_codes += [m.code5, m.code5]
        for key, codes in guns.items():
            pref_code, gun = key.split(":", 1)
            prev = self._gun_forms.get(gun, ())
            # A 郡 name repeated in two prefectures is resolved by the named prefecture later.
            self._gun_forms[gun] = (*prev, *sorted(codes))
            self._gun_forms[self.prefs[pref_code].name + gun] = tuple(sorted(codes))
        for stem, code in _SHORT_STEMS.items():
            if code in self.munis:
                self._forms.setdefault(stem, set()).add(code)
        # Stems that equal a prefecture's short form (大阪, 京都, 奈良…) mean the prefecture.
        for short in list(self._pref_forms):
            self._forms.pop(short, None)
        self._max_len = max(
            max(len(k) for k in self._forms),
            max((len(k) for k in self._gun_forms), default=0),
        )

    # ---------------------------------------------------------------- resolving
    def resolve_unit(self, code5: str) -> str:
        """A ward's code becomes its city's: indicators are kept per city."""
        m = self.munis.get(code5)
        if m is not None and m.level == "designated_city_ward" and m.parent_code5:
            return m.parent_code5
        return code5

    def scan(self, text: str) -> list[Hit]:
        """Find every place name in normalised ``text``, longest match first, left to right."""
        hits: list[Hit] = []
        i, n = 0, len(text)
        while i < n:
            found: Hit | None = None
            for length in range(min(self._max_len, n - i), 0, -1):
                s = text[i : i + length]
                if s in self._forms:
                    if _is_kana(s) and not _kana_word(text, i, i + length):
                        continue  # かもし (加茂市) inside かもしれません is no place
                    found = Hit(s, i, "muni", tuple(sorted(self._forms[s])))
                elif s in self._gun_forms:
                    found = Hit(s, i, "gun", self._gun_forms[s])
                elif s in self._pref_forms:
                    nxt = text[i + length : i + length + 1]
                    short = s[-1] not in "都道府県"
                    if short and nxt and nxt in "市町村区郡":
                        continue  # 茨城市 is a (mistyped) city, not 茨城県
                    found = Hit(s, i, "pref", (self._pref_forms[s],))
                if found is not None:
                    break
            if found is None:
                i += 1
            else:
                hits.append(found)
                i += len(found.span)
        return hits

    def fuzzy(self, span: str, limit: int = 5, cutoff: float = 55.0) -> list[tuple[str, float]]:
        """Nearest municipality names to ``span`` (code5, score), Kinki first on ties."""
        res = process.extract(
            span, self._fuzzy_names, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=cutoff
        )
        best: dict[str, float] = {}
        for _name, score, idx in res:
            code = self._fuzzy_codes[idx]
            bonus = 0.5 if self.munis[code].in_kinki else 0.0
            best[code] = max(best.get(code, 0.0), float(score) + bonus)
        return sorted(best.items(), key=lambda t: -t[1])[:limit]

    def units_in(self, pref_codes: Iterable[str] | None) -> list[str]:
        """Codes of the municipalities (市区町村; 政令市 whole) in the given prefectures."""
        wanted = None if pref_codes is None else set(pref_codes)
        return [
            m.code5
            for m in self.munis.values()
            if m.is_unit
            and (wanted is None or m.pref_code in wanted)
            and not ("01695" <= m.code5 <= "01700")  # 北方領土の村: no statistics exist
        ]

    def full_name(self, code5: str) -> str:
        """「茨木市」, and for a ward its city's name with it: 「大阪市北区」."""
        m = self.munis[code5]
        if m.level == "designated_city_ward" and m.parent_code5 in self.munis:
            return self.munis[m.parent_code5].name + m.name
        return m.name

    def label_of(self, code5: str) -> str:
        """Name with its prefecture, as shown in answers and options: 「大阪市北区（大阪府）」."""
        return f"{self.full_name(code5)}（{self.munis[code5].pref_name}）"

    def wards_of(self, city_code5: str) -> list[str]:
        """The wards of a 政令市 (empty for any other municipality)."""
        return list(self._wards.get(city_code5, ()))

    def pref_of(self, code5: str) -> Prefecture:
        return self.prefs[self.munis[code5].pref_code]

    def pref_by_code5(self) -> Mapping[str, Prefecture]:
        return {p.code5: p for p in self.prefs.values()}

    def find_exact(self, name: str, pref_name: str | None = None) -> list[str]:
        """Codes whose name form equals ``name`` (used by the importer: no fuzzy matching)."""
        key = squeeze(name)
        codes = set(self._forms.get(key, set()))
        if pref_name:
            pn = squeeze(pref_name)
            codes |= self._forms.get(pn + key, set())
            codes = {c for c in codes if self.munis[c].pref_name == pn}
        return sorted({self.resolve_unit(c) for c in codes})


_PARTICLES = set("のはがとでにをもへやか")


def _is_hira(ch: str) -> bool:
    return "ぁ" <= ch <= "ゖ" or ch == "ー"


def _is_kana(s: str) -> bool:
    return all(_is_hira(c) for c in s)


def _kana_word(text: str, start: int, end: int) -> bool:
    """A name written in kana must stand as a word: not glued to more hiragana before it,
    and followed by the end, a non-hiragana character or a particle."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before and _is_hira(before) and before not in _PARTICLES:
        return False
    return not after or not _is_hira(after) or after in _PARTICLES
