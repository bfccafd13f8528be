"""The review queue in Slack's App Home, for reviewers only.

Reviewers (approved prefecture and bureau admins in the registry) see, above the cards, the
most frequent wordings waiting for review, each with a card select, a situation select, a
対象外 button and a 後回し button; the result of their last action (with its measured
effect, or why it was refused) comes first, with a 取り消す button. Everyone else gets the
usual Home and never the queue: the role is checked again on every action, never trusted
from the view. Texts are shown without any user's name or id.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.engine import Engine
from bot.knowledge.model import KnowledgeBase
from bot.review.queue import Candidate
from bot.review.service import Outcome, ReviewService
from bot.runtime import Runtime
from bot.slack.advisor import SlackAdvisor, api_error
from bot.slack.blocks import escape
from bot.storage.review_learned import StoredLearnedWordings

log = logging.getLogger("bot.slack")

REVIEW_ACTION = "review"  # action ids review:<card|situation|reject|skip|undo>:<candidate>
SHOWN = 5  # candidates shown at a time (App Home holds 100 blocks)
TEXT_LIMIT = 600
MAX_BLOCKS = 100


class ReviewAccess:
    """The review service of one runtime, built on first use and shared by the listeners."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._svc: ReviewService | None = None
        self._lock = threading.Lock()

    def get(self) -> ReviewService:
        svc = self._svc
        if svc is None:
            with self._lock:
                if self._svc is None:
                    rt = self.runtime
                    learned = getattr(rt.engine.router, "learned", None)
                    refresh = (
                        learned.refresh if isinstance(learned, StoredLearnedWordings) else None
                    )
                    self._svc = ReviewService(
                        rt.db,
                        rt.kb,
                        rt.engine.matcher,
                        retention_days=rt.settings.review_retention_days,
                        settle=timedelta(minutes=2 * rt.settings.conversation_ttl_minutes),
                        on_change=refresh,
                    )
                svc = self._svc
        return svc


_ACCESS: weakref.WeakKeyDictionary[Engine, ReviewAccess] = weakref.WeakKeyDictionary()
_ACCESS_LOCK = threading.Lock()


def access(runtime: Runtime) -> ReviewAccess:
    """One ``ReviewAccess`` per runtime (keyed by its engine)."""
    with _ACCESS_LOCK:
        acc = _ACCESS.get(runtime.engine)
        if acc is None:
            acc = _ACCESS[runtime.engine] = ReviewAccess(runtime)
        return acc


# -- blocks ----------------------------------------------------------------------------------
def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _card_options(kb: KnowledgeBase) -> list[Option]:
    return [Option(value=c.id, label=_short(f"{c.id} {c.title}", 75)) for c in kb.cards]


def _situation_groups(kb: KnowledgeBase) -> list[OptionGroup]:
    return [
        OptionGroup(
            label=_short(f"{c.id} {c.title}", 75),
            options=[
                Option(value=f"{c.id}-{s.n}", label=_short(f"{c.id}-{s.n} {s.title}", 75))
                for s in c.situations
            ],
        )
        for c in kb.cards
    ]


def candidate_blocks(kb: KnowledgeBase, c: Candidate) -> list[Block]:
    def title(card: str) -> str:
        return kb.card(card).title if kb.has_card(card) else card

    lines = [
        f"*[{c.id}]* ×{c.count}　{escape(c.reason_label)}",
        f">{escape(_short(c.text, TEXT_LIMIT))}",
    ]
    if len(c.wordings) > 1:
        lines.append(f"似た言い回し {len(c.wordings) - 1} 件")
    ctx = []
    if c.ranking:
        ctx.append(
            "ボットの順位: "
            + " / ".join(f"{card} {escape(title(card))} {score:.2f}" for card, score in c.ranking)
        )
    did = c.users_did()
    if did:
        ctx.append("利用者: " + "、".join(did))
    cards = _card_options(kb)
    initial = next((o for o in cards if o.value == c.suggested), None)
    card_select = StaticSelectElement(
        action_id=f"{REVIEW_ACTION}:card:{c.id}",
        placeholder=PlainTextObject(text="カードに割り当てる"),
        options=cards,
        initial_option=initial,
    )
    situation_select = StaticSelectElement(
        action_id=f"{REVIEW_ACTION}:situation:{c.id}",
        placeholder=PlainTextObject(text="状況に割り当てる"),
        option_groups=_situation_groups(kb),
    )
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"review_text_{c.id}", text=MarkdownTextObject(text="\n".join(lines))
        ),
    ]
    if ctx:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=escape_safe(" ／ ".join(ctx)))])
        )
    blocks.append(
        ActionsBlock(
            block_id=f"review_act_{c.id}",
            elements=[
                card_select,
                situation_select,
                ButtonElement(
                    text="対象外",
                    action_id=f"{REVIEW_ACTION}:reject:{c.id}",
                    value=str(c.id),
                    style="danger",
                ),
                ButtonElement(
                    text="後回し", action_id=f"{REVIEW_ACTION}:skip:{c.id}", value=str(c.id)
                ),
            ],
        )
    )
    return blocks


