"""Deprecated: analytics reads text through ``bot.text.normalize.squeeze``; number formatting
moved to ``analytics.number_format``.

Kept only for ``bot/survey/importer.py`` and ``bot/survey/places.py``, which import
``normalize`` from here; delete this module once they import ``squeeze``. Its behaviour is
kept as it was because ``squeeze`` reads ``:30:`` in a clock time (10:30:00) as an emoji code.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, no spaces (the survey importer's view of a cell)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))
