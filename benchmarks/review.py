"""The review queue, measured: ``python -m benchmarks.review [PART …]`` prints JSON.

Parts (all by default):

- ``threshold``: how close a wording must be to an assigned one to count as its variant.
  Every query of the dev set and the fixtures is compared with every other labelled wording
  (the cards' worries and paraphrases, the other queries); for each scorer and cut-off, how
  many nearest neighbours pass and how many of those have the query's own card. The lookup
  uses the cut-offs where none of another card passes (``bot.storage.review_learned``).
- ``blind``: the blind realistic set (``tests/fixtures/blind/realistic.yaml``) run through the
  bot as users would (a wrong card: the list, then the right card; two or three cards: the
  right one; nothing: the right card from the list; an off-topic answer: 「役に立たなかった」),
  collected into the queue. The candidates it got wrong or left unanswered are split in two
  by blind id (even positions assigned by their labels, odd ones held out). Reported: the
  held-out half (its texts are never printed), paraphrases of the assigned half written for
  this benchmark (``tests/review/blind_paraphrases.yaml``), the dev set and the fixtures,
  before and after; then the same after ``hintbot review export`` (the wordings added to the
  cards, the matcher rebuilt). ``--show-assigned`` prints the assigned half's ids and labels
  only (``--texts``: and their texts) to write the paraphrases from.
- ``list``: ``review list`` on a log of 100,000 consultations: the first collection, a
  second call, and the whole ``hintbot review list --json`` command (target < 2 s), in wall
  seconds and in CPU seconds (the machine's load average beside them: on a shared machine the
  CPU time is the steadier figure).
- ``visible``: an assignment made here, seen by a second running process's bot (target < 5 s).

Nothing here tunes the matcher or the knowledge: the blind set only fills the queue.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process
from sqlalchemy import Engine as SAEngine
from sqlalchemy import insert

from bot.core.engine import Engine
from bot.core.ports import DataAnswerer, LearnedWording
from bot.core.replies import Inbound, Reply
from bot.core.router import Router
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.matching.cache import load_matcher
from bot.matching.matcher import Matcher
from bot.review import export
from bot.review.measure import GUARD_FILES, TableWordings, first_card
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.storage.conversations import ConsultationRow
from bot.storage.db import make_engine
from bot.storage.review_learned import (
    LEMMA_CUTOFF,
    RATIO_CUTOFF,
    StoredLearnedWordings,
    table_from_database,
)
from bot.storage.review_store import CorrectingStore
from bot.storage.schema import create_schema
from bot.text.prepared import prepare

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BLIND = FIXTURES / "blind" / "realistic.yaml"
PARAPHRASES = ROOT / "tests" / "review" / "blind_paraphrases.yaml"
KNOWLEDGE = ROOT / "knowledge"


def _queries(path: Path) -> list[dict[str, Any]]:
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("queries") or [])


def _matcher(kb: KnowledgeBase, cache: Path | None) -> Matcher:
    return load_matcher(kb, cache) if cache is not None else Matcher(kb)


# -- threshold ---------------------------------------------------------------------------------
def threshold() -> dict[str, Any]:
    kb = load_knowledge(KNOWLEDGE)
    pool: list[tuple[str, str]] = []
    for c in kb.cards:
        pool += [(t, c.id) for t in (*c.worries, *c.paraphrases)]
        pool += [(t, c.id) for s in c.situations for t in s.paraphrases]
    queries = []
    for name in GUARD_FILES:
        for q in _queries(FIXTURES / name):
            label = str(q.get("card")) if q.get("kind") == "hint" else str(q.get("kind"))
            queries.append((str(q["q"]), label))
    words = pool + queries
    comp = [prepare(t).compact for t, _ in words]
    lem = [" ".join(prepare(t).analysis.lemmas) for t, _ in words]
    qi = range(len(pool), len(words))
    ratio = process.cdist([comp[i] for i in qi], comp, scorer=fuzz.ratio, workers=-1)
    lemma = process.cdist([lem[i] for i in qi], lem, scorer=fuzz.token_sort_ratio, workers=-1)
    for r, i in enumerate(qi):  # the same wording is not its own neighbour
        for j in range(len(words)):
            if comp[j] == comp[i]:
                ratio[r, j] = lemma[r, j] = 0

    def table(scores: Any) -> list[dict[str, Any]]:
        out = []
        for cut in (60, 65, 70, 72, 75, 78, 80, 85, 90):
            passed = right = 0
            for r, i in enumerate(qi):
                j = int(scores[r].argmax())
                if scores[r, j] >= cut:
                    passed += 1
                    right += words[j][1] == words[i][1]
            out.append({"cutoff": cut, "passed": passed, "same_card": right})
        return out

    combined = 0
    combined_right = 0
    for r, i in enumerate(qi):
        margin = [
            max(ratio[r, j] - RATIO_CUTOFF, lemma[r, j] - LEMMA_CUTOFF) for j in range(len(words))
        ]
        j = max(range(len(words)), key=margin.__getitem__)
        if margin[j] >= 0:
            combined += 1
            combined_right += words[j][1] == words[i][1]
    return {
        "queries": len(queries),
        "wordings": len(words),
        "ratio_on_compact_text": table(ratio),
        "token_sort_ratio_on_lemmas": table(lemma),
        "chosen": {
            "ratio": RATIO_CUTOFF,
            "lemmas": LEMMA_CUTOFF,
            "passed": combined,
            "same_card": combined_right,
        },
    }


# -- blind -------------------------------------------------------------------------------------
def _data(db: SAEngine) -> DataAnswerer | None:
    try:
        from analytics.service import DataService
    except ImportError:
        return None
    return DataService.load(Settings(database_url="sqlite://", cache_dir=None), db)


def _right(q: dict[str, Any], router: Router, text: str | None = None) -> bool:
    route = router.route(text if text is not None else str(q["q"]))
    if q["kind"] == "hint":
        return first_card(route) == str(q["card"])
    if q["kind"] == "oos":
        return first_card(route) is None
    return route.intent == "data"


def _as_user(bot: Engine, q: dict[str, Any]) -> str:
    """What a user would do after the bot's first answer, by the blind label."""
    conv, user = f"blind:{q['id']}", f"U0B{q['id']}"

    def go(**kw: Any) -> Reply:
        return bot.handle(Inbound(conv, user, **kw))

    first = go(text=str(q["q"]))
    want = str(q.get("card")) if q["kind"] == "hint" else None
    if q["kind"] == "hint":
        if first.kind == "card" and first.card != want:
            go(choose="menu")
            go(choose=f"card:{want}")
            return "corrected"
        if first.kind == "ask_card":
            go(choose=f"card:{want}")
            return "picked"
        if first.kind == "menu":
            go(choose=f"card:{want}")
            return "unanswered"
        return "served" if first.card == want else first.kind
    if q["kind"] == "oos" and first.kind == "card" and first.card:
        go(choose=f"situation:{first.card}-1")
        go(choose="feedback:down")
        return "voted_down"
    return "declined" if first.kind == "menu" else first.kind


