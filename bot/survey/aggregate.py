"""Per-prefecture and regional figures of the survey, as pure functions of the latest answers.

The measure is the report's: the share of municipalities answering 「とても当てはまる」 or
「当てはまる」 per item (図表3-1 chose the cards from the items highest on it). Shares are over
the municipalities that answered the item; the response rate is over all municipalities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.survey.definition import Item, Survey

TOP_N = 5
NOTABLE_CHANGE_PT = 5.0  # changes of at least this many percentage points are reported


@dataclass(frozen=True)
class ItemShare:
    item: Item
    answered: int  # municipalities that answered this item
    applies: int  # … with とても当てはまる / 当てはまる
    strongest: int  # … with とても当てはまる

    @property
    def share(self) -> float:
        """Percent 「当てはまる（計）」; 0 when nobody answered."""
        return 100.0 * self.applies / self.answered if self.answered else 0.0

    @property
    def strong_share(self) -> float:
        return 100.0 * self.strongest / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Summary:
    """Figures of one area (a prefecture, or the region as a whole)."""

    key: str  # pref code, or "region"
    name: str
    total: int  # municipalities in the area
    answered: tuple[str, ...]  # codes with an answer
    unanswered: tuple[str, ...]  # codes without
    items: tuple[ItemShare, ...]
    sample: bool  # any answer counted here is sample data

    @property
    def response_rate(self) -> float:
        return 100.0 * len(self.answered) / self.total if self.total else 0.0

    def share(self, item_id: str) -> ItemShare:
        for s in self.items:
            if s.item.id == item_id:
                return s
        raise KeyError(item_id)

    def top(self, n: int = TOP_N) -> list[ItemShare]:
        """The strongest barriers: share, then 「とても」 share, then questionnaire order."""
        ranked = sorted(
            (s for s in self.items if s.answered),
            key=lambda s: (-s.applies * 1.0 / s.answered, -s.strongest / s.answered, s.item.n),
        )
        return ranked[:n]

    def snapshot(self) -> dict[str, Any]:
        """What a posted digest remembers, for the next one's 「前回からの変化」."""
        return {
            "answered": len(self.answered),
            "total": self.total,
            "answered_codes": list(self.answered),
            "shares": {s.item.id: round(s.share, 4) for s in self.items if s.answered},
        }


def summarize(
    survey: Survey,
    key: str,
    name: str,
    municipalities: Sequence[str],
    latest: Mapping[str, Mapping[str, int]],
    sample_codes: Iterable[str] = (),
) -> Summary:
    """Summarise the answers of ``municipalities`` (codes) from ``latest`` (code → answers)."""
    applies_values = survey.applies_values
    strongest_value = survey.strongest_value
    valid = {lv.value for lv in survey.scale}
    answered = tuple(c for c in municipalities if latest.get(c))
    unanswered = tuple(c for c in municipalities if not latest.get(c))
    counts = {it.id: [0, 0, 0] for it in survey.items}
    for c in answered:
        for iid, v in latest[c].items():
            cnt = counts.get(iid)
            if cnt is None or v not in valid:
                continue
            cnt[0] += 1
            if v in applies_values:
                cnt[1] += 1
            if v == strongest_value:
                cnt[2] += 1
    sample_set = set(sample_codes)
    items = tuple(ItemShare(it, *counts[it.id]) for it in survey.items)
    return Summary(
        key,
        name,
        len(municipalities),
        answered,
        unanswered,
        items,
        any(c in sample_set for c in answered),
    )


@dataclass(frozen=True)
class Changes:
    """The difference to the previous digest's snapshot."""

    previous: bool  # False: this is the first digest
    answered_delta: int = 0
    new_codes: tuple[str, ...] = ()
    item_deltas: tuple[tuple[str, float], ...] = field(default=())  # (item id, points) notable

    def delta(self, item_id: str) -> float | None:
        for iid, d in self.item_deltas:
            if iid == item_id:
                return d
        return None


def changes(
    summary: Summary, previous: Mapping[str, Any] | None, threshold: float = NOTABLE_CHANGE_PT
) -> Changes:
    if not previous:
        return Changes(False)
    prev_shares = previous.get("shares") or {}
    prev_codes = set(previous.get("answered_codes") or [])
    deltas: list[tuple[str, float]] = []
    for s in summary.items:
        if not s.answered or s.item.id not in prev_shares:
            continue
        d = s.share - float(prev_shares[s.item.id])
        if abs(d) >= threshold - 1e-9:
            deltas.append((s.item.id, d))
    deltas.sort(key=lambda t: (-abs(t[1]), t[0]))
    new = tuple(c for c in summary.answered if c not in prev_codes) if prev_codes else ()
    return Changes(
        True,
        len(summary.answered) - int(previous.get("answered") or 0),
        new,
        tuple(deltas),
    )


def all_item_deltas(summary: Summary, previous: Mapping[str, Any] | None) -> dict[str, float]:
    """Every item's change in points since ``previous`` (items known to both)."""
    if not previous:
        return {}
    prev = previous.get("shares") or {}
    return {
        s.item.id: s.share - float(prev[s.item.id])
        for s in summary.items
        if s.answered and s.item.id in prev
    }
