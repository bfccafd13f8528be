"""Block Kit stays within Slack's limits for every answer the engine can give."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.replies import Inbound, Option, Reply
from bot.knowledge.model import Countermeasure, KnowledgeBase, Point
from bot.render.text import render
from bot.runtime import Runtime
from bot.slack.blocks import (
    MAX_BLOCKS,
    Rendered,
    Renderer,
    consumed_blocks,
    escape,
    fallback_text,
    split_text,
)


def check_limits(rendered: Rendered, reply: Reply | None = None) -> list[dict[str, Any]]:
    blocks = rendered.blocks_json()  # to_dict() runs slack_sdk's own validators too
    assert 0 < len(blocks) <= MAX_BLOCKS
    assert rendered.text.strip() and len(rendered.text) <= 3000
    action_ids: list[str] = []
    values: list[str] = []
    for b in blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= 3000
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        if b["type"] == "context":
            assert len(b["elements"]) <= 10
        if b["type"] == "actions":
            assert len(b["elements"]) <= 25
        buttons = [e for e in b.get("elements", []) if e.get("type") == "button"]
        if isinstance(b.get("accessory"), dict):
            buttons.append(b["accessory"])
        for btn in buttons:
            assert len(btn["text"]["text"]) <= 75
            assert len(btn["value"]) <= 2000
            action_ids.append(btn["action_id"])
            values.append(btn["value"])
    assert len(action_ids) == len(set(action_ids)), "action_id must be unique per message"
    if reply is not None:
        # every option of the engine is a button carrying the option id
        assert sorted(values) == sorted(o.id for o in reply.options)
    return blocks


def test_every_card_and_every_situation_renders_within_limits(runtime: Runtime) -> None:
    renderer = Renderer(runtime.kb)
    engine = runtime.engine
    longest = 0
    for card in runtime.kb.cards:
        conv = f"limits-{card.id}"
        reply = engine.handle(Inbound(conv, "u", choose=f"card:{card.id}"))
        assert reply.kind == "card"
        blocks = check_limits(renderer.message(reply), reply)
        assert blocks[0]["type"] == "header" and card.title in blocks[0]["text"]["text"]
        for s in card.situations:
            reply = engine.handle(Inbound(conv, "u", choose=f"situation:{card.id}-{s.n}"))
            assert reply.kind == "countermeasures"
            rendered = renderer.message(reply)
            blocks = check_limits(rendered, reply)
            text = "".join(b.get("text", {}).get("text", "") for b in blocks if "text" in b)
            for cn in s.countermeasures:
                assert f"【対策{cn}】" in text
            sources = [b for b in blocks if b["type"] == "context"]
            assert any("出典" in e["text"] for b in sources for e in b["elements"])
            longest = max(longest, len(render(reply)))
    assert longest > 1000


def test_menu_help_and_errors_render_within_limits(runtime: Runtime) -> None:
    renderer = Renderer(runtime.kb)
    for inbound in (
        Inbound("m", "u", choose="menu"),
        Inbound("m", "u", text="ヘルプ"),
        Inbound("m", "u", text="   "),
        Inbound("m", "u", choose="card:99"),
        Inbound("m", "u", text="今日の天気は晴れです"),
        Inbound("m", "u", choose="feedback:up"),
    ):
        reply = runtime.engine.handle(inbound)
        check_limits(renderer.message(reply), reply)


def test_an_oversized_answer_is_split_and_kept_under_fifty_blocks(runtime: Runtime) -> None:
    kb = runtime.kb
    card = kb.cards[0]
    long_points = tuple(Point(f"要点{i}", "とても長い説明です。" * 120) for i in range(6))
    cms = tuple(
        Countermeasure(n=i, title=f"対策の題名{i}" * 5, points=long_points) for i in range(1, 41)
    )
    sit = dataclasses.replace(card.situations[0], countermeasures=tuple(range(1, 41)))
    big = dataclasses.replace(card, countermeasures=cms, situations=(sit, *card.situations[1:]))
    big_kb = KnowledgeBase(cards=(big, *kb.cards[1:]), lexicon=kb.lexicon, references=kb.references)
    reply = Reply(
        "countermeasures",
        card=big.id,
        shown_card=big,
        shown_situations=(sit,),
        shown_countermeasures=cms,
        situations=(sit.n,),
        countermeasures=sit.countermeasures,
        options=(
            *(Option(f"situation:{big.id}-{x.n}", x.title) for x in big.situations[1:]),
            Option("menu", "別の悩みを相談する"),
            Option("feedback:up", "役に立った"),
        ),
        lead="長い対策です。",
    )
    rendered = Renderer(big_kb).message(reply)
    blocks = check_limits(rendered, reply)
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["type"] == "actions"  # the buttons survive the trimming
    assert any("省略しました" in json.dumps(b, ensure_ascii=False) for b in blocks)
    assert rendered.text.endswith("（続きは本文をご覧ください）")


def test_long_labels_are_shortened_and_many_options_split_into_rows(runtime: Runtime) -> None:
    opts = tuple(Option(f"data:{i}", "とても長い選択肢の名前" * 10) for i in range(60))
    reply = Reply("data", body="どれでしょうか？", options=opts, sample=True)
    blocks = check_limits(Renderer(runtime.kb).message(reply), reply)
    assert any(
        "サンプルデータ" in e["text"]
        for b in blocks
        if b["type"] == "context"
        for e in b["elements"]
    )


def test_consumed_blocks_drop_buttons_and_say_what_was_chosen(runtime: Runtime) -> None:
    reply = runtime.engine.handle(Inbound("c", "u", choose="card:02"))
    blocks = Renderer(runtime.kb).message(reply).blocks_json()
    out = consumed_blocks(blocks, "1. 協議体の設置や開催が目的になっている。")
    assert not any(b["type"] == "actions" or "accessory" in b for b in out)
    assert out[-1]["type"] == "context" and out[-1]["elements"][0]["text"].startswith("選択: ")


def test_mrkdwn_control_characters_are_escaped() -> None:
    assert escape("<@U1> & <!here>") == "&lt;@U1&gt; &amp; &lt;!here&gt;"


def test_fallback_text_is_cut_at_a_line_end() -> None:
    text = "\n".join(f"{i}行目の文章です。" * 10 for i in range(200))
    out = fallback_text(text)
    assert len(out) <= 3000 and out.endswith("（続きは本文をご覧ください）")
    assert fallback_text("") == "地域づくりヒントBotからのお返事です。"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("あいう&<>\n abc")), max_size=9000))
def test_split_text_keeps_every_chunk_under_the_limit(text: str) -> None:
    chunks = split_text(text, 500)
    assert all(0 < len(c) <= 500 for c in chunks)
    # nothing is lost except blank lines between chunks
    assert "".join("".join(chunks).split()) == "".join(escape(text).split())
