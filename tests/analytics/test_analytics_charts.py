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


def outside_texts(spec: charts.Chart) -> list[str]:
    """Every drawn text (titles, labels, ticks in view, annotations, notes) whose box leaves
    the image, after a full draw."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    draw = {
        charts.BarChart: chart_render._bar,
        charts.LineChart: chart_render._line,
        charts.ScatterChart: chart_render._scatter,
    }[type(spec)]
    with matplotlib.rc_context(chart_render.RC):  # type: ignore[arg-type]
        fig = draw(spec)  # type: ignore[operator]
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        texts: list[Text] = list(fig.texts)
        for ax in fig.axes:
            texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
            legend = ax.get_legend()
            if legend is not None:
                texts += list(legend.get_texts())
            for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
                lo, hi = min(lim), max(lim)
                texts += [t.label1 for t in axis.get_major_ticks() if lo <= t.get_loc() <= hi]
        w, h = fig.bbox.width, fig.bbox.height
        out = []
        for t in texts:
            if not t.get_visible() or not t.get_text().strip():
                continue
            bb = t.get_window_extent(renderer)
            if bb.x0 < -0.5 or bb.y0 < -0.5 or bb.x1 > w + 0.5 or bb.y1 > h + 0.5:
                out.append(t.get_text())
        return out


EDGE_SPECS: list[charts.Chart] = [
    charts.ScatterChart(
        title="要介護状態になることの予防の観点（奈良県）",
        labels=("広陵町", "天理市", "十津川村"),
        xs=(15.0, -2.0, 40.0),
        ys=(90.5, 89.0, 95.0),
        xlabel="75歳以上人口の増加率（2025年→2035年、%）",
        ylabel="健康な人の割合（%）",
        xline=0.0,
        yline=89.5,
        highlight=(0, 2),  # 十津川村 at the right and top edges
        quadrant_text="介護予防に力を入れる必要",
        quadrant="lower_right",
        note="出典: 社人研 平成30年推計（2025・2035年）／見える化システム（2019年）",
    ),
    charts.BarChart(
        title="85歳以上人口の増加数（2025年→2035年、今後10年・近畿2府5県）多い順" * 2,
        labels=tuple(f"第{i}町" for i in range(10)),
        values=tuple(float(i * 1000) for i in range(10)),
        unit="人",
        horizontal=True,
        ref_lines=(("中央値", 8900.0),),  # near the right edge
        note="出典: "
        + "／".join(f"取込「kayoi_{y}_osaka_partial.csv」（{y}年）" for y in (2021, 2022)),
    ),
    charts.BarChart(
        title="調整済み認定率（要支援・要介護 計、2019年）",
        labels=("短期集中予防サービス箇所数（後期高齢者人口当たり）＊" * 2, "茨木市"),
        values=(1.0, 2.0),
        horizontal=True,
    ),
    charts.LineChart(
        title="75歳以上人口の将来推計（茨木市・高槻市・吹田市・豊中市・枚方市・寝屋川市・東大阪市）",
        years=(2015, 2020, 2025),
        series=(("茨木市", (1.0, 2.0, 3.0)), ("高槻市", (2.0, 2.5, 3.5))),
        unit="人",
        note="出典: 国立社会保障・人口問題研究所「日本の地域別将来推計人口（平成30年推計）」" * 2,
    ),
]


@pytest.mark.parametrize("spec", EDGE_SPECS, ids=lambda s: type(s).__name__)
def test_every_label_stays_inside_the_image(spec: charts.Chart) -> None:
    assert outside_texts(spec) == []
