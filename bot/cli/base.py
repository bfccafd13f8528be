"""The one shape of a ``hintbot`` command: how it is added, and how its handler looks.

Every command group module (``advisor``, ``indicators``, ``serve``, ``survey``, ``ops``) has
``register(sub) -> None`` and adds each command with ``add_command``; a command with
sub-commands (``db upgrade``, ``registry list`` …) is made with ``add_group``. Every handler is::

    def cmd_x(args: argparse.Namespace, settings: Settings) -> int

``main`` reads the environment into ``Settings`` once, only when a handler runs (so ``--help``
needs no environment), and passes it down. A handler returns the exit code; an expected
failure raises ``UserError`` (printed in Japanese by ``main`` with exit code 2, never a
traceback).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeAlias

from bot.settings import Settings

Handler: TypeAlias = Callable[[argparse.Namespace, Settings], int]
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

HANDLER = "handler"  # the one attribute a command sets on the parsed arguments


def add_command(
    sub: Subcommands,
    name: str,
    *,
    help: str,
    handler: Handler | None = None,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """Add ``hintbot … name`` and return its parser (for its options)."""
    parser = sub.add_parser(name, help=help, description=description)
    if handler is not None:
        parser.set_defaults(**{HANDLER: handler})
    return parser


def add_group(
    sub: Subcommands,
    name: str,
    *,
    help: str,
    dest: str,
    metavar: str = "CMD",
    description: str | None = None,
) -> Subcommands:
    """Add ``hintbot name`` whose sub-command is required; return the sub-commands to add to.

    Asked again for a name already added, it returns the same sub-commands: ``import`` gathers
    kinds from several modules (``import indicators``, ``import survey``).
    """
    existing = sub.choices.get(name)
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
        raise ValueError(f"hintbot {name} is a command, not a group")
    parser = add_command(sub, name, help=help, description=description)
    group = parser.add_subparsers(dest=dest, metavar=metavar)
    group.required = True
    return group


def import_group(sub: Subcommands) -> Subcommands:
    """``hintbot import KIND``: the kinds of file that can be imported."""
    return add_group(
        sub,
        "import",
        help="ファイルを取り込みます（indicators など）",
        description="ファイルを取り込みます。種類を指定してください（例: hintbot import indicators FILE）。",
        dest="import_kind",
        metavar="KIND",
    )
