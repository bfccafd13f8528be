"""Helpers that read the copied CSVs under data/ directly, to compute expected values."""

from __future__ import annotations

import csv
from functools import cache

from bot.settings import ROOT

DATA = ROOT / "data"


@cache
def _read(name: str) -> tuple[dict[str, str], ...]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return tuple(csv.DictReader(lines))


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a CSV under data/ (header comments starting with # skipped)."""
    return list(_read(name))


def ipss(code5: str, year: int, ages: tuple[str, ...]) -> float:
    """Sum of IPSS 2018 age columns for one municipality and year, straight from the CSV."""
    for row in read_csv("raw/ipss2018_projection_75plus.csv"):
        if row["code5_2024"] == code5 and int(row["year"]) == year:
            return float(sum(int(row[a]) for a in ages))
    raise KeyError((code5, year))


AGE75 = ("age_75_79", "age_80_84", "age_85_89", "age_90plus")
AGE85 = ("age_85_89", "age_90plus")
