"""The survey in Slack: ``/survey`` (the 25-item modal), ``/hint-register`` and its approval.

Listener modules stay thin and call these functions. Who may do what is decided here, from
the registry: only an approved member of a municipality answers for it; a prefecture's staff
see their own municipalities' answers; everyone else sees aggregates only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.errors import UserError
from bot.runtime import Runtime
from bot.slack.advisor import api_error, clean_text
from bot.slack.blocks import escape
from bot.slack.client import CALL_ERRORS
from bot.slack.payload import dict_of, first_action, user_of
from bot.survey.answers import NewResponse
from bot.survey.context import SurveyContext
from bot.survey.registry import STATUS_LABELS, Member, NeedsConfirmation
from bot.text.notes import SAMPLE_NOTE

log = logging.getLogger("bot.slack")

SURVEY_COMMAND = "/survey"
REGISTER_COMMAND = "/hint-register"
SURVEY_VIEW = "survey_submit"
REG_ACTION = "survey_reg"  # survey_reg:approve / :reject, and :confirm / :cancel (re-register)
ITEM_BLOCK = "item_"  # block ids item_q01 …
VALUE_ACTION = "value"
_MENTION_ID = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

NOT_REGISTERED = (
    "アンケートに回答するには、所属の登録が必要です。`/hint-register 市町村名`（例: `/hint-register 茨木市`）"
    "で登録を申請してください。府県または厚生局の管理者が承認すると回答できるようになります。"
)
PENDING = "登録申請（{what}）は承認待ちです。承認されるとお知らせします。"
REJECTED = (
    "登録申請（{what}）は承認されませんでした。内容をご確認のうえ、もう一度申請してください。"
)
NOT_MUNICIPAL = (
    "アンケートに回答できるのは、市町村の職員として登録された方です（あなたの登録: {what}）。"
    "`/survey 市町村名` で、閲覧が認められた市町村の回答をご覧いただけます。"
)
AGGREGATES_ONLY = (
    "{label} の個別の回答は、その市町村の職員、{pref}の職員、厚生局の方だけがご覧いただけます。"
    "府県ごとの集計は各府県のチャンネルのダイジェストでご覧ください。"
)
REGISTER_USAGE = (
    "使い方:\n"
    "• `/hint-register 茨木市` — 市町村の職員として登録を申請します（同名の町村は `大阪府太子町` のように）\n"
    "• `/hint-register 大阪府` — 府県の職員として登録を申請します\n"
    "• `/hint-register approve U0123ABCD` / `reject U0123ABCD` — 管理者が申請を承認・却下します"
)


class SurveyAccess:
    """The survey context the listeners share, built on first use.

    Most turns never touch the survey, so an app starts without reading its definition and
    places (or loading the demo sample); ``create_app`` makes one per app and passes it to
    the listeners that need it.
    """

    def __init__(self, build: Callable[[], SurveyContext]) -> None:
        self._build = build
        self._ctx: SurveyContext | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, ctx: SurveyContext) -> SurveyAccess:
        """Access to a context built already (a test shares it with the app)."""
        return cls(lambda: ctx)

    def get(self) -> SurveyContext:
        ctx = self._ctx
        if ctx is None:
            with self._lock:
                if self._ctx is None:
                    self._ctx = self._build()
                ctx = self._ctx
        return ctx


def survey_context(runtime: Runtime) -> SurveyContext:
    """The survey context on the runtime's database and cards, with the demo sample loaded."""
    ctx = SurveyContext(
        runtime.settings, runtime.db, card_titles={c.id: c.title for c in runtime.kb.cards}
    )
    ctx.ensure_demo_sample()
    return ctx


def _tell(respond: Callable[..., Any], text: str) -> None:
    with contextlib.suppress(Exception):  # the response_url may have expired
        respond(text=text, response_type="ephemeral")


def _status_text(ctx: SurveyContext, m: Member) -> str:
    what = ctx.registry.describe(m)
    if m.status == "pending":
        return PENDING.format(what=what)
    if m.status == "rejected":
        return REJECTED.format(what=what)
    return f"登録: {what}（{STATUS_LABELS[m.status]}）"


# -- /survey -----------------------------------------------------------------------------------
def survey_command(
    ctx: SurveyContext, body: dict[str, Any], client: WebClient, respond: Callable[..., Any]
) -> None:
    user = str(body.get("user_id") or "")
    text = clean_text(body.get("text"))
    member = ctx.registry.get(user)
    if text:
        _show_answers(ctx, member, text, respond)
        return
    if member is None:
        _tell(respond, NOT_REGISTERED)
        return
    if not member.approved:
        _tell(respond, _status_text(ctx, member))
        return
    if member.role != "municipal" or not member.code5:
        _tell(respond, NOT_MUNICIPAL.format(what=ctx.registry.describe(member)))
        return
    try:
        client.views_open(trigger_id=body.get("trigger_id"), view=survey_modal(ctx, member.code5))
    except CALL_ERRORS as exc:
        log.warning("views.open failed: %s (user=%s)", api_error(exc), user)
        _tell(
            respond,
            f"アンケートの画面を開けませんでした（原因: {api_error(exc)}）。もう一度 /survey をお試しください。",
        )


