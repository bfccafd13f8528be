"""The brief and visit records in Slack: ``/hint-brief 茨木市`` and ``/hint-visit 茨木市``.

``/hint-brief`` answers in the requester's DM with the brief as Block Kit and the A4 PDF
attached (files.getUploadURLExternal / completeUploadExternal, as charts are uploaded).
``/hint-visit`` opens a modal that records a visit with who recorded it. Who may do what is
decided by ``bot.brief.access`` from the survey's registry; anyone refused is told why.
Listener modules stay thin and call these functions.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.brief.access import brief_refusal, may_use_visits, visits_refusal
from bot.brief.document import Document, Sub, build
from bot.brief.model import Brief
from bot.brief.service import BriefService
from bot.brief.text import block_lines
from bot.errors import UserError
from bot.runtime import Runtime
from bot.slack.advisor import api_error, clean_text
from bot.slack.blocks import escape
from bot.storage.visits import NOTE_MAX, clean_note
from bot.survey.context import SurveyContext
from bot.survey.schedule import fmt_date

log = logging.getLogger("bot.slack")

BRIEF_COMMAND = "/hint-brief"
VISIT_COMMAND = "/hint-visit"
VISIT_VIEW = "visit_submit"
DATE_BLOCK, NOTE_BLOCK, VALUE_ACTION = "visit_date", "visit_note", "value"
TEXT_LIMIT = 2900  # a section's text stays under Slack's 3,000 characters
MODAL_INPUT_MAX = 3000  # Slack's limit for a plain_text_input's max_length
_MEMBER = re.compile(r"(記録: )([UW][A-Z0-9]{2,31})")

BRIEF_USAGE = (
    "使い方: `/hint-brief 茨木市`（同名の町村は `/hint-brief 大阪府太子町`）。"
    "ブリーフと PDF をダイレクトメッセージでお送りします。"
)
VISIT_USAGE = (
    "使い方: `/hint-visit 茨木市`（同名の町村は `/hint-visit 大阪府太子町`）。"
    "訪問記録を入力する画面が開きます。"
)
SENT = "{label}のブリーフをダイレクトメッセージでお送りしました。"


class BriefAccess:
    """The brief service the listeners share, built on first use (like ``SurveyAccess``)."""

    def __init__(
        self, build: Callable[[], BriefService], claim: Callable[[str], bool] | None = None
    ) -> None:
        self._build = build
        self._claim = claim
        self._svc: BriefService | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, svc: BriefService) -> BriefAccess:
        return cls(lambda: svc)

    def claim(self, key: str) -> bool:
        """True the first time a delivery is seen (a redelivered command sends no second DM)."""
        return self._claim is None or self._claim(key)

    def get(self) -> BriefService:
        svc = self._svc
        if svc is None:
            with self._lock:
                if self._svc is None:
                    self._svc = self._build()
                svc = self._svc
        return svc


def brief_service(runtime: Runtime, survey: SurveyContext) -> BriefService:
    """The brief service on the runtime's database, cards and indicator tables."""
    from analytics.service import DataService

    data = runtime.engine.data
    if not isinstance(data, DataService):
        data = DataService.load(runtime.settings, runtime.db)
    return BriefService(data, survey, runtime.kb, runtime.store)


def _tell(respond: Callable[..., Any], text: str) -> None:
    with contextlib.suppress(Exception):  # the response_url may have expired
        respond(text=text, response_type="ephemeral")


def _resolve(svc: BriefService, text: str, respond: Callable[..., Any]) -> str | None:
    try:
        return svc.resolve(text)
    except UserError as exc:
        _tell(respond, str(exc))
        return None


