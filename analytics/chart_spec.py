"""What a chart shows, as frozen values: the answers build them, ``analytics.charts`` names
and renders them, and the survey's digests reuse ``BarChart``.

Kept apart from rendering so that neither side imports the other's module back.
"""

from __future__ import annotations

from dataclasses import dataclass


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
