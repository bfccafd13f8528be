"""``hintbot eval``: accuracy of the router and matcher on a labelled query file.

The figures are the ones the project is judged on: card top-1 / top-3 accuracy, the share of
out-of-scope queries left unanswered, the share of hint queries wrongly left unanswered, and
situation accuracy; every miss is listed so the knowledge can be improved, not the lines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.router import Router
from bot.errors import UserError
from bot.evaluate_followups import (
    FollowupReport,
    evaluate_followups,
    format_followup_report,
    miss_lines,
)
from bot.knowledge.loader import load_knowledge
from bot.matching.matcher import Matcher
from bot.settings import Settings


@dataclass
class EvalReport:
    hint_total: int = 0
    top1: int = 0
    top3: int = 0
    hint_unanswered: int = 0
    oos_total: int = 0
    oos_unanswered: int = 0
    data_total: int = 0
    data_routed: int = 0
    situation_total: int = 0
    situation_correct: int = 0
    confident_wrong: int = 0  # a confident card that is not the right one: what users remember
    hint_to_data: int = 0
    styles: dict[str, list[int]] = field(default_factory=dict)  # style -> [top-1, total]
    oos_styles: dict[str, list[int]] = field(default_factory=dict)  # style -> [declined, total]
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def ratio(self, a: int, b: int) -> float:
        return a / b if b else 0.0

    def figures(self) -> dict[str, float]:
        return {
            "top1": self.ratio(self.top1, self.hint_total),
            "top3": self.ratio(self.top3, self.hint_total),
            "oos_unanswered": self.ratio(self.oos_unanswered, self.oos_total),
            "hint_unanswered": self.ratio(self.hint_unanswered, self.hint_total),
            "situation": self.ratio(self.situation_correct, self.situation_total),
            "data_routed": self.ratio(self.data_routed, self.data_total),
        }


class EvalFileError(UserError):
    """A malformed evaluation file."""


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalFileError(f"{path}: ファイルが見つかりません") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise EvalFileError(f"{where}: YAMLの書式が正しくありません: {exc.problem}") from exc


def load_queries(path: Path) -> list[dict[str, Any]]:
    doc = _load_yaml(path)
    queries = doc.get("queries") if isinstance(doc, dict) else None
    if not isinstance(queries, list):
        raise EvalFileError(f"{path}: 「queries」のリストがありません")
    for i, q in enumerate(queries):
        if not isinstance(q, dict) or "q" not in q or q.get("kind") not in ("hint", "data", "oos"):
            raise EvalFileError(
                f"{path}: queries[{i}] に q と kind（hint/data/oos）が必要です（値: {q!r}）"
            )
    return queries


def evaluate(queries: list[dict[str, Any]], router: Router) -> EvalReport:
    r = EvalReport()
    for q in queries:
        kind, text, qid = q["kind"], str(q["q"]), q.get("id", "?")
        t0 = time.perf_counter()
        route = router.route(text)
        r.latencies_ms.append((time.perf_counter() - t0) * 1000)
        res = route.match
        answered = route.intent == "hint" and res is not None and res.confidence != "none"
        ranked = [c.card for c in res.cards] if answered and res else []
        if kind == "hint":
            r.hint_total += 1
            want = str(q.get("card"))
            style = r.styles.setdefault(str(q.get("style") or "-"), [0, 0])
            style[1] += 1
            if ranked[:1] == [want]:
                r.top1 += 1
                style[0] += 1
            elif answered and res is not None and res.confidence == "confident":
                r.confident_wrong += 1
            if route.intent == "data":
                r.hint_to_data += 1
            if want in ranked[:3]:
                r.top3 += 1
            if not answered:
                r.hint_unanswered += 1
            if ranked[:1] != [want]:
                got = f"{route.intent} {ranked[:3]}"
                r.misses.append(f"{qid} hint 正解 {want} / 結果 {got}: {text}")
            if q.get("situation") is not None:
                r.situation_total += 1
                sit = res.situations[0].n if answered and res and res.situations else None
                if ranked[:1] == [want] and sit == int(q["situation"]):
                    r.situation_correct += 1
                else:
                    r.misses.append(
                        f"{qid} situation 正解 {want}-{q['situation']} / 結果 {ranked[:1]}-{sit}: {text}"
                    )
        elif kind == "oos":
            r.oos_total += 1
            declined = r.oos_styles.setdefault(str(q.get("style") or "-"), [0, 0])
            declined[1] += 1
            if not answered:
                r.oos_unanswered += 1
                declined[0] += 1
            else:
                r.misses.append(f"{qid} oos 結果 {route.intent} {ranked[:3]}: {text}")
        else:
            r.data_total += 1
            if route.intent == "data":
                r.data_routed += 1
            else:
                r.misses.append(f"{qid} data 結果 {route.intent} {ranked[:3]}: {text}")
    return r


def evaluate_file(
    path: Path, settings: Settings, with_data: bool = True
) -> EvalReport | FollowupReport:
    """A query file (``queries``) measures the first turn; a follow-up file (``replies``,
    ``dialogues``) measures written replies through the whole engine."""
    from bot.storage.db import make_engine
    from bot.storage.schema import create_schema

    kb = load_knowledge(settings.knowledge_dir)
    data = None
    db = make_engine("sqlite://")
    create_schema(db)
    if with_data:
        from bot.runtime import load_data_service

        data = load_data_service(settings, db)
    doc = _load_yaml(path)
    if isinstance(doc, dict) and ("replies" in doc or "dialogues" in doc):
        from bot.core.engine import Engine
        from bot.storage.conversations import Store

        store = Store(db)
        return evaluate_followups(doc, Engine(kb, store, Matcher(kb), data), store)
    return evaluate(load_queries(path), Router(Matcher(kb), data))


def format_report(r: EvalReport | FollowupReport, *, texts: bool = True) -> str:
    """The figures, then each miss with its text unless ``texts`` is False (a blind set is
    measured without anyone reading what it got wrong)."""
    if isinstance(r, FollowupReport):
        return format_followup_report(r, texts=texts)
    f = r.figures()
    lines = [
        f"ヒントの質問 {r.hint_total} 件 / 範囲外 {r.oos_total} 件 / 指標の質問 {r.data_total} 件",
        f"カード top-1 正解率: {f['top1']:.1%} ({r.top1}/{r.hint_total})",
        f"カード top-3 正解率: {f['top3']:.1%} ({r.top3}/{r.hint_total})",
        f"範囲外を回答しなかった割合: {f['oos_unanswered']:.1%} ({r.oos_unanswered}/{r.oos_total})",
        f"ヒントの質問を誤って回答しなかった割合: {f['hint_unanswered']:.1%} ({r.hint_unanswered}/{r.hint_total})",
        f"陥っている状況の正解率: {f['situation']:.1%} ({r.situation_correct}/{r.situation_total})",
        f"指標の質問を data と判定した割合: {f['data_routed']:.1%} ({r.data_routed}/{r.data_total})",
        f"確信して違うカードを出した割合: {r.ratio(r.confident_wrong, r.hint_total):.1%} ({r.confident_wrong}/{r.hint_total})",
        f"悩みを data と判定した件数: {r.hint_to_data}",
    ]
    if len(r.styles) > 1:
        lines.append(
            "書き方ごとの top-1: "
            + "、".join(
                f"{k} {v[0] / v[1]:.0%} ({v[0]}/{v[1]})" for k, v in sorted(r.styles.items())
            )
        )
    if len(r.oos_styles) > 1:
        lines.append(
            "範囲外を回答しなかった割合（書き方ごと）: "
            + "、".join(
                f"{k} {v[0] / v[1]:.0%} ({v[0]}/{v[1]})" for k, v in sorted(r.oos_styles.items())
            )
        )
    if r.latencies_ms:
        lat = sorted(r.latencies_ms)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        lines.append(f"1件の照合時間: p50 {lat[len(lat) // 2]:.2f} ms / p99 {p99:.2f} ms")
    return "\n".join(lines + miss_lines(r.misses, texts))
