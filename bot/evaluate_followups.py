"""``hintbot eval`` on a follow-up file: written replies in context, and word-only dialogues.

A follow-up file has ``replies`` (one written reply to a known question, with the action it
must be understood as) and ``dialogues`` (a worry, then a simulated user who answers every
question only in words: it names its situation in its own words, names the card's topic
when asked which card, agrees with a highlighted suggestion when it is right and says no
when it is not). The figures are the ones issue 10 names: dialogues reaching the right
対策 within four user turns, the mean number of turns, the fixed commands understood, and
the per-turn latency.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.core.engine import Engine
from bot.core.replies import Inbound, Reply
from bot.core.state import ConversationState
from bot.render.text import render
from bot.storage.conversations import Store

MAX_TURNS = 4
# the commands the issue counts as "fixed": open a card, feedback, back or menu, the
# prefecture follow-up, and いいえ moving on
FIXED = ("open_card", "feedback", "menu", "prefecture", "no")


@dataclass
class FollowupReport:
    replies: Counter[str] = field(default_factory=Counter)
    replies_ok: Counter[str] = field(default_factory=Counter)
    dialogues: int = 0
    dialogues_ok: int = 0
    turns: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def fixed(self) -> tuple[int, int]:
        return (
            sum(self.replies_ok[a] for a in FIXED),
            sum(self.replies[a] for a in FIXED),
        )


class _Driver:
    """Runs turns against one engine, timing each."""

    def __init__(self, engine: Engine, store: Store, report: FollowupReport) -> None:
        self.engine = engine
        self.store = store
        self.report = report
        self.n = 0

    def new(self) -> str:
        self.n += 1
        return f"eval:{self.n}"

    def say(self, conv: str, text: str | None = None, choose: str | None = None) -> Reply:
        t0 = time.perf_counter()
        reply = self.engine.handle(Inbound(conv, "eval", text=text, choose=choose))
        self.report.latencies_ms.append((time.perf_counter() - t0) * 1000)
        return reply

    def state(self, conv: str) -> ConversationState:
        raw, _ = self.store.load(conv)
        return ConversationState.from_json(raw) or ConversationState()

    def put(self, conv: str, state: ConversationState) -> None:
        self.store.save(conv, "eval", state.to_json())


def _setup(d: _Driver, conv: str, ctx: dict[str, Any]) -> Reply | None:
    """Bring a conversation to the question the reply answers; the last bot reply."""
    stage = str(ctx.get("stage") or "any")
    card = str(ctx.get("card") or "01")
    if stage == "situations":
        reply = d.say(conv, choose=f"card:{card}")
        if ctx.get("suggested"):
            n = int(ctx["suggested"])
            d.put(conv, d.state(conv).with_(suggested=(n,)))
            from dataclasses import replace

            reply = replace(reply, suggested=(n,))
        return reply
    if stage == "card_choice":
        cards = tuple(str(c) for c in ctx.get("cards") or ())
        d.say(conv, choose=f"card:{cards[0]}")
        st = d.state(conv)
        d.put(
            conv,
            st.with_(
                stage="ask_card",
                candidates=cards,
                card=None,
                options=(*(f"card:{c}" for c in cards), "menu"),
            ),
        )
        return None
    if stage == "countermeasures":
        d.say(conv, choose=f"card:{card}")
        return d.say(conv, choose=f"situation:{card}-{int(ctx.get('situation') or 1)}")
    if stage == "data_prefecture":
        return d.say(conv, text=f"{ctx.get('town', '太子町')}の高齢化率は？")
    return d.say(conv, choose=f"card:{card}")


def _check(
    d: _Driver, conv: str, before: Reply | None, reply: Reply, ctx: dict[str, Any], want: dict
) -> bool:
    action = str(want.get("action"))
    card = str(ctx.get("card") or "")
    kb = d.engine.kb
    if action == "situation":
        return reply.kind == "countermeasures" and reply.situations == (int(want["situation"]),)
    if action == "yes":
        n = int(ctx.get("suggested") or 1)
        return reply.kind == "countermeasures" and reply.situations == (n,)
    if action == "no":
        if reply.kind == "ask_card":
            return True
        return (
            reply.kind == "card"
            and reply.card == card
            and before is not None
            and (reply.situations, reply.suggested) != (before.situations, before.suggested)
        )
    if action == "all":
        return reply.kind == "countermeasures" and set(reply.situations) == {
            s.n for s in kb.card(card).situations
        }
    if action == "none":
        return reply.kind in ("ask_card", "menu") and not any(
            o.id.startswith(f"situation:{card}-") for o in reply.options
        )
    if action == "card":
        return reply.kind == "card" and reply.card == str(want["card"])
    if action == "feedback":
        if reply.kind != "feedback":
            return False
        rows = d.store.consultations(user="eval", limit=1)
        return bool(rows) and rows[0].feedback == want.get("value")
    if action == "other_situations":
        return (
            reply.kind == "card"
            and reply.card == card
            and (int(ctx.get("situation") or 0) not in reply.situations)
        )
    if action == "references":
        return "参考文献" in render(reply)
    if action == "open_card":
        return reply.kind == "card" and reply.card == str(want["card"])
    if action == "menu":
        return reply.kind == "menu"
    if action == "help":
        return reply.kind == "help"
    if action == "new_worry":
        target = str(want["card"])
        return reply.card == target or any(ch.card.id == target for ch in reply.choices)
    if action == "prefecture":
        text = render(reply)
        return (
            reply.kind == "data"
            and str(want["prefecture"]) in text
            and not any(o.id.startswith("data:muni:") for o in reply.options)
        )
    return False


def _simulate(d: _Driver, dlg: dict[str, Any]) -> tuple[bool, int, list[str]]:
    conv = d.new()
    card, sit = str(dlg["card"]), int(dlg["situation"])
    words = [str(w) for w in dlg.get("situation_words") or []] or [""]
    topics = [str(w) for w in dlg.get("topic_words") or []] or [""]
    yes, no = str(dlg.get("yes") or "はい"), str(dlg.get("no") or "いいえ")
    said = [str(dlg["worry"])]
    reply = d.say(conv, text=said[0])
    w = t = 0
    for turn in range(1, MAX_TURNS + 1):
        if reply.kind == "countermeasures" and reply.card == card and sit in reply.situations:
            return True, turn, said
        if turn == MAX_TURNS:
            break
        if reply.kind == "card" and reply.card == card:
            if reply.suggested:
                text = yes if reply.suggested[0] == sit else no
            else:
                text = words[w % len(words)]
                w += 1
        elif reply.kind == "card" and reply.card != card:
            text = topics[t % len(topics)]
            t += 1
        elif reply.kind == "countermeasures" and reply.card == card:
            text = words[w % len(words)]
            w += 1
        else:
            text = topics[t % len(topics)]
            t += 1
        said.append(text)
        reply = d.say(conv, text=text)
    return False, MAX_TURNS, said


def evaluate_followups(
    doc: dict[str, Any], engine: Engine, store: Store, *, show_texts: bool = True
) -> FollowupReport:
    r = FollowupReport()
    d = _Driver(engine, store, r)
    for item in doc.get("replies") or []:
        ctx = dict(item.get("context") or {})
        want = dict(item.get("expect") or {})
        action = str(want.get("action"))
        conv = d.new()
        before = _setup(d, conv, ctx)
        reply = d.say(conv, text=str(item["text"]))
        r.replies[action] += 1
        if _check(d, conv, before, reply, ctx, want):
            r.replies_ok[action] += 1
        else:
            got = f"{reply.kind} {reply.card} {reply.situations}"
            text = f": {item['text']}" if show_texts else ""
            r.misses.append(f"{item.get('id')} {action} 結果 {got}{text}")
    for dlg in doc.get("dialogues") or []:
        r.dialogues += 1
        ok, turns, said = _simulate(d, dlg)
        r.turns.append(turns)
        if ok:
            r.dialogues_ok += 1
        else:
            text = f": {' / '.join(said)}" if show_texts else ""
            r.misses.append(f"{dlg.get('id')} 対話 {dlg['card']}-{dlg['situation']}{text}")
    return r


def _pct(a: int, b: int) -> str:
    return f"{a / b:.1%} ({a}/{b})" if b else "— (0/0)"


def format_followup_report(r: FollowupReport, *, texts: bool = True) -> str:
    lat = sorted(r.latencies_ms)
    p50 = lat[len(lat) // 2] if lat else 0.0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0
    ok, total = r.fixed()
    lines = [
        f"書いた返答 {sum(r.replies.values())} 件 / 対話 {r.dialogues} 件",
        f"書いた返答を正しく理解した割合: {_pct(sum(r.replies_ok.values()), sum(r.replies.values()))}",
        f"決まった操作（カードを開く・評価・一覧や戻る・府県の聞き返し・いいえ）: {_pct(ok, total)}",
    ]
    for action in sorted(r.replies):
        lines.append(f"  {action}: {_pct(r.replies_ok[action], r.replies[action])}")
    mean = sum(r.turns) / len(r.turns) if r.turns else 0.0
    lines += [
        f"4ターン以内に正しい対策に着いた対話: {_pct(r.dialogues_ok, r.dialogues)}、平均ターン数 {mean:.2f}",
        f"1ターンの処理時間: p50 {p50:.2f} ms / p99 {p99:.2f} ms（{len(lat)} ターン）",
    ]
    return "\n".join(lines + miss_lines(r.misses, texts))


def miss_lines(misses: list[str], texts: bool) -> list[str]:
    """The misses of a report: each with its text, or only their count (a blind set is
    measured without anyone reading what it got wrong)."""
    if not misses:
        return ["誤りはありません。"]
    if not texts:
        return [f"誤り {len(misses)} 件（--figures-only のため文面は示しません）"]
    return ["誤り:", *(f"  {m}" for m in misses)]
