"""Aggregates against figures computed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.survey.aggregate import changes, summarize
from bot.survey.definition import Survey, load_survey

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def survey() -> Survey:
    return load_survey(ROOT / "knowledge")


# Five municipalities, one without an answer. q06 担い手: 1,1,2,3 → 3/4 = 75 %, 「とても」 2/4.
# q14 事業者: 1,2,2,(blank) → 3/3 = 100 %. q05 移動: 2,2,3,4 → 50 %. q01: 4,4,4,1 → 25 %.
# q02: 2,2,2,4 → 75 %, 「とても」 0 — ties with q06 on share, loses on 「とても」.
MUNIS = ["A", "B", "C", "D", "E"]
LATEST = {
    "A": {"q06": 1, "q14": 1, "q05": 2, "q01": 4, "q02": 2},
    "B": {"q06": 1, "q14": 2, "q05": 2, "q01": 4, "q02": 2},
    "C": {"q06": 2, "q14": 2, "q05": 3, "q01": 4, "q02": 2},
    "D": {"q06": 3, "q05": 4, "q01": 1, "q02": 4},
}


def test_shares_response_rate_and_unanswered(survey: Survey) -> None:
    s = summarize(survey, "27", "大阪府", MUNIS, LATEST, sample_codes=["B"])
    assert s.answered == ("A", "B", "C", "D") and s.unanswered == ("E",)
    assert s.response_rate == pytest.approx(80.0)
    assert s.share("q06").share == pytest.approx(75.0)
    assert s.share("q06").strong_share == pytest.approx(50.0)
    assert s.share("q14").share == pytest.approx(100.0)
    assert s.share("q14").answered == 3
    assert s.share("q05").share == pytest.approx(50.0)
    assert s.share("q01").share == pytest.approx(25.0)
    assert s.share("q25").answered == 0 and s.share("q25").share == 0.0
    assert s.sample is True


def test_top_barriers_rank_by_share_then_strong_share_then_order(survey: Survey) -> None:
    s = summarize(survey, "27", "大阪府", MUNIS, LATEST)
    assert [t.item.id for t in s.top(5)] == ["q14", "q06", "q02", "q05", "q01"]
    assert s.sample is False
    # items nobody answered are never a top barrier
    assert len(s.top(25)) == 5


def test_changes_since_the_previous_digest(survey: Survey) -> None:
    before = summarize(survey, "27", "大阪府", MUNIS, {k: LATEST[k] for k in ("A", "B", "C")})
    assert before.share("q06").share == pytest.approx(100.0)
    now = summarize(survey, "27", "大阪府", MUNIS, LATEST)
    ch = changes(now, before.snapshot())
    assert ch.previous and ch.answered_delta == 1 and ch.new_codes == ("D",)
    # q06: 100 → 75 (−25), q05: 2/3 → 2/4 (−16.7), q01: 0 → 25 (+25), q02: 100 → 75 (−25);
    # q14 stays 100 (D left it blank)
    assert dict(ch.item_deltas) == pytest.approx(
        {"q05": -16.6667, "q06": -25.0, "q01": 25.0, "q02": -25.0}, abs=1e-3
    )
    assert [iid for iid, _ in ch.item_deltas] == ["q01", "q02", "q06", "q05"]
    assert changes(now, None).previous is False


def test_region_is_the_union_of_prefectures(survey: Survey) -> None:
    osaka = summarize(survey, "27", "大阪府", ["A", "B"], LATEST)
    hyogo = summarize(survey, "28", "兵庫県", ["C", "D", "E"], LATEST)
    region = summarize(survey, "region", "近畿", MUNIS, LATEST)
    for iid in ("q06", "q05", "q01"):
        a, h = osaka.share(iid), hyogo.share(iid)
        assert region.share(iid).applies == a.applies + h.applies
        assert region.share(iid).answered == a.answered + h.answered
