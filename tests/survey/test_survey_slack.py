"""End to end against the local Slack: the modal, its submission, registration and approval,
refusals, the digest command, and a card button clicked in a digest."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import build_parser, main
from bot.settings import Settings
from bot.slack.survey_views import AGGREGATES_ONLY, NOT_REGISTERED
from bot.survey.context import SurveyContext
from bot.survey.importer import import_survey
from tests.support import payloads as P
from tests.support.fake_slack import Call
from tests.support.harness import SlackHarness, all_text, buttons_of
from tests.survey.conftest import SAMPLE

_seq = itertools.count(1)


def _command(slack: SlackHarness, command: str, text: str = "", user: str = "U0IB") -> None:
    fields = P.slash_command(
        text,
        user=user,
        command=command,
        channel="C0GENERAL",
        response_url=f"{slack.fake.base_url}/response/{next(_seq)}",
    )
    assert slack.sender.command(fields).status == 200


def _responses(slack: SlackHarness, count: int = 1) -> list[Call]:
    return slack.fake.wait_for(
        lambda: (lambda c: c if len(c) >= count else [])(slack.fake.calls_to("response_url"))
    )


def _submission(view: dict[str, Any], user: str, choose: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for b in view["blocks"]:
        if b["type"] != "input":
            continue
        el = b["element"]
        chosen = choose.get(b["block_id"]) or (el.get("initial_option") or {}).get("value")
        opt = next((o for o in el["options"] if o["value"] == chosen), None)
        values[b["block_id"]] = {el["action_id"]: {"type": "static_select", "selected_option": opt}}
    return P.view_submission(view, values, user=user)


def test_survey_opens_a_25_item_modal_prefilled_and_stores_the_submission(
    slack: SlackHarness, slack_ctx: SurveyContext, tmp_path: Path
) -> None:
    slack_ctx.registry.set("U0IB", role="municipal", place="茨木市")
    f = tmp_path / "prev.csv"
    f.write_text(
        "市町村名," + ",".join(str(n) for n in range(1, 26)) + "\n茨木市," + ",".join(["3"] * 25),
        encoding="utf-8",
    )
    import_survey(slack_ctx.answers, slack_ctx.survey, slack_ctx.places, f)
    _command(slack, "/survey")
    [call] = slack.fake.wait_for_calls("views.open")
    view = call.json_field("view")
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert len(inputs) == 25 and len(headers) == 4
    assert headers[0] == "地域の課題の抽出、方針の策定"
    assert inputs[5]["label"]["text"] == "6. 担い手（受け皿）の確保"
    assert [o["text"]["text"] for o in inputs[0]["element"]["options"]] == [
        "とても当てはまる",
        "当てはまる",
        "あまり当てはまらない",
        "当てはまらない",
    ]
    assert all(b["element"]["initial_option"]["value"] == "3" for b in inputs)  # pre-filled
    assert "大阪府茨木市" in json.dumps(view, ensure_ascii=False)

    resp = slack.sender.interaction(_submission(view, "U0IB", {"item_q06": "1"}))
    assert resp.status == 200
    ack = json.loads(resp.body)
    assert ack["response_action"] == "update"
    assert "保存しました" in json.dumps(ack, ensure_ascii=False)
    hist = slack_ctx.answers.history("27211")
    assert len(hist) == 2  # the import, then the submission: history kept
    assert hist[-1].answers["q06"] == 1 and hist[-1].answers["q01"] == 3
    assert hist[-1].source == "slack"


def test_unregistered_and_foreign_users_are_refused(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    _command(slack, "/survey", user="U0STRANGER")
    [r] = _responses(slack)
    assert r.body["text"] == NOT_REGISTERED
    assert slack.fake.calls_to("views.open") == []

    # a member of 吹田市 submits a modal made for 茨木市
    slack_ctx.registry.set("U0SUITA", role="municipal", place="吹田市")
    from bot.slack.survey_views import survey_modal

    view = survey_modal(slack_ctx, "27211").to_dict()
    resp = slack.sender.interaction(
        _submission(view, "U0SUITA", {f"item_q{n:02d}": "1" for n in range(1, 26)})
    )
    ack = json.loads(resp.body)
    assert ack["response_action"] == "errors"
    assert "権限がありません" in ack["errors"]["item_q01"]
    assert slack_ctx.answers.count() == 0

    # a prefecture's staff see only their own municipalities' answers; others aggregates
    slack_ctx.registry.set("U0HYOGO", role="prefecture", place="兵庫県")
    _command(slack, "/survey", text="茨木市", user="U0HYOGO")
    r2 = _responses(slack, 2)[1]
    assert r2.body["text"] == AGGREGATES_ONLY.format(label="大阪府茨木市", pref="大阪府")


def test_a_missing_answer_is_marked_in_the_modal(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    slack_ctx.registry.set("U0IB", role="municipal", place="茨木市")
    from bot.slack.survey_views import survey_modal

    view = survey_modal(slack_ctx, "27211").to_dict()
    choose = {f"item_q{n:02d}": "2" for n in range(1, 25)}  # q25 left empty
    ack = json.loads(slack.sender.interaction(_submission(view, "U0IB", choose)).body)
    assert ack == {"response_action": "errors", "errors": {"item_q25": "選択してください。"}}
    assert slack_ctx.answers.count() == 0


def test_registration_is_pending_until_an_admin_approves_with_a_button(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    slack_ctx.registry.set("U0ADMIN", role="prefecture", place="大阪府", admin=True)
    _command(slack, "/hint-register", text="茨木市", user="U0NEW")
    [r] = _responses(slack)
    assert "申請しました" in r.body["text"]
    assert slack_ctx.registry.get("U0NEW").status == "pending"  # type: ignore[union-attr]
    [dm] = slack.fake.wait_posts("DU0ADMIN", 1)
    assert "<@U0NEW> さんが、大阪府茨木市の市町村職員としての登録を申請しています。" in all_text(dm)
    # a pending member cannot answer yet
    _command(slack, "/survey", user="U0NEW")
    assert "承認待ち" in _responses(slack, 2)[1].body["text"]

    [approve] = [b for b in buttons_of(dm) if b["action_id"] == "survey_reg:approve"]
    assert json.loads(approve["value"])["user"] == "U0NEW"  # it names the request it approves
    slack.click(dm, approve["value"], user="U0ADMIN")  # the 承認 button (first with this value)
    slack.fake.wait_for_calls("chat.update")
    assert slack_ctx.registry.get("U0NEW").approved  # type: ignore[union-attr]
    [note] = slack.fake.wait_posts("DU0NEW", 1)
    assert "承認されました" in all_text(note) and "/survey" in all_text(note)
    [upd] = slack.fake.calls_to("chat.update")
    assert "承認しました" in str(upd.body.get("text"))


def test_admin_approves_by_command_and_others_may_not(
    slack: SlackHarness, slack_ctx: SurveyContext
) -> None:
    slack_ctx.registry.set("U0BUREAU", role="bureau")
    slack_ctx.registry.set("U0NARAADMIN", role="prefecture", place="奈良県", admin=True)
    slack_ctx.registry.request("U0NEW", "大阪府")
    _command(slack, "/hint-register", text="approve U0NEW", user="U0NARAADMIN")
    assert "権限がありません" in _responses(slack)[0].body["text"]
    _command(slack, "/hint-register", text="approve <@U0NEW>", user="U0BUREAU")
    assert "承認しました" in _responses(slack, 2)[1].body["text"]
    assert slack_ctx.registry.get("U0NEW").role == "prefecture"  # type: ignore[union-attr]


def test_digest_command_posts_to_the_prefecture_channel_and_a_card_opens_in_the_clickers_dm(
    slack: SlackHarness,
    slack_ctx: SurveyContext,
    slack_settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import_survey(slack_ctx.answers, slack_ctx.survey, slack_ctx.places, SAMPLE)
    slack_ctx.channels.set("27", "C0OSAKA")
    slack_ctx.channels.set("29", "C0NARA")
    parser = build_parser()
    args = parser.parse_args(["digest", "--all", "--now"])
    assert args.handler(args, slack_settings) == 0
    [post] = slack.fake.wait_posts("C0OSAKA", 1)
    assert len(slack.fake.posts("C0NARA")) == 1
    text = all_text(post)
    assert "大阪府 課題認識アンケート ダイジェスト" in text
    assert "※サンプルデータ（架空の値）" in text
    assert "担い手（受け皿）の確保" in text
    slack.fake.wait_for_calls("files.completeUploadExternal", 2)
    # again: the slot is taken
    assert args.handler(args, slack_settings) == 0
    assert "投稿済みか投稿中" in capsys.readouterr().out
    assert len(slack.fake.posts("C0OSAKA")) == 1

    # anyone in the channel clicks a card: it opens in their own DM, the digest stays intact
    card_button = next(b for b in buttons_of(post) if b["value"] == "card:04")
    for user in ("U0READER1", "U0READER2"):
        slack.click(post, "card:04", user=user)
        [dm] = slack.fake.wait_posts(f"D{user}", 1)
        assert "総合事業の担い手の確保" in all_text(dm)
    assert card_button["action_id"] == "home:card:04"
    assert slack.fake.calls_to("chat.update") == []
    assert len(slack.fake.posts("C0OSAKA")) == 1


def test_dry_run_prints_the_digest_and_the_chart_path(
    slack_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], runtime: Any
) -> None:
    parser = build_parser()
    args = parser.parse_args(["import", "survey", str(SAMPLE)])
    assert args.handler(args, slack_settings) == 0
    args = parser.parse_args(["digest", "--prefecture", "兵庫県", "--dry-run"])
    assert args.handler(args, slack_settings) == 0
    out = capsys.readouterr().out
    assert "兵庫県 課題認識アンケート ダイジェスト" in out
    assert "--dry-run のため投稿していません" in out
    chart = Path(out.split("グラフ: ")[1].split("\n")[0])
    assert chart.is_file() and chart.suffix == ".png"


def test_posting_without_a_token_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/t.sqlite3")
    assert main(["channel", "set", "大阪府", "C0OSAKA"]) == 0
    assert main(["digest", "--prefecture", "大阪府", "--now"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "Traceback" not in err
    assert main(["channel", "set", "東京都", "C0X"]) == 2
    assert "近畿厚生局管内" in capsys.readouterr().err
    assert main(["meeting", "add", "12/2"]) == 2
    assert "2026-12-02 のように" in capsys.readouterr().err


def test_procfile_runs_the_clock() -> None:
    root = Path(__file__).resolve().parents[2]
    lines = dict(
        line.split(":", 1) for line in (root / "Procfile").read_text().splitlines() if line.strip()
    )
    assert lines["clock"].strip() == "hintbot clock"