def escape_safe(text: str) -> str:
    return text[:2900]


def queue_blocks(
    svc: ReviewService, queue: Sequence[Candidate], notice: Outcome | None = None
) -> list[Block]:
    """The reviewer's part of App Home: the last result, then the queue's head."""
    kb = svc.kb
    waiting = [c for c in queue if c.status == "open"]
    skipped = len(queue) - len(waiting)
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(text="レビュー待ちの言い回し（担当者のみ表示）"),
    ]
    if notice is not None:
        text = "\n".join(escape(line) for line in notice.lines(svc.card_title))
        undo = None
        if notice.done and notice.action in ("assign", "reject", "skip"):
            undo = ButtonElement(
                text="取り消す",
                action_id=f"{REVIEW_ACTION}:undo:{notice.candidate}",
                value=str(notice.candidate),
            )
        blocks.append(
            SectionBlock(
                block_id="review_notice", text=MarkdownTextObject(text=text[:2900]), accessory=undo
            )
        )
    summary = f"未判断 {len(waiting)} 件、後回し {skipped} 件。多い順に {min(SHOWN, len(waiting) or len(queue))} 件を表示します。"
    if not queue:
        summary = "レビュー待ちの言い回しはありません。"
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=summary
                    + " 割り当ては dev とフィクスチャーで測り、正解が減るものは受け付けません。"
                    "すべて見るには `hintbot review list`。"
                )
            ]
        )
    )
    for c in (waiting or list(queue))[:SHOWN]:
        blocks += candidate_blocks(kb, c)
    return blocks


def home_view(advisor: SlackAdvisor, user: str, extra: list[Block]) -> View:
    """The usual Home with ``extra`` blocks after its introduction."""
    view = advisor.renderer.home(advisor.store.consultations(user=user, limit=5))
    blocks = list(view.blocks or [])
    blocks = [*blocks[:2], *extra, *blocks[2:]]
    return View(type="home", blocks=blocks[:MAX_BLOCKS])


def publish_home(
    advisor: SlackAdvisor, client: WebClient, user: str, notice: Outcome | None = None
) -> bool:
    """Publish Home with the queue when ``user`` is a reviewer; False (nothing published)
    for anyone else, whose Home the advisor publishes as always."""
    svc = access(advisor.runtime).get()
    if not svc.is_reviewer(user):
        return False
    try:
        svc.collect_if_due()
        view = home_view(
            advisor, user, queue_blocks(svc, svc.queue(SHOWN * 4, collect_first=False), notice)
        )
        client.views_publish(user_id=user, view=view)
    except SlackClientError as exc:
        log.warning("views.publish (review) failed: %s (user=%s)", api_error(exc), user)
    except Exception as exc:  # the usual Home is already there; never break the listener
        log.error("review home failed: %s (user=%s)", type(exc).__name__, user)
    return True


def selected(action: dict[str, Any]) -> str | None:
    opt = action.get("selected_option")
    if isinstance(opt, dict) and isinstance(opt.get("value"), str):
        return str(opt["value"])
    value = action.get("value")
    return str(value) if isinstance(value, str) else None


def act(svc: ReviewService, user: str, action_id: str, action: dict[str, Any]) -> Outcome | None:
    """Carry out a reviewer's click (the role already checked); None for a malformed one."""
    parts = action_id.split(":")
    if len(parts) != 3 or parts[0] != REVIEW_ACTION or not parts[2].isdigit():
        return None
    kind, cid = parts[1], int(parts[2])
    by = user
    if kind == "card":
        card = selected(action)
        return svc.assign(cid, card, None, by=by) if card else None
    if kind == "situation":
        value = selected(action) or ""
        card, _, n = value.partition("-")
        if not card or not n.isdigit():
            return None
        return svc.assign(cid, card, int(n), by=by)
    if kind == "reject":
        return svc.reject(cid, by=by)
    if kind == "skip":
        return svc.skip(cid, by=by)
    if kind == "undo":
        return svc.undo(cid, by=by)
    return None