def _top1(items: Sequence[tuple[str, str | None]], router: Router) -> dict[str, Any]:
    """(text, card or None for off-topic) → how many the bot leads with right."""
    right = sum(first_card(router.route(t)) == card for t, card in items)
    return {
        "right": right,
        "total": len(items),
        "top1": round(right / len(items), 4) if items else None,
    }


def _sets(router: Router) -> dict[str, Any]:
    out = {}
    for name in GUARD_FILES:
        qs = [q for q in _queries(FIXTURES / name) if q.get("kind") == "hint"]
        out[name] = _top1([(str(q["q"]), str(q["card"])) for q in qs], router)
    return out


def blind(show: str | None = None, cache: Path | None = None) -> dict[str, Any]:
    kb = load_knowledge(KNOWLEDGE)
    matcher = _matcher(kb, cache)
    tmp = Path(tempfile.mkdtemp(prefix="hintbot-review-bench-"))
    try:
        db = make_engine(f"sqlite:///{tmp / 'blind.sqlite3'}")
        create_schema(db)
        data = _data(db)
        bot = Engine(
            kb, CorrectingStore(db), matcher, data, StoredLearnedWordings(db, LearnedWording)
        )
        queries = _queries(BLIND)
        plain = Router(matcher, data)
        wrong = {q["id"] for q in queries if q["kind"] != "data" and not _right(q, plain)}
        did = {q["id"]: _as_user(bot, q) for q in queries}
        svc = ReviewService(db, kb, matcher, settle=timedelta(0))
        queue = svc.queue()
        by_text = {str(q["q"]): q for q in queries}
        population = []  # (first blind id, candidate, its blind items)
        for c in queue:
            items = sorted((by_text[t] for t in c.wordings if t in by_text), key=lambda q: q["id"])
            bad = [q for q in items if q["id"] in wrong]
            if bad:
                population.append((bad[0]["id"], c, items))
        population.sort(key=lambda x: x[0])
        assigned = population[0::2]
        held = population[1::2]
        if show is not None:
            rows = []
            for _id, _c, items in assigned:
                for q in items:
                    row = {
                        "id": q["id"],
                        "kind": q["kind"],
                        "card": q.get("card"),
                        "situation": q.get("situation"),
                    }
                    if show == "texts":
                        row["q"] = q["q"]
                    rows.append(row)
            return {"assigned": rows, "held_out": len(held)}
        outcomes = []
        for _id, c, items in assigned:
            q = items[0] if items[0]["id"] in wrong else next(x for x in items if x["id"] in wrong)
            if q["kind"] == "hint":
                sit = int(q["situation"]) if q.get("situation") is not None else None
                o = svc.assign(c.id, str(q["card"]), sit, by="bench")
            else:
                o = svc.reject(c.id, by="bench")
            outcomes.append((q["id"], o))
        _v, table = table_from_database(db)
        after = Router(matcher, data, TableWordings(table))

        def label(q: dict[str, Any]) -> str | None:
            return str(q["card"]) if q["kind"] == "hint" else None

        held_items = [(str(q["q"]), label(q)) for _i, _c, items in held for q in items]
        assigned_items = [(str(q["q"]), label(q)) for _i, _c, items in assigned for q in items]
        para = (
            yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8")) if PARAPHRASES.exists() else {}
        )
        ids = {q["id"] for _i, _c, items in assigned for q in items}
        labels = {q["id"]: label(q) for q in queries}

        def written(kind: str) -> list[tuple[str, str | None]]:
            out = []
            for entry in (para or {}).get(kind) or []:
                if entry["id"] in ids:
                    out += [(str(t), labels[entry["id"]]) for t in entry["texts"]]
            return out

        sets_before, sets_after = _sets(plain), _sets(after)
        figures: dict[str, Any] = {
            "blind_queries": len(queries),
            "what_users_did": _count(did.values()),
            "queue": {"candidates": len(queue), "reasons": _count(c.reason for c in queue)},
            "wrong_or_unanswered": {
                "candidates": len(population),
                "assigned": len(assigned),
                "held_out": len(held),
            },
            "decisions": {
                "accepted": sum(o.done for _q, o in outcomes),
                "refused": [{"id": q, "why": list(o.refused)} for q, o in outcomes if not o.done],
            },
            "before_after": {},
        }
        groups: dict[str, list[tuple[str, str | None]]] = {
            "held_out_half": held_items,
            "assigned_half": assigned_items,
            "paraphrases_of_assigned": written("paraphrases_close") + written("paraphrases_free"),
            "paraphrases_close": written("paraphrases_close"),
            "paraphrases_free": written("paraphrases_free"),
            "label_only_worries": written("label_only"),
            "blind_hint_all": [
                (str(q["q"]), str(q["card"])) for q in queries if q["kind"] == "hint"
            ],
        }
        for name, pairs in groups.items():
            if pairs:
                figures["before_after"][name] = {
                    "before": _top1(pairs, plain),
                    "after": _top1(pairs, after),
                }
        figures["before_after"]["dev_and_fixtures"] = {"before": sets_before, "after": sets_after}
        figures["after_export"] = _after_export(kb, svc, groups, data, tmp)
        return figures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _after_export(
    kb: KnowledgeBase,
    svc: ReviewService,
    groups: dict[str, list[tuple[str, str | None]]],
    data: DataAnswerer | None,
    tmp: Path,
) -> dict[str, Any]:
    """The same sets after ``hintbot review export --write`` (no lookup: the rebuilt matcher)."""
    copy = tmp / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    adds = export.additions(kb, svc.assignments())
    export.apply(copy, adds)
    router = Router(Matcher(load_knowledge(copy)), data)
    out: dict[str, Any] = {"wordings_added": sum(len(a) for a in adds)}
    for name, items in groups.items():
        if items:
            out[name] = _top1(items, router)
    out["dev_and_fixtures"] = _sets(router)
    return out


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return dict(sorted(out.items()))


