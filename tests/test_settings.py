"""Settings come from the environment only in entry points; bad values say which and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UserError
from bot.settings import Settings


def test_defaults_and_overrides() -> None:
    s = Settings.from_env({})
    assert s.database_url.startswith("sqlite:///") and s.conversation_ttl_minutes == 30
    s = Settings.from_env(
        {
            "DATABASE_URL": "postgresql+psycopg://u@h/db",
            "HINTBOT_CONVERSATION_TTL_MINUTES": "45",
            "HINTBOT_BASE_YEAR": "2020",
            "HINTBOT_CACHE_DIR": "/tmp/c",
            "HINTBOT_DEMO_SAMPLE": "0",
        }
    )
    assert (s.database_url, s.conversation_ttl_minutes, s.base_year) == (
        "postgresql+psycopg://u@h/db",
        45,
        2020,
    )
    assert s.cache_dir == Path("/tmp/c") and s.demo_sample is False


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HINTBOT_CONVERSATION_TTL_MINUTES", "abc"),
        ("HINTBOT_CONVERSATION_TTL_MINUTES", "0"),
        ("HINTBOT_BASE_YEAR", "2027"),
        ("HINTBOT_BASE_YEAR", "2040"),
        ("HINTBOT_DIGEST_DAYS_BEFORE", "-1"),
        ("HINTBOT_DIGEST_LEASE_MINUTES", "0"),
    ],
)
def test_bad_values_name_the_variable(key: str, value: str) -> None:
    with pytest.raises(UserError) as exc:
        Settings.from_env({key: value})
    assert key in str(exc.value) and repr(value) in str(exc.value)
