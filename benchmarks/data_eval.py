"""Evaluate indicator answers against a question set with truth computed from the tables.

``python -m benchmarks.data_eval [SET.yaml]`` (default: the tuning set
``tests/fixtures/data_dev.yaml``) runs every question through ``DataService`` and prints the
figures the issue asks for: correct, partial (the answer says on its first line what it left
out), wrong, **wrong answers presented as the answer** (a number for a different question
without a word that it is different), and the follow-up counts (every ambiguous name asked
back, no unambiguous one). A case (see ``tests/fixtures/data_dev_truth.py``) may expect:

- ``numbers``: values that must appear, compared after rounding to ``decimals``;
- ``order``: the names of a ranking, in the order shown;
- ``verdict``: 高い/低い/多い/少ない/同程度, the first verdict said;
- ``unsupported``: the first line says what cannot be answered;
- ``absent``: numbers that must not appear;
- ``followup``: the labels of the options of a question back (other cases must get none).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analytics.service import DataService
from bot.core.replies import DataReply
from bot.settings import ROOT, Settings
from bot.storage.db import make_engine

DEV_SET = ROOT / "tests" / "fixtures" / "data_dev.yaml"
_NUM = re.compile(r"([+\-−]?)(\d[\d,]*(?:\.\d+)?)")
_RANK_LINE = re.compile(r"^(\d+)\. (.+?) [+\-−±]?\d")
_VERDICT = re.compile(r"同程度|より\s*\S+\s*(高い|低い|多い|少ない)")
_CANNOT = ("お答えできません", "ありません")


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (「+10,999人」 → 10999.0, 「−2.1%」 → −2.1)."""
    out = []
    for sign, body in _NUM.findall(text):
        v = float(body.replace(",", ""))
        out.append(-v if sign in "-−" and sign else v)
    return out


def ranking_names(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        m = _RANK_LINE.match(line)
        if m:
            names.append(m.group(2).split("（", 1)[0])
    return names


def first_verdict(text: str) -> str:
    m = _VERDICT.search(text)
    if m is None:
        return ""
    return m.group(1) or "同程度"


def says_cannot(line: str) -> bool:
    return any(w in line for w in _CANNOT)


@dataclass
class Outcome:
    q: str
    status: str  # correct | partial | wrong
    presented: bool  # a wrong answer given as the answer, without saying so
    problems: list[str]
    text: str


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    ambiguous: int = 0
    ambiguous_asked: int = 0
    unambiguous: int = 0
    unambiguous_asked: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def presented_wrong(self) -> int:
        return sum(1 for o in self.outcomes if o.presented)

    @property
    def accuracy(self) -> float:
        return self.count("correct") / len(self.outcomes) if self.outcomes else 0.0

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "correct"]

    def summary(self) -> str:
        n = len(self.outcomes)
        lat = sorted(self.latencies_ms)
        p99 = lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))] if lat else 0.0
        return (
            f"questions {n}: correct {self.count('correct')} ({self.accuracy:.1%}), "
            f"partial {self.count('partial')}, wrong {self.count('wrong')}, "
            f"wrong presented as the answer {self.presented_wrong}; "
            f"follow-ups: ambiguous asked {self.ambiguous_asked}/{self.ambiguous}, "
            f"unambiguous asked {self.unambiguous_asked}/{self.unambiguous}; "
            f"answer p99 {p99:.1f} ms"
        )


def _has(nums: Sequence[float], want: float, decimals: int) -> bool:
    return any(abs(round(x, decimals) - want) < 10 ** (-decimals) / 2 for x in nums)


def check(case: Mapping[str, Any], reply: DataReply) -> Outcome:
    text = reply.text
    first = text.splitlines()[0] if text else ""
    problems: list[str] = []
    d = int(case.get("decimals", 0))
    nums = numbers_in(text)
    if "followup" in case:
        labels = sorted(o.label for o in reply.options)
        if labels != sorted(case["followup"]):
            problems.append(f"follow-up {labels} != {case['followup']}")
        return Outcome(case["q"], "wrong" if problems else "correct", False, problems, text)
    if reply.options:
        problems.append("a follow-up for an unambiguous question")
    for want in case.get("numbers", ()):
        if not _has(nums, float(want), d):
            problems.append(f"missing {want}")
    if "order" in case:
        shown = ranking_names(text)[: len(case["order"])]
        if shown != list(case["order"]):
            problems.append(f"order {shown} != {case['order']}")
    if "verdict" in case and first_verdict(text) != case["verdict"]:
        problems.append(f"verdict {first_verdict(text)!r} != {case['verdict']!r}")
    absent = [a for a in case.get("absent", ()) if _has(nums, float(a), 0)]
    if absent:
        problems.append(f"shows {absent}")
    cannot = says_cannot(first)
    if case.get("unsupported") and not cannot:
        problems.append("first line does not say what cannot be answered")
    if not case.get("unsupported") and cannot:
        problems.append("first line says it cannot answer")
    if not problems:
        return Outcome(case["q"], "correct", False, [], text)
    if cannot and not absent:
        return Outcome(case["q"], "partial", False, problems, text)
    presented = not cannot and bool(nums) and not reply.options
    return Outcome(case["q"], "wrong", presented, problems, text)


def evaluate(service: DataService, cases: Iterable[Mapping[str, Any]]) -> Report:
    report = Report()
    for case in cases:
        t = time.perf_counter()
        reply = service.answer(case["q"], render_charts=False)
        report.latencies_ms.append((time.perf_counter() - t) * 1000)
        outcome = check(case, reply)
        report.outcomes.append(outcome)
        if "followup" in case:
            report.ambiguous += 1
            report.ambiguous_asked += bool(reply.options)
        else:
            report.unambiguous += 1
            report.unambiguous_asked += bool(reply.options)
    return report


def load_cases(path: Path) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(doc or [])


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else DEV_SET
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url="sqlite://", data_dir=ROOT / "data", chart_dir=Path(tmp))
        svc = DataService.load(settings, make_engine("sqlite://"))
        report = evaluate(svc, load_cases(path))
    for o in report.misses():
        print(f"[{o.status}{' PRESENTED' if o.presented else ''}] {o.q}: {'; '.join(o.problems)}")
        print("    " + o.text.replace("\n", "\n    "))
    print(report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
