"""Logs carry ids, never what users wrote.

Some libraries log whole request and response bodies at DEBUG (slack_sdk's Web API calls,
Bolt's payloads, SQLAlchemy's statements with their parameters). Those loggers are held at
INFO even when ``-v`` turns our own logging to DEBUG.
"""

from __future__ import annotations

import logging

LIBRARIES_WITH_BODIES = ("slack_sdk", "slack_bolt", "urllib3", "websocket", "sqlalchemy.engine")


def hold_library_loggers() -> None:
    for name in LIBRARIES_WITH_BODIES:
        logger = logging.getLogger(name)
        if logger.level in (logging.NOTSET, logging.DEBUG) or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
