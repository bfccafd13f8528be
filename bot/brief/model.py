"""The municipality support brief as frozen values.

``compose`` fills a ``Brief``; the renderers (plain text / Markdown in ``bot.brief.text``, the
A4 PDF in ``bot.brief.pdf``, Block Kit in ``bot.slack.brief_views``) only read it, so every
surface shows the same figures. A value built on sample data carries ``sample=True`` and every
renderer writes 「※サンプルデータ（架空の値）」 beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

CONSULTATION_DAYS = 90  # the window of 「ボットへの相談」
TOP_CARDS = 3  # hint cards shown for the strongest barriers
MAX_VISITS = 5  # past visits shown (planned ones are all shown)


@dataclass(frozen=True)
class Figure:
    """One figure of the sheet beside its prefecture's and its rank in the prefecture."""

    key: str  # indicator id, with the year for projections (pop75@2035)
    label: str  # 「75歳以上人口（2025年）」
    value: float | None
    text: str  # the value written out (「45,932人」, 「データなし」)
    pref_text: str  # the prefecture's figure: 「1,507,245人」, or 「中央値 18.0%」 without one
    rank: int | None  # 1 = highest in the prefecture
    of: int  # municipalities ranked
    period: str  # 「2020年」「2025年→2035年」
    source: str  # short source name
    sample: bool
    imported: bool  # values from ``hintbot import indicators``
    percentile: float | None = None  # within the prefecture (0 = lowest, 100 = highest)

    @property
    def rank_text(self) -> str:
        return f"{self.of}中 {self.rank}位" if self.rank is not None and self.of else "―"


@dataclass(frozen=True)
class ViewpointLine:
    """The report's two viewpoints: where the municipality falls by its prefecture's medians."""

    title: str
    text: str  # the quadrant explained
    concern: bool | None  # in the quadrant that needs attention; None: no data
    sample: bool


@dataclass(frozen=True)
class Sheet:
    figures: tuple[Figure, ...]
    viewpoints: tuple[ViewpointLine, ...]
    mieruka_imported: bool  # some 見える化 indicator has imported values
    sources: tuple[str, ...]  # credits of the sources used

    @property
    def sample(self) -> bool:
        return any(f.sample for f in self.figures) or any(v.sample for v in self.viewpoints)


@dataclass(frozen=True)
class Barrier:
    """A survey item the municipality marks as applying, against its prefecture and region."""

    n: int  # the item's number in the questionnaire
    text: str
    short: str
    answer: str  # 「とても当てはまる」 / 「当てはまる」
    strong: bool
    pref_share: float  # % of the prefecture's answering municipalities for which it applies
    region_share: float
    change: str  # 「前回: 当てはまる」, 「新たに当てはまる」 or ""
    cards: tuple[str, ...]
    sample: bool


@dataclass(frozen=True)
class Barriers:
    answered: bool
    answered_on: date | None
    previous_on: date | None  # the answers compared with (None: first answers)
    applying: tuple[Barrier, ...]  # strongest first
    items_answered: int
    items_total: int
    no_longer: tuple[str, ...]  # items that applied last time and no longer do
    pref_name: str
    pref_answered: int
    pref_total: int
    sample: bool
    # without an answer: the prefecture's most common barriers, to start the conversation
    pref_top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class CardBrief:
    """A hint card to bring to the conversation: its 問いかけ and 対策."""

    id: str
    title: str
    category: str
    because: tuple[str, ...]  # the barriers (item texts) it answers
    questions: tuple[str, ...]  # the situations' 問いかけ
    countermeasures: tuple[str, ...]  # 対策 titles


@dataclass(frozen=True)
class Consultations:
    """What the municipality's registered staff asked the bot: counts by card only."""

    days: int
    staff: int  # registered staff of the municipality (a count, never names)
    total: int
    by_card: tuple[tuple[str, str, int], ...]  # (card id, title, count), most first


@dataclass(frozen=True)
class VisitLine:
    day: date
    planned: bool
    note: str
    recorded_by: str | None  # Slack member id, None from the command line
    recorded_at: datetime


@dataclass(frozen=True)
class Visits:
    planned: tuple[VisitLine, ...]  # soonest first
    past: tuple[VisitLine, ...]  # latest first, at most MAX_VISITS
    past_total: int


@dataclass(frozen=True)
class Brief:
    code5: str
    name: str
    pref_code: str
    pref_name: str
    today: date
    sheet: Sheet
    barriers: Barriers
    cards: tuple[CardBrief, ...]
    cards_from_prefecture: bool  # no answer: the cards answer the prefecture's top barriers
    consultations: Consultations
    visits: Visits | None  # None: the reader may not see visit records
    next_meeting: date | None

    @property
    def label(self) -> str:
        return f"{self.pref_name}{self.name}"

    @property
    def sample(self) -> bool:
        return self.sheet.sample or self.barriers.sample
