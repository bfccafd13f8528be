"""Authenticate before parsing (issue 12): the size limit and the signature are checked before
Bolt sees a byte; malformed requests get 400/401/413, never a 500."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from typing import Any

import pytest

from bot.slack.wsgi import RequestGuard, payload_problem
from tests.support import payloads as P
from tests.support.driver import send_large_body
from tests.support.fake_slack import sign
from tests.support.harness import SlackHarness

# bodies the issue found answered with 500 (unsigned) and their content types
SHAPES: dict[str, tuple[bytes, str]] = {
    "truncated JSON": (b'{"type":', "application/json"),
    "a JSON array": (b"[1]", "application/json"),
    "not UTF-8": (b"\xff\xfe{}", "application/json"),
    "null": (b"null", "application/json"),
    "a JSON string": (b'"hello"', "application/json"),
    "a broken payload field": (b"payload=%7Bx", "application/x-www-form-urlencoded"),
    "an empty body": (b"", "application/json"),
    "an unknown form": (b"a=1&b=2", "application/x-www-form-urlencoded"),
    "text/plain": (b"hello", "text/plain"),
    "an event without its event": (b'{"type":"event_callback"}', "application/json"),
}


def _post(slack: SlackHarness, body: bytes, ctype: str, *, signed: bool) -> int:
    headers = {} if signed else {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}
    return slack.sender.post(body, ctype, headers=headers).status


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_malformed_bodies_get_401_unsigned_and_400_signed(slack: SlackHarness, shape: str) -> None:
    body, ctype = SHAPES[shape]
    assert _post(slack, body, ctype, signed=False) == 401
    assert _post(slack, body, ctype, signed=True) == 400
    assert slack.fake.posts() == []


def _interaction(payload: dict[str, Any]) -> bytes:
    return P.encode_interaction(payload)[0].encode()


def test_signed_interactions_of_odd_shapes_never_get_a_500(slack: SlackHarness) -> None:
    form = "application/x-www-form-urlencoded"
    view = {"callback_id": "survey_submit", "private_metadata": "{}", "blocks": []}
    good = P.view_submission(view, {})
    no_type = json.loads(json.dumps(good))
    del no_type["view"]["type"]
    assert _post(slack, _interaction(no_type), form, signed=True) == 400
    # private_metadata of [1]: a valid request with meaningless content, refused in the modal
    odd = json.loads(json.dumps(good))
    odd["view"]["private_metadata"] = "[1]"
    resp = slack.sender.post(_interaction(odd), form)
    assert resp.status == 200
    assert json.loads(resp.body)["response_action"] == "errors"
    odd["view"]["state"] = {"values": {"item_q01": []}}
    assert slack.sender.post(_interaction(odd), form).status == 200
    for payload in (
        {"type": "block_actions", "user": {"id": "U1"}, "actions": "x"},
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [1]},
        {"type": "block_actions", "user": "U1", "actions": []},
        {"type": "view_submission", "user": {"id": "U1"}, "view": [1]},
        {"type": "message_action", "user": {"id": "U1"}},
        {"type": 7},
    ):
        assert _post(slack, _interaction(payload), form, signed=True) == 400
    # an event with odd fields inside a well-formed envelope is simply not answered
    odd_event = P.event_callback({"type": "message", "channel": ["x"], "user": {"id": 1}})
    assert slack.sender.event(odd_event).status == 200
    odd_mention = P.event_callback({"type": "app_mention", "channel": "C1", "user": "U1"})
    odd_mention["event"]["text"] = {"a": 1}
    assert slack.sender.event(odd_mention).status == 200


def test_a_body_over_the_limit_is_refused_from_its_length_without_being_read(
    slack: SlackHarness,
) -> None:
    status, _elapsed, _sent = send_large_body(
        f"http://{slack.sender.host}:{slack.sender.port}", 20_000_000
    )
    assert status == 413
    # the stand-in for a chunked body: unsigned chunked requests are refused before reading
    bad = slack.sender.post(b"{}", "application/json", headers={"Content-Length": "abc"})
    assert bad.status in (400, 401)


def test_other_paths_and_methods(slack: SlackHarness) -> None:
    assert slack.sender.get("/healthz").status == 200
    assert slack.sender.get("/slack/events").status == 405
    assert slack.sender.get("/other").status == 404


class Counting(io.RawIOBase):
    """A request body stream that counts what was read from it."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        self.read_bytes += n
        return b"x" * n


def _environ(body: Any, **extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/json",
        "wsgi.input": body,
        **extra,
    }


def test_the_guard_reads_a_chunked_body_only_up_to_the_limit() -> None:
    guard = RequestGuard("secret", max_body=1024)
    stream = Counting(20_000_000)
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(b"secret", b"v0:" + ts.encode() + b":", hashlib.sha256).hexdigest()
    chunked = {
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
        "HTTP_X_SLACK_SIGNATURE": sig,
    }
    verdict = guard.check(_environ(stream, **chunked))
    assert getattr(verdict, "status", "").startswith("413")
    assert stream.read_bytes == 1025  # one byte past the limit, no more
    # unsigned: refused before a byte is read
    unsigned = Counting(20_000_000)
    verdict = guard.check(_environ(unsigned, HTTP_TRANSFER_ENCODING="chunked"))
    assert getattr(verdict, "status", "").startswith("401") and unsigned.read_bytes == 0
    # a declared length over the limit: refused before a byte is read
    declared = Counting(20_000_000)
    verdict = guard.check(_environ(declared, CONTENT_LENGTH="20000000", **chunked))
    assert getattr(verdict, "status", "").startswith("413") and declared.read_bytes == 0


def test_the_guard_checks_the_signature_over_the_exact_bytes() -> None:
    guard = RequestGuard("secret", max_body=1024)
    body = json.dumps(P.event_callback(P.dm_message("こんにちは")), ensure_ascii=False).encode()
    headers = sign("secret", body)
    env = _environ(
        io.BytesIO(body),
        CONTENT_LENGTH=str(len(body)),
        HTTP_X_SLACK_REQUEST_TIMESTAMP=headers["X-Slack-Request-Timestamp"],
        HTTP_X_SLACK_SIGNATURE=headers["X-Slack-Signature"],
    )
    assert guard.check(env) == body
    tampered = body.replace("こんにちは".encode(), "さようなら".encode())
    env = {**env, "wsgi.input": io.BytesIO(tampered)}
    assert getattr(guard.check(env), "reason", "") == "bad_signature"
    for ts in ("", "12ab", "1" * 20, "100"):
        env2 = {**env, "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts}
        assert getattr(guard.check(env2), "status", "").startswith("401")


def test_payload_shapes() -> None:
    ok_event = json.dumps(P.event_callback(P.dm_message("x"))).encode()
    assert payload_problem("application/json", ok_event) is None
    assert payload_problem("application/json; charset=utf-8", b'{"type":"url_verification"}')
    assert payload_problem("application/x-www-form-urlencoded", b"ssl_check=1&token=x") is None
    command = P.encode_form(P.slash_command("x"))[0].encode()
    assert payload_problem("application/x-www-form-urlencoded", command) is None
    assert payload_problem("application/x-www-form-urlencoded", b"command=/a&command=/b")
