"""The brief is a Slack-free domain: nothing in ``bot/brief/`` reaches Slack or the adapters."""

from __future__ import annotations

from tests.test_layers import MODULES, SLACK_LIBRARIES, _imported, _within


def test_the_brief_imports_nothing_from_slack_or_the_adapters() -> None:
    modules = {m: p for m, p in MODULES.items() if _within(m, "bot.brief")}
    assert "bot.brief.compose" in modules and "bot.brief.pdf" in modules
    offenders = [
        f"{module}: {name}"
        for module, path in modules.items()
        for name in _imported(module, path)
        if any(_within(name, x) for x in ("bot.slack", "bot.cli", *SLACK_LIBRARIES))
    ]
    assert offenders == [], "bot/brief/ reaches into an adapter:\n" + "\n".join(offenders)