def survey_modal(ctx: SurveyContext, code5: str) -> View:
    """The 25 items in their four categories, pre-filled with the municipality's last answers."""
    survey = ctx.survey
    # the demo sample is never put in a real municipality's mouth: pre-fill real answers only
    latest = ctx.answers.latest_for(code5, include_sample=False)
    previous = dict(latest.answers) if latest else {}
    label = ctx.places.label(code5)
    options = [Option(value=str(lv.value), label=lv.label) for lv in survey.scale]
    intro = (
        f"*{escape(label)}* の回答です。各項目が、地域づくりを進めるうえでの課題として"
        "どの程度当てはまるかを選んでください。"
    )
    if latest is not None:
        intro += "\n前回の回答を選択済みにしています。変わったところだけ直して送信してください。"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro))]
    if latest is not None and latest.sample:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"前回の回答は{SAMPLE_NOTE}です。")])
        )
    for cat in survey.categories:
        blocks.append(HeaderBlock(text=cat[:150]))
        for it in survey.items_in(cat):
            initial = next((o for o in options if o.value == str(previous.get(it.id))), None)
            blocks.append(
                InputBlock(
                    block_id=f"{ITEM_BLOCK}{it.id}",
                    label=f"{it.n}. {it.text}"[:2000],
                    element=StaticSelectElement(
                        action_id=VALUE_ACTION,
                        placeholder="選択してください",
                        options=options,
                        initial_option=initial,
                    ),
                )
            )
    return View(
        type="modal",
        callback_id=SURVEY_VIEW,
        title=PlainTextObject(text="課題認識アンケート"),
        submit=PlainTextObject(text="送信"),
        close=PlainTextObject(text="閉じる"),
        private_metadata=json.dumps({"code5": code5}),
        blocks=blocks,
    )


