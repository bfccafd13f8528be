"""Realistic Slack messages as transcripts: long posts, how-to questions, other people's
worries, and requests for facts that use the field's words."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.core.replies import Reply
from bot.knowledge.model import KnowledgeBase
from bot.matching.matcher import Matcher
from bot.render.text import render
from bot.text.clauses import (
    focus,
    is_fact_request,
    is_long_worry,
    is_office_matter,
    without_speaker,
)
from tests.test_dialogue import run

Say = Callable[..., Reply]

LONG_POST = (
    "人口8千人の山あいの町で高齢福祉を担当しています。協議体は2年前に立ち上げ、社協のSCも"
    "よく動いてくれていて、先月の会議では民生委員さんから通いの場を増やしたいという話も出ました。"
    "財政課からは毎年予算の説明を求められています。"
    "一番困っているのは、町内の病院や買い物に行く手段がなく、送迎をしてくれる担い手も見つからないことです。"
)


def test_a_long_post_is_matched_on_its_trouble_not_its_background(say: Say) -> None:
    # 協議体, 通いの場, SC and 財政課 belong to other cards; the trouble is transport
    [reply] = run(say, [(LONG_POST, {"kind": "card", "card": "05", "says": ("手がかり",)})])
    assert "病院や買い物に行く手段" in focus(LONG_POST)
    assert "財政課" not in focus(LONG_POST)
    assert reply.evidence


def test_a_how_to_question_is_a_worry(say: Say) -> None:
    run(
        say,
        [
            (
                "協議体の委員に自分から発言してもらうにはどうすればいいですか",
                {"kind": "card", "card": "02"},
            )
        ],
    )


def test_a_worry_told_from_another_viewpoint_is_a_worry(say: Say) -> None:
    run(
        say,
        [
            (
                "県の担当です。A町では生活支援コーディネーターに何を期待するのか町として決めておらず、"
                "SC本人も何をすればいいか迷っているようです。",
                {"kind": "card", "card": "07"},
            )
        ],
    )


@pytest.mark.parametrize(
    "request_",
    [
        "生活支援コーディネーター研修の会場はどこ？",
        "介護予防手帳の印刷業者を教えて",
        "協議体の議事録テンプレートある？",
        "総合事業の訪問型サービスAの単価はいくらですか",
    ],
)
def test_a_request_for_a_fact_is_declined_with_what_the_bot_can_do(say: Say, request_: str) -> None:
    [reply] = run(say, [(request_, {"kind": "menu", "says": ("お答えできません",)})])
    assert "ヒントカード" in render(reply) and reply.card is None


@pytest.mark.parametrize(
    "worry",
    [
        "予算が足りなくて移動支援の事業ができない",
        "協議体の会議がいつも形だけで困っている",
        "どこから手をつければいいか分からない",
    ],
)
def test_worries_with_the_same_words_are_not_taken_for_fact_requests(worry: str) -> None:
    assert not is_fact_request(worry)


@pytest.mark.parametrize(
    "message",
    [
        "協議体の委員名簿をエクセルで地区ごとに分けたいんですが、やり方を教えて",
        "SCの求人を出すので、応募資格の書き方を相談したい",
        "通いの場で使う体操DVDをコピーしたら著作権的にまずいですか",
        "包括の送別会の幹事になったので、お店の候補をください",
        "前回の地域ケア会議の資料、PDFにして送ってもらえますか",
        "移動支援の車のリース、どこの業者が安いですか",
        "生活支援コーディネーターの研修資料はいつ頃共有されるんでしたっけ",
        "協議体の次第、明日までに作ってもらえますか",
        "来週の地域ケア会議は中止になりました",
        "通いの場の実績報告、金曜までに提出をお願いします",
        "包括に送る事業対象者の一覧、発送しといてくれへん？",
        "本日のサロン訪問終わりました。特に変わりなしです",
        "【お知らせ】来週は庁舎の点検で午前中は電話がつながりません",
        "次回のSC連絡会って何日？",
        "地域ケア会議の資料、何部コピーすればいいですか",
    ],
)
def test_office_matters_with_field_words_are_declined(say: Say, message: str) -> None:
    """Software, hiring, rights, the office's social life, vendors and files: the field's
    words come along, but no hint card is about them."""
    [reply] = run(say, [(message, {"kind": "menu", "says": ("お答えできません",)})])
    assert reply.card is None


@pytest.mark.parametrize(
    ("worry", "card"),
    [
        ("事業者の協力が得られず、移動支援の担い手が見つからない", "05"),
        ("協議体の資料を丁寧に作っても、委員が受け身のままで発言がない", "02"),
        ("SCに何を期待しているのか市として示せておらず、SCが孤立している", "07"),
        ("若い世代が地域活動に参加してくれない", "01"),
        ("サロンの幹事さんが高齢になって、次の担い手が見つからない", "01"),
        ("住民に「見守りをやってください」とお願いしても、役所の仕事の押し付けだと言われる", "01"),
        ("第1層の協議体、設置はしたけど実際には動いてないんですよね", "02"),
        (
            "協議体の委員に、もっと自分から意見を出してほしいのですが、アドバイスをお願いします",
            "02",
        ),
    ],
)
def test_worries_near_office_words_are_still_answered(say: Say, worry: str, card: str) -> None:
    """Including the forms a request to a colleague shares with a worry (〜してくれない)."""
    assert not is_office_matter(worry)
    run(say, [(worry, {"kind": "card", "card": card})])


def test_no_worry_of_the_cards_is_declined(kb: KnowledgeBase) -> None:
    """Every worry and paraphrase the cards carry (about 1,600, all worries by construction)
    passes the decline checks: a rule that catches one of them would decline real users too."""
    texts = [
        t
        for c in kb.cards
        for t in (*c.worries, *c.paraphrases, *(p for s in c.situations for p in s.paraphrases))
    ]
    assert len(texts) > 1000
    declined = [t for t in texts if is_fact_request(t) or is_office_matter(t)]
    assert declined == []


@pytest.mark.parametrize(
    "worry",
    [
        "お疲れ様です。協議体の委員が受け身で発言がありません",
        "いつもありがとうございます。SCが孤立しています",
        "お疲れ様です。協議体の活性化について、ご教示お願いします",
        "サービスBの担い手が集まりません。ご意見お願いします",
        "担当者が毎年異動するのでノウハウが蓄積されない",
        "SCが残業続きで疲弊している",
        "移動支援に公用車を活用できないか検討している",
        "他市の事例を共有していただけますか",
    ],
)
def test_greetings_requests_for_advice_and_staff_matters_stay_worries(worry: str) -> None:
    assert not is_office_matter(worry) and not is_fact_request(worry)


def test_a_word_inside_another_word_is_not_evidence(matcher: Matcher) -> None:
    """送迎 (card 05's transport) inside 歓送迎会 is a party, not a worry about transport;
    a phrase that starts a word still counts (協議体 in 協議体運営)."""
    party = matcher.match("来週の歓送迎会のお店、どこがいいと思う")
    assert all("送迎" not in c.evidence for c in party.cards)
    assert party.confidence == "none"
    ride = matcher.match("送迎してくれる人がいない")
    assert ride.cards[0].card == "05" and "送迎" in ride.cards[0].evidence


@pytest.mark.parametrize(
    ("message", "card"),
    [
        (
            "第2層SCです。地区の老人クラブとボランティアグループをつなげたいのですが、縄張り意識が強くて",
            "03",
        ),
        (
            "第1層SCとして関わっているB市では、住民の思いより通いの場の箇所数を増やすことが優先されています",
            "01",
        ),
    ],
)
def test_the_writers_own_role_is_not_the_worry(say: Say, message: str, card: str) -> None:
    """An SC introducing themselves is not asking about SCs (card 07, chosen before)."""
    assert "SC" not in without_speaker(message)
    run(say, [(message, {"kind": "card", "card": card})])


def test_a_role_alone_is_kept() -> None:
    assert without_speaker("社協の者です。住民が集まらない") == "住民が集まらない"
    assert without_speaker("SCが孤立しています") == "SCが孤立しています"
    assert without_speaker("第2層SCです。") == "第2層SCです。"  # nothing else to match on


def test_a_worry_citing_figures_stays_a_worry() -> None:
    text = (
        "うちの町は高齢化率が42%で、75歳以上の人口も増え続けています。"
        "通いの場を作っても参加者が固定化してしまい、どう広げればいいのか困っています。"
    )
    assert is_long_worry(text)
