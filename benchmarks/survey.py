"""Survey digest figures for ``make bench``: aggregation and digest composition, charts included.

Two runs on synthetic answers (fixed seed) in a fresh in-memory database:
- the 7 Kinki prefectures, all 215 municipalities × 25 items, 7 digests (target < 2 s);
- every municipality nationwide (1,741) grouped into its own prefecture, 47 digests
  (target < 10 s).
Each run reads the answers from the database, summarises every prefecture and the region,
composes each digest and renders its chart PNG (no chart cache: a new folder per run). The
matplotlib import is included in the first run (as in a fresh ``hintbot clock``).
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from analytics.geo import KINKI_PREFS
from bot.settings import Settings
from bot.storage.conversations import Store
from bot.storage.db import make_engine
from bot.storage.schema import create_schema
from bot.survey.answers import NewResponse
from bot.survey.compose import DigestComposer
from bot.survey.context import SurveyContext
from bot.survey.places import load_places

SEED = 20201202
NOW = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def _run(pref_codes: tuple[str, ...] | None, chart_dir: Path) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, municipalities, digests) for one area."""
    settings = Settings(database_url="sqlite://", chart_dir=chart_dir, cache_dir=None)
    base = load_places(settings.data_dir)
    codes = pref_codes or tuple(sorted(base.geo.prefs))
    places = replace(base, pref_codes=codes)
    engine = make_engine("sqlite://")
    create_schema(engine)
    try:
        ctx = SurveyContext(settings, engine, places=places)
        rng = random.Random(SEED)
        responses = []
        for pc in codes:
            for m in places.munis_of(pc):
                answers = {it.id: rng.choice((1, 2, 2, 3, 4)) for it in ctx.survey.items}
                responses.append(NewResponse(m.code5, pc, answers))
        ctx.answers.add(responses, source="import")
        service = DigestComposer(ctx, Store(engine))
        start = time.perf_counter()
        cpu = time.process_time()
        summaries = service.summaries(list(codes))
        for pc in codes:
            composed = service.compose(pc, NOW, summaries=summaries, reuse_chart=False)
            assert composed.chart_path is not None and composed.chart_path.exists()
        elapsed = time.perf_counter() - start
        return elapsed, time.process_time() - cpu, len(responses), len(codes)
    finally:
        engine.dispose()


def run_bench() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        kinki_s, kinki_cpu, kinki_n, kinki_d = _run(KINKI_PREFS, Path(tmp) / "kinki")
        warm_s, warm_cpu, _, _ = _run(KINKI_PREFS, Path(tmp) / "kinki-warm")
        nation_s, nation_cpu, nation_n, nation_d = _run(None, Path(tmp) / "nation")
    # CPU seconds are reported too: on a busy machine wall time includes waiting for a core
    return {
        "kinki_municipalities": float(kinki_n),
        "kinki_digests": float(kinki_d),
        "kinki_digests_with_charts_s": kinki_s,
        "kinki_digests_with_charts_cpu_s": kinki_cpu,
        "kinki_digests_with_charts_warm_s": warm_s,
        "kinki_digests_with_charts_warm_cpu_s": warm_cpu,
        "nation_municipalities": float(nation_n),
        "nation_digests": float(nation_d),
        "nation_digests_with_charts_s": nation_s,
        "nation_digests_with_charts_cpu_s": nation_cpu,
    }


if __name__ == "__main__":
    for k, v in run_bench().items():
        print(f"{k}: {v:.3f}")
