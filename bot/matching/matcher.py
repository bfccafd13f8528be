"""Find the hint card (and the 陥っている状況) a free-text worry belongs to.

Two kinds of evidence are combined, because staff write either a telling word («お客様状態»,
«SC», «いどうしえん») or a whole sentence in their own words:

* phrase evidence: the cards' titles, keywords, situation titles and the lexicon, matched on
  the surface, on the hiragana reading (kana-only input, homophone typos) and fuzzily on the
  reading (near-miss typos), weighted by how specific the phrase is to one card;
* sentence evidence: TF-IDF cosine between the query's content words and the card's example
  sentences (悩みの具体例, situations, paraphrases), taking the closest sentence.

Scores are in [0, 1]; the thresholds that turn them into confident / ambiguous / none live in
``MatchPolicy`` so the evaluation command can report against one place.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.knowledge.model import Card, KnowledgeBase
from bot.matching.normalize import compact, normalize
from bot.matching.reading import analyse

Confidence = str  # "confident" | "ambiguous" | "none"


@dataclass(frozen=True)
class MatchPolicy:
    confident: float = 0.50  # top score at or above: name the card
    margin: float = 0.12  # ... and at least this far ahead of the second
    certain: float = 0.80  # at or above: confident whatever the margin
    minimum: float = 0.30  # below: nothing matches
    ambiguous_spread: float = 0.15  # cards within this of the top are offered together


@dataclass(frozen=True)
class CardScore:
    card: str
    score: float
    evidence: tuple[str, ...]  # the phrases that matched, best first


@dataclass(frozen=True)
class SituationScore:
    n: int
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class MatchResult:
    query: str  # normalised
    cards: tuple[CardScore, ...]  # best first
    confidence: Confidence
    situations: tuple[SituationScore, ...] = ()  # within the top card, best first

    @property
    def top(self) -> CardScore | None:
        return self.cards[0] if self.cards else None

    def candidates(self, policy: MatchPolicy) -> tuple[CardScore, ...]:
        """The cards to offer: one when confident, up to three when ambiguous, none otherwise."""
        if self.confidence == "none" or not self.cards:
            return ()
        if self.confidence == "confident":
            return self.cards[:1]
        top = self.cards[0].score
        return tuple(c for c in self.cards[:3] if c.score >= top - policy.ambiguous_spread)


@dataclass(frozen=True)
class _Phrase:
    text: str  # compact surface
    reading: str
    weight: float
    label: str  # what to show as evidence


@dataclass
class _Target:
    """One thing that can be matched: a card, or a situation of a card."""

    key: str
    phrases: list[_Phrase] = field(default_factory=list)
    sentences: list[Counter[str]] = field(default_factory=list)


# Weights of each source of phrases and sentences.
W_TITLE = 3.0
W_KEYWORD = 2.0
W_LEXICON = 2.0
W_SITUATION = 1.2
W_COUNTERMEASURE = 0.8
MIN_READING = 3  # reading matches need at least this many kana
MIN_FUZZY = 5  # fuzzy matches need at least this many kana
FUZZY_CUTOFF = 88.0
PHRASE_SCALE = 2.5  # phrase evidence saturates: 1 - exp(-sum / scale)
W_PHRASE = 0.85
W_SENTENCE = 0.9

_SPLIT = re.compile(r"[。！？!?\n]+")


def _features(text: str) -> Counter[str]:
    a = analyse(normalize(text))
    feats: Counter[str] = Counter()
    for lemma in a.lemmas:
        feats["l:" + lemma.casefold()] += 1
    for r in a.readings:
        if len(r) >= 2:
            feats["r:" + r] += 1
    return feats


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(text) if len(s.strip()) >= 4]


class _Index:
    """Phrase and sentence index over a set of targets, with document frequencies."""

    def __init__(self, targets: list[_Target]) -> None:
        self.targets = targets
        n = max(len(targets), 1)
        # phrase specificity: a phrase present in many targets says little
        owners: dict[str, set[str]] = defaultdict(set)
        for t in targets:
            for p in t.phrases:
                owners[p.text].add(t.key)
        self.phrase_idf = {k: 1.0 / len(v) for k, v in owners.items()}
        # feature idf over targets (a target's sentences pooled)
        df: Counter[str] = Counter()
        for t in targets:
            df.update({f for s in t.sentences for f in s})
        self.idf = {f: math.log(1 + n / c) for f, c in df.items()}
        self.default_idf = math.log(1 + n)
        # weighted, L2-normalised sentence vectors and an inverted index over them
        self.vectors: list[tuple[int, dict[str, float]]] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        for ti, t in enumerate(targets):
            for s in t.sentences:
                vec = self._weigh(s)
                if not vec:
                    continue
                vid = len(self.vectors)
                self.vectors.append((ti, vec))
                for f in vec:
                    self.postings[f].append(vid)
        # phrase lookup by first reading bigram, so a query only tests phrases it can contain
        self.by_bigram: dict[str, list[tuple[int, _Phrase]]] = defaultdict(list)
        for ti, t in enumerate(targets):
            for p in t.phrases:
                for bg in {p.reading[i : i + 2] for i in range(max(len(p.reading) - 1, 1))}:
                    self.by_bigram[bg].append((ti, p))
                for bg in {p.text[i : i + 2] for i in range(max(len(p.text) - 1, 1))}:
                    self.by_bigram["s:" + bg].append((ti, p))

    def _weigh(self, feats: Counter[str]) -> dict[str, float]:
        vec = {f: (1 + math.log(c)) * self.idf.get(f, self.default_idf) for f, c in feats.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {f: v / norm for f, v in vec.items()} if norm else {}

    def phrase_scores(self, q: str, qr: str) -> dict[int, tuple[float, list[str]]]:
        """Sum of matched phrase weights per target, with the matched labels."""
        cands: set[tuple[int, _Phrase]] = set()
        for i in range(max(len(qr) - 1, 1)):
            cands.update(self.by_bigram.get(qr[i : i + 2], ()))
        for i in range(max(len(q) - 1, 1)):
            cands.update(self.by_bigram.get("s:" + q[i : i + 2], ()))
        hits: dict[int, dict[str, float]] = defaultdict(dict)
        for ti, p in cands:
            credit = 0.0
            if p.text and p.text in q:
                credit = 1.0
            elif len(p.reading) >= MIN_READING and p.reading in qr:
                credit = 0.9
            elif len(p.reading) >= MIN_FUZZY and len(qr) >= MIN_FUZZY - 1:
                sim = fuzz.partial_ratio(p.reading, qr, score_cutoff=FUZZY_CUTOFF)
                if sim:
                    credit = 0.6 * sim / 100.0
            if credit:
                # longer phrases are more specific: 「土壌づくりの成果」 says more than 「土壌づくり」
                length = min(1.5, 0.5 + len(p.text) / 8)
                w = credit * p.weight * length * self.phrase_idf.get(p.text, 1.0)
                # the same label counts once, at its best
                if w > hits[ti].get(p.label, 0.0):
                    hits[ti][p.label] = w
        out: dict[int, tuple[float, list[str]]] = {}
        for ti, labels in hits.items():
            # drop labels contained in a longer matched label of the same target (協議 ⊂ 協議体)
            kept = {
                lab: w
                for lab, w in labels.items()
                if not any(lab != o and lab in o for o in labels)
            }
            ranked = sorted(kept.items(), key=lambda kv: -kv[1])
            out[ti] = (sum(kept.values()), [lab for lab, _ in ranked])
        return out

    def sentence_scores(self, feats: Counter[str]) -> dict[int, float]:
        qv = self._weigh(feats)
        if not qv:
            return {}
        dots: dict[int, float] = defaultdict(float)
        for f, w in qv.items():
            for vid in self.postings.get(f, ()):
                dots[vid] += w * self.vectors[vid][1][f]
        best: dict[int, float] = {}
        for vid, d in dots.items():
            ti = self.vectors[vid][0]
            if d > best.get(ti, 0.0):
                best[ti] = d
        return best

    def score(self, text: str) -> list[tuple[int, float, list[str]]]:
        q = compact(text)
        a = analyse(normalize(text))
        qr = a.reading
        phrases = self.phrase_scores(q, qr)
        sents = self.sentence_scores(_features(text))
        out = []
        for ti in set(phrases) | set(sents):
            ps, labels = phrases.get(ti, (0.0, []))
            p_norm = 1 - math.exp(-ps / PHRASE_SCALE)
            s = sents.get(ti, 0.0)
            # noisy-OR: either kind of evidence alone can carry a match, both reinforce
            score = 1 - (1 - W_PHRASE * p_norm) * (1 - W_SENTENCE * s)
            out.append((ti, score, labels))
        out.sort(key=lambda x: -x[1])
        return out


def _phrase(text: str, weight: float, label: str | None = None) -> _Phrase | None:
    c = compact(text)
    if not c:
        return None
    return _Phrase(c, analyse(normalize(text)).reading, weight, label or text)


def _add(target: _Target, items: Iterable[tuple[str, float]]) -> None:
    for text, w in items:
        p = _phrase(text, w)
        if p is not None:
            target.phrases.append(p)


class Matcher:
    """Built once per process from the knowledge base; ``match`` is pure and fast."""

    def __init__(self, kb: KnowledgeBase, policy: MatchPolicy | None = None) -> None:
        self.kb = kb
        self.policy = policy or MatchPolicy()
        # lexicon: alias -> canonical term; canonical terms of a card are its phrases
        self._aliases: list[tuple[str, str]] = []
        for t in kb.lexicon:
            for a in t.aliases:
                self._aliases.append((compact(a), t.term))
        self._aliases.sort(key=lambda x: -len(x[0]))
        targets: list[_Target] = []
        for card in kb.cards:
            targets.append(self._card_target(card))
        self._cards = _Index(targets)
        self._situations: dict[str, _Index] = {
            card.id: _Index([self._situation_target(card, s.n) for s in card.situations])
            for card in kb.cards
        }

    # -- building -------------------------------------------------------------------------
    def _card_target(self, card: Card) -> _Target:
        t = _Target(card.id)
        _add(t, [(card.title, W_TITLE)])
        _add(t, [(k, W_KEYWORD) for k in card.keywords])
        for term in self.kb.lexicon:
            if card.id in term.cards:
                _add(t, [(term.term, W_LEXICON)])
                _add(t, [(a, W_LEXICON) for a in term.aliases if len(compact(a)) >= 2])
        for s in card.situations:
            _add(t, [(s.title, W_SITUATION)])
            _add(t, [(k, W_SITUATION) for k in s.keywords])
        _add(t, [(c.title, W_COUNTERMEASURE) for c in card.countermeasures])
        texts = [card.title, *card.worries, *card.paraphrases, *card.keywords]
        for s in card.situations:
            texts += [s.title, s.question, *_sentences(s.explanation)]
        for c in card.countermeasures:
            texts.append(c.title)
        texts += _sentences(card.introduction)
        for text in texts:
            t.sentences.append(_features(self.expand(text)))
        return t

    def _situation_target(self, card: Card, n: int) -> _Target:
        s = card.situation(n)
        t = _Target(f"{card.id}-{n}")
        _add(t, [(s.title, W_TITLE)])
        _add(t, [(k, W_KEYWORD) for k in s.keywords])
        texts = [s.title, s.question, *s.keywords, *_sentences(s.explanation)]
        for cn in s.countermeasures:
            texts.append(card.countermeasure(cn).title)
        for text in texts:
            t.sentences.append(_features(self.expand(text)))
        return t

    # -- matching -------------------------------------------------------------------------
    def expand(self, text: str) -> str:
        """Append the canonical terms of lexicon aliases found in the text (SC → 生活支援コーディネーター)."""
        q = compact(text)
        extra: list[str] = []
        for alias, term in self._aliases:
            if alias and _contains(q, alias) and term not in extra:
                extra.append(term)
        return text if not extra else text + " " + " ".join(extra)

    def match(self, text: str) -> MatchResult:
        norm = normalize(text)
        if not norm:
            return MatchResult("", (), "none")
        expanded = self.expand(norm)
        scored = self._cards.score(expanded)
        cards = tuple(
            CardScore(self._cards.targets[ti].key, round(score, 4), tuple(labels))
            for ti, score, labels in scored
        )
        confidence = self._confidence(cards)
        situations: tuple[SituationScore, ...] = ()
        if cards and confidence != "none":
            situations = self.rank_situations(cards[0].card, expanded)
        return MatchResult(norm, cards, confidence, situations)

    def rank_situations(self, card_id: str, text: str) -> tuple[SituationScore, ...]:
        index = self._situations[card_id]
        scored = index.score(self.expand(normalize(text)))
        by_key = {index.targets[ti].key: (score, labels) for ti, score, labels in scored}
        out = []
        for s in self.kb.card(card_id).situations:
            score, labels = by_key.get(s.id, (0.0, []))
            out.append(SituationScore(s.n, round(score, 4), tuple(labels)))
        out.sort(key=lambda x: (-x.score, x.n))
        return tuple(out)

    def _confidence(self, cards: tuple[CardScore, ...]) -> Confidence:
        p = self.policy
        if not cards or cards[0].score < p.minimum:
            return "none"
        second = cards[1].score if len(cards) > 1 else 0.0
        top = cards[0].score
        if top >= p.certain or (top >= p.confident and top - second >= p.margin):
            return "confident"
        return "ambiguous"


def _contains(q: str, alias: str) -> bool:
    """Substring test; ASCII aliases (SC, NPO) must not sit inside a longer ASCII word."""
    if not alias.isascii():
        return alias in q
    for m in re.finditer(re.escape(alias), q):
        before = q[m.start() - 1] if m.start() else ""
        after = q[m.end()] if m.end() < len(q) else ""
        if not (before.isascii() and before.isalnum()) and not (
            after.isascii() and after.isalnum()
        ):
            return True
    return False
