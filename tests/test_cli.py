"""The command line as a user runs it: chat --json, match --jsonl, cards --json, eval, check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT


def hintbot(
    args: list[str], tmp_path: Path, stdin: str = "", **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def lines(out: str) -> list[dict]:
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def test_chat_json_one_reply_per_line(tmp_path: Path) -> None:
    inp = "\n".join(
        json.dumps(x, ensure_ascii=False)
        for x in [
            {"user": "a", "text": "協議体がお客様状態で困っている"},
            {"user": "b", "text": "いどうしえん"},
            {"user": "a", "choose": "situation:02-1"},
            {"user": "a", "choose": "feedback:up"},
            {"user": "a", "choose": "nonsense"},
            {"user": "a"},
        ]
    )
    proc = hintbot(["chat", "--json"], tmp_path, inp + "\nnot json\n")
    assert proc.returncode == 0, proc.stderr
    out = lines(proc.stdout)
    assert len(out) == 7
    assert set(out[0]) >= {"kind", "text", "card", "situations", "countermeasures", "options"}
    assert (out[0]["kind"], out[0]["card"], out[0]["situations"]) == ("card", "02", [1, 2])
    assert {"id": "situation:02-1", "label": out[0]["options"][0]["label"]} == out[0]["options"][0]
    assert out[1]["card"] == "05"
    assert (out[2]["kind"], out[2]["countermeasures"]) == ("countermeasures", [1, 2])
    assert out[3]["kind"] == "feedback"
    assert out[4]["kind"] == "error"
    assert out[5]["kind"] == "error" and "text" in out[5]["text"]
    assert out[6]["kind"] == "error" and "7行目" in out[6]["text"]


def test_match_jsonl(tmp_path: Path) -> None:
    inp = "\n".join(
        json.dumps(x, ensure_ascii=False)
        for x in [
            {"id": "q1", "text": "SCに丸投げになってる"},
            {"id": "q2", "text": "今日の天気は？"},
            {"id": "q3", "text": "こんにちは"},
        ]
    )
    proc = hintbot(["match", "--jsonl", "--no-data"], tmp_path, inp)
    assert proc.returncode == 0, proc.stderr
    out = lines(proc.stdout)
    assert out[0]["id"] == "q1" and out[0]["kind"] == "hint"
    assert out[0]["cards"][0]["card"] == "07" and len(out[0]["cards"]) <= 3
    assert out[0]["situation"] == 2
    assert out[1] == {"id": "q2", "kind": "unknown", "cards": [], "situation": None}
    assert out[2]["kind"] == "help" and out[2]["cards"] == []


def test_cards_json(tmp_path: Path) -> None:
    proc = hintbot(["cards", "--json"], tmp_path)
    data = json.loads(proc.stdout)
    assert len(data["cards"]) == 10
    c2 = data["cards"][1]
    assert (c2["id"], c2["category"], c2["title"]) == ("02", "住民主体活動の促進", "協議体の活用")
    assert [s["countermeasures"] for s in c2["situations"]] == [[1, 2], [1, 2]]
    assert [c["n"] for c in c2["countermeasures"]] == [1, 2]


def test_eval_reports_every_figure(tmp_path: Path) -> None:
    proc = hintbot(["eval", str(FIXTURES / "dev.yaml"), "--no-data"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    for label in (
        "top-1 正解率",
        "top-3 正解率",
        "範囲外を回答しなかった割合",
        "誤って回答しなかった割合",
        "陥っている状況の正解率",
    ):
        assert label in proc.stdout


def test_eval_figures_only_keeps_a_blind_set_unread(tmp_path: Path) -> None:
    """Off-topic figures per style; with --figures-only no query text is printed."""
    qfile = tmp_path / "set.yaml"
    qfile.write_text(
        "queries:\n"
        "- {id: a1, kind: hint, card: '02', q: 協議体がお客様状態}\n"
        "- {id: a2, kind: hint, card: '09', q: 協議体がお客様状態で困っている}\n"
        "- {id: a3, kind: oos, style: chatter, q: おはようございます}\n"
        "- {id: a4, kind: oos, style: trap, q: 協議体の委員が発言しない}\n",
        encoding="utf-8",
    )
    shown = hintbot(["eval", str(qfile), "--no-data"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "chatter 100% (1/1)、trap 0% (0/1)" in shown.stdout
    assert "協議体の委員が発言しない" in shown.stdout  # misses listed with their text
    hidden = hintbot(["eval", str(qfile), "--no-data", "--figures-only"], tmp_path)
    assert hidden.returncode == 0, hidden.stderr
    assert "誤り 2 件" in hidden.stdout
    assert "協議体" not in hidden.stdout and "おはよう" not in hidden.stdout


@pytest.mark.parametrize("content", ["queries: 3\n", "queries:\n- {q: x}\n", "a: [\n"])
def test_eval_rejects_bad_files_in_japanese(tmp_path: Path, content: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content, encoding="utf-8")
    proc = hintbot(["eval", str(f)], tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "bad.yaml" in proc.stderr


def test_check_and_help(tmp_path: Path) -> None:
    proc = hintbot(["check"], tmp_path)
    assert proc.returncode == 0 and "ヒントカード 10 枚" in proc.stdout
    helptext = hintbot(["--help"], tmp_path).stdout
    assert "地域づくりにおける悩みと対策のヒント" in helptext and "chat" in helptext


def test_interactive_chat_with_numbers(tmp_path: Path) -> None:
    proc = hintbot(["chat"], tmp_path, "協議体がお客様状態で困っている\n1\n99\nq\n")
    assert proc.returncode == 0, proc.stderr
    assert "[1] 協議体の設置や開催が目的になっている。" in proc.stdout
    assert "【対策1】" in proc.stdout
    assert "番号で選ぶか" in proc.stdout


def test_ask_answers_an_indicator_question(tmp_path: Path) -> None:
    env_extra = f"{tmp_path}/charts"
    proc = hintbot(
        ["ask", "茨木市の75歳以上人口の将来推計は？"], tmp_path, HINTBOT_CHART_DIR=env_extra
    )
    assert proc.returncode == 0, proc.stderr
    assert "37,141人" in proc.stdout and "2025年→2035年" in proc.stdout
    assert "社会保障・人口問題研究所" in proc.stdout
    assert env_extra in proc.stdout


def test_chat_json_answers_data_questions_with_follow_up(tmp_path: Path) -> None:
    inp = "\n".join(
        json.dumps(x, ensure_ascii=False)
        for x in [
            {"user": "p", "text": "奈良県で85歳以上人口の増加率が高い市町村トップ5"},
            {"user": "p", "text": "太子町の高齢化率"},
            {"user": "p", "choose": "data:muni:28464"},
            {"user": "p", "text": "豊中市の通いの場参加率"},
        ]
    )
    proc = hintbot(["chat", "--json"], tmp_path, inp, HINTBOT_CHART_DIR=str(tmp_path / "charts"))
    assert proc.returncode == 0, proc.stderr
    out = lines(proc.stdout)
    assert [o["kind"] for o in out] == ["data", "data", "data", "data"]
    assert "1. " in out[0]["text"] and "2025年→2035年" in out[0]["text"]
    assert out[0]["charts"] and out[0]["charts"][0].endswith(".png")
    assert {o["id"] for o in out[1]["options"]} == {"data:muni:27381", "data:muni:28464"}
    assert "兵庫県" in out[2]["text"] and "%" in out[2]["text"]
    assert out[3]["sample"] is True and "サンプルデータ（架空の値）" in out[3]["text"]
