"""Plain-text rendering of reply values: cards, situations, countermeasures, menus.

Used as the terminal output, the ``text`` of ``chat --json`` and the fallback text of every
Slack message, so it must read well on its own. It draws only what the ``Reply`` carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.replies import Reply
from bot.knowledge.model import CATEGORIES, Card, Citation, Countermeasure, Reference, Situation

SOURCE_NOTE = (
    "出典: 厚生労働省 近畿厚生局 令和2年度事業報告書 別冊資料編"
    "「地域づくりにおける悩みと対策のヒント」"
)
LABEL_MAX = 75  # Slack's button label limit; labels are kept under it everywhere


def short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_heading(card: Card) -> str:
    return f"ヒント{card.id}「{card.title}」（{card.category}）"


def situation_label(s: Situation) -> str:
    """Button label; unnumbered, because the terminal numbers options in display order."""
    return short(s.title, 60)


def citations(refs: Mapping[str, Reference], cites: tuple[Citation, ...]) -> str:
    parts = []
    for c in cites:
        ref = refs.get(c.mark)
        title = f"『{ref.title}』" if ref and ref.title else "（題名は資料に記載がありません）"
        detail = f" {c.detail}" if c.detail else ""
        parts.append(f"{c.mark}{title}{detail}")
    return "参考文献: " + "、".join(parts) if parts else ""


def menu_text(all_cards: Sequence[Card]) -> str:
    lines = []
    for cat in CATEGORIES:
        cards = [c for c in all_cards if c.category == cat]
        if not cards:
            continue
        lines.append(f"■ {cat}")
        lines += [f"  {c.id} {c.title}" for c in cards]
    return "\n".join(lines)


def situations_text(card: Card, order: tuple[int, ...]) -> str:
    lines = []
    for n in order:
        s = card.situation(n)
        lines.append(f"◇ {s.title}")
        lines.append(f"   {s.question}")
    return "\n".join(lines)


def countermeasure_text(refs: Mapping[str, Reference], cm: Countermeasure) -> str:
    lines = [f"【対策{cm.n}】{cm.title}"]
    for p in cm.points:
        lines.append(f"  ◆ {p.heading}")
        lines.append(f"    {p.text}")
    for e in cm.examples:
        lines.append(f"  ＜{e.heading}＞")
        lines.append(f"    {e.text}")
    ref = citations(refs, cm.references)
    if ref:
        lines.append(f"  {ref}")
    return "\n".join(lines)


def situation_detail(refs: Mapping[str, Reference], s: Situation) -> str:
    lines = [f"【陥っている状況{s.n}】{s.title}", s.explanation]
    ref = citations(refs, s.references)
    if ref:
        lines.append(ref)
    return "\n".join(lines)


def lead_text(reply: Reply) -> str:
    """The first sentence (the engine writes the evidence, 手がかり, into it)."""
    return reply.lead


SITUATION_QUESTION = (
    "こんな状況に陥っていませんか？ 当てはまるものを選んでください"
    "（複数当てはまる場合は、順にご覧いただけます）。"
)


def suggestion_text(reply: Reply) -> str:
    card = reply.shown_card
    if not reply.suggested or card is None or reply.suggestion_is_next:
        return ""
    return f"お書きの内容からは、特に「{card.situation(reply.suggested[0]).title}」が近いようです。"


def whole_card_text(card: Card) -> str:
    """Background and worries of a card opened by name."""
    lines: list[str] = []
    if card.background:
        lines.append("▍背景")
        lines += list(card.background)
    if card.worries:
        lines.append("▍悩みの具体例")
        lines += [f"・{w}" for w in card.worries]
    return "\n".join(lines)


def render(reply: Reply) -> str:
    """The whole reply as plain text."""
    lines: list[str] = []
    if reply.understood:
        lines.append(reply.understood)
    card = reply.shown_card
    if reply.kind == "card" and card is not None:
        lines.append(lead_text(reply))
        if reply.intro:
            lines.append(card.introduction)
        if reply.whole_card and (extra := whole_card_text(card)):
            lines.append(extra)
        lines.append("")
        lines.append(SITUATION_QUESTION)
        if sugg := suggestion_text(reply):
            lines.append(sugg)
        lines.append(situations_text(card, reply.situations))
        return "\n".join(lines)
    if reply.kind == "countermeasures" and card is not None:
        lines += [lead_text(reply), ""]
        lines += [situation_detail(reply.references, s) for s in reply.shown_situations]
        lines.append("")
        lines += [countermeasure_text(reply.references, cm) for cm in reply.shown_countermeasures]
        lines += ["", SOURCE_NOTE]
        return "\n".join(lines)
    if reply.kind == "ask_card" and reply.choices:
        lines.append(lead_text(reply))
        for ch in reply.choices:
            why = f"（手がかり: {'、'.join(ch.evidence)}）" if ch.evidence else ""
            lines.append(f"・{card_heading(ch.card)}{why}")
        return "\n".join(lines)
    if reply.lead and reply.lead != reply.body.split("\n", 1)[0]:
        lines.append(lead_text(reply))
    if reply.body:
        lines.append(reply.body)
    if reply.menu:
        if reply.kind == "help":
            lines += ["", "ヒントカードの一覧:", menu_text(reply.menu)]
        else:
            lines += ["", menu_text(reply.menu)]
    if reply.source_note:
        lines += ["", SOURCE_NOTE]
    return "\n".join(lines)
