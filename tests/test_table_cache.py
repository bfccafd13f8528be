"""The parsed indicator tables kept between runs: reused unchanged, rebuilt when a file is
edited, and a damaged cache file never stops the bot."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

from analytics.table_cache import BundledTables, build_tables, load_tables
from bot.settings import ROOT

DATA = ROOT / "data"
IBARAKI = "27211"


def _pop75(tables: BundledTables, year: int = 2025) -> float | None:
    return tables.real[("pop75", year)].values.get(IBARAKI)


def test_tables_are_cached_owner_only_and_equal_to_a_fresh_parse(tmp_path: Path) -> None:
    first = load_tables(DATA, 2025, tmp_path)
    [file] = tmp_path.glob("tables-*.pickle")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    again = load_tables(DATA, 2025, tmp_path)
    assert again is not first  # read back from the file
    fresh = build_tables(DATA, 2023)
    assert _pop75(again) == _pop75(fresh) == 45932.0
    assert again.sample.keys() == fresh.sample.keys()
    assert again.catalog == fresh.catalog


def test_an_edited_data_file_is_parsed_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    cache = tmp_path / "cache"
    load_tables(data, 2025, cache)
    [before] = cache.glob("tables-*.pickle")
    ipss = data / "raw" / "ipss2018_projection_75plus.csv"
    lines = ipss.read_text(encoding="utf-8").splitlines(keepends=True)
    head = lines[0].rstrip("\n").split(",")
    edited = [lines[0]]
    for line in lines[1:]:
        cells = line.rstrip("\n").split(",")
        row = dict(zip(head, cells, strict=True))
        if (row["code5_2024"] or row["code5"]) == IBARAKI and row["year"] == "2025":
            col = head.index("age_75_79")
            cells[col] = str(int(cells[col]) + 1000)
        edited.append(",".join(cells) + "\n")
    ipss.write_text("".join(edited), encoding="utf-8")
    rebuilt = load_tables(data, 2025, cache)
    [after] = cache.glob("tables-*.pickle")
    assert after.name != before.name  # the old key is gone, the new one written
    assert _pop75(rebuilt) == 45932.0 + 1000


def test_a_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    load_tables(DATA, 2025, tmp_path)
    [file] = tmp_path.glob("tables-*.pickle")
    file.write_bytes(b"not a pickle")
    assert _pop75(load_tables(DATA, 2025, tmp_path)) == 45932.0
    assert file.read_bytes() != b"not a pickle"