def submit_survey(ctx: SurveyContext, body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a submission; returns the ``ack`` arguments (errors or the thanks)."""
    view = dict_of(body.get("view"))
    user = user_of(body) or ""
    try:
        meta = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        meta = {}
    code5 = str(dict_of(meta).get("code5") or "")  # any other shape: no municipality
    first_block = f"{ITEM_BLOCK}{ctx.survey.items[0].id}"
    member = ctx.registry.get(user)
    if member is None or not member.approved or member.role != "municipal" or member.code5 != code5:
        return {
            "response_action": "errors",
            "errors": {
                first_block: "この市町村の回答を送信する権限がありません。登録をご確認ください（/hint-register）。"
            },
        }
    values = dict_of(dict_of(view.get("state")).get("values"))
    answers: dict[str, int] = {}
    errors: dict[str, str] = {}
    valid = {str(lv.value): lv.value for lv in ctx.survey.scale}
    for it in ctx.survey.items:
        block = f"{ITEM_BLOCK}{it.id}"
        sel = dict_of(dict_of(dict_of(values.get(block)).get(VALUE_ACTION)).get("selected_option"))
        raw = str(sel.get("value") or "")
        if raw not in valid:
            errors[block] = "選択してください。"
            continue
        answers[it.id] = valid[raw]
    if errors:
        return {"response_action": "errors", "errors": errors}
    ctx.answers.add(
        [NewResponse(code5, ctx.places.muni(code5).pref_code, answers)], source="slack", by=user
    )
    log.info("survey answered code5=%s user=%s", code5, user)
    done = View(
        type="modal",
        title=PlainTextObject(text="課題認識アンケート"),
        close=PlainTextObject(text="閉じる"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(ctx.places.label(code5))}* の回答（{len(answers)}項目）を保存しました。"
                    "ご協力ありがとうございます。回答は府県ごとのダイジェストに反映されます。"
                    "変更するときは、もう一度 /survey から送信してください。"
                )
            )
        ],
    )
    return {"response_action": "update", "view": done.to_dict()}


def _show_answers(
    ctx: SurveyContext, member: Member | None, text: str, respond: Callable[..., Any]
) -> None:
    try:
        code5 = ctx.places.muni_code_of(text)
    except UserError as exc:
        _tell(respond, str(exc))
        return
    m = ctx.places.muni(code5)
    label = ctx.places.label(code5)
    if member is None or not member.can_view_municipality(code5, m.pref_code):
        _tell(respond, AGGREGATES_ONLY.format(label=label, pref=m.pref_name))
        return
    latest = ctx.answers.latest_for(code5)
    if latest is None:
        _tell(respond, f"{label} はまだ回答していません。")
        return
    lines = [f"*{label} の最新の回答*（{latest.submitted_at:%Y-%m-%d} 時点・UTC）"]
    if latest.sample:
        lines.append(SAMPLE_NOTE)
    for it in ctx.survey.items:
        v = latest.answers.get(it.id)
        word = ctx.survey.level(v).label if v is not None else "（未回答）"
        lines.append(f"{it.n}. {it.text}：{word}")
    _tell(respond, "\n".join(lines))


# -- /hint-register ----------------------------------------------------------------------------
def register_command(
    ctx: SurveyContext, body: dict[str, Any], client: WebClient, respond: Callable[..., Any]
) -> None:
    user = str(body.get("user_id") or "")
    # a mention (<@U…|name>) names the applicant: keep its id before cleaning the text
    text = clean_text(_MENTION_ID.sub(r"\1", str(body.get("text") or "")))
    words = text.split()
    if not words:
        m = ctx.registry.get(user)
        status = _status_text(ctx, m) if m else "まだ登録されていません。"
        _tell(respond, f"{status}\n\n{REGISTER_USAGE}")
        return
    verb = words[0].lower()
    if verb in ("approve", "reject", "承認", "却下"):
        if len(words) != 2:
            _tell(respond, f"申請者のメンバーIDを1つ指定してください。\n\n{REGISTER_USAGE}")
            return
        approve = verb in ("approve", "承認")
        target = words[1]
        _tell(respond, decide(ctx, client, user, target, approve))
        return
    try:
        member = ctx.registry.request(user, text)
    except NeedsConfirmation as need:
        _ask_to_confirm(ctx, respond, need, text)
        return
    except UserError as exc:
        _tell(respond, str(exc))
        return
    _tell(respond, _requested(ctx, client, member))


def _requested(ctx: SurveyContext, client: WebClient, member: Member) -> str:
    """Send the approval request to the approvers; the message for the applicant."""
    what = ctx.registry.describe(member)
    approvers = ctx.registry.approvers_for(member)
    if not approvers:
        return (
            f"{what}としての登録申請を受け付けました。ただし、承認できる管理者がまだ登録されていません。"
            "厚生局の担当者にご連絡ください（hintbot registry set で管理者を登録できます）。"
        )
    sent = 0
    for admin in approvers:
        if _dm(client, admin, **approval_message(ctx, member)):
            sent += 1
    if sent:
        return f"{what}としての登録を申請しました。管理者（{sent}人）の承認をお待ちください。"
    return (
        f"{what}としての登録申請を受け付けましたが、管理者へのお知らせを送れませんでした。"
        "厚生局の担当者にご連絡ください。"
    )


def _ask_to_confirm(
    ctx: SurveyContext, respond: Callable[..., Any], need: NeedsConfirmation, place: str
) -> None:
    """An approved member asked again: confirm before the current registration is replaced."""
    current = ctx.registry.describe(need.member)
    role, pref, code5 = need.target
    new = Member(need.member.user_id, role, False, pref, code5, "pending", need.member.requested_at)
    if (role, pref, code5) == (need.member.role, need.member.pref_code, need.member.code5):
        _tell(respond, f"すでに{current}として登録されています（承認済み）。変更はありません。")
        return
    text = (
        f"いまの登録（{current}、承認済み）を、{ctx.registry.describe(new)}としての申請に"
        "置き換えますか？ 申請すると、管理者が承認するまで、いまの登録（役割・管理者の権限）は"
        "使えなくなります。"
    )
    value = json.dumps({"place": place[:200], "version": need.member.version}, ensure_ascii=False)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="置き換えて申請する",
                    action_id=f"{REG_ACTION}:confirm",
                    value=value,
                    style="danger",
                ),
                ButtonElement(text="やめる", action_id=f"{REG_ACTION}:cancel", value="cancel"),
            ]
        ),
    ]
    with contextlib.suppress(Exception):  # the response_url may have expired
        respond(text=text, blocks=blocks, response_type="ephemeral")


def approval_value(member: Member) -> str:
    """What an approval button carries: the applicant, the request and the row's version."""
    return json.dumps(
        {"user": member.user_id, "request": member.request_id, "version": member.version}
    )


def approval_message(ctx: SurveyContext, member: Member) -> dict[str, Any]:
    what = ctx.registry.describe(member)
    text = f"<@{member.user_id}> さんが、{what}としての登録を申請しています。"
    value = approval_value(member)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="承認", action_id=f"{REG_ACTION}:approve", value=value, style="primary"
                ),
                ButtonElement(
                    text="却下", action_id=f"{REG_ACTION}:reject", value=value, style="danger"
                ),
            ]
        ),
    ]
    return {"text": text, "blocks": blocks}


