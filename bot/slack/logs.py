"""Logging for the Slack entry points: INFO with Slack ids, and tokens never written.

The redaction filter is defence in depth: our own log lines carry ids only, but a library's
exception text could echo a request, so anything shaped like a Slack token is masked.
"""

from __future__ import annotations

import logging
import re

from bot.logs import hold_library_loggers

_TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if _TOKEN.search(msg):
            record.msg = _TOKEN.sub(r"\1-[redacted]", msg)
            record.args = None
        return True


def configure(verbose: bool = False) -> None:
    """Root handler with the redaction filter; ``bot.*`` at INFO (DEBUG when verbose)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())
    logging.getLogger("bot").setLevel(logging.DEBUG if verbose else logging.INFO)
    hold_library_loggers()
