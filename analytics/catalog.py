"""The indicator catalog: what each indicator is called, measured in, and where it comes from.

Kept as YAML in ``data/indicators/catalog.yaml`` so staff can add aliases without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.text.normalize import squeeze

DIRECTIONS = ("higher_better", "higher_worse", "neutral")

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed


class CatalogError(ValueError):
    """The catalog file is malformed (message in Japanese, naming the entry)."""


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    short: str
    credit: str


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    aliases: tuple[str, ...]
    unit: str
    source: str
    years: tuple[int, ...]
    direction: str
    definition: str
    values: str  # "real" | "sample"
    group: str
    decimals: int = 0
    derived: bool = False

    @property
    def is_real(self) -> bool:
        return self.values == "real"

    @property
    def is_projection(self) -> bool:
        return self.id in ("pop75", "pop85")

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


@dataclass(frozen=True)
class Catalog:
    indicators: tuple[Indicator, ...]
    sources: dict[str, Source]
    groups: tuple[str, ...]

    def get(self, ind_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)

    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    @cached_property
    def _names(self) -> dict[str, Indicator]:
        names: dict[str, Indicator] = {}
        for ind in self.indicators:
            for form in (ind.id, ind.name, *ind.aliases):
                names.setdefault(squeeze(form), ind)
        return names

    def lookup_name(self, text: str) -> Indicator | None:
        """Exact match on id, display name or alias (used by the importer's header matching)."""
        return self._names.get(squeeze(text))

    def surface_forms(self) -> dict[str, str]:
        """Every name and alias (normalised) → indicator id; longer forms win in the parser."""
        forms: dict[str, str] = {}
        for ind in self.indicators:
            for form in (ind.name, *ind.aliases):
                forms.setdefault(squeeze(form), ind.id)
        return forms


def load_catalog(path: Path) -> Catalog:
    """Read and check the catalog; errors name the entry and the field in Japanese."""
    try:
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"指標カタログ {path} を読み込めません: {exc}") from exc
    sources = {
        key: Source(key, s["label"], s.get("short", s["label"]), s.get("credit", s["label"]))
        for key, s in (raw.get("sources") or {}).items()
    }
    groups = tuple(raw.get("groups") or ())
    out: list[Indicator] = []
    seen: set[str] = set()
    for n, item in enumerate(raw.get("indicators") or [], start=1):
        where = f"{path.name} の {n} 番目の指標（id: {item.get('id', '?')}）"
        for key in ("id", "name", "unit", "source", "direction", "definition", "values", "group"):
            if key not in item:
                raise CatalogError(f"{where} に「{key}」がありません。")
        if item["id"] in seen:
            raise CatalogError(f"{where}: id が重複しています。")
        seen.add(item["id"])
        if item["source"] not in sources:
            raise CatalogError(f"{where}: 出典「{item['source']}」が sources にありません。")
        if item["direction"] not in DIRECTIONS:
            raise CatalogError(f"{where}: direction「{item['direction']}」は使えません。")
        if item["values"] not in ("real", "sample"):
            raise CatalogError(f"{where}: values は real か sample にしてください。")
        out.append(
            Indicator(
                id=str(item["id"]),
                name=str(item["name"]),
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
                unit=str(item["unit"]),
                source=str(item["source"]),
                years=tuple(int(y) for y in item.get("years") or ()),
                direction=str(item["direction"]),
                definition=str(item["definition"]),
                values=str(item["values"]),
                group=str(item["group"]),
                decimals=int(item.get("decimals", 0)),
                derived=bool(item.get("derived", False)),
            )
        )
    return Catalog(tuple(out), sources, groups)
