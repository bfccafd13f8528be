"""Generate the demo survey answers: ``python -m bot.survey.sample_gen`` rewrites
``data/sample/survey_sample.csv`` byte for byte (fixed seed).

The values are invented, for the four prefectures that asked for the survey in the demo
(大阪府・兵庫県・奈良県・和歌山県), and follow the report's stated findings: most municipalities
feel every item applies; 担い手（受け皿）の確保 is the strongest, then 事業者の意識・負担・人員不足;
移動支援ニーズへの対応, 市民の意識醸成, 利用者の自立支援への意識づけ and 自治体の負担 are strong.
The file says it is sample data twice: a header comment and a ``sample`` column.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
from pathlib import Path

from bot.survey.definition import load_survey
from bot.survey.places import load_places

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "sample" / "survey_sample.csv"
SEED = 20200806  # the first 検討会 (令和2年8月6日)
SAMPLE_PREFS = ("27", "28", "29", "30")  # 大阪府, 兵庫県, 奈良県, 和歌山県
RESPONSE_RATE = 0.88
HEADER_COMMENT = (
    "# サンプルデータ（架空の値）: 市町村課題認識アンケートのデモ用です。実在の回答ではありません。"
    f"python -m bot.survey.sample_gen（seed={SEED}）で生成。"
)
# item -> (share answering 「当てはまる」 or stronger, share of those answering 「とても」)
PROFILE: dict[str, tuple[float, float]] = {
    "q01": (0.74, 0.22),
    "q02": (0.86, 0.40),  # 自治体の負担: strong
    "q03": (0.78, 0.25),
    "q04": (0.80, 0.26),
    "q05": (0.89, 0.42),  # 移動支援ニーズへの対応: strong
    "q06": (0.97, 0.66),  # 担い手（受け皿）の確保: the strongest
    "q07": (0.88, 0.38),  # 市民の意識醸成: strong
    "q08": (0.77, 0.22),
    "q09": (0.72, 0.20),
    "q10": (0.70, 0.20),
    "q11": (0.73, 0.22),
    "q12": (0.79, 0.26),
    "q13": (0.87, 0.36),  # 利用者の自立支援への意識づけ: strong
    "q14": (0.93, 0.52),  # 事業者の意識・負担・人員不足: second
    "q15": (0.75, 0.22),
    "q16": (0.58, 0.18),
    "q17": (0.80, 0.30),
    "q18": (0.72, 0.20),
    "q19": (0.66, 0.18),
    "q20": (0.68, 0.18),
    "q21": (0.56, 0.15),
    "q22": (0.62, 0.18),
    "q23": (0.60, 0.20),
    "q24": (0.78, 0.26),
    "q25": (0.74, 0.24),
}


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def generate(root: Path = ROOT) -> str:
    """The CSV text (UTF-8), deterministic for the seed, the survey and the master."""
    survey = load_survey(root / "knowledge")
    places = load_places(root / "data")
    rng = random.Random(SEED)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    buf.write(HEADER_COMMENT + "\n")
    w.writerow(
        [
            "市区町村コード",
            "府県",
            "市町村名",
            "sample",
            *(f"{it.n}. {it.text}" for it in survey.items),
        ]
    )
    for pc in SAMPLE_PREFS:
        for m in places.munis_of(pc):
            answers = rng.random() < RESPONSE_RATE
            z = rng.gauss(0, 0.45)  # the municipality's overall sense of difficulty
            row = [m.code5, m.pref_name, m.name, "1"]
            if not answers:
                continue
            for it in survey.items:
                applies_p, strong_p = PROFILE[it.id]
                p = _sigmoid(_logit(applies_p) + z)
                if rng.random() < p:
                    value = 1 if rng.random() < strong_p else 2
                else:
                    value = 3 if rng.random() < 0.65 else 4
                row.append(str(value))
            w.writerow(row)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="サンプルのアンケート回答（架空の値）を生成します")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="ファイルが生成結果と同じか確かめます")
    args = ap.parse_args(argv)
    text = generate()
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("同じです" if same else "異なります")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out} を書き出しました。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
