"""Accepted wordings as additions to the cards' ``paraphrases``, for the knowledge maintainers.

``additions`` groups the assignments in force by card (and situation) without any user or
reviewer id and leaves out wordings a card already has. ``render`` writes them as one YAML
file to review; ``apply`` inserts them into the card files of a knowledge folder as text (the
comments and layout of the files stay as they are), and ``check`` loads the result with the
same validation as ``hintbot check``, so an export never produces cards that do not load.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.knowledge.loader import iter_card_files, load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.storage.review import Assignment
from bot.storage.review_learned import wording_key


@dataclass
class CardAdditions:
    card: str
    paraphrases: list[str] = field(default_factory=list)  # the card's own list
    situations: dict[int, list[str]] = field(default_factory=dict)  # situation n → wordings

    def __len__(self) -> int:
        return len(self.paraphrases) + sum(len(v) for v in self.situations.values())


def _known(kb: KnowledgeBase, card: str) -> set[str]:
    c = kb.card(card)
    texts = [*c.paraphrases, *c.worries, *(p for s in c.situations for p in s.paraphrases)]
    return {wording_key(t) for t in texts}


def additions(kb: KnowledgeBase, assignments: Iterable[Assignment]) -> list[CardAdditions]:
    """The wordings to add, per card in card order: only texts, nothing about who."""
    by_card: dict[str, CardAdditions] = {}
    seen: set[tuple[str, str]] = set()
    for a in assignments:
        if a.card is None or a.undone_at is not None or not kb.has_card(a.card):
            continue
        text = " ".join(a.text.split())
        key = wording_key(text)
        if not key or key in _known(kb, a.card) or (a.card, key) in seen:
            continue
        seen.add((a.card, key))
        add = by_card.setdefault(a.card, CardAdditions(a.card))
        if a.situation is not None and a.situation in {s.n for s in kb.card(a.card).situations}:
            add.situations.setdefault(a.situation, []).append(text)
        else:
            add.paraphrases.append(text)
    return [by_card[c] for c in sorted(by_card)]


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def render(adds: list[CardAdditions], today: date) -> str:
    """The additions as one YAML document for review."""
    lines = [
        f"# hintbot review export（{today:%Y-%m-%d}）: 担当者がレビューで登録した言い回し。",
        "# 各カードの paraphrases（状況があれば その状況の paraphrases）への追加分です。",
        "# 利用者・担当者のIDは含みません。確認のうえ knowledge/hints/ に反映してください",
        "# （`hintbot review export --write` で反映し、`hintbot check` で確認できます）。",
    ]
    if not adds:
        lines.append("cards: {}")
        return "\n".join(lines) + "\n"
    lines.append("cards:")
    for add in adds:
        lines.append(f'  "{add.card}":')
        if add.paraphrases:
            lines.append("    paraphrases:")
            lines += [f"      - {_quoted(t)}" for t in add.paraphrases]
        if add.situations:
            lines.append("    situations:")
            for n in sorted(add.situations):
                lines.append(f"      - n: {n}")
                lines.append("        paraphrases:")
                lines += [f"          - {_quoted(t)}" for t in add.situations[n]]
    return "\n".join(lines) + "\n"


_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*:")
_SITUATION = re.compile(r"^  - n: *(\d+)\s*$")


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """The index after the last line belonging to the key at ``start`` (deeper or blank)."""
    end = start + 1
    last = start + 1
    while end < len(lines):
        line = lines[end]
        if (
            line.strip()
            and (len(line) - len(line.lstrip(" "))) <= indent
            and not line.lstrip().startswith("#")
        ):
            break
        if line.strip():
            last = end + 1
        end += 1
    return last


def _insert_list(lines: list[str], key_at: int, indent: int, texts: list[str]) -> None:
    """Append ``texts`` to the list under the key at ``key_at`` (``key: []`` becomes a list)."""
    head = lines[key_at]
    pad = " " * (indent + 2)
    if head.rstrip().endswith("[]"):
        lines[key_at] = head.rstrip()[:-2].rstrip()
        lines[key_at + 1 : key_at + 1] = [f"{pad}- {_quoted(t)}" for t in texts]
        return
    end = _block_end(lines, key_at, indent)
    lines[end:end] = [f"{pad}- {_quoted(t)}" for t in texts]


def apply_to_text(text: str, add: CardAdditions) -> str:
    """A card file's text with the additions inserted in its ``paraphrases`` lists."""
    lines = text.split("\n")
    trailing = lines[-1] == ""
    if trailing:
        lines.pop()
    # situations first, from the last, so earlier line numbers stay valid
    for n in sorted(add.situations, reverse=True):
        start = next(
            (
                i
                for i, ln in enumerate(lines)
                if (m := _SITUATION.match(ln)) and int(m.group(1)) == n
            ),
            None,
        )
        if start is None:
            raise ValueError(f"situation {n} not found")
        end = start + 1
        while (
            end < len(lines) and not _SITUATION.match(lines[end]) and not _TOP_KEY.match(lines[end])
        ):
            end += 1
        key = next((i for i in range(start, end) if lines[i].startswith("    paraphrases:")), None)
        if key is None:
            last = _block_end(lines, start, 2)
            lines[last:last] = ["    paraphrases:"]
            key = last
        _insert_list(lines, key, 4, add.situations[n])
    if add.paraphrases:
        key = next((i for i, ln in enumerate(lines) if ln.startswith("paraphrases:")), None)
        if key is None:
            lines.append("paraphrases:")
            key = len(lines) - 1
        _insert_list(lines, key, 0, add.paraphrases)
    return "\n".join(lines) + ("\n" if trailing else "")


def _card_files(knowledge_dir: Path) -> dict[str, Path]:
    out = {}
    for f in iter_card_files(knowledge_dir):
        m = re.match(r"^(\d{2})-", f.name)
        if m:
            out[m.group(1)] = f
    return out


def apply(knowledge_dir: Path, adds: list[CardAdditions]) -> list[Path]:
    """Insert the additions into the card files of ``knowledge_dir``; validated first on a
    copy, so a folder is either fully updated and valid or untouched (``KnowledgeError``)."""
    if not adds:
        return []
    check(knowledge_dir, adds)
    files = _card_files(knowledge_dir)
    changed = []
    for add in adds:
        path = files[add.card]
        path.write_text(apply_to_text(path.read_text(encoding="utf-8"), add), encoding="utf-8")
        changed.append(path)
    load_knowledge(knowledge_dir)
    return changed


def check(knowledge_dir: Path, adds: list[CardAdditions]) -> KnowledgeBase:
    """Load a copy of the folder with the additions: ``KnowledgeError`` if it would not load."""
    with tempfile.TemporaryDirectory(prefix="hintbot-export-") as tmp:
        copy = Path(tmp) / "knowledge"
        shutil.copytree(knowledge_dir, copy)
        files = _card_files(copy)
        for add in adds:
            path = files[add.card]
            path.write_text(apply_to_text(path.read_text(encoding="utf-8"), add), encoding="utf-8")
        return load_knowledge(copy)
