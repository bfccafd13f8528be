"""Which municipality a brief or a visit record is about, from what a person typed.

「茨木市」「茨木」「27211」「大阪府太子町」「太子町 大阪府」「太子町（大阪府）」 all name one place.
A name in two prefectures (太子町, 美浜町) is an ``AmbiguousPlace`` carrying the candidates, so
the command line can ask and Slack can list them; an unknown name is a ``PlaceNotFound`` that
names the nearest municipalities of the seven prefectures.
"""

from __future__ import annotations

import re

from bot.errors import UserError
from bot.survey.places import Places
from bot.text.normalize import squeeze

MAX_SUGGESTIONS = 5
_IN_PARENS = re.compile(r"^(?P<name>.+?)\s*[（(](?P<pref>[^）)]+)[）)]$")


class PlaceNotFound(UserError):
    """No municipality of that name; ``suggestions`` are the nearest ones (labels)."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class AmbiguousPlace(UserError):
    """The name is a municipality in several prefectures; ``candidates`` are their codes."""

    def __init__(self, message: str, name: str, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.name = name
        self.candidates = candidates


def split_prefecture(places: Places, text: str) -> tuple[str, str | None]:
    """(name, prefecture) from 「太子町 大阪府」「太子町（大阪府）」; the prefecture may be None."""
    raw = (text or "").strip()
    m = _IN_PARENS.match(raw)
    if m and places.is_pref_name(m.group("pref").strip()):
        return m.group("name").strip(), m.group("pref").strip()
    words = raw.split()
    if len(words) == 2:
        first, second = words
        if places.is_pref_name(second) and not places.is_pref_name(first):
            return first, second
        if places.is_pref_name(first) and not places.is_pref_name(second):
            return second, first
    return raw, None


def resolve(places: Places, text: str, prefecture: str | None = None) -> str:
    """The code5 of the municipality ``text`` names (within ``places``' prefectures)."""
    name, pref_word = split_prefecture(places, text)
    if prefecture:
        pref_word = prefecture
    if not name:
        raise UserError("市町村名を指定してください（例: 茨木市、大阪府太子町）。")
    pref_code = places.pref_code_of(pref_word) if pref_word else None
    key = squeeze(name)
    geo = places.geo
    if key.isdigit() and len(key) in (5, 6):
        code = places.muni_code_of(key)
        if pref_code and places.muni(code).pref_code != pref_code:
            raise UserError(
                f"市区町村コード「{name}」は{places.muni(code).pref_name}の市町村です"
                f"（指定の府県: {places.pref_name(pref_code)}）。"
            )
        return code
    codes = [c for c in geo.find_exact(key) if c in geo.munis and geo.munis[c].is_unit]
    inside = [c for c in codes if geo.munis[c].pref_code in places.pref_codes]
    if pref_code:
        mine = [c for c in inside if geo.munis[c].pref_code == pref_code]
        if len(mine) == 1:
            return mine[0]
        if inside:
            where = "、".join(sorted({geo.munis[c].pref_name for c in inside}))
            raise UserError(
                f"「{name}」は{places.pref_name(pref_code)}にはありません（{where}にあります）。"
            )
    elif len(inside) == 1:
        return inside[0]
    elif len(inside) > 1:
        options = "、".join(places.label(c) for c in inside)
        raise AmbiguousPlace(
            f"「{name}」は複数の府県にあります（{options}）。府県名を付けて指定してください"
            f"（例: {places.label(inside[0])}、または --prefecture {geo.munis[inside[0]].pref_name}）。",
            name,
            tuple(inside),
        )
    if codes:
        m = geo.munis[codes[0]]
        raise UserError(
            f"「{name}」（{m.pref_name}）は近畿厚生局管内（{len(places.pref_codes)}府県）の市町村ではありません。"
        )
    suggestions = nearest(places, name, pref_code)
    hint = f"近い名前: {'、'.join(suggestions)}。" if suggestions else ""
    where = places.pref_name(pref_code) if pref_code else "近畿2府5県"
    raise PlaceNotFound(
        f"「{name}」という市町村は{where}に見つかりません。{hint}"
        "正式な名前（例: 茨木市）で指定してください。",
        suggestions,
    )


def nearest(places: Places, name: str, pref_code: str | None = None) -> tuple[str, ...]:
    """Labels of the municipalities whose names are closest to ``name``."""
    geo = places.geo
    wanted = (pref_code,) if pref_code else places.pref_codes
    key = squeeze(name)
    scored = geo.fuzzy(key, limit=MAX_SUGGESTIONS * 6, cutoff=40.0)
    # a mistyped name usually keeps its first character (茨城市 → 茨木市 before 城陽市)
    scored.sort(key=lambda t: -(t[1] + (10.0 if geo.munis[t[0]].name[:1] == key[:1] else 0.0)))
    found: list[str] = []
    for code, _score in scored:
        code = geo.resolve_unit(code)
        m = geo.munis.get(code)
        if m is None or not m.is_unit or m.pref_code not in wanted:
            continue
        label = f"{m.name}（{m.pref_name}）"
        if label not in found:
            found.append(label)
        if len(found) == MAX_SUGGESTIONS:
            break
    return tuple(found)
