"""The conversation engine: plain values in (``Inbound``), plain values out (``Reply``).

It knows nothing of Slack or the terminal. State is loaded from and saved to the ``Store`` on
every turn, so a restart or another worker continues the same conversation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.core.ports import DataAnswerer
from bot.core.replies import DataReply, Inbound, Option, Reply
from bot.core.router import Router
from bot.knowledge.model import Card, KnowledgeBase
from bot.matching.matcher import Matcher, MatchResult
from bot.render import text as rt
from bot.storage.conversations import Store
from bot.text.normalize import compact, normalize

log = logging.getLogger(__name__)

MAX_INPUT = 10_000
_YES = re.compile(
    r"^(はい|うん|そう|そうです|そうですね|当てはまる|当てはまります|あてはまる|あてはまります|yes|y)(ね|よ|です)*$"
)
_NO = re.compile(
    r"^(いいえ|いや|ちがう|違う|違います|ちがいます|当てはまらない|当てはまりません|no|n)(です|ね)*$"
)
_OPTION = re.compile(
    r"^(?:(?P<card>card):(?P<cid>\d{2})"
    r"|(?P<sit>situation):(?P<scid>\d{2})-(?P<sn>\d{1,2})"
    r"|(?P<fb>feedback):(?P<fv>up|down)"
    r"|(?P<menu>menu)"
    r"|(?P<data>data:.+))$"
)

OPT_MENU_NEW = Option("menu", "別の悩みを相談する")
OPT_NONE = Option("menu", "どれでもない")
OPT_UP = Option("feedback:up", "役に立った")
OPT_DOWN = Option("feedback:down", "役に立たなかった")


class Engine:
    """One instance per process; every method is safe to call from several threads."""

    def __init__(
        self,
        kb: KnowledgeBase,
        store: Store,
        matcher: Matcher | None = None,
        data: DataAnswerer | None = None,
    ) -> None:
        self.kb = kb
        self.store = store
        self.matcher = matcher or Matcher(kb)
        self.data = data
        self.router = Router(self.matcher, data)

    # -- entry point ----------------------------------------------------------------------
    def handle(self, msg: Inbound) -> Reply:
        state, expired = self.store.load(msg.conversation)
        try:
            if msg.choose is not None:
                reply, new_state = self._choose(msg, state, expired)
            else:
                reply, new_state = self._text(msg, state)
        except Exception:  # never let one bad turn crash an adapter
            log.exception("engine failure in conversation %s", msg.conversation)
            reply = Reply(
                "error",
                "申し訳ありません。処理中に問題が起きました。もう一度お試しいただくか、"
                "言葉を変えてお書きください。",
                options=(OPT_MENU_NEW,),
            )
            new_state = state
        if new_state is None:
            self.store.clear(msg.conversation)
        else:
            new_state["options"] = [o.id for o in reply.options]
            self.store.save(msg.conversation, msg.user, new_state)
        return reply

    # -- free text ------------------------------------------------------------------------
    def _text(
        self, msg: Inbound, state: dict[str, Any] | None
    ) -> tuple[Reply, dict[str, Any] | None]:
        raw = msg.text or ""
        if len(raw) > MAX_INPUT:
            raw = raw[:MAX_INPUT]
        norm = normalize(raw)
        if not norm:
            return (
                Reply(
                    "error",
                    "ご相談の内容が読み取れませんでした。困っていることを文章でお書きください。"
                    "（例:「協議体がお客様状態で困っている」）",
                    options=(Option("menu", "ヒントの一覧を見る"),),
                ),
                state,
            )
        c = compact(norm)
        # a number picks an option in the order shown (the terminal's habit, typed anywhere)
        offered = (state or {}).get("options") or []
        if c.isdigit() and offered:
            idx = int(c)
            if 1 <= idx <= len(offered):
                return self._choose(replace(msg, text=None, choose=offered[idx - 1]), state, False)
        # answers to 「こんな状況に陥っていませんか？」 typed instead of clicked
        if state and state.get("stage") == "situation":
            card = self.kb.card(state["card"])
            suggested = state.get("suggested") or []
            if _YES.match(c) and suggested:
                return self._show_situation(msg, card, int(suggested[0]), state)
            if _NO.match(c):
                rest = [s.n for s in card.situations if s.n not in suggested]
                order = tuple(rest or [s.n for s in card.situations])
                return self._ask_situations(
                    card, order, (), state, lead="では、ほかの状況はいかがでしょうか。"
                )
        route = self.router.route(norm)
        if route.intent == "help":
            return Reply(
                "help", rt.help_text(self.kb, self.data is not None), options=self._menu_options()
            ), state
        if route.intent == "data" and self.data is not None:
            dr = self.data.answer(norm)
            self.store.log_consultation(
                conversation=msg.conversation, user=msg.user, text=raw, intent="data", meta=msg.meta
            )
            return self._data_reply(dr), {"stage": "data", "data_context": dict(dr.context or {})}
        result = route.match
        # refining: more words about the card already under discussion
        if (
            state
            and state.get("stage") in ("situation", "countermeasures")
            and result is not None
            and state.get("card")
            and (result.confidence == "none" or (result.top and result.top.card == state["card"]))
        ):
            card = self.kb.card(state["card"])
            ranked = self.matcher.rank_situations(card.id, norm)
            if ranked and ranked[0].score > 0.2:
                sugg = tuple(s.n for s in ranked if s.score >= max(0.2, ranked[0].score - 0.1))
                order = sugg + tuple(s.n for s in card.situations if s.n not in sugg)
                return self._ask_situations(
                    card, order, sugg, state, lead="お書きの内容を踏まえて、もう一度お聞きします。"
                )
        cid = self._log(msg, raw, route.intent, result)
        new_state: dict[str, Any] = {"consultation": cid}
        if result is None or result.confidence == "none":
            return self._menu(
                "ご相談の内容に合うヒントが見つかりませんでした。次のヒントから選ぶか、"
                "言葉を変えてもう一度お書きください。"
            ), {**new_state, "stage": "menu"}
        if result.confidence == "ambiguous":
            cands = result.candidates(self.matcher.policy)
            if len(cands) == 1:
                return self._open_card(self.kb.card(cands[0].card), result, new_state)
            lines = ["いくつかのヒントが当てはまりそうです。どれがいちばん近いでしょうか？"]
            opts = []
            for cs in cands:
                card = self.kb.card(cs.card)
                why = f"（手がかり: {'、'.join(cs.evidence[:3])}）" if cs.evidence else ""
                lines.append(f"・{rt.card_heading(card)}{why}")
                opts.append(Option(f"card:{card.id}", rt.short(f"{card.id} {card.title}", 60)))
            opts.append(OPT_NONE)
            new_state.update(stage="ask_card", candidates=[cs.card for cs in cands])
            return Reply(
                "ask_card", "\n".join(lines), options=tuple(opts), lead=lines[0]
            ), new_state
        return self._open_card(self.kb.card(result.cards[0].card), result, new_state)

    # -- chosen options -------------------------------------------------------------------
    def _choose(
        self, msg: Inbound, state: dict[str, Any] | None, expired: bool
    ) -> tuple[Reply, dict[str, Any] | None]:
        oid = (msg.choose or "").strip()
        m = _OPTION.match(oid)
        valid_now = state is not None and oid in (state.get("options") or [])
        if expired and not valid_now:
            return self._menu(
                "前回のご相談は、しばらく操作がなかったため終了しました。お手数ですが、"
                "もう一度お悩みを書くか、次のヒントから選んでください。",
                kind="error",
            ), None
        if m is None or not self._option_exists(m):
            return self._menu(
                f"その選択肢（{rt.short(oid, 30)}）は見つかりませんでした。次のヒントから選んでください。",
                kind="error",
            ), state
        if m.group("menu"):
            return self._menu(
                "どのヒントについて知りたいですか？ お悩みを書いていただいても大丈夫です。"
            ), {
                **(state or {}),
                "stage": "menu",
            }
        if m.group("card"):
            card = self.kb.card(m.group("cid"))
            if state and state.get("consultation"):
                self.store.update_consultation(int(state["consultation"]), card=card.id)
            new_state = self._with_consultation(msg, state, card.id, oid)
            return self._open_card(card, None, new_state)
        if m.group("sit"):
            card = self.kb.card(m.group("scid"))
            new_state = self._with_consultation(msg, state, card.id, oid)
            return self._show_situation(msg, card, int(m.group("sn")), new_state)
        if m.group("fb"):
            if not state or not state.get("consultation"):
                return self._menu(
                    "評価の対象となるご相談が見つかりませんでした（時間が経って終了した可能性があります）。"
                    "よろしければ、もう一度お悩みをお書きください。",
                    kind="error",
                ), state
            value = m.group("fv")
            self.store.update_consultation(int(state["consultation"]), feedback=value)
            text = (
                "お役に立てて良かったです。ほかにもお悩みがあれば、いつでもお書きください。"
                if value == "up"
                else "お役に立てず申し訳ありません。よろしければ、状況をもう少し詳しくお書きください。"
                "別のヒントが合うかもしれません。"
            )
            return Reply("feedback", text, card=state.get("card"), options=(OPT_MENU_NEW,)), {
                **state,
                "stage": "done",
            }
        # data follow-up
        if self.data is None or not state or state.get("stage") != "data":
            return self._menu(
                "その選択肢は、いまは使えません。もう一度ご質問ください。", kind="error"
            ), state
        dr = self.data.choose(oid, state.get("data_context") or {})
        return self._data_reply(dr), {**state, "data_context": dict(dr.context or {})}

    def _option_exists(self, m: re.Match[str]) -> bool:
        """Whether a well-formed option id names a card / situation that exists."""
        if m.group("card"):
            return self.kb.has_card(m.group("cid"))
        if m.group("sit"):
            cid = m.group("scid")
            n = int(m.group("sn"))
            return self.kb.has_card(cid) and n in {s.n for s in self.kb.card(cid).situations}
        return True

    def _with_consultation(
        self, msg: Inbound, state: Mapping[str, Any] | None, card_id: str, oid: str
    ) -> dict[str, Any]:
        """The state with a logged consultation: the running one, or a new one for
        ``card_id`` when the user came in by a button (App Home, a digest) without typing."""
        new_state = dict(state or {})
        if not new_state.get("consultation"):
            new_state["consultation"] = self.store.log_consultation(
                conversation=msg.conversation, user=msg.user, text=f"[{oid}]", intent="hint",
                card=card_id, meta=msg.meta,
            )  # fmt: skip
        return new_state

    # -- building replies -----------------------------------------------------------------
    def _open_card(
        self, card: Card, result: MatchResult | None, state: dict[str, Any]
    ) -> tuple[Reply, dict[str, Any]]:
        sugg: tuple[int, ...] = ()
        lead = f"{rt.card_heading(card)}のヒントが参考になりそうです。"
        if result is not None:
            top = result.cards[0]
            if top.evidence:
                lead += f"（手がかり: {'、'.join(top.evidence[:3])}）"
            elif top.card == card.id and (
                example := self.matcher.closest_example(card.id, result.query)
            ):
                lead += f"（「{rt.short(example, 50)}」という悩みに近いと判断しました）"
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
        return self._ask_situations(card, order, sugg, state, lead=lead, intro=True)

    def _ask_situations(
        self,
        card: Card,
        order: tuple[int, ...],
        suggested: tuple[int, ...],
        state: Mapping[str, Any] | None,
        *,
        lead: str,
        intro: bool = False,
    ) -> tuple[Reply, dict[str, Any]]:
        lines = [lead]
        if intro:
            lines.append(card.introduction)
        lines.append("")
        lines.append(
            "こんな状況に陥っていませんか？ 当てはまるものを選んでください（複数当てはまる場合は、順にご覧いただけます）。"
        )
        if suggested:
            s = card.situation(suggested[0])
            lines.append(f"お書きの内容からは、特に「{s.title}」が近いようです。")
        lines.append(rt.situations_text(card, order))
        opts = [
            Option(f"situation:{card.id}-{n}", rt.situation_label(card.situation(n))) for n in order
        ]
        opts.append(OPT_MENU_NEW)
        new_state = {
            **(state or {}),
            "stage": "situation",
            "card": card.id,
            "suggested": list(suggested),
        }
        reply = Reply(
            "card",
            "\n".join(lines),
            card=card.id,
            situations=order,
            options=tuple(opts),
            lead=lead,
            suggested=suggested,
        )
        return reply, new_state

    def _show_situation(
        self, msg: Inbound, card: Card, n: int, state: Mapping[str, Any] | None
    ) -> tuple[Reply, dict[str, Any]]:
        s = card.situation(n)
        seen = [
            int(x) for x in (state or {}).get("seen", []) if (state or {}).get("card") == card.id
        ]
        if n not in seen:
            seen.append(n)
        lead = f"「{s.title}」に当てはまる場合の対策です。"
        parts = [lead, "", rt.situation_detail(self.kb, s), ""]
        parts += [
            rt.countermeasure_text(self.kb, card.countermeasure(cn)) for cn in s.countermeasures
        ]
        parts += ["", rt.SOURCE_NOTE]
        others = [x for x in card.situations if x.n != n]
        opts = [Option(f"situation:{card.id}-{x.n}", rt.situation_label(x)) for x in others]
        opts += [OPT_MENU_NEW, OPT_UP, OPT_DOWN]
        if state and state.get("consultation"):
            self.store.update_consultation(int(state["consultation"]), card=card.id, situation=n)
        new_state = {**(state or {}), "stage": "countermeasures", "card": card.id, "seen": seen}
        reply = Reply(
            "countermeasures",
            "\n".join(parts),
            card=card.id,
            situations=(n,),
            countermeasures=s.countermeasures,
            options=tuple(opts),
            lead=lead,
        )
        return reply, new_state

    def _menu_options(self) -> tuple[Option, ...]:
        return tuple(
            Option(f"card:{c.id}", rt.short(f"{c.id} {c.title}", 60)) for c in self.kb.cards
        )

    def _menu(self, lead: str, kind: str = "menu") -> Reply:
        text = f"{lead}\n\n{rt.menu_text(self.kb)}"
        return Reply(kind, text, options=self._menu_options(), lead=lead)  # type: ignore[arg-type]

    def _data_reply(self, dr: DataReply) -> Reply:
        return Reply(
            "data",
            dr.text,
            options=dr.options,
            charts=dr.charts,
            sample=dr.sample,
            lead=dr.text.split("\n", 1)[0],
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
