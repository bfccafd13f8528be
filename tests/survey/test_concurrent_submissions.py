"""Concurrent survey submissions for one municipality keep every submission and a consistent
latest one: the greatest (submitted_at, id), the same through ``latest`` and ``latest_for``.

PostgreSQL when TEST_DATABASE_URL is set (make test-postgres), a SQLite file otherwise; each
thread or process has its own engine, as separate workers would.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.slack.survey_views import survey_modal
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from bot.storage.survey_tables import SurveyResponse
from bot.survey.answers import AnswerStore, Latest, NewResponse
from bot.survey.context import SurveyContext
from tests.dbutil import fresh_url
from tests.support import payloads as P
from tests.support.harness import SlackHarness

IBARAKI = "27211"  # 茨木市
OSAKA = "27"
WRITERS = 6
EACH = 8
TIE = datetime(2026, 12, 1, 9, 0, 0, 123456)  # naive UTC, as stored


def _answers(marker: int) -> dict[str, int]:
    return {"q01": marker % 4 + 1, "q02": marker // 4 % 4 + 1, "marker": marker}


def _submit(url: str, writer: int, tie: bool, start: Callable[[], Any]) -> None:
    engine = make_engine(url)
    store = AnswerStore(engine)
    try:
        start()
        for k in range(EACH):
            store.add(
                [
                    NewResponse(
                        IBARAKI,
                        OSAKA,
                        _answers(writer * 100 + k),
                        submitted_at=TIE if tie else None,
                    )
                ],
                source="slack",
                by=f"U{writer:04d}",
            )
    finally:
        engine.dispose()


def _submit_in_process(url: str, writer: int, tie: bool, barrier: Any) -> None:
    """A separate process (spawned): its own interpreter, engine and connections."""
    _submit(url, writer, tie, barrier.wait)


def _database(tmp_path: Path, name: str) -> tuple[str, Engine]:
    url = fresh_url(tmp_path, name)
    engine = make_engine(url)
    create_schema(engine)
    return url, engine


def _newest_row(engine: Engine) -> Any:
    """The submission that must count: greatest (submitted_at, id)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(SurveyResponse.id, SurveyResponse.submitted_at, SurveyResponse.answers).where(
                SurveyResponse.code5 == IBARAKI
            )
        ).all()
    return max(rows, key=lambda r: (r.submitted_at, r.id))


def _check_latest(engine: Engine, expected_count: int) -> Latest:
    store = AnswerStore(engine)
    assert len(store.history(IBARAKI)) == expected_count  # every submission kept
    newest = _newest_row(engine)
    latest = store.latest([OSAKA])[IBARAKI]
    latest_for = store.latest_for(IBARAKI)
    assert latest_for is not None
    assert latest == latest_for
    assert dict(latest.answers) == newest.answers
    assert latest.submitted_at == newest.submitted_at
    # and the history's last entry is the same one (ascending by the same key)
    assert store.history(IBARAKI)[-1] == latest
    return latest


@pytest.mark.parametrize("tie", [False, True], ids=["clock", "same-instant"])
def test_threads_submitting_at_once_keep_every_answer_and_one_latest(
    tmp_path: Path, tie: bool
) -> None:
    url, engine = _database(tmp_path, "answers")
    try:
        barrier = threading.Barrier(WRITERS)
        errors: list[BaseException] = []

        def writer(w: int) -> None:
            try:
                _submit(url, w, tie, barrier.wait)
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads) and errors == []
        latest = _check_latest(engine, WRITERS * EACH)
        with engine.connect() as conn:
            markers = sorted(
                a["marker"]
                for a in conn.execute(
                    select(SurveyResponse.answers).where(SurveyResponse.code5 == IBARAKI)
                ).scalars()
            )
        assert markers == sorted(w * 100 + k for w in range(WRITERS) for k in range(EACH))
        if tie:  # every submission at the same instant: the last inserted (greatest id) counts
            with engine.connect() as conn:
                top = conn.execute(
                    select(SurveyResponse.answers)
                    .where(SurveyResponse.code5 == IBARAKI)
                    .order_by(SurveyResponse.id.desc())
                    .limit(1)
                ).scalar_one()
            assert dict(latest.answers) == top and latest.submitted_at == TIE
    finally:
        engine.dispose()


def test_processes_submitting_at_once_keep_every_answer_and_one_latest(tmp_path: Path) -> None:
    url, engine = _database(tmp_path, "answers-mp")
    try:
        mp = multiprocessing.get_context("spawn")
        writers = 3
        barrier = mp.Barrier(writers)
        procs = [
            mp.Process(target=_submit_in_process, args=(url, w, w == 1, barrier))
            for w in range(writers)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
        assert [p.exitcode for p in procs] == [0] * writers
        _check_latest(engine, writers * EACH)
    finally:
        engine.dispose()


def _view_submission(view: dict[str, Any], user: str, marker: int) -> dict[str, Any]:
    """A filled-in modal: item j gets the j-th base-4 digit of ``marker`` (all distinct)."""
    values: dict[str, Any] = {}
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    for j, b in enumerate(inputs):
        el = b["element"]
        chosen = str(marker // 4**j % 4 + 1) if j < 4 else "2"
        opt = next(o for o in el["options"] if o["value"] == chosen)
        values[b["block_id"]] = {el["action_id"]: {"type": "static_select", "selected_option": opt}}
    return P.view_submission(view, values, user=user)


def test_modal_submissions_at_once_through_slack_are_all_kept(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    """Staff of one municipality press 送信 at the same moment (view_submission), twice over.

    Five at a time: the in-process test server's listen backlog is five connections (a real
    deployment puts gunicorn behind it); the database sees them all at once either way.
    """
    users = [f"U0IB{i:02d}" for i in range(5)]
    for u in users:
        slack_ctx.registry.set(u, role="municipal", place="茨木市")
    view = survey_modal(slack_ctx, IBARAKI).to_dict()
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    for wave in (0, 1):
        barrier = threading.Barrier(len(users))

        def press(i: int, wave: int = wave, barrier: threading.Barrier = barrier) -> None:
            payload = _view_submission(view, users[i], i + len(users) * wave)
            barrier.wait()
            resp = slack.sender.interaction(payload)
            with lock:
                statuses.append((resp.status, json.loads(resp.body).get("response_action")))

        threads = [threading.Thread(target=press, args=(i,)) for i in range(len(users))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
    assert statuses == [(200, "update")] * (len(users) * 2)
    engine = slack_ctx.engine
    latest = _check_latest(engine, len(users) * 2)
    with engine.connect() as conn:
        by = sorted(
            conn.execute(
                select(SurveyResponse.submitted_by).where(SurveyResponse.code5 == IBARAKI)
            ).scalars()
        )
    assert by == sorted(users * 2)
    assert latest.source == "slack"
