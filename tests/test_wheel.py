"""The shipped wheel holds the bot, not its tests or benchmarks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_no_test_or_bench_module(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    modules = [n for n in names if n.endswith(".py")]
    assert any(n == "bot/core/engine.py" for n in modules)
    assert any(n.startswith("bot/storage/migrations/versions/") for n in modules)
    shipped_tests = [
        n
        for n in modules
        if n.startswith(("tests/", "benchmarks/"))
        or "/testing/" in n
        or Path(n).name.startswith(("test_", "bench"))
        or Path(n).stem in ("bench", "ops_bench", "conftest")
    ]
    assert shipped_tests == []
