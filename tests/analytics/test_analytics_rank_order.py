"""Property: for every ranking question, the order shown agrees with the word asked.

Questions are drawn from the forms staff use (ベスト/ワースト/トップ/上位/下位/多い順/少ない順/
一番/N つ) over indicators, prefectures and periods. An explicit 多い/高い/少ない/低い decides;
上位/トップ/一番/多い順 mean largest first, 下位/少ない順 smallest first; ベスト/ワースト alone
follow the indicator, and then the answer must say how it read the word and show that order.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.service import DataService

PREFS = ("福井県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "近畿")
MEASURES = (
    ("高齢化率", "rate"),
    ("後期高齢化率", "rate"),
    ("75歳以上人口の増加率", "rate"),
    ("85歳以上人口の増加数", "count"),
    ("85歳以上の伸び率", "rate"),
    ("75歳以上人口の増加数", "count"),
    ("住基人口", "count"),
    ("75歳以上人口", "count"),
    ("認定率", "rate"),
    ("保険料", "rate"),
    ("通いの場参加率", "rate"),
)
PERIODS = ("", "2020→2040の", "2020-2040で", "令和7年から令和17年の", "今後20年の", "2025〜35の")
HIGH = {"count": "多い", "rate": "高い"}
LOW = {"count": "少ない", "rate": "低い"}
_NUM = re.compile(r"^\d+\. \S+ ([+\-−±]?)([\d,]+(?:\.\d+)?)\S*$")


def values(text: str) -> list[float]:
    out = []
    for line in text.splitlines():
        m = _NUM.match(line)
        if m:
            v = float(m.group(2).replace(",", ""))
            out.append(-v if m.group(1) == "−" else v)
    return out


@st.composite
def ranking_question(draw: st.DrawFn) -> tuple[str, str | None]:
    """(question, "desc" | "asc" | None when the answer must say how it read ベスト/ワースト)."""
    pref = draw(st.sampled_from(PREFS))
    measure, kind = draw(st.sampled_from(MEASURES))
    period = draw(st.sampled_from(PERIODS)) if "増加" in measure or "伸び" in measure else ""
    n = draw(st.integers(min_value=1, max_value=12))
    adjective = draw(st.sampled_from(("", "high", "low")))
    form = draw(
        st.sampled_from(
            (
                "ベスト{n}",
                "ワースト{n}",
                "トップ{n}",
                "上位{n}",
                "下位{n}",
                "を{n}つ",
                "一番",
                "順に{n}つ",
            )
        )
    )
    words = {"high": HIGH[kind], "low": LOW[kind]}
    if form == "順に{n}つ" and not adjective:
        adjective = draw(st.sampled_from(("high", "low")))
    tail = form.format(n=n)
    if form == "一番":
        q = f"{pref}で{period}{measure}が一番{words.get(adjective, HIGH[kind])}のは？"
        return q, "asc" if adjective == "low" else "desc"
    if adjective:
        q = f"{pref}で{period}{measure}が{words[adjective]}市町村{tail}"
        if form == "順に{n}つ":
            q = f"{pref}で{period}{measure}が{words[adjective]}{tail}"
        return q, "desc" if adjective == "high" else "asc"
    q = f"{pref}で{period}{measure}の{tail}"
    if form in ("トップ{n}", "上位{n}"):
        return q, "desc"
    if form == "下位{n}":
        return q, "asc"
    if form == "を{n}つ":
        return f"{pref}で{period}{measure}が多い順{tail}", "desc"
    return q, None  # ベスト/ワースト alone


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ranking_question())
def test_the_order_shown_agrees_with_the_word_asked(
    service: DataService, case: tuple[str, str | None]
) -> None:
    question, expected = case
    reply = service.answer(question, render_charts=False)
    assert not reply.options, question
    first = reply.text.splitlines()[0]
    shown = values(reply.text)
    assert shown, (question, reply.text)
    if expected is None:
        m = re.search(r"「(ベスト|ワースト)」は(\S+?)順と読みました", reply.text)
        assert m, (question, reply.text)
        expected = "desc" if m.group(2) in ("高い", "多い") else "asc"
    if expected == "desc":
        assert shown == sorted(shown, reverse=True), (question, reply.text)
        assert "高い順" in first or "多い順" in first, (question, first)
    else:
        assert shown == sorted(shown), (question, reply.text)
        assert "低い順" in first or "少ない順" in first, (question, first)
