"""Plain values that cross the engine boundary: what comes in and what goes out.

Adapters (terminal, JSON lines, Slack) only ever see these, so the engine stays free of any
transport and every adapter renders the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ReplyKind = Literal[
    "card",  # confident match: names the card, asks which 陥っている状況 applies
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
class Reply:
    """What the engine answers. ``text`` is a complete plain-text rendering (the fallback)."""

    kind: ReplyKind
    text: str
    card: str | None = None
    situations: tuple[int, ...] = ()
    countermeasures: tuple[int, ...] = ()
    options: tuple[Option, ...] = ()
    charts: tuple[str, ...] = ()
    sample: bool = False
    # Short lead line for rich renderers (Block Kit header); falls back to the first text line.
    lead: str = ""
    # Situation numbers the text suggests (best first) when asking 「こんな状況に陥っていませんか？」.
    suggested: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "card": self.card,
            "situations": list(self.situations),
            "countermeasures": list(self.countermeasures),
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "charts": list(self.charts),
            "sample": self.sample,
        }
