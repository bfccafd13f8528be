"""Indicator answers in Slack: charts are uploaded into the conversation's thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.core.replies import Option, Reply
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.slack.advisor import Place, SlackAdvisor
from bot.slack.app import create_app
from bot.slack.wsgi import make_application
from tests.support import payloads as P
from tests.support.driver import SlackSender, serve_in_process
from tests.support.fake_slack import FakeSlack
from tests.support.harness import SlackHarness, all_text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_charts_go_into_the_thread_with_files_upload_v2(
    slack: SlackHarness, tmp_path: Path
) -> None:
    chart = tmp_path / "ibaraki_75plus.png"
    chart.write_bytes(PNG)
    reply = Reply(
        "data",
        body="茨木市の75歳以上人口の将来推計です。",
        options=(Option("data:more", "ほかの市町村と比べる"),),
        charts=(str(chart), str(tmp_path / "missing.png")),
        sample=True,
    )
    advisor = SlackAdvisor(slack.runtime)
    place = Place("T0TEST", "C0PREF", "1700000000.000100", "U0USER1", "mention")
    advisor.post(slack.app.client, place, reply)
    [post] = slack.fake.posts("C0PREF")
    assert post.body["thread_ts"] == "1700000000.000100"
    assert "サンプルデータ" in all_text(post)
    [url] = slack.fake.calls_to("files.getUploadURLExternal")
    assert url.body["filename"] == chart.name and int(url.body["length"]) == len(PNG)
    assert slack.fake.uploads[url.response["file_id"]] == len(PNG)
    [done] = slack.fake.calls_to("files.completeUploadExternal")
    assert done.body["channel_id"] == "C0PREF"
    assert done.body["thread_ts"] == "1700000000.000100"
    # the missing file is skipped (logged), not fatal


def test_a_data_question_end_to_end(fake: FakeSlack, settings: Settings) -> None:
    runtime = build_runtime(settings, with_data=True)
    if runtime.engine.data is None:
        pytest.skip("the analytics package is not available")
    client = WebClient(token=settings.slack_bot_token, base_url=fake.api_url)
    app = create_app(settings, client, runtime=runtime)
    with serve_in_process(make_application(settings, app)) as url:
        sender = SlackSender(url, fake.signing_secret)
        root = P.new_ts()
        sender.event(P.event_callback(P.app_mention("茨木市の75歳以上人口の将来推計は？", ts=root)))
        [post] = fake.wait_posts("C0CHAN", 1, timeout=30)
        assert post.body["thread_ts"] == root
        assert "茨木市" in all_text(post)
        if runtime.settings.chart_dir.exists():  # the answer came with a chart
            [done] = fake.wait_for_calls("files.completeUploadExternal", timeout=30)
            assert done.body["thread_ts"] == root
