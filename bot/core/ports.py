"""The engine's outward interfaces, as ``typing.Protocol`` so any implementation plugs in.

The engine never imports Slack, the terminal or pandas; it talks to the conversation store and
to the indicator answerer only through these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from bot.core.replies import DataReply


class DataAnswerer(Protocol):
    """Answers indicator questions (implemented in ``analytics``)."""

    def detect(self, text: str) -> float:
        """Likelihood in [0, 1] that normalised ``text`` is an indicator question."""
        ...

    def answer(self, text: str) -> DataReply:
        """Answer a question the router labelled ``data``."""
        ...

    def choose(self, option_id: str, context: Mapping[str, Any]) -> DataReply:
        """Continue a pending data question with an option of a previous ``DataReply``."""
        ...
