"""The benchmark keeps working (tiny sizes; no timing assertions)."""

from __future__ import annotations

from benchmarks.slack import percentile, run_bench


def test_bench_runs_and_counts_no_errors_or_duplicates() -> None:
    figures = run_bench(events=5, users=2, per_user=6, workers=1)
    assert figures["latency_errors"] == 0
    assert figures["load_events"] == 12
    assert figures["load_errors"] == 0 and figures["load_duplicates"] == 0
    assert figures["load_extra_deliveries"] > 0  # retries and double clicks were exercised
    for key in ("ack_p50_ms", "ack_p99_ms", "reply_p50_ms", "reply_p99_ms"):
        assert figures[key] > 0


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([3.0], 99) == 3.0
