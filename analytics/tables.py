"""Indicator values in memory: the real statistics from ``data/raw``, imported values from the
database, and the bundled sample for indicators nobody has imported yet.

Everything is loaded once per process into plain dicts so an answer is a few dict look-ups.
Precedence per indicator: values imported into the database, else the real bundled statistics,
else the bundled sample (clearly flagged as sample).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select

from analytics.catalog import Catalog
from analytics.geo import KINKI_PREFS, Gazetteer

IPSS_YEARS = (2015, 2020, 2025, 2030, 2035, 2040, 2045)
AGE75 = ("age_75_79", "age_80_84", "age_85_89", "age_90plus")
AGE85 = ("age_85_89", "age_90plus")
JUKI_AGES = [
    "age_0_4",
    "age_5_9",
    "age_10_14",
    "age_15_19",
    "age_20_24",
    "age_25_29",
    "age_30_34",
    "age_35_39",
    "age_40_44",
    "age_45_49",
    "age_50_54",
    "age_55_59",
    "age_60_64",
    "age_65_69",
    "age_70_74",
    "age_75_79",
    "age_80_84",
    "age_85_89",
    "age_90_94",
    "age_95_99",
    "age_100plus",
]
JUKI65 = JUKI_AGES[13:]
JUKI75 = JUKI_AGES[15:]
JUKI85 = JUKI_AGES[17:]

RAW_FILES = {
    "master": "raw/municipalities_jisx0402.csv",
    "ipss": "raw/ipss2018_projection_75plus.csv",
    "juki": "raw/population_juki_2023-01-01_age5_total.csv",
    "ssdse": "raw/ssdse_a_2025_trimmed.csv",
    "catalog": "indicators/catalog.yaml",
    "sample": "sample/indicators_sample.csv",
}

Values = dict[str, float | None]
# Keys of ``Series.pref_values`` beyond the two-digit prefecture codes
NATION = "00"
KINKI = "kinki"


@dataclass(frozen=True)
class Series:
    """One indicator in one year: values per municipality (code5), plus optional small areas."""

    indicator: str
    year: int
    values: Mapping[str, float | None]
    sample: bool
    origin: str  # "real", "sample", or the imported file name
    # whole-area values: pref code "27", and for real data NATION ("00") and KINKI ("kinki")
    pref_values: Mapping[str, float | None] = field(default_factory=dict)
    areas: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    end_year: int | None = None  # for 「今後10年」 increases: the end of the period


@dataclass
class DataStore:
    catalog: Catalog
    geo: Gazetteer
    base_year: int
    real: dict[tuple[str, int], Series]
    sample: dict[tuple[str, int], Series]
    imported: dict[tuple[str, int], Series] = field(default_factory=dict)
    imported_origin: dict[tuple[str, int], str] = field(default_factory=dict)
    batch_marker: int = 0

    # ------------------------------------------------------------------ access
    def layer(self, ind_id: str) -> dict[tuple[str, int], Series]:
        """The layer that answers for ``ind_id`` (see module docstring)."""
        if any(k[0] == ind_id for k in self.imported):
            return self.imported
        if any(k[0] == ind_id for k in self.real):
            return self.real
        return self.sample

    def years(self, ind_id: str) -> list[int]:
        return sorted(y for (i, y) in self.layer(ind_id) if i == ind_id)

    def default_year(self, ind_id: str) -> int | None:
        years = self.years(ind_id)
        if not years:
            return None
        ind = self.catalog.get(ind_id)
        if ind.is_projection or ind.id.endswith(("_increase", "_increase_rate")):
            return self.base_year if self.base_year in years else years[0]
        return years[-1]

    def series(self, ind_id: str, year: int | None = None) -> Series | None:
        if year is None:
            year = self.default_year(ind_id)
            if year is None:
                return None
        return self.layer(ind_id).get((ind_id, year))

    # -------------------------------------------------------------- DB layer
    def refresh_imported(self, engine: Engine, force: bool = False) -> None:
        """Reload imported values when an import happened since the last load (cheap check)."""
        from bot.storage.indicator_tables import ImportBatch, IndicatorValue

        with engine.connect() as conn:
            marker = conn.execute(select(func.max(ImportBatch.id))).scalar() or 0
            if marker == self.batch_marker and not force:
                return
            rows = conn.execute(
                select(
                    IndicatorValue.indicator,
                    IndicatorValue.year,
                    IndicatorValue.code5,
                    IndicatorValue.area,
                    IndicatorValue.value,
                    IndicatorValue.sample,
                    ImportBatch.file_name,
                ).join(ImportBatch, ImportBatch.id == IndicatorValue.batch_id)
            ).all()
        self.imported = build_series(
            ((r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in rows), self.geo
        )
        add_derived(self.imported, self.catalog)
        self.batch_marker = marker


def build_series(
    rows: Iterable[tuple[str, int, str, str, float | None, bool, str]], geo: Gazetteer
) -> dict[tuple[str, int], Series]:
    """Group flat (indicator, year, code5, area, value, sample, origin) rows into series."""
    vals: dict[tuple[str, int], Values] = {}
    prefs: dict[tuple[str, int], Values] = {}
    areas: dict[tuple[str, int], dict[str, Values]] = {}
    sample: dict[tuple[str, int], bool] = {}
    origin: dict[tuple[str, int], str] = {}
    for ind, year, code5, area, value, is_sample, org in rows:
        key = (ind, year)
        sample[key] = sample.get(key, False) or is_sample
        origin.setdefault(key, org)
        if code5.endswith("000") and code5[:2] in geo.prefs:
            prefs.setdefault(key, {})[code5[:2]] = value
        elif area:
            areas.setdefault(key, {}).setdefault(code5, {})[area] = value
        else:
            vals.setdefault(key, {})[code5] = value
    keys = set(vals) | set(prefs) | set(areas)
    return {
        k: Series(
            k[0],
            k[1],
            vals.get(k, {}),
            sample[k],
            origin[k],
            prefs.get(k, {}),
            areas.get(k, {}),
        )
        for k in keys
    }


def _combine(
    out: dict[tuple[str, int], Series],
    target: str,
    inputs: tuple[str, ...],
    fn: Callable[[list[float]], float],
) -> None:
    """Add a derived series wherever every input exists for a year (and none is imported)."""
    years = {y for (i, y) in out if i == inputs[0]}
    for year in sorted(years):
        if (target, year) in out or any((i, year) not in out for i in inputs):
            continue
        parts = [out[(i, year)] for i in inputs]
        codes = set(parts[0].values)
        vals: Values = {}
        for c in codes:
            xs = [p.values.get(c) for p in parts]
            nums = [x for x in xs if x is not None]
            vals[c] = None if len(nums) < len(xs) else fn(nums)
        area_vals: dict[str, Values] = {}
        for c, amap in parts[0].areas.items():
            for a in amap:
                ys = [p.areas.get(c, {}).get(a) for p in parts]
                anums = [y for y in ys if y is not None]
                if len(anums) == len(ys):
                    area_vals.setdefault(c, {})[a] = fn(anums)
        out[(target, year)] = Series(
            target,
            year,
            vals,
            any(p.sample for p in parts),
            parts[0].origin,
            {},
            area_vals,
        )


def add_derived(out: dict[tuple[str, int], Series], catalog: Catalog) -> None:
    """健康な人の割合 and the total adjusted benefit, from their inputs in the same layer."""
    ids = catalog.by_id()
    if "healthy_share" in ids:
        _combine(
            out,
            "healthy_share",
            ("cert_rate_c2", "cert_rate_c3", "cert_rate_c4", "cert_rate_c5"),
            lambda xs: 100.0 - sum(xs),
        )
    if "benefit_total" in ids:
        _combine(out, "benefit_total", ("benefit_facility", "benefit_home"), sum)


# ---------------------------------------------------------------------- real data
def _num(s: str) -> float | None:
    s = s.strip()
    if s in ("", "-", "…", "x", "X"):
        return None
    return float(s)


def load_real(data_dir: Path, geo: Gazetteer, base_year: int) -> dict[tuple[str, int], Series]:
    """Build the real indicators from the bundled raw statistics (sums of 5-year age groups)."""
    out: dict[tuple[str, int], Series] = {}
    # --- IPSS 2018: 75+/85+ per year; prefecture rows kept for prefecture totals
    p75: dict[int, Values] = {y: {} for y in IPSS_YEARS}
    p85: dict[int, Values] = {y: {} for y in IPSS_YEARS}
    pp75: dict[int, Values] = {y: {} for y in IPSS_YEARS}
    pp85: dict[int, Values] = {y: {} for y in IPSS_YEARS}
    with (data_dir / RAW_FILES["ipss"]).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            y = int(row["year"])
            a75 = float(sum(int(row[c]) for c in AGE75))
            a85 = float(sum(int(row[c]) for c in AGE85))
            code = row["code5_2024"] or row["code5"]
            if row["type"] == "prefecture":
                pp75[y][code[:2]] = a75
                pp85[y][code[:2]] = a85
            else:
                p75[y][code] = a75
                p85[y][code] = a85
    for pp in (*pp75.values(), *pp85.values()):
        _add_wholes(pp)
    for y in IPSS_YEARS:
        out[("pop75", y)] = Series("pop75", y, p75[y], False, "real", pp75[y])
        out[("pop85", y)] = Series("pop85", y, p85[y], False, "real", pp85[y])
    for base in IPSS_YEARS:
        end = base + 10
        if end not in p75:
            continue
        for src, pref_src, name in ((p75, pp75, "pop75"), (p85, pp85, "pop85")):
            inc: Values = {}
            rate: Values = {}
            for code, v0 in src[base].items():
                v1 = src[end].get(code)
                inc[code] = None if v0 is None or v1 is None else v1 - v0
                rate[code] = None if not v0 or v1 is None else (v1 / v0 - 1.0) * 100.0
            pinc = {
                k: (pref_src[end][k] or 0) - (v or 0)
                for k, v in pref_src[base].items()
                if k in pref_src[end]
            }
            prate = {
                k: ((pref_src[end][k] or 0) / v - 1.0) * 100.0
                for k, v in pref_src[base].items()
                if v and k in pref_src[end]
            }
            out[(f"{name}_increase", base)] = Series(
                f"{name}_increase", base, inc, False, "real", pinc, end_year=end
            )
            out[(f"{name}_increase_rate", base)] = Series(
                f"{name}_increase_rate", base, rate, False, "real", prate, end_year=end
            )
    # --- census 2020 via SSDSE-A
    aging: Values = {}
    late: Values = {}
    total: Values = {}
    sums: dict[str, list[float]] = {}
    with (data_dir / RAW_FILES["ssdse"]).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["code5"]
            t, a, b, c, d = (_num(row[k]) for k in ("A1101", "A1301", "A1302", "A1303", "A1419"))
            total[code] = t
            known = None if None in (a, b, c) else (a or 0) + (b or 0) + (c or 0)
            aging[code] = None if not known or c is None else c / known * 100.0
            late[code] = None if not known or d is None else d / known * 100.0
            for key in (code[:2], NATION) + ((KINKI,) if code[:2] in KINKI_PREFS else ()):
                acc = sums.setdefault(key, [0.0, 0.0, 0.0, 0.0])
                for i, v in enumerate((t, known, c, d)):
                    acc[i] += v or 0.0
    out[("census_pop", 2020)] = Series(
        "census_pop", 2020, total, False, "real", {k: v[0] for k, v in sums.items()}
    )
    out[("aging_rate", 2020)] = Series(
        "aging_rate", 2020, aging, False, "real", {k: v[2] / v[1] * 100 for k, v in sums.items()}
    )
    out[("late_aging_rate", 2020)] = Series(
        "late_aging_rate",
        2020,
        late,
        False,
        "real",
        {k: v[3] / v[1] * 100 for k, v in sums.items()},
    )
    # --- 住民基本台帳 2023-01-01 (計 rows); wards are kept so ward questions can say so
    jt: Values = {}
    j65: Values = {}
    j75: Values = {}
    j85: Values = {}
    pj: dict[str, tuple[float, float, float, float]] = {}
    with (data_dir / RAW_FILES["juki"]).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            vals = (
                float(row["total"]),
                float(sum(int(row[c]) for c in JUKI65)),
                float(sum(int(row[c]) for c in JUKI75)),
                float(sum(int(row[c]) for c in JUKI85)),
            )
            if row["row_type"] == "prefecture":
                pj[row["code5"][:2]] = vals
            elif row["row_type"] == "national":
                pj[NATION] = vals
            elif row["row_type"] in (
                "municipality",
                "designated_city",
                "special_ward",
                "designated_city_ward",  # the 住基 table has the wards of the 政令市
            ):
                code = row["code5"]
                jt[code], j65[code], j75[code], j85[code] = vals
    kinki = [pj[p] for p in KINKI_PREFS if p in pj]
    if kinki:
        pj[KINKI] = tuple(sum(v[i] for v in kinki) for i in range(4))  # type: ignore[assignment]
    for i, (name, jvals) in enumerate(
        (("juki_total", jt), ("juki_pop65", j65), ("juki_pop75", j75), ("juki_pop85", j85))
    ):
        out[(name, 2023)] = Series(
            name, 2023, jvals, False, "real", {k: v[i] for k, v in pj.items()}
        )
    return out


def _add_wholes(pref_values: Values) -> None:
    """Add the national and Kinki totals of a count given per prefecture."""
    pref_values[NATION] = sum(
        v or 0.0 for k, v in pref_values.items() if len(k) == 2 and k != NATION
    )
    pref_values[KINKI] = sum(pref_values.get(p) or 0.0 for p in KINKI_PREFS)


def juki_age_profile(data_dir: Path, code5: str) -> dict[str, float] | None:
    """5-year age groups of one municipality (住基 2023), read on demand for the age chart."""
    with (data_dir / RAW_FILES["juki"]).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["code5"] == code5:
                return {c: float(row[c]) for c in JUKI_AGES}
    return None
