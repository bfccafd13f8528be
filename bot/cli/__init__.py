"""``hintbot`` command line. The environment is read here (and only here) into ``Settings``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from bot.errors import UserError
from bot.knowledge.loader import KnowledgeError
from bot.render.text import SOURCE_NOTE
from bot.settings import Settings

DESCRIPTION = f"""地域づくりヒントBot — 地域づくりの悩みに合うヒントカードと対策をご案内します。
{SOURCE_NOTE}"""

# Command groups, in the order of ``hintbot --help``: module -> register(subparsers, settings)
PLUGINS = (
    "bot.cli.advisor",
    "bot.cli.indicators",
    "bot.cli.serve",
    "bot.cli.survey",
    "bot.cli.ops",
)


def _settings() -> Settings:
    return Settings.from_env()


def build_parser(settings_factory: Callable[[], Settings] = _settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hintbot",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="詳しいログを表示します")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for mod in PLUGINS:
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name and mod.startswith(exc.name):
                continue
            raise
        module.register(sub, settings_factory)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # plugins register their handler as ``func`` or ``handler``
    fn = getattr(args, "func", None) or getattr(args, "handler", None)
    if fn is None:
        parser.print_help()
        return 0
    try:
        return int(fn(args) or 0)
    except KnowledgeError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
