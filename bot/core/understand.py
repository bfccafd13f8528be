"""Read a written reply as an answer to the question just asked.

People answer a chat question by writing (「2個目です」「そやねん」「協議体の話」「助かりました」),
not by pressing a button. This module turns such a reply, in the context of the conversation
state, into a typed ``Intent``; the engine acts on it. Only the forms of everyday Japanese
(plain, polite, Kansai) are listed here; topics are left to the matcher.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.text.prepared import Prepared

IntentKind = Literal[
    "yes",
    "no",
    "none",
    "all",
    "position",
    "undo",
    "menu",
    "help",
    "open_card",
    "feedback_up",
    "feedback_down",
    "other_situations",
    "references",
]


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    position: int = 0  # 1-based from the top; negative counts from the bottom
    card: str = ""  # open_card: a card id, or "" with ``topic`` to be matched
    topic: str = ""


def _alt(*words: str) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


# what may close a short reply: politeness, particles, fillers, laughter
_TAIL = r"(?:です|でした|ですね|ですよ|ます|や|やね|やな|やで|やわ|だ|だね|だよ|だな|ね|よ|な|なあ|なぁ|わ|かな|かも|かもしれません|と思います|と思う|w|笑)*"
_HEAD = r"(?:えーと|えっと|ええと|うーん|んー|あー|あの|そうですね|まあ|まぁ|うん|はい)*"

_YES = re.compile(
    "^"
    + _HEAD
    + _alt(
        "はい",
        "ええ",
        "うん",
        "そう",
        "そうそう",
        "そうです",
        "そうなんです",
        "そうなんですよ",
        "そやねん",
        "そうやねん",
        "そや",
        "せや",
        "せやねん",
        "せやな",
        "そうやな",
        "それ",
        "それです",
        "それや",
        "それそれ",
        "まさに",
        "まさにそれ",
        "まさにそれです",
        "その通り",
        "そのとおり",
        "当てはまる",
        "当てはまります",
        "あてはまる",
        "あてはまります",
        "当たり",
        "あたり",
        "正解",
        "合ってる",
        "合ってます",
        "あってる",
        "あってます",
        "間違いない",
        "間違いないです",
        "ほんまそれ",
        "そんな感じ",
        "そんなかんじ",
        "yes",
        "y",
        "ok",
        "おk",
        "オッケー",
        "はいそうです",
        "ですです",
        "そうだね",
        "そうだよ",
        "そうっす",
        "っす",
    )
    + _TAIL
    + "$"
)
_NO = re.compile(
    "^"
    + _HEAD
    + _alt(
        "いいえ",
        "いや",
        "いえ",
        "ちがう",
        "違う",
        "違います",
        "ちがいます",
        "違いますね",
        "ちゃう",
        "ちゃいます",
        "ちゃうねん",
        "ちゃうな",
        "ちゃうわ",
        "ちゃうかな",
        "ちゃうと思う",
        "違うかな",
        "違うと思う",
        "違う気がする",
        "そうじゃない",
        "そうじゃないです",
        "そうではない",
        "そうではありません",
        "当てはまらない",
        "当てはまりません",
        "あてはまらない",
        "あてはまりません",
        "no",
        "n",
        "ノー",
        "いや違う",
        "いやちがう",
        "うーん違う",
        "ないです",
        "ないな",
        "そこじゃない",
        "それじゃない",
        "それではない",
        "それとは違う",
        "外れ",
        "はずれ",
        "ハズレ",
        "違ってます",
        "ちがってます",
        "ではないです",
        "でもない",
        "そうでもない",
        "あんまり",
        "微妙",
        "びみょう",
    )
    + _TAIL
    + "$"
)
_NONE = re.compile(
    _alt(
        "どれでもない",
        "どれでもありません",
        "どれも違",
        "どれもちが",
        "どれもちゃう",
        "どれも当てはまら",
        "どれもあてはまら",
        "どちらでもない",
        "どっちでもない",
        "どっちも違",
        "どちらも違",
        "どっちもちゃう",
        "当てはまるものがない",
        "当てはまるものはない",
        "あてはまるものがない",
        "該当なし",
        "該当しない",
        "該当するものがない",
        "別のカード",
        "ほかのカード",
        "他のカード",
        "違うカード",
        "別のヒント",
        "ほかのヒント",
        "他のヒント",
        "違うヒント",
        "ほかのにして",
        "ほかにない",
        "他にない",
        "当てはまるのない",
        "あてはまるのない",
        "当てはまるのがない",
        "あてはまるのがない",
        "当てはまるのはない",
        "該当ない",
        "該当がない",
        "該当するのがない",
        "ちがうカード",
        "ちがうヒント",
        "この中にはない",
        "この中にない",
        "このなかにはない",
        "この中には無い",
        "ここにはない",
        "リストにない",
        "一覧にない",
    )
    + r"|(?:どれも|どっちも|どちらも|いずれも|全部|ぜんぶ|両方)(?:.{0,10}?)(?:ない|へん|ません|違|ちが|ちゃう|ピンとこ|ぴんとこ|外れ)"
    + r"|^(?:なし|ナシ|無し|ないです|ありません|特にない|特になし|とくにない)$"
)
_ALL = re.compile(
    "^"
    + _HEAD
    + _alt(
        "両方",
        "りょうほう",
        "どっちも",
        "どちらも",
        "全部",
        "ぜんぶ",
        "全て",
        "すべて",
        "いずれも",
        "2つとも",
        "二つとも",
        "ふたつとも",
        "3つとも",
        "三つとも",
        "みっつとも",
        "全部当てはまる",
        "全部当てはまります",
        "全部あてはまる",
        "どれも当てはまる",
        "どれも当てはまります",
        "どれもあてはまる",
        "どっちも当てはまる",
        "両方当てはまる",
        "両方とも",
        "どっちもです",
    )
    + r"(?:当てはまる|当てはまります|あてはまる|あてはまります|です|ですね|やね|やな|かな|やわ|や|だ|ね|そう|見たい|見せて|ください|お願いします|当てはまってる|当てはまってます|ある|あります|あるかも|該当する|該当します)*"
    + "$"
)
_UNDO = re.compile(
    "^"
    + _alt(
        "ちがう",
        "違う",
        "ちがいます",
        "違います",
        "ちゃう",
        "ちゃいます",
        "そうじゃない",
        "そうじゃなくて",
        "違うって",
        "ちゃうちゃう",
        "いや違う",
        "間違い",
        "間違えた",
        "間違えました",
        "取り消し",
        "とりけし",
        "取り消して",
        "戻して",
        "やっぱり違う",
        "やっぱちゃう",
        "それじゃない",
        "それじゃなくて",
    )
    + _TAIL
    + "$"
)
_MENU = re.compile(
    _alt(
        "一覧",
        "いちらん",
        "メニュー",
        "めにゅー",
        "menu",
        "はじめから",
        "初めから",
        "始めから",
        "最初から",
        "さいしょから",
        "最初に戻",
        "はじめに戻",
        "初めに戻",
        "トップに戻",
        "やり直",
        "やりなお",
        "リセット",
        "りせっと",
        "違う相談",
        "別の相談",
        "他の相談",
        "ほかの相談",
        "別件",
        "話を変え",
        "話変わ",
        "切り替え",
        "切りかえ",
        "きりかえ",
        "戻りたい",
        "戻って",
        "もどって",
        "新しい相談",
        "別のこと",
        "違う話",
        "別の話",
        "他の話",
        "ほかの話",
        "違う悩み",
        "別の悩み",
        "他の悩み",
        "ほかの悩み",
        "全部並べ",
        "全部ならべ",
        "全部見せ",
        "全部表示",
        "カードを全部",
        "カード全部",
        "全部のカード",
        "全カード",
        "すべてのカード",
        "全てのカード",
        "ヒントを全部",
        "全部のヒント",
        "カードの一覧",
        "カードのリスト",
        "カードを並べ",
        "カード並べ",
        "戻る",
        "もどる",
        "戻りま",
        "戻して",
        "もどして",
        "話変え",
        "話を変え",
        "はなしかえ",
        "最初の画面",
        "トップ画面",
        "ホーム",
    )
)
_HELP = re.compile(
    r"^(?:これ|この(?:ボット|bot|アプリ)|ボット|bot|あなた|君|きみ)?(?:は|って|で)?"
    + _alt(
        "ヘルプ",
        "へるぷ",
        "help",
        "使い方",
        "つかいかた",
        "使いかた",
        "何ができる",
        "なにができる",
        "何ができますか",
        "どう使う",
        "どうやって使う",
        "使い方がわからない",
        "使い方が分からない",
        "操作方法",
        "説明して",
        "どうやって使え",
        "どう使え",
        "どうすれば使え",
        "使い方教えて",
        "何が聞け",
        "なにが聞け",
        "何聞け",
        "何を聞け",
        "何ができる",
        "なにができる",
        "何ができん",
        "何でき",
        "なにでき",
    )
    + r"(?:を|は|が)?(?:ばいい|ばよい|いい|の|るの|ます|ますか|教えて|おしえて|教えてください|ください|知りたい|見せて|ですか|の|なの|ん|んですか|んや|か)*"
    + _TAIL
    + "$"
)
_FEEDBACK_DOWN = re.compile(
    _alt(
        "違った",
        "ちがった",
        "違ってた",
        "ちゃうかった",
        "ちごた",
        "期待してたのと違",
        "期待と違",
        "求めてたのと違",
        "思ってたのと違",
        "欲しかったのと違",
        "役に立たな",
        "役に立たへん",
        "役にたたな",
        "役立たな",
        "役に立ちませ",
        "役立ちませ",
        "参考にならな",
        "参考になりませ",
        "参考にならへん",
        "使えな",
        "使えへん",
        "使えませ",
        "いまいち",
        "イマイチ",
        "今ひとつ",
        "いまひとつ",
        "微妙",
        "びみょう",
        "ピンとこな",
        "ぴんとこな",
        "ピンと来な",
        "的外れ",
        "ずれてる",
        "ズレてる",
        "ずれてま",
        "ズレてま",
        "ちょっと違",
        "少し違",
        "ちょっとちゃう",
        "うーん",
        "わかりにくい",
        "分かりにくい",
        "わかりづらい",
        "分かりづらい",
        "難しすぎ",
        "抽象的すぎ",
        "具体性がない",
        "当たり前のこと",
        "知ってる内容",
        "知ってること",
        "あんまり",
        "あまり役",
        "残念",
        "物足りな",
        "ものたりな",
        "合わな",
        "あわな",
        "合ってな",
        "分からん",
        "わからん",
        "わからなかった",
        "分からなかった",
        "わかりませんでした",
        "分かりませんでした",
        "むずかし",
        "難し",
        "できそうにな",
        "出来そうにな",
        "無理",
        "もうやって",
        "既にやって",
        "すでにやって",
        "もうしてる",
        "知ってた",
        "知ってる",
        "知っとる",
        "当てはまらな",
        "ぴんとこ",
        "響かな",
        "イメージできな",
        "イメージわかな",
        "具体的じゃな",
        "具体性に欠け",
        "一般論",
        "きれいごと",
        "綺麗事",
        "机上",
        "現実的じゃな",
        "現実的ではな",
        "現場では",
        "ならん",
        "ならへん",
        "あかん",
        "アカン",
        "だめ",
        "ダメ",
        "駄目",
        "試したけど",
        "やったけど",
        "やってみたけど",
        "とっくに",
    )
)
_FEEDBACK_UP = re.compile(
    _alt(
        "助かりま",
        "助かった",
        "助かる",
        "たすかりま",
        "たすかる",
        "参考になりま",
        "参考になった",
        "参考になる",
        "参考にしま",
        "参考にさせて",
        "使えそう",
        "使えます",
        "使える",
        "役に立ちま",
        "役に立った",
        "役に立つ",
        "役立ちま",
        "役立った",
        "役立つ",
        "ありがとう",
        "ありがと",
        "有難う",
        "有り難う",
        "おおきに",
        "感謝",
        "サンキュー",
        "thanks",
        "thank",
        "なるほど",
        "納得",
        "わかりやすい",
        "分かりやすい",
        "良かった",
        "よかった",
        "いいですね",
        "いいね",
        "ええな",
        "ええね",
        "ええやん",
        "ためになりま",
        "ためになった",
        "勉強になりま",
        "勉強になった",
        "試してみ",
        "やってみま",
        "やってみよう",
        "やってみる",
        "取り入れ",
        "活かせ",
        "生かせ",
        "ヒントになりま",
        "ヒントになった",
        "すっきり",
        "スッキリ",
        "ばっちり",
        "バッチリ",
        "完璧",
        "ぴったり",
        "ピッタリ",
        "good",
        "nice",
        "great",
        "グッド",
        "ナイス",
        "最高",
        "さすが",
        "いい感じ",
        "イイ感じ",
        "よさそう",
        "良さそう",
        "ヒントもらえ",
        "見えてきま",
        "整理できま",
        "方向性が見え",
        "わかりやす",
        "分かりやす",
        "さんこうにな",
        "参考なる",
        "参考なった",
        "ためになる",
        "為になる",
        "腑に落ち",
        "気づき",
        "気付き",
        "目から鱗",
        "目からうろこ",
        "背中を押",
        "ありがたい",
        "有難い",
        "有り難い",
        "うれしい",
        "嬉しい",
        "持ち帰",
        "共有しま",
        "使わせて",
        "使ってみ",
        "検討してみ",
        "考えてみま",
        "いけそう",
        "できそう",
        "出来そう",
        "心強い",
        "勇気",
        "助け",
        "目からウロコ",
        "話せそう",
        "話してみ",
        "知りたかった",
        "これこれ",
        "求めてた",
        "欲しかった",
        "ほしかった",
        "役立てま",
        "活用しま",
        "参考にしよう",
        "提案してみ",
        "相談してみ",
    )
)
_OTHER_SITUATIONS = re.compile(
    r"(?:他|ほか|別|残り|のこり|その他|そのほか|もう一つ|もうひとつ|もう1つ|もう一個|もう1個)の?"
    r"(?:陥って(?:る|いる)?)?(?:方の?)?(?:状況|ケース|パターン|場合|状態|対策|ほう|方|原因|理由|要因)"
    r"|(?:状況|ケース|パターン)(?:も|は)(?:他|ほか)"
    r"|他にも(?:ある|あります|当てはま|見)|ほかにも(?:ある|あります|当てはま|見)"
)
_REFERENCES = re.compile(
    _alt(
        "参考文献",
        "さんこうぶんけん",
        "文献",
        "出典",
        "しゅってん",
        "出所",
        "ソース",
        "引用元",
        "元ネタ",
        "元の資料",
        "元資料",
        "原典",
        "根拠資料",
        "参考資料",
        "参照先",
        "どこに書いて",
        "どこに載って",
        "何を見れば",
        "詳しい資料",
        "もとの資料",
        "資料",
        "詳しく載って",
        "詳しく書いて",
        "報告書",
        "元の冊子",
        "冊子",
        "原文",
        "どこから",
        "エビデンス",
        "論文",
    )
)
_DIGITS = "0123456789"
_KANJI_NUM = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "ひと": 1,
    "ふた": 2,
    "みっ": 3,
    "よっ": 4,
}
_POS_NUM = (
    r"(?P<num>[1-9]|一|二|三|四|五|ひと|ふた|みっ|よっ)"
    r"(?:つ目|つめ|個目|こめ|番目|ばんめ|番|個|つ|項目)"
)
_POSITION = re.compile(
    r"(?:(?P<from_bottom>下から|後ろから|最後から|うしろから|したから)|上から|うえから)?" + _POS_NUM
)
_FIRST = re.compile(
    _alt(
        "最初",
        "さいしょ",
        "一番上",
        "いちばん上",
        "いちばんうえ",
        "1番上",
        "一番目",
        "上の方",
        "上のほう",
        "上の",
        "うえの",
        "前者",
        "前の方",
        "前のほう",
        "先頭",
        "トップ",
        "1つ目",
        "はじめの",
        "初めの",
        "始めの",
    )
)
_LAST = re.compile(
    _alt(
        "最後",
        "さいご",
        "一番下",
        "いちばん下",
        "いちばんした",
        "1番下",
        "下の方",
        "下のほう",
        "下の",
        "したの",
        "後者",
        "後の方",
        "後のほう",
        "あとの方",
        "あとのほう",
        "ラスト",
        "末尾",
        "最終",
    )
)
_MIDDLE = re.compile(_alt("真ん中", "まんなか", "中間", "真中"))
_OPEN_CARD_NUM = re.compile(
    r"(?:カード|かーど|ヒント|ひんと|card|hint|no|番号|ナンバー)(?:カード|ヒント)?(?:の|は|を)?(?:no)?"
    r"(?:第)?0?(?P<n>10|[1-9])(?:番|枚目)?(?!\d)"
    r"|^(?:第)?0?(?P<bare>10|[1-9]|0[1-9])(?:番|ばん)?(?:の)?(?:カード|かーど|ヒント|ひんと)"
    r"|^(?P<verb>10|[1-9])(?:番|ばん)(?:の)?(?:カード|ヒント)?(?:を|が)?"
    r"(?:見せて|みせて|見たい|みたい|開いて|ひらいて|表示|出して|お願い|見る|見ます)"
    r"|^(?P<zero>0[1-9])$"
)
_KANJI_DIGIT = re.compile(
    r"(?P<k>十|[一二三四五六七八九])(?=$|番|枚|の|を|見|開|表|で|ね|お|く|だ|や)"
)
_KANJI_VALUE = {
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "十": "10",
}


def _kanji_digits(c: str) -> str:
    """「ヒント六」「カード十」: kanji numerals that end a card's name become digits."""
    return _KANJI_DIGIT.sub(lambda m: _KANJI_VALUE[m.group("k")], c)


