"""The brief's content: figures from the raw statistics, the sample mark on every sample value,
a municipality with nothing yet, imported indicators, roles, visit records and bad input."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.brief.access import (
    BRIEF_NOT_YOURS,
    NOT_REGISTERED,
    VISITS_MUNICIPAL,
    brief_refusal,
    visits_refusal,
)
from bot.brief.document import build
from bot.brief.places import AmbiguousPlace, PlaceNotFound
from bot.brief.service import BriefService
from bot.brief.text import markdown, plain
from bot.cli import build_parser
from bot.errors import UserError
from bot.knowledge.model import KnowledgeBase
from bot.settings import ROOT, Settings
from bot.storage.conversations import Store
from bot.survey.places import Places
from bot.text.notes import SAMPLE_NOTE
from tests.brief.conftest import open_service

IBARAKI = "27211"
TODAY = date(2026, 12, 1)


def _run(settings: Settings, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return int(args.handler(args, settings))


def _line(text: str, start: str) -> str:
    """The first line of ``text`` that contains ``start``."""
    return next(line for line in text.splitlines() if start in line)


# -- the figures ------------------------------------------------------------------------------
def _raw_ipss(code5: str, year: int) -> int:
    """75歳以上 straight from the bundled IPSS 2018 file (sum of the 5-year groups)."""
    path = ROOT / "data" / "raw" / "ipss2018_projection_75plus.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if (row["code5_2024"] or row["code5"]) == code5 and int(row["year"]) == year:
                return sum(
                    int(row[c]) for c in ("age_75_79", "age_80_84", "age_85_89", "age_90plus")
                )
    raise AssertionError(f"{code5} {year} not in the raw file")


def test_ibaraki_figures_are_the_raw_ipss_2018_ones(svc: BriefService) -> None:
    assert _raw_ipss(IBARAKI, 2025) == 45_932
    assert _raw_ipss(IBARAKI, 2035) == 46_853
    brief = svc.brief(IBARAKI, today=TODAY)
    figs = {f.key: f for f in brief.sheet.figures}
    assert figs["pop75@2025"].value == 45_932 and figs["pop75@2025"].text == "45,932人"
    assert figs["pop75@2035"].value == 46_853 and figs["pop75@2035"].text == "46,853人"
    assert figs["pop75_increase_rate"].text == "+2.0%（+921人）"
    assert not figs["pop75@2025"].sample and figs["pop75@2025"].source == "社人研 平成30年推計"
    # beside the prefecture's figure and the rank within the prefecture
    assert figs["pop75@2025"].pref_text == "1,507,245人"
    assert figs["pop75@2025"].rank_text == "43中 9位"
    assert {f.key for f in brief.sheet.figures} >= {"aging_rate", "late_aging_rate", "pop85@2035"}
    text = plain(brief)
    assert "・75歳以上人口（2025年）：45,932人（大阪府 1,507,245人、府内 43中 9位、2025年）" in text
    assert "75歳以上人口（2035年）：46,853人" in text


# -- the sample mark --------------------------------------------------------------------------
def test_every_sample_value_carries_the_sample_mark(sampled: BriefService) -> None:
    brief = sampled.brief(IBARAKI, today=TODAY)
    assert brief.barriers.answered and brief.barriers.sample
    text, md = plain(brief), markdown(brief)
    samples = [f for f in brief.sheet.figures if f.sample]
    reals = [f for f in brief.sheet.figures if not f.sample]
    assert samples and reals
    for out in (text, md):
        for f in samples:
            assert SAMPLE_NOTE in _line(out, f.label), f.label
        for f in reals:
            assert SAMPLE_NOTE not in _line(out, f.label), f.label
        for v in brief.sheet.viewpoints:
            assert v.sample and SAMPLE_NOTE in _line(out, v.title)
        for b in brief.barriers.applying[:8]:
            assert SAMPLE_NOTE in _line(out, f"{b.n}. {b.text}")
        assert SAMPLE_NOTE in _line(out, "ほかに「当てはまる」とした")
    # the document marks each sample row, not just the page
    rows = [r for s in build(brief).sections for blk in s.blocks for r in getattr(blk, "rows", ())]
    assert sum(SAMPLE_NOTE in r[0] for r in rows) == len(samples) + min(
        8, len(brief.barriers.applying)
    )


def test_imported_indicators_replace_the_sample_and_lose_the_mark(
    svc: BriefService, brief_settings: Settings, tmp_path: Path
) -> None:
    f = tmp_path / "mieruka.csv"
    rows = [
        f"{m.code5},{m.name},{80 + i * 0.1:.1f}"
        for i, m in enumerate(svc.survey.places.munis_of("27"))
    ]
    f.write_text("市区町村コード,市区町村名,健康な人の割合\n" + "\n".join(rows), encoding="utf-8")
    assert _run(brief_settings, "import", "indicators", str(f), "--year", "2022") == 0
    brief = svc.brief(IBARAKI, today=TODAY)
    healthy = next(x for x in brief.sheet.figures if x.key == "healthy_share")
    assert healthy.imported and not healthy.sample and healthy.period == "2022年"
    assert brief.sheet.mieruka_imported
    text = plain(brief)
    assert SAMPLE_NOTE not in _line(text, "健康な人の割合")
    assert "デモ用のサンプル値" not in text
    assert SAMPLE_NOTE in _line(text, "調整済み認定率")  # still the sample


# -- nothing yet -------------------------------------------------------------------------------
def test_a_municipality_with_no_answer_and_no_imported_indicators(svc: BriefService) -> None:
    brief = svc.brief("29201", today=TODAY)  # 奈良市: nothing answered, nothing imported
    assert brief.label == "奈良県奈良市"
    assert not brief.barriers.answered and brief.barriers.applying == ()
    assert not brief.sheet.mieruka_imported
    assert brief.consultations.staff == 0 and brief.visits is not None
    text = plain(brief)
    assert "奈良市はまだ課題認識アンケートに回答していません（奈良県の回答 0 / 39 市町村）" in text
    assert "見える化システム等の指標は取り込まれていないため、デモ用のサンプル値" in text
    assert "上位の課題に答えるヒントカードはありません" in text
    assert "職員はまだボットに登録されていない" in text
    assert "訪問記録はまだありません" in text
    assert "次回の市町村支援策検討会: 未登録" in text
    assert "データなし" not in _line(text, "75歳以上人口（2025年）")


def test_without_its_own_answer_the_cards_answer_the_prefectures_barriers(
    sampled: BriefService,
) -> None:
    answered = sampled.survey.answers.latest(["27"])
    missing = next(m.code5 for m in sampled.survey.places.munis_of("27") if m.code5 not in answered)
    brief = sampled.brief(missing, today=TODAY)
    assert not brief.barriers.answered and brief.cards_from_prefecture and brief.cards
    assert brief.barriers.pref_top
    text = plain(brief)
    assert "回答がないため、大阪府で多い課題に答えるカード" in text
    assert SAMPLE_NOTE in _line(text, f"1. {brief.barriers.pref_top[0][0]}")


# -- barriers, cards and consultations ----------------------------------------------------------
def test_cards_carry_the_questions_and_countermeasures(
    sampled: BriefService, survey_kb: KnowledgeBase
) -> None:
    brief = sampled.brief(IBARAKI, today=TODAY)
    assert 1 <= len(brief.cards) <= 3
    for c in brief.cards:
        card = survey_kb.card(c.id)
        assert c.questions == tuple(s.question for s in card.situations)
        assert c.countermeasures == tuple(m.title for m in card.countermeasures)
        assert c.because
    text = plain(brief)
    first = brief.cards[0]
    assert f"ヒント{first.id}「{first.title}」" in text
    assert first.questions[0] in text and first.countermeasures[0] in text


def test_the_change_since_the_last_answers(sampled: BriefService, tmp_path: Path) -> None:
    svc = sampled
    f = tmp_path / "real.csv"
    header = "市町村名," + ",".join(str(n) for n in range(1, 26))
    f.write_text(f"{header}\n茨木市," + ",".join(["3"] * 25), encoding="utf-8")
    from bot.survey.importer import import_survey

    import_survey(svc.survey.answers, svc.survey.survey, svc.survey.places, f)
    f.write_text(f"{header}\n茨木市,1,2," + ",".join(["3"] * 23), encoding="utf-8")
    import_survey(svc.survey.answers, svc.survey.survey, svc.survey.places, f)
    brief = svc.brief(IBARAKI, today=TODAY)
    br = brief.barriers
    assert br.answered and not br.sample and br.previous_on is not None
    assert [(b.n, b.answer, b.change) for b in br.applying] == [
        (1, "とても当てはまる", "新たに当てはまる"),
        (2, "当てはまる", "新たに当てはまる"),
    ]
    assert SAMPLE_NOTE not in plain(brief).split("■ 2.")[1].split("■ 3.")[0]


def test_consultations_are_counts_by_card_without_text_or_names(
    svc: BriefService, survey_kb: KnowledgeBase
) -> None:
    reg = svc.survey.registry
    reg.set("U0IB1", role="municipal", place="茨木市")
    reg.set("U0IB2", role="municipal", place="茨木市")
    reg.set("U0SUITA", role="municipal", place="吹田市")
    store = Store(svc.survey.engine)
    now = svc.today()
    from datetime import datetime, time

    def log(user: str, card: str, days_ago: int, text: str) -> None:
        at = datetime.combine(now - timedelta(days=days_ago), time(3))
        store.log_consultation(
            conversation="c", user=user, text=text, intent="hint", card=card, now=at
        )

    log("U0IB1", "04", 1, "担い手が足りなくて秘密の相談です")
    log("U0IB2", "04", 10, "別の職員の悩み")
    log("U0IB1", "02", 30, "協議体")
    log("U0IB1", "05", 120, "古い相談")  # outside 90 days
    log("U0SUITA", "01", 1, "吹田市の相談")  # another municipality
    brief = svc.brief(IBARAKI)
    c = brief.consultations
    assert (c.staff, c.total) == (2, 3)
    assert [(cid, n) for cid, _t, n in c.by_card] == [("04", 2), ("02", 1)]
    text = plain(brief)
    assert f"ヒント04「{survey_kb.card('04').title}」：2件" in text
    assert "秘密の相談" not in text and "U0IB1" not in text and "U0IB2" not in text


# -- roles -------------------------------------------------------------------------------------
def test_who_may_see_which_brief_and_which_records(svc: BriefService) -> None:
    reg = svc.survey.registry
    reg.set("U0IB", role="municipal", place="茨木市")
    reg.set("U0OSAKA", role="prefecture", place="大阪府")
    reg.set("U0HYOGO", role="prefecture", place="兵庫県")
    reg.set("U0BUREAU", role="bureau")
    reg.request("U0PENDING", "大阪府")

    def refusals(user: str, code5: str) -> tuple[str | None, str | None]:
        m = reg.get(user)
        return brief_refusal(m, reg, code5), visits_refusal(m, reg, code5)

    suita = svc.resolve("吹田市")
    # the municipality's own staff: its brief, no records; no other municipality's brief
    assert refusals("U0IB", IBARAKI)[0] is None
    assert refusals("U0IB", IBARAKI)[1] == VISITS_MUNICIPAL.format(what="大阪府茨木市の市町村職員")
    assert refusals("U0IB", suita)[0] == BRIEF_NOT_YOURS.format(
        label="大阪府吹田市", name="吹田市", pref="大阪府", what="大阪府茨木市の市町村職員"
    )
    # prefecture staff: briefs and records of their prefecture only
    assert refusals("U0OSAKA", IBARAKI) == (None, None)
    assert refusals("U0OSAKA", suita) == (None, None)
    hyogo = refusals("U0HYOGO", IBARAKI)
    assert hyogo[0] and "大阪府の職員" in hyogo[0]
    assert hyogo[1] and "大阪府の職員と厚生局の方です" in hyogo[1]
    assert refusals("U0HYOGO", svc.resolve("太子町", "兵庫県")) == (None, None)
    # the bureau: everything
    assert refusals("U0BUREAU", IBARAKI) == (None, None)
    assert refusals("U0BUREAU", svc.resolve("美浜町", "福井県")) == (None, None)
    # not approved, not registered
    pending = refusals("U0PENDING", IBARAKI)
    assert pending[0] and "承認されていない" in pending[0] and pending[1] == pending[0]
    assert refusals("U0NOBODY", IBARAKI) == (NOT_REGISTERED, NOT_REGISTERED)


def test_a_brief_without_visit_rights_hides_the_records(svc: BriefService) -> None:
    svc.add_visit(IBARAKI, TODAY, "内部の訪問メモ")
    shown = svc.brief(IBARAKI, today=TODAY)
    hidden = svc.brief(IBARAKI, today=TODAY, with_visits=False)
    assert shown.visits is not None and hidden.visits is None
    assert "内部の訪問メモ" in plain(shown)
    assert "内部の訪問メモ" not in plain(hidden)
    assert "訪問記録は府県・厚生局の職員だけがご覧いただけます" in plain(hidden)


# -- visit records -----------------------------------------------------------------------------
def test_visit_records_survive_a_restart(
    brief_settings: Settings,
    survey_kb: KnowledgeBase,
    places: Places,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = open_service(brief_settings, survey_kb, places)
    first.add_visit(IBARAKI, date(2026, 10, 1), "協議体の運営を確認", by="U0OSAKA", via="slack")
    first.survey.engine.dispose()  # the process ends
    # a new process: the command line, then a new engine on the same file
    assert (
        _run(brief_settings, "visit", "add", "茨木市", "--date", "2026-11-02", "--note", "2回目")
        == 0
    )
    assert _run(brief_settings, "visit", "list", "茨木市") == 0
    out = capsys.readouterr().out
    assert "協議体の運営を確認" in out and "2回目" in out and "U0OSAKA" in out
    second = open_service(brief_settings, survey_kb, places)
    try:
        visits = second.visit_list(IBARAKI)
        assert [(v.day, v.note, v.recorded_by, v.recorded_via) for v in visits] == [
            (date(2026, 11, 2), "2回目", None, "cli"),
            (date(2026, 10, 1), "協議体の運営を確認", "U0OSAKA", "slack"),
        ]
        brief = second.brief(IBARAKI, today=date(2026, 12, 1))
        assert brief.visits is not None and len(brief.visits.past) == 2
        assert "2026年10月1日（木）：協議体の運営を確認（記録: U0OSAKA）" in plain(brief)
    finally:
        second.survey.engine.dispose()


def test_a_future_date_is_accepted_as_planned(
    svc: BriefService, brief_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    later = svc.today() + timedelta(days=5)
    assert (
        _run(
            brief_settings,
            "visit",
            "add",
            "茨木市",
            "--date",
            later.isoformat(),
            "--note",
            "初回訪問",
        )
        == 0
    )
    assert "の予定（" in capsys.readouterr().out
    brief = svc.brief(IBARAKI)
    assert brief.visits is not None and [v.note for v in brief.visits.planned] == ["初回訪問"]
    assert "（予定）：初回訪問" in plain(brief)


def test_bad_input_is_refused_in_japanese(
    svc: BriefService, brief_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # an unknown name gets the nearest names
    with pytest.raises(PlaceNotFound) as exc:
        svc.resolve("茨城市")
    assert exc.value.suggestions[0] == "茨木市（大阪府）"
    with pytest.raises(UserError, match="近い名前: 茨木市（大阪府）"):
        _run(brief_settings, "brief", "茨城市")
    # an empty note is refused, nothing stored
    for note in ("", "   ", "\n"):
        with pytest.raises(UserError, match="メモ）が空です"):
            _run(brief_settings, "visit", "add", "茨木市", "--date", "2026-12-03", "--note", note)
    assert svc.visit_list(IBARAKI) == []
    with pytest.raises(UserError, match="日付「2026/13/01」を読めません"):
        _run(brief_settings, "visit", "add", "茨木市", "--date", "2026/13/01", "--note", "x")
    # ambiguous names take --prefecture (without a terminal to ask on)
    with pytest.raises(AmbiguousPlace, match="--prefecture"):
        _run(brief_settings, "brief", "太子町")
    assert svc.resolve("太子町", "兵庫県") == "28464"
    assert svc.resolve("美浜町（和歌山県）") == "30381"
    with pytest.raises(UserError, match="大阪府にはありません"):
        svc.resolve("美浜町", "大阪府")
    with pytest.raises(UserError, match="市町村名（例: hintbot brief 茨木市）"):
        _run(brief_settings, "brief")


def test_an_ambiguous_name_is_asked_on_a_terminal(
    svc: BriefService, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from bot.cli.brief import resolve

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty("3\n2\n"))
    assert resolve(svc, "太子町", None) == "28464"
    out = capsys.readouterr().out
    assert "[1] 大阪府太子町" in out and "[2] 兵庫県太子町" in out and "1〜2 の番号" in out


def test_markdown_and_text_files_from_the_command_line(
    svc: BriefService, brief_settings: Settings, tmp_path: Path
) -> None:
    md = tmp_path / "out" / "ibaraki.md"
    assert _run(brief_settings, "brief", "茨木市", "--markdown", str(md)) == 0
    body = md.read_text(encoding="utf-8")
    assert body.startswith("# 市町村支援ブリーフ：大阪府茨木市")
    assert "| 75歳以上人口（2025年） | 45,932人 | 1,507,245人 | 43中 9位 | 2025年 |" in body
