"""A user's turn prepared once and passed down, as Rasa's ``Message`` carries its tokens.

The engine prepares each text once; the router, the matcher, the situation ranker and the
indicator answerer all read the same views, and the Sudachi analysis runs at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from bot.text.normalize import normalize, squeeze, storable
from bot.text.reading import Analysis, analyse

MAX_INPUT = 10_000  # characters kept of one message; worries are short, pastes are not


@dataclass(frozen=True)
class Prepared:
    """``raw`` as typed (cut at ``MAX_INPUT``), ``norm`` for matching (letters and numbers,
    single spaces), ``compact`` without spaces, ``squeezed`` with punctuation for data."""

    raw: str
    norm: str
    squeezed: str

    @property
    def compact(self) -> str:
        return self.norm.replace(" ", "")

    @cached_property
    def analysis(self) -> Analysis:
        """Readings and word boundaries of ``norm`` (SudachiPy), computed on first use."""
        return analyse(self.norm)

    def __bool__(self) -> bool:
        return bool(self.norm)


def prepare(text: str | Prepared | None) -> Prepared:
    if isinstance(text, Prepared):
        return text
    raw = storable((text or "")[:MAX_INPUT])
    return Prepared(raw=raw, norm=normalize(raw), squeezed=squeeze(raw))


def prepare_normalized(text: str | Prepared) -> Prepared:
    """For text that is already normalised (the knowledge's own phrases): no second pass."""
    if isinstance(text, Prepared):
        return text
    return Prepared(raw=text, norm=text, squeezed=text.replace(" ", ""))
