"""``hintbot import survey``: layouts, encodings, all-or-nothing, errors naming row/column/value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UserError
from bot.settings import Settings
from bot.survey.context import SurveyContext
from bot.survey.importer import SurveyImportError, import_survey
from tests.dbutil import fresh_url
from tests.survey.conftest import SAMPLE

ITEMS = [f"{n}" for n in range(1, 26)]


def _wide(rows: list[list[str]], header: list[str] | None = None) -> str:
    head = header or ["市町村名", *ITEMS]
    return "\n".join(",".join(r) for r in [head, *rows]) + "\n"


def _import(ctx: SurveyContext, path: Path, **kw: object):
    return import_survey(ctx.answers, ctx.survey, ctx.places, path, **kw)  # type: ignore[arg-type]


def test_wide_csv_with_numbers_words_and_blanks(ctx: SurveyContext, tmp_path: Path) -> None:
    row1 = ["茨木市", "とても当てはまる", "当てはまる", *["2"] * 22, ""]
    row2 = ["大阪府太子町", *["4"] * 25]
    f = tmp_path / "a.csv"
    f.write_text(_wide([row1, row2]), encoding="utf-8")
    res = _import(ctx, f)
    assert (res.responses, res.layout, res.unanswered_cells, res.sample) == (2, "wide", 1, False)
    latest = ctx.answers.latest()
    assert latest["27211"].answers["q01"] == 1 and latest["27211"].answers["q02"] == 2
    assert "q25" not in latest["27211"].answers
    assert latest["27381"].answers["q06"] == 4  # 大阪府の太子町, not 兵庫県の


def test_cp932_csv_with_item_texts_as_headers(ctx: SurveyContext, tmp_path: Path) -> None:
    header = ["市区町村コード", *(it.text for it in ctx.survey.items)]
    f = tmp_path / "sjis.csv"
    f.write_bytes(_wide([["294268", *["1"] * 25]], header).encode("cp932"))  # 6-digit code
    assert _import(ctx, f).responses == 1
    assert ctx.answers.latest()["29426"].answers["q25"] == 1


def test_xlsx_and_long_form(ctx: SurveyContext, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["府県", "市町村", "項目", "回答"])
    ws.append(["和歌山県", "串本町", "担い手（受け皿）の確保", "とても当てはまる"])
    ws.append(["和歌山県", "串本町", "問5", 2])
    ws.append(["兵庫県", "洲本市", "q14", "当てはまらない"])
    f = tmp_path / "long.xlsx"
    wb.save(f)
    res = _import(ctx, f)
    assert (res.responses, res.layout) == (2, "long")
    latest = ctx.answers.latest()
    assert latest["30428"].answers == {"q06": 1, "q05": 2}
    assert latest["28205"].answers == {"q14": 4}


def test_a_bad_file_names_row_column_and_value_and_changes_nothing(
    ctx: SurveyContext, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(_wide([["茨木市", *["2"] * 25]]), encoding="utf-8")
    _import(ctx, good)
    before = ctx.answers.latest()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        _wide(
            [
                ["茨木市", *["1"] * 25],  # fine on its own
                ["吹田市", "1", "たぶん", *["2"] * 23],  # C列: unreadable answer
                ["太子町", *["2"] * 25],  # ambiguous name
                ["千代田区", *["2"] * 25],  # outside the region
                ["茨木市", *["3"] * 25],  # duplicate
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(SurveyImportError) as e:
        _import(ctx, bad)
    msg = str(e.value)
    assert "保存済みの回答は変更していません" in msg
    assert "3行目 C列（2）: 値「たぶん」は回答として読めません" in msg
    assert "4行目" in msg and "大阪府太子町、兵庫県太子町" in msg
    assert "5行目" in msg and "近畿厚生局管内" in msg
    assert "6行目" in msg and "2行目にもあります" in msg
    assert ctx.answers.latest() == before
    assert ctx.answers.count() == 1


def test_unknown_headers_and_missing_municipality_column(
    ctx: SurveyContext, tmp_path: Path
) -> None:
    f = tmp_path / "h.csv"
    f.write_text("市町村名,1,謎の列,備考\n茨木市,1,2,メモ\n", encoding="utf-8")
    with pytest.raises(SurveyImportError, match=r"1行目 C列: 見出し「謎の列」"):
        _import(ctx, f)
    g = tmp_path / "g.csv"
    g.write_text("1,2\n1,2\n", encoding="utf-8")
    with pytest.raises(SurveyImportError, match="市区町村コードか市町村名の列がありません"):
        _import(ctx, g)
    with pytest.raises(SurveyImportError, match="見つかりません"):
        _import(ctx, tmp_path / "none.csv")
    assert ctx.answers.count() == 0


def test_history_is_kept_and_the_latest_counts(ctx: SurveyContext, tmp_path: Path) -> None:
    for v in ("4", "1"):
        f = tmp_path / f"r{v}.csv"
        f.write_text(_wide([["茨木市", *[v] * 25]]), encoding="utf-8")
        _import(ctx, f)
    hist = ctx.answers.history("27211")
    assert [h.answers["q01"] for h in hist] == [4, 1]
    assert ctx.answers.latest()["27211"].answers["q01"] == 1


def test_the_committed_sample_loads_flagged_as_sample(ctx: SurveyContext) -> None:
    res = _import(ctx, SAMPLE)
    assert res.sample and res.responses > 100
    latest = ctx.answers.latest()
    assert all(v.sample for v in latest.values())
    assert {ctx.places.muni(c).pref_name for c in latest} == {
        "大阪府",
        "兵庫県",
        "奈良県",
        "和歌山県",
    }


def test_sample_is_reproducible_and_matches_the_reports_findings(ctx: SurveyContext) -> None:
    from bot.survey.sample_gen import generate

    assert generate() == SAMPLE.read_text(encoding="utf-8")
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# サンプルデータ（架空の値）")
    _import(ctx, SAMPLE)
    from bot.storage.conversations import Store
    from bot.survey.compose import DigestComposer

    _, region = DigestComposer(ctx, Store(ctx.engine)).summaries()
    top = [s.item.id for s in region.top(25)]
    assert top[:2] == ["q06", "q14"]  # 担い手（受け皿）の確保, then 事業者の意識・負担・人員不足
    # strong: 移動支援, 市民の意識醸成, 利用者の自立支援, 自治体の負担
    assert {"q05", "q07", "q13", "q02"} <= set(top[:7])
    assert min(s.share for s in region.items) > 50  # most municipalities feel every item applies


# -- a rejected import changes nothing (issue 12) -------------------------------------------
def _cli(settings: Settings, *argv: str) -> int:
    from bot.cli import build_parser

    args = build_parser().parse_args(list(argv))
    try:
        return int(args.handler(args, settings))
    except UserError as exc:
        print(exc)
        return 2


def _rows(settings: Settings) -> int:
    from bot.storage.db import make_engine
    from bot.survey.answers import AnswerStore

    engine = make_engine(settings.database_url)
    try:
        return AnswerStore(engine).count()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "content",
    [
        "",  # empty
        "市町村名," + ",".join(str(n) for n in range(1, 26)) + "\n",  # header only
        "市町村名," + ",".join(str(n) for n in range(1, 26)) + "\nどこか市," + "1," * 24 + "1\n",
    ],
    ids=["empty", "header only", "unknown municipality"],
)
def test_a_rejected_import_on_an_empty_database_adds_no_demo_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    settings = Settings(
        database_url=fresh_url(tmp_path, "import"), chart_dir=tmp_path, demo_sample=True
    )
    bad = tmp_path / "answers.csv"
    bad.write_text(content, encoding="utf-8")
    assert _cli(settings, "import", "survey", str(bad)) == 2
    out = capsys.readouterr().out
    assert "保存済みの回答は変更していません" in out
    assert _rows(settings) == 0  # not 137 demo rows either
    # a good file is stored, and the demo sample does not come in behind it
    good = tmp_path / "good.csv"
    good.write_text(
        "市町村名," + ",".join(str(n) for n in range(1, 26)) + "\n茨木市," + "2," * 24 + "2\n",
        encoding="utf-8",
    )
    assert _cli(settings, "import", "survey", str(good)) == 0
    assert _rows(settings) == 1
