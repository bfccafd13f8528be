"""A survey digest (``bot.survey.digest.Digest``) as Block Kit for its channel.

Card buttons use the App Home action (``home:card:NN``, value ``card:NN``): a click from a
channel message opens the card in the clicking person's DM, so a shared digest is never
consumed by one click and the consultation stays private.
"""

from __future__ import annotations

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

from bot.slack.blocks import HOME_ACTION, escape
from bot.survey.digest import CardLinks, Digest, Note, Section

SECTION_MAX = 2900
CONTEXT_MAX = 2900
HEADER_MAX = 150
BUTTON_MAX = 75
BUTTONS_PER_ROW = 5
CARDS_INTRO = (
    "上位の課題に答えるヒントカードです。ボタンを押すと、"
    "押した方とボットのダイレクトメッセージでカードが開きます。"
)


def digest_blocks(digest: Digest) -> list[Block]:
    """Header, notes and sections in the digest's order, card buttons, then the source."""
    blocks: list[Block] = [HeaderBlock(text=digest.title[:HEADER_MAX])]
    for part in digest.parts:
        if isinstance(part, Note):
            blocks.append(_note(part))
        elif isinstance(part, Section):
            md = f"*{escape(part.heading)}*\n{escape(part.body)}"
            blocks.append(SectionBlock(text=MarkdownTextObject(text=md[:SECTION_MAX])))
        elif isinstance(part, CardLinks):
            blocks += _card_buttons(part)
    blocks.append(DividerBlock())
    blocks.append(_note(digest.footer))
    return blocks


def digest_blocks_json(digest: Digest) -> list[dict[str, Any]]:
    """The blocks as Slack receives them (``to_dict`` also runs slack_sdk's validators)."""
    return [b.to_dict() for b in digest_blocks(digest)]


def _note(note: Note) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=escape(note.text)[:CONTEXT_MAX])])


def _card_buttons(links: CardLinks) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=CARDS_INTRO))]
    cards = links.cards
    for i in range(0, len(cards), BUTTONS_PER_ROW):
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=f"ヒント{c.card} {c.title}"[:BUTTON_MAX],
                        action_id=f"{HOME_ACTION}:card:{c.card}",
                        value=f"card:{c.card}",
                    )
                    for c in cards[i : i + BUTTONS_PER_ROW]
                ]
            )
        )
    return blocks
