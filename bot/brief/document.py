"""A brief as a document: a title, notes and sections of paragraphs, lists, tables and charts.

One document feeds every renderer (plain text, Markdown, the PDF, Block Kit), so they all say
the same thing in the same order. Every line, row or list entry that shows a sample-based value
ends with 「※サンプルデータ（架空の値）」.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.brief.model import Brief, CardBrief
from bot.survey.schedule import fmt_date
from bot.text.notes import SAMPLE_NOTE

DOC_TITLE = "市町村支援ブリーフ"
BARRIER_ROWS = 8  # applying items shown as table rows; the rest are listed in one line


@dataclass(frozen=True)
class Para:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths (the PDF)
    # in one line of plain text: 「label：value（prefix cell、prefix cell …）」
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sub:
    """A sub-heading inside a section (a hint card)."""

    text: str


@dataclass(frozen=True)
class Chart:
    """A chart the PDF draws here (text renderers skip it)."""

    kind: Literal["position", "barriers"]


Block = Para | Bullets | Table | Sub | Chart


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    notes: tuple[str, ...]
    sections: tuple[Section, ...]
    sources: tuple[str, ...]


def marked(text: str, sample: bool) -> str:
    return f"{text} {SAMPLE_NOTE}" if sample else text


def pct(v: float) -> str:
    return f"{v:.0f}%"


def who(recorded_by: str | None) -> str:
    """The recorder as the document writes it (Block Kit turns a member id into a mention)."""
    return recorded_by or "コマンド（hintbot visit add）"


def build(brief: Brief) -> Document:
    title = f"{DOC_TITLE}：{brief.label}"
    notes = [
        f"{fmt_date(brief.today)} 時点 ・ 訪問・助言の前の確認用（府県・厚生局・市町村の職員向け）"
    ]
    if brief.sample:
        notes.append(f"{SAMPLE_NOTE}を含みます。該当する値にはその旨を書いています。")
    sections = (
        _sheet(brief),
        _barriers(brief),
        _cards(brief),
        _consultations(brief),
        _visits(brief),
    )
    sources = (
        *brief.sheet.sources,
        "近畿厚生局 令和2年度 市町村支援策検討事業 報告書「市町村課題認識アンケート」・"
        "「地域づくりにおける悩みと対策のヒント」",
    )
    return Document(title, tuple(notes), sections, sources)


def _sheet(b: Brief) -> Section:
    sheet = b.sheet
    rows = tuple(
        (marked(f.label, f.sample), f.text, f.pref_text, f.rank_text, f.period)
        for f in sheet.figures
    )
    blocks: list[Block] = [
        Table(
            ("指標", b.name, b.pref_name, "府内順位", "時点"),
            rows,
            (3.3, 1.7, 2.0, 1.2, 1.2),
            ("", "", f"{b.pref_name} ", "府内 ", ""),
        )
    ]
    if not sheet.mieruka_imported:
        blocks.append(
            Para(
                "見える化システム等の指標は取り込まれていないため、デモ用のサンプル値を示しています"
                "（実データは hintbot import indicators で取り込めます）。",
                small=True,
            )
        )
    blocks.append(
        Bullets(tuple(marked(f"{v.title}: {v.text}", v.sample) for v in sheet.viewpoints))
    )
    blocks.append(Chart("position"))
    return Section(f"1. 概況シート（{b.pref_name}内の位置。順位は値の高い順）", tuple(blocks))


def _barriers(b: Brief) -> Section:
    br = b.barriers
    head = "2. つまずいているところ（課題認識アンケート）"
    if not br.answered:
        blocks: list[Block] = [
            Para(
                f"{b.name}はまだ課題認識アンケートに回答していません（{br.pref_name}の回答 "
                f"{br.pref_answered} / {br.pref_total} 市町村）。訪問の際に /survey での回答を"
                "お願いしてください。"
            )
        ]
        if br.pref_top:
            blocks.append(Para(f"参考: {br.pref_name}で「当てはまる」とする市町村が多い項目"))
            blocks.append(
                Bullets(
                    tuple(marked(f"{t}：{pct(s)}", br.sample) for t, s in br.pref_top),
                    numbered=True,
                )
            )
        return Section(head, tuple(blocks))
    when = f"回答日 {fmt_date(br.answered_on)}" if br.answered_on else "回答あり"
    when += (
        f"（前回 {fmt_date(br.previous_on)} の回答と比較）"
        if br.previous_on
        else "（前回の回答はありません）"
    )
    summary = (
        f"{when}。{br.items_total}項目中 {len(br.applying)}項目を課題として「当てはまる」と回答"
        f"（{br.pref_name}の回答 {br.pref_answered} / {br.pref_total} 市町村）。"
    )
    blocks = [Para(summary)]
    if br.applying:
        shown, rest = br.applying[:BARRIER_ROWS], br.applying[BARRIER_ROWS:]
        blocks.append(
            Table(
                ("課題として当てはまる項目（強い順）", "回答", br.pref_name, "近畿", "前回から"),
                tuple(
                    (
                        marked(f"{x.n}. {x.text}", x.sample),
                        x.answer,
                        pct(x.pref_share),
                        pct(x.region_share),
                        x.change or "―",
                    )
                    for x in shown
                ),
                (3.6, 1.5, 0.9, 0.9, 1.5),
                ("", "", f"{br.pref_name} ", "近畿 ", ""),
            )
        )
        if rest:
            blocks.append(
                Para(
                    marked(
                        f"ほかに「当てはまる」とした{len(rest)}項目: "
                        + "、".join(x.short + ("（とても）" if x.strong else "") for x in rest),
                        any(x.sample for x in rest),
                    )
                )
            )
        blocks.append(Chart("barriers"))
    else:
        blocks.append(Para("「当てはまる」とした項目はありません。"))
    if br.no_longer:
        blocks.append(
            Para("前回は当てはまり、今回は当てはまらなくなった項目: " + "、".join(br.no_longer))
        )
    blocks.append(
        Para(
            f"割合は「とても当てはまる」「当てはまる」と答えた市町村の割合（{br.pref_name}・近畿2府5県）。",
            small=True,
        )
    )
    return Section(head, tuple(blocks))


def card_heading(c: CardBrief) -> str:
    return f"ヒント{c.id}「{c.title}」（{c.category}）"


def _cards(b: Brief) -> Section:
    head = "3. 問いかけと対策（上位の課題に答えるヒントカード）"
    if not b.cards:
        return Section(head, (Para("上位の課題に答えるヒントカードはありません。"),))
    blocks: list[Block] = []
    if b.cards_from_prefecture:
        blocks.append(
            Para(f"回答がないため、{b.pref_name}で多い課題に答えるカードを示します。", small=True)
        )
    for c in b.cards:
        blocks.append(Sub(card_heading(c)))
        if c.because:
            blocks.append(Para("答える課題: " + "、".join(c.because), small=True))
        blocks.append(Para("問いかけ（会話に持っていく質問）"))
        blocks.append(Bullets(c.questions))
        blocks.append(Para("対策"))
        blocks.append(Bullets(c.countermeasures, numbered=True))
    return Section(head, tuple(blocks))


def _consultations(b: Brief) -> Section:
    c = b.consultations
    head = f"4. 職員がボットに相談したこと（過去{c.days}日・カード別の件数）"
    if not c.staff:
        text = f"{b.name}の職員はまだボットに登録されていないため、件数はありません。"
        return Section(head, (Para(text),))
    if not c.total:
        text = f"登録された職員（{c.staff}人）からの相談は、過去{c.days}日にありませんでした。"
        return Section(head, (Para(text),))
    blocks: list[Block] = [
        Para(f"登録された職員 {c.staff}人から計 {c.total}件（相談の文面と名前は載せていません）。"),
        Bullets(tuple(f"ヒント{cid}「{title}」：{n}件" for cid, title, n in c.by_card)),
    ]
    return Section(head, tuple(blocks))


def _visits(b: Brief) -> Section:
    head = "5. 訪問記録と次回の検討会"
    blocks: list[Block] = []
    v = b.visits
    if v is None:
        blocks.append(Para("訪問記録は府県・厚生局の職員だけがご覧いただけます。"))
    elif not v.planned and not v.past:
        blocks.append(
            Para(
                "訪問記録はまだありません（hintbot visit add / Slack の /hint-visit で記録できます）。"
            )
        )
    else:
        items = [
            f"{fmt_date(x.day)}（予定）：{x.note}（記録: {who(x.recorded_by)}）" for x in v.planned
        ]
        items += [f"{fmt_date(x.day)}：{x.note}（記録: {who(x.recorded_by)}）" for x in v.past]
        blocks.append(Bullets(tuple(items)))
        if v.past_total > len(v.past):
            blocks.append(
                Para(
                    f"ほか {v.past_total - len(v.past)}件の過去の記録があります（hintbot visit list）。",
                    small=True,
                )
            )
    if b.next_meeting:
        days = (b.next_meeting - b.today).days
        when = "本日" if days == 0 else f"あと {days} 日"
        blocks.append(Para(f"次回の市町村支援策検討会: {fmt_date(b.next_meeting)}（{when}）"))
    else:
        blocks.append(
            Para("次回の市町村支援策検討会: 未登録（hintbot meeting add 日付 で登録できます）")
        )
    return Section(head, tuple(blocks))
