"""Hint cards as frozen dataclasses: the booklet's structure, plus the matching aids."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES: tuple[str, ...] = (
    "住民主体活動の促進",
    "地域ニーズへの対応",
    "暮らしを支える体制づくり",
    "地域づくりの成果を把握する",
)


@dataclass(frozen=True)
class Citation:
    mark: str  # ① … ⑪
    detail: str = ""


@dataclass(frozen=True)
class Point:
    heading: str
    text: str


@dataclass(frozen=True)
class Situation:
    card_id: str
    n: int
    title: str
    explanation: str
    question: str
    countermeasures: tuple[int, ...]
    references: tuple[Citation, ...] = ()
    keywords: tuple[str, ...] = ()
    # everyday sentences that say "this is our situation" (how users answer the question)
    paraphrases: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.card_id}-{self.n}"


@dataclass(frozen=True)
class Countermeasure:
    n: int
    title: str
    points: tuple[Point, ...]
    examples: tuple[Point, ...] = ()
    references: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Card:
    id: str
    category: str
    title: str
    introduction: str
    background: tuple[str, ...]
    worries: tuple[str, ...]
    situations: tuple[Situation, ...]
    countermeasures: tuple[Countermeasure, ...]
    references: tuple[Citation, ...]
    keywords: tuple[str, ...] = ()
    paraphrases: tuple[str, ...] = ()
    source_file: str = ""

    def situation(self, n: int) -> Situation:
        for s in self.situations:
            if s.n == n:
                return s
        raise KeyError(n)

    def countermeasure(self, n: int) -> Countermeasure:
        for c in self.countermeasures:
            if c.n == n:
                return c
        raise KeyError(n)


@dataclass(frozen=True)
class Reference:
    """An entry of the booklet's bibliography; ``title`` is None where the seed has none (⑪)."""

    mark: str
    title: str | None
    publisher: str = ""
    note: str = ""


@dataclass(frozen=True)
class LexiconTerm:
    term: str
    aliases: tuple[str, ...]
    cards: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutOfScopeTopic:
    """Things staff ask that no card answers; lets the matcher decline instead of forcing a card."""

    name: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    cards: tuple[Card, ...]
    lexicon: tuple[LexiconTerm, ...]
    references: tuple[Reference, ...]
    out_of_scope: tuple[OutOfScopeTopic, ...] = ()

    def card(self, card_id: str) -> Card:
        for c in self.cards:
            if c.id == card_id:
                return c
        raise KeyError(card_id)

    def has_card(self, card_id: str) -> bool:
        return any(c.id == card_id for c in self.cards)

    def reference(self, mark: str) -> Reference | None:
        for r in self.references:
            if r.mark == mark:
                return r
        return None
