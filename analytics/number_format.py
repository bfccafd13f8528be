"""Numbers written for Japanese answers: thousands separators, units, signs, and 「データなし」
for a missing value (never 0)."""

from __future__ import annotations

import math


def fmt_number(value: float | None, unit: str = "", decimals: int = 0) -> str:
    """Format a value for Japanese text; a missing value is said to be missing, never 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "データなし"
    body = f"{round(value):,}" if decimals == 0 else f"{value:,.{decimals}f}"
    return f"{body}{unit_suffix(unit)}"


def unit_suffix(unit: str) -> str:
    """The part of a unit written right after a number (「人（…当たり）」 → 「人」)."""
    return unit.split("（", 1)[0] if unit else ""


def fmt_signed(value: float | None, unit: str = "", decimals: int = 0) -> str:
    if value is None:
        return "データなし"
    sign = "+" if value > 0 else ("±" if value == 0 else "−")
    return sign + fmt_number(abs(value), unit, decimals)
