"""`hintbot serve` as a user runs it: a real subprocess (gunicorn behind `serve --http`),
configured only through the environment, driven over loopback HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import payloads as P
from tests.support.driver import ROOT, ServeProcess, SlackSender
from tests.support.fake_slack import FakeSlack
from tests.support.harness import all_text

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL")


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SLACK_VARS}
    env.update(values)
    return env


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture()
def served(fake: FakeSlack, tmp_path: Path) -> Iterator[ServeProcess]:
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token-not-real",
        SLACK_SIGNING_SECRET=fake.signing_secret,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/served.sqlite3",
        HINTBOT_CHART_DIR=str(tmp_path / "charts"),
    )
    proc = ServeProcess(env, workers=2, log_path=tmp_path / "serve.log")
    with proc:
        yield proc


def test_hintbot_serve_http_answers_signed_events(fake: FakeSlack, served: ServeProcess) -> None:
    sender = SlackSender(served.base_url, fake.signing_secret)
    payload = P.event_callback(P.dm_message("協議体がお客様状態で困っている"))
    assert sender.event(payload).status == 200
    [post] = fake.wait_for_calls("chat.postMessage", timeout=30)
    assert post.body["channel"] == "DU0USER1"
    assert "ヒント02" in all_text(post)
    # the button goes to whichever worker; the state is in the database
    msg = P.posted_message(post.body, post.response["ts"])
    click = P.block_actions("situation:02-1", message=msg, channel="DU0USER1")
    assert sender.interaction(click).status == 200
    posts = fake.wait_for_calls("chat.postMessage", 2, timeout=30)
    assert "対策" in all_text(posts[1])
    # a retry of the first event and a forged request change nothing
    assert sender.event(payload, retry_num=1).status == 200
    assert sender.event(payload, secret="forged").status == 401
    sender.event(P.event_callback(P.dm_message("ヘルプ", user="U0LATER")))
    fake.wait_for_calls("chat.postMessage", timeout=30, channel="DU0LATER")
    assert len(fake.posts("DU0USER1")) == 2
    log = served.log()
    assert "xoxb-test-token" not in log and "お客様状態" not in log


def test_missing_tokens_name_the_variable_and_exit_2(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")
    res = run_cli("serve", "--socket", env=env)
    assert res.returncode == 2
    assert "SLACK_APP_TOKEN" in res.stderr and "SLACK_BOT_TOKEN" in res.stderr
    assert "環境変数" in res.stderr and "Traceback" not in res.stderr

    res = run_cli("serve", "--http", env={**env, "SLACK_BOT_TOKEN": "xoxb-x"})
    assert res.returncode == 2
    assert "SLACK_SIGNING_SECRET" in res.stderr and "SLACK_BOT_TOKEN" not in res.stderr
    assert "Traceback" not in res.stderr


def test_a_rejected_token_is_a_clear_error(fake: FakeSlack, tmp_path: Path) -> None:
    fake.fail("auth.test", "invalid_auth")
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-wrong",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )
    res = run_cli("serve", "--http", env=env)
    assert res.returncode == 2
    assert "invalid_auth" in res.stderr and "Traceback" not in res.stderr
    assert "xoxb-wrong" not in res.stderr


def test_serve_requires_a_mode(tmp_path: Path) -> None:
    res = run_cli("serve", env=clean_env())
    assert res.returncode == 2  # argparse: one of --socket / --http is required
    assert "--socket" in res.stderr


def test_hintbot_serve_socket_answers_pushed_events(fake: FakeSlack, tmp_path: Path) -> None:
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token-not-real",
        SLACK_APP_TOKEN="xapp-test-token-not-real",
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/socket.sqlite3",
        PYTHONUNBUFFERED="1",
    )
    log = open(tmp_path / "socket.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--socket"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        fake.wait_socket_client(timeout=60)
        payload = P.event_callback(P.dm_message("移動支援の担い手がいない"))
        envelope = fake.push_envelope(payload)
        assert fake.wait_socket_ack(envelope, timeout=30)["envelope_id"] == envelope
        [post] = fake.wait_for_calls("chat.postMessage", timeout=30)
        assert post.body["channel"] == "DU0USER1" and "ヒント05" in all_text(post)
        # SIGTERM (a deploy or restart) ends the process cleanly
        proc.terminate()
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(20)
        log.close()
    output = (tmp_path / "socket.log").read_text(errors="replace")
    assert "xapp-test-token" not in output and "xoxb-test-token" not in output
    assert "終了しました。" in output and "Traceback" not in output
