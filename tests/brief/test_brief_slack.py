"""/hint-brief and /hint-visit end to end against the local Slack: the brief in the DM as Block
Kit with the PDF uploaded, the visit modal and its submission, and who is refused and why."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from typing import Any

from bot.brief.access import NOT_REGISTERED, VISITS_HIDDEN, VISITS_MUNICIPAL
from bot.slack.brief_views import BRIEF_COMMAND, SENT, VISIT_COMMAND
from bot.storage.visits import VisitStore
from bot.survey.context import SurveyContext
from tests.support import payloads as P
from tests.support.fake_slack import Call
from tests.support.harness import SlackHarness, all_text

_seq = itertools.count(1)


def _command(
    slack: SlackHarness, command: str, text: str, user: str, channel: str = "C0GENERAL"
) -> None:
    fields = P.slash_command(
        text,
        user=user,
        command=command,
        channel=channel,
        response_url=f"{slack.fake.base_url}/response/{next(_seq)}",
    )
    assert slack.sender.command(fields).status == 200


def _responses(slack: SlackHarness, count: int = 1) -> list[Call]:
    return slack.fake.wait_for(
        lambda: (lambda c: c if len(c) >= count else [])(slack.fake.calls_to("response_url"))
    )


def _register(ctx: SurveyContext) -> None:
    ctx.registry.set("U0IB", role="municipal", place="茨木市")
    ctx.registry.set("U0OSAKA", role="prefecture", place="大阪府")
    ctx.registry.set("U0HYOGO", role="prefecture", place="兵庫県")
    ctx.registry.set("U0BUREAU", role="bureau")


def test_brief_goes_to_the_dm_with_the_pdf_for_prefecture_staff(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    _register(slack_ctx)
    VisitStore(slack_ctx.engine).add("27211", "27", date(2026, 10, 1), "協議体を見学", by="U0OSAKA")
    _command(slack, BRIEF_COMMAND, "茨木市", "U0OSAKA")
    [post] = slack.fake.wait_posts("DU0OSAKA", 1)
    blocks = post.json_field("blocks")
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "市町村支援ブリーフ：大阪府茨木市"
    text = all_text(post)
    assert "45,932人" in text and "46,853人" in text
    assert "協議体を見学（記録: <@U0OSAKA>）" in text  # a member id becomes a mention
    assert "PDF を添付します" in text
    [url] = slack.fake.wait_for_calls("files.getUploadURLExternal")
    assert url.body["filename"] == "27211_大阪府茨木市_ブリーフ.pdf"
    assert int(url.body["length"]) > 20_000
    [done] = slack.fake.wait_for_calls("files.completeUploadExternal")
    assert done.body["channel_id"] == "DU0OSAKA"
    assert slack.fake.uploads[url.response["file_id"]] == int(url.body["length"])
    [r] = _responses(slack)  # typed in a channel: told where the brief went
    assert r.body["text"] == SENT.format(label="大阪府茨木市")


def test_a_municipalitys_own_staff_get_the_brief_without_visit_records(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    _register(slack_ctx)
    VisitStore(slack_ctx.engine).add("27211", "27", date(2026, 10, 1), "内部メモ", by="U0OSAKA")
    _command(slack, BRIEF_COMMAND, "茨木市", "U0IB", channel="DU0IB")
    [post] = slack.fake.wait_posts("DU0IB", 1)
    text = all_text(post)
    assert VISITS_HIDDEN in text and "内部メモ" not in text
    slack.fake.wait_for_calls("files.completeUploadExternal")
    assert slack.fake.calls_to("response_url") == []  # typed in the DM: nothing more to say


def test_others_are_told_why_not(slack: SlackHarness, slack_ctx: SurveyContext) -> None:
    _register(slack_ctx)
    _command(slack, BRIEF_COMMAND, "茨木市", "U0HYOGO")
    _command(slack, BRIEF_COMMAND, "吹田市", "U0IB")
    _command(slack, BRIEF_COMMAND, "茨木市", "U0STRANGER")
    _command(slack, BRIEF_COMMAND, "茨城市", "U0OSAKA")
    _command(slack, BRIEF_COMMAND, "太子町", "U0BUREAU")
    texts = sorted(r.body["text"] for r in _responses(slack, 5))
    assert any(t.startswith("大阪府茨木市のブリーフは、茨木市の職員、大阪府の職員") for t in texts)
    assert any("大阪府吹田市のブリーフ" in t and "大阪府茨木市の市町村職員" in t for t in texts)
    assert NOT_REGISTERED in texts
    assert any("近い名前: 茨木市（大阪府）" in t for t in texts)
    assert any("複数の府県にあります（大阪府太子町、兵庫県太子町）" in t for t in texts)
    assert slack.fake.calls_to("chat.postMessage") == []
    assert slack.fake.calls_to("files.getUploadURLExternal") == []


def _visit_submission(view: dict[str, Any], user: str, day: str, note: str) -> dict[str, Any]:
    values = {
        "visit_date": {"value": {"type": "datepicker", "selected_date": day}},
        "visit_note": {"value": {"type": "plain_text_input", "value": note}},
    }
    return P.view_submission(view, values, user=user)


def test_the_visit_modal_records_who_wrote_it(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    _register(slack_ctx)
    _command(slack, VISIT_COMMAND, "茨木市", "U0OSAKA")
    [call] = slack.fake.wait_for_calls("views.open")
    view = call.json_field("view")
    assert view["callback_id"] == "visit_submit"
    note_input = next(b for b in view["blocks"] if b.get("block_id") == "visit_note")
    assert note_input["element"]["max_length"] <= 3000  # Slack refuses a larger one
    assert "大阪府茨木市" in json.dumps(view, ensure_ascii=False)
    # an empty note is refused in the modal; nothing is stored
    ack = json.loads(
        slack.sender.interaction(_visit_submission(view, "U0OSAKA", "2026-12-03", " ")).body
    )
    assert ack["response_action"] == "errors" and "空です" in ack["errors"]["visit_note"]
    store = VisitStore(slack_ctx.engine)
    assert store.for_municipality("27211") == []
    # a future date is a planned visit
    later = (date.today() + timedelta(days=10)).isoformat()
    resp = slack.sender.interaction(_visit_submission(view, "U0OSAKA", later, "初回の訪問を予定"))
    ack = json.loads(resp.body)
    assert ack["response_action"] == "update"
    assert "の予定（" in json.dumps(ack, ensure_ascii=False)
    [visit] = store.for_municipality("27211")
    assert (visit.note, visit.recorded_by, visit.recorded_via) == (
        "初回の訪問を予定",
        "U0OSAKA",
        "slack",
    )
    # someone from another prefecture cannot submit the same modal
    ack = json.loads(slack.sender.interaction(_visit_submission(view, "U0HYOGO", later, "x")).body)
    assert ack["response_action"] == "errors"
    assert len(store.for_municipality("27211")) == 1


def test_only_prefecture_and_bureau_staff_open_the_visit_modal(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    _register(slack_ctx)
    _command(slack, VISIT_COMMAND, "茨木市", "U0IB")
    _command(slack, VISIT_COMMAND, "茨木市", "U0HYOGO")
    _command(slack, VISIT_COMMAND, "茨木市", "U0STRANGER")
    texts = [r.body["text"] for r in _responses(slack, 3)]
    assert VISITS_MUNICIPAL.format(what="大阪府茨木市の市町村職員") in texts
    assert any("大阪府の職員と厚生局の方です" in t for t in texts)
    assert NOT_REGISTERED in texts
    assert slack.fake.calls_to("views.open") == []
    _command(slack, VISIT_COMMAND, "美浜町 和歌山県", "U0BUREAU")
    [call] = slack.fake.wait_for_calls("views.open")
    assert "和歌山県美浜町" in json.dumps(call.json_field("view"), ensure_ascii=False)
