"""Score the blind data questions (tests/fixtures/blind/data_questions.yaml) through DataService.

Run: ``python -m benchmarks.data_blind [--set PATH] [--show]`` (the default set is
``tests/fixtures/blind/data_questions.yaml``; ``--set tests/fixtures/blind2/data_questions.yaml``
is the second one). The set was written by helpers from the
catalog and the raw tables without seeing the parser; its truth comes from its own script.
This only measures; nothing is tuned on it. ``--show`` lists the misses (for a later session's
review, after the figures are reported).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from analytics.service import DataService
from bot.settings import ROOT, Settings
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from bot.text.prepared import prepare

BLIND = ROOT / "tests" / "fixtures" / "blind" / "data_questions.yaml"
CAVEAT = re.compile(
    r"ありません|できません|ございません|お答えでき|含まれ|対応して|ないため|ない値|区の値|わかりません|分かりません"
    r"|代わりに|かわりに|ではなく|のみ|だけです|だけの|載っていません|対象外"
)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def score(item: dict[str, Any], text: str, options: list[str]) -> str:
    """correct / partial (says what it left out) / wrong (another answer presented as the answer)."""
    want = item["expect"]
    flat = _flat(text)
    first = text.strip().split("\n", 1)[0]
    if want.get("followup"):
        ok = len(options) >= 2 and all(
            any(c in o for o in options) for c in want.get("candidates", [])
        )
        return "correct" if ok else "wrong"
    if want.get("unsupported"):
        return "correct" if CAVEAT.search(first) else "wrong"
    nums_ok = all(_flat(str(n)) in flat for n in want.get("numbers", []))
    names = [str(n) for n in want.get("names", [])]
    names_ok = all(n in flat for n in names)
    if names_ok and want.get("order"):
        pos = [flat.find(n) for n in names]
        names_ok = pos == sorted(pos)
    verdict_ok = not want.get("verdict") or str(want["verdict"]) in text
    if nums_ok and names_ok and verdict_ok:
        return "correct"
    return "partial" if CAVEAT.search(first) else "wrong"


def main() -> int:
    path = BLIND
    if "--set" in sys.argv:
        path = Path(sys.argv[sys.argv.index("--set") + 1])
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url="sqlite://", chart_dir=Path(tmp))
        db = make_engine("sqlite://")
        create_schema(db)
        svc = DataService.load(settings, db)
        results: dict[str, list[str]] = {"correct": [], "partial": [], "wrong": []}
        times = []
        by_kind: dict[str, list[int]] = {}
        for item in doc["questions"]:
            t0 = time.perf_counter()
            reply = svc.answer(prepare(item["q"]), render_charts=False)
            times.append((time.perf_counter() - t0) * 1000)
            verdict = score(item, reply.text, [o.label for o in reply.options])
            results[verdict].append(
                f"{item['id']} {item['kind']}: {item['q']} → {reply.text[:160]!r}"
            )
            k = by_kind.setdefault(item["kind"], [0, 0])
            k[1] += 1
            k[0] += verdict == "correct"
    n = len(doc["questions"])
    times.sort()
    print(f"blind data questions: {n} ({path.name} in {path.parent.name}/)")
    for key in ("correct", "partial", "wrong"):
        print(f"  {key}: {len(results[key])} ({len(results[key]) / n:.1%})")
    print("  by kind: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_kind.items())))
    print(
        f"  answer time p50 {times[n // 2]:.1f} ms, p99 {times[min(n - 1, int(n * 0.99))]:.1f} ms"
    )
    if "--show" in sys.argv:
        for key in ("wrong", "partial"):
            print(f"\n{key}:")
            print("\n".join(results[key]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