def decide(
    ctx: SurveyContext,
    client: WebClient,
    admin: str,
    target: str,
    approve: bool,
    *,
    request_id: str | None = None,
    version: int | None = None,
) -> str:
    """Approve or reject (a compare-and-set); tells the requester, only when this call made
    the decision; returns the message for the admin."""
    try:
        m = ctx.registry.decide(admin, target, approve, request_id=request_id, version=version)
    except UserError as exc:
        return str(exc)
    what = ctx.registry.describe(m)
    log.info("registration decided user=%s by=%s approve=%s", target, admin, approve)
    if approve:
        note = f"{what}としての登録が承認されました。"
        if m.role == "municipal":
            note += "`/survey` で課題認識アンケートに回答できます。"
        _dm(client, target, text=note)
        return f"<@{target}> さんを{what}として承認しました。"
    _dm(client, target, text=f"{what}としての登録申請は承認されませんでした。")
    return f"<@{target}> さんの申請（{what}）を却下しました。"


def _button_request(value: str) -> tuple[str, str | None, int | None] | None:
    """(user, request id, version) of an approval button; None for an unreadable one."""
    try:
        data = json.loads(value)
    except ValueError:
        return None  # a button of an older version (its value was only the user id)
    if not isinstance(data, dict) or not isinstance(data.get("user"), str):
        return None
    request = data.get("request")
    version = data.get("version")
    return (
        data["user"],
        request if isinstance(request, str) else None,
        version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


OLD_BUTTON = (
    "このボタンは古い形式のため、どの申請かを確かめられません。何も変更していません。"
    "`/hint-register approve {user}` で承認するか、申請し直してもらってください。"
)


def approval_click(ctx: SurveyContext, body: dict[str, Any], client: WebClient) -> None:
    """A 承認/却下 button in an admin's DM, or 置き換えて申請する/やめる under /hint-register."""
    action = first_action(body)
    user = user_of(body) or ""
    if not action or not user:
        return
    action_id = str(action.get("action_id", ""))
    if action_id.endswith((":confirm", ":cancel")):
        _confirm_click(ctx, body, client, user, action_id.endswith(":confirm"), action)
        return
    approve = action_id.endswith(":approve")
    raw = str(action.get("value") or "")
    parsed = _button_request(raw)
    if parsed is None or parsed[1] is None or parsed[2] is None:
        result = OLD_BUTTON.format(user=raw if USER_ID.match(raw) else "U…")
    else:
        target, request_id, version = parsed
        result = decide(ctx, client, user, target, approve, request_id=request_id, version=version)
    container = dict_of(body.get("container"))
    channel = container.get("channel_id") or dict_of(body.get("channel")).get("id")
    ts = container.get("message_ts")
    original = str(dict_of(body.get("message")).get("text") or "")
    if channel and ts:
        try:
            client.chat_update(
                channel=channel,
                ts=ts,
                text=result,
                blocks=[
                    SectionBlock(text=MarkdownTextObject(text=original or result)),
                    ContextBlock(elements=[MarkdownTextObject(text=result)]),
                ],
            )
        except CALL_ERRORS as exc:
            log.warning("chat.update failed: %s (channel=%s)", api_error(exc), channel)


USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


def _confirm_click(
    ctx: SurveyContext,
    body: dict[str, Any],
    client: WebClient,
    user: str,
    confirm: bool,
    action: dict[str, Any],
) -> None:
    if not confirm:
        _reply_in_place(body, "申請しませんでした。いまの登録はそのままです。")
        return
    try:
        data = dict_of(json.loads(str(action.get("value") or "")))
    except ValueError:
        data = {}
    place, version = data.get("place"), data.get("version")
    if not isinstance(place, str) or not isinstance(version, int):
        _reply_in_place(
            body, "確認の内容を読み取れませんでした。もう一度 /hint-register から申請してください。"
        )
        return
    try:
        member = ctx.registry.request(user, place, confirm_version=version)
    except UserError as exc:
        _reply_in_place(body, str(exc))
        return
    _reply_in_place(body, _requested(ctx, client, member))


def _reply_in_place(body: dict[str, Any], text: str) -> None:
    """Replace the ephemeral question with ``text`` through the action's response_url."""
    url = body.get("response_url")
    if not isinstance(url, str) or not url:
        return
    try:
        WebhookClient(url, timeout=10).send(
            text=text, replace_original=True, response_type="ephemeral"
        )
    except CALL_ERRORS as exc:
        log.warning("response_url failed: %s", api_error(exc))


def _dm(client: WebClient, user: str, **message: Any) -> bool:
    try:
        resp = client.conversations_open(users=user)
        channel = (resp.get("channel") or {}).get("id")
        if not channel:
            return False
        client.chat_postMessage(channel=channel, **message)
        return True
    except CALL_ERRORS as exc:
        log.warning("DM failed: %s (user=%s)", api_error(exc), user)
        return False
