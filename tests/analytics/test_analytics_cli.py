"""The CLI subcommands: exit codes, Japanese errors on stderr, no tracebacks."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.cli.base import add_command, import_group
from bot.cli.indicators import register
from bot.settings import ROOT, Settings
from tests.dbutil import fresh_url


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hintbot")
    sub = p.add_subparsers(dest="cmd")
    register(sub)
    # another feature can add its own import kind to the same group
    add_command(import_group(sub), "survey", help="…", handler=lambda a, s: 0)
    return p


def run(tmp_path: Path, *argv: str) -> int:
    settings = Settings(
        database_url=fresh_url(tmp_path, "cli"),
        data_dir=ROOT / "data",
        chart_dir=tmp_path / "charts",
    )
    args = parser().parse_args(list(argv))
    return int(args.handler(args, settings))


def test_ask_prints_answer_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "ask", "奈良県で85歳以上人口の増加率が高い市町村トップ5") == 0
    out = capsys.readouterr().out
    assert "1. " in out and "グラフ: " in out and ".png" in out


def test_ask_prints_options_without_internal_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "ask", "太子町の認定率", "--no-chart") == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "[2]" in out and "--pick" in out
    assert "data:" not in out


@pytest.mark.parametrize("pick", ["1", "大阪府", "大阪のほう", "おおさか"])
def test_ask_takes_the_follow_up_with_pick(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pick: str
) -> None:
    assert run(tmp_path, "ask", "太子町の高齢化率は？", "--no-chart", "--pick", pick) == 0
    out = capsys.readouterr().out
    assert "太子町（大阪府）の高齢化率" in out and "data:" not in out


def test_ask_refuses_a_pick_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "ask", "太子町の高齢化率は？", "--no-chart", "--pick", "東京") == 2
    err = capsys.readouterr().err
    assert "「東京」がどれを指すのか分かりませんでした" in err


def test_import_then_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "k.csv"
    f.write_text("コード,通いの場参加率\n27211,7.5\n", encoding="utf-8")
    assert run(tmp_path, "import", "indicators", str(f), "--year", "2020") == 0
    assert "取り込みました" in capsys.readouterr().out
    assert run(tmp_path, "data", "status") == 0
    out = capsys.readouterr().out
    assert "通いの場参加率" in out and "取込: k.csv" in out and "実データ" in out
    assert "サンプル（架空の値）" in out


def test_import_error_exit_2_japanese_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("コード,通いの場参加率\n27211,※\n", encoding="utf-8")
    assert run(tmp_path, "import", "indicators", str(f), "--year", "2020") == 2
    err = capsys.readouterr().err
    assert "2 行目" in err and "「※」" in err and "Traceback" not in err
    assert run(tmp_path, "import", "indicators", str(tmp_path / "none.csv")) == 2
    assert "見つかりません" in capsys.readouterr().err


def test_import_survey_group_is_extensible(tmp_path: Path) -> None:
    assert run(tmp_path, "import", "survey") == 0
