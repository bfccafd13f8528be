"""The engine's outward interfaces, as ``typing.Protocol`` so any implementation plugs in.

The engine never imports Slack, the terminal, SQLAlchemy or pandas; it talks to the
conversation store and to the indicator answerer only through these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.replies import DataReply
from bot.text.prepared import Prepared


class DataAnswerer(Protocol):
    """Answers indicator questions (implemented in ``analytics``)."""

    def detect(self, text: Prepared) -> float:
        """Likelihood in [0, 1] that ``text`` is an indicator question."""
        ...

    def answer(self, text: Prepared) -> DataReply:
        """Answer a question the router labelled ``data``."""
        ...

    def choose(self, option_id: str, context: Mapping[str, Any]) -> DataReply:
        """Continue a pending data question with an option of a previous ``DataReply``."""
        ...


@dataclass(frozen=True)
class LearnedWording:
    """A reviewer's decision on a wording: its card (and situation), or None: off-topic."""

    card: str | None
    situation: int | None = None
    assignment: int = 0  # the assignment's id, for the log and for undo


class LearnedWordings(Protocol):
    """Wordings reviewers assigned from the review queue (implemented in ``bot.storage``).

    Consulted before the matcher on every turn; an assignment stored by one process must be
    seen by every process within seconds, without a restart.
    """

    def lookup(self, text: Prepared) -> LearnedWording | None: ...


class ConversationStore(Protocol):
    """Conversation state and the consultation log (implemented in ``bot.storage``)."""

    def load(self, key: str) -> tuple[dict[str, Any] | None, bool]:
        """(state as JSON, expired): an idle conversation past its time is dropped."""
        ...

    def save(self, key: str, user: str, state: Mapping[str, Any]) -> None: ...

    def clear(self, key: str) -> None: ...

    def log_consultation(
        self,
        *,
        conversation: str,
        user: str,
        text: str,
        intent: str,
        confidence: str | None = None,
        card: str | None = None,
        score: float | None = None,
        scores: list[Any] | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> int: ...

    def update_consultation(self, cid: int, **values: Any) -> None: ...
