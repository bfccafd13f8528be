"""Block Kit rendering of engine replies and of the App Home view.

Built with ``slack_sdk.models.blocks`` so Slack's limits are validated when serialised, and
kept under them by construction: at most 50 blocks a message, section text under 3,000
characters (long answers are split across sections), button labels short (long situation
titles go in the section text next to the button), one unique ``action_id`` per button.
Every message also carries a plain-text fallback from the plain renderer. Both draw the
values the ``Reply`` carries; neither reloads the knowledge base to rebuild an answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
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
from slack_sdk.models.views import View

from bot.core.replies import Option, Reply
from bot.knowledge.model import CATEGORIES, Card, KnowledgeBase
from bot.render import text as rt
from bot.text.notes import SAMPLE_NOTE

MAX_BLOCKS = 50
SECTION_LIMIT = 2900  # Slack allows 3,000; the margin absorbs escaping and bold markers
HEADER_LIMIT = 150
LABEL_LIMIT = 75
FALLBACK_LIMIT = 3000
ACTIONS_PER_BLOCK = 25
OPTION_ACTION = "opt"  # action_id prefix of reply buttons: opt:<index>
HOME_ACTION = "home"  # action_id prefix of App Home buttons: home:<option id>
JST = timedelta(hours=9)


@dataclass(frozen=True)
class Rendered:
    """A message ready for chat.postMessage: fallback ``text`` and Block Kit ``blocks``."""

    text: str
    blocks: list[Block]

    def blocks_json(self) -> list[dict[str, Any]]:
        return [b.to_dict() for b in self.blocks]


# -- text helpers -------------------------------------------------------------------------
def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Escaped mrkdwn chunks of at most ``limit`` characters, cut at line ends when possible."""
    chunks: list[str] = []
    cur = ""
    for line in text.split("\n"):
        esc = escape(line)
        if len(esc) > limit:
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.extend(_hard_split(line, limit))
            continue
        candidate = f"{cur}\n{esc}" if cur else esc
        if len(candidate) <= limit:
            cur = candidate
        else:
            chunks.append(cur)
            cur = esc
    if cur.strip():
        chunks.append(cur)
    return [c for c in chunks if c.strip()] or []


def _hard_split(line: str, limit: int) -> list[str]:
    out: list[str] = []
    cur = ""
    for ch in line:
        e = escape(ch)
        if len(cur) + len(e) > limit:
            out.append(cur)
            cur = ""
        cur += e
    if cur:
        out.append(cur)
    return out


def fallback_text(text: str, limit: int = FALLBACK_LIMIT) -> str:
    """The notification/plain-text version: the reply text, cut at a line end if long."""
    text = text.strip() or "地域づくりヒントBotからのお返事です。"
    if len(text) <= limit:
        return text
    cut = text[: limit - 20]
    nl = cut.rfind("\n")
    if nl > limit // 2:
        cut = cut[:nl]
    return cut.rstrip() + "\n…（続きは本文をご覧ください）"


def label(text: str, limit: int = LABEL_LIMIT) -> str:
    return rt.short(text, limit)


def _bold_first_line(chunk: str) -> str:
    first, sep, rest = chunk.partition("\n")
    return f"*{first}*{sep}{rest}" if first.strip() else chunk


def _sections(text: str, *, bold_first: bool = False) -> list[Block]:
    blocks: list[Block] = []
    for i, chunk in enumerate(split_text(text, SECTION_LIMIT - 4)):
        body = _bold_first_line(chunk) if bold_first and i == 0 else chunk
        blocks.append(SectionBlock(text=MarkdownTextObject(text=body)))
    return blocks


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=escape(text)[:2900])])


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=rt.short(text, HEADER_LIMIT))


