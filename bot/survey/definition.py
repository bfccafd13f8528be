"""The survey's questions as data (``knowledge/survey.yaml``), validated like the hint cards.

Staff edit the file, so every problem is reported in Japanese with file, line, column and field
(the cards' ``Problem``/``KnowledgeError``), and card ids must name existing hint cards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.loader import KnowledgeError, Problem, _Doc, _get

SURVEY_FILE = "survey.yaml"
ITEM_ID_RE = re.compile(r"^q\d{2}$")
CARD_ID_RE = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class ScaleLevel:
    value: int  # 1 = とても当てはまる … 4 = 当てはまらない
    label: str
    applies: bool  # counted in the share 「当てはまる（計）」


@dataclass(frozen=True)
class Item:
    id: str  # q01 … q25
    n: int  # 1-based position in the questionnaire
    category: str
    text: str
    short: str  # for charts and buttons
    cards: tuple[str, ...]


@dataclass(frozen=True)
class Survey:
    title: str
    source: str
    scale: tuple[ScaleLevel, ...]
    categories: tuple[str, ...]
    items: tuple[Item, ...]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(it.id for it in self.items)

    def level(self, value: int) -> ScaleLevel:
        for lv in self.scale:
            if lv.value == value:
                return lv
        raise KeyError(value)

    @property
    def applies_values(self) -> frozenset[int]:
        return frozenset(lv.value for lv in self.scale if lv.applies)

    @property
    def strongest_value(self) -> int:
        return self.scale[0].value

    def items_in(self, category: str) -> list[Item]:
        return [it for it in self.items if it.category == category]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(path.resolve().parent.parent))
    except ValueError:
        return str(path)


def load_survey(knowledge_dir: Path, card_ids: Iterable[str] | None = None) -> Survey:
    """Load ``survey.yaml``; raise ``KnowledgeError`` listing every problem.

    ``card_ids``: the hint cards that exist (None: load them from ``knowledge_dir``).
    """
    path = knowledge_dir / SURVEY_FILE
    if not path.exists():
        raise KnowledgeError(
            [Problem(str(path), 0, 0, "", "アンケートの定義ファイルが見つかりません")]
        )
    if card_ids is None:
        from bot.knowledge.loader import load_knowledge

        card_ids = [c.id for c in load_knowledge(knowledge_dir).cards]
    known_cards = set(card_ids)
    doc = _Doc(path, _display(path))
    if doc.problems:
        raise KnowledgeError(doc.problems)
    d = doc.data
    if not isinstance(d, dict):
        doc.error((), "アンケートの定義は title, scale, categories の組で書いてください")
        raise KnowledgeError(doc.problems)
    title = _get(doc, d, (), "title", "str") or ""
    source = _get(doc, d, (), "source", "str", required=False) or ""
    scale = _scale(doc, d)
    categories: list[str] = []
    items: list[Item] = []
    seen_ids: dict[str, int] = {}
    for ci, cat in enumerate(_get(doc, d, (), "categories", "list") or []):
        cpath: tuple[str | int, ...] = ("categories", ci)
        if not isinstance(cat, dict):
            doc.error(cpath, "分類は name と items の組で書いてください")
            continue
        name = _get(doc, cat, cpath, "name", "str")
        if name in categories:
            doc.error((*cpath, "name"), f"分類「{name}」が2回出てきます")
        if name:
            categories.append(name)
        for ii, raw in enumerate(_get(doc, cat, cpath, "items", "list") or []):
            item = _item(doc, raw, (*cpath, "items", ii), name or "", len(items) + 1, known_cards)
            if item is None:
                continue
            if item.id in seen_ids:
                doc.error((*cpath, "items", ii, "id"), f"項目の id「{item.id}」が重複しています")
                continue
            seen_ids[item.id] = len(items)
            items.append(item)
    if not items and not doc.problems:
        doc.error(("categories",), "項目が1つもありません")
    if doc.problems:
        raise KnowledgeError(doc.problems)
    return Survey(title, source, tuple(scale), tuple(categories), tuple(items))


def _scale(doc: _Doc, d: dict[str, Any]) -> list[ScaleLevel]:
    out: list[ScaleLevel] = []
    for i, raw in enumerate(_get(doc, d, (), "scale", "list") or []):
        p: tuple[str | int, ...] = ("scale", i)
        if not isinstance(raw, dict):
            doc.error(p, "回答の段階は value, label, applies の組で書いてください")
            continue
        value = _get(doc, raw, p, "value", "int")
        label = _get(doc, raw, p, "label", "str")
        applies = raw.get("applies")
        if not isinstance(applies, bool):
            doc.error(
                (*p, "applies"), f"「applies」は true か false で書いてください（値: {applies!r}）"
            )
            continue
        if value is not None and label:
            if any(lv.value == value for lv in out):
                doc.error((*p, "value"), f"回答の値 {value} が重複しています")
            out.append(ScaleLevel(value, label.strip(), applies))
    if out and not any(lv.applies for lv in out):
        doc.error(("scale",), "applies: true の段階が1つもありません")
    if out and [lv.value for lv in out] != sorted(lv.value for lv in out):
        doc.error(
            ("scale",),
            "回答の段階は value の小さい順（とても当てはまる → 当てはまらない）に並べてください",
        )
    return out


def _item(
    doc: _Doc,
    raw: Any,
    p: tuple[str | int, ...],
    category: str,
    n: int,
    known_cards: set[str],
) -> Item | None:
    if not isinstance(raw, dict):
        doc.error(p, "項目は id, text, cards の組で書いてください")
        return None
    iid = _get(doc, raw, p, "id", "str")
    if iid and not ITEM_ID_RE.match(iid):
        doc.error((*p, "id"), f"項目の id は q01 のような形にしてください（値: {iid!r}）")
        iid = None
    text = _get(doc, raw, p, "text", "str")
    short = _get(doc, raw, p, "short", "str", required=False)
    cards_raw = raw.get("cards")
    cards: list[str] = []
    if not isinstance(cards_raw, list):
        doc.error(
            (*p, "cards"),
            f'「cards」はヒントカード番号のリスト（例: ["04"]、なければ []）で書いてください（値: {cards_raw!r}）',
        )
    else:
        for ci, c in enumerate(cards_raw):
            if isinstance(c, int) and not isinstance(c, bool):
                doc.error(
                    (*p, "cards", ci),
                    f'カード番号は "04" のように引用符で囲んだ2桁の文字列にしてください（値: {c!r}）',
                )
                continue
            if not (isinstance(c, str) and CARD_ID_RE.match(c)):
                doc.error((*p, "cards", ci), f"カード番号の形式が正しくありません（値: {c!r}）")
                continue
            if c not in known_cards:
                doc.error((*p, "cards", ci), f"ヒントカード {c} は存在しません")
                continue
            cards.append(c)
    if not (iid and text):
        return None
    return Item(iid, n, category, text.strip(), (short or text).strip(), tuple(cards))
