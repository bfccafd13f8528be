"""The brief and visit records over one database: what the command line and Slack call.

``BriefService`` resolves names, composes briefs (one, a prefecture's, or the region's) and
keeps visit records. It checks no roles: the command line runs as an operator, and Slack asks
``bot.brief.access`` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Engine

from analytics.service import DataService
from bot.brief.compose import BriefComposer
from bot.brief.model import Brief
from bot.brief.places import resolve
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.settings import Settings
from bot.storage.conversations import Store
from bot.storage.visits import Visit, VisitStore
from bot.survey.context import SurveyContext


class BriefService:
    def __init__(
        self,
        data: DataService,
        survey: SurveyContext,
        kb: KnowledgeBase,
        consultations: Store,
    ) -> None:
        self.data = data
        self.survey = survey
        self.kb = kb
        self.visits = VisitStore(survey.engine)
        self.composer = BriefComposer(data.store, survey, kb, consultations, self.visits)

    @classmethod
    def load(
        cls,
        settings: Settings,
        engine: Engine,
        *,
        kb: KnowledgeBase | None = None,
        data: DataService | None = None,
        survey: SurveyContext | None = None,
    ) -> BriefService:
        """Everything from ``settings`` on ``engine`` (the schema must be current)."""
        kb = kb or load_knowledge(settings.knowledge_dir)
        if survey is None:
            survey = SurveyContext(settings, engine, card_titles={c.id: c.title for c in kb.cards})
            survey.ensure_demo_sample()
        data = data or DataService.load(settings, engine)
        return cls(data, survey, kb, Store(engine))

    # -- places -----------------------------------------------------------------------------
    def resolve(self, name: str, prefecture: str | None = None) -> str:
        return resolve(self.survey.places, name, prefecture)

    def prefecture(self, name: str) -> str:
        return self.survey.places.pref_code_of(name)

    def municipalities(self, pref_codes: Sequence[str] | None = None) -> list[str]:
        """Codes of the municipalities of ``pref_codes`` (default: all seven), official order."""
        places = self.survey.places
        return [m.code5 for pc in pref_codes or places.pref_codes for m in places.munis_of(pc)]

    def label(self, code5: str) -> str:
        return self.survey.places.label(code5)

    def today(self) -> date:
        return datetime.now(self.survey.tz).date()

    # -- briefs -----------------------------------------------------------------------------
    def brief(self, code5: str, *, today: date | None = None, with_visits: bool = True) -> Brief:
        return self.briefs([code5], today=today, with_visits=with_visits)[0]

    def briefs(
        self, codes: Sequence[str], *, today: date | None = None, with_visits: bool = True
    ) -> list[Brief]:
        self.data.store.refresh_imported(self.data.engine)
        return self.composer.compose_many(codes, today or self.today(), with_visits=with_visits)

    # -- visit records ----------------------------------------------------------------------
    def add_visit(
        self, code5: str, day: date, note: str, *, by: str | None = None, via: str = "cli"
    ) -> Visit:
        pref = self.survey.places.muni(code5).pref_code
        return self.visits.add(code5, pref, day, note, by=by, via=via)

    def visit_list(self, code5: str) -> list[Visit]:
        return self.visits.for_municipality(code5)
