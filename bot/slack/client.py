"""Web API client, its retries, and configuration checks for the Slack adapter.

Settings are checked up front so a missing token is a clear Japanese message naming the
environment variable, not a traceback from deep inside the SDK.

Retries (``retry_handlers``), for every call:

- HTTP 429: wait ``Retry-After`` (a missing or unreadable one: a backoff of 1, 2, 4 … seconds
  with jitter), at most ``MAX_RATE_LIMIT_WAIT`` seconds per wait and ``RATE_LIMIT_RETRIES``
  times; a longer wait is not slept in a request thread but raised, and the reply outbox
  schedules the next attempt at ``Retry-After``. A 429 never posted anything.
- HTTP 5xx and connection errors (reset, refused, dropped, timed out): backoff, a few times,
  only for calls that are safe to repeat. A message post (``chat.postMessage``) that failed
  this way may have been posted all the same, so it is not repeated blindly: the reply outbox
  looks for it in the channel (message metadata) before posting again.

``classify`` turns any failure of a call into an error id, whether it is permanent
(``channel_not_found``, ``not_in_channel`` … never retried) and Slack's ``Retry-After``.
"""

from __future__ import annotations

import http.client
import random
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.settings import Settings

DEFAULT_API_URL = WebClient.BASE_URL
TIMEOUT_S = 15
RATE_LIMIT_RETRIES = 3
MAX_RATE_LIMIT_WAIT = 5.0  # seconds slept per 429 in a request thread; longer: scheduled
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2

# calls that may have taken effect although they failed (5xx, a dropped connection): never
# repeated by the client; their callers check first (the outbox reads the channel history)
NOT_REPEATABLE = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "files.completeUploadExternal",
    }
)

_CODE = re.compile(r"^[a-z0-9_]{1,64}$")

# Slack error codes that no retry can fix: the person is told instead (where possible)
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "channel_is_archived",
        "cannot_dm_bot",
        "user_not_found",
        "user_not_visible",
        "user_disabled",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "cannot_reply_to_message",
        "thread_reply_not_allowed",
        "team_access_not_granted",
        "ekm_access_denied",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "too_many_attachments",
        "duplicate_message_not_found",
    }
)


class SlackConfigError(ValueError):
    """A required Slack setting is missing; ``str()`` is the message for the user."""


_ENV = {
    "slack_bot_token": ("SLACK_BOT_TOKEN", "ボットトークン（xoxb-…）"),
    "slack_app_token": ("SLACK_APP_TOKEN", "アプリレベルトークン（xapp-…、connections:write）"),
    "slack_signing_secret": ("SLACK_SIGNING_SECRET", "署名シークレット（Signing Secret）"),
}


def require(settings: Settings, *attrs: str) -> None:
    """Raise ``SlackConfigError`` naming every missing environment variable."""
    missing = [a for a in attrs if not getattr(settings, a)]
    if not missing:
        return
    lines = ["Slack に接続するための設定が足りません。次の環境変数を設定してください。"]
    for a in missing:
        env, what = _ENV[a]
        lines.append(f"  {env}: {what}")
    lines.append("値は Slack アプリの管理画面（https://api.slack.com/apps）で確認できます。")
    raise SlackConfigError("\n".join(lines))


def api_url(settings: Settings) -> str:
    """The Web API base URL; ``SLACK_API_URL`` may point elsewhere (tests, proxies)."""
    url = settings.slack_api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


# -- Retry-After ----------------------------------------------------------------------------
def retry_after(headers: Any) -> float | None:
    """Seconds from a ``Retry-After`` header (a number or an HTTP date); None when it is
    missing or unreadable."""
    if not headers:
        return None
    value: Any = None
    for k, v in dict(headers).items():
        if str(k).lower() == "retry-after":
            value = v[0] if isinstance(v, list | tuple) and v else v
            break
    if value is None:
        return None
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


def backoff(attempt: int, base: float = 1.0, cap: float = 60.0) -> float:
    """``base`` × 2^attempt, capped, with ±25 % jitter (attempt 0 is the first retry)."""
    wait = min(cap, base * (2 ** max(0, attempt)))
    return max(0.0, wait * random.uniform(0.75, 1.25))