# -- /hint-brief -------------------------------------------------------------------------------
def brief_command(
    svc: BriefService, body: dict[str, Any], client: WebClient, respond: Callable[..., Any]
) -> None:
    user = str(body.get("user_id") or "")
    text = clean_text(body.get("text"))
    if not text:
        _tell(respond, BRIEF_USAGE)
        return
    code5 = _resolve(svc, text, respond)
    if code5 is None:
        return
    registry = svc.survey.registry
    member = registry.get(user)
    refusal = brief_refusal(member, registry, code5)
    if refusal:
        _tell(respond, refusal)
        return
    pref = svc.survey.places.muni(code5).pref_code
    brief = svc.brief(code5, with_visits=may_use_visits(member, pref))
    try:
        dm = (client.conversations_open(users=user).get("channel") or {}).get("id")
        if not dm:
            raise UserError("no_channel")
        doc = build(brief)
        client.chat_postMessage(
            channel=dm,
            text=doc.title,
            blocks=brief_blocks(doc),
            unfurl_links=False,
            unfurl_media=False,
        )
    except (SlackClientError, UserError) as exc:
        error = api_error(exc) if isinstance(exc, SlackClientError) else str(exc)
        log.warning("brief DM failed: %s (user=%s)", error, user)
        _tell(respond, f"ダイレクトメッセージでお送りできませんでした（原因: {error}）。")
        return
    upload_pdf(client, dm, brief)
    log.info("brief sent code5=%s user=%s", code5, user)
    if not str(body.get("channel_id", "")).startswith("D"):
        _tell(respond, SENT.format(label=brief.label))


def upload_pdf(client: WebClient, channel: str, brief: Brief) -> bool:
    """The brief's PDF into ``channel`` (files_upload_v2: getUploadURLExternal, then
    completeUploadExternal). A failure is logged and said in the DM; the blocks went out."""
    from bot.brief.pdf import pdf_bytes

    name = f"{brief.code5}_{brief.pref_name}{brief.name}_ブリーフ.pdf"
    try:
        client.files_upload_v2(
            channel=channel,
            file=pdf_bytes(brief),
            filename=name,
            title=f"市町村支援ブリーフ {brief.label}（{fmt_date(brief.today)}）",
        )
        return True
    except SlackClientError as exc:
        log.warning("brief PDF upload failed: %s (channel=%s)", api_error(exc), channel)
        with contextlib.suppress(SlackClientError):
            client.chat_postMessage(
                channel=channel,
                text=f"PDF を添付できませんでした（原因: {api_error(exc)}）。"
                f"`hintbot brief {brief.name} --pdf` でも作れます。",
            )
        return False


def _mrkdwn(text: str) -> str:
    return _MEMBER.sub(r"\1<@\2>", escape(text))


def brief_blocks(doc: Document) -> list[Block]:
    """The brief as Block Kit: a header, the notes, each section as text (charts in the PDF)."""
    blocks: list[Block] = [HeaderBlock(text=doc.title[:150])]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_mrkdwn(n)) for n in doc.notes]))
    for sec in doc.sections:
        lines = [f"*{escape(sec.heading)}*"]
        for block in sec.blocks:
            if isinstance(block, Sub):
                lines += ["", f"*{escape(block.text)}*"]
                continue
            lines += [_mrkdwn(line) for line in block_lines(block)]
        text = "\n".join(lines).strip()
        while text:
            cut = text if len(text) <= TEXT_LIMIT else text[: text.rfind("\n", 0, TEXT_LIMIT)]
            cut = cut or text[:TEXT_LIMIT]
            blocks.append(SectionBlock(text=MarkdownTextObject(text=cut)))
            text = text[len(cut) :].lstrip("\n")
        blocks.append(DividerBlock())
    sources = "出典: " + "／".join(doc.sources)
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=escape(sources[:1800]) + "\nグラフつきの A4 版 PDF を添付します。"
                )
            ]
        )
    )
    return blocks[:50]


