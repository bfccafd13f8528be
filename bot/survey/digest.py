"""The digest for one prefecture channel, composed as plain values.

``build_digest`` turns the figures (``DigestInput``) into a ``Digest``: a title, notes and
sections in order, the cards its buttons open, the chart to draw and the snapshot the next
digest compares with. ``Digest.text`` is its plain-text rendering (``--dry-run`` and the
notification text); the channel's Block Kit rendering is ``bot.slack.digest_blocks``. Both
read the same values, so what a dry run prints is what the channel gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from analytics.charts import BarChart
from bot.survey.aggregate import TOP_N, Changes, ItemShare, Summary, all_item_deltas, changes
from bot.survey.definition import Survey
from bot.survey.schedule import fmt_date, slot_label
from bot.text.notes import SAMPLE_NOTE

MAX_LISTED = 40  # unanswered municipalities named before 「ほか N 市町村」


@dataclass(frozen=True)
class DigestInput:
    survey: Survey
    pref: Summary
    region: Summary
    previous: Mapping[str, Any] | None  # the last posted digest's snapshot
    previous_at: datetime | None
    worries: Sequence[tuple[str, int]]  # (card id, consultations) last week, most first
    next_meeting: date | None
    slot: str
    today: date
    card_titles: Mapping[str, str]
    muni_names: Mapping[str, str]
    top_n: int = TOP_N


@dataclass(frozen=True)
class Note:
    """A short line: the date and slot, the sample warning, the source."""

    text: str


@dataclass(frozen=True)
class Section:
    heading: str
    body: str


@dataclass(frozen=True)
class CardLink:
    card: str  # card id, e.g. "04"
    title: str


@dataclass(frozen=True)
class CardLinks:
    """The hint cards answering the top barriers, which a reader can open."""

    cards: tuple[CardLink, ...]


Part = Note | Section | CardLinks


@dataclass(frozen=True)
class Digest:
    title: str
    parts: tuple[Part, ...]  # in reading order
    footer: Note  # the source line, set apart at the end
    chart: BarChart
    cards: tuple[str, ...]
    sample: bool
    snapshot: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The plain-text rendering: what ``--dry-run`` prints and Slack notifies with."""
        lines = [self.title]
        for part in self.parts:
            if isinstance(part, Note):
                lines.append(part.text)
            elif isinstance(part, Section):
                lines += ["", f"■ {part.heading}", part.body]
            else:
                lines += ["", "ボタンから開けるヒントカード: " + "、".join(map(hint, part.cards))]
        lines.append(self.footer.text)
        return "\n".join(lines).strip()


@dataclass(frozen=True)
class Composed:
    """A digest and its chart, drawn as a PNG file (None when not drawn)."""

    digest: Digest
    chart_path: Path | None


def hint(link: CardLink) -> str:
    return f"ヒント{link.card}「{link.title}」"


def pct(v: float) -> str:
    return f"{v:.0f}%"


def pt(v: float) -> str:
    sign = "+" if v > 0 else ("±" if round(v) == 0 else "−")
    return f"{sign}{abs(v):.0f}pt"


def _cards_of(top: Sequence[ItemShare]) -> tuple[str, ...]:
    seen: list[str] = []
    for s in top:
        for c in s.item.cards:
            if c not in seen:
                seen.append(c)
    return tuple(seen)


def _names(codes: Sequence[str], names: Mapping[str, str]) -> str:
    shown = [names.get(c, c) for c in codes[:MAX_LISTED]]
    more = len(codes) - len(shown)
    return "、".join(shown) + (f" ほか {more} 市町村" if more > 0 else "")


