"""Plain-text rendering of cards, situations and countermeasures.

Used as the terminal output and as the fallback text of every Slack message, so it must read
well on its own.
"""

from __future__ import annotations

from bot.knowledge.model import CATEGORIES, Card, Citation, Countermeasure, KnowledgeBase, Situation

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


def citations(kb: KnowledgeBase, cites: tuple[Citation, ...]) -> str:
    parts = []
    for c in cites:
        ref = kb.reference(c.mark)
        title = f"『{ref.title}』" if ref and ref.title else "（題名は資料に記載がありません）"
        detail = f" {c.detail}" if c.detail else ""
        parts.append(f"{c.mark}{title}{detail}")
    return "参考文献: " + "、".join(parts) if parts else ""


def menu_text(kb: KnowledgeBase) -> str:
    lines = []
    for cat in CATEGORIES:
        cards = [c for c in kb.cards if c.category == cat]
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


def countermeasure_text(kb: KnowledgeBase, cm: Countermeasure) -> str:
    lines = [f"【対策{cm.n}】{cm.title}"]
    for p in cm.points:
        lines.append(f"  ◆ {p.heading}")
        lines.append(f"    {p.text}")
    for e in cm.examples:
        lines.append(f"  ＜{e.heading}＞")
        lines.append(f"    {e.text}")
    ref = citations(kb, cm.references)
    if ref:
        lines.append(f"  {ref}")
    return "\n".join(lines)


def situation_detail(kb: KnowledgeBase, s: Situation) -> str:
    lines = [f"【陥っている状況{s.n}】{s.title}", s.explanation]
    ref = citations(kb, s.references)
    if ref:
        lines.append(ref)
    return "\n".join(lines)


def help_text(kb: KnowledgeBase, data_enabled: bool) -> str:
    lines = [
        "地域づくりヒントBotです。地域づくり（通いの場、協議体、生活支援コーディネーター、"
        "総合事業など）で困っていることを、ふだんの言葉で書いてください。",
        "例:「協議体がお客様状態で困っている」「SCに丸投げになっている」「移動支援の担い手がいない」",
        "当てはまりそうなヒントカードを探し、「こんな状況に陥っていませんか？」とお聞きしたうえで、"
        "状況に合った対策をご紹介します。",
    ]
    if data_enabled:
        lines.append(
            "指標のご質問にもお答えします。例:「茨木市の75歳以上人口の将来推計は？」"
            "「奈良県で85歳以上人口の増加率が高い市町村トップ5」「何が聞ける？」"
        )
    lines += ["", "ヒントカードの一覧:", menu_text(kb), "", SOURCE_NOTE]
    return "\n".join(lines)