_OPEN_CARD_TOPIC = re.compile(
    r"^(?P<topic>.{2,30}?)(?:について)?の?(?:ヒント|カード|ヒントカード|話|件)(?:カード)?"
    r"(?:を|が|は)?(?:開いて|ひらいて|見せて|みせて|見たい|みたい|表示|出して|だして|教えて|おしえて"
    r"|ください|お願い|おねがい|読みたい|見る|見ます|見れる|です|で|ある|あります|はある|\?"
    r"|に切り替えて|に切りかえて|に変えて|にして|に移って|へ|に)*$"
)
_OPEN_VERB = re.compile(
    r"(?:開いて|ひらいて|見せて|みせて|見たい|表示|出して|教えて|読みたい|を開く|を見る|切り替えて|切りかえて"
    r"|に変えて|にして)"
)


def _short(p: Prepared) -> bool:
    return len(p.compact) <= 30


_EDGE_LAST = re.compile(r"(?:一番|いちばん|1番)(?:下|した|最後|後ろ|うしろ)")
_EDGE_FIRST = re.compile(r"(?:一番|いちばん|1番)(?:上|うえ|最初|はじめ|初め|前)")


def position_of(text: str) -> int:
    """1-based position from the top, negative from the bottom, 0 when none is named."""
    if _EDGE_LAST.search(text):
        return -1
    if _EDGE_FIRST.search(text):
        return 1
    m = _POSITION.search(text)
    if m:
        raw = m.group("num")
        n = int(raw) if raw in _DIGITS else _KANJI_NUM.get(raw, 0)
        if n:
            return -n if m.group("from_bottom") else n
    if _MIDDLE.search(text):
        return 99  # resolved against the list length by the caller
    if _LAST.search(text):
        return -1
    if _FIRST.search(text):
        return 1
    return 0


