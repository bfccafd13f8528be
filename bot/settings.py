"""Typed settings. The environment is read only in entry points (``from_env``) and the
resulting object is passed down, so library code and tests never depend on ``os.environ``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.errors import UserError
from bot.storage.db import default_home, default_url

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """``home`` is the one folder of state (database, cache, charts) unless each is set on its
    own; it never depends on the directory a command runs from."""

    home: Path = field(default_factory=default_home)
    database_url: str = ""  # "" → sqlite:///<home>/hintbot.sqlite3
    knowledge_dir: Path = ROOT / "knowledge"
    data_dir: Path = ROOT / "data"
    chart_dir: Path = Path()  # Path() → <home>/charts
    # built matcher index (rebuilt whenever the knowledge or the code changes); None: no cache
    cache_dir: Path | None = Path()  # Path() → <home>/cache
    conversation_ttl_minutes: int = 30
    # the review queue's texts (personal data) are deleted after this many days
    review_retention_days: int = 180
    # Slack (only the serve commands need these)
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = None
    # Indicators: the start of 「今後10年」 (2025 → 2035 by default)
    base_year: int = 2025
    # Survey digests: weekly time, days before each 検討会, catch-up window, time zone
    digest_weekly: str = "mon 09:00"
    digest_days_before: int = 3
    digest_grace_hours: int = 12
    # a slot still "posting" this long after its claim is stale: the clock reconciles it with
    # the channel history (fractions allowed, for tests and the bench)
    digest_lease_minutes: float = 10.0
    timezone: str = "Asia/Tokyo"
    # load the bundled sample survey (marked as sample) into an empty database, for the demo
    demo_sample: bool = True
    # The durable reply path (README 「確実に届けるための仕組み」; fractions allowed):
    # a worker holds an answer it is making for this long (renewed before posting); a dead
    # worker's answers are taken over by another once it runs out
    reply_lease_seconds: float = 45.0
    # how often each serving process looks for answers left unposted
    reply_sweep_seconds: float = 5.0
    # the longest wait between two attempts at one answer (backoff 1, 2, 4 … seconds)
    reply_retry_max_seconds: float = 60.0
    # an answer still unposted this long after its event is given up (the person is told)
    reply_give_up_minutes: float = 15.0
    # HTTP: the largest request body read (bytes); larger ones are refused unread with 413.
    # Slack's largest payloads (a modal's submission) are far below it
    max_body_bytes: int = 1_048_576

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_url(self.home))
        if self.chart_dir == Path():
            object.__setattr__(self, "chart_dir", self.home / "charts")
        if self.cache_dir == Path():
            object.__setattr__(self, "cache_dir", self.home / "cache")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        s = cls(home=default_home(env))
        updates: dict[str, object] = {}
        if env.get("DATABASE_URL"):
            updates["database_url"] = env["DATABASE_URL"]
        if env.get("HINTBOT_KNOWLEDGE_DIR"):
            updates["knowledge_dir"] = Path(env["HINTBOT_KNOWLEDGE_DIR"])
        if env.get("HINTBOT_DATA_DIR"):
            updates["data_dir"] = Path(env["HINTBOT_DATA_DIR"])
        if env.get("HINTBOT_CHART_DIR"):
            updates["chart_dir"] = Path(env["HINTBOT_CHART_DIR"])
        if env.get("HINTBOT_CACHE_DIR"):
            updates["cache_dir"] = Path(env["HINTBOT_CACHE_DIR"])
        if env.get("HINTBOT_CONVERSATION_TTL_MINUTES"):
            updates["conversation_ttl_minutes"] = _whole(env, "HINTBOT_CONVERSATION_TTL_MINUTES", 1)
        if env.get("HINTBOT_REVIEW_RETENTION_DAYS"):
            updates["review_retention_days"] = _whole(env, "HINTBOT_REVIEW_RETENTION_DAYS", 1)
        if env.get("HINTBOT_BASE_YEAR"):
            year = _whole(env, "HINTBOT_BASE_YEAR", 2015)
            if year > 2035 or year % 5:
                raise UserError(
                    "HINTBOT_BASE_YEAR は推計のある年（2015〜2035 の5年ごと。10年後が2045年まで）で"
                    f"指定してください（値: {env['HINTBOT_BASE_YEAR']!r}）。"
                )
            updates["base_year"] = year
        if env.get("HINTBOT_DIGEST_WEEKLY"):
            updates["digest_weekly"] = env["HINTBOT_DIGEST_WEEKLY"]
        if env.get("HINTBOT_DEMO_SAMPLE"):
            updates["demo_sample"] = env["HINTBOT_DEMO_SAMPLE"].strip().lower() not in (
                "0", "false", "no", "off",
            )  # fmt: skip
        if env.get("HINTBOT_DIGEST_LEASE_MINUTES"):
            raw = env["HINTBOT_DIGEST_LEASE_MINUTES"].strip()
            try:
                lease = float(raw)
            except ValueError:
                lease = -1.0
            if not 0 < lease < float("inf"):
                raise UserError(
                    f"HINTBOT_DIGEST_LEASE_MINUTES は 0 より大きい数（分）で指定してください（値: {raw!r}）。"
                )
            updates["digest_lease_minutes"] = lease
        for key, attr in (
            ("HINTBOT_REPLY_LEASE_SECONDS", "reply_lease_seconds"),
            ("HINTBOT_REPLY_SWEEP_SECONDS", "reply_sweep_seconds"),
            ("HINTBOT_REPLY_RETRY_MAX_SECONDS", "reply_retry_max_seconds"),
            ("HINTBOT_REPLY_GIVE_UP_MINUTES", "reply_give_up_minutes"),
        ):
            if env.get(key):
                updates[attr] = _positive(env, key)
        if env.get("HINTBOT_MAX_BODY_BYTES"):
            updates["max_body_bytes"] = _whole(env, "HINTBOT_MAX_BODY_BYTES", 1024)
        if env.get("HINTBOT_TIMEZONE"):
            updates["timezone"] = env["HINTBOT_TIMEZONE"]
        for key, attr in (
            ("HINTBOT_DIGEST_DAYS_BEFORE", "digest_days_before"),
            ("HINTBOT_DIGEST_GRACE_HOURS", "digest_grace_hours"),
        ):
            if env.get(key):
                updates[attr] = _whole(env, key, 0)
        for key, attr in (
            ("SLACK_BOT_TOKEN", "slack_bot_token"),
            ("SLACK_APP_TOKEN", "slack_app_token"),
            ("SLACK_SIGNING_SECRET", "slack_signing_secret"),
            ("SLACK_API_URL", "slack_api_url"),
        ):
            if env.get(key):
                updates[attr] = env[key]
        return replace(s, **updates)  # type: ignore[arg-type]


def _whole(env: Mapping[str, str], key: str, minimum: int) -> int:
    """An integer setting; a bad value stops start-up with a message naming the variable."""
    raw = env[key].strip()
    if not raw.isdigit() or int(raw) < minimum:
        raise UserError(f"{key} は {minimum} 以上の整数で指定してください（値: {env[key]!r}）。")
    return int(raw)


def _positive(env: Mapping[str, str], key: str) -> float:
    """A positive number setting (fractions allowed); a bad value names the variable."""
    raw = env[key].strip()
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise UserError(f"{key} は 0 より大きい数で指定してください（値: {raw!r}）。")
    return value
