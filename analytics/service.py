"""``DataService``: the engine's ``DataAnswerer`` for indicator questions.

Loads the catalog, the municipality index and every table once per process; imported values
are re-read from the database only when a new import has happened since the last answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from analytics.answers.dispatch import Answerer
from analytics.catalog import Catalog
from analytics.geo import NATION_WORDS, REGION_WORDS, Gazetteer
from analytics.query import (
    COMPARE_WORDS,
    HELP_WORDS,
    META_WORDS,
    PLACE_LIKE,
    SERIES_WORDS,
    SHEET_WORDS,
    STATS_WORDS,
    VIEW_ANY,
    VIEW_BEN,
    VIEW_PREV,
    WORRY_WORDS,
    Parser,
    text_views,
)
from analytics.table_cache import load_tables
from analytics.tables import DataStore
from bot.core.replies import DataReply
from bot.settings import Settings
from bot.storage.schema import ensure_schema
from bot.text.prepared import Prepared

# The detector keeps its own, narrower pattern words: the parser reads more forms (多く,
# 安い, 二つ …) once a text is known to be a data question, but in a worry those words are
# everyday language (「参加者が少なくて困っている」)
DETECT_RANK = re.compile(
    r"高い|低い|多い|少ない|大きい|小さい|トップ|上位|下位|ワースト|ベスト|ランキング|順に|並べ|"
    r"高め|低め|ランク"
)
DETECT_TOP_N = re.compile(
    r"(?:トップ|上位|下位|ベスト|ワースト)(\d{1,3})|(\d{1,3})(?:つ|位まで|市町村|団体|自治体|件|か所|カ所|ヶ所|市町)"
)
DETECT_POSITION = re.compile(r"順位|何位|位置|パーセンタイル|立ち位置|何番目|中で|内で|県内|府内")
# A number asked for: with a place, even the everyday short forms (後期高齢者, 高齢者) are data
NUMBER_ASK = re.compile(r"何人|何%|何パーセント|何割|人数は|数は|何位|何番目|ランキング|推移は")
QUESTION_TAIL = re.compile(r"[?？]$|は$|教えて|知りたい|見せて|出して|ください")


@dataclass(frozen=True)
class StatusRow:
    indicator: str
    name: str
    source: str
    years: tuple[int, ...]
    coverage: int  # municipalities with a value (Kinki) in the latest year
    coverage_total: int
    kind: str  # 実データ / サンプル / 取込


class DataService:
    """Implements ``bot.core.ports.DataAnswerer``."""

    def __init__(self, settings: Settings, engine: Engine, answerer: Answerer) -> None:
        self.settings = settings
        self.engine = engine
        self.answerer = answerer

    # ------------------------------------------------------------------ load
    @classmethod
    def load(cls, settings: Settings, engine: Engine) -> DataService:
        data_dir = Path(settings.data_dir)
        tables = load_tables(data_dir, settings.base_year, settings.cache_dir)
        catalog, geo = tables.catalog, tables.geo
        store = DataStore(catalog, geo, settings.base_year, tables.real, tables.sample)
        ensure_schema(engine)
        store.refresh_imported(engine, force=True)
        answerer = Answerer(
            catalog=catalog,
            geo=geo,
            store=store,
            parser=Parser(catalog, geo, settings.base_year),
            chart_dir=Path(settings.chart_dir),
            data_dir=data_dir,
        )
        return cls(settings, engine, answerer)

    @property
    def catalog(self) -> Catalog:
        return self.answerer.catalog

    @property
    def geo(self) -> Gazetteer:
        return self.answerer.geo

    @property
    def store(self) -> DataStore:
        return self.answerer.store

    # ---------------------------------------------------------------- detect
    def detect(self, text: str | Prepared) -> float:
        """How likely ``text`` asks for indicator data (the engine routes to data at ≥ 0.5).

        Data = (a place, or a ranking/comparison/average pattern) AND (an indicator, or a
        meta word such as 指標・一覧・推計). Worries mention the same words, so an indicator
        alone or a place alone stays below 0.5.
        """
        t = text_views(text)[1]
        if len(t) < 2:
            return 0.0
        parser = self.answerer.parser
        inds = parser.find_indicators(t, catalog_only=True)
        hits = self.geo.scan(t)
        has_place = (
            any(h.kind in ("muni", "gun", "pref") for h in hits)
            or any(w in t for w in (*REGION_WORDS, *NATION_WORDS))
            or bool(PLACE_LIKE.search(t))
        )
        has_pattern = bool(
            DETECT_RANK.search(t)
            or DETECT_TOP_N.search(t)
            or COMPARE_WORDS.search(t)
            or STATS_WORDS.search(t)
            or DETECT_POSITION.search(t)
        )
        has_ind = bool(inds)
        has_meta = bool(META_WORDS.search(t) or SHEET_WORDS.search(t))
        viewpoint = bool(VIEW_PREV.search(t) or VIEW_BEN.search(t) or VIEW_ANY.search(t))
        worry = bool(WORRY_WORDS.search(t))
        # 「何が聞ける？」「どんな指標がある？」 are short questions; a long text that mentions
        # 指標 while describing a problem is a worry
        if (
            HELP_WORDS.search(t)
            and ("聞" in t or "指標" in t or "データ" in t)
            and len(t) <= 30
            and not worry
        ):
            return 0.8 if ("指標" in t or "データ" in t) else 0.6
        score = 0.0
        if has_ind and (has_place or has_pattern):
            score = 0.9
        elif has_place and NUMBER_ASK.search(t) and parser.find_indicators(t):
            score = 0.7
        elif viewpoint and (has_place or "市町村" in t):
            score = 0.85
        elif has_place and has_meta:
            score = 0.8
        elif has_ind and (SERIES_WORDS.search(t) or QUESTION_TAIL.search(t)):
            score = 0.45
        elif has_ind or has_place:
            score = 0.25
        if worry and score >= 0.5:
            score -= 0.25
        return max(0.0, min(1.0, score))

    # ---------------------------------------------------------------- answer
    def answer(self, text: str | Prepared, *, render_charts: bool = True) -> DataReply:
        self.store.refresh_imported(self.engine)
        return self.answerer.answer(text, render=render_charts)

    def choose(self, option_id: str, context: Mapping[str, Any]) -> DataReply:
        """Continue a follow-up: a municipality (data:muni:CODE), an indicator
        (data:ind:ID) or the municipality sheet (data:sheet)."""
        q = context.get("q") if context else None
        if not isinstance(q, str) or not option_id.startswith("data:"):
            return DataReply(
                text="前の質問が見つかりませんでした。もう一度、質問を入力してください。"
            )
        forced = dict(context.get("forced") or {})
        fi = tuple(context.get("fi") or ())
        parts = option_id.split(":")
        self.store.refresh_imported(self.engine)
        if len(parts) == 3 and parts[1] == "muni" and parts[2] in self.geo.munis:
            span = context.get("span")
            if not isinstance(span, str):
                return DataReply(
                    text="どの名前についての選択か分かりませんでした。もう一度質問してください。"
                )
            forced[span] = parts[2]  # a ward keeps its code: its table may have ward rows
            return self.answerer.answer(q, forced=forced, forced_indicators=fi)
        if len(parts) == 3 and parts[1] == "ind":
            try:
                self.catalog.get(parts[2])
            except KeyError:
                return DataReply(text=f"指標「{parts[2]}」は見つかりませんでした。")
            return self.answerer.answer(q, forced=forced, forced_indicators=(parts[2],))
        if option_id == "data:sheet":
            return self.answerer.answer(q + " 指標一覧", forced=forced)
        return DataReply(text="この選択肢は使えません。もう一度、質問を入力してください。")

    # ---------------------------------------------------------------- status
    def status(self) -> list[StatusRow]:
        """Each indicator with source, years, Kinki coverage and whether values are real."""
        from analytics.geo import KINKI_PREFS

        self.store.refresh_imported(self.engine)
        kinki = self.geo.units_in(KINKI_PREFS)
        rows: list[StatusRow] = []
        for ind in self.catalog.indicators:
            years = tuple(self.store.years(ind.id))
            s = self.store.series(ind.id, years[-1]) if years else None
            cov = sum(1 for c in kinki if s is not None and s.values.get(c) is not None)
            layer = self.store.layer(ind.id)
            if layer is self.store.imported:
                kind = (
                    "取込（サンプル）"
                    if s is not None and s.sample
                    else f"取込: {s.origin if s else ''}"
                )
            elif layer is self.store.real:
                kind = "実データ"
            else:
                kind = "サンプル（架空の値）" if years else "データなし"
            rows.append(
                StatusRow(
                    ind.id,
                    ind.name,
                    self.catalog.sources[ind.source].short,
                    years,
                    cov,
                    len(kinki),
                    kind,
                )
            )
        return rows
