"""Briefs as an A4 PDF, Japanese embedded: matplotlib's PDF backend with the IPAex Gothic font
that matplotlib-fontja ships, as TrueType (``pdf.fonttype`` 42). The font's used glyphs are
embedded with their Unicode map, so the PDF reads on a machine with no Japanese font and its
text can be extracted (pdftotext, pypdf). matplotlib is already the project's chart library,
so no other PDF library is needed.

Two passes. ``layout`` turns a brief's document (``bot.brief.document``) into pages of plain
drawing operations in millimetres — text is wrapped with the font's own advance widths, a
table row or chart that does not fit starts a new page, and every operation lies within the
margins — so the page count is known before anything is drawn (the contents page needs it).
``write_pdf`` then draws each page as a matplotlib figure, one at a time.
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.brief.document import (
    Bullets,
    Chart,
    Document,
    Para,
    Section,
    Sub,
    Table,
    build,
)
from bot.brief.model import Brief
from bot.survey.schedule import fmt_date
from bot.text.notes import SAMPLE_NOTE

# A4 portrait, millimetres; y grows downwards from the top edge
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 14.0, 14.0, 13.0, 17.0
BODY_W = PAGE_W - MARGIN_L - MARGIN_R
BOTTOM = PAGE_H - MARGIN_B
FOOTER_Y = PAGE_H - 9.0
MM_PER_PT = 25.4 / 72
MM_PER_IN = 25.4

TITLE, HEAD, SUB, BODY, SMALL, CELL = 13.5, 10.0, 9.0, 8.0, 6.8, 7.2
INK, MUTED, ACCENT, RULE, SHADE, HEAD_FILL = (
    "#1f1f1f",
    "#5a5a5a",
    "#2f5d50",
    "#b9c4c0",
    "#eef3f1",
    "#dde8e4",
)
BAR, BAR_REGION, BAR_MARK = "#6f9a8c", "#c9d6d1", "#d62728"
CHART_H = 52.0
LINE = 1.45  # line height, in font sizes

# characters that must not begin a line (kinsoku): they stay with what precedes them
_NO_START = set(
    "、。，．・：；！？）」』】〕］｝〉》ー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ%％"
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%+\-−:/@_]*")


# -- the font ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def font() -> tuple[str, str]:
    """(path, family name) of the packaged IPAex Gothic, registered with matplotlib."""
    import matplotlib_fontja
    from matplotlib import font_manager

    path = matplotlib_fontja.get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    return path, font_manager.FontProperties(fname=path).get_name()


@lru_cache(maxsize=1)
def _face() -> Any:
    from matplotlib.ft2font import FT2Font

    face = FT2Font(font()[0])
    face.set_size(100, 72)  # 100 px per em: advances come out in hundredths of an em
    return face


@lru_cache(maxsize=8192)
def advance(ch: str) -> float:
    """The advance width of ``ch`` in ems, from the font itself."""
    from matplotlib.ft2font import LoadFlags

    face = _face()
    if face.get_char_index(ord(ch)) == 0:
        # no glyph: measure as a full-width character so the text still stays inside
        return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6
    glyph = face.load_char(ord(ch), flags=LoadFlags.NO_HINTING)
    return float(glyph.linearHoriAdvance) / 65536 / 100


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` the embedded font cannot draw (tests keep this empty)."""
    face = _face()
    return {ch for ch in set(text) if not ch.isspace() and face.get_char_index(ord(ch)) == 0}


def width(text: str, size: float) -> float:
    """Width of ``text`` at ``size`` points, in millimetres."""
    return sum(advance(ch) for ch in text) * size * MM_PER_PT


def _tokens(text: str) -> Iterator[str]:
    """Pieces a line may break between: the sample mark and Latin words stay whole."""
    for i, part in enumerate(text.split(SAMPLE_NOTE)):
        if i:
            yield SAMPLE_NOTE
        pos = 0
        for m in _WORD.finditer(part):
            yield from part[pos : m.start()]
            yield m.group(0)
            pos = m.end()
        yield from part[pos:]


def wrap(text: str, size: float, limit: float) -> list[str]:
    """Lines of ``text`` no wider than ``limit`` mm at ``size`` pt (Japanese breaks anywhere,
    not before closing punctuation; explicit newlines are kept)."""
    out: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for tok in _tokens(para):
            w = width(tok, size)
            if w > limit:  # a token wider than the line: break it by characters
                for ch in tok:
                    cw = width(ch, size)
                    if line and used + cw > limit:
                        out.append("".join(line))
                        line, used = [], 0.0
                    line.append(ch)
                    used += cw
                continue
            if line and used + w > limit:
                carry: list[str] = []
                if tok[0] in _NO_START and len(line) > 1:
                    carry = [line.pop()]  # keep the punctuation with the character before
                out.append("".join(line).rstrip())
                line = carry
                used = sum(width(t, size) for t in line)
                if not carry and tok.isspace():
                    continue
            line.append(tok)
            used += w
        out.append("".join(line).rstrip())
    return out


