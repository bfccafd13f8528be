"""Text normalisation shared by the matcher, the router and the indicator questions.

Users paste from Slack (mentions, links, emoji codes), type full-width or half-width, and mix
scripts; everything that carries no meaning for matching is removed here, once.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 2000  # longer input is matched on its beginning only; worries are short

_SLACK_LINK = re.compile(r"<(https?://|mailto:)[^>|]*\|([^>]*)>")
_SLACK_TOKEN = re.compile(r"<[@#!][^>]*>|<(?:https?://|mailto:)[^>]*>")
_URL = re.compile(r"https?://\S+")
_EMOJI_CODE = re.compile(r"(?<!\w):[a-z0-9_+\-]+:(?!\w)")
_SPACES = re.compile(r"\s+")


def _keep(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # letters, numbers, and the prolonged sound mark; everything else becomes a space
    return cat[0] in ("L", "N") or ch in "ー々〆ヶ"


def strip_markup(text: str) -> str:
    """Remove Slack mrkdwn tokens: mentions, channel links, URLs (keeping link labels)."""
    text = _SLACK_LINK.sub(r" \2 ", text)
    text = _SLACK_TOKEN.sub(" ", text)
    text = _URL.sub(" ", text)
    return text


def normalize(text: str) -> str:
    """NFKC, case-fold, drop markup, emoji, control characters and punctuation.

    Word boundaries become single spaces so that ASCII abbreviations (SC, NPO) stay whole.
    """
    if not text:
        return ""
    text = strip_markup(text[: MAX_CHARS * 2])
    text = unicodedata.normalize("NFKC", text)
    text = _EMOJI_CODE.sub(" ", text.casefold())
    text = "".join(ch if _keep(ch) else " " for ch in text)
    return _SPACES.sub(" ", text).strip()[:MAX_CHARS]


def compact(text: str) -> str:
    """Normalised text without spaces, for substring tests on Japanese."""
    return normalize(text).replace(" ", "")


def kata_to_hira(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


_VOICED = "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ"
_PLAIN = "かきくけこさしすせそたちつてとはひふへほはひふへほう"
_SMALL = "ぁぃぅぇぉっゃゅょゎ"
_LARGE = "あいうえおつやゆよわ"
_FOLD = str.maketrans(_VOICED + _SMALL, _PLAIN + _LARGE)


def fold_kana(reading: str) -> str:
    """Fold voiced and small kana (ぶそく ≈ ふそく, こうりよう ≈ こうりょう), one character for one.

    Sequential voicing (担い手不足 read にないてぶそく by a user) and the full-size 拗音 of some
    official readings should not break a reading match; lengths are kept so word boundaries
    computed on the unfolded reading still apply.
    """
    return reading.translate(_FOLD)


def squeeze(text: str) -> str:
    """NFKC without white space, punctuation kept: the view data questions are parsed on,
    where 「2020→2040」「85歳以上」「27.3%」 must survive."""
    text = unicodedata.normalize("NFKC", strip_markup(text or ""))
    return _SPACES.sub("", _EMOJI_CODE.sub(" ", text))


# NUL and the other C0 controls but tab and newline, and lone surrogates: PostgreSQL refuses
# them in text, and none carries meaning in a chat message
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` without the characters a database refuses; applied before anything is stored."""
    return _UNSTORABLE.sub("", text)
