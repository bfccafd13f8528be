"""``Answerer``: parse a question, ask back when a place is ambiguous or unknown, else hand the
``Query`` to the handler of its kind and assemble the reply (notes, 出典, sample mark, charts).

The handlers are plain functions in a table keyed by ``Query.kind``; each kind's module knows
nothing of the others' except the projection lines and the viewpoint quadrant it reuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analytics import charts
from analytics.answers import (
    age,
    compare,
    guide,
    lookup,
    position,
    projection,
    ranking,
    sheet,
    stats,
    versus,
    viewpoint,
)
from analytics.answers.common import Context, Handler, Used
from analytics.catalog import Catalog
from analytics.chart_spec import Chart
from analytics.geo import Gazetteer
from analytics.query import KINDS, Kind, Parser, Query
from analytics.tables import DataStore
from bot.core.replies import DataReply, Option
from bot.text.prepared import Prepared

HANDLERS: Mapping[Kind, Handler] = {
    "help": guide.catalog_help,
    "unknown_indicator": guide.unknown_indicator,
    "unsupported": guide.unsupported,
    "lookup": lookup.answer,
    "compare": compare.answer,
    "versus": versus.answer,
    "rank": ranking.answer,
    "stats": stats.answer,
    "position": position.answer,
    "series": projection.series,
    "sheet": sheet.answer,
    "viewpoint": viewpoint.answer,
    "age": age.answer,
}
if set(HANDLERS) != set(KINDS):  # a new kind without a handler fails at import, not at a user
    raise RuntimeError(f"question kinds without a handler: {set(KINDS) - set(HANDLERS)}")

# Kinds that name one municipality: an unknown place name is asked back even when another
# place was found
_ONE_PLACE: frozenset[Kind] = frozenset(
    {"compare", "lookup", "position", "series", "sheet", "versus"}
)
# Kinds whose tables have no ward rows at all: a ward is answered for its city, said first
_CITY_ONLY: frozenset[Kind] = frozenset({"sheet", "viewpoint", "series"})


@dataclass
class Answerer:
    catalog: Catalog
    geo: Gazetteer
    store: DataStore
    parser: Parser
    chart_dir: Path
    data_dir: Path
    context: Context = field(init=False)

    def __post_init__(self) -> None:
        self.context = Context(self.catalog, self.geo, self.store, self.data_dir)

    def answer(
        self,
        text: str | Prepared,
        forced: Mapping[str, str] | None = None,
        forced_indicators: tuple[str, ...] = (),
        render: bool = True,
    ) -> DataReply:
        q = self.parser.parse(text, forced, forced_indicators)
        follow: dict[str, Any] = {
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
                context={**follow, "span": a.span},
            )
        pending = [(s, c) for s, c in q.unknown_places if c]
        if pending and (not q.munis or q.kind in _ONE_PLACE):
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
                context={**follow, "span": span},
            )
        used = Used()
        for span, code in q.corrected:
            used.note(f"「{span}」は「{self.geo.full_name(code)}」として回答しています。")
        for span, _codes in q.unknown_places:
            if not _codes:
                used.note(f"「{span}」という市区町村は見つかりませんでした。")
        for line in guide.unsupported_lines(self.context, q):
            used.cannot(line)
        q = self._wards_to_cities(q, used)
        result = HANDLERS[q.kind](self.context, q, used)
        paths: tuple[str, ...] = ()
        if render and result.charts:
            paths = tuple(str(charts.render(c, self.chart_dir)) for c in result.charts)
        body = "\n".join([*used.unmet, *result.lines])
        if used.notes:
            body += "\n" + "\n".join(f"（注）{n}" for n in used.notes)
        footer = self.context.footer(used)
        if footer:
            body += "\n" + footer
        return DataReply(
            text=body,
            options=tuple(result.options),
            charts=paths,
            sample=used.sample,
        )

    def _wards_to_cities(self, q: Query, used: Used) -> Query:
        """Kinds whose tables have no ward rows answer for the city, saying so first; ranks and
        averages only highlight the asked places, so a ward is its city there."""
        wards = [c for c in q.munis if self.geo.munis[c].level == "designated_city_ward"]
        if not wards or q.kind in ("lookup", "compare", "position", "versus", "age"):
            return q
        if q.kind in _CITY_ONLY:
            what = {"sheet": "指標一覧", "viewpoint": "2つの観点の区分", "series": "将来推計"}
            for c in wards:
                city = self.geo.resolve_unit(c)
                used.cannot(
                    f"{self.geo.full_name(c)}の{what[q.kind]}はお答えできません"
                    f"（政令市の区の値がある表は住民基本台帳だけです）。"
                    f"{self.geo.full_name(city)}全体についてお答えします。"
                )
        cities: list[str] = []
        for c in q.munis:
            city = self.geo.resolve_unit(c)
            if city not in cities:
                cities.append(city)
        return replace(q, munis=tuple(cities))

    def chart_specs(self, text: str | Prepared) -> list[Chart]:
        """The charts an answer would render (used by the benchmark to time rendering alone)."""
        q = self.parser.parse(text)
        if q.ambiguous is not None:
            return []
        used = Used()
        q = self._wards_to_cities(q, used)
        return list(HANDLERS[q.kind](self.context, q, used).charts)
