"""Where state lives: one documented folder, owner-only files, the same from any directory."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT, Settings
from bot.storage.db import default_home

ENV_KEYS = (
    "DATABASE_URL",
    "HINTBOT_HOME",
    "XDG_DATA_HOME",
    "HINTBOT_CACHE_DIR",
    "HINTBOT_CHART_DIR",
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_chat(cwd: Path, env_extra: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(env_extra, PYTHONPATH=str(ROOT))
    line = json.dumps({"user": "u", "text": "協議体がお客様状態で困っている"}, ensure_ascii=False)
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--json"],
        input=line + "\n", capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
        check=True,
    )  # fmt: skip
    assert json.loads(out.stdout.splitlines()[0])["card"] == "02"


def test_the_default_is_the_per_user_data_folder_whatever_the_directory(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_chat(elsewhere, {"HOME": str(home)})
    state = home / ".local" / "share" / "hintbot"
    db = state / "hintbot.sqlite3"
    assert db.exists() and mode(db) == 0o600
    assert mode(state) == 0o700 and mode(state / "cache") == 0o700
    assert list(elsewhere.iterdir()) == []  # nothing written where the command ran
    # a second run from another directory continues on the same state, not a fork
    other = tmp_path / "other"
    other.mkdir()
    run_chat(other, {"HOME": str(home)})
    assert list(other.iterdir()) == [] and sorted(p.name for p in state.iterdir())[0] == "cache"


def test_hintbot_home_moves_all_state(tmp_path: Path) -> None:
    run_chat(tmp_path, {"HOME": str(tmp_path / "h"), "HINTBOT_HOME": str(tmp_path / "state")})
    assert (tmp_path / "state" / "hintbot.sqlite3").exists()
    assert not (tmp_path / "h").exists()


def test_settings_resolve_every_path_from_home(tmp_path: Path) -> None:
    s = Settings.from_env({"HINTBOT_HOME": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path}/hintbot.sqlite3"
    assert (s.chart_dir, s.cache_dir) == (tmp_path / "charts", tmp_path / "cache")
    assert default_home({"XDG_DATA_HOME": "/x"}, platform="linux") == Path("/x/hintbot")
    assert default_home({}, platform="darwin").parts[-3:] == (
        "Library",
        "Application Support",
        "hintbot",
    )


def test_charts_are_owner_only(tmp_path: Path) -> None:
    from analytics.chart_spec import BarChart
    from analytics.charts import render

    chart = BarChart(title="t", labels=("a", "b"), values=(1.0, 2.0), unit="人", note="")
    path = render(chart, tmp_path / "charts")
    assert mode(path) == 0o600 and mode(tmp_path / "charts") == 0o700
