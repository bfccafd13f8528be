"""Fixtures for the analytics tests: services on in-memory SQLite, never the shared folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.service import DataService
from bot.settings import ROOT, Settings
from tests.dbutil import fresh_engine

DATA = ROOT / "data"


def make_service(chart_dir: Path) -> DataService:
    settings = Settings(database_url="sqlite://", data_dir=DATA, chart_dir=chart_dir)
    return DataService.load(settings, fresh_engine())


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> DataService:
    """One shared service for read-only questions (tables load once, as in production)."""
    return make_service(tmp_path_factory.mktemp("charts"))


@pytest.fixture
def fresh_service(tmp_path: Path) -> DataService:
    """A service with its own empty database, for imports."""
    return make_service(tmp_path / "charts")
