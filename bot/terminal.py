"""Terminal adapters around the engine: an interactive chat with numbered options, and a
JSON-lines protocol for scripts and tests."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.core.engine import Engine
from bot.core.replies import Inbound, Reply
from bot.render.text import render as render_text

EXIT_WORDS = {"q", "quit", "exit", "終了", "おわり", "終わり", "bye"}


def render(reply: Reply) -> str:
    lines = [render_text(reply)]
    for path in reply.charts:
        lines.append(f"（グラフ: {path}）")
    if reply.options:
        lines.append("")
        for i, o in enumerate(reply.options, 1):
            lines.append(f"  [{i}] {o.label}")
        lines.append("番号で選ぶか、文章でお書きください。")
    return "\n".join(lines)


def interactive(
    engine: Engine, user: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    key = f"terminal:{user}"
    stdout.write(
        "地域づくりヒントBot（ターミナル版）です。困っていることを書いてください。"
        "「ヘルプ」で使い方、「q」で終了します。\n"
    )
    if engine.has_conversation(key):
        # the options of the last session are no longer on screen: never pick from them
        engine.reset(key)
        stdout.write("前回のご相談は画面に残っていないため、新しいご相談として始めます。\n")
    last: Reply | None = None
    while True:
        stdout.write("\n> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        text = line.strip()
        if text.lower() in EXIT_WORDS:
            stdout.write("ご利用ありがとうございました。\n")
            return 0
        choose = None
        if last and last.options and text.isdigit():
            idx = int(text)
            if 1 <= idx <= len(last.options):
                choose = last.options[idx - 1].id
            elif last.kind != "card":
                stdout.write(f"1〜{len(last.options)} の番号で選んでください。\n")
                continue
        msg = Inbound(key, user, text=None if choose else text, choose=choose)
        last = engine.handle(msg)
        stdout.write(render(last) + "\n")


def json_lines(engine: Engine, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """One JSON object per input line; exactly one JSON object per reply line."""
    for lineno, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError
        except ValueError:
            _emit(stdout, _error(f"{lineno}行目: JSON のオブジェクトとして読めませんでした。"))
            continue
        user = str(obj.get("user") or "anonymous")
        text, choose = obj.get("text"), obj.get("choose")
        if (text is None) == (choose is None) or not isinstance(text or choose or "", str):
            _emit(
                stdout,
                _error(
                    f"{lineno}行目: 「text」か「choose」のどちらか一方を文字列で指定してください。"
                ),
            )
            continue
        reply = engine.handle(Inbound(f"json:{user}", user, text=text, choose=choose))
        _emit(stdout, reply.to_json(render_text(reply)))
    return 0


def _error(text: str) -> dict[str, object]:
    return Reply("error", body=text).to_json(text)


def _emit(stdout: TextIO, obj: dict[str, object]) -> None:
    stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    stdout.flush()