# -- list on 100,000 consultations --------------------------------------------------------------
DECOR_BEFORE = (
    "",
    "",
    "",
    "すみません、",
    "相談です。",
    "お疲れさまです。",
    "ちょっと聞きたいのですが、",
)
DECOR_AFTER = (
    "",
    "",
    "",
    "。",
    "です。",
    "んです",
    "…",
    "。どうしたらいいでしょうか",
    "。困っています",
)


def fill_log(db: SAEngine, n: int, seed: int = 20261201) -> int:
    """``n`` consultations over 90 days, in the proportions a busy bot would log: most
    answered, about a quarter of them for the queue (unanswered, declined, voted down,
    corrected, picked), the texts varied the way people vary the same worries."""
    rng = random.Random(seed)
    kb = load_knowledge(KNOWLEDGE)
    texts = [str(q["q"]) for name in GUARD_FILES for q in _queries(FIXTURES / name)]
    texts += [t for c in kb.cards for t in (*c.worries, *c.paraphrases)]
    cards = [c.id for c in kb.cards]
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for i in range(n):
        base = rng.choice(texts)
        text = rng.choice(DECOR_BEFORE) + base + rng.choice(DECOR_AFTER)
        if rng.random() < 0.3:
            text += f"（{rng.choice(('うちの町', '本市', '当村', '担当'))}{rng.randint(1, 400)}）"
        top, second = rng.sample(cards, 2)
        scores = [
            [top, round(rng.uniform(0.3, 0.95), 4)],
            [second, round(rng.uniform(0.05, 0.3), 4)],
        ]
        kind = rng.random()
        row: dict[str, Any] = {
            "conversation_key": f"bench:{i}",
            "user_id": f"U0L{rng.randint(1, 2000):05d}",
            "created_at": now - timedelta(minutes=rng.randint(61, 90 * 24 * 60)),
            "text": text,
            "intent": "hint",
            "confidence": "confident",
            "card": top,
            "score": scores[0][1],
            "scores": scores,
            "situation": None,
            "feedback": None,
            "meta": {},
        }
        if kind < 0.10:
            row.update(intent="unknown", confidence="none", card=None, score=0.12)
        elif kind < 0.14:
            row.update(intent="unknown", confidence=None, card=None, score=None, scores=[])
        elif kind < 0.18:
            row.update(feedback="down")
        elif kind < 0.21:
            row.update(card=second)
        elif kind < 0.27:
            row.update(confidence="ambiguous", card=rng.choice((top, second)))
        elif kind < 0.30:
            row.update(intent="data", confidence=None, card=None, score=None, scores=[])
        rows.append(row)
    with db.begin() as conn:
        for k in range(0, n, 5000):
            conn.execute(insert(ConsultationRow), rows[k : k + 5000])
    return n