# -- /hint-visit -------------------------------------------------------------------------------
def visit_command(
    svc: BriefService, body: dict[str, Any], client: WebClient, respond: Callable[..., Any]
) -> None:
    user = str(body.get("user_id") or "")
    text = clean_text(body.get("text"))
    if not text:
        _tell(respond, VISIT_USAGE)
        return
    code5 = _resolve(svc, text, respond)
    if code5 is None:
        return
    registry = svc.survey.registry
    refusal = visits_refusal(registry.get(user), registry, code5)
    if refusal:
        _tell(respond, refusal)
        return
    try:
        client.views_open(trigger_id=body.get("trigger_id"), view=visit_modal(svc, code5))
    except SlackClientError as exc:
        log.warning("views.open failed: %s (user=%s)", api_error(exc), user)
        _tell(
            respond,
            f"訪問記録の画面を開けませんでした（原因: {api_error(exc)}）。もう一度お試しください。",
        )


def visit_modal(svc: BriefService, code5: str, today: date | None = None) -> View:
    today = today or svc.today()
    label = svc.label(code5)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{escape(label)}* の訪問記録を残します。未来の日付は予定として記録します。"
                "記録は次のブリーフに載り、担当者が異動しても残ります。"
            )
        ),
        InputBlock(
            block_id=DATE_BLOCK,
            label="訪問日",
            element=DatePickerElement(action_id=VALUE_ACTION, initial_date=today.isoformat()),
        ),
        InputBlock(
            block_id=NOTE_BLOCK,
            label="記録（確認したこと・合意したこと・次にすること）",
            element=PlainTextInputElement(
                action_id=VALUE_ACTION,
                multiline=True,
                max_length=min(NOTE_MAX, MODAL_INPUT_MAX),
                placeholder="例: 担い手の確保について、既存の地域資源の洗い出しから始めることを合意",
            ),
        ),
    ]
    recent = svc.visit_list(code5)[:3]
    if recent:
        lines = [
            f"{fmt_date(v.day)}{'（予定）' if v.planned(today) else ''}：{v.note[:80]}"
            for v in recent
        ]
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=escape("これまでの記録\n" + "\n".join(lines)))]
            )
        )
    return View(
        type="modal",
        callback_id=VISIT_VIEW,
        title=PlainTextObject(text="訪問記録"),
        submit=PlainTextObject(text="記録する"),
        close=PlainTextObject(text="閉じる"),
        private_metadata=json.dumps({"code5": code5}),
        blocks=blocks,
    )


def _value(values: dict[str, Any], block: str) -> dict[str, Any]:
    return (values.get(block) or {}).get(VALUE_ACTION) or {}


def submit_visit(svc: BriefService, body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a visit; returns the ``ack`` arguments (errors or the confirmation)."""
    view = body.get("view") or {}
    user = str((body.get("user") or {}).get("id") or "")
    try:
        code5 = str(json.loads(view.get("private_metadata") or "{}").get("code5") or "")
    except ValueError:
        code5 = ""
    registry = svc.survey.registry
    if code5 not in svc.survey.places.geo.munis:
        return {"response_action": "errors", "errors": {NOTE_BLOCK: "市町村が分かりません。"}}
    refusal = visits_refusal(registry.get(user), registry, code5)
    if refusal:
        return {"response_action": "errors", "errors": {NOTE_BLOCK: refusal[:150]}}
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    day: date | None = None
    raw_day = str(_value(values, DATE_BLOCK).get("selected_date") or "")
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        errors[DATE_BLOCK] = "訪問日を選んでください。"
    note = str(_value(values, NOTE_BLOCK).get("value") or "")
    try:
        clean_note(note)
    except UserError as exc:
        errors[NOTE_BLOCK] = str(exc)[:150]
    if errors or day is None:
        return {"response_action": "errors", "errors": errors}
    visit = svc.add_visit(code5, day, note, by=user, via="slack")
    kind = "予定" if visit.planned(svc.today()) else "訪問"
    log.info("visit recorded code5=%s user=%s", code5, user)
    done = View(
        type="modal",
        title=PlainTextObject(text="訪問記録"),
        close=PlainTextObject(text="閉じる"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(svc.label(code5))}* の{kind}（{fmt_date(day)}）を記録しました。"
                    f"記録者: <@{user}>。次のブリーフ（`/hint-brief {escape(svc.label(code5))}`）に載ります。"
                )
            )
        ],
    )
    return {"response_action": "update", "view": done.to_dict()}
