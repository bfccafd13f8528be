"""Property-based tests: the normaliser and the matcher never fail on any input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching.matcher import Matcher
from bot.text.normalize import MAX_CHARS, normalize, strip_markup

japanese = st.text(
    alphabet=st.sampled_from(
        list(
            "協議体住民通いの場移動支援生活コーディネーターSCがをにはでと、。！？ 　abcＡＢＣ１２３😀\n\t<>@#|:"
        )
    ),
    max_size=200,
)


@given(st.text(max_size=500))
def test_normalize_is_idempotent_and_bounded(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert len(once) <= MAX_CHARS
    assert "  " not in once and once == once.strip()
    assert not any(ord(c) < 32 for c in once)


@given(st.text(alphabet="ＡＢＣａｂｃ１２３ｱｲｳ", max_size=50))
def test_width_and_case_are_folded(text: str) -> None:
    assert normalize(text) == normalize(normalize(text).upper().lower())
    assert all(not ("Ａ" <= c <= "ｚ") for c in normalize(text))


def test_slack_markup_is_removed() -> None:
    raw = (
        "<@U123ABC> 協議体が <https://example.org/x|この資料> の通り <!here> :smile: https://a.b/c"
    )
    assert normalize(raw) == "協議体が この資料 の通り"
    assert "U123" not in strip_markup(raw)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(japanese)
def test_matcher_scores_stay_in_unit_interval(matcher: Matcher, text: str) -> None:
    res = matcher.match(text)
    assert res.confidence in ("confident", "ambiguous", "none")
    assert all(0.0 <= c.score <= 1.0 for c in res.cards)
    assert [c.score for c in res.cards] == sorted((c.score for c in res.cards), reverse=True)
    if res.confidence == "none":
        assert res.situations == ()


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(japanese)
def test_word_boundaries_span_the_compact_text(text: str) -> None:
    """The matcher's surface matches rely on word boundaries measured in the text without
    spaces: they start at 0, end at its length and never step outside it."""
    from bot.text.prepared import prepare

    p = prepare(text)
    bounds = p.analysis.surface_bounds
    assert 0 in bounds and max(bounds) == len(p.compact)
    assert all(0 <= b <= len(p.compact) for b in bounds)


@settings(max_examples=80, deadline=None)
@given(japanese)
def test_declines_and_the_speaker_cut_never_fail(text: str) -> None:
    from bot.text.clauses import is_fact_request, is_office_matter, without_speaker

    body = without_speaker(text)
    assert body.strip() or not text.strip() or body == text
    assert isinstance(is_office_matter(text), bool) and isinstance(is_fact_request(text), bool)