def build_digest(d: DigestInput) -> Digest:
    p, r, survey = d.pref, d.region, d.survey
    top = p.top(d.top_n)
    cards = _cards_of(top)
    ch: Changes = changes(p, d.previous)
    sample = p.sample or r.sample

    def link(card: str) -> CardLink:
        return CardLink(card, d.card_titles.get(card, ""))

    title = f"{p.name} 課題認識アンケート ダイジェスト"
    parts: list[Part] = [Note(f"{fmt_date(d.today)} 時点 ・ {slot_label(d.slot)}のお知らせ")]
    if sample:
        parts.append(
            Note(f"{SAMPLE_NOTE}：このダイジェストの集計にはデモ用の架空の回答が含まれます。")
        )

    # headline figures
    head = [
        f"回答: {len(p.answered)} / {p.total} 市町村（回答率 {pct(p.response_rate)}）"
        f" ・ 近畿2府5県全体 {len(r.answered)} / {r.total} 市町村（{pct(r.response_rate)}）",
    ]
    if ch.previous:
        head.append(f"前回のダイジェストから回答が {ch.answered_delta:+d} 市町村")
    if top:
        t = top[0]
        head.append(
            f"最も多くの市町村が課題としているのは「{t.item.text}」です"
            f"（{pct(t.share)}が「とても当てはまる」「当てはまる」）。"
        )
    else:
        head.append("まだ回答がありません。市町村の皆さまに /survey での回答をお願いします。")
    parts.append(Section("回答の状況", "\n".join(head)))

    if top:
        deltas = all_item_deltas(p, d.previous)
        rows = []
        for i, s in enumerate(top, 1):
            rs = r.share(s.item.id)
            extras = [f"近畿全体 {pct(rs.share)}"]
            dd = deltas.get(s.item.id)
            if dd is not None:
                extras.append(f"前回比 {pt(dd)}")
            card = (
                "→ " + "、".join(hint(link(c)) for c in s.item.cards)
                if s.item.cards
                else "→ 対応するヒントカードはありません"
            )
            rows.append(
                f"{i}. {s.item.text}：{pct(s.share)}（うち「とても」{pct(s.strong_share)}、"
                f"{'、'.join(extras)}）\n　　{card}"
            )
        parts.append(
            Section(f"上位の課題（「当てはまる」計の割合、上位{len(top)}項目）", "\n".join(rows))
        )
    if cards:
        parts.append(CardLinks(tuple(link(c) for c in cards)))

    # changes since the previous digest
    if not ch.previous:
        body = "今回が最初のダイジェストです。次回から前回との違いをお知らせします。"
    else:
        lines = []
        when = f"（前回: {fmt_date(d.previous_at.date())}）" if d.previous_at else ""
        if ch.new_codes:
            lines.append(f"新たに回答した市町村: {_names(ch.new_codes, d.muni_names)}")
        for iid, delta in ch.item_deltas[:5]:
            lines.append(f"{survey.item(iid).text}: {pt(delta)}（現在 {pct(p.share(iid).share)}）")
        if not lines:
            lines.append("大きな変化（5ポイント以上）はありません。")
        body = when + "\n" + "\n".join(lines) if when else "\n".join(lines)
    parts.append(Section("前回からの変化", body))

    if p.unanswered:
        parts.append(
            Section(
                f"まだ回答していない市町村（{len(p.unanswered)}）",
                _names(p.unanswered, d.muni_names) + "\n回答は Slack の /survey からできます。",
            )
        )
    else:
        parts.append(
            Section(
                "まだ回答していない市町村", "すべての市町村が回答済みです。ありがとうございます。"
            )
        )

    if d.worries:
        body = "\n".join(f"{hint(link(c))}：{n}件" for c, n in d.worries[:5])
    else:
        body = "先週は、登録された方からのご相談はありませんでした。"
    parts.append(Section(f"先週ボットに多く寄せられた悩み（{p.name}の登録利用者）", body))

    if d.next_meeting:
        days = (d.next_meeting - d.today).days
        when = "本日" if days == 0 else f"あと {days} 日"
        meeting = f"{fmt_date(d.next_meeting)}（{when}）"
    else:
        meeting = "まだ登録されていません（hintbot meeting add 日付 で登録できます）。"
    parts.append(Section("次回の市町村支援策検討会", meeting))

    note = f"出典: {survey.source}の項目による集計。グラフはこのメッセージのスレッドにあります。"
    if sample:
        note = f"{SAMPLE_NOTE} " + note

    chart = BarChart(
        title=f"{p.name}：課題として「当てはまる」と答えた市町村の割合",
        labels=tuple(f"{s.item.n}. {s.item.short}" for s in p.items),
        values=tuple(round(s.share, 1) for s in p.items),
        highlight=tuple(i for i, s in enumerate(p.items) if s in top),
        unit="%（「とても当てはまる」＋「当てはまる」）",
        note=(SAMPLE_NOTE + " " if sample else "")
        + f"回答 {len(p.answered)} / {p.total} 市町村 ・ 赤: 上位の課題",
        horizontal=True,
    )
    return Digest(title, tuple(parts), Note(note), chart, cards, sample, p.snapshot())
