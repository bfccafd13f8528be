"""Plain values that cross the engine boundary: what comes in and what goes out.

The engine answers with values (the card, its situations, the countermeasures, the lead, the
evidence, the options) and never with finished text: the plain-text renderer
(``bot.render.text``) and the Block Kit renderer (``bot.slack.blocks``) each draw the same
values, so neither has to reload the knowledge base to rebuild an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.knowledge.model import Card, Countermeasure, Reference, Situation

ReplyKind = Literal[
    "card",  # a card: asks which 陥っている状況 applies (or shows the whole card)
    "ask_card",  # ambiguous match: asks which of two or three cards
    "menu",  # no match or explicit menu: the ten cards by category
    "countermeasures",  # the 対策 for the chosen situation(s)
    "feedback",  # thanks for 役に立った / 役に立たなかった
    "help",  # greetings, 使い方, ヘルプ, thanks
    "data",  # indicator answers (analytics)
    "error",  # polite answer to unusable input: empty text, unknown or expired option
]


@dataclass(frozen=True)
class Option:
    """A choice offered to the user; ``id`` is stable and is sent back as ``choose``."""

    id: str
    label: str


@dataclass(frozen=True)
class Inbound:
    """One user turn: free text or a chosen option id, in one conversation."""

    conversation: str
    user: str
    text: str | None = None
    choose: str | None = None
    # Opaque context from the adapter (e.g. Slack team/channel); stored with the log only.
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DataReply:
    """An answer to an indicator question, produced by ``analytics``.

    ``context`` is JSON-serialisable state the engine keeps for a follow-up (for example the
    question while the user picks one of several 太子町); it is handed back to
    ``DataAnswerer.choose`` with the option the user chose.
    """

    text: str
    options: tuple[Option, ...] = ()
    charts: tuple[str, ...] = ()
    sample: bool = False
    context: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class CardChoice:
    """One card offered when the match is ambiguous, with the words that pointed to it."""

    card: Card
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What the engine answers, as values.

    ``card``, ``situations``, ``countermeasures`` and ``suggested`` are ids and numbers (stable,
    JSON); ``shown_card``, ``shown_situations`` and ``shown_countermeasures`` are the knowledge
    values the renderers draw, resolved once by the engine. ``lead`` is the first sentence,
    ``understood`` says how a written reply was read (「…」と受け取りました), ``body`` holds the
    free sentences of help, feedback, data and error replies.
    """

    kind: ReplyKind
    lead: str = ""
    card: str | None = None
    situations: tuple[int, ...] = ()
    countermeasures: tuple[int, ...] = ()
    suggested: tuple[int, ...] = ()
    options: tuple[Option, ...] = ()
    charts: tuple[str, ...] = ()
    sample: bool = False
    understood: str = ""
    body: str = ""
    evidence: tuple[str, ...] = ()  # the words that chose the card (also said in ``lead``)
    resembles: str = ""  # the card's worry the text resembles, when no telling word matched
    shown_card: Card | None = None
    shown_situations: tuple[Situation, ...] = ()
    shown_countermeasures: tuple[Countermeasure, ...] = ()
    references: Mapping[str, Reference] = field(default_factory=dict)
    choices: tuple[CardChoice, ...] = ()
    menu: tuple[Card, ...] = ()  # the cards listed by category under the text
    intro: bool = False  # show the card's introduction
    whole_card: bool = False  # show the card's background and worries too (opened by name)
    source_note: bool = False
    suggestion_is_next: bool = False  # ``suggested`` is the next to ask about, not a match

    def to_json(self, text: str) -> dict[str, Any]:
        """The ``chat --json`` object; ``text`` is the plain rendering of this reply."""
        return {
            "kind": self.kind,
            "text": text,
            "card": self.card,
            "situations": list(self.situations),
            "countermeasures": list(self.countermeasures),
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "charts": list(self.charts),
            "sample": self.sample,
        }
