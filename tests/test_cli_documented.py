"""Every ``hintbot`` subcommand is in README.md, answers ``--help`` and has the one CLI shape.

The tree is walked from the parser ``main`` uses (``bot.cli.build_parser``), so a command added
later without a line in README's command table (or text), or with another handler shape, fails
here. ``--help`` runs in-process and must not read the environment.
"""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Iterator

import pytest

from bot.cli import build_parser, main
from bot.cli.base import HANDLER
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """(path, parser) for every subcommand and sub-subcommand, depth first."""
    for name, child in _subcommands(parser).items():
        yield (*path, name), child
        yield from walk(child, (*path, name))


COMMANDS = dict(walk(build_parser()))
PATHS = list(COMMANDS)
LEAVES = [path for path, parser in COMMANDS.items() if not _subcommands(parser)]


def test_the_whole_tree_is_walked() -> None:
    names = {" ".join(p) for p in PATHS}
    assert {"chat", "serve", "db upgrade", "registry list", "import survey", "forget-user"} <= names
    assert len(PATHS) >= 30


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_subcommand_is_in_the_readme(path: tuple[str, ...]) -> None:
    name = " ".join(path)
    assert re.search(rf"hintbot {re.escape(name)}(?![\w-])", README), (
        f"README.md に `hintbot {name}` がありません（コマンドの表に追加してください）"
    )


@pytest.mark.parametrize("path", [(), *PATHS], ids=lambda p: " ".join(p) or "hintbot")
def test_every_command_has_help_without_an_environment(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a setting that would stop any command: --help must print before the environment is read
    monkeypatch.setenv("HINTBOT_BASE_YEAR", "not-a-year")
    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {' '.join(('hintbot', *path))}")
    assert "-h, --help" in out
    for sub in _subcommands(COMMANDS[path]) if path else ():
        assert sub in out


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_has_the_one_handler_shape(path: tuple[str, ...]) -> None:
    parser = COMMANDS[path]
    handler = parser.get_default(HANDLER)
    assert callable(handler), f"hintbot {' '.join(path)} has no handler"
    assert list(inspect.signature(handler).parameters) == ["args", "settings"]
    assert parser.get_default("func") is None
