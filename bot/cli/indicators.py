"""Indicator commands: ``hintbot ask``, ``import indicators`` and ``data status``.

Expected failures (a bad file, an unknown indicator, a missing file) are printed in Japanese to
stderr with exit code 2, never as a traceback (``guarded``).
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Any

from bot.cli.base import Handler, Subcommands, add_command, add_group, import_group
from bot.settings import Settings


def register(sub: Subcommands) -> None:
    """Add ``ask``, ``import indicators`` and ``data status`` to the main parser."""
    ask = add_command(sub, "ask", help="指標についての質問に1回答えます", handler=cmd_ask)
    ask.add_argument("question", help="質問（例: 「茨木市の75歳以上人口の将来推計は？」）")
    ask.add_argument("--no-chart", action="store_true", help="グラフを作りません")
    ask.add_argument(
        "--pick",
        help="聞き返しへの答え（番号か名前。例: --pick 1、--pick 大阪府）。"
        "端末では指定がなければその場でお聞きします",
    )

    imp = add_command(
        import_group(sub),
        "indicators",
        help="指標ファイル（CSV/Excel）を取り込みます",
        description=(
            "見える化・調査などの指標を取り込みます。CSV（UTF-8/CP932）か Excel（.xlsx）。"
            "横持ち（1行1市町村）または縦持ち（コード, 指標, 年, 値）。"
            "1行でも誤りがあればファイル全体を取り込みません。同じ指標・年は置き換えます。"
        ),
        handler=cmd_import,
    )
    imp.add_argument("file", type=Path, help="取り込むファイル")
    imp.add_argument(
        "--indicator", help="指標（値の列が1つのファイル、または1指標だけ取り込むとき）"
    )
    imp.add_argument("--year", type=int, help="年（ファイルに年の列がないとき）")
    imp.add_argument("--sheet", help="Excel のシート名（既定: 最初のシート）")
    imp.add_argument(
        "--allow-missing",
        action="store_true",
        help="「－」「※」などを欠損（データなし）として取り込みます",
    )
    imp.add_argument("--sample", action="store_true", help="サンプル（架空の値）として取り込みます")

    data = add_group(sub, "data", help="指標データの状態を表示します", dest="data_cmd")
    add_command(
        data,
        "status",
        help="指標ごとの出典・年・カバー率・実データかサンプルか",
        handler=cmd_status,
    )


def _service(settings: Settings) -> Any:
    from analytics.service import DataService
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return DataService.load(settings, engine)


def guarded(handler: Handler) -> Handler:
    """Turn expected failures into a Japanese message and exit code 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from analytics.catalog import CatalogError
        from analytics.importer import IndicatorImportError

        try:
            return handler(args, settings)
        except (IndicatorImportError, CatalogError) as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except FileNotFoundError as exc:
            print(f"ファイルが見つかりません: {exc.filename}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"ファイルを読み書きできません: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:
            print(f"処理できませんでした（{type(exc).__name__}: {exc}）。", file=sys.stderr)
            return 2

    return run


@guarded
def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.understand import option_by_words
    from bot.text.prepared import prepare

    question = (args.question or "").strip()
    if not question:
        print(
            "質問が空です。例: hintbot ask 「茨木市の75歳以上人口の将来推計は？」",
            file=sys.stderr,
        )
        return 2
    svc = _service(settings)
    reply = svc.answer(question, render_charts=not args.no_chart)
    pick = args.pick
    while True:
        print(reply.text)
        for path in reply.charts:
            print(f"グラフ: {path}")
        if not reply.options:
            return 0
        for i, opt in enumerate(reply.options, start=1):
            print(f"  [{i}] {opt.label}")
        if pick is None and sys.stdin.isatty():
            try:
                pick = (
                    input("番号か名前でお答えください（空のまま Enter で終了）: ").strip() or None
                )
            except EOFError:
                pick = None
        if pick is None:
            print(
                "続けるには、--pick 1 や --pick 大阪府 のように答えを付けて、もう一度実行してください。"
            )
            return 0
        chosen = option_by_words(prepare(pick), [(o.id, o.label) for o in reply.options])
        if chosen is None:
            names = "、".join(o.label for o in reply.options)
            print(
                f"「{pick}」がどれを指すのか分かりませんでした。番号（1〜{len(reply.options)}）"
                f"か、{names} のどれかでお答えください。",
                file=sys.stderr,
            )
            if not sys.stdin.isatty() or args.pick is not None:
                return 2
            pick = None
            continue
        reply = svc.choose(chosen, reply.context or {})
        pick = None


@guarded
def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from analytics.importer import import_file

    svc = _service(settings)
    res = import_file(
        svc.engine,
        args.file,
        svc.catalog,
        svc.geo,
        indicator=args.indicator,
        year=args.year,
        allow_missing=args.allow_missing,
        sheet=args.sheet,
        force_sample=True if args.sample else None,
    )
    names = svc.catalog.by_id()
    print(
        f"{res.file} を取り込みました（{res.rows} 件{'、サンプル（架空の値）' if res.sample else ''}）。"
    )
    for ind, year, n in res.series:
        print(f"  ・{names[ind].name} {year}年: {n} 件")
    if res.replaced:
        print(f"  同じ指標・年の既存の値 {res.replaced} 件を置き換えました。")
    for w in res.warnings:
        print(f"  （注）{w}")
    return 0


@guarded
def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    svc = _service(settings)
    rows = svc.status()
    print("指標 | 出典 | 年 | 近畿のカバー | 区分")
    for r in rows:
        years = "、".join(str(y) for y in r.years) or "—"
        print(f"{r.name} | {r.source} | {years} | {r.coverage}/{r.coverage_total} | {r.kind}")
    print(
        "注: 社人研（平成30年推計）には福島県の市町村と政令市の区の推計がありません。"
        "サンプル（架空の値）は `hintbot import indicators FILE` で実データを取り込むと置き換わります。"
    )
    return 0