def commands(p: Prepared, *, after_choice: bool) -> Intent | None:
    """What a reply means anywhere in a conversation: the list, help, a card by name, undo."""
    c = p.compact
    if after_choice and _UNDO.match(c):
        return Intent("undo")
    if not _short(p):
        return None
    if _HELP.match(c) or _HELP_ANY.search(c):
        return Intent("help")
    m = _OPEN_CARD_NUM.search(_kanji_digits(c))
    if m:
        n = int(m.group("n") or m.group("bare") or m.group("verb") or m.group("zero"))
        return Intent("open_card", card=f"{n:02d}")
    m = _OPEN_CARD_TOPIC.match(c)
    if (
        m
        and (_OPEN_VERB.search(c) or c.endswith(("ヒント", "カード")))
        and not _OTHER_CARD.search(m.group("topic"))
        and not _MENU.fullmatch(m.group("topic"))
    ):
        return Intent("open_card", topic=m.group("topic"))
    if _MENU.search(c) and len(c) <= 18:
        return Intent("menu")
    return None


_OTHER_CARD = re.compile(r"別|他|ほか|違|ちが|ちゃう|次")
_HELP_ANY = re.compile(
    r"ヘルプ|へるぷ|どう答え|どうこたえ|何て入力|なんて入力|何を入力|なにを入力|どう入力|どう書けば|何て書けば"
    r"|なんて書けば|何を書けば|操作方法|そうさほうほう|使い方|つかいかた|使いかた"
)
_TOPIC_SWITCH = re.compile(
    r"^(?:話(?:は|が)?変わ(?:る|り|って)[^、]{0,8}?(?:けど|が|ます)|別件(?:で|です|なんですが|なんやけど|ですが)?"
    r"|ところで|それとは別に|それはそうと|もう一つ(?:別の)?相談|別の相談(?:で|です|なんですが)?"
    r"|違う相談(?:で|です|なんですが)?|ほかにも相談|他にも相談)"
)


