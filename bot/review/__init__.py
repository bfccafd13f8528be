"""The review queue: what users asked and the bot could not serve becomes better wording.

Slack-free, like the survey: ``collect`` copies worries the bot left unanswered, answers voted
down, corrected choices, ambiguous matches resolved by the user's pick and off-topic declines
from the consultation log into the queue, grouping near-duplicates; ``service`` lets a
reviewer assign a wording to a card (and situation), reject it as off-topic, skip or undo,
each assignment measured first on the dev set and the fixtures (``measure``: one that would
break a query there is refused); ``export`` writes accepted wordings as ``paraphrases`` for
the knowledge maintainers. The CLI (``bot/cli/review.py``) and Slack's App Home
(``bot/slack/review_views.py``) are its adapters.
"""
