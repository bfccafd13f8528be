"""Everything the survey features read: the definition, places, stores, card titles, and
when digests are due under the settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.settings import Settings
from bot.survey.answers import AnswerStore
from bot.survey.channels import ChannelStore, MeetingStore
from bot.survey.definition import Survey, load_survey
from bot.survey.places import Places, load_places
from bot.survey.registry import Registry
from bot.survey.schedule import (
    Meeting,
    Slot,
    WeeklySpec,
    current_slot,
    due_slots,
    parse_weekly,
    zone,
)


class SurveyContext:
    """The survey's definition and stores over one database, shared by Slack, CLI and clock."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        survey: Survey | None = None,
        places: Places | None = None,
        card_titles: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        if card_titles is None:
            from bot.knowledge.loader import load_knowledge

            kb = load_knowledge(settings.knowledge_dir)
            card_titles = {c.id: c.title for c in kb.cards}
        self.card_titles = card_titles
        self.survey = survey or load_survey(settings.knowledge_dir, card_titles)
        self.places = places or load_places(settings.data_dir)
        self.answers = AnswerStore(engine)
        self.channels = ChannelStore(engine)
        self.meetings = MeetingStore(engine)
        self.registry = Registry(engine, self.places)
        self.tz = zone(settings.timezone)
        self.weekly: WeeklySpec = parse_weekly(settings.digest_weekly)

    def ensure_demo_sample(self) -> int:
        """Load the bundled sample survey into a database that has no answers at all.

        A new user sees a populated digest at once; the rows carry the sample flag, every
        digest built on them says so, and the first real answer makes them ignored.
        """
        if not self.settings.demo_sample or self.answers.count() > 0:
            return 0
        path = self.settings.data_dir / "sample" / "survey_sample.csv"
        if not path.exists():
            return 0
        from bot.survey.importer import import_survey

        return import_survey(self.answers, self.survey, self.places, path, sample=True).responses

    # -- when digests are due -----------------------------------------------------------------
    def current_slot(
        self, pref_code: str, now: datetime, meetings: Iterable[Meeting] | None = None
    ) -> Slot:
        """The slot a digest posted for the prefecture now belongs to."""
        return current_slot(
            now,
            pref_code,
            self.meetings.all() if meetings is None else meetings,
            weekly=self.weekly,
            days_before=self.settings.digest_days_before,
            tz=self.tz,
        )

    def due_slots(self, now: datetime, kinds: Iterable[str] = ("weekly", "meeting")) -> list[Slot]:
        """Every slot due now for the prefectures that have a channel."""
        return due_slots(
            now,
            sorted(self.channels.all()),
            self.meetings.all(),
            weekly=self.weekly,
            days_before=self.settings.digest_days_before,
            grace=timedelta(hours=self.settings.digest_grace_hours),
            tz=self.tz,
            kinds=kinds,
        )
