"""Japanese readings and content words through SudachiPy (core dictionary).

Readings let kana-only input («いどうしえん») and homophone typos («協議帯», «意識情勢») meet
the cards' kanji; lemmas let inflected verbs meet their dictionary forms.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from sudachipy import Dictionary, SplitMode, tokenizer

from bot.text.normalize import kata_to_hira

_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "接尾辞"}
# Lemmas that carry no topic: light verbs, formal nouns, politeness.
STOP_LEMMAS = frozenset(
    [
        "為る",
        "居る",
        "有る",
        "成る",
        "出来る",
        "言う",
        "思う",
        "行く",
        "来る",
        "見る",
        "呉れる",
        "貰う",
        "遣る",
        "仕舞う",
        "置く",
        "下さる",
        "こと",
        "事",
        "もの",
        "物",
        "ため",
        "為",
        "よう",
        "様",
        "ところ",
        "所",
        "の",
        "ん",
        "とき",
        "時",
        "方",
        "感じ",
        "中",
        "上",
        "等",
        "など",
        "達",
        "其れ",
        "此れ",
        "彼れ",
        "何",
        "どう",
        "如何",
        "こう",
        "そう",
        "色々",
        "いろいろ",
        "良い",
        "好い",
        "無い",
        "分かる",
        "分る",
        "困る",
        "悩む",
        "ちょっと",
        "一寸",
        "今",
        "全然",
        "本当",
        "実際",
        "場合",
        "的",
        "さん",
        "様",
        "化",
        "つ",
        "いる",
        "ある",
        "する",
        "なる",
        "御",
        "お",
        "ご",
    ]
)


@dataclass(frozen=True)
class Analysis:
    reading: str  # hiragana reading of the whole text, no spaces
    lemmas: tuple[str, ...]  # content-word lemmas (normalised forms)
    readings: tuple[str, ...]  # hiragana readings of the content nouns and affixes
    bounds: frozenset[int] = frozenset()  # offsets in ``reading`` where a word starts or ends
    # offsets in the text without spaces (``Prepared.compact``) where a word starts or ends
    surface_bounds: frozenset[int] = frozenset()


@functools.lru_cache(maxsize=1)
def _dictionary() -> Dictionary:
    return Dictionary(dict="core")


_local = threading.local()


def _tokenizer() -> tokenizer.Tokenizer:
    """A tokenizer per thread: Sudachi tokenizers must not be shared between threads."""
    tok = getattr(_local, "tok", None)
    if tok is None:
        tok = _local.tok = _dictionary().tokenizer(mode=SplitMode.C)
    return tok


def _reading_of(surface: str, reading: str) -> str:
    if not reading or reading == "キゴウ":
        return kata_to_hira(surface)
    return kata_to_hira(reading)


@functools.lru_cache(maxsize=8192)
def analyse(text: str) -> Analysis:
    """Analyse already-normalised text (see ``normalize``)."""
    if not text:
        return Analysis("", (), (), frozenset({0}), frozenset({0}))
    parts: list[str] = []
    lemmas: list[str] = []
    readings: list[str] = []
    bounds = {0}
    sbounds = {0}
    pos_ = 0
    spos = 0
    for chunk in text.split(" "):
        if not chunk:
            continue
        for m in _tokenizer().tokenize(chunk):
            surface = m.surface()
            r = _reading_of(surface, m.reading_form())
            parts.append(r)
            pos_ += len(r)
            bounds.add(pos_)
            spos += len(surface)
            sbounds.add(spos)
            pos = m.part_of_speech()[0]
            if pos not in _CONTENT_POS:
                continue
            lemma = m.normalized_form()
            if lemma in STOP_LEMMAS or m.dictionary_form() in STOP_LEMMAS:
                continue
            if len(surface) == 1 and surface.isascii():
                # 「サービスA」「訪問D」: the letter names the type, so it joins the word before
                if lemmas and surface.isalpha():
                    lemmas.append(lemmas[-1] + surface.casefold())
                continue
            lemmas.append(lemma)
            if pos in ("名詞", "接尾辞", "接頭辞"):
                readings.append(r)
    return Analysis(
        "".join(parts), tuple(lemmas), tuple(readings), frozenset(bounds), frozenset(sbounds)
    )
