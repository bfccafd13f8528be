"""Logs carry ids, never what users wrote.

Some libraries log whole request and response bodies at DEBUG (slack_sdk's Web API calls,
Bolt's payloads through our ``bot.slack.bolt`` logger) and SQLAlchemy logs statements at
INFO. Those loggers get an explicit floor, so ``-v`` (or a root logger at DEBUG) turns our
own logging up without ever writing a message body.
"""

from __future__ import annotations

import logging

# logger → the lowest level it may log at
FLOORS = {
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.WARNING,  # its signature check logs the refused body at INFO
    "bot.slack.bolt": logging.WARNING,  # Bolt copies this level to its middleware loggers
    "urllib3": logging.INFO,
    "websocket": logging.INFO,
    "sqlalchemy.engine": logging.WARNING,
}


def hold_library_loggers() -> None:
    for name, floor in FLOORS.items():
        logger = logging.getLogger(name)
        if logger.level < floor:  # NOTSET (0) included: it would inherit the root's level
            logger.setLevel(floor)
