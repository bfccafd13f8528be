"""The matplotlib side of ``analytics.charts``, imported only when a chart is drawn.

It reads the spec values of ``analytics.chart_spec`` and never imports ``analytics.charts``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib_fontja
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from analytics.chart_spec import BarChart, Chart, LineChart, ScatterChart

HIGHLIGHT = "#d62728"
BASE = "#8fa8c8"
DPI = 100
# tight_layout draws every label twice; fixed margins from label lengths keep rendering fast.
_CHAR_PX = 11.5  # one CJK character at 8 pt and 100 dpi, with a little room

FONT_PATH = matplotlib_fontja.get_font_ttf_path()
font_manager.fontManager.addfont(FONT_PATH)
FONT_NAME = font_manager.FontProperties(fname=FONT_PATH).get_name()
RC: dict[str, Any] = {"font.family": [FONT_NAME], "axes.unicode_minus": False}


def render_to(chart: Chart, path: Path) -> None:
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        if isinstance(chart, BarChart):
            fig = _bar(chart)
        elif isinstance(chart, LineChart):
            fig = _line(chart)
        else:
            fig = _scatter(chart)
        tmp = path.with_suffix(".tmp.png")
        fig.savefig(tmp, dpi=DPI, pil_kwargs={"compress_level": 1})
        tmp.replace(path)


_PT_PX = DPI / 72  # pixels per point


def _units(text: str) -> float:
    """Width of ``text`` in full-width characters (Latin letters and digits count about half)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.6 for c in text)


def _wrap(text: str, width_px: float, size_pt: float) -> list[str]:
    """Lines of ``text`` that each fit ``width_px`` at ``size_pt`` (every label stays inside)."""
    per_line = max(8.0, width_px / (size_pt * _PT_PX * 1.05))
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for ch in part:
            if line and _units(line + ch) > per_line:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


def _left_margin(labels: Sequence[str], width_in: float) -> float:
    longest = max((_units(x) for x in labels), default=4)
    return min(0.5, (longest * _CHAR_PX + 24) / (width_in * DPI))


def _fit_labels(labels: Sequence[str], width_in: float) -> list[str]:
    """Shorten labels longer than the widest left margin allows (with 「…」)."""
    room = (0.5 * width_in * DPI - 24) / _CHAR_PX
    out = []
    for lab in labels:
        while _units(lab) > room and len(lab) > 2:
            lab = lab[:-2] + "…"
        out.append(lab)
    return out


def _title(fig: Figure, ax: Any, title: str) -> int:
    """Set the title wrapped to the figure's width; returns the number of lines."""
    lines = _wrap(title, fig.bbox.width * 0.9, 11)
    ax.set_title("\n".join(lines), fontsize=11)
    return len(lines)


def _finish(fig: Figure, note: str) -> int:
    """Draw the source note at the bottom, wrapped; returns the number of lines."""
    if not note:
        return 0
    lines = _wrap(note, fig.bbox.width - 2 * 0.01 * fig.bbox.width, 7.5)
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=7.5, color="#444444", ha="left", va="bottom")
    return len(lines)


def _extra(lines: int, size_pt: float, height_in: float) -> float:
    """Figure fraction taken by the lines beyond the first."""
    return max(0, lines - 1) * size_pt * 1.25 * _PT_PX / (height_in * DPI)


