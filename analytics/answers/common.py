"""What every answer handler shares: the data it reads and the wording it repeats.

``Context`` holds the catalog, the gazetteer and the tables with the helpers every kind uses
(the series of the asked year, scopes and ranks, the 出典 line, the position bar chart);
``Used`` records what an answer drew on; ``Answer`` is what a handler returns.

Every answer names its years and its sources (出典), says 「※サンプルデータ（架空の値）」 when it
used sample values, and says 「データなし」 for a missing value instead of showing zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analytics.catalog import Catalog, Indicator
from analytics.chart_spec import BarChart, Chart
from analytics.geo import KINKI_PREFS, Gazetteer
from analytics.number_format import fmt_number, fmt_signed
from analytics.query import Query
from analytics.tables import DataStore, Series
from bot.core.replies import Option
from bot.text.notes import SAMPLE_NOTE

FUKUSHIMA = "07"


@dataclass
class Used:
    """What an answer drew on, for the 出典 line and the sample mark."""

    sources: dict[str, set[int]] = field(default_factory=dict)
    sample: bool = False
    notes: list[str] = field(default_factory=list)

    def add(self, ind: Indicator, s: Series | None) -> None:
        if s is None:
            return
        self.sources.setdefault(ind.source, set()).add(s.year)
        if s.end_year:
            self.sources[ind.source].add(s.end_year)
        self.sample = self.sample or s.sample

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass(frozen=True)
class Answer:
    """A handler's result: the lines of the text, the charts to draw, the follow-up options."""

    lines: list[str]
    charts: Sequence[Chart] = ()
    options: Sequence[Option] = ()


