"""The review queue in Slack's App Home, against the local Slack stand-in (no network):
reviewers see it and act on it; everyone else never sees it and cannot act on it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.core.engine import Engine
from bot.core.ports import LearnedWording
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.review.service import ReviewService
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.wsgi import make_application
from bot.storage.db import make_engine
from bot.storage.review_learned import StoredLearnedWordings
from bot.storage.review_store import CorrectingStore
from bot.storage.schema import create_schema
from tests.dbutil import fresh_url
from tests.review.conftest import add_member
from tests.support import payloads as P
from tests.support.driver import SlackSender, serve_in_process
from tests.support.fake_slack import FakeSlack
from tests.support.harness import SlackHarness, all_text

WORRY = "地域の茶話会がマンネリで新しい人が来ない"
PREF_ADMIN = "U0PREFADM"
BUREAU = "U0BUREAU1"
PREF_STAFF = "U0PREFSTF"  # prefecture staff, not an admin
TOWN = "U0TOWN001"  # municipal staff
WRITER = "U0WRITER1"  # the person who wrote the worry


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


@pytest.fixture()
def runtime(
    fake: FakeSlack, tmp_path: Path, kb: KnowledgeBase, matcher: Matcher
) -> Iterator[Runtime]:
    settings = Settings(
        database_url=fresh_url(tmp_path, "review"),
        slack_bot_token="xoxb-test-token-not-real",
        slack_signing_secret=fake.signing_secret,
        slack_api_url=fake.api_url,
        chart_dir=tmp_path / "charts",
        cache_dir=None,
        demo_sample=False,
    )
    db = make_engine(settings.database_url)
    create_schema(db)
    store = CorrectingStore(db)
    learned = StoredLearnedWordings(db, LearnedWording)
    yield Runtime(settings, kb, db, store, Engine(kb, store, matcher, None, learned))
    db.dispose()


@pytest.fixture()
def slack(fake: FakeSlack, runtime: Runtime) -> Iterator[SlackHarness]:
    settings = runtime.settings
    client = WebClient(token=settings.slack_bot_token, base_url=fake.api_url)
    app = create_app(settings, client, runtime=runtime)
    with serve_in_process(make_application(settings, app)) as url:
        yield SlackHarness(fake, app, runtime, SlackSender(url, fake.signing_secret))


@pytest.fixture()
def members(runtime: Runtime) -> None:
    add_member(runtime.db, PREF_ADMIN, "prefecture", admin=True)
    add_member(runtime.db, BUREAU, "bureau", admin=True)
    add_member(runtime.db, PREF_STAFF, "prefecture", admin=False)
    add_member(runtime.db, TOWN, "municipal", admin=False)
    add_member(runtime.db, "U0PENDING", "prefecture", admin=True, status="pending")


def open_home(slack: SlackHarness, user: str) -> dict[str, Any]:
    """Open App Home and return the last view published for ``user`` once publishing settles."""
    before = len([c for c in slack.fake.calls_to("views.publish") if c.body.get("user_id") == user])
    slack.event(P.app_home_opened(user=user))
    slack.fake.wait_for_calls("views.publish", before + 1, user_id=user)
    time.sleep(0.5)  # a reviewer's Home is published a second time, with the queue
    calls = [c for c in slack.fake.calls_to("views.publish") if c.body.get("user_id") == user]
    return dict(calls[-1].json_field("view"))


def select_action(user: str, action_id: str, value: str) -> dict[str, Any]:
    """A static select chosen in App Home."""
    payload = P.home_block_actions(value, user=user, action_id=action_id)
    action = payload["actions"][0]
    action.update(
        {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
        }
    )
    action.pop("value", None)
    return payload


def published_after(slack: SlackHarness, user: str, count: int) -> dict[str, Any]:
    calls = slack.fake.wait_for_calls("views.publish", count, user_id=user)
    return dict(calls[-1].json_field("view"))


def n_publishes(slack: SlackHarness, user: str) -> int:
    return len([c for c in slack.fake.calls_to("views.publish") if c.body.get("user_id") == user])


def worry_in_queue(slack: SlackHarness) -> None:
    slack.dm(WORRY, user=WRITER)
    [post] = slack.wait_posts(1)
    assert "合うヒントが見つかりませんでした" in all_text(post)


def test_reviewers_see_the_queue_and_others_never_do(slack: SlackHarness, members: None) -> None:
    worry_in_queue(slack)
    for user in (PREF_ADMIN, BUREAU):
        view = json.dumps(open_home(slack, user), ensure_ascii=False)
        assert "レビュー待ちの言い回し" in view and WORRY in view, user
        assert WRITER not in view  # no user names or ids with the texts
        assert '"review:card:' in view and '"review:situation:' in view
        assert '"review:reject:' in view and '"review:skip:' in view
        assert "ヒント01" in view  # the usual Home is still there
    for user in (PREF_STAFF, TOWN, "U0PENDING", "U0NOBODY1", WRITER):
        view = json.dumps(open_home(slack, user), ensure_ascii=False)
        assert "レビュー待ち" not in view and "review:" not in view, user
        if user != WRITER:  # the writer's Home lists their own recent consultations
            assert WORRY not in view, user
        assert "ヒント01" in view
        assert n_publishes(slack, user) == 1  # nothing published a second time


def test_a_reviewer_assigns_from_app_home_and_the_bot_follows(
    slack: SlackHarness, members: None, runtime: Runtime
) -> None:
    worry_in_queue(slack)
    home = open_home(slack, PREF_ADMIN)
    ids = [
        e["action_id"]
        for b in home["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("review:situation:")
    ]
    assert len(ids) == 1
    seen = n_publishes(slack, PREF_ADMIN)
    slack.sender.interaction(select_action(PREF_ADMIN, ids[0], "01-3"))
    view = json.dumps(published_after(slack, PREF_ADMIN, seen + 1), ensure_ascii=False)
    assert "ヒント01「住民の意識醸成」 状況3 に割り当てました" in view
    assert "dev: 正解" in view and "取り消す" in view
    svc = ReviewService(runtime.db, runtime.kb, runtime.engine.matcher)
    [a] = svc.assignments()
    assert (a.card, a.situation, a.by) == ("01", 3, PREF_ADMIN)
    # the bot answers the wording with card 01 at once
    slack.dm(WORRY, user="U0OTHER01")
    posts = slack.wait_posts(2)
    assert "ヒント01" in all_text(posts[-1]) and "担当者が登録した言い回し" in all_text(posts[-1])
    # 取り消す takes it back
    undo = next(
        b["accessory"]["action_id"]
        for b in json.loads(view)["blocks"]
        if b.get("block_id") == "review_notice"
    )
    seen = n_publishes(slack, PREF_ADMIN)
    slack.sender.interaction(
        P.home_block_actions(str(a.candidate), user=PREF_ADMIN, action_id=undo)
    )
    view = json.dumps(published_after(slack, PREF_ADMIN, seen + 1), ensure_ascii=False)
    assert "判断を取り消しました" in view
    assert svc.assignments() == []


def test_a_non_reviewer_cannot_act_on_the_queue(
    slack: SlackHarness, members: None, runtime: Runtime
) -> None:
    worry_in_queue(slack)
    svc = ReviewService(runtime.db, runtime.kb, runtime.engine.matcher)
    [c] = svc.queue()
    for user in (PREF_STAFF, TOWN, "U0NOBODY1"):
        slack.sender.interaction(select_action(user, f"review:card:{c.id}", "02"))
        slack.sender.interaction(
            P.home_block_actions(str(c.id), user=user, action_id=f"review:reject:{c.id}")
        )
    time.sleep(1.0)
    assert svc.assignments(active_only=False) == []
    assert [x.status for x in svc.queue()] == ["open"]
    for user in (PREF_STAFF, TOWN, "U0NOBODY1"):
        assert n_publishes(slack, user) == 0
    # a reviewer's click that is refused says why, in Home
    seen = n_publishes(slack, BUREAU)
    slack.sender.interaction(select_action(BUREAU, f"review:card:{c.id}", "99"))
    view = json.dumps(published_after(slack, BUREAU, seen + 1), ensure_ascii=False)
    assert "ヒントカード 99 はありません" in view
