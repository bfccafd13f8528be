"""The cards as JSON (``hintbot cards --json``) for other tools and for review."""

from __future__ import annotations

from typing import Any

from bot.knowledge.model import Citation, KnowledgeBase


def _cites(cites: tuple[Citation, ...]) -> list[dict[str, str]]:
    return [{"mark": c.mark, "detail": c.detail} for c in cites]


def cards_json(kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "cards": [
            {
                "id": c.id,
                "category": c.category,
                "title": c.title,
                "introduction": c.introduction,
                "background": list(c.background),
                "worries": list(c.worries),
                "situations": [
                    {
                        "n": s.n,
                        "id": s.id,
                        "title": s.title,
                        "explanation": s.explanation,
                        "question": s.question,
                        "countermeasures": list(s.countermeasures),
                        "references": _cites(s.references),
                    }
                    for s in c.situations
                ],
                "countermeasures": [
                    {
                        "n": m.n,
                        "title": m.title,
                        "points": [{"heading": p.heading, "text": p.text} for p in m.points],
                        "examples": [{"heading": p.heading, "text": p.text} for p in m.examples],
                        "references": _cites(m.references),
                    }
                    for m in c.countermeasures
                ],
                "references": _cites(c.references),
            }
            for c in kb.cards
        ],
        "references": [
            {"mark": r.mark, "title": r.title, "publisher": r.publisher, "note": r.note}
            for r in kb.references
        ],
    }
