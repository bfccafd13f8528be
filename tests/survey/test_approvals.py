"""Approvals carry the request (issue 12): a button names the request it approves (id and
version), approving is a compare-and-set, and an approved member is asked before a new
request replaces their registration. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.settings import Settings
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from bot.survey.context import SurveyContext
from bot.survey.places import Places
from bot.survey.registry import AlreadyDecided, Member, NeedsConfirmation
from tests.dbutil import fresh_url
from tests.support import payloads as P
from tests.support.fake_slack import Call
from tests.support.harness import SlackHarness, all_text, buttons_of

TRIALS = 20


@pytest.fixture()
def shared(
    tmp_path: Path, survey_settings: Settings, places: Places, survey_kb: KnowledgeBase
) -> Iterator[SurveyContext]:
    """A survey context on a database several connections share (a file, or PostgreSQL)."""
    engine = make_engine(fresh_url(tmp_path, "approvals"))
    create_schema(engine)
    titles = {c.id: c.title for c in survey_kb.cards}
    yield SurveyContext(survey_settings, engine, places=places, card_titles=titles)
    engine.dispose()


def _at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads released together; each result or the exception raised."""
    results: list[Any] = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_approvals_approve_once(shared: SurveyContext) -> None:
    reg = shared.registry
    reg.set("U0BUREAU", role="bureau")
    reg.set("U0OSAKA", role="prefecture", place="大阪府", admin=True)
    approved = refused = 0
    for i in range(TRIALS):
        m = reg.request(f"U0APPL{i:03d}", "茨木市")

        def approve(admin: str, m: Member = m) -> Member:
            return reg.decide(admin, m.user_id, True, request_id=m.request_id, version=m.version)

        results = _at_once(lambda: approve("U0BUREAU"), lambda: approve("U0OSAKA"))
        wins = [r for r in results if isinstance(r, Member)]
        losses = [r for r in results if isinstance(r, AlreadyDecided)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert "すでに処理されています" in str(losses[0])
        approved += len(wins)
        refused += len(losses)
        assert reg.get(m.user_id).version == m.version + 1  # type: ignore[union-attr]
    assert (approved, refused) == (TRIALS, TRIALS)


def test_an_old_button_cannot_approve_a_newer_request(shared: SurveyContext) -> None:
    reg = shared.registry
    reg.set("U0BUREAU", role="bureau")
    first = reg.request("U0HIJACK", "茨木市")
    second = reg.request("U0HIJACK", "大阪府")  # now asks to be prefecture staff
    assert second.request_id != first.request_id and second.version == first.version + 1
    with pytest.raises(AlreadyDecided, match="すでに処理されています"):
        reg.decide("U0BUREAU", "U0HIJACK", True, request_id=first.request_id, version=first.version)
    still = reg.get("U0HIJACK")
    assert still is not None and (still.status, still.role) == ("pending", "prefecture")
    done = reg.decide(
        "U0BUREAU", "U0HIJACK", True, request_id=second.request_id, version=second.version
    )
    assert done.approved and done.role == "prefecture"


def test_an_approved_member_is_asked_before_a_new_request_replaces_them(
    shared: SurveyContext,
) -> None:
    reg = shared.registry
    admin = reg.set("U0ADMIN", role="prefecture", place="大阪府", admin=True)
    with pytest.raises(NeedsConfirmation) as asked:
        reg.request("U0ADMIN", "茨木市")
    assert asked.value.member.version == admin.version
    assert reg.get("U0ADMIN") == admin  # nothing changed
    with pytest.raises(AlreadyDecided):  # confirmed for a version that is no longer current
        reg.request("U0ADMIN", "茨木市", confirm_version=admin.version - 1)
    m = reg.request("U0ADMIN", "茨木市", confirm_version=admin.version)
    assert (m.status, m.role, m.is_admin) == ("pending", "municipal", False)


# -- in Slack ---------------------------------------------------------------------------------
_seq = iter(range(1, 10_000))


def _command(slack: SlackHarness, text: str, user: str) -> str:
    url = f"{slack.fake.base_url}/response/reg{next(_seq)}"
    fields = P.slash_command(text, user=user, command="/hint-register", response_url=url)
    assert slack.sender.command(fields).status == 200
    return url


def _approve_button(dm: Call) -> dict[str, Any]:
    [button] = [b for b in buttons_of(dm) if b["action_id"] == "survey_reg:approve"]
    return button


def test_two_clicks_on_approve_send_one_approval(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    slack_ctx.registry.set("U0ADMIN", role="prefecture", place="大阪府", admin=True)
    _command(slack, "茨木市", "U0NEW")
    [dm] = slack.fake.wait_posts("DU0ADMIN", 1)
    value = _approve_button(dm)["value"]
    assert set(json.loads(value)) == {"user", "request", "version"}
    message = P.posted_message(dm.body, dm.response["ts"])
    clicks = [
        P.block_actions(value, message=message, channel="DU0ADMIN", user="U0ADMIN")
        for _ in range(2)
    ]
    statuses = _at_once(*[lambda c=c: slack.sender.interaction(c).status for c in clicks])
    assert statuses == [200, 200]
    updates = slack.fake.wait_for_calls("chat.update", 2)
    texts = sorted(str(u.body.get("text")) for u in updates)
    assert any("承認しました" in t for t in texts)
    assert any("すでに処理されています" in t for t in texts)
    [note] = slack.fake.wait_posts("DU0NEW", 1)
    assert "承認されました" in all_text(note)
    assert len(slack.fake.posts("DU0NEW")) == 1  # one 「承認されました」, not two


def test_the_old_button_of_a_replaced_request_approves_nothing(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    slack_ctx.registry.set("U0BUREAU", role="bureau")
    _command(slack, "茨木市", "U0HIJ")
    [old] = slack.fake.wait_posts("DU0BUREAU", 1)
    _command(slack, "大阪府", "U0HIJ")  # re-applies as prefecture staff before any decision
    slack.fake.wait_posts("DU0BUREAU", 2)
    slack.click(old, _approve_button(old)["value"], user="U0BUREAU")
    [update] = slack.fake.wait_for_calls("chat.update")
    assert "すでに処理されています" in str(update.body.get("text"))
    member = slack_ctx.registry.get("U0HIJ")
    assert member is not None and (member.status, member.role) == ("pending", "prefecture")
    assert slack.fake.posts("DU0HIJ") == []


def test_re_registering_an_approved_member_asks_first(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    admin = slack_ctx.registry.set("U0OSAKA", role="prefecture", place="大阪府", admin=True)
    slack_ctx.registry.set("U0BUREAU", role="bureau")
    _command(slack, "茨木市", "U0OSAKA")
    [asked] = slack.fake.wait_for_calls("response_url")
    assert "置き換えますか" in asked.body["text"]
    assert slack_ctx.registry.get("U0OSAKA") == admin  # not replaced without a confirmation
    blocks = json.loads(asked.body["blocks"]) if isinstance(asked.body["blocks"], str) else []
    blocks = blocks or asked.body["blocks"]
    confirm = next(
        e
        for b in blocks
        for e in b.get("elements") or []
        if e.get("action_id") == "survey_reg:confirm"
    )
    # やめる keeps it
    cancel_url = f"{slack.fake.base_url}/response/cancel"
    ephemeral = {"type": "message", "ts": P.new_ts(), "text": "", "blocks": blocks}
    cancel = P.block_actions(
        "cancel", message=ephemeral, channel="C0CHAN", user="U0OSAKA", response_url=cancel_url
    )
    cancel["container"]["is_ephemeral"] = True
    cancel["actions"][0]["action_id"] = "survey_reg:cancel"
    slack.sender.interaction(cancel)
    slack.fake.wait_for_calls("response_url", 2)
    assert slack_ctx.registry.get("U0OSAKA") == admin
    # 置き換えて申請する: now it is a pending request, and the approvers are asked
    ok_url = f"{slack.fake.base_url}/response/confirm"
    click = P.block_actions(
        confirm["value"], message=ephemeral, channel="C0CHAN", user="U0OSAKA", response_url=ok_url
    )
    click["container"]["is_ephemeral"] = True
    click["actions"][0]["action_id"] = "survey_reg:confirm"
    slack.sender.interaction(click)
    calls = slack.fake.wait_for_calls("response_url", 3)
    assert "申請しました" in str(calls[-1].body.get("text"))
    member = slack_ctx.registry.get("U0OSAKA")
    assert member is not None and (member.status, member.role) == ("pending", "municipal")
    slack.fake.wait_posts("DU0BUREAU", 1)
    # the same confirmation again changes nothing more
    again = {**click, "trigger_id": "trigger.again"}
    slack.sender.interaction(again)
    calls = slack.fake.wait_for_calls("response_url", 4)
    assert slack_ctx.registry.get("U0OSAKA") == member
