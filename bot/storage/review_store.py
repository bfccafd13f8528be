"""The conversation store that also notes a 「ちがう」 for the review queue.

When a written reply is read as a choice of card, the engine keeps the state from before it
(``undo``); 「ちがう」 puts that state back. The engine logs nothing for it, so this store,
which sees every turn's state loaded and saved, records it: the consultation and the card that
was taken back go to ``review_corrections``. Only card changes count (a situation read wrongly
within the right card says nothing about the worry's wording).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from bot.storage.conversations import Store, utcnow
from bot.storage.review import ReviewCorrection

log = logging.getLogger(__name__)


def taken_back(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str | None:
    """The card a turn took back with 「ちがう」 (``before`` → ``after``), or None.

    A take-back restores exactly the state saved in ``before["undo"]``: same consultation,
    stage, card, cards offered and situations listed, and no undo of its own.
    """
    if not before or not isinstance(before.get("undo"), Mapping):
        return None
    undo: Mapping[str, Any] = before["undo"]
    if after.get("undo") is not None:
        return None
    for key in ("consultation", "stage", "card"):
        if after.get(key) != undo.get(key):
            return None
    for key in ("candidates", "order"):
        if list(after.get(key) or ()) != list(undo.get(key) or ()):
            return None
    wrong = before.get("card")
    if not wrong or wrong == undo.get("card") or after.get("consultation") is None:
        return None
    return str(wrong)


class CorrectingStore(Store):
    """``Store`` plus the record of 「ちがう」 on a card read from words (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _loaded(self) -> dict[str, dict[str, Any] | None]:
        seen = getattr(self._local, "seen", None)
        if seen is None:
            seen = self._local.seen = {}
        return seen

    def load(self, key: str, now: datetime | None = None) -> tuple[dict[str, Any] | None, bool]:
        state, expired = super().load(key, now)
        seen = self._loaded()
        if len(seen) > 64:  # a thread that loads without saving must not grow it
            seen.clear()
        seen[key] = state
        return state, expired

    def save(
        self, key: str, user: str, state: Mapping[str, Any], now: datetime | None = None
    ) -> None:
        before = self._loaded().pop(key, None)
        super().save(key, user, state, now)
        wrong = taken_back(before, state)
        if wrong is None:
            return
        try:
            with self._session.begin() as s:
                s.execute(
                    insert(ReviewCorrection).values(
                        consultation_id=int(state["consultation"]),
                        user_id=user,
                        created_at=now or utcnow(),
                        card=wrong[:8],
                    )
                )
        except Exception as exc:  # the conversation goes on; the queue just misses one
            log.warning("correction not recorded: %s", type(exc).__name__)
