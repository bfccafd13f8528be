"""The committed manifest.yaml and Procfile match what the code listens for."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack.brief_views import BRIEF_COMMAND, VISIT_COMMAND
from bot.slack.listeners.commands import COMMAND
from bot.slack.listeners.shortcuts.consult_message import CALLBACK_ID
from bot.slack.survey_views import REGISTER_COMMAND, SURVEY_COMMAND

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_declares_every_surface_the_app_handles() -> None:
    m = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    features, settings = m["features"], m["settings"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert [c["command"] for c in features["slash_commands"]] == [
        COMMAND,
        SURVEY_COMMAND,
        REGISTER_COMMAND,
        BRIEF_COMMAND,
        VISIT_COMMAND,
    ]
    for command in features["slash_commands"]:
        assert len(command["description"]) <= 100  # Slack's limit for a command description
    [shortcut] = features["shortcuts"]
    assert shortcut["callback_id"] == CALLBACK_ID and shortcut["type"] == "message"
    assert shortcut["name"] == "このメッセージで相談"
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "im:history", "im:write", "commands"} <= scopes
    assert {"channels:history", "groups:history", "files:write"} <= scopes
    assert 175 <= len(m["display_information"]["long_description"]) <= 4000


def test_procfile_runs_http_and_socket_mode() -> None:
    lines = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert lines["web"].strip() == "hintbot serve --http --port $PORT"
    assert lines["worker"].strip() == "hintbot serve --socket"
