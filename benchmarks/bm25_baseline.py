"""The BM25 baseline of issue 11 beside the matcher: top-1 / top-3 on a query file.

BM25 (rank-bm25) over the booklet's own text of each card (title, introduction, background,
worries, situations, countermeasures), with Sudachi content words as terms; the cards'
matching aids (keywords, paraphrases) are left out, as a plain search over the booklet
would. Run: ``python -m benchmarks.bm25_baseline FILE …``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from rank_bm25 import BM25Okapi

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.settings import ROOT
from bot.text.prepared import prepare


def terms(text: str) -> list[str]:
    a = prepare(text).analysis
    return list(a.lemmas) + list(a.readings) or [prepare(text).compact]


def booklet_index(kb: KnowledgeBase) -> tuple[list[str], BM25Okapi]:
    docs = []
    for c in kb.cards:
        parts = [c.title, c.introduction, *c.worries, *c.background]
        for s in c.situations:
            parts += [s.title, s.explanation, s.question]
        for m in c.countermeasures:
            parts += [m.title, *(p.text for p in m.points)]
        docs.append([t for part in parts for t in terms(part)])
    return [c.id for c in kb.cards], BM25Okapi(docs)


def evaluate(path: Path, ids: list[str], bm25: BM25Okapi) -> tuple[int, int, int]:
    top1 = top3 = n = 0
    for q in yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]:
        if q["kind"] != "hint":
            continue
        n += 1
        scores = bm25.get_scores(terms(str(q["q"])))
        ranked = [i for i, _ in sorted(zip(ids, scores, strict=True), key=lambda x: -x[1])]
        top1 += ranked[0] == q["card"]
        top3 += q["card"] in ranked[:3]
    return top1, top3, n


def main(argv: list[str]) -> int:
    ids, bm25 = booklet_index(load_knowledge(ROOT / "knowledge"))
    for f in argv or [str(ROOT / "tests" / "fixtures" / "dev.yaml")]:
        t1, t3, n = evaluate(Path(f), ids, bm25)
        print(f"{Path(f).name}: BM25 top-1 {t1 / n:.1%} ({t1}/{n}), top-3 {t3 / n:.1%} ({t3}/{n})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