@dataclass(frozen=True)
class Context:
    """The data every handler reads, with the helpers the kinds share."""

    catalog: Catalog
    geo: Gazetteer
    store: DataStore
    data_dir: Path

    def footer(self, used: Used) -> str:
        parts = []
        for key in sorted(used.sources):
            src = self.catalog.sources[key]
            parts.append(src.credit)
        out = ""
        if parts:
            out = "出典: " + "／".join(parts)
        if used.sample:
            out += (
                ("\n" if out else "")
                + SAMPLE_NOTE
                + "：見える化・調査の指標はデモ用の架空の値です。"
            )
        return out

    def ind(self, ind_id: str) -> Indicator:
        return self.catalog.get(ind_id)

    def name(self, code: str, with_pref: bool = False) -> str:
        m = self.geo.munis[code]
        return m.label if with_pref else m.name

    def fmt(self, ind: Indicator, v: float | None) -> str:
        if ind.id.endswith("_increase_rate"):
            return fmt_signed(v, "%", 1)
        if ind.id.endswith("_increase"):
            return fmt_signed(v, "人", 0)
        return fmt_number(v, ind.unit, ind.decimals)

    def period(self, s: Series) -> str:
        if s.end_year:
            return f"{s.year}年→{s.end_year}年"
        return f"{s.year}年"

    def series_for(self, ind: Indicator, q: Query, used: Used | None = None) -> Series | None:
        """The series for ``ind`` in the asked year(s), else its default year (with a note)."""
        years = [y for y in q.years if y]
        s: Series | None = None
        if ind.id.endswith(("_increase", "_increase_rate")) and len(years) >= 2:
            s = self._custom_increase(ind, years[0], years[-1])
            if s is None and used is not None:
                used.note(
                    f"{years[0]}年→{years[-1]}年の推計はありません（推計は 2015〜2045 年の5年ごとです）。"
                )
        elif years:
            s = self.store.series(
                ind.id, years[-1] if not ind.id.endswith("_increase") else years[0]
            )
            if s is None and ind.id.endswith(("_increase", "_increase_rate")):
                s = self.store.series(ind.id, years[0] - 10)
            if s is None and used is not None:
                have = self.store.years(ind.id)
                shown = "、".join(f"{y}年" for y in have) or "なし"
                used.note(f"{ind.name}に{years[-1]}年の値はありません（ある年: {shown}）。")
        if s is None:
            s = self.store.series(ind.id)
        if used is not None:
            used.add(ind, s)
        return s

    def _custom_increase(self, ind: Indicator, y0: int, y1: int) -> Series | None:
        base = "pop75" if ind.id.startswith("pop75") else "pop85"
        s0, s1 = self.store.series(base, y0), self.store.series(base, y1)
        if s0 is None or s1 is None or y1 <= y0:
            return None
        rate = ind.id.endswith("_rate")
        vals: dict[str, float | None] = {}
        for c, v0 in s0.values.items():
            v1 = s1.values.get(c)
            if v0 is None or v1 is None or (rate and not v0):
                vals[c] = None
            else:
                vals[c] = (v1 / v0 - 1) * 100 if rate else v1 - v0
        return Series(ind.id, y0, vals, s0.sample, s0.origin, {}, {}, end_year=y1)

    def scope_codes(self, prefs: Sequence[str] | None) -> list[str]:
        return self.geo.units_in(prefs)

    def scope_name(self, prefs: Sequence[str] | None) -> str:
        if prefs is None:
            return "全国"
        if tuple(sorted(prefs)) == KINKI_PREFS:
            return "近畿2府5県"
        return "・".join(self.geo.prefs[p].name for p in prefs)

    def ranked(self, s: Series, codes: Iterable[str], desc: bool = True) -> list[tuple[str, float]]:
        vals = [(c, v) for c in codes if (v := s.values.get(c)) is not None]
        vals.sort(key=lambda t: (-t[1] if desc else t[1], t[0]))
        return vals

    def missing_in(self, s: Series, codes: Iterable[str]) -> list[str]:
        return [c for c in codes if s.values.get(c) is None]

    def missing_reason(self, ind: Indicator, code: str) -> str:
        m = self.geo.munis[code]
        if ind.source == "ipss2018" and m.pref_code == FUKUSHIMA:
            return "社人研（平成30年推計）には福島県の市町村別の推計がありません"
        if ind.source == "ipss2018" and m.level == "designated_city_ward":
            return "社人研（平成30年推計）には政令市の区別の推計がありません"
        if not ind.is_real and not m.in_kinki:
            return "取り込まれたデータに含まれていません（サンプルは近畿2府5県のみです）"
        return "データに含まれていません"

    def position(self, s: Series, code: str, prefs: Sequence[str] | None, ind: Indicator) -> str:
        """「大阪府内 43市町村中 12位（高い順）、中央値 …」 or an empty string."""
        v = s.values.get(code)
        if v is None:
            return ""
        codes = self.scope_codes(prefs)
        ranked = self.ranked(s, codes, desc=True)
        if len(ranked) < 2:
            return ""
        rank = 1 + sum(1 for _, x in ranked if x > v)
        med = statistics.median(x for _, x in ranked)
        return (
            f"{self.scope_name(prefs)}内 {len(ranked)}市町村中 {rank}位（高い順）、"
            f"中央値 {self.fmt(ind, med)}"
        )

    def percentile(self, s: Series, code: str, codes: Sequence[str]) -> float | None:
        v = s.values.get(code)
        vals = [x for c in codes if (x := s.values.get(c)) is not None]
        if v is None or not vals:
            return None
        below = sum(1 for x in vals if x < v)
        equal = sum(1 for x in vals if x == v)
        return (below + 0.5 * equal) / len(vals) * 100

    def pref_bar(
        self,
        ind: Indicator,
        s: Series,
        prefs: Sequence[str] | None,
        highlight: Sequence[str],
        used: Used,
        title: str | None = None,
        limit: int = 45,
    ) -> BarChart | None:
        """All municipalities of the scope, highest first, asked ones in red."""
        ranked = self.ranked(s, self.scope_codes(prefs), desc=True)
        if not ranked:
            return None
        if len(ranked) > limit:
            keep = ranked[:limit]
            for c in highlight:
                if c not in {k for k, _ in keep}:
                    keep += [(k, v) for k, v in ranked if k == c]
            ranked = keep
        med = statistics.median(v for _, v in self.ranked(s, self.scope_codes(prefs)))
        labels = tuple(self.name(c) for c, _ in ranked)
        return BarChart(
            title=title or f"{ind.name}（{self.period(s)}・{self.scope_name(prefs)}）",
            labels=labels,
            values=tuple(v for _, v in ranked),
            highlight=tuple(i for i, (c, _) in enumerate(ranked) if c in highlight),
            unit=ind.unit,
            note=self.chart_note(used),
            ref_lines=(("中央値", med),),
        )

    def chart_note(self, used: Used) -> str:
        srcs = "／".join(self.catalog.sources[k].short for k in sorted(used.sources))
        note = f"出典: {srcs}" if srcs else ""
        if used.sample:
            note += "　" + SAMPLE_NOTE
        return note

    def default_scope(self, q: Query) -> tuple[str, ...] | None:
        """Rank/compare within the asked prefecture(s), else the municipality's, else Kinki."""
        if q.national:
            return None
        if q.region:
            return KINKI_PREFS
        if q.prefs:
            return q.prefs
        if q.munis:
            return tuple(sorted({self.geo.munis[c].pref_code for c in q.munis}))
        return KINKI_PREFS


Handler = Callable[[Context, Query, Used], Answer]