def topic_switch(p: Prepared) -> str | None:
    """「話変わるんやけど、…」「別件で、…」: a new worry announced; the worry itself."""
    c = p.compact
    m = _TOPIC_SWITCH.match(c)
    if m and len(c) - m.end() >= 6:
        return c[m.end() :]
    return None


_NUMBER_REPLY = re.compile(
    r"^(?P<n>[1-9][0-9]?)(?:つ目|個目|番目|番|で|です|でお願いします|をお願いします|を|の方|のほう|ね)*$"
)


def number_reply(p: Prepared) -> int:
    """「1で」「2番です」: a typed number with a particle."""
    m = _NUMBER_REPLY.match(p.compact)
    return int(m.group("n")) if m else 0


_FILLER = re.compile(
    r"^(?:えーと|えっと|ええと|えーっと|うーん|うーむ|んー|あー|あの|あのー|まあ|まぁ|そうですね|そやな|せやな"
    r"|たぶん|多分|おそらく|きっと|正直|うっ|おっ|あっ"
    r"|あ(?=たぶん|多分|はい|そう|それ|うん|ええ|いや|ちが|違))+"
)
_YES_START = re.compile(
    r"^(?:はい|ええ(?!と)|うん|そう(?!じゃ|では|でも|いう)|せや|そや|まさに|それ(?!は|じゃ|では|とは|より)|その通り|そのとおり"
    r"|おっしゃる通り|おっしゃるとおり|当てはま|あてはま|陥って|おちいって|そんな感じ|そんなかんじ|ほんま|確かに"
    r"|たしかに|間違いな|正解|yes|ok|おk|オッケー|合って|あって|ビンゴ|図星|ですです|ドンピシャ|どんぴしゃ"
    r"|近い|ちかい|それっぽい|っぽい|ありそう|あるかも|あります|ある(?!ん)|心当たり|耳が痛い|痛いところ"
    r"|いえす|イエス|当たって|あたって|思い当たる|おもいあたる|否定できな|否定はできな|うちのこと|うちの事"
    r"|まさしく|そのもの|うちもそう|うちもそれ|それだ|それやわ|それやな|おそらくそう|たぶんそう)"
)
_NO_START = re.compile(
    r"^(?:いいえ|いや(?!い)|いえ|いーえ|ちが|違|ちゃう|ちゃいま|ノー|no(?!t)|nope|うーんちが|ないです|ないな|ないわ|ない(?!か))"
)
_NEG = re.compile(
    r"(?:ない|ません|ちが|違|ちゃう|ちゃいま|じゃな|ではな|でもな|大丈夫|できて|出来て|へん|ん(?:やけど)?よ?$|ずれ|外れ|はずれ)"
)
_NO_PHRASE = re.compile(
    r"(?:当てはまらな|あてはまらな|当てはまりませ|あてはまりませ|それはない|そこはない|そういうわけでは"
    r"|そういう訳では|そうでもない|そうではない|そうじゃない|ちゃうな|ちゃうわ|ちゃいます|違います|ちがいます"
    r"|違うな|違うかな|違うと思|違う気が|ちがうかな|そこは大丈夫|それは大丈夫|そこはできて|そこは出来て"
    r"|そこはちゃんと|それはできて|それは出来て|してへん|やってへん|なってへん|してない|なってない|思わない"
    r"|思いません|ピンとこない|ぴんとこない|心当たりはない|心当たりがない|該当しな|該当しませ|違うん|ちがうん"
    r"|ちゃうん|ちゃうねん|ちゃうよ|違うよ|ちがうよ|うちじゃな|うちではな)"
)
_ALL_WORD = re.compile(
    r"(?:両方|りょうほう|どっちも|どちらも|全部|ぜんぶ|全て|すべて|いずれも|どれも|2つとも|二つとも|ふたつとも"
    r"|3つとも|三つとも|みっつとも|みんな|全部で|まるごと|全般)"
)


