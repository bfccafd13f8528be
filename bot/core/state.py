"""The conversation state as a frozen value, and option ids parsed once into typed values.

The store keeps the state as JSON; ``ConversationState.from_json`` is the one place that reads
it back, so a state written by an older version (or half-written by hand) degrades to a fresh
conversation instead of an exception in the middle of a turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, cast, get_args

Stage = Literal["start", "menu", "ask_card", "situation", "countermeasures", "done", "data"]
_STAGES = frozenset(get_args(Stage))


@dataclass(frozen=True)
class ConversationState:
    """Where a conversation stands: the question just asked and what it offered."""

    stage: Stage = "start"
    consultation: int | None = None  # the logged consultation this conversation belongs to
    card: str | None = None
    candidates: tuple[str, ...] = ()  # ask_card: the cards offered, in order
    order: tuple[int, ...] = ()  # situation: the situations listed, in order
    suggested: tuple[int, ...] = ()  # situation: the ones highlighted (best first)
    declined: tuple[int, ...] = ()  # situations the user said do not apply
    seen: tuple[int, ...] = ()  # countermeasures: situations already shown
    options: tuple[str, ...] = ()  # option ids of the last reply, in the order shown
    data_context: Mapping[str, Any] = field(default_factory=dict)
    undo: Mapping[str, Any] | None = None  # the state before a choice read from words

    def with_(self, **changes: Any) -> ConversationState:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["data_context"] = dict(self.data_context)
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> ConversationState | None:
        if not d:
            return None
        raw_stage = d.get("stage")
        stage: Stage = cast(Stage, raw_stage) if raw_stage in _STAGES else "start"

        def ints(key: str) -> tuple[int, ...]:
            return tuple(int(x) for x in d.get(key) or () if str(x).lstrip("-").isdigit())

        def strs(key: str) -> tuple[str, ...]:
            return tuple(str(x) for x in d.get(key) or ())

        cons = d.get("consultation")
        undo = d.get("undo")
        return cls(
            stage=stage,
            consultation=int(cons) if isinstance(cons, int | str) and str(cons).isdigit() else None,
            card=str(d["card"]) if d.get("card") else None,
            candidates=strs("candidates"),
            order=ints("order"),
            suggested=ints("suggested"),
            declined=ints("declined"),
            seen=ints("seen"),
            options=strs("options"),
            data_context=dict(d.get("data_context") or {}),
            undo=dict(undo) if isinstance(undo, Mapping) else None,
        )


# -- option ids -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CardPick:
    card: str


@dataclass(frozen=True)
class SituationPick:
    card: str
    n: int


@dataclass(frozen=True)
class FeedbackPick:
    value: Literal["up", "down"]


@dataclass(frozen=True)
class MenuPick:
    pass


@dataclass(frozen=True)
class DataPick:
    id: str


OptionId = CardPick | SituationPick | FeedbackPick | MenuPick | DataPick

_OPTION = re.compile(
    r"^(?:card:(?P<cid>\d{2})"
    r"|situation:(?P<scid>\d{2})-(?P<sn>\d{1,2})"
    r"|feedback:(?P<fv>up|down)"
    r"|(?P<menu>menu)"
    r"|(?P<data>data:.+))$"
)


def parse_option(oid: str) -> OptionId | None:
    """The one parser of option ids (buttons, numbers typed in the terminal, JSON ``choose``)."""
    m = _OPTION.match(oid.strip())
    if m is None:
        return None
    if m.group("cid"):
        return CardPick(m.group("cid"))
    if m.group("scid"):
        return SituationPick(m.group("scid"), int(m.group("sn")))
    if m.group("fv"):
        return FeedbackPick("up" if m.group("fv") == "up" else "down")
    if m.group("menu"):
        return MenuPick()
    return DataPick(m.group("data"))


def option_id(pick: OptionId) -> str:
    if isinstance(pick, CardPick):
        return f"card:{pick.card}"
    if isinstance(pick, SituationPick):
        return f"situation:{pick.card}-{pick.n}"
    if isinstance(pick, FeedbackPick):
        return f"feedback:{pick.value}"
    if isinstance(pick, MenuPick):
        return "menu"
    return pick.id
