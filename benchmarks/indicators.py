"""Latency of indicator answers (``make bench`` calls ``run_bench``).

Targets from issues 4 and 13: look-up and ranking answers p99 < 20 ms without the chart, chart
rendering p99 < 500 ms. Runs on an in-memory database and a temporary chart folder.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analytics import charts
from analytics.service import DataService
from bot.settings import Settings
from bot.storage.db import make_engine

LOOKUPS = (
    "茨木市の75歳以上人口の将来推計は？",
    "豊中市の通いの場参加率",
    "和歌山市の訪問介護の利用回数",
    "串本町と洲本市の認定率を比べて",
    "堺市の75歳以上って2020→2040で何人増える？",
    "神戸市北区の75歳以上人口（住基）",
    "豊中の後期高齢化率って大阪府平均より高い？",
    "茨木市の75歳以上人口の増加数と増加率",
)
RANKINGS = (
    "奈良県で85歳以上人口の増加率が高い市町村トップ5",
    "大阪府で認定率が低い市町村を5つ",
    "近畿で高齢化率が高い市町村トップ10",
    "大阪府で85歳以上人口の増加数が多い市町村ベスト5は？",
    "全国で75歳以上人口の増加率が高い市町村トップ10",
    "京都市で住基人口が多い区トップ3",
)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    xs = sorted(samples)
    p50 = statistics.median(xs)
    p99 = xs[min(len(xs) - 1, round(0.99 * (len(xs) - 1)))]
    return p50 * 1000, p99 * 1000


def _time(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def run_bench(iterations: int = 200) -> dict[str, float]:
    """p50/p99 in milliseconds for look-up and ranking answers (no chart) and chart rendering."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url="sqlite://", chart_dir=Path(tmp))
        svc = DataService.load(settings, make_engine("sqlite://"))
        results: dict[str, float] = {}
        for name, questions in (("lookup", LOOKUPS), ("ranking", RANKINGS)):
            for q in questions:  # warm-up
                svc.answer(q, render_charts=False)
            samples = []
            for i in range(iterations):
                q = questions[i % len(questions)]
                t = time.perf_counter()
                svc.answer(q, render_charts=False)
                samples.append(time.perf_counter() - t)
            results[f"{name}_p50_ms"], results[f"{name}_p99_ms"] = _percentiles(samples)
        # Chart rendering: fresh files each time (no reuse), mixed chart types
        specs = []
        for q in (*LOOKUPS, *RANKINGS, "広陵町は予防の観点でどの象限？", "十津川村は予防の観点で"):
            reply_specs = svc.answerer.chart_specs(q)
            specs.extend(reply_specs)
        out = Path(tmp) / "bench"
        for spec in specs:  # warm-up: matplotlib's import and font loading are once a process
            charts.render(spec, out, reuse=False)
        idx = iter(range(10**9))
        samples = _time(
            lambda: charts.render(specs[next(idx) % len(specs)], out, reuse=False), iterations
        )
        results["chart_p50_ms"], results["chart_p99_ms"] = _percentiles(samples)
        return results


def main() -> int:
    for key, value in run_bench().items():
        print(f"{key}: {value:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
