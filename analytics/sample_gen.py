"""Generate the demo sample for indicators that have no public file (見える化, surveys).

The values are invented (fixed seed, plausible ranges, loosely tied to each municipality's real
後期高齢化率 so charts look like real data) and are marked as sample in the file itself: a
header comment and a ``sample`` column. Run ``python -m analytics.sample_gen`` to rewrite
``data/sample/indicators_sample.csv`` byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
from pathlib import Path

from analytics.catalog import load_catalog
from analytics.geo import KINKI_PREFS, Gazetteer
from analytics.tables import RAW_FILES, load_real

SEED = 20201202  # the third 検討会 (令和2年12月2日)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HEADER_COMMENT = (
    "# サンプルデータ（架空の値）: 見える化・総合事業調査・ニーズ調査の指標のデモ用です。"
    f"実在の統計ではありません。python -m analytics.sample_gen（seed={SEED}）で生成。"
)
# Care-level shares of the total adjusted certification rate.
CARE_SHARES = {
    "cert_rate_s1": 0.14,
    "cert_rate_s2": 0.14,
    "cert_rate_c1": 0.20,
    "cert_rate_c2": 0.17,
    "cert_rate_c3": 0.13,
    "cert_rate_c4": 0.12,
    "cert_rate_c5": 0.10,
}
# (mean, sd, min, max, weight of the ageing signal)
PLAIN: dict[str, tuple[float, float, float, float, float]] = {
    "premium": (6100, 550, 4800, 8200, 0.3),
    "benefit_facility": (9200, 1300, 6000, 13500, 0.4),
    "benefit_home": (12600, 1500, 8500, 17000, -0.1),
    "capacity_facility": (33, 6, 18, 55, 0.4),
    "capacity_daycare": (24, 5, 10, 40, 0.2),
    "visits_home_care": (24, 5, 10, 40, -0.2),
    "visits_daycare": (10.5, 1.2, 7, 14, 0.1),
    "kayoi_rate": (6.5, 2.8, 1.0, 16.0, 0.3),
    "short_prev_sites": (0.8, 0.7, 0.0, 3.5, 0.2),
}
SURVEY: dict[str, tuple[float, float, float, float, float]] = {
    "sports_group": (22, 4, 10, 35, -0.4),
    "hobby_group": (31, 4, 18, 45, -0.3),
    "volunteer_group": (12, 3, 4, 22, 0.1),
    "study_group": (8, 2, 3, 15, -0.3),
    "motor_decline": (14, 2.5, 7, 22, 0.5),
    "fall_rate": (32, 3, 22, 42, 0.4),
    "homebound": (19, 3.5, 9, 30, 0.6),
    "forgetful": (44, 3, 35, 55, 0.4),
    "teeth19": (47, 4, 35, 60, 0.5),
    "risk_score": (2.9, 0.3, 2.0, 4.0, 0.5),
    "obesity": (24, 2.5, 16, 32, 0.0),
    "living_alone": (18, 4, 8, 30, 0.2),
    "good_health": (79, 3, 68, 88, -0.4),
    "happiness": (47, 4, 36, 58, -0.2),
}
YEARS = {"kayoi_rate": 2018}
DEFAULT_YEAR = 2019
# Small areas (日常生活圏域) for the municipalities named in the report, to show area answers.
AREAS = {"27211": 4, "29426": 2, "30428": 2, "28205": 3}


def _draw(rng: random.Random, spec: tuple[float, float, float, float, float], z: float) -> float:
    mean, sd, lo, hi, w = spec
    v = mean + sd * (w * z + (1 - abs(w)) * rng.gauss(0, 1))
    return min(hi, max(lo, v))


def generate(data_dir: Path = DATA_DIR) -> list[dict[str, str]]:
    """Rows of the sample file, deterministic for a given seed and raw data."""
    rng = random.Random(SEED)
    catalog = load_catalog(data_dir / RAW_FILES["catalog"])
    dec = {i.id: i.decimals for i in catalog.indicators}
    geo = Gazetteer.from_csv(data_dir / RAW_FILES["master"])
    real = load_real(data_dir, geo, 2025)
    late = real[("late_aging_rate", 2020)].values
    codes = sorted(geo.units_in(KINKI_PREFS))
    known = [v for c in codes if (v := late.get(c)) is not None]
    mu, sd = statistics.mean(known), statistics.pstdev(known)
    rows: list[dict[str, str]] = []

    def emit(code: str, area: str, ind: str, value: float) -> None:
        m = geo.munis[code]
        rows.append(
            {
                "code": code,
                "pref_name": m.pref_name,
                "name": m.name,
                "area": area,
                "indicator": ind,
                "year": str(YEARS.get(ind, DEFAULT_YEAR)),
                "value": f"{value:.{dec[ind]}f}",
                "sample": "1",
            }
        )

    for code in codes:
        v = late.get(code)
        z = 0.0 if v is None else (v - mu) / sd
        osaka = 1.0 if code.startswith("27") else 0.0
        total = min(27.0, max(13.0, 19.0 + 1.0 * z + 1.2 * osaka + rng.gauss(0, 1.3)))
        emit(code, "", "cert_rate", total)
        for ind, share in CARE_SHARES.items():
            emit(code, "", ind, total * share * rng.uniform(0.88, 1.12))
        for ind, spec in PLAIN.items():
            val = _draw(rng, spec, z)
            if ind == "short_prev_sites" and rng.random() < 0.3:
                val = 0.0
            emit(code, "", ind, val)
        for ind, spec in SURVEY.items():
            emit(code, "", ind, _draw(rng, spec, z))
        for n in range(1, AREAS.get(code, 0) + 1):
            for ind, spec in SURVEY.items():
                emit(code, f"第{n}圏域（サンプル）", ind, _draw(rng, spec, z + rng.gauss(0, 0.8)))
    return rows


def write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER_COMMENT + "\n")
        w = csv.DictWriter(
            f,
            fieldnames=[
                "code",
                "pref_name",
                "name",
                "area",
                "indicator",
                "year",
                "value",
                "sample",
            ],
            lineterminator="\n",
        )
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="サンプル指標（架空の値）を生成します。")
    p.add_argument("--out", type=Path, default=DATA_DIR / RAW_FILES["sample"])
    a = p.parse_args(argv)
    rows = generate()
    write(a.out, rows)
    print(f"{a.out} に {len(rows)} 行を書きました（サンプルデータ・架空の値）。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
