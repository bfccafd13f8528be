"""The layers hold: Slack only in ``bot/slack/``, a Slack-free survey, no import circles.

Imports are read from the source with ``ast`` (top-level, inside functions and under
``TYPE_CHECKING`` alike), so an import hidden in a function to dodge a circle still counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "analytics")
SLACK_LIBRARIES = ("slack_sdk", "slack_bolt")


def _modules(package: str) -> dict[str, Path]:
    """Dotted module name → file, for every module of a top-level package."""
    out: dict[str, Path] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES: dict[str, Path] = {m: p for pkg in PACKAGES for m, p in _modules(pkg).items()}


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every module name ``module`` imports; ``from x import y`` yields ``x.y`` when that is a
    module of ours, else ``x``."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield sub if sub in MODULES else base


def _graph() -> dict[str, set[str]]:
    return {m: {t for t in _imported(m, p) if t in MODULES and t != m} for m, p in MODULES.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _python_files_outside_slack() -> Iterator[Path]:
    """Every Python file of the project (its top-level packages and scripts) but the Slack
    adapter, the tests and benchmarks; build output such as ``build/`` is no package."""
    skip = {ROOT / "tests", ROOT / "benchmarks", ROOT / "bot" / "slack"}
    for top in sorted(ROOT.iterdir()):
        if top in skip:
            continue
        if top.suffix == ".py":
            yield top
        elif (top / "__init__.py").is_file():
            yield from (
                f for f in sorted(top.rglob("*.py")) if not any(f.is_relative_to(s) for s in skip)
            )


def test_only_the_slack_adapter_imports_slack_libraries() -> None:
    offenders = []
    for path in _python_files_outside_slack():
        rel = path.relative_to(ROOT)
        module = ".".join(rel.with_suffix("").parts)
        for name in _imported(module, path):
            if any(_within(name, lib) for lib in SLACK_LIBRARIES):
                offenders.append(f"{rel}: {name}")
    assert offenders == [], "Slack libraries imported outside bot/slack/:\n" + "\n".join(offenders)


def test_the_survey_imports_nothing_from_slack() -> None:
    offenders = [
        f"{module}: {name}"
        for module, path in MODULES.items()
        if _within(module, "bot.survey")
        for name in _imported(module, path)
        if _within(name, "bot.slack") or any(_within(name, lib) for lib in SLACK_LIBRARIES)
    ]
    assert offenders == [], "bot/survey/ reaches into Slack:\n" + "\n".join(offenders)


def test_no_import_circle_in_bot() -> None:
    graph = _graph()
    bot = {m: {t for t in ts if _within(t, "bot")} for m, ts in graph.items() if _within(m, "bot")}
    assert _circles(bot) == []


def test_no_import_circle_in_analytics_or_across_packages() -> None:
    assert _circles(_graph()) == []


# The one-way flow, lowest first: adapters → core → knowledge and storage, never back.
# A module may import from its own layer or a lower one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.errors", "bot.logs", "bot.text", "bot.knowledge"),
    ("bot.storage", "bot.settings", "bot.matching"),
    ("bot.core",),
    ("analytics", "bot.survey", "bot.brief", "bot.review"),  # domains behind the ports
    ("bot.render", "bot.evaluate", "bot.evaluate_followups", "bot.terminal", "bot.runtime"),
    ("bot.slack", "bot.cli", "bot"),  # adapters and entry points
)


def _layer(module: str) -> int:
    best, rank = -1, len(LAYERS)
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if _within(module, prefix) and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


def test_no_module_imports_from_a_layer_above_it() -> None:
    offenders = [
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
        for m, targets in _graph().items()
        for t in sorted(targets)
        if _layer(t) > _layer(m)
    ]
    assert offenders == [], "imports against the flow:\n" + "\n".join(offenders)


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _circles(graph) == [["a", "b", "c"]]


def test_the_layer_map_places_every_module() -> None:
    assert _layer("bot.core.engine") < _layer("bot.slack.app")
    assert _layer("bot.storage.db") < _layer("bot.core.engine") < _layer("analytics.service")
    unplaced = [m for m in MODULES if _layer(m) == len(LAYERS)]
    assert unplaced == []
