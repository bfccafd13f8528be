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
from analytics.number_format import fmt_number, fmt_signed, unit_suffix
from analytics.query import Query
from analytics.tables import IPSS_YEARS, DataStore, Series
from bot.core.replies import Option
from bot.text.notes import SAMPLE_NOTE

FUKUSHIMA = "07"
TEN_YEARS = "（今後10年）"
IPSS_RANGE = "社人研の推計は2015〜2045年の5年ごとです"


@dataclass
class Used:
    """What an answer drew on (for the 出典 line and the sample mark), and what of the question
    it could not answer exactly (``unmet``: said on the first lines, before any number)."""

    tables: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (source, origin)
    sample: bool = False
    notes: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)

    def add(self, ind: Indicator, s: Series | None) -> None:
        if s is None:
            return
        years = self.tables.setdefault((ind.source, s.origin), set())
        years.add(s.year)
        if s.end_year:
            years.add(s.end_year)
        self.sample = self.sample or s.sample

    def add_years(self, ind: Indicator, years: Iterable[int], origin: str = "real") -> None:
        self.tables.setdefault((ind.source, origin), set()).update(years)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def cannot(self, text: str) -> None:
        """Something asked that the answer does not give: said first, in plain words."""
        if text not in self.unmet:
            self.unmet.append(text)


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

    # ------------------------------------------------------------ sources
    def footer(self, used: Used) -> str:
        parts = []
        for (key, origin), years in sorted(used.tables.items()):
            src = self.catalog.sources[key]
            when = "・".join(f"{y}年" for y in sorted(years))
            if origin in ("real", "sample"):
                parts.append(f"{src.credit}（{when}の値）")
            else:
                parts.append(f"取り込んだデータ「{origin}」（{src.short}として取込、{when}の値）")
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

    def chart_note(self, used: Used) -> str:
        parts = []
        for (key, origin), years in sorted(used.tables.items()):
            when = "・".join(str(y) for y in sorted(years))
            name = self.catalog.sources[key].short
            if origin not in ("real", "sample"):
                name = f"取込「{origin}」"
            parts.append(f"{name}（{when}年）")
        note = f"出典: {'／'.join(parts)}" if parts else ""
        if used.sample:
            note += "　" + SAMPLE_NOTE
        return note

    # ------------------------------------------------------------- naming
    def ind(self, ind_id: str) -> Indicator:
        return self.catalog.get(ind_id)

    def name(self, code: str, with_pref: bool = False) -> str:
        return self.geo.label_of(code) if with_pref else self.geo.full_name(code)

    def measure(self, ind: Indicator) -> str:
        """The indicator's name without a period in it: the heading states the period once."""
        return ind.name.replace(TEN_YEARS, "").replace("の将来推計", "（推計）")

    def when(self, s: Series) -> str:
        """「2020年」, 「2020年→2040年」, 「2025年→2035年、今後10年」: the exact span, once."""
        if s.end_year:
            text = f"{s.year}年→{s.end_year}年"
            if s.year == self.store.base_year and s.end_year > s.year:
                text += f"、今後{s.end_year - s.year}年"
            return text
        if s.indicator.startswith("juki_"):
            return f"{s.year}年1月1日"
        return f"{s.year}年"

    def heading(self, ind: Indicator, s: Series) -> str:
        """「75歳以上人口の増加数（2020年→2040年）」: measure and period, each once."""
        return f"{self.measure(ind)}（{self.when(s)}）"

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

    def diff_text(self, ind: Indicator, diff: float) -> str:
        """The size of a difference with its unit: 「1.3ポイント」「2,041人」."""
        unit = "ポイント" if ind.is_percent else unit_suffix(ind.unit)
        return f"{fmt_number(abs(diff), '', ind.decimals)}{unit}"

    def more_less(self, ind: Indicator, higher: bool) -> str:
        counts = unit_suffix(ind.unit) == "人" and not ind.is_percent
        if counts:
            return "多い" if higher else "少ない"
        return "高い" if higher else "低い"

    def verdict(self, ind: Indicator, v: float, ref: float, ref_label: str) -> str:
        """「大阪府の市町村平均 15.6% より 1.3ポイント低い」 or 「…と同程度（差 0.0ポイント）」."""
        diff = v - ref
        if round(abs(diff), ind.decimals) == 0:
            return f"{ref_label} {self.fmt(ind, ref)} と同程度（差 {self.diff_text(ind, 0.0)}）"
        return (
            f"{ref_label} {self.fmt(ind, ref)} より {self.diff_text(ind, diff)} "
            f"{self.more_less(ind, diff > 0)}"
        )

    # ------------------------------------------------------------ series
    def series_for(self, ind: Indicator, q: Query, used: Used | None = None) -> Series | None:
        """The series for ``ind`` in the asked year or period. When that does not exist, the
        nearest one that does, with a first-line statement of what was asked and is missing."""
        u = used if used is not None else Used()
        s = self._series_for(ind, q, u)
        if s is not None and used is not None:
            used.add(ind, s)
        return s

    def change_span(self, q: Query) -> tuple[int, int]:
        """The span a change (増加数・増加率) is asked for; 今後10年 when none is."""
        base = self.store.base_year
        if q.period is not None:
            return q.period
        if len(q.years) >= 2:
            return (min(q.years), max(q.years))
        if len(q.years) == 1:
            y = q.years[0]
            return (base, y) if y > base else (y, y + 10)
        return (base, base + 10)

    def _series_for(self, ind: Indicator, q: Query, used: Used) -> Series | None:
        if q.table and q.table != ind.source and q.table in self.catalog.sources:
            asked = self.catalog.sources[q.table].short
            used.cannot(
                f"{asked}の{self.measure(ind)}はお答えできません（{self.measure(ind)}は"
                f"{self.catalog.sources[ind.source].short}の値です）。その表の値を示します。"
            )
        is_change = ind.id.endswith(("_increase", "_increase_rate"))
        projection_asked = any(i.startswith(("pop75", "pop85")) for i in q.indicators)
        if is_change:
            y0, y1 = self.change_span(q)
            s = self.change_series(ind, y0, y1)
            if s is not None:
                return s
            n0, n1 = _nearest_span(y0, y1)
            what = f"{self.measure(ind)}（{y0}年→{y1}年）"
            used.cannot(
                f"{what}はお答えできません（{IPSS_RANGE}）。"
                f"お答えできる近い期間 {n0}年→{n1}年 の値を示します。"
            )
            return self.change_series(ind, n0, n1)
        have = self.store.years(ind.id)
        if not have:
            return None
        future = q.period is not None or q.wants_future
        if future and not projection_asked and not ind.is_projection and len(have) == 1:
            asked = f"{q.period[0]}年→{q.period[1]}年の変化" if q.period else "将来推計"
            used.cannot(
                f"{self.measure(ind)}の{asked}はお答えできません"
                f"（{have[0]}年の値だけです。将来推計があるのは75歳以上・85歳以上人口です）。"
                f"{have[0]}年の値を示します。"
            )
            return self.store.series(ind.id, have[0])
        years = [y for y in q.years if y]
        if not years or (ind.is_projection and len(years) > 1):
            return self.store.series(ind.id)
        y = years[-1]
        s = self.store.series(ind.id, y)
        if s is not None:
            return s
        near = min(have, key=lambda h: (abs(h - y), -h))
        shown = "、".join(f"{h}年" for h in have)
        extra = f"（{IPSS_RANGE}）" if ind.source == "ipss2018" else f"（ある年: {shown}）"
        used.cannot(f"{self.measure(ind)}の{y}年の値はありません{extra}。{near}年の値を示します。")
        return self.store.series(ind.id, near)

    def change_series(self, ind: Indicator, y0: int, y1: int) -> Series | None:
        """The change of 75/85歳以上人口 from y0 to y1 (stored for 10 years, else computed)."""
        if y1 - y0 == 10:
            s = self.store.series(ind.id, y0)
            if s is not None and s.end_year == y1:
                return s
        return self._custom_increase(ind, y0, y1)

    def _custom_increase(self, ind: Indicator, y0: int, y1: int) -> Series | None:
        base = "pop75" if ind.id.startswith("pop75") else "pop85"
        s0, s1 = self.store.series(base, y0), self.store.series(base, y1)
        if s0 is None or s1 is None or y1 <= y0:
            return None
        rate = ind.id.endswith("_rate")

        def change(v0: float | None, v1: float | None) -> float | None:
            if v0 is None or v1 is None or (rate and not v0):
                return None
            return (v1 / v0 - 1) * 100 if rate else v1 - v0

        vals = {c: change(v0, s1.values.get(c)) for c, v0 in s0.values.items()}
        whole = {k: change(v0, s1.pref_values.get(k)) for k, v0 in s0.pref_values.items()}
        return Series(ind.id, y0, vals, s0.sample, s0.origin, whole, {}, end_year=y1)

    def value(self, ind: Indicator, s: Series, code: str, used: Used) -> tuple[str, float | None]:
        """(code read, value) for an asked place. A ward is read from the table when it has
        ward rows (住民基本台帳) or imported ward areas; else the first line says the table has
        no wards and the city's value is offered."""
        m = self.geo.munis[code]
        if m.level != "designated_city_ward":
            return code, s.values.get(code)
        if s.values.get(code) is not None:
            return code, s.values[code]
        city = m.parent_code5
        area = s.areas.get(city, {})
        for key, v in area.items():
            if key == m.name or key.startswith(m.name + "・"):
                return code, v
        table = self.table_name(ind, s)
        offer = ""
        if not ind.id.startswith("juki_"):
            offer = "区ごとの値があるのは住民基本台帳（2023年1月1日）の人口・65歳以上・75歳以上・85歳以上人口です。"
        used.cannot(
            f"{self.name(code)}の{self.measure(ind)}はお答えできません"
            f"（{table}には政令市の区の値がありません）。{offer}"
            f"{self.name(city)}全体の値を示します。"
        )
        return city, s.values.get(city)

    def table_name(self, ind: Indicator, s: Series | None = None) -> str:
        if s is not None and s.origin not in ("real", "sample"):
            return f"取り込んだデータ「{s.origin}」"
        return self.catalog.sources[ind.source].short

    def unit_of(self, code: str) -> str:
        """The municipality a code belongs to (a ward's city)."""
        return self.geo.resolve_unit(code)

    def scope_codes(self, prefs: Sequence[str] | None) -> list[str]:
        return self.geo.units_in(prefs)

    def of_type(self, codes: Iterable[str], unit_type: str) -> list[str]:
        """Only the 市, 町, 村 or 町村 among ``codes`` (every code when no type is asked)."""
        if not unit_type:
            return list(codes)
        ends = tuple(unit_type)
        return [c for c in codes if self.geo.munis[c].name.endswith(ends)]

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

    def missing_reason(self, ind: Indicator, code: str, s: Series | None = None) -> str:
        m = self.geo.munis[code]
        if s is not None and s.origin not in ("real", "sample"):
            return f"取り込んだデータ「{s.origin}」に{m.name}の値がありません"
        if ind.source == "ipss2018" and m.pref_code == FUKUSHIMA:
            return "社人研（平成30年推計）には福島県の市町村別の推計がありません"
        if ind.source == "ipss2018" and m.level == "designated_city_ward":
            return "社人研（平成30年推計）には政令市の区別の推計がありません"
        if not ind.is_real and not m.in_kinki:
            return "取り込まれたデータに含まれていません（サンプルは近畿2府5県のみです）"
        return "データに含まれていません"

    def count_text(self, scope_label: str, have: int, missing: int) -> str:
        """「大阪府内 43市町村中」, or with gaps 「大阪府内 値のある41市町村中（2市町村はデータなし）」."""
        if missing:
            return f"{scope_label}内 値のある{have}市町村中（{missing}市町村はデータなし）"
        return f"{scope_label}内 {have}市町村中"

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
        missing = len(codes) - len(ranked)
        where = self.count_text(self.scope_name(prefs), len(ranked), missing)
        return f"{where} {rank}位（{self.more_less(ind, True)}順）、中央値 {self.fmt(ind, med)}"

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
            title=title or f"{self.measure(ind)}（{self.when(s)}・{self.scope_name(prefs)}）",
            labels=labels,
            values=tuple(v for _, v in ranked),
            highlight=tuple(i for i, (c, _) in enumerate(ranked) if c in highlight),
            unit=ind.unit,
            note=self.chart_note(used),
            ref_lines=(("中央値", med),),
        )

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


def _nearest_span(y0: int, y1: int) -> tuple[int, int]:
    """The nearest span the projection has: ends on 2015…2045 in steps of five."""

    def clamp(y: int) -> int:
        return max(IPSS_YEARS[0], min(IPSS_YEARS[-1], y))

    a = clamp(y0 - y0 % 5)
    b = clamp(y1 + (-y1) % 5)
    if b <= a:
        a, b = (b - 5, b) if b > IPSS_YEARS[0] else (a, a + 5)
    return a, b
