"""The demo sample is reproducible, covers the 215 Kinki municipalities and says it is sample."""

from __future__ import annotations

from pathlib import Path

from analytics_test_helpers import DATA

from analytics import sample_gen


def test_sample_file_is_reproducible(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    sample_gen.write(out, sample_gen.generate())
    assert out.read_bytes() == (DATA / "sample" / "indicators_sample.csv").read_bytes()


def test_sample_file_is_marked_and_covers_kinki() -> None:
    text = (DATA / "sample" / "indicators_sample.csv").read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("#") and "サンプルデータ（架空の値）" in first
    rows = [ln.split(",") for ln in text.splitlines()[2:]]
    assert {r[-1] for r in rows} == {"1"}
    assert len({r[0] for r in rows}) == 215
