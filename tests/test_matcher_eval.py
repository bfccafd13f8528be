"""The dev-set thresholds of the advisor issue, on a copy of the dev set kept in tests/."""

from __future__ import annotations

from bot.evaluate import evaluate, load_queries
from bot.matching.matcher import Matcher
from bot.router import Router
from tests.conftest import FIXTURES


def test_dev_set_thresholds(matcher: Matcher) -> None:
    queries = load_queries(FIXTURES / "dev.yaml")
    report = evaluate(queries, Router(matcher))
    f = report.figures()
    assert f["top1"] >= 0.95, report.misses
    assert f["top3"] >= 0.99, report.misses
    assert f["oos_unanswered"] >= 0.90, report.misses
    assert f["hint_unanswered"] <= 0.05, report.misses


def test_scores_are_ranked_and_bounded(matcher: Matcher) -> None:
    res = matcher.match("協議体がお客様状態で困っている")
    scores = [c.score for c in res.cards]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert res.cards[0].card == "02" and res.confidence == "confident"
    assert "お客様状態" in res.cards[0].evidence or "協議体" in res.cards[0].evidence


def test_lexicon_expansion_respects_ascii_word_boundaries(matcher: Matcher) -> None:
    assert "生活支援コーディネーター" in matcher.expand("SCに任せきり")
    assert "生活支援コーディネーター" not in matcher.expand("DISCOUNT の話")
    assert matcher.match("test").confidence == "none"