def _bar(c: BarChart) -> Figure:
    n = len(c.values)
    if c.horizontal or n > 12:
        height = max(3.2, 0.24 * n + 1.4)
        fig = Figure(figsize=(7.5, height))
        ax = fig.add_subplot()
        colors = [HIGHLIGHT if i in c.highlight else BASE for i in range(n)]
        ax.barh(range(n), c.values, color=colors)
        # Names as plain texts beside the bars: 45 tick objects cost more than the drawing
        ax.set_yticks([])
        ax.set_ylim(n - 0.5, -1.5 if c.ref_lines else -0.5)  # room above for the line's name
        at_left = blended_transform_factory(ax.transAxes, ax.transData)
        for i, lab in enumerate(_fit_labels(c.labels, 7.5)):
            ax.text(-0.01, i, lab, transform=at_left, ha="right", va="center", fontsize=8)
        lo, hi = ax.get_xlim()
        for lab, v in c.ref_lines:
            ax.axvline(v, color="#555555", linestyle="--", linewidth=1)
            right = hi > lo and (v - lo) / (hi - lo) > 0.7  # keep the words inside the image
            ax.text(
                v,
                -1.0,
                f"{lab} " if right else f" {lab}",
                fontsize=8,
                color="#555555",
                va="center",
                ha="right" if right else "left",
            )
        ax.set_xlabel(c.unit)
    else:
        fig = Figure(figsize=(7.5, 4.2))
        ax = fig.add_subplot()
        colors = [HIGHLIGHT if i in c.highlight else BASE for i in range(n)]
        bars = ax.bar(range(n), c.values, color=colors)
        ax.set_xticks(range(n), labels=list(c.labels), fontsize=9, rotation=30 if n > 5 else 0)
        for b, v in zip(bars, c.values, strict=True):
            ax.annotate(
                _short(v), (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=8
            )
        for lab, v in c.ref_lines:
            ax.axhline(v, color="#555555", linestyle="--", linewidth=1)
            ax.text(n - 0.5, v, f"{lab} ", fontsize=8, color="#555555", ha="right", va="bottom")
        ax.set_ylabel(c.unit)
    t_lines = _title(fig, ax, c.title)
    n_lines = _finish(fig, c.note)
    ax.grid(axis="x" if (c.horizontal or n > 12) else "y", alpha=0.3)
    if c.horizontal or n > 12:
        fig.subplots_adjust(
            left=_left_margin(_fit_labels(c.labels, 7.5), 7.5),
            right=0.95,
            top=1 - 0.45 / height - _extra(t_lines, 11, height),
            bottom=0.75 / height + _extra(n_lines, 7.5, height),
        )
    else:
        longest = max((_units(x) for x in c.labels), default=2)
        bottom = 0.14 + (0.022 * longest if n > 5 else 0.0)
        fig.subplots_adjust(
            left=0.11,
            right=0.97,
            top=0.9 - _extra(t_lines, 11, 4.2),
            bottom=min(0.45, bottom) + _extra(n_lines, 7.5, 4.2),
        )
    return fig


def _short(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}"


def _line(c: LineChart) -> Figure:
    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.add_subplot()
    for i, (label, vals) in enumerate(c.series):
        pts = [(y, v) for y, v in zip(c.years, vals, strict=True) if v is not None]
        if not pts:
            continue
        style = {"color": HIGHLIGHT, "linewidth": 2.4} if i in c.highlight else {"linewidth": 1.6}
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label, **style)
    ax.set_xticks(list(c.years))
    t_lines = _title(fig, ax, c.title)
    ax.set_ylabel(c.unit)
    ax.grid(alpha=0.3)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    if len(c.series) > 1:
        ax.legend(fontsize=8)
    n_lines = _finish(fig, c.note)
    fig.subplots_adjust(
        left=0.13,
        right=0.96,
        top=0.9 - _extra(t_lines, 11, 4.2),
        bottom=0.15 + _extra(n_lines, 7.5, 4.2),
    )
    return fig


def _scatter(c: ScatterChart) -> Figure:
    fig = Figure(figsize=(7.0, 5.4))
    ax = fig.add_subplot()
    others = [i for i in range(len(c.xs)) if i not in c.highlight]
    ax.scatter([c.xs[i] for i in others], [c.ys[i] for i in others], color=BASE, s=22)
    for i in c.highlight:
        ax.scatter([c.xs[i]], [c.ys[i]], color=HIGHLIGHT, s=60, zorder=3)
    ax.axvline(c.xline, color="#555555", linestyle="--", linewidth=1)
    ax.axhline(c.yline, color="#555555", linestyle="--", linewidth=1)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for i in c.highlight:
        # A label near the right or top edge is written on the other side of its point, so
        # every name stays inside the image
        fx = (c.xs[i] - x0) / (x1 - x0) if x1 > x0 else 0.5
        fy = (c.ys[i] - y0) / (y1 - y0) if y1 > y0 else 0.5
        left, below = fx > 0.7, fy > 0.9
        ax.annotate(
            c.labels[i],
            (c.xs[i], c.ys[i]),
            xytext=(-6 if left else 6, -6 if below else 6),
            textcoords="offset points",
            fontsize=10,
            color=HIGHLIGHT,
            ha="right" if left else "left",
            va="top" if below else "bottom",
            annotation_clip=False,
        )
    if c.quadrant_text:
        x = 0.98 if "right" in c.quadrant else 0.02
        y = 0.97 if "upper" in c.quadrant else 0.03
        ax.text(
            x,
            y,
            c.quadrant_text,
            transform=ax.transAxes,
            ha="right" if "right" in c.quadrant else "left",
            va="top" if "upper" in c.quadrant else "bottom",
            fontsize=9,
            color=HIGHLIGHT,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": HIGHLIGHT},
        )
    ax.set_xlabel(c.xlabel)
    ax.set_ylabel(c.ylabel)
    t_lines = _title(fig, ax, c.title)
    ax.grid(alpha=0.3)
    n_lines = _finish(fig, c.note)
    fig.subplots_adjust(
        left=0.11,
        right=0.96,
        top=0.92 - _extra(t_lines, 11, 5.4),
        bottom=0.14 + _extra(n_lines, 7.5, 5.4),
    )
    return fig


def bar_order(values: Sequence[tuple[str, float]], desc: bool = True) -> list[tuple[str, float]]:
    return sorted(values, key=lambda t: -t[1] if desc else t[1])
