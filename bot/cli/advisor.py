"""Advisor commands: ``hintbot chat``, ``check``, ``match``, ``cards``, ``eval``.

They answer from the hint cards without Slack: a conversation in the terminal, the matcher as
JSON Lines for scripts, the card list, the validation of ``knowledge/`` and the dev-set score.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.base import Subcommands, add_command
from bot.knowledge.loader import load_knowledge
from bot.settings import Settings


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    kb = load_knowledge(settings.knowledge_dir)
    n_sit = sum(len(c.situations) for c in kb.cards)
    n_cm = sum(len(c.countermeasures) for c in kb.cards)
    print(
        f"問題は見つかりませんでした: ヒントカード {len(kb.cards)} 枚、陥っている状況 {n_sit} 件、"
        f"対策 {n_cm} 件、用語 {len(kb.lexicon)} 件、参考文献 {len(kb.references)} 件。"
    )
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot import terminal
    from bot.runtime import build_runtime

    rt = build_runtime(settings)
    if args.json:
        return terminal.json_lines(rt.engine)
    return terminal.interactive(rt.engine, user=args.user)


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.router import Router
    from bot.matching.cache import load_matcher
    from bot.runtime import load_data_service

    kb = load_knowledge(settings.knowledge_dir)
    matcher = load_matcher(kb, settings.cache_dir)
    data = None
    if not args.no_data:
        from bot.storage.db import make_engine
        from bot.storage.schema import ensure_schema

        db = make_engine(settings.database_url)
        ensure_schema(db)
        data = load_data_service(settings, db)
    router = Router(matcher, data)
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            qid, text = obj.get("id"), obj["text"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError):
            print(
                f'{lineno}行目: {{"id": …, "text": "…"}} の形の JSON ではありません。',
                file=sys.stderr,
            )
            print(json.dumps({"id": None, "kind": "error", "cards": [], "situation": None}))
            continue
        route = router.route(text)
        cards: list[dict[str, object]] = []
        situation = None
        res = route.match
        if route.intent == "hint" and res is not None:
            cards = [{"card": c.card, "score": c.score} for c in res.cards[:3]]
            if res.situations and res.situations[0].score > 0:
                situation = res.situations[0].n
        print(
            json.dumps(
                {"id": qid, "kind": route.intent, "cards": cards, "situation": situation},
                ensure_ascii=False,
            ),
            flush=True,
        )
    return 0


def cmd_cards(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.export import cards_json

    kb = load_knowledge(settings.knowledge_dir)
    if args.json:
        print(json.dumps(cards_json(kb), ensure_ascii=False, indent=2))
    else:
        from bot.render.text import menu_text

        print(menu_text(kb.cards))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluate import evaluate_file, format_report

    report = evaluate_file(Path(args.file), settings, with_data=not args.no_data)
    print(format_report(report, texts=not args.figures_only))
    return 0


def register(sub: Subcommands) -> None:
    p = add_command(sub, "chat", help="ターミナルで相談します（番号で選択）", handler=cmd_chat)
    p.add_argument("--json", action="store_true", help="1行1JSONで入出力します（スクリプト用）")
    p.add_argument("--user", default="terminal", help="会話の利用者ID（既定: terminal）")

    add_command(sub, "check", help="ヒントカードと用語集を検証します", handler=cmd_check)

    p = add_command(
        sub,
        "match",
        help="標準入力の {id, text} を照合し、結果を1行1JSONで出力します",
        handler=cmd_match,
    )
    p.add_argument("--jsonl", action="store_true", required=True, help="JSON Lines で入出力します")
    p.add_argument("--no-data", action="store_true", help="指標の質問の判定を行いません")

    p = add_command(sub, "cards", help="ヒントカードを一覧します", handler=cmd_cards)
    p.add_argument("--json", action="store_true", help="JSON で出力します")

    p = add_command(
        sub,
        "eval",
        help="評価用の質問ファイル（dev.yaml 形式）で精度を測ります",
        handler=cmd_eval,
    )
    p.add_argument("file", help="評価ファイル（YAML）")
    p.add_argument("--no-data", action="store_true", help="指標の質問の判定を行いません")
    p.add_argument(
        "--figures-only",
        action="store_true",
        help="数値だけを示し、誤った質問の文面は示しません（ブラインドの評価セット用）",
    )
