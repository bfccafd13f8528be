"""Reviewers' assignments as the engine's ``LearnedWordings``: a wording and its close variants.

``LearnedTable`` is the pure lookup (no database): the exact normalised wording, else the
closest assigned wording when it is a close variant by rapidfuzz on the normalised text —
``fuzz.ratio`` on the compact text at least ``RATIO_CUTOFF``, or ``fuzz.token_sort_ratio`` on
its content-word lemmas at least ``LEMMA_CUTOFF``. The cut-offs were measured on the dev set
and the fixtures (``python -m benchmarks.review``, "threshold"): each fixture query against
every other labelled wording (cards and fixtures); at these cut-offs every nearest neighbour
found (109 of 654 queries) had the query's own card, and lower ones let other cards in
(ratio 70: 88 of 92; lemmas 75 with ratio 75: 138 of 140).

``StoredLearnedWordings`` keeps a table built from ``review_assignments`` and polls the
version counter in ``review_state`` at most every ``poll_seconds``, so an assignment stored
by any process is followed by every process within seconds, without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process
from sqlalchemy import Engine

from bot.storage.review import VERSION, active_assignments, read_counter
from bot.text.prepared import Prepared, prepare

log = logging.getLogger(__name__)

RATIO_CUTOFF = 75.0  # fuzz.ratio on the compact normalised text
LEMMA_CUTOFF = 80.0  # fuzz.token_sort_ratio on the content-word lemmas
MIN_FUZZY = 6  # characters of compact text below which only the exact wording counts
POLL_SECONDS = 1.0

W = TypeVar("W")


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a wording: its card (and situation), or None: off-topic.

    The storage's own value; the engine's ``LearnedWording`` is made from it by the factory
    the runtime passes to ``StoredLearnedWordings`` (storage never imports the core).
    """

    card: str | None
    situation: int | None
    assignment: int


def wording_key(text: str | Prepared) -> str:
    """The normalised wording without spaces: what "the same wording" means."""
    return prepare(text).compact


def lemma_key(text: str | Prepared) -> str:
    return " ".join(prepare(text).analysis.lemmas)


@dataclass(frozen=True)
class Entry:
    key: str
    lemmas: str
    wording: Decision


@dataclass(frozen=True)
class Closest:
    """The learned wording a text is closest to, and by how much (0–100)."""

    entry: Entry
    score: float
    exact: bool


class LearnedTable:
    """Assigned wordings, looked up by exact key, then by closeness."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        by_key: dict[str, Entry] = {}
        for e in entries:
            by_key[e.key] = e  # a later assignment of the same wording wins
        self._by_key = by_key
        self._entries = [e for e in by_key.values() if len(e.key) >= MIN_FUZZY]
        self._keys = [e.key for e in self._entries]
        self._lemmas = [e.lemmas for e in self._entries]

    @classmethod
    def of(cls, items: Iterable[tuple[str, Decision]]) -> LearnedTable:
        """A table of (wording as typed, decision) pairs."""
        return cls(Entry(wording_key(t), lemma_key(t), w) for t, w in items)

    def __len__(self) -> int:
        return len(self._by_key)

    def entries(self) -> list[Entry]:
        return list(self._by_key.values())

    def plus(self, text: str, wording: Decision) -> LearnedTable:
        entry = Entry(wording_key(text), lemma_key(text), wording)
        return LearnedTable([*self._by_key.values(), entry])

    def minus(self, assignment: int) -> LearnedTable:
        return LearnedTable(e for e in self._by_key.values() if e.wording.assignment != assignment)

    def closest(self, text: str | Prepared) -> Closest | None:
        """The exact wording, else the best close variant, else None."""
        p = prepare(text)
        key = p.compact
        if not key or not self._by_key:
            return None
        hit = self._by_key.get(key)
        if hit is not None:
            return Closest(hit, 100.0, True)
        if len(key) < MIN_FUZZY or not self._entries:
            return None
        best: tuple[float, int, float] | None = None  # (margin over the cut-off, index, score)
        r = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=RATIO_CUTOFF)
        if r is not None:
            best = (r[1] - RATIO_CUTOFF, r[2], r[1])
        lemmas = " ".join(p.analysis.lemmas)
        if lemmas:
            m = process.extractOne(
                lemmas, self._lemmas, scorer=fuzz.token_sort_ratio, score_cutoff=LEMMA_CUTOFF
            )
            if m is not None and (best is None or m[1] - LEMMA_CUTOFF > best[0]):
                best = (m[1] - LEMMA_CUTOFF, m[2], m[1])
        if best is None:
            return None
        return Closest(self._entries[best[1]], best[2], False)

    def lookup(self, text: str | Prepared) -> Decision | None:
        c = self.closest(text)
        return c.entry.wording if c else None


def table_from_database(engine: Engine) -> tuple[int, LearnedTable]:
    """(version, table) of the assignments in force."""
    with engine.connect() as conn:
        version = read_counter(conn, VERSION)
        rows = active_assignments(conn)
    return version, LearnedTable.of((a.text, Decision(a.card, a.situation, a.id)) for a in rows)


class StoredLearnedWordings(Generic[W]):
    """The engine's ``LearnedWordings`` over the database, cached and refreshed by polling.

    ``make(card, situation, assignment)`` builds the value ``lookup`` returns (the runtime
    passes the core's ``LearnedWording``).

    Thread-safe: lookups read an immutable table; one thread at a time refreshes it. A
    database error keeps the last table (the bot answers with what it knew) and is logged by
    type only.
    """

    def __init__(
        self,
        engine: Engine,
        make: Callable[[str | None, int | None, int], W],
        *,
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self._make = make
        self.poll_seconds = poll_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._version = -1
        self._table = LearnedTable()
        self._checked = float("-inf")

    @property
    def table(self) -> LearnedTable:
        self._maybe_refresh()
        return self._table

    @property
    def version(self) -> int:
        return self._version

    def lookup(self, text: Prepared) -> W | None:
        d = self.table.lookup(text)
        return None if d is None else self._make(d.card, d.situation, d.assignment)

    def refresh(self) -> None:
        """Check the version now (a process that just decided does not wait for the poll)."""
        self._maybe_refresh(force=True)

    def _maybe_refresh(self, force: bool = False) -> None:
        now = self._clock()
        if not force and now - self._checked < self.poll_seconds:
            return
        if not self._lock.acquire(blocking=force):
            return  # another thread is refreshing: use the table we have
        try:
            if not force and self._clock() - self._checked < self.poll_seconds:
                return
            with self.engine.connect() as conn:
                version = read_counter(conn, VERSION)
            if version != self._version:
                version, table = table_from_database(self.engine)
                self._table, self._version = table, version
            self._checked = self._clock()
        except Exception as exc:  # the bot keeps answering with the table it has
            log.warning("learned wordings not refreshed: %s", type(exc).__name__)
            self._checked = self._clock()
        finally:
            self._lock.release()