def _method(request: HttpRequest) -> str:
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class _WaitingRetry(RetryHandler):
    """A retry that waits ``delay`` seconds before the next attempt."""

    def delay(self, state: RetryState, response: HttpResponse | None) -> float:
        raise NotImplementedError

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        time.sleep(self.delay(state, response))
        state.increment_current_attempt()


class RateLimitRetry(_WaitingRetry):
    """HTTP 429 with any ``Retry-After``, including a missing or unreadable one."""

    def __init__(
        self, max_retry_count: int = RATE_LIMIT_RETRIES, max_wait: float = MAX_RATE_LIMIT_WAIT
    ):
        super().__init__(max_retry_count)
        self.max_wait = max_wait

    def _wait(self, state: RetryState, response: HttpResponse) -> float:
        after = retry_after(response.headers)
        return backoff(state.current_attempt) if after is None else after + random.random() * 0.2

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        after = retry_after(response.headers)
        return after is None or after <= self.max_wait

    def delay(self, state: RetryState, response: HttpResponse | None) -> float:
        assert response is not None
        return min(self.max_wait, self._wait(state, response))


class ServerErrorRetry(_WaitingRetry):
    """HTTP 5xx, with backoff, for calls that are safe to repeat."""

    def __init__(self, max_retry_count: int = SERVER_ERROR_RETRIES, base: float = 0.5):
        super().__init__(max_retry_count)
        self.base = base

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return (
            response is not None
            and 500 <= response.status_code < 600
            and _method(request) not in NOT_REPEATABLE
        )

    def delay(self, state: RetryState, response: HttpResponse | None) -> float:
        return backoff(state.current_attempt, self.base, 4.0)


class ConnectionRetry(ServerErrorRetry):
    """A refused, reset, dropped or timed-out connection, for calls that are safe to repeat."""

    def __init__(self, max_retry_count: int = CONNECTION_RETRIES, base: float = 0.5):
        super().__init__(max_retry_count, base)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return (
            response is None
            and isinstance(error, OSError | http.client.HTTPException)
            and _method(request) not in NOT_REPEATABLE
        )


def add_retries(client: WebClient) -> WebClient:
    """Replace the SDK's default handlers (its connection retry repeats message posts) with
    ours; idempotent."""
    ours = (RateLimitRetry, ServerErrorRetry, ConnectionRetry)
    client.retry_handlers = [h for h in client.retry_handlers if isinstance(h, ours)]
    for kind in ours:
        if not any(type(h) is kind for h in client.retry_handlers):
            client.retry_handlers.append(kind())
    return client


def make_web_client(settings: Settings) -> WebClient:
    require(settings, "slack_bot_token")
    client = WebClient(
        token=settings.slack_bot_token, base_url=api_url(settings), timeout=TIMEOUT_S
    )
    return add_retries(client)


# -- what a failure means -------------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    """A failed Web API call: an error id for logs, whether retrying can help, and how long
    Slack asked to wait (429)."""

    error: str
    permanent: bool = False
    retry_after: float | None = None
    uncertain: bool = False  # the call may have taken effect (5xx, a dropped connection)


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, SlackApiError):
        resp = exc.response
        status = int(getattr(resp, "status_code", 200) or 200)
        data = resp.data if isinstance(resp.data, dict) else {}
        code = str(data.get("error") or "")
        if status == 429 or code in ("ratelimited", "rate_limited"):
            after = retry_after(getattr(resp, "headers", None))
            return Failure("ratelimited", retry_after=after)
        if status >= 500:
            return Failure(f"http_{status}", uncertain=True)
        if not code or not _CODE.match(code):  # none, or the SDK's text about a bad body
            return Failure(
                f"http_{status}" if status != 200 else "unreadable_answer", uncertain=True
            )
        return Failure(
            code,
            permanent=code in PERMANENT_ERRORS,
            uncertain=code in ("fatal_error", "internal_error", "request_timeout"),
        )
    if isinstance(exc, SlackClientError):
        return Failure(type(exc).__name__)
    if isinstance(exc, OSError | http.client.HTTPException):
        return Failure(type(exc).__name__, uncertain=True)
    return Failure(type(exc).__name__)


def api_error(exc: BaseException) -> str:
    """Slack's error code (or the exception's type) for logs and messages; never its text."""
    return classify(exc).error


# errors a listener may get from a Web API call: Slack's, the SDK's, and the network's
CALL_ERRORS = (SlackClientError, OSError, http.client.HTTPException)