def _strip_filler(c: str) -> str:
    return _FILLER.sub("", c)


def yes_no(c: str) -> Literal["yes", "no"] | None:
    """A yes or a no in its everyday forms; None when the reply says more than that."""
    if c in ("そうですね", "そやな", "せやな") or re.fullmatch(
        r"(?:そうですね|そやな|せやな)(?:たぶん|多分|おそらく)", c
    ):
        return "yes"
    c = _strip_filler(c)
    if not c or len(c) > 30:
        return None
    neg_free = (
        c.replace("間違いな", "")
        .replace("問題な", "")
        .replace("否定できな", "")
        .replace("否定はできな", "")
    )
    if _YES.match(c) or (_YES_START.match(c) and not _NEG.search(neg_free)):
        return "yes"
    if _NO.match(c) or _NO_START.match(c) or _NO_PHRASE.search(c):
        return "no"
    return None


def answer_to_situations(p: Prepared) -> Intent | None:
    """Yes, no, none of these, all of them, or a position in the list."""
    if not _strip_filler(p.compact) and re.match(r"^(?:そうですね|そやな|せやな)", p.compact):
        return Intent("yes")  # 「そうですね、たぶん」
    c = _strip_filler(p.compact)
    if len(c) > 30:
        return None
    if _NONE.search(c):
        return Intent("none")
    if _ALL.match(c) or (_ALL_WORD.search(c) and not _NEG.search(c) and len(c) <= 20):
        return Intent("all")
    pos = position_of(c)
    if pos and len(c) <= 16:
        return Intent("position", position=pos)
    yn = yes_no(c)
    if yn == "no" and no_with_more(p) is not None and not _NO_PHRASE.search(c):
        return None  # 「いや、…の方」: the engine reads what follows the no
    if yn is not None:
        return Intent(yn)
    return None


