"""Subcommands for the main ``hintbot`` CLI: ``ask``, ``import indicators`` and ``data status``.

``bot/cli.py`` calls ``register(subparsers, settings_factory)``. The ``import`` group is shared:
other features add their own kinds (``import survey`` …) with::

    from bot.cli.indicators import get_import_group
    group = get_import_group(subparsers)          # the nested subparsers of ``import``
    p = group.add_parser("survey", help="…")
    p.set_defaults(handler=lambda args: ...)       # returns an int exit code

Every handler is stored as ``args.handler`` and returns an exit code; errors are printed in
Japanese to stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.settings import Settings

SettingsFactory = Callable[[], Settings]
_IMPORT_GROUPS: dict[int, Any] = {}


def get_import_group(subparsers: Any) -> Any:
    """The nested subparsers action of ``hintbot import`` (created on first use)."""
    key = id(subparsers)
    if key not in _IMPORT_GROUPS:
        p = subparsers.add_parser(
            "import",
            help="ファイルを取り込みます（indicators など）",
            description="ファイルを取り込みます。種類を指定してください（例: hintbot import indicators FILE）。",
        )
        group = p.add_subparsers(dest="import_kind", metavar="KIND")
        group.required = True
        _IMPORT_GROUPS[key] = group
    return _IMPORT_GROUPS[key]


def register(subparsers: Any, settings_factory: SettingsFactory) -> None:
    """Add ``ask``, ``import indicators`` and ``data status`` to the main parser."""
    ask = subparsers.add_parser("ask", help="指標についての質問に1回答えます")
    ask.add_argument("question", help="質問（例: 「茨木市の75歳以上人口の将来推計は？」）")
    ask.add_argument("--no-chart", action="store_true", help="グラフを作りません")
    ask.set_defaults(handler=lambda a: _ask(a, settings_factory))

    group = get_import_group(subparsers)
    imp = group.add_parser(
        "indicators",
        help="指標ファイル（CSV/Excel）を取り込みます",
        description=(
            "見える化・調査などの指標を取り込みます。CSV（UTF-8/CP932）か Excel（.xlsx）。"
            "横持ち（1行1市町村）または縦持ち（コード, 指標, 年, 値）。"
            "1行でも誤りがあればファイル全体を取り込みません。同じ指標・年は置き換えます。"
        ),
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
    imp.set_defaults(handler=lambda a: _import(a, settings_factory))

    data = subparsers.add_parser("data", help="指標データの状態を表示します")
    dsub = data.add_subparsers(dest="data_cmd", metavar="CMD")
    dsub.required = True
    st = dsub.add_parser("status", help="指標ごとの出典・年・カバー率・実データかサンプルか")
    st.set_defaults(handler=lambda a: _status(a, settings_factory))


def _service(settings: Settings) -> Any:
    from analytics.service import DataService
    from bot.storage.db import make_engine
    from bot.storage.schema import ensure_schema

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return DataService.load(settings, engine)


def _guard(fn: Callable[[], int]) -> int:
    """Turn expected failures into a Japanese message and exit code 2."""
    from analytics.catalog import CatalogError
    from analytics.importer import IndicatorImportError

    try:
        return fn()
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


def _ask(args: argparse.Namespace, settings_factory: SettingsFactory) -> int:
    def run() -> int:
        question = (args.question or "").strip()
        if not question:
            print(
                "質問が空です。例: hintbot ask 「茨木市の75歳以上人口の将来推計は？」",
                file=sys.stderr,
            )
            return 2
        svc = _service(settings_factory())
        reply = svc.answer(question, render_charts=not args.no_chart)
        print(reply.text)
        for i, opt in enumerate(reply.options, start=1):
            print(f"  [{i}] {opt.label}  ({opt.id})")
        for path in reply.charts:
            print(f"グラフ: {path}")
        return 0

    return _guard(run)


def _import(args: argparse.Namespace, settings_factory: SettingsFactory) -> int:
    def run() -> int:
        from analytics.importer import import_file

        svc = _service(settings_factory())
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

    return _guard(run)


def _status(args: argparse.Namespace, settings_factory: SettingsFactory) -> int:
    def run() -> int:
        svc = _service(settings_factory())
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

    return _guard(run)
