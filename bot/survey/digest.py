"""The digest for one prefecture channel: Block Kit for Slack, plain text for ``--dry-run``.

Both come from the same ``DigestInput`` so what a dry run prints is what the channel gets.
Card buttons use the App Home action (``home:card:NN``, value ``card:NN``): a click from a
channel message opens the card in the clicking person's DM, so a shared digest is never
consumed by one click and the consultation stays private.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from analytics.charts import BarChart
from bot.slack.blocks import HOME_ACTION, SAMPLE_NOTE, escape
from bot.survey.aggregate import TOP_N, Changes, ItemShare, Summary, all_item_deltas, changes
from bot.survey.definition import Survey
from bot.survey.schedule import fmt_date, slot_label

MAX_LISTED = 40  # unanswered municipalities named before 「ほか N 市町村」
SECTION_MAX = 2900


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
class Digest:
    title: str
    text: str
    blocks: list[Block]
    chart: BarChart
    cards: tuple[str, ...]
    sample: bool
    snapshot: dict[str, Any] = field(default_factory=dict)

    def blocks_json(self) -> list[dict[str, Any]]:
        return [b.to_dict() for b in self.blocks]


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


class _Lines:
    """Builds the text and the blocks side by side."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.blocks: list[Block] = []

    def section(self, heading: str, body: str) -> None:
        self.text += ["", f"■ {heading}", body]
        md = f"*{escape(heading)}*\n{escape(body)}"
        self.blocks.append(SectionBlock(text=MarkdownTextObject(text=md[:SECTION_MAX])))

    def context(self, text: str) -> None:
        self.text.append(text)
        self.blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(text)[:2900])]))


def build_digest(d: DigestInput) -> Digest:
    p, r, survey = d.pref, d.region, d.survey
    top = p.top(d.top_n)
    cards = _cards_of(top)
    ch: Changes = changes(p, d.previous)
    sample = p.sample or r.sample
    title = f"{p.name} 課題認識アンケート ダイジェスト"
    out = _Lines()
    out.text.append(title)
    out.blocks.append(HeaderBlock(text=title[:150]))
    out.context(f"{fmt_date(d.today)} 時点 ・ {slot_label(d.slot)}のお知らせ")
    if sample:
        out.context(f"{SAMPLE_NOTE}：このダイジェストの集計にはデモ用の架空の回答が含まれます。")

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
    out.section("回答の状況", "\n".join(head))

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
                "→ " + "、".join(f"ヒント{c}「{d.card_titles.get(c, '')}」" for c in s.item.cards)
                if s.item.cards
                else "→ 対応するヒントカードはありません"
            )
            rows.append(
                f"{i}. {s.item.text}：{pct(s.share)}（うち「とても」{pct(s.strong_share)}、"
                f"{'、'.join(extras)}）\n　　{card}"
            )
        out.section(f"上位の課題（「当てはまる」計の割合、上位{len(top)}項目）", "\n".join(rows))
    if cards:
        out.text.append("")
        out.text.append(
            "ボタンから開けるヒントカード: "
            + "、".join(f"ヒント{c}「{d.card_titles.get(c, '')}」" for c in cards)
        )
        out.blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="上位の課題に答えるヒントカードです。ボタンを押すと、"
                    "押した方とボットのダイレクトメッセージでカードが開きます。"
                )
            )
        )
        for i in range(0, len(cards), 5):
            out.blocks.append(
                ActionsBlock(
                    elements=[
                        ButtonElement(
                            text=f"ヒント{c} {d.card_titles.get(c, '')}"[:75],
                            action_id=f"{HOME_ACTION}:card:{c}",
                            value=f"card:{c}",
                        )
                        for c in cards[i : i + 5]
                    ]
                )
            )

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
    out.section("前回からの変化", body)

    if p.unanswered:
        out.section(
            f"まだ回答していない市町村（{len(p.unanswered)}）",
            _names(p.unanswered, d.muni_names) + "\n回答は Slack の /survey からできます。",
        )
    else:
        out.section(
            "まだ回答していない市町村", "すべての市町村が回答済みです。ありがとうございます。"
        )

    if d.worries:
        wl = [f"ヒント{c}「{d.card_titles.get(c, '')}」：{n}件" for c, n in d.worries[:5]]
        body = "\n".join(wl)
    else:
        body = "先週は、登録された方からのご相談はありませんでした。"
    out.section(f"先週ボットに多く寄せられた悩み（{p.name}の登録利用者）", body)

    if d.next_meeting:
        days = (d.next_meeting - d.today).days
        when = "本日" if days == 0 else f"あと {days} 日"
        meeting = f"{fmt_date(d.next_meeting)}（{when}）"
    else:
        meeting = "まだ登録されていません（hintbot meeting add 日付 で登録できます）。"
    out.section("次回の市町村支援策検討会", meeting)

    out.blocks.append(DividerBlock())
    note = f"出典: {survey.source}の項目による集計。グラフはこのメッセージのスレッドにあります。"
    if sample:
        note = f"{SAMPLE_NOTE} " + note
    out.context(note)

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
    return Digest(
        title, "\n".join(out.text).strip(), out.blocks, chart, cards, sample, p.snapshot()
    )