def list_speed(n: int = 100_000, cache: Path | None = None) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="hintbot-review-list-"))
    try:
        url = f"sqlite:///{tmp / 'log.sqlite3'}"
        db = make_engine(url)
        create_schema(db)
        t0 = time.perf_counter()
        fill_log(db, n)
        filled = time.perf_counter() - t0
        kb = load_knowledge(KNOWLEDGE)
        svc = ReviewService(db, kb, lambda: Matcher(kb))
        t0, c0 = time.perf_counter(), time.process_time()
        first = svc.queue()
        cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        again = svc.queue()
        warm, warm_cpu = time.perf_counter() - t0, time.process_time() - c0
        texts = sum(c.count for c in again)
        db.dispose()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "HINTBOT_HOME": str(tmp / "home"),
            "HINTBOT_CACHE_DIR": str(cache or (tmp / "cache")),
        }
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", "review", "list", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        command = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        command_cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        listed = len(json.loads(proc.stdout))
        return {
            "consultations": n,
            "fill_seconds": round(filled, 2),
            "candidates": len(first),
            "queued_consultations": texts,
            "first_list_seconds": round(cold, 3),
            "first_list_cpu_seconds": round(cold_cpu, 3),
            "next_list_seconds": round(warm, 3),
            "next_list_cpu_seconds": round(warm_cpu, 3),
            "command_seconds": round(command, 3),
            "command_cpu_seconds": round(command_cpu, 3),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "command_listed": listed,
            "target_seconds": 2.0,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- a second process --------------------------------------------------------------------------
WATCHER = r"""
import sys, time
from bot.core.replies import Inbound
from bot.runtime import build_runtime
from bot.settings import Settings
rt = build_runtime(Settings.from_env(), with_data=False)
text = sys.argv[1]
first = rt.engine.handle(Inbound("watch:0", "U0WATCH", text=text))
print("ready", first.kind, flush=True)
i = 0
while True:
    i += 1
    r = rt.engine.handle(Inbound(f"watch:{i}", "U0WATCH", text=text))
    if r.card == sys.argv[2]:
        print("seen", repr(time.time()), flush=True)
        break
    time.sleep(0.02)
"""


def visibility(cache: Path | None = None) -> dict[str, Any]:
    text = "地域の茶話会がマンネリで新しい人が来ない"
    tmp = Path(tempfile.mkdtemp(prefix="hintbot-review-visible-"))
    try:
        url = f"sqlite:///{tmp / 'visible.sqlite3'}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "HINTBOT_HOME": str(tmp / "home"),
            "HINTBOT_CACHE_DIR": str(cache or (tmp / "cache")),
        }
        settings = Settings.from_env(env)
        db = make_engine(url)
        create_schema(db)
        kb = load_knowledge(settings.knowledge_dir)
        matcher = load_matcher(kb, settings.cache_dir)
        bot = Engine(
            kb, CorrectingStore(db), matcher, None, StoredLearnedWordings(db, LearnedWording)
        )
        bot.handle(Inbound("v:1", "U0V", text=text))
        svc = ReviewService(db, kb, matcher, settle=timedelta(0))
        [cand] = svc.queue()
        watcher = subprocess.Popen(
            [sys.executable, "-c", WATCHER, text, "01"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert watcher.stdout is not None
            ready = watcher.stdout.readline().split()
            outcome = svc.assign(cand.id, "01", by="bench")
            committed = time.time()
            seen = watcher.stdout.readline().split()
            watcher.wait(timeout=30)
        finally:
            if watcher.poll() is None:
                watcher.kill()
        return {
            "second_process_before": ready[1] if len(ready) > 1 else None,
            "assigned": outcome.done,
            "seen_after_seconds": round(float(seen[1]) - committed, 3) if len(seen) > 1 else None,
            "target_seconds": 5.0,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


PARTS: dict[str, Callable[..., dict[str, Any]]] = {
    "threshold": lambda cache: threshold(),
    "blind": lambda cache: blind(cache=cache),
    "list": lambda cache: list_speed(cache=cache),
    "visible": lambda cache: visibility(cache=cache),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cache = Path(tempfile.mkdtemp(prefix="hintbot-review-cache-"))
    try:
        if "--show-assigned" in args:
            print(
                json.dumps(
                    blind("texts" if "--texts" in args else "labels", cache),
                    ensure_ascii=False,
                    indent=1,
                )
            )
            return 0
        parts = [a for a in args if a in PARTS] or list(PARTS)
        out = {name: PARTS[name](cache) for name in parts}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
