"""PNG charts with Japanese text, rendered headless (Agg) with the font bundled in
matplotlib-fontja, so no system font is assumed on a server or in CI.

Charts are named by a hash of their content: the same answer reuses the same file. The spec
types live in ``analytics.chart_spec`` and are re-exported here; the drawing is in
``analytics.chart_render``, which imports only the specs (no import circle).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from analytics.chart_spec import BarChart, Chart, LineChart, ScatterChart
from bot.storage.files import FILE_MODE, private_dir

__all__ = ["BarChart", "Chart", "LineChart", "ScatterChart", "chart_key", "render"]


def chart_key(chart: Chart) -> str:
    payload = json.dumps([type(chart).__name__, asdict(chart)], ensure_ascii=False, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


def render(chart: Chart, out_dir: Path, reuse: bool = True) -> Path:
    """Write ``chart`` as PNG under ``out_dir`` and return the path."""
    private_dir(out_dir)
    path = out_dir / f"{type(chart).__name__.lower()}-{chart_key(chart)}.png"
    if reuse and path.exists():
        return path
    # matplotlib is imported on first use: answers without a chart, and the advisor, start
    # faster and smaller without it
    from analytics import chart_render

    chart_render.render_to(chart, path)
    os.chmod(path, FILE_MODE)  # charts show users' data: owner-only, like the database
    return path


def __getattr__(name: str) -> Any:
    if name in ("FONT_NAME", "FONT_PATH", "RC"):
        from analytics import chart_render

        return getattr(chart_render, name)
    raise AttributeError(name)
