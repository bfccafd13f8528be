"""Load and validate the knowledge files.

Cards are edited by prefecture staff, so every problem is reported in Japanese with the file,
line, column and field, and all problems of all files are collected before failing: one run of
``hintbot check`` shows everything to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.model import (
    CATEGORIES,
    Card,
    Citation,
    Countermeasure,
    KnowledgeBase,
    LexiconTerm,
    OutOfScopeTopic,
    Point,
    Reference,
    Situation,
)

PathT = tuple[str | int, ...]
CARD_FILE_RE = re.compile(r"^(\d{2})-[a-z0-9-]+\.ya?ml$")
MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        fld = f"（項目: {self.field}）" if self.field else ""
        return f"{where}: {self.message}{fld}"


class KnowledgeError(Exception):
    """Raised with every problem found; ``str()`` is the Japanese report."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = f"知識データに {len(problems)} 件の問題があります。修正してから起動してください。"
        super().__init__("\n".join([head, *(f"- {p}" for p in problems)]))


def _fmt_path(path: PathT) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Doc:
    """A parsed YAML document with the source position of every node."""

    def __init__(self, file: Path, display: str) -> None:
        self.display = display
        self.marks: dict[PathT, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        text = file.read_text(encoding="utf-8")
        self.data: Any = None
        try:
            # one pass, in libyaml when it is there: the nodes keep their marks for messages
            loader = _Loader(text)
            try:
                node = loader.get_single_node()
                self.data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            self.problems.append(
                Problem(display, line, col, "", f"YAMLの書式が正しくありません: {exc.problem}")
            )
            return
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: PathT) -> None:
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                self.marks[(*path, key)] = (k.start_mark.line + 1, k.start_mark.column + 1)
                self._walk(v, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                self._walk(v, (*path, i))

    def error(self, path: PathT, message: str) -> None:
        p = path
        while p not in self.marks and p:
            p = p[:-1]
        line, col = self.marks.get(p, (1, 1))
        self.problems.append(Problem(self.display, line, col, _fmt_path(path), message))


def _get(doc: _Doc, obj: Any, path: PathT, key: str, kind: str, required: bool = True) -> Any:
    """Fetch ``obj[key]`` checking its type; record a problem and return None when invalid."""
    if not isinstance(obj, dict):
        return None
    if key not in obj or obj[key] is None:
        if required:
            doc.error(path, f"必須項目「{key}」がありません")
        return None
    val = obj[key]
    ok = {
        "str": isinstance(val, str) and val.strip() != "",
        "int": isinstance(val, int) and not isinstance(val, bool),
        "list": isinstance(val, list),
        "dict": isinstance(val, dict),
    }[kind]
    if not ok:
        want = {"str": "空でない文字列", "int": "整数", "list": "リスト", "dict": "項目の組"}[kind]
        doc.error((*path, key), f"「{key}」は{want}で書いてください（値: {val!r}）")
        return None
    return val


def _str_list(doc: _Doc, obj: Any, path: PathT, key: str, required: bool = True) -> tuple[str, ...]:
    items = _get(doc, obj, path, key, "list", required)
    if items is None:
        return ()
    out: list[str] = []
    for i, item in enumerate(items):
        if isinstance(item, str | int) and not isinstance(item, bool) and str(item).strip():
            out.append(str(item).strip())
        else:
            doc.error(
                (*path, key, i), f"「{key}」の要素は空でない文字列にしてください（値: {item!r}）"
            )
    return tuple(out)


def _citations(doc: _Doc, obj: Any, path: PathT, known: set[str] | None) -> tuple[Citation, ...]:
    items = _get(doc, obj, path, "references", "list", required=False)
    if items is None:
        return ()
    out: list[Citation] = []
    for i, item in enumerate(items):
        ipath = (*path, "references", i)
        if isinstance(item, str):
            mark, detail = item.strip(), ""
        elif isinstance(item, dict):
            mark = str(item.get("mark") or "").strip()
            detail = str(item.get("detail") or "").strip()
        else:
            doc.error(ipath, f"参考文献は「①」のような記号で書いてください（値: {item!r}）")
            continue
        if mark not in MARKS or not mark:
            doc.error(
                ipath, f"参考文献の記号が正しくありません（値: {mark!r}）。①〜⑳で書いてください"
            )
            continue
        if known is not None and mark not in known:
            doc.error(ipath, f"参考文献 {mark} は references.yaml にありません")
        out.append(Citation(mark, detail))
    return tuple(out)


def _points(doc: _Doc, obj: Any, path: PathT, key: str, required: bool) -> tuple[Point, ...]:
    items = _get(doc, obj, path, key, "list", required)
    if items is None:
        return ()
    out: list[Point] = []
    for i, item in enumerate(items):
        ipath = (*path, key, i)
        if not isinstance(item, dict):
            doc.error(
                ipath, f"「{key}」の要素は heading と text の組で書いてください（値: {item!r}）"
            )
            continue
        heading = _get(doc, item, ipath, "heading", "str")
        text = _get(doc, item, ipath, "text", "str")
        if heading and text:
            out.append(Point(heading.strip(), text.strip()))
    if required and not out and items == []:
        doc.error((*path, key), f"「{key}」が空です")
    return tuple(out)


_SITUATION_KEYS = frozenset(
    {
        "n",
        "title",
        "explanation",
        "question",
        "countermeasures",
        "references",
        "keywords",
        "paraphrases",
    }
)


def _load_card(
    file: Path, display: str, known_refs: set[str] | None
) -> tuple[Card | None, list[Problem]]:
    doc = _Doc(file, display)
    if doc.problems:
        return None, doc.problems
    d = doc.data
    if not isinstance(d, dict):
        doc.error((), "カードのファイルは項目の組（id, title, …）で書いてください")
        return None, doc.problems
    cid = d.get("id")
    if isinstance(cid, int) and not isinstance(cid, bool):
        doc.error(
            ("id",), f'id は "01" のように引用符で囲んだ2桁の文字列にしてください（値: {cid!r}）'
        )
        cid = f"{cid:02d}"
    elif not (isinstance(cid, str) and re.fullmatch(r"\d{2}", cid)):
        doc.error(("id",), f'id は "01" のような2桁の番号にしてください（値: {cid!r}）')
        cid = None
    m = CARD_FILE_RE.match(file.name)
    if not m:
        doc.error((), f"ファイル名は「01-slug.yaml」の形にしてください（値: {file.name}）")
    elif cid and m.group(1) != cid:
        doc.error(("id",), f"id（{cid}）がファイル名の番号（{m.group(1)}）と一致しません")
    category = _get(doc, d, (), "category", "str")
    if category and category not in CATEGORIES:
        doc.error(
            ("category",),
            f"category は {' / '.join(CATEGORIES)} のいずれかにしてください（値: {category}）",
        )
    title = _get(doc, d, (), "title", "str")
    intro = _get(doc, d, (), "introduction", "str")
    background = _str_list(doc, d, (), "background")
    worries = _str_list(doc, d, (), "worries")
    if _get(doc, d, (), "worries", "list") == []:
        doc.error(("worries",), "悩みの具体例（worries）を1件以上書いてください")

    cms: list[Countermeasure] = []
    cm_items = _get(doc, d, (), "countermeasures", "list") or []
    for i, item in enumerate(cm_items):
        p: PathT = ("countermeasures", i)
        if not isinstance(item, dict):
            doc.error(p, "対策は n, title, points の組で書いてください")
            continue
        n = _get(doc, item, p, "n", "int")
        ctitle = _get(doc, item, p, "title", "str")
        points = _points(doc, item, p, "points", required=True)
        examples = _points(doc, item, p, "examples", required=False)
        refs = _citations(doc, item, p, known_refs)
        if n is not None and ctitle:
            cms.append(Countermeasure(n, ctitle.strip(), points, examples, refs))
    if not cm_items:
        doc.error(("countermeasures",), "対策（countermeasures）を1件以上書いてください")
    _check_numbering(doc, [c.n for c in cms], "countermeasures", "対策")
    cm_numbers = {c.n for c in cms}

    sits: list[Situation] = []
    s_items = _get(doc, d, (), "situations", "list") or []
    for i, item in enumerate(s_items):
        p = ("situations", i)
        if not isinstance(item, dict):
            doc.error(
                p,
                "陥っている状況は n, title, explanation, question, countermeasures の組で書いてください",
            )
            continue
        n = _get(doc, item, p, "n", "int")
        stitle = _get(doc, item, p, "title", "str")
        expl = _get(doc, item, p, "explanation", "str")
        question = _get(doc, item, p, "question", "str")
        pointers = _get(doc, item, p, "countermeasures", "list")
        ptrs: list[int] = []
        for j, v in enumerate(pointers or []):
            if not isinstance(v, int) or isinstance(v, bool):
                doc.error(
                    (*p, "countermeasures", j), f"対策番号は整数で書いてください（値: {v!r}）"
                )
            elif v not in cm_numbers:
                doc.error(
                    (*p, "countermeasures", j), f"対策 {v} はこのカードにありません（値: {v}）"
                )
            else:
                ptrs.append(v)
        if pointers == []:
            doc.error((*p, "countermeasures"), "この状況が指す対策番号を1つ以上書いてください")
        refs = _citations(doc, item, p, known_refs)
        kws = _str_list(doc, item, p, "keywords", required=False)
        paras = _str_list(doc, item, p, "paraphrases", required=False)
        for key in item:
            if key not in _SITUATION_KEYS:
                doc.error(
                    (*p, key),
                    f"知らない項目です（値: {key}）。書けるのは {', '.join(sorted(_SITUATION_KEYS))} です",
                )
        if None not in (n, stitle, expl, question) and cid:
            sits.append(
                Situation(
                    cid, n, stitle.strip(), expl.strip(), question.strip(), tuple(ptrs), refs, kws,
                    paras,
                )
            )  # fmt: skip
    if not s_items:
        doc.error(("situations",), "陥っている状況（situations）を1件以上書いてください")
    _check_numbering(doc, [s.n for s in sits], "situations", "陥っている状況")
    pointed = {n for s in sits for n in s.countermeasures}
    for i, c in enumerate(cms):
        if c.n not in pointed and sits:
            doc.error(("countermeasures", i), f"対策 {c.n} を指す陥っている状況がありません")

    refs = _citations(doc, d, (), known_refs)
    keywords = _str_list(doc, d, (), "keywords", required=False)
    paraphrases = _str_list(doc, d, (), "paraphrases", required=False)
    known_keys = {
        "id", "category", "title", "introduction", "background", "worries", "situations",
        "countermeasures", "references", "keywords", "paraphrases",
    }  # fmt: skip
    for key in d:
        if key not in known_keys:
            doc.error((key,), f"不明な項目「{key}」があります。綴りを確認してください")
    if doc.problems or not (cid and category and title and intro):
        return None, doc.problems
    card = Card(
        id=cid,
        category=category,
        title=title.strip(),
        introduction=intro.strip(),
        background=background,
        worries=worries,
        situations=tuple(sits),
        countermeasures=tuple(cms),
        references=refs,
        keywords=keywords,
        paraphrases=paraphrases,
        source_file=display,
    )
    return card, []


def _check_numbering(doc: _Doc, numbers: list[int], key: str, label: str) -> None:
    if numbers and sorted(numbers) != list(range(1, len(numbers) + 1)):
        doc.error((key,), f"{label}の番号 n は 1 から順に重複なく付けてください（値: {numbers}）")


def _load_references(file: Path, display: str) -> tuple[tuple[Reference, ...], list[Problem]]:
    doc = _Doc(file, display)
    if doc.problems:
        return (), doc.problems
    items = _get(doc, doc.data, (), "references", "list")
    out: list[Reference] = []
    for i, item in enumerate(items or []):
        p: PathT = ("references", i)
        if not isinstance(item, dict):
            doc.error(p, "参考文献は mark, title の組で書いてください")
            continue
        mark = _get(doc, item, p, "mark", "str")
        title = item.get("title")
        if title is not None and not (isinstance(title, str) and title.strip()):
            doc.error((*p, "title"), f"title は文字列か null にしてください（値: {title!r}）")
            continue
        if mark:
            out.append(
                Reference(
                    mark.strip(),
                    title.strip() if isinstance(title, str) else None,
                    str(item.get("publisher") or "").strip(),
                    str(item.get("note") or "").strip(),
                )
            )
    return tuple(out), doc.problems


def _load_lexicon(file: Path, display: str) -> tuple[tuple[LexiconTerm, ...], list[Problem]]:
    doc = _Doc(file, display)
    if doc.problems:
        return (), doc.problems
    items = _get(doc, doc.data, (), "terms", "list")
    out: list[LexiconTerm] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(items or []):
        p: PathT = ("terms", i)
        term = _get(doc, item, p, "term", "str")
        aliases = _str_list(doc, item, p, "aliases", required=False)
        cards = _str_list(doc, item, p, "cards", required=False)
        if not term:
            continue
        for name in (term, *aliases):
            key = name.casefold()
            if key in seen and seen[key] != term:
                doc.error(p, f"「{name}」が「{seen[key]}」と「{term}」の両方にあります")
            seen[key] = term
        out.append(LexiconTerm(term.strip(), aliases, cards))
    return tuple(out), doc.problems


def _load_out_of_scope(
    file: Path, display: str
) -> tuple[tuple[OutOfScopeTopic, ...], list[Problem]]:
    doc = _Doc(file, display)
    if doc.problems:
        return (), doc.problems
    items = _get(doc, doc.data, (), "topics", "list")
    out: list[OutOfScopeTopic] = []
    for i, item in enumerate(items or []):
        p: PathT = ("topics", i)
        name = _get(doc, item, p, "name", "str")
        examples = _str_list(doc, item, p, "examples")
        if name and examples:
            out.append(OutOfScopeTopic(name.strip(), examples))
    return tuple(out), doc.problems


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


def iter_card_files(knowledge_dir: Path) -> Iterator[Path]:
    yield from sorted((knowledge_dir / "hints").glob("*.y*ml"))


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """Load every file; raise ``KnowledgeError`` listing all problems found."""
    problems: list[Problem] = []
    if not (knowledge_dir / "hints").is_dir():
        raise KnowledgeError(
            [
                Problem(
                    str(knowledge_dir), 0, 0, "", "ヒントカードのフォルダ hints/ が見つかりません"
                )
            ]
        )
    refs: tuple[Reference, ...] = ()
    ref_file = knowledge_dir / "references.yaml"
    if ref_file.exists():
        refs, probs = _load_references(ref_file, _display(ref_file, knowledge_dir))
        problems += probs
    known = {r.mark for r in refs} if ref_file.exists() else None
    lexicon: tuple[LexiconTerm, ...] = ()
    lex_file = knowledge_dir / "lexicon.yaml"
    if lex_file.exists():
        lexicon, probs = _load_lexicon(lex_file, _display(lex_file, knowledge_dir))
        problems += probs
    oos: tuple[OutOfScopeTopic, ...] = ()
    oos_file = knowledge_dir / "out_of_scope.yaml"
    if oos_file.exists():
        oos, probs = _load_out_of_scope(oos_file, _display(oos_file, knowledge_dir))
        problems += probs
    cards: list[Card] = []
    for f in iter_card_files(knowledge_dir):
        card, probs = _load_card(f, _display(f, knowledge_dir), known)
        problems += probs
        if card:
            cards.append(card)
    ids = [c.id for c in cards]
    for c in cards:
        if ids.count(c.id) > 1:
            problems.append(
                Problem(c.source_file, 1, 1, "id", f"id {c.id} が複数のカードで使われています")
            )
    if not cards and not problems:
        problems.append(
            Problem(str(knowledge_dir / "hints"), 0, 0, "", "ヒントカードが1枚もありません")
        )
    # a card that failed to load is already reported; don't cascade into the lexicon
    card_ids = set(ids) | {
        m.group(1) for f in iter_card_files(knowledge_dir) if (m := CARD_FILE_RE.match(f.name))
    }
    for t in lexicon:
        for cid in t.cards:
            if cid not in card_ids:
                problems.append(
                    Problem(
                        _display(lex_file, knowledge_dir), 1, 1, f"terms[{t.term}].cards",
                        f"用語「{t.term}」の cards にあるカード {cid} は存在しません",
                    )
                )  # fmt: skip
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(tuple(sorted(cards, key=lambda c: c.id)), lexicon, refs, oos)
