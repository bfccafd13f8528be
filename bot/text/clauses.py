"""What a message asks for, read from its sentences: a trouble, a how-to, a number, a fact.

Real Slack posts are long: the town's size, who said what at a meeting, then one sentence
that carries the trouble or the question. The matcher weighs that sentence above the
background; the router sends only requests for a number about a place to the indicator
answerer, and declines requests for facts and logistics (a venue, a date, a fee, a form)
even when they use the field's words.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"(?<=[。！？!?\n])|(?<=[.．](?=\s))")

# a sentence that carries the worry: trouble, a failure, a how-to or a wish for advice
TROUBLE = re.compile(
    r"困っ|困り|こまっ|悩ん|悩み|なやん|どうすれば|どうしたら|どうやって|どう進め|どう考え|どうしていけ"
    r"|どうすべき|どうしよう|どないし|どないす|どうしたもん|どうにか|いいでしょうか|良いでしょうか|よいでしょうか"
    r"|いいですか|良いですか|よいですか|ええんやろ|ええやろ|いいんだろう|できない|できません|できず|出来ない"
    r"|できへん|でけへん|進まない|進みません|進まへん|すすまない|進まず|動かない|動いてくれない|動かへん"
    r"|うまくいかない|うまくいきません|上手くいかない|うまいこといかへん|つながらない|繋がらない|分からない"
    r"|わからない|わかりません|分かりません|わからへん|分からへん|見えない|見えません|つらい|しんどい|難しい"
    r"|むずかしい|課題|ネック|壁|限界|足りない|足りません|足りへん|いない|いません|おらへん|おらん|ない(?:んです|のです|んよ|んや|ねん)"
    r"|止まって|止まる|滞って|頭打ち|伸びない|伸び悩|続かない|減って|心配|不安|焦って|戸惑|手探り|迷って"
    r"|コツ|秘訣|ヒント|アドバイス|助言|知恵|教えてほしい|教えてください|教えて"
    r"|ばかり|ばっかり|しまって|しまい|しもて|てしまう|ちゃって|ちゃう|気がして|気がする|感じ"
)

# a request for a fact or logistics the booklet does not cover; each needs its question form
_FACT_ASK = re.compile(
    r"いつ(?:ですか|でしたっけ|だっけ|でしょう|頃|ごろ|[?？]|まで(?:に|で)?(?:提出|出せば|出す|申し込|締め|受け付|ですか|だっけ)"
    r"|開催|から(?:始ま|受付|申込))"
    r"|何日(?:まで|から|に|ですか|だっけ)|何時(?:から|まで|に|ですか)|日程(?:は|を|って|が決ま)|締め?切り?(?:は|って|日)|期限(?:は|って|を教|いつ)"
    r"|開催日|次の開催|次回の?(?:開催|会議|日程)"
    r"|どこ(?:ですか|でしたっけ|だっけ|にあ|で(?:手に入|入手|もらえ|配って|申し込|買え|借り)|に(?:提出|出せば|出す|申し込|問い合わせ|置いて))"
    r"|(?:会場|場所)(?:は|って|を|、)?(?:どこ|どっち|どちら|空いて|教えて|決ま)"
    r"|電話番号|連絡先|メールアドレス|問い合わせ先|問合せ先|住所を教|誰に(?:聞けば|出せば|問い合わせ)"
    r"|いくら(?:ですか|でしたっけ|だっけ|かかり|かかる|になり|になる|で(?:要求|契約|計上)|[?？])|何円"
    r"|(?:単価|料金|金額|保険料|謝金|報酬|費用|予算額|人件費)(?:は|って|を|の額)(?:いくら|何円|どれくらい|教えて|正確)"
    r"|予算(?:、|は)?正確|何社|見積(?:もり)?(?:は|を|って)"
    r"|源泉|課税|非課税|消費税|確定申告|法令上|条文|法的に|法律上|解釈を|違法|適法"
    r"|(?:様式|書式|ひな形|ひな型|雛形|テンプレート|テンプレ|フォーマット|記入例|記載例|申請書|申込書|届出書|契約書|辞令|求人票|報告書の様式)"
    r"(?:は|を|って|が|の)?(?:どこ|あり|ある|ください|作って|どれ|最新|欲しい|ほしい|書き方|送って|見せて|共有)"
    r"|(?:業者|ベンダー|メーカー|製品|商品|購入先|会社|販売店|お店|屋さん)(?:を|は|って|で|、)?"
    r"(?:教えて|どこ|おすすめ|オススメ|お勧め|紹介|何社|知りませんか|知らない|知ってる|ありますか|ある[?？])"
    r"|(?:資料|データ|ファイル|議事録|スライド|様式|名簿|PDF|写真|調査票|一覧表)(?:を|も|は)?[^。？?]{0,12}?"
    r"(?:送って|転送して|共有して|メールして|アップして)(?:もらえ|いただけ|ください|下さい|ほしい|欲しい)"
    r"|(?:でした|だった|です|だ)っけ"
    r"|予約(?:方法|の仕方|したい|できる|はどこ|を取|って)|手続き(?:は|って|の方法|に必要)|手続きを(?:教え|知り|確認)|申込方法|申し込み方法|申請方法|提出先"
    r"|人事課に|総務課に|出す書類|必要な書類|載せる手順|掲載する手順"
    r"|何部|部数|(?:担当|係|窓口)(?:は|って|の人は)?誰|誰(?:になった|ですか|でしたっけ)"
    r"|(?:オンライン|対面|zoom)(?:です|でやる|でする)?か[?？]|って[^。、]{0,20}ですよね|(?:ました|やった|だった)っけ"
    r"|何日[?？]|何時[?？]|何曜|何時間以上|(?:〆切|〆切り)(?:は|って)|どのキャビネット|どなたか持って"
)
# a question for a number
_NUMBER_ASK = re.compile(
    r"[?？]|何人|何%|何パーセント|何割|いくつ|どれくらい|どれぐらい|どれだけ|どのくらい|教えて|知りたい|見せて|出して"
    r"|ランキング|順位|順番|多い順|少ない順|高い順|低い順|トップ|ワースト|ベスト|上位|下位|一番|比較|比べ|推移|推計"
    r"|グラフ|一覧|平均|中央値|何位|は$|って$|は何|はいくら|増える|減る|増え方|増加|伸び|カルテ|シート|指標"
)


def sentences(text: str) -> list[str]:
    """The sentences of a message (raw text), without empty pieces."""
    return [s.strip() for s in _SPLIT.split(text) if s and s.strip()]


def is_fact_request(raw: str) -> bool:
    """A question for a fact or logistics, with no trouble in it: 「会場はどこ？」「単価はいくら？」."""
    t = raw.strip()
    if not t or len(t) > 140:
        return False
    if not _FACT_ASK.search(t):
        return False
    return not _TROUBLE_STRONG.search(t)


# office matters no hint card is about, whatever field words come with them: software and
# machines, hiring and pay, purchases and contracts, rights and taxes, the office's social life,
# one's own health and commute (「協議体の資料をExcelで…」 asks about Excel, not the 協議体)
_OFFICE_MATTER = re.compile(
    r"エクセル|excel|スプレッドシート|パワポ|powerpoint|ワード(?:で|の|に|から|ファイル)|word(?:で|の|に)|"
    r"プリンタ|コピー機|複合機|パソコン|ログイン|パスワード|teams|zoom(?:の|に|で|を)|wi-?fi|"
    r"共有フォルダ|usb|差し込み印刷|両面印刷|カラー印刷|pdf(?:に|を|で|化|ファイル)|"
    r"求人|募集要項|応募資格|応募書類|採用試験|面接(?:の|で|を)|時給|給与|賃金|有給|年休|年次休暇|勤怠|打刻|"
    r"内定|履歴書|見積(?:もり|り)?(?:を|は|が|って)|リース|請求書|領収書|振込|印紙|購入先|"
    r"著作権|肖像権|jasrac|個人情報保護法|源泉徴収|課税|確定申告|"
    r"忘年会|新年会|歓迎会|送別会|歓送迎会|懇親会|飲み会|親睦会|打ち上げ|寄せ書き|"
    r"出欠(?:を|の)(?:返事|連絡|確認|とり|取り|締め)|"
    r"イライラ|ムカつ|むかつ|腹が立|腹立た|愚痴|体調が|風邪|熱が出|早退|遅刻|通勤|"
    r"(?:編集|閲覧|アクセス)権限|lgwan|ppap|ダウンロード|アップロード|随契|随意契約|起票|検収|見積書|"
    r"休暇(?:を|の)(?:申請|取|いただ)|内示|時間外(?:勤務)?の?申請|残業(?:代|申請)|fax|ファックス|停電|"
    r"(?:庁用車|公用車)の?(?:予約|鍵)|車検|キャビネット|原本|復命書|"
    r"【(?:お知らせ|周知|連絡|再掲|至急|共有|依頼|リマインド|再送|訂正)】",
    re.IGNORECASE,
)


# a colleague asked to do a task, or the team told of one: 「資料を作ってもらえますか」
# 「今日中に提出をお願いします」. Asking for advice (教えて, アドバイス) is a worry's form, and
# any trouble word keeps the message a worry
_TASK_REQUEST = re.compile(
    r"[てで](?:もらえ(?:ます|ません)?か|もらえる[?？]|いただけ(?:ます|ません)か|いただきたい|ください|下さい|"
    r"くださ[〜ー]*い|くれ(?:ますか|ませんか|る[?？]|ない[?？]|へん[?？])|おいて|おいてほしい)(?![とっ])"
    r"|[っ]と(?:いて|いてほしい|いてくれ|いてもらえ)"
    r"|(?<!よろしく)(?<!宜しく)(?<!よろしくお)(?<!宜しくお)(?:を|の)?お?(?:願い|ねがい)"
    r"(?:します|しま[〜ー]*す|いたします|できますか)?[！!〜ー。]*$"
    r"|(?:くだ|くださ)[〜ー]*い[！!。]*$"
    r"|(?:提出|返信|回答|入力|記入|確認|出欠|出席の?連絡|準備|対応|ご協力)(?:を|の)?(?:お願い|よろしく)"
    r"|(?:変更|延期|中止)(?:に|と)?なりました|(?:時間|会場|場所|部屋)が(?:変わ|変更)"
)


# what was done, told to the team (「本日の訪問終わりました」「議事録は明日あげます」), and thanks
# for a task: no trouble in them, and no contrast (「行ってきましたが、…」) that would bring one
_REPORT = re.compile(
    r"(?:終わりました|おわりました|終わった[よわ]?(?:[。！!]|$)|おわり[ー〜!！]*$|完了(?:です|しました)?|済みです|"
    r"済ませました|配り終え|届けてきました|行ってきました|してきました|(?:は|を)明日(?:あげ|上げ)ます|で確定|確定です)"
    r"|ありがと|助かりました|助かったわ"
)
# greetings and closings around a message say nothing of what it is about
_GREETING = re.compile(
    r"^(?:お疲れ様|お疲れさま|おつかれさま|お世話になっており|お世話にな|いつもお世話にな|いつもありがとう|"
    r"こんにちは|おはようございます|こんばんは|失礼します|失礼いたします|(?:どうぞ)?よろしくお願い)"
    r"[^。！!？?]{0,12}[。！!]?$"
)
# how-questions and asking for advice are worries' forms; the bot's own things (カード, 一覧 …)
# are asked of the bot
_HOW = re.compile(
    r"どう(?!ぞ)|どのよう|どの様|なぜ|何を|なんで|方法|コツ|事例|教示|助言|意見|知恵|相談|アイデア|アイディア|"
    r"カード|ヒント|対策|メニュー|ヘルプ|番目|[0-9０-９]番|開いて|開け|一覧(?:を|に|で)?(?:見せ|出し|表示|戻)"
)
_QUOTED = re.compile(r"「[^」]*」|『[^』]*』|\"[^\"]*\"")
_CONTRAST = re.compile(r"が[、,]|けど|けれど|のに|ものの|相談")


def is_office_matter(raw: str) -> bool:
    """A short message about an office matter (see ``_OFFICE_MATTER``) or a task asked of a
    colleague (``_TASK_REQUEST``), not a worry."""
    t = "".join(x for x in sentences(raw.strip()) if not _GREETING.match(x))
    if not t or len(t) > 140:
        return False
    if _OFFICE_MATTER.search(t) and not _TROUBLE_STRONG.search(t):
        return True
    if TROUBLE.search(t) or _HOW.search(t):
        return False
    # a request quoted inside a worry (「見守りをやってください」と頼んで回って…) is not one
    if _TASK_REQUEST.search(_QUOTED.sub("", t)):
        return True
    return len(t) <= 80 and bool(_REPORT.search(t)) and not _CONTRAST.search(t)


# trouble that outweighs a fact word: 「予算が足りなくて移動支援ができない」 is a worry
_TROUBLE_STRONG = re.compile(
    r"困っ|困り|悩ん|悩み|どうすれば|どうしたら|どう進め|できない|できへん|進まない|進まへん|うまくいかない"
    r"|足りない|足りへん|いない|おらへん|つらい|しんどい|難しい|続かない|心配|不安|コツ|秘訣|アドバイス"
)


def asks_for_number(raw: str) -> bool:
    """Whether a message asks for a number (the shape of every indicator question): a short
    noun phrase (「豊中市の通いの場参加率」) or a question for a figure."""
    t = raw.strip()
    return len(t) <= 40 or bool(_NUMBER_ASK.search(t))


def is_long_worry(raw: str) -> bool:
    """A post of several sentences that tells a trouble: a worry, whatever figures it cites."""
    sents = sentences(raw)
    return len(sents) >= 2 and len(raw) >= 60 and bool(TROUBLE.search(raw))


# who is writing is not the worry: 「第2層SCです。」「社協の者です。」 or 「SCとして関わっている
# B市では」 would otherwise pull the message toward the card about that role
_ROLE = (
    r"(?:者|担当|担当者|職員|sc|ｓｃ|csw|コーディネーター|保健師|社会福祉士|主任ケアマネ|主任|"
    r"係長|課長|ケアマネ)"
)
_SELF_INTRO = re.compile(
    r"^[^。、!?！？]{0,20}?"
    + _ROLE
    + r"(?:です|でございます|をしております|をしています|をやっています|"
    r"をやってます|やってます)[。！!]?$|^[^。、!?！？]{0,24}?を?担当して(?:います|おります)[。！!]?$",
    re.IGNORECASE,
)
_ROLE_CLAUSE = re.compile(
    r"(?:第?[12１２一二]層の?)?(?:sc|ｓｃ|生活支援コーディネーター|コーディネーター|csw|社協(?:の職員)?|"
    r"(?:県|府)(?:の担当)?|保健師|包括(?:の職員)?)(?:として|の立場で|の立場から)[^、。]{0,15}?"
    r"(?:関わって|かかわって|担当して|入って|支援して|伴走して|見て|関与して)(?:いる|います|おり|いて)"
    r"|(?:県|府)の(?:伴走支援|支援|アドバイザー)で(?:入って|関わって|かかわって)(?:いる|います)",
    re.IGNORECASE,
)


def without_speaker(raw: str) -> str:
    """``raw`` without the writer's introduction of themselves (see ``_SELF_INTRO``); the
    text itself when nothing else would be left."""
    sents = sentences(raw)
    kept = [s for s in sents if not _SELF_INTRO.match(s)]
    body = "".join(kept) if kept else raw
    body = _ROLE_CLAUSE.sub("", body)
    return body if body.strip() else raw


def focus(raw: str) -> str:
    """The sentences that carry the trouble or the question; the last one when none does.

    The background of a long post (the town's size, who attended, what else is going on)
    stays out, so its incidental keywords do not outvote the worry.
    """
    sents = sentences(raw)
    if len(sents) < 3 and len(raw) < 80:
        return raw
    picked = [s for s in sents if TROUBLE.search(s)]
    if not picked:
        picked = sents[-1:]
    return "".join(picked)
