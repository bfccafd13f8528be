"""Slack listeners, one package per surface (as in Slack's bolt-python starter template).

Each package exposes ``register(app)``; handlers live in sibling modules and take the
``SlackAdvisor`` bound to the app. Every listener acknowledges first and works in a Bolt lazy
listener, so Slack always gets its answer within 3 seconds.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, messages, shortcuts


def register_listeners(app: App) -> None:
    for surface in (events, messages, commands, actions, shortcuts):
        surface.register(app)
