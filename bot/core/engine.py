"""The conversation engine: plain values in (``Inbound``), plain values out (``Reply``).

It knows nothing of Slack or the terminal. State is a frozen ``ConversationState`` loaded
from and saved to a ``ConversationStore`` on every turn, so a restart or another worker
continues the same conversation. Each text is prepared once (``Prepared``) and read first as
an answer to the question just asked (``understand``); only when it clearly is not one does
the engine treat it as a new worry or a data question, and then it says so.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import replace
from typing import Any

from bot.core import understand as u
from bot.core.ports import ConversationStore, DataAnswerer, LearnedWordings
from bot.core.replies import CardChoice, DataReply, Inbound, Option, Reply, ReplyKind
from bot.core.router import Router
from bot.core.state import (
    CardPick,
    ConversationState,
    DataPick,
    FeedbackPick,
    MenuPick,
    OptionId,
    SituationPick,
    parse_option,
)
from bot.knowledge.model import Card, KnowledgeBase, Reference
from bot.matching.matcher import Matcher, MatchResult
from bot.text.prepared import MAX_INPUT, Prepared, prepare

log = logging.getLogger(__name__)

__all__ = ["MAX_INPUT", "Engine"]

OPT_MENU_NEW = Option("menu", "別の悩みを相談する")
OPT_NONE = Option("menu", "どれでもない")
OPT_UP = Option("feedback:up", "役に立った")
OPT_DOWN = Option("feedback:down", "役に立たなかった")

FACT_DECLINE = (
    "申し訳ありません。会場・日程・金額・様式・連絡先・法令の解釈、パソコンの操作や職場のことといったご質問・ご連絡には、"
    "このボットはお答えできません。担当の部署や通知・資料でご確認ください。"
    "このボットでは、地域づくりの悩みに合うヒントカードと対策、市町村の指標（高齢化率や"
    "75歳以上人口の推計など）をご案内できます。お悩みがあれば、そのままお書きください。"
)

# a written reply commits to one situation above this score, with this lead over the next
SITUATION_COMMIT = 0.30
SITUATION_MARGIN = 0.08
SITUATION_CLOSE = 0.20  # two situations above this and within the margin: ask between them
SITUATION_ONLY = 0.0  # a card with one situation: any words that are not another worry choose it
SITUATION_STRONG = 0.5  # words this close to a situation stay an answer, whatever else matches
OTHER_CARD_LEAD = 0.15  # how far another card must lead this one to be a new worry
NEW_WORRY_SCORE = 0.45  # a confident match to another card this strong is a new worry

Turn = tuple[Reply, ConversationState | None]
Kept = tuple[Reply, ConversationState]  # a turn that always leaves a state


def label_of_card(card: Card) -> str:
    return _short(f"{card.id} {card.title}", 60)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_heading(card: Card) -> str:
    return f"ヒント{card.id}「{card.title}」（{card.category}）"


class Engine:
    """One instance per process; every method is safe to call from several threads."""

    def __init__(
        self,
        kb: KnowledgeBase,
        store: ConversationStore,
        matcher: Matcher | None = None,
        data: DataAnswerer | None = None,
        learned: LearnedWordings | None = None,
    ) -> None:
        self.kb = kb
        self.store = store
        self.matcher = matcher or Matcher(kb)
        self.data = data
        self.router = Router(self.matcher, data, learned)

    # -- entry point ----------------------------------------------------------------------
    def handle(self, msg: Inbound) -> Reply:
        raw_state, expired = self.store.load(msg.conversation)
        state = ConversationState.from_json(raw_state)
        try:
            if msg.choose is not None:
                reply, new_state = self._choose(msg, state, expired)
            else:
                reply, new_state = self._text(msg, state)
        except Exception as exc:  # never let one bad turn crash an adapter
            # the exception's text may quote the user's message (a database's "Failing row
            # contains …"): log its type and where it happened, never its message
            log.error(
                "engine failure in conversation %s: %s\n%s",
                msg.conversation,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            reply = Reply(
                "error",
                body="申し訳ありません。処理中に問題が起きました。もう一度お試しいただくか、"
                "言葉を変えてお書きください。",
                options=(OPT_MENU_NEW,),
            )
            new_state = state
        if new_state is None:
            self.store.clear(msg.conversation)
        else:
            new_state = new_state.with_(options=tuple(o.id for o in reply.options))
            self.store.save(msg.conversation, msg.user, new_state.to_json())
        return reply

    def has_conversation(self, conversation: str) -> bool:
        """Whether a conversation is under way (a terminal starting up says what it does)."""
        raw, expired = self.store.load(conversation)
        return bool(raw) and not expired

    def reset(self, conversation: str) -> None:
        """Forget where a conversation stood (its consultations stay logged)."""
        self.store.clear(conversation)

    # -- free text ------------------------------------------------------------------------
    def _text(self, msg: Inbound, state: ConversationState | None) -> Turn:
        p = prepare(msg.text)
        if not p:
            return (
                Reply(
                    "error",
                    body="ご相談の内容が読み取れませんでした。困っていることを文章でお書きください。"
                    "（例:「協議体がお客様状態で困っている」）",
                    options=(Option("menu", "ヒントの一覧を見る"),),
                ),
                state,
            )
        c = p.compact
        offered = state.options if state else ()
        # a number picks an option in the order shown (the terminal's habit, typed anywhere)
        idx = int(c) if c.isdigit() and not c.startswith("0") else u.number_reply(p)
        if idx > len(offered) and 1 <= idx <= len(self.kb.cards) and re.fullmatch(r"\d+番", c):
            idx, c = 0, f"{idx:02d}"  # 「6番」 beyond the list on screen: card 06
            p = prepare(c)
        if idx and offered and 1 <= idx <= len(offered):
            reply, after = self._choose(
                replace(msg, text=None, choose=offered[idx - 1]), state, False
            )
            if c.isdigit() or after is None or state is None:
                return reply, after
            # 「2個目です」: a choice read from words says so and can be undone with ちがう
            said = f"「{_short(p.raw.strip(), 40)}」を、{idx}番目の選択肢と受け取りました。違う場合は「ちがう」とお書きください。"
            return replace(reply, understood=said), after.with_(undo=state.to_json())
        turn = self._as_answer(msg, p, state)
        if turn is not None:
            return turn
        return self._new_text(msg, p, state)

    def _as_answer(self, msg: Inbound, p: Prepared, state: ConversationState | None) -> Turn | None:
        """The reply read as an answer to the question just asked, or None."""
        cmd = u.commands(p, after_choice=bool(state and state.undo))
        if cmd is not None:
            turn = self._command(msg, p, cmd, state)
            if turn is not None:
                return turn
        if (rest := u.topic_switch(p)) is not None:
            return self._new_worry(msg, prepare(rest), state, notice=True)
        if state is None:
            return None
        if state.stage == "situation" and state.card:
            return self._situation_answer(msg, p, state)
        if state.stage == "ask_card" and state.candidates:
            return self._card_answer(msg, p, state)
        if state.stage in ("countermeasures", "done") and state.card:
            return self._after_countermeasures(msg, p, state)
        if state.stage == "data" and state.options:
            return self._data_answer(msg, p, state)
        return None

    def _command(
        self, msg: Inbound, p: Prepared, cmd: u.Intent, state: ConversationState | None
    ) -> Turn | None:
        if cmd.kind == "undo" and state is not None and state.undo is not None:
            before = ConversationState.from_json(state.undo) or ConversationState()
            return self._reask(before, "失礼しました。選び直しますので、もう一度お選びください。")
        if cmd.kind == "help":
            return self._help(), state
        if cmd.kind == "menu":
            return self._menu(
                "どのヒントについて知りたいですか？ お悩みを書いていただいても大丈夫です。"
            ), (state or ConversationState()).with_(stage="menu", undo=None)
        if cmd.kind == "open_card":
            card_id = cmd.card or self._topic_card(cmd.topic)
            if not card_id or not self.kb.has_card(card_id):
                return None
            card = self.kb.card(card_id)
            new_state = self._with_consultation(msg, state, card.id, f"card:{card.id}")
            return self._ask_situations(
                card,
                tuple(s.n for s in card.situations),
                (),
                new_state,
                lead=f"「{p.raw.strip()[:40]}」と受け取り、{card_heading(card)}を開きます。",
                intro=True,
                whole=True,
            )
        return None

    def _topic_card(self, topic: str) -> str | None:
        """The card a short topic names (「協議体」「担い手」「移動」), by title or by match."""
        t = prepare(topic).compact
        if not t:
            return None
        for card in self.kb.cards:
            if t in card.title.replace(" ", "") or t == card.id:
                return card.id
        res = self.matcher.match(topic, situations=False)
        if res.cards and res.confidence != "none":
            return res.cards[0].card
        return None

    # -- the situation question -----------------------------------------------------------
    def _situation_answer(self, msg: Inbound, p: Prepared, state: ConversationState) -> Turn | None:
        assert state.card is not None
        card = self.kb.card(state.card)
        order = state.order or tuple(s.n for s in card.situations)
        ans = u.answer_to_situations(p)
        if ans is not None:
            if ans.kind == "yes" and (
                u.is_plain_yes(p) or not self._describes_one(card, p, order, state.suggested)
            ):
                pick = (
                    state.suggested[0] if state.suggested else (order[0] if len(order) == 1 else 0)
                )
                if pick:
                    return self._understood_situation(msg, p, card, pick, state)
                return self._ask_situations(
                    card,
                    order,
                    (),
                    state,
                    lead="どの状況が当てはまりますか？ 番号か、近いものの言葉でお答えください。",
                )
            if ans.kind == "no" and (
                u.is_plain_no(p) or not self._describes_one(card, p, order, state.suggested)
            ):
                return self._move_on(card, order, state)
            if ans.kind == "none":
                return self._other_cards(card, state)
            if ans.kind == "all":
                return self._show_situations(msg, card, order, state, understood=p.raw)
            if ans.kind == "position":
                n = _at(order, ans.position)
                if n:
                    return self._understood_situation(msg, p, card, n, state)
        # a situation described in the user's own words; 「いえ、…の方です」 names another one
        rest = u.no_with_more(p)
        ranked = self.matcher.rank_situations(card.id, prepare(rest) if rest else p)
        ranked = tuple(r for r in ranked if r.n in order and not (rest and r.n in state.suggested))
        if rest and len(ranked) == 1 and u.yes_no(rest) is None:
            # 「いえ、そうじゃなくて…の方」 with one other situation left: that one
            return self._understood_situation(msg, p, card, ranked[0].n, state)
        if rest and (not ranked or ranked[0].score < SITUATION_COMMIT):
            return self._move_on(card, order, state)
        top = ranked[0] if ranked else None
        route = self.router.route(p)
        if route.intent == "help" or route.reason == "fact":
            return None  # greetings, thanks and requests for facts are answered as such
        if route.intent == "data" and self.data is not None:
            return self._data(msg, p, route_note=True)
        res = route.match
        # another card is a new worry only when it clearly outscores this one and the words
        # do not describe one of this card's situations well
        here = next((c.score for c in res.cards if c.card == card.id), 0.0) if res else 0.0
        other_card = (
            res is not None
            and res.confidence == "confident"
            and res.top is not None
            and res.top.card != card.id
            and res.top.score >= NEW_WORRY_SCORE
            and res.top.score - here >= OTHER_CARD_LEAD
            and (top is None or top.score < SITUATION_STRONG)
        )
        commit_at = SITUATION_COMMIT if len(ranked) > 1 else SITUATION_ONLY
        if top is not None and top.score >= commit_at and not other_card:
            second = ranked[1] if len(ranked) > 1 else None
            if second is None or top.score - second.score >= SITUATION_MARGIN:
                return self._understood_situation(msg, p, card, top.n, state)
            close = tuple(r.n for r in ranked if r.score >= top.score - SITUATION_MARGIN)[:2]
            return self._ask_situations(
                card,
                close,
                (),
                state,
                lead="お書きの内容からは、次のどちらかが近いようです。どちらが当てはまりますか？",
            )
        if other_card or (
            res is not None
            and res.confidence != "none"
            and res.top
            and res.top.card != card.id
            and (top is None or top.score < SITUATION_CLOSE)
        ):
            return self._new_worry(msg, p, state, notice=True)
        if top is not None and top.score >= SITUATION_CLOSE:
            sugg = tuple(r.n for r in ranked if r.score >= max(SITUATION_CLOSE, top.score - 0.1))
            new_order = sugg + tuple(n for n in order if n not in sugg)
            return self._ask_situations(
                card, new_order, sugg, state, lead="お書きの内容を踏まえて、もう一度お聞きします。"
            )
        if res is None or res.confidence == "none" or (res.top and res.top.card == card.id):
            # not understood, and no other worry either: keep the thread, ask again plainly
            return self._ask_situations(
                card,
                order,
                (),
                state,
                lead="お書きの内容から、どの状況に当たるかを判断できませんでした。"
                "近いものを番号（「1」など）か、その状況の言葉でお答えください。"
                "当てはまるものがなければ「どれでもない」とお書きください。",
            )
        return None

    def _describes_one(
        self, card: Card, p: Prepared, order: tuple[int, ...], suggested: tuple[int, ...]
    ) -> bool:
        """Whether the words clearly describe one situation of the list other than the one
        just asked about (「はっきりしてない」 ends like a no, but names a situation; 「そこは
        ちゃんとやってます」 names the one asked about, and is a no)."""
        ranked = [r for r in self.matcher.rank_situations(card.id, p) if r.n in order]
        if not ranked or ranked[0].score < SITUATION_COMMIT or ranked[0].n in suggested:
            return False
        return len(ranked) == 1 or ranked[0].score - ranked[1].score >= SITUATION_MARGIN

    def _understood_situation(
        self, msg: Inbound, p: Prepared, card: Card, n: int, state: ConversationState
    ) -> Turn:
        s = card.situation(n)
        new_state = self._with_consultation(msg, state, card.id, f"situation:{card.id}-{n}")
        reply, after = self._show_situation(msg, card, n, new_state)
        understood = f"「{_short(p.raw.strip(), 40)}」を、状況「{s.title}」と受け取りました。違う場合は「ちがう」とお書きください。"
        return replace(reply, understood=understood), after.with_(undo=state.to_json())

    def _move_on(self, card: Card, order: tuple[int, ...], state: ConversationState) -> Turn:
        """「いいえ」: the next most likely situation, then the card's others, then other cards.

        A no to a highlighted situation declines it; a no to a plain list asks about its
        first situation, so each no moves on and the same question never comes back.
        """
        declined = tuple(dict.fromkeys((*state.declined, *state.suggested)))
        rest = tuple(n for n in order if n not in declined)
        rest += tuple(s.n for s in card.situations if s.n not in declined and s.n not in rest)
        if not rest:
            return self._other_cards(card, state.with_(declined=declined))
        nxt = card.situation(rest[0])
        reply, new_state = self._ask_situations(
            card,
            rest,
            (nxt.n,),
            state.with_(declined=declined),
            lead=f"では、ほかの状況はいかがでしょうか。「{nxt.title}」には当てはまりますか？",
        )
        return replace(reply, suggestion_is_next=True), new_state.with_(declined=declined)

    def _other_cards(self, card: Card, state: ConversationState) -> Turn:
        """None of the situations: offer the cards the worry also resembled, then the menu."""
        ranked: list[str] = []
        if state.consultation is not None:
            ranked = [c for c in state.candidates if c != card.id]
        if not ranked:
            ranked = [
                c.id for c in self.kb.cards if c.id != card.id and c.category == card.category
            ]
        choices = tuple(CardChoice(self.kb.card(c)) for c in ranked[:3])
        opts = [Option(f"card:{ch.card.id}", label_of_card(ch.card)) for ch in choices]
        opts.append(Option("menu", "ヒントの一覧を見る"))
        lead = (
            f"{card_heading(card)}の状況には当てはまらないようですね。"
            "近いテーマのヒントはいかがでしょうか？ お悩みを言葉を変えて書いていただいても大丈夫です。"
        )
        return Reply("ask_card", lead=lead, choices=choices, options=tuple(opts)), state.with_(
            stage="ask_card", candidates=tuple(ch.card.id for ch in choices), undo=None
        )

    # -- the card question ----------------------------------------------------------------
    def _card_answer(self, msg: Inbound, p: Prepared, state: ConversationState) -> Turn | None:
        cands = state.candidates
        pos = u.card_position(p)
        pick: str | None = None
        if pos:
            pick = _at(cands, pos)
        if pick is None:
            c = p.compact
            by_title = [cid for cid in cands if self._mentions_card(c, cid)]
            if len(by_title) == 1:
                pick = by_title[0]
        if pick is None and len(p.compact) <= 40:
            res = self.matcher.match(p, situations=False)
            scores = {cs.card: cs.score for cs in res.cards if cs.card in cands}
            if scores:
                best = max(scores, key=lambda k: scores[k])
                others = [v for k, v in scores.items() if k != best]
                if scores[best] >= 0.15 and (not others or scores[best] - max(others) >= 0.05):
                    pick = best
        if pick is None:
            if u.answer_to_situations(p) is not None and u.answer_to_situations(p).kind == "none":  # type: ignore[union-attr]
                return self._menu(
                    "では、ヒントの一覧からお選びください。お悩みを言葉を変えて書いていただいても大丈夫です。"
                ), state.with_(stage="menu")
            return None
        card = self.kb.card(pick)
        if state.consultation is not None:
            self.store.update_consultation(state.consultation, card=card.id)
        new_state = self._with_consultation(msg, state, card.id, f"card:{card.id}")
        reply, after = self._open_card(card, None, new_state)
        understood = f"「{_short(p.raw.strip(), 40)}」を、{card_heading(card)}と受け取りました。違う場合は「ちがう」とお書きください。"
        return replace(reply, understood=understood), after.with_(undo=state.to_json())

    def _mentions_card(self, compact: str, card_id: str) -> bool:
        card = self.kb.card(card_id)
        title = card.title.replace(" ", "")
        if title in compact:
            return True
        # a distinctive part of the title (「移動支援」「協議体」「担い手」) is enough
        for k in range(len(title) - 1):
            part = title[k : k + 3]
            if (
                len(part) == 3
                and part in compact
                and not any(part in self.kb.card(o).title for o in self._all_ids() if o != card_id)
            ):
                return True
        return False

    def _all_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.kb.cards)

    # -- after the countermeasures --------------------------------------------------------
    def _after_countermeasures(
        self, msg: Inbound, p: Prepared, state: ConversationState
    ) -> Turn | None:
        assert state.card is not None
        card = self.kb.card(state.card)
        ans = u.answer_after_countermeasures(p)
        if ans is None:
            return None
        if ans.kind == "references":
            refs = self._card_references(card)
            body = (
                "このヒントの参考文献です。\n"
                + "\n".join(
                    f"{mark}『{ref.title}』"
                    if ref.title
                    else f"{mark}（題名は資料に記載がありません）"
                    for mark, ref in refs.items()
                )
                if refs
                else "このヒントには参考文献の記載がありません。"
            )
            opts = (*self._others_options(card, state), OPT_MENU_NEW, OPT_UP, OPT_DOWN)
            return Reply("feedback", body=body, card=card.id, options=opts, source_note=True), state
        if ans.kind == "other_situations":
            rest = tuple(s.n for s in card.situations if s.n not in state.seen)
            if not rest:
                return Reply(
                    "feedback",
                    body=f"{card_heading(card)}の状況は、すべてご覧いただきました。"
                    "ほかのお悩みがあれば、お書きください。",
                    card=card.id,
                    options=(OPT_MENU_NEW, OPT_UP, OPT_DOWN),
                ), state
            return self._ask_situations(
                card,
                rest,
                (),
                state,
                lead="このヒントのほかの状況です。当てはまるものはありますか？",
            )
        value = "up" if ans.kind == "feedback_up" else "down"
        return self._feedback(state, value, understood=p.raw)

    def _card_references(self, card: Card) -> dict[str, Reference]:
        marks: dict[str, None] = {}
        for s in card.situations:
            marks.update((c.mark, None) for c in s.references)
        for cm in card.countermeasures:
            marks.update((c.mark, None) for c in cm.references)
        out: dict[str, Reference] = {}
        for mark in marks:
            ref = self.kb.reference(mark)
            if ref is not None:
                out[mark] = ref
        return out

    def _others_options(self, card: Card, state: ConversationState) -> tuple[Option, ...]:
        return tuple(
            Option(f"situation:{card.id}-{s.n}", _short(s.title, 60))
            for s in card.situations
            if s.n not in state.seen
        )

    # -- data follow-ups ------------------------------------------------------------------
    def _data_answer(self, msg: Inbound, p: Prepared, state: ConversationState) -> Turn | None:
        """A follow-up answered in words: the option whose label the reply names (a
        prefecture in any form, 「大阪のほう」「ひょうご」), or its position."""
        if self.data is None:
            return None
        labels = dict(zip(state.options, self._data_labels(state), strict=False))
        choices = [(oid, labels.get(oid, "")) for oid in state.options if oid.startswith("data:")]
        picked = u.option_by_words(p, choices)
        if picked is None:
            return None
        reply, new_state = self._choose(replace(msg, text=None, choose=picked), state, False)
        said = f"「{_short(p.raw.strip(), 40)}」を、「{labels.get(picked, '')}」と受け取りました。"
        return replace(reply, understood=said), new_state

    def _data_labels(self, state: ConversationState) -> tuple[str, ...]:
        return tuple(str(x) for x in state.data_context.get("_labels", ()))

    def _data(self, msg: Inbound, p: Prepared, *, route_note: bool = False) -> Turn:
        assert self.data is not None
        dr = self.data.answer(p)
        self.store.log_consultation(
            conversation=msg.conversation, user=msg.user, text=p.raw, intent="data", meta=msg.meta
        )
        reply = self._data_reply(dr)
        if route_note:
            reply = replace(reply, understood="指標のご質問として承りました。")
        return reply, ConversationState(stage="data", data_context=self._data_context(dr))

    @staticmethod
    def _data_context(dr: DataReply) -> dict[str, Any]:
        ctx = dict(dr.context or {})
        ctx["_labels"] = [o.label for o in dr.options]
        return ctx

    # -- a new worry ----------------------------------------------------------------------
    def _new_text(self, msg: Inbound, p: Prepared, state: ConversationState | None) -> Turn:
        route = self.router.route(p)
        if route.intent == "help":
            return self._help(), state
        if route.intent == "data" and self.data is not None:
            return self._data(msg, p)
        if route.reason == "fact":
            self._log(msg, p.raw, "unknown", None)
            return self._menu(FACT_DECLINE), (state or ConversationState()).with_(
                stage="menu", undo=None
            )
        result = route.match
        # refining: more words about the card already under discussion
        if (
            state
            and state.stage in ("situation", "countermeasures")
            and result is not None
            and state.card
            and (result.confidence == "none" or (result.top and result.top.card == state.card))
        ):
            card = self.kb.card(state.card)
            ranked = self.matcher.rank_situations(card.id, p)
            if ranked and ranked[0].score > 0.2:
                sugg = tuple(s.n for s in ranked if s.score >= max(0.2, ranked[0].score - 0.1))
                order = sugg + tuple(s.n for s in card.situations if s.n not in sugg)
                return self._ask_situations(
                    card, order, sugg, state, lead="お書きの内容を踏まえて、もう一度お聞きします。"
                )
        return self._worry(msg, p, result, route.intent)

    def _new_worry(
        self, msg: Inbound, p: Prepared, state: ConversationState | None, *, notice: bool
    ) -> Turn:
        route = self.router.route(p)
        reply, new_state = self._worry(msg, p, route.match, route.intent)
        if notice:
            reply = replace(reply, understood="新しいご相談として承ります。")
        return reply, new_state

    def _worry(self, msg: Inbound, p: Prepared, result: MatchResult | None, intent: str) -> Turn:
        cid = self._log(msg, p.raw, intent, result)
        new_state = ConversationState(consultation=cid)
        if result is None or result.confidence == "none":
            return self._menu(
                "ご相談の内容に合うヒントが見つかりませんでした。次のヒントから選ぶか、"
                "言葉を変えてもう一度お書きください。"
            ), new_state.with_(stage="menu")
        ranked_cards = tuple(cs.card for cs in result.cards[:3])
        if result.confidence == "ambiguous":
            cands = result.candidates(self.matcher.policy)
            if len(cands) == 1:
                return self._open_card(
                    self.kb.card(cands[0].card), result, new_state.with_(candidates=ranked_cards)
                )
            choices = tuple(CardChoice(self.kb.card(cs.card), cs.evidence[:3]) for cs in cands)
            opts = [Option(f"card:{ch.card.id}", label_of_card(ch.card)) for ch in choices]
            opts.append(OPT_NONE)
            return Reply(
                "ask_card",
                lead="いくつかのヒントが当てはまりそうです。どれがいちばん近いでしょうか？",
                choices=choices,
                options=tuple(opts),
            ), new_state.with_(stage="ask_card", candidates=tuple(cs.card for cs in cands))
        return self._open_card(
            self.kb.card(result.cards[0].card), result, new_state.with_(candidates=ranked_cards)
        )

    # -- chosen options -------------------------------------------------------------------
    def _choose(self, msg: Inbound, state: ConversationState | None, expired: bool) -> Turn:
        oid = (msg.choose or "").strip()
        pick = parse_option(oid)
        valid_now = state is not None and oid in state.options
        if expired and not valid_now:
            return self._menu(
                "前回のご相談は、しばらく操作がなかったため終了しました。お手数ですが、"
                "もう一度お悩みを書くか、次のヒントから選んでください。",
                kind="error",
            ), None
        if pick is None or not self._option_exists(pick):
            return self._menu(
                f"その選択肢（{_short(oid, 30)}）は見つかりませんでした。次のヒントから選んでください。",
                kind="error",
            ), state
        base = (state or ConversationState()).with_(undo=None)
        if isinstance(pick, MenuPick):
            return self._menu(
                "どのヒントについて知りたいですか？ お悩みを書いていただいても大丈夫です。"
            ), base.with_(stage="menu")
        if isinstance(pick, CardPick):
            card = self.kb.card(pick.card)
            if base.consultation is not None:
                self.store.update_consultation(base.consultation, card=card.id)
            new_state = self._with_consultation(msg, base, card.id, oid)
            return self._open_card(card, None, new_state)
        if isinstance(pick, SituationPick):
            card = self.kb.card(pick.card)
            new_state = self._with_consultation(msg, base, card.id, oid)
            return self._show_situation(msg, card, pick.n, new_state)
        if isinstance(pick, FeedbackPick):
            if state is None or state.consultation is None:
                return self._menu(
                    "評価の対象となるご相談が見つかりませんでした（時間が経って終了した可能性があります）。"
                    "よろしければ、もう一度お悩みをお書きください。",
                    kind="error",
                ), state
            return self._feedback(base, pick.value)
        assert isinstance(pick, DataPick)
        if self.data is None or state is None or state.stage != "data":
            return self._menu(
                "その選択肢は、いまは使えません。もう一度ご質問ください。", kind="error"
            ), state
        dr = self.data.choose(oid, state.data_context)
        return self._data_reply(dr), state.with_(data_context=self._data_context(dr))

    def _feedback(self, state: ConversationState, value: str, understood: str = "") -> Turn:
        if state.consultation is None:
            return self._menu(
                "評価の対象となるご相談が見つかりませんでした（時間が経って終了した可能性があります）。"
                "よろしければ、もう一度お悩みをお書きください。",
                kind="error",
            ), state
        self.store.update_consultation(state.consultation, feedback=value)
        text = (
            "お役に立てて良かったです。ほかにもお悩みがあれば、いつでもお書きください。"
            if value == "up"
            else "お役に立てず申し訳ありません。よろしければ、状況をもう少し詳しくお書きください。"
            "別のヒントが合うかもしれません。"
        )
        said = ""
        if understood:
            kind = "「役に立った」" if value == "up" else "「役に立たなかった」"
            said = f"「{_short(understood.strip(), 40)}」を、{kind}というご評価と受け取りました。"
        return Reply(
            "feedback", body=text, card=state.card, options=(OPT_MENU_NEW,), understood=said
        ), state.with_(stage="done")

    def _option_exists(self, pick: OptionId) -> bool:
        """Whether a well-formed option names a card / situation that exists."""
        if isinstance(pick, CardPick):
            return self.kb.has_card(pick.card)
        if isinstance(pick, SituationPick):
            return self.kb.has_card(pick.card) and pick.n in {
                s.n for s in self.kb.card(pick.card).situations
            }
        return True

    def _with_consultation(
        self, msg: Inbound, state: ConversationState | None, card_id: str, oid: str
    ) -> ConversationState:
        """The state with a logged consultation: the running one, or a new one for
        ``card_id`` when the user came in by a button (App Home, a digest) without typing."""
        state = state or ConversationState()
        if state.consultation is None:
            cid = self.store.log_consultation(
                conversation=msg.conversation, user=msg.user, text=f"[{oid}]", intent="hint",
                card=card_id, meta=msg.meta,
            )  # fmt: skip
            state = state.with_(consultation=cid)
        return state

    # -- building replies -----------------------------------------------------------------
    def _open_card(self, card: Card, result: MatchResult | None, state: ConversationState) -> Kept:
        sugg: tuple[int, ...] = ()
        evidence: tuple[str, ...] = ()
        resembles = ""
        if result is not None:
            top = result.cards[0]
            if top.evidence:
                evidence = top.evidence[:3]
            elif top.card == card.id and (
                example := self.matcher.closest_example(card.id, result.query)
            ):
                resembles = example
            sits = (
                result.situations
                if result.cards[0].card == card.id
                else self.matcher.rank_situations(card.id, result.query)
            )
            if (
                sits
                and sits[0].score >= 0.3
                and (len(sits) == 1 or sits[0].score - sits[1].score >= 0.08)
            ):
                sugg = (sits[0].n,)
        order = sugg + tuple(s.n for s in card.situations if s.n not in sugg)
        lead = f"{card_heading(card)}のヒントが参考になりそうです。"
        if evidence:
            lead += f"（手がかり: {'、'.join(evidence)}）"
        elif resembles:
            lead += f"（「{_short(resembles, 50)}」という悩みに近いと判断しました）"
        return self._ask_situations(
            card,
            order,
            sugg,
            state,
            lead=lead,
            intro=True,
            evidence=evidence,
            resembles=resembles,
        )

    def _ask_situations(
        self,
        card: Card,
        order: tuple[int, ...],
        suggested: tuple[int, ...],
        state: ConversationState | None,
        *,
        lead: str,
        intro: bool = False,
        whole: bool = False,
        evidence: tuple[str, ...] = (),
        resembles: str = "",
    ) -> Kept:
        opts = [
            Option(f"situation:{card.id}-{n}", _short(card.situation(n).title, 60)) for n in order
        ]
        opts.append(OPT_MENU_NEW)
        new_state = (state or ConversationState()).with_(
            stage="situation", card=card.id, order=order, suggested=suggested, undo=None
        )
        reply = Reply(
            "card",
            lead=lead,
            card=card.id,
            situations=order,
            options=tuple(opts),
            suggested=suggested,
            evidence=evidence,
            resembles=resembles,
            shown_card=card,
            shown_situations=tuple(card.situation(n) for n in order),
            intro=intro,
            whole_card=whole,
        )
        return reply, new_state

    def _reask(self, before: ConversationState, lead: str) -> Turn:
        """Ask again the question that a misunderstood reply answered."""
        if before.stage == "ask_card" and before.candidates:
            choices = tuple(CardChoice(self.kb.card(c)) for c in before.candidates)
            opts = [Option(f"card:{ch.card.id}", label_of_card(ch.card)) for ch in choices]
            opts.append(OPT_NONE)
            return Reply("ask_card", lead=lead, choices=choices, options=tuple(opts)), before
        if before.card:
            card = self.kb.card(before.card)
            order = before.order or tuple(s.n for s in card.situations)
            return self._ask_situations(card, order, (), before, lead=lead)
        return self._menu(lead), before.with_(stage="menu")

    def _show_situation(
        self, msg: Inbound, card: Card, n: int, state: ConversationState | None
    ) -> Kept:
        return self._show_situations(msg, card, (n,), state)

    def _show_situations(
        self,
        msg: Inbound,
        card: Card,
        ns: tuple[int, ...],
        state: ConversationState | None,
        *,
        understood: str = "",
    ) -> Kept:
        state = state or ConversationState()
        if understood:
            state = self._with_consultation(msg, state, card.id, f"situation:{card.id}-{ns[0]}")
        sits = tuple(card.situation(n) for n in ns)
        seen = list(state.seen if state.card == card.id else ())
        for n in ns:
            if n not in seen:
                seen.append(n)
        cms: list[int] = []
        for s in sits:
            cms += [cn for cn in s.countermeasures if cn not in cms]
        if len(sits) == 1:
            lead = f"「{sits[0].title}」に当てはまる場合の対策です。"
        else:
            lead = "当てはまる状況それぞれの対策です。"
        others = [x for x in card.situations if x.n not in ns]
        opts = [Option(f"situation:{card.id}-{x.n}", _short(x.title, 60)) for x in others]
        opts += [OPT_MENU_NEW, OPT_UP, OPT_DOWN]
        if state.consultation is not None:
            self.store.update_consultation(state.consultation, card=card.id, situation=ns[0])
        marks: dict[str, None] = {}
        shown_cms = tuple(card.countermeasure(cn) for cn in cms)
        for s in sits:
            marks.update((c.mark, None) for c in s.references)
        for cm in shown_cms:
            marks.update((c.mark, None) for c in cm.references)
        refs = {m: r for m in marks if (r := self.kb.reference(m)) is not None}
        new_state = state.with_(stage="countermeasures", card=card.id, seen=tuple(seen), undo=None)
        said = (
            f"「{_short(understood.strip(), 40)}」を、{len(ns)}つの状況すべてと受け取りました。"
            if understood
            else ""
        )
        reply = Reply(
            "countermeasures",
            lead=lead,
            card=card.id,
            situations=tuple(ns),
            countermeasures=tuple(cms),
            options=tuple(opts),
            shown_card=card,
            shown_situations=sits,
            shown_countermeasures=shown_cms,
            references=refs,
            source_note=True,
            understood=said,
        )
        return reply, new_state

    def _help(self) -> Reply:
        return Reply(
            "help",
            body=help_body(self.data is not None),
            menu=self.kb.cards,
            source_note=True,
            options=self._menu_options(),
        )

    def _menu_options(self) -> tuple[Option, ...]:
        return tuple(Option(f"card:{c.id}", label_of_card(c)) for c in self.kb.cards)

    def _menu(self, lead: str, kind: ReplyKind = "menu") -> Reply:
        return Reply(kind, lead=lead, menu=self.kb.cards, options=self._menu_options())

    def _data_reply(self, dr: DataReply) -> Reply:
        return Reply(
            "data",
            lead=dr.text.split("\n", 1)[0],
            body=dr.text,
            options=dr.options,
            charts=dr.charts,
            sample=dr.sample,
        )

    def _log(self, msg: Inbound, raw: str, intent: str, result: MatchResult | None) -> int:
        top = result.top if result else None
        return self.store.log_consultation(
            conversation=msg.conversation,
            user=msg.user,
            text=raw,
            intent=intent,
            confidence=result.confidence if result else None,
            card=top.card if top and result and result.confidence == "confident" else None,
            score=top.score if top else None,
            scores=[[c.card, c.score] for c in (result.cards[:3] if result else ())],
            meta=msg.meta,
        )


def _at(items: tuple[Any, ...], position: int) -> Any:
    """The item at a 1-based position, negative from the end; 99 is the middle."""
    if not items:
        return None
    if position == 99:
        return items[len(items) // 2] if len(items) % 2 == 1 else None
    idx = position - 1 if position > 0 else len(items) + position
    return items[idx] if 0 <= idx < len(items) else None


def help_body(data_enabled: bool) -> str:
    lines = [
        "地域づくりヒントBotです。地域づくり（通いの場、協議体、生活支援コーディネーター、"
        "総合事業など）で困っていることを、ふだんの言葉で書いてください。",
        "例:「協議体がお客様状態で困っている」「SCに丸投げになっている」「移動支援の担い手がいない」",
        "当てはまりそうなヒントカードを探し、「こんな状況に陥っていませんか？」とお聞きしたうえで、"
        "状況に合った対策をご紹介します。",
    ]
    if data_enabled:
        lines.append(
            "指標のご質問にもお答えします。例:「茨木市の75歳以上人口の将来推計は？」"
            "「奈良県で85歳以上人口の増加率が高い市町村トップ5」「何が聞ける？」"
        )
    lines.append(
        "質問には文章でお答えいただけます（例:「2つ目です」「はい」「どれでもない」「助かりました」）。"
        "「カード3を開いて」「一覧」「はじめから」「ヘルプ」もお使いいただけます。"
    )
    return "\n".join(lines)
