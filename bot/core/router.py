"""Label each input: a worry (``hint``), a request for help, an indicator question (``data``)
or something the bot cannot answer (``unknown``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.ports import DataAnswerer, LearnedWording, LearnedWordings
from bot.matching.matcher import CardScore, Matcher, MatchResult, SituationScore
from bot.text.clauses import asks_for_number, is_fact_request, is_long_worry, is_office_matter
from bot.text.prepared import Prepared, prepare

Intent = Literal["hint", "help", "data", "unknown"]

# Greetings, thanks and requests for instructions. Matched on the compact normalised text.
_HELP = re.compile(
    r"^(?:(?:こんにちは|こんにちわ|こんばんは|おはよう(?:ございます)?|はじめまして|初めまして"
    r"|よろしく(?:お願い(?:いた)?します|おねがいします)?|宜しく(?:お願いします)?"
    r"|お疲れ(?:さま|様)(?:です)?|おつかれ(?:さま)?(?:です)?|お世話になって(?:おり|い)ます"
    r"|ありがとう(?:ございます|ございました)?|有難う(?:ございます)?|助かりました|感謝します"
    r"|どうも|hi|hello|hey|thanks|thankyou|thx|help|ヘルプ|へるぷ|使い方|つかいかた"
    r"|使い方を教えて(?:ください)?|何ができる(?:の|んですか|ますか)?|なにができる(?:の)?"
    r"|どう使う(?:の|んですか)?|メニュー|めにゅー|menu|はい|いいえ)"
    r"(?:です|ですか|ね|よ|!|か)*)+$"
)


@dataclass(frozen=True)
class Route:
    intent: Intent
    match: MatchResult | None = None
    data_score: float = 0.0
    reason: Literal["", "fact", "reviewed"] = ""  # why declined: a fact request, a reviewer
    learned: LearnedWording | None = None  # the reviewer's assignment this route follows


class Router:
    def __init__(
        self,
        matcher: Matcher,
        data: DataAnswerer | None = None,
        learned: LearnedWordings | None = None,
    ) -> None:
        self.matcher = matcher
        self.data = data
        self.learned = learned

    def route(self, text: str | Prepared) -> Route:
        p = prepare(text)
        if not p.norm:
            return Route("unknown")
        if _HELP.match(p.compact):
            return Route("help")
        if self.learned is not None and (hit := self.learned.lookup(p)) is not None:
            if hit.card is None:
                return Route("unknown", reason="reviewed", learned=hit)
            return Route("hint", _assigned(self.matcher.match(p), hit), learned=hit)
        # a data question asks for a number about a place; a worry citing figures stays one.
        # The cheap tests on the text's shape come first: detection scans place names.
        data_score = 0.0
        if self.data is not None and asks_for_number(p.raw) and not is_long_worry(p.raw):
            data_score = self.data.detect(p)
            if data_score >= 0.5:
                return Route("data", data_score=data_score)
        if is_fact_request(p.raw) or is_office_matter(p.raw):
            return Route("unknown", reason="fact")
        result = self.matcher.match(p)
        if result.confidence == "none":
            return Route("unknown", result, data_score)
        return Route("hint", result, data_score)


REVIEWED = "担当者が登録した言い回し"


def _assigned(result: MatchResult, hit: LearnedWording) -> MatchResult:
    """The match with the reviewer's card first and confident (its situation first too)."""
    assert hit.card is not None
    top = CardScore(hit.card, max([1.0, *(c.score for c in result.cards)]), (REVIEWED,))
    cards = (top, *(c for c in result.cards if c.card != hit.card))
    situations = result.situations if result.top and result.top.card == hit.card else ()
    if hit.situation is not None:
        first = SituationScore(hit.situation, 1.0, (REVIEWED,))
        situations = (first, *(s for s in situations if s.n != hit.situation))
    return MatchResult(result.query, cards, "confident", situations)