def no_with_more(p: Prepared) -> str | None:
    """「いえ、押し付けというより数の目標の方です」: a no followed by what does apply; the rest."""
    c = _strip_filler(p.compact)
    m = _NO_START.match(c)
    if m and len(c) - m.end() >= 6:
        return c[m.end() :]
    return None


def answer_after_countermeasures(p: Prepared) -> Intent | None:
    """Feedback in words, the card's other situations, or its references."""
    c = p.compact
    if not _short(p) and len(c) > 60:
        return None
    if _REFERENCES.search(c):
        return Intent("references")
    if _OTHER_SITUATIONS.search(c):
        return Intent("other_situations")
    if _FEEDBACK_DOWN.search(c):
        return Intent("feedback_down")
    if _FEEDBACK_UP.search(c):
        return Intent("feedback_up")
    return None


def card_position(p: Prepared) -> int:
    c = p.compact
    return position_of(c) if len(c) <= 16 else 0


def is_no(p: Prepared) -> bool:
    return bool(_NO.match(p.compact))


# how people write the seven prefectures of the region (in the compact, case-folded text)
PREF_FORMS: dict[str, tuple[str, ...]] = {
    "福井県": ("福井", "ふくい", "フクイ", "fukui"),
    "滋賀県": ("滋賀", "しが", "シガ", "shiga"),
    "京都府": ("京都", "きょうと", "キョウト", "kyoto"),
    "大阪府": ("大阪", "おおさか", "オオサカ", "osaka", "大坂"),
    "兵庫県": ("兵庫", "ひょうご", "ヒョウゴ", "hyogo"),
    "奈良県": ("奈良", "なら県", "ナラ", "nara"),
    "和歌山県": ("和歌山", "わかやま", "ワカヤマ", "wakayama"),
}