# -- drawing operations -------------------------------------------------------------------------
@dataclass(frozen=True)
class TextOp:
    x: float
    y: float  # baseline
    text: str
    size: float
    color: str = INK


@dataclass(frozen=True)
class RectOp:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class LineOp:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str = RULE
    width: float = 0.5
    dashed: bool = False


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars inside the box (x, y, w, h); ``series`` share the labels. The layout
    turns it into rectangles, lines and text (``chart_ops``), each measured inside the box."""

    x: float
    y: float
    w: float
    h: float
    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...], str], ...]  # (legend, values, colour)
    xmax: float
    ref: float | None
    note: str


Op = TextOp | RectOp | LineOp


@dataclass
class Page:
    footer: str  # the running label; the page number is added when drawn
    ops: list[Op] = field(default_factory=list)


# -- layout ------------------------------------------------------------------------------------
class _Layout:
    def __init__(self, doc: Document, brief: Brief) -> None:
        self.doc = doc
        self.brief = brief
        self.pages: list[Page] = []
        self.y = 0.0
        self._new_page(first=True)

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def _new_page(self, first: bool = False) -> None:
        self.pages.append(Page(footer=f"{self.doc.title}（{fmt_date(self.brief.today)} 時点）"))
        self.y = MARGIN_T
        if not first:
            self.text(f"{self.doc.title}（続き）", SMALL, color=MUTED)
            self.y += 1.0

    def need(self, h: float) -> None:
        if self.y + h > BOTTOM and self.y > MARGIN_T + 12:
            self._new_page()

    def text(
        self, text: str, size: float, *, indent: float = 0.0, color: str = INK, gap: float = 0.0
    ) -> None:
        lh = size * LINE * MM_PER_PT
        for line in wrap(text, size, BODY_W - indent):
            self.need(lh)
            self.y += lh
            self.page.ops.append(TextOp(MARGIN_L + indent, self.y - lh * 0.28, line, size, color))
        self.y += gap

    # -- blocks ---------------------------------------------------------------------------
    def run(self) -> list[Page]:
        self.text(self.doc.title, TITLE, color=ACCENT)
        self.y += 0.8
        for note in self.doc.notes:
            self.text(note, SMALL, color=MUTED)
        self.y += 1.5
        for sec in self.doc.sections:
            self.section(sec)
        self.y += 1.5
        self.text("出典: " + "／".join(self.doc.sources), SMALL - 0.6, color=MUTED)
        return self.pages

    def section(self, sec: Section) -> None:
        lh = HEAD * LINE * MM_PER_PT
        self.need(lh + 14)  # a heading never ends a page
        self.y += 1.6
        self.page.ops.append(RectOp(MARGIN_L, self.y, BODY_W, lh + 0.6, HEAD_FILL))
        self.y += 0.3
        self.text(sec.heading, HEAD, indent=1.5, color=ACCENT)
        self.y += 1.4
        for block in sec.blocks:
            if isinstance(block, Para):
                self.text(
                    block.text,
                    SMALL if block.small else BODY,
                    indent=1.5,
                    color=MUTED if block.small else INK,
                    gap=0.8,
                )
            elif isinstance(block, Bullets):
                self.bullets(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Sub):
                self.need(SUB * LINE * MM_PER_PT + 10)
                self.y += 0.8
                self.text(block.text, SUB, indent=1.5, color=ACCENT, gap=0.4)
            elif isinstance(block, Chart):
                self.chart(block)

    def bullets(self, b: Bullets) -> None:
        lh = BODY * LINE * MM_PER_PT
        for i, item in enumerate(b.items, 1):
            mark = f"{i}." if b.numbered else "・"
            lines = wrap(item, BODY, BODY_W - 9.0)
            for j, line in enumerate(lines):
                self.need(lh)
                self.y += lh
                base = self.y - lh * 0.28
                if j == 0:
                    self.page.ops.append(TextOp(MARGIN_L + 4.0, base, mark, BODY))
                self.page.ops.append(TextOp(MARGIN_L + 9.0, base, line, BODY))
        self.y += 0.8

    def table(self, t: Table) -> None:
        total = sum(t.widths)
        cols = [BODY_W * w / total for w in t.widths]
        xs = [MARGIN_L + sum(cols[:i]) for i in range(len(cols))]
        lh = CELL * LINE * MM_PER_PT
        pad = 1.2

        def cells(row: Sequence[str], size: float) -> list[list[str]]:
            return [wrap(c, size, cols[i] - 2 * pad) for i, c in enumerate(row)]

        def draw(row: Sequence[str], header: bool) -> None:
            wrapped = cells(row, CELL)
            h = max(len(c) for c in wrapped) * lh + 1.4
            if self.y + h > BOTTOM:
                self._new_page()
                if not header:
                    draw(t.header, True)
            if header:
                self.page.ops.append(RectOp(MARGIN_L, self.y, BODY_W, h, SHADE))
            for i, lines in enumerate(wrapped):
                for j, line in enumerate(lines):
                    base = self.y + 0.7 + (j + 1) * lh - lh * 0.28
                    color = MUTED if header else INK
                    self.page.ops.append(TextOp(xs[i] + pad, base, line, CELL, color))
            self.y += h
            self.page.ops.append(LineOp(MARGIN_L, self.y, MARGIN_L + BODY_W, self.y))

        self.need(3 * lh + 4)
        draw(t.header, True)
        for row in t.rows:
            draw(row, False)
        self.y += 1.8

    def chart(self, c: Chart) -> None:
        op = (
            _position_chart(self.brief, MARGIN_L, 0.0)
            if c.kind == "position"
            else _barrier_chart(self.brief, MARGIN_L, 0.0)
        )
        if op is None:
            return
        self.need(op.h + 2)
        self.page.ops += chart_ops(replace(op, y=self.y + 1.0))
        self.y += op.h + 3.0


def _short(label: str, n: int = 16) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def _position_chart(b: Brief, x: float, y: float) -> BarChart | None:
    figs = [f for f in b.sheet.figures if f.percentile is not None and not f.text.endswith("人")]
    if not figs:
        return None
    sample = any(f.sample for f in figs)
    labels = tuple(_short(f.label.split("（")[0]) + ("＊" if f.sample else "") for f in figs)
    h = min(CHART_H, 14 + 3.8 * len(figs))
    return BarChart(
        x,
        y,
        BODY_W,
        h,
        f"{b.name}の{b.pref_name}内の位置（パーセンタイル：0=最も低い、100=最も高い）",
        labels,
        (("", tuple(round(f.percentile or 0.0, 1) for f in figs), BAR),),
        100.0,
        50.0,
        f"＊ {SAMPLE_NOTE}" if sample else "",
    )


def _barrier_chart(b: Brief, x: float, y: float) -> BarChart | None:
    rows = b.barriers.applying[:8]
    if not rows:
        return None
    sample = any(r.sample for r in rows)
    h = min(CHART_H, 16 + 4.8 * len(rows))
    return BarChart(
        x,
        y,
        BODY_W,
        h,
        f"{b.name}が「当てはまる」とした課題：同じく答えた市町村の割合（%）",
        tuple(_short(f"{r.n}. {r.short}", 18) for r in rows),
        (
            (b.pref_name, tuple(round(r.pref_share, 1) for r in rows), BAR),
            ("近畿2府5県", tuple(round(r.region_share, 1) for r in rows), BAR_REGION),
        ),
        100.0,
        None,
        SAMPLE_NOTE if sample else "",
    )


CHART_LABEL, CHART_TICK, CHART_TITLE = 6.6, 6.2, 7.6


def chart_ops(c: BarChart) -> list[Op]:
    """The chart as rectangles, lines and text inside its box: the title on top, the labels
    right-aligned at the left, bars with a scale and grid below them, a legend at the right
    when there are several series, and the note at the bottom."""
    ops: list[Op] = [TextOp(c.x, c.y + 3.6, c.title, CHART_TITLE)]
    label_w = max(width(lab, CHART_LABEL) for lab in c.labels) + 2.5
    legend_w = (
        max(width(name, CHART_TICK) for name, _v, _c in c.series) + 7.0
        if len(c.series) > 1
        else 3.0
    )
    left, right = c.x + label_w, c.x + c.w - legend_w
    top, bottom = c.y + 6.0, c.y + c.h - (8.5 if c.note else 5.0)
    n, k = len(c.labels), len(c.series)
    band = (bottom - top) / n
    bar = band * 0.8 / k

    def x_of(v: float) -> float:
        return left + (right - left) * max(0.0, min(v, c.xmax)) / c.xmax

    steps = 5
    for i in range(steps + 1):
        v = c.xmax * i / steps
        x = x_of(v)
        ops.append(LineOp(x, top, x, bottom, "#e3e3e3", 0.3))
        tick = f"{v:.0f}"
        ops.append(TextOp(x - width(tick, CHART_TICK) / 2, bottom + 3.0, tick, CHART_TICK, MUTED))
    for i, lab in enumerate(c.labels):
        row = top + band * i
        base = row + band / 2 + CHART_LABEL * MM_PER_PT * 0.35
        ops.append(TextOp(left - 1.5 - width(lab, CHART_LABEL), base, lab, CHART_LABEL))
        for j, (_name, values, color) in enumerate(c.series):
            y = row + band * 0.1 + bar * j
            ops.append(RectOp(left, y, x_of(values[i]) - left, bar * 0.92, color))
    ops.append(LineOp(left, bottom, right, bottom, MUTED, 0.5))
    ops.append(LineOp(left, top, left, bottom, MUTED, 0.5))
    if c.ref is not None:
        ops.append(LineOp(x_of(c.ref), top, x_of(c.ref), bottom, BAR_MARK, 0.7, dashed=True))
    if k > 1:
        for j, (name, _values, color) in enumerate(c.series):
            y = top + 1.0 + 4.0 * j
            ops.append(RectOp(right + 3.0, y, 2.6, 2.2, color))
            ops.append(TextOp(right + 6.4, y + 2.1, name, CHART_TICK))
    if c.note:
        ops.append(TextOp(c.x, c.y + c.h - 0.8, c.note, CHART_TICK, MUTED))
    return ops


def layout(brief: Brief) -> list[Page]:
    """The pages of one brief."""
    return _Layout(build(brief), brief).run()


def _contents(title: str, today_text: str, entries: Sequence[tuple[str, int]]) -> list[Page]:
    """The contents pages: two columns of 「名前 …… ページ」."""
    lh = BODY * LINE * MM_PER_PT
    first_top = MARGIN_T + 22.0
    per_col = int((BOTTOM - first_top) // lh)
    per_page = per_col * 2
    pages: list[Page] = []
    col_w = BODY_W / 2
    for start in range(0, max(1, len(entries)), per_page):
        page = Page(footer=f"{title}（{today_text}）")
        y0 = MARGIN_T
        if not pages:
            page.ops.append(TextOp(MARGIN_L, y0 + 6.0, title, TITLE, ACCENT))
            page.ops.append(TextOp(MARGIN_L, y0 + 12.0, f"{today_text} ・ 目次", SMALL, MUTED))
        else:
            page.ops.append(TextOp(MARGIN_L, y0 + 6.0, f"{title}（目次の続き）", SMALL, MUTED))
        page.ops.append(LineOp(MARGIN_L, first_top - 4.0, MARGIN_L + BODY_W, first_top - 4.0))
        for k, (name, number) in enumerate(entries[start : start + per_page]):
            col, row = divmod(k, per_col)
            x = MARGIN_L + col * col_w
            yb = first_top + (row + 1) * lh - lh * 0.28
            num = f"{number}"
            page.ops.append(TextOp(x, yb, name, BODY))
            nx = x + col_w - 6.0 - width(num, BODY)
            dots_from = x + width(name, BODY) + 2.0
            dots = "・" * max(0, int((nx - 2.0 - dots_from) // width("・", BODY)))
            page.ops.append(TextOp(dots_from, yb, dots, BODY, RULE))
            page.ops.append(TextOp(nx, yb, num, BODY))
        pages.append(page)
    return pages


def contents_pages_needed(n: int) -> int:
    lh = BODY * LINE * MM_PER_PT
    per_col = int((BOTTOM - (MARGIN_T + 22.0)) // lh)
    return max(1, math.ceil(n / (per_col * 2)))


def paginate(briefs: Sequence[Brief], title: str | None = None) -> list[Page]:
    """All pages: a contents page first when there is more than one brief."""
    laid = [layout(b) for b in briefs]
    if len(briefs) <= 1:
        return [p for pages in laid for p in pages]
    first = contents_pages_needed(len(briefs)) + 1
    entries: list[tuple[str, int]] = []
    for b, pages in zip(briefs, laid, strict=True):
        entries.append((b.label, first))
        first += len(pages)
    today = fmt_date(briefs[0].today) + " 時点"
    head = title or f"市町村支援ブリーフ（{len(briefs)}市町村）"
    return _contents(head, today, entries) + [p for pages in laid for p in pages]


# -- drawing -----------------------------------------------------------------------------------
def _rc() -> dict[str, Any]:
    return {
        "font.family": [font()[1]],
        "pdf.fonttype": 42,  # TrueType, embedded (subset) with a Unicode map: text extractable
        # matplotlib sizes the PDF's font subsets by ps.fonttype: 42 keeps the whole Basic
        # Multilingual Plane in one subset, so the font is subset and embedded once, not once
        # per 256 glyphs (with the default 3, a brief's kanji made three copies)
        "ps.fonttype": 42,
        "axes.unicode_minus": False,
        "pdf.compression": 6,
    }


def _fx(x: float) -> float:
    return x / PAGE_W


def _fy(y: float) -> float:
    return 1.0 - y / PAGE_H


@lru_cache(maxsize=1)
def _label_class() -> Any:
    """A text artist for laid-out lines: drawn at its baseline without being measured again.

    ``Figure.text`` measures every string to align it, which costs as much as drawing it; the
    layout has placed each line already (left, baseline), so this artist only draws.
    """
    from matplotlib.artist import Artist
    from matplotlib.font_manager import FontProperties

    class Label(Artist):
        def __init__(self, x: float, y: float, text: str, size: float, color: str) -> None:
            super().__init__()
            self.set_zorder(3)  # above the shaded bands, as Figure.text
            self._xy = (x, y)
            self._text = text
            self._prop = FontProperties(family=font()[1], size=size)
            self._color = color

        def draw(self, renderer: Any) -> None:
            if not self.get_visible() or not self._text:
                return
            fig = self.get_figure(root=True)
            assert fig is not None
            x, y = fig.transFigure.transform(self._xy)
            gc = renderer.new_gc()
            gc.set_foreground(self._color)
            renderer.draw_text(gc, x, y, self._text, self._prop, 0.0, ismath=False, mtext=None)
            gc.restore()

    return Label


def _draw(page: Page, number: int, total: int) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    label = _label_class()
    fig = Figure(figsize=(PAGE_W / MM_PER_IN, PAGE_H / MM_PER_IN))
    for i, op in enumerate(page.ops):
        z = 1.0 + i / (len(page.ops) + 1)  # drawn in the order laid out (bars over grid lines)
        if isinstance(op, TextOp):
            fig.add_artist(label(_fx(op.x), _fy(op.y), op.text, op.size, op.color)).set_zorder(z)
        elif isinstance(op, RectOp):
            fig.add_artist(
                Rectangle(
                    (_fx(op.x), _fy(op.y + op.h)),
                    op.w / PAGE_W,
                    op.h / PAGE_H,
                    transform=fig.transFigure,
                    facecolor=op.fill,
                    edgecolor="none",
                    zorder=z,
                )
            )
        elif isinstance(op, LineOp):
            fig.add_artist(
                Line2D(
                    [_fx(op.x1), _fx(op.x2)],
                    [_fy(op.y1), _fy(op.y2)],
                    transform=fig.transFigure,
                    color=op.color,
                    linewidth=op.width,
                    linestyle="--" if op.dashed else "-",
                    zorder=z,
                )
            )
    fig.add_artist(
        Line2D(
            [_fx(MARGIN_L), _fx(PAGE_W - MARGIN_R)],
            [_fy(FOOTER_Y - 4.0)] * 2,
            transform=fig.transFigure,
            color=RULE,
            linewidth=0.4,
        )
    )
    size = SMALL - 0.4
    fig.add_artist(label(_fx(MARGIN_L), _fy(FOOTER_Y), page.footer, size, MUTED))
    num = f"{number} / {total}"
    fig.add_artist(
        label(_fx(PAGE_W - MARGIN_R - width(num, size)), _fy(FOOTER_Y), num, size, MUTED)
    )
    return fig


def render(pages: Sequence[Page], out: Any, *, title: str = "") -> None:
    """Draw ``pages`` into ``out`` (a path or a binary file)."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    with (
        matplotlib.rc_context(_rc()),  # type: ignore[arg-type]
        PdfPages(
            out, metadata={"Title": title, "Creator": "hintbot brief", "CreationDate": None}
        ) as pdf,
    ):
        for i, page in enumerate(pages, 1):
            pdf.savefig(_draw(page, i, len(pages)))


def write_pdf(briefs: Sequence[Brief], path: Path, *, title: str | None = None) -> int:
    """Write ``briefs`` into one PDF at ``path`` (atomically); returns the page count."""
    pages = paginate(briefs, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        render(pages, tmp, title=title or (briefs[0].label if len(briefs) == 1 else ""))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(pages)


def pdf_bytes(brief: Brief) -> bytes:
    buf = io.BytesIO()
    render(paginate([brief]), buf, title=brief.label)
    return buf.getvalue()