# -- the renderer -------------------------------------------------------------------------
class Renderer:
    """Turns a ``Reply`` into a Block Kit message; needs the knowledge base for rich cards."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def message(self, reply: Reply) -> Rendered:
        return _MessageBuilder().build(reply)

    def _card(self, card_id: str | None) -> Card | None:
        if card_id and self.kb.has_card(card_id):
            return self.kb.card(card_id)
        return None

    # -- App Home -------------------------------------------------------------------------
    def home(self, consultations: Iterable[Any] = ()) -> View:
        """The Home tab: the ten cards by category and the user's recent consultations."""
        blocks: list[Block] = [
            _header("地域づくりヒントBot"),
            SectionBlock(
                text=MarkdownTextObject(
                    text="地域づくりの悩みに合うヒントカードと対策をご案内します。"
                    "このアプリへのメッセージでお悩みを書くか、チャンネルでメンションしてください。"
                    "`/hint お悩み` でも相談できます。下のボタンからヒントを開くと、"
                    "メッセージでお答えします。"
                )
            ),
        ]
        for cat in CATEGORIES:
            cards = [c for c in self.kb.cards if c.category == cat]
            if not cards:
                continue
            blocks.append(DividerBlock())
            blocks.append(_header(cat))
            for c in cards:
                intro = rt.short(c.introduction, 90)
                blocks.append(
                    SectionBlock(
                        text=MarkdownTextObject(
                            text=f"*ヒント{c.id} {escape(c.title)}*\n{escape(intro)}"
                        ),
                        accessory=ButtonElement(
                            text="このヒントを見る",
                            action_id=f"{HOME_ACTION}:card:{c.id}",
                            value=f"card:{c.id}",
                        ),
                    )
                )
        blocks.append(DividerBlock())
        blocks.append(_header("最近のご相談"))
        lines = [self._history_line(row) for row in consultations]
        lines = [line for line in lines if line]
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="\n".join(lines)[: SECTION_LIMIT - 4]
                    if lines
                    else "まだご相談の記録はありません。"
                )
            )
        )
        blocks.append(_context(rt.SOURCE_NOTE))
        return View(type="home", blocks=blocks[:100])

    def _history_line(self, row: Any) -> str:
        when = row.created_at + JST if row.created_at else None
        parts = [f"• {when:%m/%d %H:%M}" if when else "•"]
        card = self._card(row.card)
        if card is not None:
            parts.append(f"ヒント{card.id}「{escape(card.title)}」")
            if row.situation:
                parts.append(f"状況{row.situation}")
        elif getattr(row, "intent", "") == "data":
            parts.append("指標のご質問")
        else:
            parts.append("（該当するヒントなし）")
        text = (row.text or "").strip()
        if text and not text.startswith("["):
            parts.append(f"「{escape(rt.short(text, 30))}」")
        if row.feedback:
            parts.append("👍" if row.feedback == "up" else "👎")
        return " ".join(parts)

    # -- after a click --------------------------------------------------------------------
    def choice_label(self, value: str, button_text: str = "") -> str:
        """What the user chose, in words, for the 「選択: …」 line."""
        if value.startswith("card:") and self._card(value[5:]):
            return rt.card_heading(self.kb.card(value[5:]))
        if value.startswith("situation:"):
            cid, _, n = value[len("situation:") :].partition("-")
            card = self._card(cid)
            if card is not None and n.isdigit():
                try:
                    return f"{n}. {card.situation(int(n)).title}"
                except KeyError:
                    pass
        return button_text or value


def _style(opt: Option) -> str | None:
    return "primary" if opt.id == "feedback:up" else None


def _content_end(blocks: list[Block]) -> int:
    """Index just before the trailing buttons (and their category labels), where notes go."""
    i = len(blocks)
    while i > 0 and isinstance(blocks[i - 1], ActionsBlock | ContextBlock):
        i -= 1
    return i


