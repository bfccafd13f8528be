"""The router's data detector must be precise: worries share the vocabulary."""

from __future__ import annotations

import pytest

from analytics.service import DataService

DATA = [
    "豊中市の通いの場参加率",
    "大阪府で認定率が低い市町村を5つ",
    "天理市と橿原市の保険料を比較して",
    "彦根市の85歳以上人口の推計",
    "京都府の在宅サービス調整給付月額の平均は？",
    "敦賀市の指標",
    "和歌山市の訪問介護の利用回数",
    "茨木市の75歳以上人口の将来推計は？",
    "奈良県で85歳以上人口の増加率が高い市町村トップ5",
    "串本町と洲本市の認定率を比べて",
    "洲本市の指標一覧",
    "大阪府で給付のあり方の見直しが必要な市町村は？",
    "広陵町は予防の観点でどの象限？",
    "何が聞ける？",
    "全国で高齢化率が高い市町村トップ10",
    "茨城市の高齢化率",
    "高槻の後期高齢者って今何人おる？",
    "堺市の75歳以上って2020→2040で何人増える？",
    "伏見区の住基人口",
]
NOT_DATA = [
    "通いの場の参加者が増えない",
    "茨木市で通いの場を立ち上げたいが住民が受け身",
    "移動支援の担い手がいない",
    "訪問型サービスDの立ち上げ方",
    "協議体がお客様状態",
    "お疲れさまです",
    "コピー機が壊れました",
    "test",
    "",
    "生活支援コーディネーターの活動が見えない",
    "認定率を下げるにはどうすればいい？",
    "茨木市で高齢者の居場所づくりに困っている",
    "茨木市の高齢者が通いの場に来ない",
    "参加者が少なくて困っている。二つの地区で通いの場を始めた",
]


@pytest.mark.parametrize("text", DATA)
def test_data_questions_are_detected(service: DataService, text: str) -> None:
    assert service.detect(text) >= 0.5, text


@pytest.mark.parametrize("text", NOT_DATA)
def test_worries_and_chatter_are_not_data(service: DataService, text: str) -> None:
    assert service.detect(text) < 0.5, text


def test_kana_names_must_stand_as_words_and_long_worries_are_not_data(service) -> None:  # type: ignore[no-untyped-def]
    # かもし (加茂市) inside かもしれません is not a place
    text = (
        "協力をお願いしたら断られました。先方の思いを聞かずに話を進めてしまったのかもしれません。"
    )
    assert service.detect(text) < 0.5
    # a long worry that mentions 指標 is still a worry
    worry = "T市では財政課から事業の効果を数字で示すよう求められているが、担当課はどんな指標を使えばいいのか分からず困っている。"
    assert service.detect(worry) < 0.5
    # the short question is data, and a kana name followed by a particle still resolves
    assert service.detect("どんな指標がある？") >= 0.5
    assert service.detect("いばらきしの高齢化率") >= 0.5
