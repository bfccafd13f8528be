"""Build the Japanese answer (text, options, charts) for a parsed ``Query``.

Every answer names its years and its sources (出典), says 「※サンプルデータ（架空の値）」 when it
used sample values, and says 「データなし」 for a missing value instead of showing zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics import charts
from analytics.catalog import Catalog, Indicator
from analytics.geo import KINKI_PREFS, Gazetteer
from analytics.number_format import fmt_number, fmt_signed, unit_suffix
from analytics.query import Parser, Query
from analytics.tables import IPSS_YEARS, DataStore, Series
from bot.core.replies import DataReply, Option
from bot.text.notes import SAMPLE_NOTE
from bot.text.prepared import Prepared

FUKUSHIMA = "07"
VIEWPOINTS = {
    "prevention": {
        "title": "要介護状態になることの予防の観点",
        "x": "pop75_increase_rate",
        "y": "healthy_share",
        "concern": "介護予防に力を入れる必要",
        "quadrant": "lower_right",  # increase high, healthy share low
        "desc": "75歳以上人口の今後10年の増加率が高く、健康な人の割合が低い",
    },
    "benefit": {
        "title": "要介護状態になった後の給付の観点",
        "x": "pop85_increase_rate",
        "y": "benefit_total",
        "concern": "給付のあり方の見直しが必要",
        "quadrant": "upper_right",  # increase high, benefit high
        "desc": "85歳以上人口の今後10年の増加率が高く、調整給付月額が高い",
    },
}
SHEET_ORDER = (
    "pop75",
    "pop85",
    "pop75_increase",
    "pop75_increase_rate",
    "pop85_increase",
    "pop85_increase_rate",
    "aging_rate",
    "late_aging_rate",
    "juki_total",
    "juki_pop65",
    "juki_pop75",
    "juki_pop85",
    "cert_rate",
    "healthy_share",
    "kayoi_rate",
    "short_prev_sites",
    "premium",
    "benefit_facility",
    "benefit_home",
    "benefit_total",
    "capacity_facility",
    "capacity_daycare",
    "visits_home_care",
    "visits_daycare",
)


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


@dataclass
class Answerer:
    catalog: Catalog
    geo: Gazetteer
    store: DataStore
    parser: Parser
    chart_dir: Path
    data_dir: Path

    # ================================================================ entry
    def answer(
        self,
        text: str | Prepared,
        forced: Mapping[str, str] | None = None,
        forced_indicators: tuple[str, ...] = (),
        render: bool = True,
    ) -> DataReply:
        q = self.parser.parse(text, forced, forced_indicators)
        ctx: dict[str, Any] = {
            "q": q.text,
            "forced": dict(forced or {}),
            "fi": list(forced_indicators),
        }
        if q.ambiguous is not None:
            a = q.ambiguous
            opts = tuple(
                Option(f"data:muni:{c}", lab) for c, lab in zip(a.codes, a.labels, strict=True)
            )
            names = "、".join(a.labels)
            return DataReply(
                text=f"「{a.span}」は複数あります（{names}）。どちらについてお答えしましょうか？",
                options=opts,
                context={**ctx, "span": a.span},
            )
        pending = [(s, c) for s, c in q.unknown_places if c]
        if pending and (
            not q.munis or q.kind in ("compare", "lookup", "position", "series", "sheet")
        ):
            span, codes = pending[0]
            labels = [self.geo.munis[c].label for c in codes]
            return DataReply(
                text=(
                    f"「{span}」という市区町村は見つかりませんでした。"
                    f"近い名前: {'、'.join(labels)}。どれのことでしょうか？"
                ),
                options=tuple(
                    Option(f"data:muni:{c}", lab) for c, lab in zip(codes, labels, strict=True)
                ),
                context={**ctx, "span": span},
            )
        used = Used()
        for span, code in q.corrected:
            used.note(f"「{span}」は「{self.geo.munis[code].name}」として回答しています。")
        for span, code in q.wards:
            used.note(
                f"{span}は区単位の値がない指標があるため、{self.geo.munis[code].name}全体の値でお答えしています。"
            )
        for span, _codes in q.unknown_places:
            if not _codes:
                used.note(f"「{span}」という市区町村は見つかりませんでした。")
        handler = {
            "help": self._help,
            "unknown_indicator": self._unknown_indicator,
            "lookup": self._lookup,
            "compare": self._compare,
            "rank": self._rank,
            "stats": self._stats,
            "position": self._position,
            "series": self._series_answer,
            "sheet": self._sheet,
            "viewpoint": self._viewpoint,
            "age": self._age,
        }[q.kind]
        lines, chart_specs, options, extra_ctx = handler(q, used)
        paths: tuple[str, ...] = ()
        if render and chart_specs:
            paths = tuple(str(charts.render(c, self.chart_dir)) for c in chart_specs)
        body = "\n".join(lines)
        if used.notes:
            body += "\n" + "\n".join(f"（注）{n}" for n in used.notes)
        footer = self._footer(used)
        if footer:
            body += "\n" + footer
        return DataReply(
            text=body,
            options=tuple(options),
            charts=paths,
            sample=used.sample,
            context=({**ctx, **extra_ctx} if extra_ctx else None),
        )

    def chart_specs(self, text: str | Prepared) -> list[charts.Chart]:
        """The charts an answer would render (used by the benchmark to time rendering alone)."""
        q = self.parser.parse(text)
        if q.ambiguous is not None or q.kind in ("help", "unknown_indicator"):
            return []
        handler = getattr(self, "_series_answer" if q.kind == "series" else f"_{q.kind}")
        return list(handler(q, Used())[1])

    # ================================================================ helpers
    def _footer(self, used: Used) -> str:
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

    def note_lines(self, s: Series) -> str:
        return "（サンプル）" if s.sample else ""

    def pref_bar(
        self,
        ind: Indicator,
        s: Series,
        prefs: Sequence[str] | None,
        highlight: Sequence[str],
        used: Used,
        title: str | None = None,
        limit: int = 45,
    ) -> charts.BarChart | None:
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
        return charts.BarChart(
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

    # ================================================================ kinds
    Result = tuple[list[str], list[charts.Chart], list[Option], dict[str, Any]]

    def _help(self, q: Query, used: Used) -> Result:
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
        for group in self.catalog.groups:
            inds = [i for i in self.catalog.indicators if i.group == group]
            if not inds:
                continue
            names = "、".join(self._mark(i.id) + i.name for i in inds)
            lines.append(f"【{group}】{names}")
        return lines, [], [], {}

    def _mark(self, ind_id: str) -> str:
        s = self.store.series(ind_id)
        return "◎" if s is not None and not s.sample else "○"

    def _unknown_indicator(self, q: Query, used: Used) -> Result:
        lines = ["どの指標についてのご質問か分かりませんでした。次の指標についてお答えできます。"]
        for group in self.catalog.groups:
            inds = [i.name for i in self.catalog.indicators if i.group == group]
            if inds:
                lines.append(f"【{group}】" + "、".join(inds))
        opts = [Option(f"data:ind:{i}", self.ind(i).name) for i in q.indicator_suggestions[:5]]
        if q.munis and len(q.munis) == 1:
            opts.append(Option("data:sheet", f"{self.name(q.munis[0])}の指標一覧"))
        if opts:
            lines.insert(1, "もしかして: " + "、".join(o.label for o in opts[:5]))
        return lines, [], opts, {}

    # ------------------------------------------------------------- lookup
    def _lookup(self, q: Query, used: Used) -> Result:
        code = q.munis[0]
        m = self.geo.munis[code]
        lines: list[str] = []
        chart_list: list[charts.Chart] = []
        scope = (m.pref_code,)
        for ind_id in q.indicators:
            ind = self.ind(ind_id)
            if ind.is_projection:
                lines += self._projection_lines(ind, code, q, used)
                if not chart_list:
                    c = self._projection_chart(ind, [code], used)
                    if c is not None:
                        chart_list.append(c)
                continue
            s = self.series_for(ind, q, used)
            if s is None:
                lines.append(f"{ind.name}のデータがありません。")
                continue
            v = s.values.get(code)
            if v is None:
                lines.append(
                    f"{m.label}の{ind.name}（{self.period(s)}）はデータがありません"
                    f"（{self.missing_reason(ind, code)}）。"
                )
                continue
            pos = self.position(s, code, scope, ind)
            extra = ""
            if ind.id.endswith(("_increase", "_increase_rate")):
                base = self.store.series(ind.id.split("_")[0], s.year)
                end = self.store.series(ind.id.split("_")[0], s.end_year) if s.end_year else None
                if base is not None and end is not None:
                    extra = (
                        f"（{s.year}年 {fmt_number(base.values.get(code), '人')} → "
                        f"{s.end_year}年 {fmt_number(end.values.get(code), '人')}）"
                    )
            label = "今後10年" if s.end_year and s.end_year - s.year == 10 else "期間"
            when = f"{label}: {self.period(s)}" if s.end_year else self.period(s)
            lines.append(
                f"{m.label}の{ind.name}（{when}）は {self.fmt(ind, v)} です{extra}。"
                + (f"{pos}です。" if pos else "")
            )
            lines += self._area_lines(ind, s, code)
            if not chart_list:
                bar = self.pref_bar(ind, s, scope, [code], used)
                if bar is not None:
                    chart_list.append(bar)
        return lines, chart_list, [], {}

    def _area_lines(self, ind: Indicator, s: Series, code: str) -> list[str]:
        areas = s.areas.get(code)
        if not areas:
            return []
        parts = [f"{a} {self.fmt(ind, v)}" for a, v in areas.items()]
        return ["　圏域別: " + "、".join(parts)]

    def _projection_lines(self, ind: Indicator, code: str, q: Query, used: Used) -> list[str]:
        m = self.geo.munis[code]
        vals = {y: s.values.get(code) for y in IPSS_YEARS if (s := self.store.series(ind.id, y))}
        used.add(ind, self.store.series(ind.id, IPSS_YEARS[0]))
        for y in IPSS_YEARS:
            used.sources.setdefault(ind.source, set()).add(y)
        if all(v is None for v in vals.values()):
            return [
                f"{m.label}の{ind.name}はデータがありません（{self.missing_reason(ind, code)}）。"
            ]
        base = self.store.base_year
        end = base + 10
        if q.years:
            shown = [y for y in q.years if y in vals]
            head = "、".join(f"{y}年 {fmt_number(vals[y], '人')}" for y in shown)
            if not shown:
                used.note(
                    f"推計は 2015〜2045 年の5年ごとです（{'、'.join(map(str, q.years))}年はありません）。"
                )
                head = "、".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
        else:
            head = " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
        out = [f"{m.label}の{ind.name}（{self.catalog.sources[ind.source].short}）: {head}"]
        v0, v1 = vals.get(base), vals.get(end)
        if v0 is not None and v1 is not None:
            out.append(
                f"今後10年（{base}年→{end}年）の増加: {fmt_signed(v1 - v0, '人')}"
                f"（{fmt_signed((v1 / v0 - 1) * 100, '%', 1)}）"
            )
        return out

    def _projection_chart(
        self, ind: Indicator, codes: Sequence[str], used: Used, prefs: Sequence[str] = ()
    ) -> charts.LineChart | None:
        series: list[tuple[str, tuple[float | None, ...]]] = []
        for c in codes:
            vals = tuple(
                (s.values.get(c) if (s := self.store.series(ind.id, y)) else None)
                for y in IPSS_YEARS
            )
            if any(v is not None for v in vals):
                series.append((self.name(c), vals))
        for p in prefs:
            vals = tuple(
                (s.pref_values.get(p) if (s := self.store.series(ind.id, y)) else None)
                for y in IPSS_YEARS
            )
            if any(v is not None for v in vals):
                series.append((self.geo.prefs[p].name, vals))
        if not series:
            return None
        who = "・".join(lab for lab, _ in series[:4])
        return charts.LineChart(
            title=f"{ind.name}（{who}）",
            years=IPSS_YEARS,
            series=tuple(series),
            highlight=(0,) if len(series) == 1 else (),
            unit="人",
            note=self.chart_note(used),
        )

    # ------------------------------------------------------------ compare
    def _compare(self, q: Query, used: Used) -> Result:
        codes = list(q.munis)
        lines: list[str] = [f"{'・'.join(self.name(c) for c in codes)}の比較です。"]
        chart_list: list[charts.Chart] = []
        for ind_id in q.indicators:
            ind = self.ind(ind_id)
            if ind.is_projection and not q.years:
                lines.append(f"■{ind.name}")
                for c in codes:
                    lines += ["　" + x for x in self._projection_lines(ind, c, q, used)]
                if not chart_list:
                    ch = self._projection_chart(ind, codes, used)
                    if ch:
                        chart_list.append(ch)
                continue
            s = self.series_for(ind, q, used)
            if s is None:
                lines.append(f"{ind.name}のデータがありません。")
                continue
            lines.append(f"■{ind.name}（{self.period(s)}）")
            for c in codes:
                v = s.values.get(c)
                pref = (self.geo.munis[c].pref_code,)
                if v is None:
                    lines.append(
                        f"・{self.name(c, True)}: データなし（{self.missing_reason(ind, c)}）"
                    )
                    continue
                pos = self.position(s, c, pref, ind)
                lines.append(
                    f"・{self.name(c, True)}: {self.fmt(ind, v)}" + (f"（{pos}）" if pos else "")
                )
            have = [(c, x) for c in codes if (x := s.values.get(c)) is not None]
            if len(have) == 2:
                (c0, v0), (c1, v1) = have
                diff = v0 - v1
                unit = "ポイント" if ind.is_percent else unit_suffix(ind.unit)
                if diff == 0:
                    lines.append(f"　{self.name(c0)}と{self.name(c1)}は同じ値です。")
                else:
                    hi = c0 if diff > 0 else c1
                    word = "高い" if not ind.unit.startswith("人") else "多い"
                    lines.append(
                        f"　{self.name(hi)}のほうが {fmt_number(abs(diff), '', ind.decimals)}{unit} {word}です。"
                    )
            if not chart_list and have:
                chart_list.append(
                    charts.BarChart(
                        title=f"{ind.name}（{self.period(s)}）",
                        labels=tuple(self.name(c) for c, _ in have),
                        values=tuple(v for _, v in have),
                        highlight=tuple(range(len(have))) if len(have) <= 2 else (0,),
                        unit=ind.unit,
                        note=self.chart_note(used),
                    )
                )
        return lines, chart_list, [], {}

    # --------------------------------------------------------------- rank
    def _rank(self, q: Query, used: Used) -> Result:
        ind = self.ind(q.indicators[0])
        scope = self.default_scope(q)
        s = self.series_for(ind, q, used)
        if s is None:
            return [f"{ind.name}のデータがありません。"], [], [], {}
        desc = q.order != "asc"
        codes = self.scope_codes(scope)
        ranked = self.ranked(s, codes, desc)
        n = q.top_n or 10
        word = "高い" if desc else "低い"
        if ind.unit.startswith("人") and not ind.is_percent:
            word = "多い" if desc else "少ない"
        when = f"今後10年: {self.period(s)}" if s.end_year else self.period(s)
        lines = [
            f"{self.scope_name(scope)}で{ind.name}が{word}市町村（{when}）上位{min(n, len(ranked))}位です。"
        ]
        multi = scope is None or len(scope) > 1
        top = ranked[:n]
        for i, (c, v) in enumerate(top, start=1):
            rank = 1 + sum(1 for _, x in ranked if (x > v if desc else x < v))
            lines.append(f"{rank}. {self.name(c, multi)} {self.fmt(ind, v)}")
            _ = i
        for c in q.munis:
            if c not in {k for k, _ in top} and s.values.get(c) is not None:
                pos = self.position(s, c, scope, ind)
                lines.append(f"（{self.name(c)}: {self.fmt(ind, s.values[c])}、{pos}）")
        missing = self.missing_in(s, codes)
        if missing:
            shown = "、".join(self.name(c, multi) for c in missing[:5])
            more = f" ほか{len(missing) - 5}" if len(missing) > 5 else ""
            lines.append(f"データなし（順位の対象外）: {shown}{more}（{len(missing)}市町村）")
            if scope is None and ind.source == "ipss2018":
                used.note("社人研（平成30年推計）には福島県の市町村別の推計がありません。")
        chart = charts.BarChart(
            title=f"{ind.name}（{when}・{self.scope_name(scope)}）{word}順",
            labels=tuple(self.name(c, False) for c, _ in top),
            values=tuple(v for _, v in top),
            highlight=tuple(i for i, (c, _) in enumerate(top) if c in q.munis),
            unit=ind.unit,
            note=self.chart_note(used),
            horizontal=True,
        )
        return lines, [chart] if top else [], [], {}

    # -------------------------------------------------------------- stats
    def _stats(self, q: Query, used: Used) -> Result:
        scope = self.default_scope(q)
        lines: list[str] = []
        chart_list: list[charts.Chart] = []
        for ind_id in q.indicators:
            ind = self.ind(ind_id)
            if ind.is_projection and not q.years and not q.munis:
                prefs = list(scope or [])
                lines.append(f"{ind.name}（{self.catalog.sources[ind.source].short}）")
                for p in prefs[:7]:
                    vals = {
                        y: s.pref_values.get(p)
                        for y in IPSS_YEARS
                        if (s := self.store.series(ind.id, y))
                    }
                    lines.append(
                        f"・{self.geo.prefs[p].name}: "
                        + " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
                    )
                    used.add(ind, self.store.series(ind.id, IPSS_YEARS[0]))
                    for y in IPSS_YEARS:
                        used.sources.setdefault(ind.source, set()).add(y)
                ch = self._projection_chart(ind, [], used, prefs[:7])
                if ch and not chart_list:
                    chart_list.append(ch)
                continue
            s = self.series_for(ind, q, used)
            if s is None:
                lines.append(f"{ind.name}のデータがありません。")
                continue
            codes = self.scope_codes(scope)
            nums = [v for c in codes if (v := s.values.get(c)) is not None]
            if not nums:
                lines.append(f"{self.scope_name(scope)}の{ind.name}はデータがありません。")
                continue
            mean, med = statistics.fmean(nums), statistics.median(nums)
            when = f"今後10年: {self.period(s)}" if s.end_year else self.period(s)
            lines.append(f"{self.scope_name(scope)}の{ind.name}（{when}、{len(nums)}市町村）")
            lines.append(
                f"・市町村の平均 {self.fmt(ind, mean)}、中央値 {self.fmt(ind, med)}"
                f"（最小 {self.fmt(ind, min(nums))}〜最大 {self.fmt(ind, max(nums))}）"
            )
            if scope is not None and len(scope) >= 1 and s.pref_values:
                for p in scope[:7]:
                    pv = s.pref_values.get(p)
                    if pv is not None:
                        lines.append(f"・{self.geo.prefs[p].name}全体: {self.fmt(ind, pv)}")
            missing = self.missing_in(s, codes)
            if missing:
                lines.append(
                    f"・データなし: {len(missing)}市町村（平均・中央値の計算から除いています）"
                )
            for c in q.munis:
                if s.values.get(c) is not None:
                    lines.append(f"・{self.name(c)}: {self.fmt(ind, s.values[c])}")
            if not chart_list:
                if scope is not None and len(scope) == 1:
                    bar = self.pref_bar(ind, s, scope, list(q.munis), used)
                    if bar:
                        chart_list.append(bar)
                else:
                    groups = sorted({self.geo.munis[c].pref_code for c in codes})
                    meds = []
                    for p in groups:
                        pvals = [
                            v
                            for c in codes
                            if self.geo.munis[c].pref_code == p
                            and (v := s.values.get(c)) is not None
                        ]
                        if pvals:
                            meds.append((self.geo.prefs[p].name, statistics.median(pvals)))
                    if meds:
                        chart_list.append(
                            charts.BarChart(
                                title=f"{ind.name}の府県別中央値（{self.period(s)}）",
                                labels=tuple(x for x, _ in meds),
                                values=tuple(v for _, v in meds),
                                unit=ind.unit,
                                note=self.chart_note(used),
                                ref_lines=(("全体の中央値", med),),
                            )
                        )
        return lines, chart_list, [], {}

    # ----------------------------------------------------------- position
    def _position(self, q: Query, used: Used) -> Result:
        code = q.munis[0]
        m = self.geo.munis[code]
        scope = q.scope_prefs if (q.national or q.region or q.prefs) else (m.pref_code,)
        if q.prefs and m.pref_code not in q.prefs and not (q.national or q.region):
            scope = (m.pref_code,)
        lines: list[str] = []
        chart_list: list[charts.Chart] = []
        for ind_id in q.indicators:
            ind = self.ind(ind_id)
            if ind.is_projection and not q.years:
                ind = self.ind(ind.id + "_increase_rate")
            s = self.series_for(ind, q, used)
            if s is None or s.values.get(code) is None:
                lines.append(
                    f"{m.label}の{ind.name}はデータがありません（{self.missing_reason(ind, code)}）。"
                )
                continue
            codes = self.scope_codes(scope)
            v = s.values[code]
            assert v is not None
            ranked_desc = self.ranked(s, codes, True)
            rank_hi = 1 + sum(1 for _, x in ranked_desc if x > v)
            rank_lo = 1 + sum(1 for _, x in ranked_desc if x < v)
            pct = self.percentile(s, code, codes)
            vals = [x for _, x in ranked_desc]
            when = f"今後10年: {self.period(s)}" if s.end_year else self.period(s)
            lines.append(
                f"{m.label}の{ind.name}（{when}）は {self.fmt(ind, v)} で、"
                f"{self.scope_name(scope)}内 {len(vals)}市町村中 高い順に{rank_hi}位（低い順に{rank_lo}位）、"
                f"パーセンタイル {pct:.0f} です。"
            )
            lines.append(
                f"　{self.scope_name(scope)}の中央値 {self.fmt(ind, statistics.median(vals))}、"
                f"平均 {self.fmt(ind, statistics.fmean(vals))}。"
            )
            if not chart_list:
                ch = self.pref_bar(ind, s, scope, [code], used)
                if ch:
                    chart_list.append(ch)
        return lines, chart_list, [], {}

    # ------------------------------------------------------------- series
    def _series_answer(self, q: Query, used: Used) -> Result:
        ind = next(self.ind(i) for i in q.indicators if self.ind(i).is_projection)
        lines: list[str] = []
        for c in q.munis:
            lines += self._projection_lines(ind, c, _replace_years(q, ()), used)
        prefs = [] if q.munis else list(q.prefs or [])
        for p in prefs:
            vals = {
                y: s.pref_values.get(p) for y in IPSS_YEARS if (s := self.store.series(ind.id, y))
            }
            lines.append(
                f"{self.geo.prefs[p].name}の{ind.name}: "
                + " → ".join(f"{y}年 {fmt_number(v, '人')}" for y, v in vals.items())
            )
            used.add(ind, self.store.series(ind.id, IPSS_YEARS[0]))
        for y in IPSS_YEARS:
            used.sources.setdefault(ind.source, set()).add(y)
        ch = self._projection_chart(ind, list(q.munis), used, prefs)
        return lines, [ch] if ch else [], [], {}

    # -------------------------------------------------------------- sheet
    def _sheet(self, q: Query, used: Used) -> Result:
        code = q.munis[0]
        m = self.geo.munis[code]
        scope = (m.pref_code,)
        pref_name = self.geo.prefs[m.pref_code].name
        lines = [f"{m.label}の指標一覧です（報告書 図表2-3 に相当。順位は{pref_name}内・高い順）。"]
        by_group: dict[str, list[str]] = {}
        profile: list[tuple[str, float]] = []
        ids = [i for i in SHEET_ORDER] + [
            i.id
            for i in self.catalog.indicators
            if i.id not in SHEET_ORDER and not i.id.startswith("cert_rate_")
        ]
        for ind_id in ids:
            ind = self.ind(ind_id)
            if ind.is_projection:
                b, e = self.store.base_year, self.store.base_year + 10
                sb, se = self.store.series(ind.id, b), self.store.series(ind.id, e)
                if sb is None or se is None:
                    continue
                used.add(ind, sb)
                used.add(ind, se)
                text = (
                    f"{ind.name}: {b}年 {fmt_number(sb.values.get(code), '人')} → "
                    f"{e}年 {fmt_number(se.values.get(code), '人')}"
                )
                by_group.setdefault(ind.group, []).append(text)
                continue
            s = self.store.series(ind.id)
            if s is None:
                continue
            used.add(ind, s)
            v = s.values.get(code)
            mark = "（サンプル）" if s.sample else ""
            if v is None:
                by_group.setdefault(ind.group, []).append(
                    f"{ind.name}（{self.period(s)}）{mark}: データなし"
                )
                continue
            codes = self.scope_codes(scope)
            ranked = self.ranked(s, codes, True)
            rank = 1 + sum(1 for _, x in ranked if x > v)
            med = statistics.median(x for _, x in ranked)
            by_group.setdefault(ind.group, []).append(
                f"{ind.name}（{self.period(s)}）{mark}: {self.fmt(ind, v)}"
                f"（{len(ranked)}中 {rank}位、中央値 {self.fmt(ind, med)}）"
            )
            pct = self.percentile(s, code, codes)
            if pct is not None and ind_id in SHEET_ORDER and not ind.unit.startswith("人"):
                profile.append((ind.name + ("＊" if s.sample else ""), pct))
            if ind.id == "pop75_increase_rate" or ind.id == "pop85_increase_rate":
                pass
        for group in self.catalog.groups:
            if group in by_group:
                lines.append(f"【{group}】")
                lines += ["・" + t for t in by_group[group]]
        # The two viewpoints, one line each
        for key in ("prevention", "benefit"):
            quad = self._quadrant(key, code, scope, used)
            if quad:
                lines.append(f"【{VIEWPOINTS[key]['title']}】{quad}")
        chart_list: list[charts.Chart] = []
        if profile:
            chart_list.append(
                charts.BarChart(
                    title=f"{m.name}の指標の位置（{pref_name}内パーセンタイル、＊はサンプル）",
                    labels=tuple(x for x, _ in profile),
                    values=tuple(v for _, v in profile),
                    unit="パーセンタイル（0=最も低い、100=最も高い）",
                    note=self.chart_note(used),
                    ref_lines=(("中央", 50.0),),
                    horizontal=True,
                )
            )
        return lines, chart_list, [], {}

    # ---------------------------------------------------------- viewpoint
    def _vp_series(self, key: str, used: Used) -> tuple[Series | None, Series | None]:
        vp = VIEWPOINTS[key]
        sx = self.store.series(str(vp["x"]), self.store.base_year)
        sy = self.store.series(str(vp["y"]))
        used.add(self.ind(str(vp["x"])), sx)
        used.add(self.ind(str(vp["y"])), sy)
        return sx, sy

    def _quadrant(self, key: str, code: str, scope: Sequence[str], used: Used) -> str:
        vp = VIEWPOINTS[key]
        sx, sy = self._vp_series(key, used)
        if sx is None or sy is None:
            return ""
        codes = self.scope_codes(scope)
        pts = [
            (c, x, y)
            for c in codes
            if (x := sx.values.get(c)) is not None and (y := sy.values.get(c)) is not None
        ]
        x, y = sx.values.get(code), sy.values.get(code)
        ix, iy = self.ind(str(vp["x"])), self.ind(str(vp["y"]))
        if x is None or y is None or not pts:
            return f"{ix.name}か{iy.name}のデータがないため判定できません。"
        mx = statistics.median(p[1] for p in pts)
        my = statistics.median(p[2] for p in pts)
        hx = "高い" if x > mx else "低い"
        hy = "高い" if y > my else "低い"
        concern = x > mx and ((y < my) if key == "prevention" else (y > my))
        verdict = (
            f"→ 「{vp['concern']}」の象限です。"
            if concern
            else f"→ 「{vp['concern']}」の象限ではありません。"
        )
        return (
            f"{ix.name}（{self.period(sx)}） {self.fmt(ix, x)}（中央値 {self.fmt(ix, mx)}より{hx}）、"
            f"{iy.name} {self.fmt(iy, y)}（中央値 {self.fmt(iy, my)}より{hy}） {verdict}"
        )

    def _viewpoint(self, q: Query, used: Used) -> Result:
        lines: list[str] = []
        chart_list: list[charts.Chart] = []
        for key in q.viewpoints:
            vp = VIEWPOINTS[key]
            ix, iy = self.ind(str(vp["x"])), self.ind(str(vp["y"]))
            sx, sy = self._vp_series(key, used)
            if sx is None or sy is None:
                lines.append(f"{vp['title']}: {ix.name}か{iy.name}のデータがありません。")
                continue
            if q.munis:
                groups = sorted({self.geo.munis[c].pref_code for c in q.munis})
            elif q.prefs and not q.region and not q.national:
                groups = list(q.prefs)
            else:
                groups = list(KINKI_PREFS)
            lines.append(f"■{vp['title']}（{ix.name} × {iy.name}、各府県の中央値で4つに区分）")
            for p in groups:
                codes = self.scope_codes((p,))
                pts = [
                    (c, x, y)
                    for c in codes
                    if (x := sx.values.get(c)) is not None and (y := sy.values.get(c)) is not None
                ]
                if not pts:
                    continue
                mx = statistics.median(t[1] for t in pts)
                my = statistics.median(t[2] for t in pts)
                asked = [c for c in q.munis if self.geo.munis[c].pref_code == p]
                for c in asked:
                    lines.append(f"・{self.name(c, True)}: " + self._quadrant(key, c, (p,), used))
                if not asked:
                    hits = [
                        c
                        for c, x, y in pts
                        if x > mx and ((y < my) if key == "prevention" else (y > my))
                    ]
                    names = "、".join(self.name(c) for c in hits) or "なし"
                    lines.append(
                        f"・{self.geo.prefs[p].name}で「{vp['concern']}」の象限（{vp['desc']}）: {names}（{len(hits)}市町村）"
                    )
                if len(chart_list) < 2 and (asked or len(groups) == 1):
                    idx = {c: i for i, (c, _, _) in enumerate(pts)}
                    chart_list.append(
                        charts.ScatterChart(
                            title=f"{vp['title']}（{self.geo.prefs[p].name}）",
                            labels=tuple(self.name(c) for c, _, _ in pts),
                            xs=tuple(x for _, x, _ in pts),
                            ys=tuple(y for _, _, y in pts),
                            xlabel=f"{ix.name}（{self.period(sx)}、%）",
                            ylabel=f"{iy.name}（{iy.unit}）",
                            xline=mx,
                            yline=my,
                            highlight=tuple(idx[c] for c in asked if c in idx),
                            quadrant_text=str(vp["concern"]),
                            quadrant=str(vp["quadrant"]),
                            note=self.chart_note(used),
                        )
                    )
        return lines, chart_list, [], {}

    # ---------------------------------------------------------------- age
    def _age(self, q: Query, used: Used) -> Result:
        from analytics.tables import juki_age_profile

        code = q.munis[0]
        prof = juki_age_profile(self.data_dir, code)
        ind = self.ind("juki_total")
        if prof is None:
            return [f"{self.name(code, True)}の年齢別人口はデータがありません。"], [], [], {}
        used.add(ind, self.store.series("juki_total"))
        labels = tuple(
            k.removeprefix("age_").replace("_", "〜").replace("plus", "")
            + ("歳以上" if "plus" in k else "歳")
            for k in prof
        )
        lines = [f"{self.name(code, True)}の年齢別人口（住民基本台帳 2023年1月1日）:"]
        lines.append(
            "、".join(
                f"{lab} {fmt_number(v, '人')}" for lab, v in zip(labels, prof.values(), strict=True)
            )
        )
        chart = charts.BarChart(
            title=f"{self.name(code)}の5歳階級別人口（2023年1月1日）",
            labels=labels,
            values=tuple(prof.values()),
            unit="人",
            note=self.chart_note(used),
            horizontal=True,
        )
        return lines, [chart], [], {}


def _replace_years(q: Query, years: tuple[int, ...]) -> Query:
    from dataclasses import replace

    return replace(q, years=years)