def fit_blocks(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """Keep a message within Slack's block limit: merge plain sections, then elide the middle."""
    if len(blocks) <= limit:
        return blocks
    merged: list[Block] = []
    for b in blocks:
        prev = merged[-1] if merged else None
        if (
            isinstance(b, SectionBlock)
            and isinstance(prev, SectionBlock)
            and b.accessory is None
            and prev.accessory is None
            and b.text is not None
            and prev.text is not None
            and len(prev.text.text) + len(b.text.text) + 1 <= SECTION_LIMIT
        ):
            merged[-1] = SectionBlock(
                text=MarkdownTextObject(text=f"{prev.text.text}\n{b.text.text}")
            )
        else:
            merged.append(b)
    if len(merged) <= limit:
        return merged
    # every button must survive (each option is a button): drop plain content instead
    must = {
        i
        for i, b in enumerate(merged)
        if isinstance(b, ActionsBlock) or (isinstance(b, SectionBlock) and b.accessory)
    }
    must |= set(range(_content_end(merged), len(merged)))
    optional_budget = limit - 1 - len(must)
    out: list[Block] = []
    noted = False
    for i, b in enumerate(merged):
        if i in must:
            out.append(b)
        elif optional_budget > 0:
            out.append(b)
            optional_budget -= 1
        elif not noted:
            out.append(
                _context("（長いため一部を省略しました。続きは、言葉を変えてお尋ねください。）")
            )
            noted = True
    return out[:limit]


def consumed_blocks(blocks: list[dict[str, Any]], chosen: str) -> list[dict[str, Any]]:
    """The clicked message without its buttons, ending with 「選択: …」 (no second click)."""
    out: list[dict[str, Any]] = []
    for b in blocks:
        if b.get("type") == "actions":
            continue
        acc = b.get("accessory")
        if isinstance(acc, dict) and acc.get("type") == "button":
            b = {k: v for k, v in b.items() if k != "accessory"}
        out.append(b)
    out.append(_context(f"選択: {chosen}").to_dict())
    return out[:MAX_BLOCKS]


class _MessageBuilder:
    """Builds one message; holds the button counter so action ids are unique in it."""

    def __init__(self) -> None:
        self._buttons = 0  # one builder per message: action ids opt:0, opt:1, … are unique
        self._cards: dict[str, Card] = {}

    def build(self, reply: Reply) -> Rendered:
        card = reply.shown_card
        self._cards = {c.id: c for c in (*reply.menu, *(ch.card for ch in reply.choices))}
        if reply.kind == "card" and card is not None:
            blocks = self._card_blocks(reply, card)
        elif reply.kind == "countermeasures" and card is not None and reply.shown_situations:
            blocks = self._countermeasure_blocks(reply, card)
        else:
            blocks = self._generic_blocks(reply)
        if reply.understood:
            blocks.insert(0, _context(reply.understood))
        if reply.sample:
            blocks.insert(_content_end(blocks), _context(SAMPLE_NOTE))
        return Rendered(fallback_text(rt.render(reply)), fit_blocks(blocks))

    def _button(self, opt: Option, text: str | None = None, *, style: str | None = None) -> Any:
        aid = f"{OPTION_ACTION}:{self._buttons}"
        self._buttons += 1
        return ButtonElement(
            text=label(text or opt.label), action_id=aid, value=opt.id[:2000], style=style
        )

    # card: 「こんな状況に陥っていませんか？」 with one button per situation
    def _card_blocks(self, reply: Reply, card: Card) -> list[Block]:
        heading = rt.card_heading(card)
        blocks: list[Block] = [_header(heading)]
        lead = rt.lead_text(reply)
        # the header already names the card; the lead need not repeat it
        blocks += _sections(lead.replace(f"{heading}のヒント", "このヒント", 1))
        if reply.intro and card.introduction:
            blocks += _sections(card.introduction)
        if reply.whole_card and (extra := rt.whole_card_text(card)):
            blocks += _sections(extra)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="*こんな状況に陥っていませんか？*\n当てはまるものを選んでください"
                    "（複数当てはまる場合は、順にご覧いただけます）。"
                )
            )
        )
        if sugg := rt.suggestion_text(reply):
            blocks.append(_context(sugg))
        by_id = {o.id: o for o in reply.options}
        used: set[str] = set()
        for s in reply.shown_situations:
            oid = f"situation:{card.id}-{s.n}"
            text = escape(f"{s.n}. {s.title}")
            body = f"*{text}*\n→ {escape(s.question)}"[: SECTION_LIMIT - 4]
            opt = by_id.get(oid)
            if opt is None:
                blocks.append(SectionBlock(text=MarkdownTextObject(text=body)))
                continue
            used.add(oid)
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=body),
                    accessory=self._button(opt, "これに当てはまる", style="primary"),
                )
            )
        blocks += self._option_blocks([o for o in reply.options if o.id not in used])
        return blocks

    # countermeasures: the situation, each 対策 in its own section(s), the source note
    def _countermeasure_blocks(self, reply: Reply, card: Card) -> list[Block]:
        blocks: list[Block] = [_header(rt.card_heading(card))]
        blocks += _sections(rt.lead_text(reply))
        for s in reply.shown_situations:
            blocks += _sections(rt.situation_detail(reply.references, s), bold_first=True)
        for cm in reply.shown_countermeasures:
            blocks.append(DividerBlock())
            blocks += _sections(rt.countermeasure_text(reply.references, cm), bold_first=True)
        blocks.append(_context(rt.SOURCE_NOTE))
        titles = {s.n: s.title for s in card.situations}
        others = [o for o in reply.options if o.id.startswith(f"situation:{card.id}-")]
        if others:
            blocks.append(DividerBlock())
            blocks.append(
                SectionBlock(text=MarkdownTextObject(text="*ほかの状況にも当てはまりますか？*"))
            )
            for o in others:
                n = int(o.id.rsplit("-", 1)[1])
                title = f"{n}. {titles[n]}" if n in titles else o.label
                blocks.append(
                    SectionBlock(
                        text=MarkdownTextObject(text=escape(title)[: SECTION_LIMIT - 4]),
                        accessory=self._button(o, "この状況の対策を見る"),
                    )
                )
        blocks += self._option_blocks([o for o in reply.options if o not in others])
        return blocks

    # menu, ask_card, help, feedback, data, error: text, then the options
    def _generic_blocks(self, reply: Reply) -> list[Block]:
        # the buttons below list the cards by category; the menu is not printed twice
        text = rt.render(replace(reply, menu=(), source_note=False, understood=""))
        if reply.kind == "help":
            text = text.rstrip()
        blocks: list[Block] = _sections(text)
        blocks += self._option_blocks(list(reply.options))
        if reply.source_note:
            blocks.append(_context(rt.SOURCE_NOTE))
        return blocks

    def _option_blocks(self, options: Sequence[Option]) -> list[Block]:
        """Card options grouped by category; the rest in a final row of buttons."""
        blocks: list[Block] = []
        cards = [o for o in options if o.id.startswith("card:") and o.id[5:] in self._cards]
        if len(cards) > 3:
            for cat in CATEGORIES:
                in_cat = [o for o in cards if self._cards[o.id[5:]].category == cat]
                if not in_cat:
                    continue
                blocks.append(_context(f"■ {cat}"))
                blocks += self._rows(in_cat)
            rest = [o for o in options if o not in cards]
        else:
            rest = list(options)
        blocks += self._rows(rest)
        return blocks

    def _rows(self, options: Sequence[Option]) -> list[Block]:
        rows: list[Block] = []
        for i in range(0, len(options), ACTIONS_PER_BLOCK):
            chunk = options[i : i + ACTIONS_PER_BLOCK]
            rows.append(ActionsBlock(elements=[self._button(o, style=_style(o)) for o in chunk]))
        return rows
