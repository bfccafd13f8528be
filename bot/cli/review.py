"""Review commands: ``review list / assign / reject / skip / undo / export / stats / walk``.

The command line runs as an operator (like ``brief``): it shows the queue's texts and records
the operator as ``cli:<login name>`` unless ``--by`` says who decided. Slack shows the queue
only to reviewers (prefecture and bureau admins).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.base import Subcommands, add_command, add_group
from bot.errors import UserError
from bot.settings import Settings


def _service(settings: Settings) -> Any:
    from datetime import timedelta

    from bot.knowledge.loader import load_knowledge
    from bot.matching.cache import load_matcher
    from bot.review.service import ReviewService
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    kb = load_knowledge(settings.knowledge_dir)
    return ReviewService(
        engine,
        kb,
        lambda: load_matcher(kb, settings.cache_dir),
        retention_days=settings.review_retention_days,
        settle=timedelta(minutes=2 * settings.conversation_ttl_minutes),
    )


def _by(args: argparse.Namespace) -> str:
    if getattr(args, "by", None):
        return str(args.by)
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (a container): still say it came from the CLI
        return "cli"


def register(sub: Subcommands) -> None:
    rv = add_group(
        sub,
        "review",
        help="ボットが答えられなかった相談のレビュー（一覧・割り当て・対象外・取り消し・書き出し・統計）",
        description=(
            "相談の記録から、合うヒントがなかった・「役に立たなかった」・利用者が訂正した・候補から選んだ・"
            "対象外として案内した相談を集め、似た言い回しをまとめて表示します。割り当てた言い回しは、"
            "再起動なしで全プロセスのボットがすぐに使います（dev とフィクスチャーで測り、下がるものは受け付けません）。"
        ),
        dest="review_cmd",
    )
    p = add_command(rv, "list", help="レビュー待ちの言い回しを多い順に表示します", handler=cmd_list)
    p.add_argument(
        "--json",
        action="store_true",
        help='JSON で出力します: [{"id", "text", "reason", "count", "cards"}]',
    )
    p.add_argument("--limit", type=int, default=None, help="表示する件数（既定: すべて）")

    p = add_command(
        rv,
        "assign",
        help="候補の言い回しをヒントカード（と状況）に割り当てます",
        description="例: hintbot review assign 12 --card 02 --situation 1",
        handler=cmd_assign,
    )
    p.add_argument("id", type=int, help="候補の番号（review list の id）")
    p.add_argument("--card", required=True, help="ヒントカードの番号（例: 02）")
    p.add_argument("--situation", type=int, help="陥っている状況の番号（任意）")
    p.add_argument("--by", help="判断した人（Slack のメンバーIDなど。既定: cli:ログイン名）")

    for name, handler, text in (
        (
            "reject",
            cmd_reject,
            "候補を対象外にします（以後ボットはこの言い回しを対象外として案内します）",
        ),
        ("skip", cmd_skip, "候補を後回しにします（一覧の最後に回ります）"),
        ("undo", cmd_undo, "候補への判断（割り当て・対象外・後回し）を取り消し、キューに戻します"),
    ):
        p = add_command(rv, name, help=text, handler=handler)
        p.add_argument("id", type=int, help="候補の番号（review list の id）")
        p.add_argument("--by", help="判断した人（既定: cli:ログイン名）")

    p = add_command(
        rv,
        "export",
        help="割り当てた言い回しを、カードの paraphrases への追加分として YAML で書き出します",
        description=(
            "利用者・担当者のIDは含みません。既定は標準出力（--output FILE でファイル）。--write を付けると "
            "HINTBOT_KNOWLEDGE_DIR のカードに直接書き込み、読み込めることを確かめます。"
        ),
        handler=cmd_export,
    )
    p.add_argument("--output", type=Path, metavar="FILE", help="書き出すファイル")
    p.add_argument(
        "--write", action="store_true", help="カードのファイルに追加します（変更前にコミットを）"
    )

    p = add_command(
        rv,
        "stats",
        help="キューの件数、処理数、dev とフィクスチャーの正解数（言い回しなし→あり）を表示します",
        handler=cmd_stats,
    )
    p.add_argument("--json", action="store_true", help="JSON で出力します")

    p = add_command(
        rv, "walk", help="キューを端末で1件ずつ判断します（対話モード）", handler=cmd_walk
    )
    p.add_argument("--by", help="判断した人（既定: cli:ログイン名）")


# -- showing ---------------------------------------------------------------------------------
def describe(svc: Any, c: Any) -> list[str]:
    """A candidate in a few lines: text, reason, count, the bot's ranking and the users' picks."""
    mark = "（後回し）" if c.status == "skipped" else ""
    lines = [f"[{c.id}] ×{c.count} {c.reason_label}{mark}", f"    「{c.text}」"]
    if len(c.wordings) > 1:
        lines.append(f"    似た言い回し {len(c.wordings) - 1} 件: 「{c.wordings[1][:40]}」など")
    if c.ranking:
        lines.append(
            "    ボットの順位: "
            + " / ".join(f"{card} {svc.card_title(card)} {score:.2f}" for card, score in c.ranking)
        )
    did = c.users_did()
    if did:
        lines.append("    利用者: " + "、".join(did))
    return lines


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    queue = svc.queue(args.limit)
    if args.json:
        print(json.dumps([c.to_json() for c in queue], ensure_ascii=False, indent=1))
        return 0
    if not queue:
        print("レビュー待ちの言い回しはありません。")
        return 0
    skipped = sum(1 for c in queue if c.status == "skipped")
    print(f"レビュー待ち {len(queue) - skipped} 件（後回し {skipped} 件）。多い順:")
    for c in queue:
        print("\n".join(describe(svc, c)))
    print(
        "割り当て: hintbot review assign ID --card NN [--situation K] / 対象外: reject ID / 後回し: skip ID"
    )
    return 0


def _report(svc: Any, outcome: Any) -> int:
    print("\n".join(outcome.lines(svc.card_title)))
    return 0 if outcome.done else 1


def cmd_assign(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    return _report(svc, svc.assign(args.id, args.card, args.situation, by=_by(args)))


def cmd_reject(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    return _report(svc, svc.reject(args.id, by=_by(args)))


def cmd_skip(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    return _report(svc, svc.skip(args.id, by=_by(args)))


def cmd_undo(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    return _report(svc, svc.undo(args.id, by=_by(args)))


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.review import export

    svc = _service(settings)
    adds = export.additions(svc.kb, svc.assignments())
    export.check(settings.knowledge_dir, adds)  # the result loads like `hintbot check`
    n = sum(len(a) for a in adds)
    if args.write:
        changed = export.apply(settings.knowledge_dir, adds)
        for path in changed:
            print(f"追加しました: {path}")
        print(f"{n} 件の言い回しをカードに追加しました。`hintbot check` で確認できます。")
        return 0
    text = export.render(adds, date.today())
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{n} 件の言い回しを {args.output} に書き出しました。", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    st = svc.stats()
    if args.json:
        print(json.dumps(st.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(f"キュー: 未判断 {st.open} 件、後回し {st.skipped} 件（相談 {st.texts} 件）")
    print(f"判断済み: 割り当て {st.assigned} 件、対象外 {st.rejected} 件、取り消し {st.undone} 件")
    print(f"処理数: 直近7日 {st.decided_7d} 件、直近30日 {st.decided_30d} 件")
    for name, a in st.accuracy.items():
        print(
            f"{name}: 正解 {a['before']}/{a['total']}（言い回しなし）→ {a['after']}/{a['total']}（あり）"
        )
    g = st.decided_group
    if g.get("total"):
        print(
            f"判断した言い回し: 判断どおりの答え {g['before']}/{g['total']}（なし）→ {g['after']}/{g['total']}（あり）"
        )
    return 0


WALK_HELP = "カード番号で割り当て（例: 02、状況つき 02-1）/ x: 対象外 / s: 後回し / u: 直前の判断を取り消し / q: 終了"


def parse_answer(answer: str) -> tuple[str, str | None, int | None]:
    """(action, card, situation) for a line typed in ``review walk``."""
    a = answer.strip().lower().replace("－", "-").replace("ー", "-")
    if a in ("q", "quit", "exit", "終了"):
        return "quit", None, None
    if a in ("x", "r", "reject", "対象外"):
        return "reject", None, None
    if a in ("s", "skip", "", "後回し"):
        return "skip", None, None
    if a in ("u", "undo", "取り消し"):
        return "undo", None, None
    card, _, sit = a.partition("-")
    if card.isdigit() and (not sit or sit.isdigit()):
        return "assign", card, int(sit) if sit else None
    return "help", None, None


def cmd_walk(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    by = _by(args)
    queue = [c for c in svc.queue() if c.status == "open"]
    if not queue:
        print("レビュー待ちの言い回しはありません。")
        return 0
    print(f"レビュー待ち {len(queue)} 件。{WALK_HELP}")
    done: list[int] = []  # positions decided, for undo (which asks that one again)
    i = 0
    while True:
        if i < len(queue):
            c = queue[i]
            print()
            print("\n".join(describe(svc, c)))
            if c.suggested:
                print(f"    （利用者が選んだカード: {c.suggested}）")
        else:
            print("キューの最後です（u: 直前の判断を取り消し / Enter: 終了）")
        print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        action, card, sit = parse_answer(line)
        if action == "quit" or (i >= len(queue) and action != "undo"):
            break
        if action == "help":
            print(WALK_HELP)
            continue
        try:
            if action == "undo":
                if not done:
                    print("取り消す判断がありません。")
                    continue
                i = done.pop()
                outcome = svc.undo(queue[i].id, by=by)
            elif action == "assign":
                assert card is not None
                outcome = svc.assign(c.id, card, sit, by=by)
            elif action == "reject":
                outcome = svc.reject(c.id, by=by)
            else:
                outcome = svc.skip(c.id, by=by)
        except UserError as exc:
            print(f"エラー: {exc}")
            continue
        print("\n".join(outcome.lines(svc.card_title)))
        if outcome.done and action != "undo":
            done.append(i)
            i += 1
    print("終了します。")
    return 0
