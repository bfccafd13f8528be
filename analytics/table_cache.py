"""The bundled indicator tables, parsed once and kept in the cache folder.

Parsing the raw CSVs (validation included) is most of the data service's start-up; the
result only changes with the files or the code that reads them, which form the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analytics import catalog as catalog_mod
from analytics import geo as geo_mod
from analytics import importer as importer_mod
from analytics import tables as tables_mod
from analytics.catalog import Catalog, load_catalog
from analytics.geo import Gazetteer
from analytics.importer import parse_rows
from analytics.tables import RAW_FILES, Series, add_derived, build_series, load_real
from bot.storage.pickle_cache import cached, source_key


@dataclass(frozen=True)
class BundledTables:
    catalog: Catalog
    geo: Gazetteer
    real: dict[tuple[str, int], Series]
    sample: dict[tuple[str, int], Series]


def build_tables(data_dir: Path, base_year: int) -> BundledTables:
    catalog = load_catalog(data_dir / RAW_FILES["catalog"])
    geo = Gazetteer.from_csv(data_dir / RAW_FILES["master"], data_dir / RAW_FILES["juki"])
    real = load_real(data_dir, geo, base_year)
    sample: dict[tuple[str, int], Series] = {}
    sample_path = data_dir / RAW_FILES["sample"]
    if sample_path.exists():
        values, _warn = parse_rows(sample_path, catalog, geo, force_sample=True)
        sample = build_series(
            ((v.indicator, v.year, v.code5, v.area, v.value, True, "sample") for v in values),
            geo,
        )
        add_derived(sample, catalog)
    return BundledTables(catalog, geo, real, sample)


def tables_key(data_dir: Path, base_year: int) -> str:
    parts = [str(base_year).encode()]
    for name in sorted(RAW_FILES):
        path = data_dir / RAW_FILES[name]
        parts.append(name.encode())
        parts.append(path.read_bytes() if path.exists() else b"\0missing")
    return source_key(parts, (catalog_mod, geo_mod, importer_mod, tables_mod))


def load_tables(data_dir: Path, base_year: int, cache_dir: Path | None) -> BundledTables:
    """The parsed tables, from the cache when the files and the code are unchanged."""
    if cache_dir is None:
        return build_tables(data_dir, base_year)
    key = tables_key(data_dir, base_year)
    return cached(
        cache_dir, "tables", key, BundledTables, lambda: build_tables(data_dir, base_year)
    )