def option_by_words(p: Prepared, options: Sequence[tuple[str, str]]) -> str | None:
    """The option (id, label) a written reply names: a prefecture in any form, a part of
    one label only, a number or a position; None when it names none or several."""
    c = p.compact
    if not c or not options:
        return None
    n = int(c) if c.isdigit() else number_reply(p)
    if n:
        return options[n - 1][0] if 1 <= n <= len(options) else None
    named = [pref for pref, forms in PREF_FORMS.items() if any(f in c for f in forms)]
    hits = [oid for oid, label in options if any(pref in label for pref in named)]
    if len(hits) != 1:
        hits = [oid for oid, label in options if len(c) >= 2 and c in label.replace(" ", "")]
    if len(hits) != 1 and len(c) <= 16 and (pos := position_of(c)):
        if pos == 99:
            pos = (len(options) + 1) // 2 if len(options) % 2 else 0
        idx = pos - 1 if pos > 0 else len(options) + pos
        hits = [options[idx][0]] if pos and 0 <= idx < len(options) else []
    return hits[0] if len(hits) == 1 else None


def is_plain_yes(p: Prepared) -> bool:
    """A yes and nothing more (「はい」「そやねん」「まさにそれです」)."""
    c = _strip_filler(p.compact)
    return bool(_YES.match(c)) or len(c) <= 8


def is_plain_no(p: Prepared) -> bool:
    """A no and nothing more (「いいえ」「ちゃいます」「そこは大丈夫です」)."""
    c = _strip_filler(p.compact)
    return bool(_NO.match(c)) or len(c) <= 8
