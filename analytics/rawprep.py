"""Trim the shared raw files into ``data/raw`` (run by hand, never at run or test time).

The project must not read the shared folder while it runs, so the files it needs are copied
once into the repository. Trimming keeps the repository small while keeping every row the
answers use (all of Japan, so 「全国で」 comparisons still work). Usage::

    python -m analytics.rawprep SOURCE_DIR data/raw
"""

from __future__ import annotations

import argparse
import csv
import shutil
from collections.abc import Callable
from pathlib import Path

IPSS_KEEP = [
    "code5",
    "pref_name",
    "name",
    "code5_2024",
    "name_2024",
    "type",
    "year",
    "total",
    "age_65_69",
    "age_70_74",
    "age_75_79",
    "age_80_84",
    "age_85_89",
    "age_90plus",
]
SSDSE_KEEP = [
    "area_code",
    "code5",
    "prefecture",
    "municipality",
    "A1101",
    "A1301",
    "A1302",
    "A1303",
    "A1419",
]


def _copy_columns(
    src: Path,
    dst: Path,
    keep: list[str],
    row_filter: Callable[[dict[str, str]], bool] | None = None,
) -> int:
    n = 0
    with (
        src.open(encoding="utf-8", newline="") as f,
        dst.open("w", encoding="utf-8", newline="") as g,
    ):
        reader = csv.DictReader(f)
        writer = csv.DictWriter(g, fieldnames=keep, lineterminator="\n")
        writer.writeheader()
        for row in reader:
            if row_filter is None or row_filter(row):
                writer.writerow({k: row[k] for k in keep})
                n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("source", type=Path)
    p.add_argument("dest", type=Path)
    a = p.parse_args(argv)
    a.dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        a.source / "municipalities_jisx0402.csv", a.dest / "municipalities_jisx0402.csv"
    )
    _copy_columns(
        a.source / "ipss2018_projection_age5.csv",
        a.dest / "ipss2018_projection_75plus.csv",
        IPSS_KEEP,
    )
    with (a.source / "population_juki_2023-01-01_age5.csv").open(encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    _copy_columns(
        a.source / "population_juki_2023-01-01_age5.csv",
        a.dest / "population_juki_2023-01-01_age5_total.csv",
        header,
        lambda r: r["sex"] == "計",
    )
    _copy_columns(a.source / "ssdse_a_2025.csv", a.dest / "ssdse_a_2025_trimmed.csv", SSDSE_KEEP)
    _copy_columns(
        a.source / "ssdse_a_2025_columns.csv",
        a.dest / "ssdse_a_2025_columns_trimmed.csv",
        ["item_code", "label_ja", "data_year"],
        lambda r: r["item_code"] in SSDSE_KEEP,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
