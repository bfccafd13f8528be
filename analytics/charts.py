"""PNG charts with Japanese text, rendered headless (Agg) with the font bundled in
matplotlib-fontja, so no system font is assumed on a server or in CI.

Charts are named by a hash of their content: the same answer reuses the same file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HIGHLIGHT = "#d62728"
BASE = "#8fa8c8"
SAMPLE_MARK = "※サンプルデータ（架空の値）"
DPI = 100
# tight_layout draws every label twice; fixed margins from label lengths keep rendering fast.
_CHAR_PX = 11.5  # one CJK character at 8 pt and 100 dpi, with a little room


@dataclass(frozen=True)
class BarChart:
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    highlight: tuple[int, ...] = ()
    unit: str = ""
    note: str = ""
    ref_lines: tuple[tuple[str, float], ...] = ()
    horizontal: bool = False


@dataclass(frozen=True)
class LineChart:
    title: str
    years: tuple[int, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    highlight: tuple[int, ...] = ()
    unit: str = ""
    note: str = ""


@dataclass(frozen=True)
class ScatterChart:
    title: str
    labels: tuple[str, ...]
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    xlabel: str
    ylabel: str
    xline: float
    yline: float
    highlight: tuple[int, ...] = ()
    quadrant_text: str = ""
    quadrant: str = "upper_right"  # where the concerning quadrant is
    note: str = ""


Chart = BarChart | LineChart | ScatterChart


def chart_key(chart: Chart) -> str:
    payload = json.dumps([type(chart).__name__, asdict(chart)], ensure_ascii=False, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


def render(chart: Chart, out_dir: Path, reuse: bool = True) -> Path:
    """Write ``chart`` as PNG under ``out_dir`` and return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{type(chart).__name__.lower()}-{chart_key(chart)}.png"
    if reuse and path.exists():
        return path
    # matplotlib is imported on first use: answers without a chart, and the advisor, start
    # faster and smaller without it
    from analytics import chart_render

    chart_render.render_to(chart, path)
    return path


def __getattr__(name: str) -> Any:
    if name in ("FONT_NAME", "FONT_PATH", "RC"):
        from analytics import chart_render

        return getattr(chart_render, name)
    raise AttributeError(name)
