"""Charts render Japanese text with the bundled font: no missing-glyph warnings."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import matplotlib
import pytest

from analytics import chart_render, charts

SPECS: list[charts.Chart] = [
    charts.BarChart(
        title="通いの場参加率（大阪府）",
        labels=("茨木市", "豊中市", "千早赤阪村"),
        values=(7.5, 6.1, 3.2),
        highlight=(0,),
        unit="%",
        note="出典: 見える化システム ※サンプルデータ（架空の値）",
        ref_lines=(("中央値", 6.1),),
    ),
    charts.BarChart(
        title="高齢化率が高い市町村",
        labels=tuple(f"第{i}町" for i in range(20)),
        values=tuple(float(i) for i in range(20)),
        unit="%",
        horizontal=True,
    ),
    charts.LineChart(
        title="75歳以上人口の将来推計（茨木市）",
        years=(2015, 2020, 2025),
        series=(("茨木市", (1.0, None, 3.0)),),
        highlight=(0,),
        unit="人",
    ),
    charts.ScatterChart(
        title="予防の観点（奈良県）",
        labels=("広陵町", "天理市"),
        xs=(15.0, -2.0),
        ys=(90.5, 89.0),
        xlabel="75歳以上人口の増加率（%）",
        ylabel="健康な人の割合（%）",
        xline=0.0,
        yline=89.5,
        highlight=(0,),
        quadrant_text="介護予防に力を入れる必要",
        quadrant="lower_right",
    ),
]


def _glyph_problems(
    spec: charts.Chart, out: Path, caplog: pytest.LogCaptureFixture, rc: dict | None = None
) -> list[str]:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        if rc is None:
            path = charts.render(spec, out, reuse=False)
        else:
            with matplotlib.rc_context(rc):
                fig = chart_render._bar(spec) if isinstance(spec, charts.BarChart) else None
                assert fig is not None
                path = out / "control.png"
                fig.savefig(path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    msgs = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    return [m for m in msgs if "Glyph" in m or "missing from" in m]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: type(s).__name__)
def test_japanese_chart_has_no_missing_glyphs(
    spec: charts.Chart, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert _glyph_problems(spec, tmp_path, caplog) == []


def test_control_without_japanese_font_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The check above would catch a missing font: a Latin-only font does warn."""
    spec = SPECS[0]
    problems = _glyph_problems(spec, tmp_path, caplog, rc={"font.family": ["DejaVu Sans"]})
    assert problems


def test_same_chart_reuses_file(tmp_path: Path) -> None:
    a = charts.render(SPECS[0], tmp_path)
    b = charts.render(SPECS[0], tmp_path)
    assert a == b and a.exists()
    assert charts.FONT_NAME == "IPAexGothic"
