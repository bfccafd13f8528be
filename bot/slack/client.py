"""Web API client and configuration checks for the Slack adapter.

Settings are checked up front so a missing token is a clear Japanese message naming the
environment variable, not a traceback from deep inside the SDK.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.settings import Settings

DEFAULT_API_URL = WebClient.BASE_URL


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


def add_rate_limit_retry(client: WebClient, max_retry_count: int = 3) -> WebClient:
    """Retry HTTP 429 answers after ``Retry-After`` instead of dropping a reply."""
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=max_retry_count))
    return client


def make_web_client(settings: Settings) -> WebClient:
    require(settings, "slack_bot_token")
    client = WebClient(token=settings.slack_bot_token, base_url=api_url(settings), timeout=15)
    return add_rate_limit_retry(client)
