"""An on-disk cache of the built matcher.

Building the index tokenises every sentence of the cards, which reads a large part of the
200 MB Sudachi dictionary into memory and takes most of the start-up time. The cache is
keyed by the knowledge itself and the matcher's source, so an edited card or a new version
of the code simply builds afresh.
"""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.model import KnowledgeBase
from bot.matching import matcher as matcher_mod
from bot.matching.matcher import Matcher, MatchPolicy
from bot.storage.pickle_cache import cached, source_key
from bot.text import normalize as normalize_mod
from bot.text import reading as reading_mod


def cache_key(kb: KnowledgeBase, policy: MatchPolicy) -> str:
    return source_key(
        (repr(kb).encode("utf-8"), repr(policy).encode("utf-8")),
        (matcher_mod, normalize_mod, reading_mod),
    )


def load_matcher(
    kb: KnowledgeBase, cache_dir: Path | None, policy: MatchPolicy | None = None
) -> Matcher:
    """The cached matcher for ``kb`` when there is one, else a fresh build (then cached)."""
    chosen = policy or MatchPolicy()
    return cached(cache_dir, "matcher", cache_key(kb, chosen), Matcher, lambda: Matcher(kb, chosen))
