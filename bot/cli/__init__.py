"""``hintbot`` command line. The environment is read here (and only here) into ``Settings``.

The commands live in one module per group (``advisor``, ``indicators``, ``serve``, ``survey``,
``brief``, ``ops``), each with ``register(sub)``; every handler has the one signature described in
``bot.cli.base``. This module assembles the parser and runs the chosen handler.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import advisor, brief, indicators, ops, review, serve, survey
from bot.cli.base import HANDLER
from bot.errors import UserError
from bot.knowledge.loader import KnowledgeError
from bot.logs import hold_library_loggers
from bot.render.text import SOURCE_NOTE
from bot.settings import Settings

DESCRIPTION = f"""地域づくりヒントBot — 地域づくりの悩みに合うヒントカードと対策をご案内します。
{SOURCE_NOTE}"""

# the command groups, in the order of ``hintbot --help``
GROUPS = (advisor, indicators, serve, survey, brief, review, ops)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hintbot",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="詳しいログを表示します")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    hold_library_loggers()
    handler = getattr(args, HANDLER, None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args, Settings.from_env()) or 0)
    except KnowledgeError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
