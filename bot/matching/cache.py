"""An on-disk cache of the built matcher.

Building the index tokenises every sentence of the cards, which reads a large part of the
200 MB Sudachi dictionary into memory and takes most of the start-up time. The cache is
keyed by the knowledge itself and the matcher's source, so an edited card or a new version
of the code simply builds afresh.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from bot.knowledge.model import KnowledgeBase
from bot.matching import matcher as matcher_mod
from bot.matching.matcher import Matcher, MatchPolicy
from bot.storage.files import private_dir
from bot.text import normalize as normalize_mod
from bot.text import reading as reading_mod

log = logging.getLogger(__name__)


def cache_key(kb: KnowledgeBase, policy: MatchPolicy) -> str:
    h = hashlib.sha256()
    h.update(repr(kb).encode("utf-8"))
    h.update(repr(policy).encode("utf-8"))
    for mod in (matcher_mod, normalize_mod, reading_mod):
        h.update(Path(mod.__file__ or "").read_bytes())
    return h.hexdigest()[:24]


def load_matcher(
    kb: KnowledgeBase, cache_dir: Path | None, policy: MatchPolicy | None = None
) -> Matcher:
    """The cached matcher for ``kb`` when there is one, else a fresh build (then cached)."""
    policy = policy or MatchPolicy()
    if cache_dir is None:
        return Matcher(kb, policy)
    path = cache_dir / f"matcher-{cache_key(kb, policy)}.pickle"
    try:
        with path.open("rb") as f:
            cached = pickle.load(f)
        if isinstance(cached, Matcher):
            return cached
    except FileNotFoundError:
        pass
    except Exception as exc:  # a damaged cache is rebuilt, never fatal
        log.warning("matcher cache %s unreadable (%s); rebuilding", path, type(exc).__name__)
    built = Matcher(kb, policy)
    try:
        private_dir(cache_dir)  # mkstemp below creates the file 0600
        for old in cache_dir.glob("matcher-*.pickle"):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(built, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("matcher cache not written to %s: %s", cache_dir, exc)
    return built
