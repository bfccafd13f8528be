"""What the survey needs from the outside world, as ``typing.Protocol``s.

The survey composes and schedules digests but never talks to Slack or reads the engine's
tables itself: a ``DigestPoster`` puts a digest in a channel and finds it there again
(``bot.slack.digest_poster``), and the conversation log (``bot.storage.conversations``)
says which cards people consulted and forgets what is no longer needed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.survey.digest import Composed


@dataclass(frozen=True)
class DigestRef:
    """Which digest a message is: posted with the message, so a restarted clock knows it."""

    pref_code: str
    slot: str
    attempt: int


@dataclass(frozen=True)
class Posted:
    """A digest message that went out; ``note`` tells what went wrong after (the chart)."""

    ts: str | None
    note: str | None = None


@dataclass(frozen=True)
class FoundPost:
    """A digest message found in a channel: its ts and the attempt that posted it."""

    ts: str
    attempt: int | None


class PostFailed(Exception):
    """The message did not go out; ``str()`` is the cause (e.g. ``not_in_channel``)."""


class HistoryUnreadable(Exception):
    """The channel history could not be read completely: whether a post went out is unknown."""


class DigestPoster(Protocol):
    """Posts digests to channels and finds them again after a crash."""

    def post(self, channel: str, composed: Composed, ref: DigestRef) -> Posted:
        """Post the digest (then its chart, in the message's thread) recorded as ``ref``.

        Raises ``PostFailed`` when the message did not go out; a chart that could not be
        added afterwards is a ``Posted.note``, since posting again would duplicate the digest.
        """
        ...

    def find(self, channel: str, pref_code: str, slot: str, since: datetime) -> list[FoundPost]:
        """The digest messages for ``pref_code`` and ``slot`` posted in ``channel`` since
        ``since`` (aware), any attempt; raises ``HistoryUnreadable``."""
        ...


class ConsultationLog(Protocol):
    """The consultations the bot answered, which a digest summarises as last week's worries."""

    def cards_consulted(self, users: Collection[str], since: datetime) -> list[str]:
        """The card of every consultation by ``users`` since ``since`` (aware), repeats kept."""
        ...


class ConversationPurges(Protocol):
    """The daily clean-up of the conversation store the clock runs."""

    def purge_expired(self) -> int:
        """Drop idle conversations past their time; returns how many."""
        ...

    def purge_processed_events(self) -> int:
        """Forget delivery ids older than Slack's retry window; returns how many."""
        ...
