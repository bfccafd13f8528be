"""A broken card is reported in Japanese with file, line, column and field; never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge.loader import KnowledgeError, load_knowledge
from tests.conftest import KNOWLEDGE, ROOT


@pytest.fixture()
def kdir(tmp_path: Path) -> Path:
    dst = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_pointer_to_missing_countermeasure(kdir: Path) -> None:
    card = next((kdir / "hints").glob("08-*.yaml"))
    text = card.read_text(encoding="utf-8")
    # situation 2 of card 08 points to 対策2; make it point to 対策7
    import re

    m = list(re.finditer(r"countermeasures: \[2\]", text))
    assert m, "expected situation 2 pointer"
    card.write_text(
        text[: m[0].start()] + "countermeasures: [7]" + text[m[0].end() :], encoding="utf-8"
    )
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(kdir)
    msg = str(exc.value)
    line = _line_of(card, "countermeasures: [7]")
    assert f"hints/{card.name}:{line}:" in msg
    assert "対策 7 はこのカードにありません" in msg
    assert "situations[1].countermeasures[0]" in msg


def test_missing_field_and_bad_category(kdir: Path) -> None:
    card = next((kdir / "hints").glob("02-*.yaml"))
    _edit(card, "category: 住民主体活動の促進", "category: その他")
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("\nintroduction:", "\nintro:", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(kdir)
    msg = str(exc.value)
    assert "category は" in msg and "（値: その他）" in msg
    assert "必須項目「introduction」がありません" in msg
    assert "不明な項目「intro」" in msg
    assert f"{card.name}:{_line_of(card, 'category: その他')}:11" in msg


def test_yaml_syntax_error_has_position(kdir: Path) -> None:
    card = next((kdir / "hints").glob("03-*.yaml"))
    card.write_text('id: "03"\ntitle: [壊れた\n', encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(kdir)
    assert f"{card.name}:3:1: YAMLの書式が正しくありません" in str(exc.value)


def test_broken_card_stops_start_up_without_traceback(kdir: Path, tmp_path: Path) -> None:
    card = next((kdir / "hints").glob("05-*.yaml"))
    _edit(card, 'id: "05"', 'id: "5"')
    env = {
        "HINTBOT_KNOWLEDGE_DIR": str(kdir),
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "PATH": "/usr/bin:/bin",
    }
    for args in (["check"], ["chat"]):
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=ROOT, env=env, input="", capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        assert "id は \"01\" のような2桁の番号にしてください（値: '5'）" in proc.stderr
        assert card.name in proc.stderr
