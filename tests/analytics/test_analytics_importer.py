"""``import indicators``: all-or-nothing, with Japanese errors naming row, column and value."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from analytics.importer import IndicatorImportError, import_file
from analytics.service import DataService
from bot.storage.indicator_tables import IndicatorValue


def count(svc: DataService) -> int:
    with svc.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(IndicatorValue)).scalar() or 0)


def run(svc: DataService, path: Path, **kw: object) -> object:
    return import_file(svc.engine, path, svc.catalog, svc.geo, **kw)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def seed(svc: DataService, tmp_path: Path) -> None:
    write(
        tmp_path / "seed.csv",
        "コード,市町村名,通いの場参加率\n27211,茨木市,7.5\n27203,豊中市,6.1\n",
    )
    run(svc, tmp_path / "seed.csv", year=2020)
    assert count(svc) == 2


def test_cp932_wide_file_imports_and_is_answered(
    fresh_service: DataService, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "kayoi.csv",
        "市区町村コード,市区町村名,通いの場参加率（%）\n272116,茨木市,8.25\n27203,豊中市,\n",
        "cp932",
    )
    res = run(fresh_service, path, year=2021)
    assert res.rows == 2 and not res.sample  # type: ignore[attr-defined]
    r = fresh_service.answer("茨木市の通いの場参加率", render_charts=False)
    assert "8.2" in r.text and "2021年" in r.text and "サンプル" not in r.text
    r = fresh_service.answer("豊中市の通いの場参加率", render_charts=False)
    assert "データがありません" in r.text and "0.0%" not in r.text


@pytest.mark.parametrize(
    ("content", "encoding", "expected"),
    [
        # bad value in a CP932 file: row, column letter, header and value named
        (
            "コード,市町村名,通いの場参加率\n27211,茨木市,7.5\n27203,豊中市,abc\n",
            "cp932",
            ["3 行目", "C列", "通いの場参加率", "「abc」"],
        ),
        # header spread over two rows
        (
            "コード,市町村名,通いの場参加率\n,,（%）\n27211,茨木市,7.5\n",
            "utf-8",
            ["見出し", "2行", "1 行目と 2 行目"],
        ),
        (
            "保険者,,通いの場参加率\nコード,市町村名,2019\n27211,茨木市,7.5\n",
            "utf-8",
            ["見出し", "2行"],
        ),
        # missing municipality column
        (
            "通いの場参加率,保険料\n7.5,6000\n",
            "utf-8",
            ["市区町村コードまたは市区町村名の列がありません"],
        ),
        # duplicated code
        (
            "コード,市町村名,通いの場参加率\n27211,茨木市,7.5\n27203,豊中市,6.0\n27211,茨木市,7.0\n",
            "utf-8",
            ["2 行目と 4 行目", "重複"],
        ),
        # 「－」 and 「※」 as values
        (
            "コード,市町村名,通いの場参加率\n27211,茨木市,－\n27203,豊中市,6.0\n",
            "utf-8",
            ["2 行目", "C列", "「－」", "--allow-missing"],
        ),
        (
            "コード,市町村名,通いの場参加率\n27211,茨木市,7.0\n27203,豊中市,※\n",
            "cp932",
            ["3 行目", "「※」"],
        ),
        # percent above 100, unknown municipality, name/code mismatch, unknown header
        ("コード,通いの場参加率\n27211,120\n", "utf-8", ["2 行目", "100を超えて"]),
        ("市町村名,通いの場参加率\n茨城市,5\n", "utf-8", ["「茨城市」が見つかりません", "茨木市"]),
        ("コード,市町村名,通いの場参加率\n27211,豊中市,5\n", "utf-8", ["茨木市", "豊中市"]),
        ("コード,通いの場参加立\n27211,5\n", "utf-8", ["B列", "通いの場参加立"]),
        # 太子町 without a prefecture
        ("市町村名,通いの場参加率\n太子町,5\n", "utf-8", ["太子町", "複数", "都道府県"]),
    ],
)
def test_bad_files_are_rejected_and_store_is_unchanged(
    fresh_service: DataService, tmp_path: Path, content: str, encoding: str, expected: list[str]
) -> None:
    seed(fresh_service, tmp_path)
    path = write(tmp_path / "bad.csv", content, encoding)
    with pytest.raises(IndicatorImportError) as err:
        run(fresh_service, path, year=2020)
    msg = str(err.value)
    for part in expected:
        assert part in msg, (part, msg)
    assert "Traceback" not in msg
    assert count(fresh_service) == 2
    r = fresh_service.answer("茨木市の通いの場参加率", render_charts=False)
    assert "7.5%" in r.text


def test_missing_marks_allowed_when_asked(fresh_service: DataService, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", "コード,通いの場参加率\n27211,－\n27203,※\n27204,4.0\n")
    res = run(fresh_service, path, year=2020, allow_missing=True)
    assert res.rows == 3  # type: ignore[attr-defined]
    r = fresh_service.answer("茨木市の通いの場参加率", render_charts=False)
    assert "データがありません" in r.text


def test_reimport_replaces_the_indicator_year(fresh_service: DataService, tmp_path: Path) -> None:
    seed(fresh_service, tmp_path)
    path = write(tmp_path / "again.csv", "コード,通いの場参加率\n27211,9.0\n")
    res = run(fresh_service, path, year=2020)
    assert res.replaced == 2  # type: ignore[attr-defined]
    assert count(fresh_service) == 1
    r = fresh_service.answer("茨木市の通いの場参加率", render_charts=False)
    assert "9.0%" in r.text


def test_long_layout_xlsx_with_names_and_areas(fresh_service: DataService, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["都道府県", "市町村名", "圏域", "指標", "年度", "値"])
    ws.append(["大阪府", "茨木市", "", "閉じこもり者割合", "令和元年度", 17.5])
    ws.append(["大阪府", "茨木市", "東圏域", "閉じこもり者割合", "令和元年度", 15.25])
    ws.append(["兵庫県", "太子町", "", "保険料", 2019, 5900])
    path = tmp_path / "long.xlsx"
    wb.save(path)
    res = run(fresh_service, path)
    assert res.rows == 3  # type: ignore[attr-defined]
    r = fresh_service.answer("茨木市の閉じこもり者割合", render_charts=False)
    assert "17.5%" in r.text and "東圏域 15.2" in r.text
    r = fresh_service.answer("兵庫県の太子町の保険料", render_charts=False)
    assert "5,900円" in r.text


def test_sample_file_is_flagged_sample(fresh_service: DataService, tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.csv",
        "# サンプルデータ（架空の値）\ncode,indicator,year,value,sample\n27211,premium,2019,6100,1\n",
    )
    res = run(fresh_service, path)
    assert res.sample  # type: ignore[attr-defined]
    r = fresh_service.answer("茨木市の保険料", render_charts=False)
    assert r.sample and "※サンプルデータ（架空の値）" in r.text


def test_real_indicators_cannot_be_overwritten(fresh_service: DataService, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "code,indicator,year,value\n27211,高齢化率,2020,10\n")
    with pytest.raises(IndicatorImportError, match="同梱の公的統計"):
        run(fresh_service, path)


def test_unsupported_and_missing_files(fresh_service: DataService, tmp_path: Path) -> None:
    with pytest.raises(IndicatorImportError, match="見つかりません"):
        run(fresh_service, tmp_path / "nope.csv")
    with pytest.raises(IndicatorImportError, match="対応していない形式"):
        run(fresh_service, write(tmp_path / "x.json", "{}"))
    with pytest.raises(IndicatorImportError, match="文字コード"):
        (tmp_path / "bin.csv").write_bytes(b"\x81\x00\xff\xfe\x80")
        run(fresh_service, tmp_path / "bin.csv")
