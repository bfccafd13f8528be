"""Built objects kept on disk between runs, keyed by what they were built from.

Both the matcher and the indicator tables take a noticeable part of start-up to build and
never change unless their inputs or their code do; a key over both lets an edit simply build
afresh. A missing or damaged file is rebuilt, never fatal; files are owner-only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from bot.storage.files import private_dir

log = logging.getLogger(__name__)

T = TypeVar("T")


def source_key(parts: Iterable[bytes], modules: Iterable[ModuleType]) -> str:
    """A short hash of ``parts`` and of the source of ``modules``."""
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    for mod in modules:
        h.update(Path(mod.__file__ or "").read_bytes())
    return h.hexdigest()[:24]


def cached(cache_dir: Path | None, name: str, key: str, kind: type[T], build: Callable[[], T]) -> T:
    """The object stored as ``<name>-<key>.pickle`` in ``cache_dir`` when it is a ``kind``,
    else ``build()`` (then stored, replacing older keys of ``name``)."""
    if cache_dir is None:
        return build()
    path = cache_dir / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as f:
            found = pickle.load(f)
        if isinstance(found, kind):
            return found
    except FileNotFoundError:
        pass
    except Exception as exc:  # a damaged cache is rebuilt
        log.warning("%s cache %s unreadable (%s); rebuilding", name, path, type(exc).__name__)
    built = build()
    try:
        private_dir(cache_dir)  # mkstemp below creates the file 0600
        for old in cache_dir.glob(f"{name}-*.pickle"):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(built, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("%s cache not written to %s: %s", name, cache_dir, exc)
    return built
