"""Years and periods as prefecture staff type them.

「2020→2040」「2020-2040」「2020〜40」「2020年から2040年」「令和7年から令和17年」「R7〜R17」
「今後10年」「これから20年で」「20年後」「2040年まで」, with or without 年. The relative forms
count from the base year (``HINTBOT_BASE_YEAR``, 2025 by default): 「今後10年」 is 2025→2035.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ERA = r"(?:令和|平成|R|H)(?:元|\d{1,2})"
_Y4 = r"(?:19[5-9]\d|20\d\d)"
_TOKEN = rf"(?:{_ERA}|{_Y4})"
_SEP = r"(?:から|より|→|->|=>|⇒|➡|~|〜|-|−|–|—|ー|―)"
# A bare four-digit number is a year unless a unit or another number follows it
_NOT_YEAR_AFTER = r"(?![\d,.]|人|円|%|件|箇所|か所|カ所|ヶ所|回|万|千|位|歳|点|倍|市|町|村|区|世帯)"

_FROM_FOR = re.compile(rf"(?<![\d.,])({_TOKEN})年度?(?:から|より)の?(\d{{1,2}})年間?")
_RANGE = re.compile(
    rf"(?<![\d.,])({_TOKEN})(?:年度?)?(?:時点)?{_SEP}({_TOKEN}|\d{{2}})(年度?)?(間|後)?"
)
_UNTIL = re.compile(rf"(?<![\d.,])({_TOKEN})年度?(?:まで|にかけて|に向けて)")
_SINCE = re.compile(rf"(?<![\d.,])({_TOKEN})年度?(?:から|以降|より)")
_SINGLE = re.compile(rf"(?<![\d.,])({_TOKEN})(年度?)?")
_KANJI = "〇一二三四五六七八九"
_NUM = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_AHEAD = re.compile(rf"(?:今後|これから|向こう|この先|先)の?{_NUM}年")
_AFTER = re.compile(rf"(?<![\d]){_NUM}年後")
_BEFORE = re.compile(rf"(?<![\d]){_NUM}年前")
_WITHIN = re.compile(rf"(?<![\d]){_NUM}年間?で")
_NOW_AND = re.compile(r"(?:今|いま|現在|足元)(?:と|から|→|より)")


def kanji_number(text: str) -> int:
    """「20」「二十」「十五」「三」「テン」 → int (1..99)."""
    words = {"テン": 10, "ファイブ": 5, "スリー": 3}
    if text in words:
        return words[text]
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_KANJI.index(tens) if tens else 1) * 10 + (_KANJI.index(ones) if ones else 0)
    return _KANJI.index(text)


def year_of(token: str) -> int:
    """「2040」「令和7」「R7」「平成30」「令和元」 → the Western year."""
    token = token.upper().replace("令和", "R").replace("平成", "H")
    if token[0] in "RH":
        n = 1 if token[1:] == "元" else int(token[1:])
        return (2018 if token[0] == "R" else 1988) + n
    return int(token)


@dataclass(frozen=True)
class Period:
    """What a question says about time: single years and at most one span (start, end)."""

    years: tuple[int, ...] = ()
    span: tuple[int, int] | None = None
    relative: str = ""  # 「今後10年」「20年後」 as typed, for the heading


def parse_period(text: str, base_year: int) -> Period:
    """Years and the span asked in normalised ``text`` (see the module docstring)."""
    masked = text
    span: tuple[int, int] | None = None
    relative = ""

    def cut(m: re.Match[str]) -> None:
        nonlocal masked
        masked = masked[: m.start()] + "|" * (m.end() - m.start()) + masked[m.end() :]

    m = _FROM_FOR.search(masked)
    if m:
        y0 = year_of(m.group(1))
        span = (y0, y0 + int(m.group(2)))
        cut(m)
    if span is None:
        m = _RANGE.search(masked)
        if m:
            y0 = year_of(m.group(1))
            end = m.group(2)
            if len(end) == 2 and end.isdigit():
                n = int(end)
                # 「2020年から10年で」「…30年後」 count years; 「2020〜40」 names the end year
                duration = bool(m.group(4)) or n <= y0 % 100
                span = (y0, y0 + n) if duration else (y0, y0 // 100 * 100 + n)
            else:
                span = (y0, year_of(end))
            cut(m)
    if span is None:
        m = _AHEAD.search(masked)
        if m:
            n = kanji_number(m.group(1))
            span, relative = (base_year, base_year + n), f"今後{n}年"
            cut(m)
    if span is None:
        m = _UNTIL.search(masked)
        if m:
            y1 = year_of(m.group(1))
            if y1 > base_year:
                span, relative = (base_year, y1), ""
            cut(m)
    years: list[int] = []
    m = _AFTER.search(masked)
    if m:
        n = kanji_number(m.group(1))
        years.append(base_year + n)
        relative = f"{n}年後"
        cut(m)
    m = _BEFORE.search(masked)
    if m:
        n = kanji_number(m.group(1))
        years.append(base_year - n)
        relative = f"{n}年前"
        cut(m)
    if span is None and not years:
        m = _WITHIN.search(masked)
        if m:
            n = kanji_number(m.group(1))
            span, relative = (base_year, base_year + n), f"今後{n}年"
            cut(m)
    now_and = _NOW_AND.search(masked) if span is None else None
    since = _SINCE.search(masked) if span is None else None
    for m in _SINGLE.finditer(masked):
        token, nen = m.group(1), m.group(2)
        if not nen and token[0].isdigit():
            after = masked[m.end() : m.end() + 2]
            if re.match(_NOT_YEAR_AFTER, after) is None:
                continue
        y = year_of(token)
        if y not in years:
            years.append(y)
    if now_and is not None and len(years) == 1 and years[0] != base_year:
        span = (min(base_year, years[0]), max(base_year, years[0]))
        years = []
    if since is not None and span is None:
        y0 = year_of(since.group(1))
        others = [y for y in years if y != y0]
        if others:
            span = (y0, others[0])
        elif y0 < base_year:
            span = (y0, base_year)
        years = [y for y in years if y != y0] if span else years
    if span is not None and span[1] < span[0]:
        span = (span[1], span[0])
    return Period(tuple(years), span, relative)
