"""Municipality brief timings: ``python -m benchmarks.brief`` prints them as JSON.

On a fresh SQLite database with the demo survey answers (sample) and a visit record:
- ``one``: one brief (茨木市) composed, written as text and as a PDF, in a process that has
  loaded the service (target < 2 s); the first PDF includes matplotlib's import and the font;
- ``one_command``: ``hintbot brief 茨木市 --pdf FILE`` as a new process, start to exit;
- ``nara``: the 39 municipalities of 奈良県 in one PDF with a contents page (target < 30 s);
- ``region``: all 215 municipalities of the 7 prefectures in one PDF (reported).
Each PDF is written to a temporary folder; pages and sizes are reported beside the seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bot.brief.pdf import write_pdf
from bot.brief.service import BriefService
from bot.brief.text import plain
from bot.settings import Settings
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from bot.survey.importer import import_survey

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "survey_sample.csv"
TODAY = date(2026, 12, 1)


def _service(url: str) -> tuple[BriefService, float]:
    settings = Settings(database_url=url, cache_dir=None, demo_sample=False)
    engine = make_engine(url)
    create_schema(engine)
    t0 = time.perf_counter()
    svc = BriefService.load(settings, engine)
    loaded = time.perf_counter() - t0
    import_survey(svc.survey.answers, svc.survey.survey, svc.survey.places, SAMPLE, sample=True)
    svc.add_visit("27211", date(2026, 10, 1), "協議体の運営状況を確認", by="U0BENCH")
    return svc, loaded


def _pdf(svc: BriefService, codes: list[str], path: Path, title: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    briefs = svc.briefs(codes, today=TODAY)
    composed = time.perf_counter() - t0
    pages = write_pdf(briefs, path, title=title)
    total = time.perf_counter() - t0
    return {
        "municipalities": len(codes),
        "pages": pages,
        "compose_s": round(composed, 3),
        "seconds": round(total, 2),
        "per_municipality_s": round(total / len(codes), 3),
        "mb": round(path.stat().st_size / 1e6, 2),
    }


def run_bench(region: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder}/bench.sqlite3"
        svc, loaded = _service(url)
        out["service_load_s"] = round(loaded, 3)
        for label in ("one", "one_again"):
            t0 = time.perf_counter()
            brief = svc.brief("27211", today=TODAY)
            text = plain(brief)
            t1 = time.perf_counter()
            pages = write_pdf([brief], folder / f"{label}.pdf")
            t2 = time.perf_counter()
            out[label] = {
                "text_s": round(t1 - t0, 3),
                "pdf_s": round(t2 - t1, 3),
                "seconds": round(t2 - t0, 3),
                "pages": pages,
                "chars": len(text),
                "target_s": 2.0,
            }
        env = {**os.environ, "DATABASE_URL": url, "HINTBOT_DEMO_SAMPLE": "0"}
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "brief", "茨木市", "--pdf", str(folder / "cmd.pdf")],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        out["one_command"] = {"seconds": round(time.perf_counter() - t0, 2)}
        nara = svc.municipalities([svc.prefecture("奈良県")])
        out["nara"] = {
            **_pdf(svc, nara, folder / "nara.pdf", "市町村支援ブリーフ 奈良県"),
            "target_s": 30.0,
        }
        if region:
            every = svc.municipalities()
            out["region"] = _pdf(svc, every, folder / "region.pdf", "市町村支援ブリーフ 近畿2府5県")
        svc.survey.engine.dispose()
    return out


def main() -> int:
    print(json.dumps(run_bench(region="--no-region" not in sys.argv), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def run_short() -> dict[str, Any]:
    """The ``make bench`` section: one brief and 奈良県; the 215 stay with ``python -m benchmarks.brief``."""
    return run_bench(region=False)
