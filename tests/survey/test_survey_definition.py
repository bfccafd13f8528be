"""knowledge/survey.yaml: the 25 items of 図表2-8, their categories, the scale, and the cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import KnowledgeError
from bot.survey.definition import load_survey

ROOT = Path(__file__).resolve().parents[2]
CARDS = [f"{i:02d}" for i in range(1, 11)]


def test_the_survey_has_25_items_in_four_categories_and_four_steps() -> None:
    s = load_survey(ROOT / "knowledge")
    assert len(s.items) == 25
    assert s.categories == (
        "地域の課題の抽出、方針の策定",
        "生活支援体制整備事業関連／生活支援・生きがいの実現",
        "総合事業関連／適切なケアの実現",
        "その他",
    )
    assert [len(s.items_in(c)) for c in s.categories] == [3, 9, 12, 1]
    assert [lv.label for lv in s.scale] == [
        "とても当てはまる",
        "当てはまる",
        "あまり当てはまらない",
        "当てはまらない",
    ]
    assert s.applies_values == {1, 2}
    assert [it.n for it in s.items] == list(range(1, 26))


def test_items_point_to_the_cards_that_answer_them() -> None:
    s = load_survey(ROOT / "knowledge")
    by_text = {it.text: it.cards for it in s.items}
    expected = {
        "協議体の活用": ("02",),
        "担い手（受け皿）の確保": ("04",),
        "市民の意識醸成": ("01",),
        "地域の様々な主体や関係者との関係・連携": ("03",),
        "移動支援ニーズへの対応": ("05",),
        "地域特性への対応": ("06",),
        "生活支援コーディネーターの活用": ("07",),
        "自治体における他部署との連携": ("08",),
        "利用者の自立支援への意識づけ": ("09",),
        "ケアマネジメントの適正化": ("09",),
        "生活支援体制整備事業の効果の把握": ("10",),
        "事業者の意識・負担・人員不足": ("04",),
        "サービスの終了や受け皿の確保": ("04",),
        "地域支援事業の上限額": (),
        "自治体の負担（事務的負担・財政的負担）": (),
    }
    for text, cards in expected.items():
        assert by_text[text] == cards, text
    # every card answers at least one item
    assert {c for it in s.items for c in it.cards} == set(CARDS)


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "survey.yaml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD_HEAD = """title: t
scale:
  - {value: 1, label: とても当てはまる, applies: true}
  - {value: 2, label: 当てはまらない, applies: false}
categories:
  - name: 分類
    items:
"""


def test_unknown_card_is_reported_with_file_line_column_and_field(tmp_path: Path) -> None:
    d = _write(tmp_path, GOOD_HEAD + '      - {id: q01, text: 項目, cards: ["11"]}\n')
    with pytest.raises(KnowledgeError) as e:
        load_survey(d, CARDS)
    msg = str(e.value)
    assert "survey.yaml:8:" in msg
    assert "ヒントカード 11 は存在しません" in msg
    assert "categories[0].items[0].cards[0]" in msg


def test_every_problem_is_listed_in_japanese(tmp_path: Path) -> None:
    body = GOOD_HEAD + (
        "      - {id: x1, text: 項目, cards: []}\n"
        "      - {id: q02, cards: [4]}\n"
        "      - {id: q03, text: 三, cards: 04}\n"
        "      - {id: q03, text: 重複, cards: []}\n"
    )
    with pytest.raises(KnowledgeError) as e:
        load_survey(_write(tmp_path, body), CARDS)
    msg = str(e.value)
    assert "q01 のような形" in msg
    assert "必須項目「text」がありません" in msg
    assert '"04" のように引用符で囲んだ' in msg
    assert "リスト" in msg
    assert "重複" in msg
    assert len(e.value.problems) >= 5


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="YAMLの書式"):
        load_survey(_write(tmp_path, "title: [\n"), CARDS)
    with pytest.raises(KnowledgeError, match="見つかりません"):
        load_survey(tmp_path / "nowhere", CARDS)
