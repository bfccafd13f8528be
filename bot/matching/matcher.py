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
from itertools import chain
from typing import Literal

import ahocorasick
import numpy as np
from rapidfuzz import fuzz

from bot.knowledge.model import Card, KnowledgeBase
from bot.text.clauses import focus, without_speaker
from bot.text.normalize import compact, fold_kana, normalize
from bot.text.prepared import Prepared, prepare, prepare_normalized
from bot.text.reading import analyse

Confidence = Literal["confident", "ambiguous", "none"]


@dataclass(frozen=True)
class MatchPolicy:
    confident: float = 0.50  # top score at or above: name the card
    margin: float = 0.12  # ... and at least this far ahead of the second
    certain: float = 0.80  # at or above: confident whatever the margin
    minimum: float = 0.30  # below: nothing matches
    ambiguous_spread: float = 0.15  # cards within this of the top are offered together
    oos_margin: float = 0.1  # the top card must beat the closest out-of-scope topic by this
    oos_sentence_margin: float = 0.1  # ... and no out-of-scope sentence may be this much closer


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
    # per sentence, the text to quote as "close to this worry" (None: not a worry, e.g. a keyword)
    examples: list[str | None] = field(default_factory=list)


# Weights of each source of phrases and sentences.
W_TITLE = 3.0
W_KEYWORD = 2.0
W_LEXICON = 2.0
W_SITUATION = 1.2
W_COUNTERMEASURE = 0.8
MIN_READING = 3  # reading matches need at least this many kana
MIN_FUZZY = 5  # fuzzy matches need at least this many kana
FUZZY_CUTOFF = 90.0
TINY_INDEX = 128  # sentence vectors up to which scoring stays in plain Python
DENSE_MAX_CELLS = 12_000_000  # feature x sentence cells up to which the matrix is dense (48 MB)
PHRASE_SCALE = 2.5  # phrase evidence saturates: 1 - exp(-sum / scale)
W_PHRASE = 0.85
W_SENTENCE = 0.9

OOS_PREFIX = "oos:"
_SPLIT = re.compile(r"[。！？!?\n]+")


def _features(text: str) -> Counter[str]:
    return _features_norm(normalize(text))


def _features_norm(norm: str) -> Counter[str]:
    a = analyse(norm)
    feats: Counter[str] = Counter()
    for lemma in a.lemmas:
        feats["l:" + lemma.casefold()] += 1
    for r in a.readings:
        if len(r) >= 2:
            feats["r:" + r] += 1
    return feats


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(text) if len(s.strip()) >= 4]


@dataclass(frozen=True)
class _Query:
    """A query prepared once: compact surface, reading, ASCII words and content features."""

    text: str
    reading: str
    bounds: frozenset[int]  # word boundaries within ``reading``
    surface_bounds: frozenset[int]  # word boundaries within ``text``
    ascii_words: frozenset[str]
    features: Counter[str]

    @classmethod
    def of(cls, text: str | Prepared, expanded: str | None = None) -> _Query:
        """Phrases are matched on what the user wrote; sentence features also see the
        lexicon's canonical terms (SC → 生活支援コーディネーター), so nothing counts twice."""
        p = prepare_normalized(text)
        norm = p.norm
        c = p.compact
        a = p.analysis
        feats = _features_norm(expanded if expanded is not None else norm)
        return cls(
            c, fold_kana(a.reading), a.bounds, a.surface_bounds, frozenset(_ascii_words(c)), feats
        )


@dataclass(frozen=True)
class _Entry:
    target: int
    weight: float  # source weight x length factor x specificity
    label: str
    text: str
    ascii_words: frozenset[str]


class _Index:
    """Phrase automata and a sentence index over a set of targets.

    Exact phrase matches (surface and reading) use Aho-Corasick automata, so a query costs
    its own length, not the number of phrases; sentence similarity is computed with numpy
    over per-feature postings, so a knowledge base of a thousand cards stays fast.
    """

    def __init__(self, targets: list[_Target], fuzzy: bool = True) -> None:
        self.targets = targets
        self.fuzzy = fuzzy
        n = max(len(targets), 1)
        # phrase specificity: a phrase present in many targets says little
        owners: dict[str, set[int]] = defaultdict(set)
        for ti, t in enumerate(targets):
            for p in t.phrases:
                owners[p.text].add(ti)
        by_text: dict[str, dict[int, _Entry]] = defaultdict(dict)
        for ti, t in enumerate(targets):
            for p in t.phrases:
                # longer phrases are more specific: 「土壌づくりの成果」 says more than 「土壌づくり」
                length = min(1.5, 0.5 + len(p.text) / 8)
                w = p.weight * length / len(owners[p.text])
                old = by_text[p.text].get(ti)
                if old is None or w > old.weight:
                    by_text[p.text][ti] = _Entry(
                        ti, w, p.label, p.text, frozenset(_ascii_words(p.text))
                    )
        self.entries: dict[str, tuple[_Entry, ...]] = {
            k: tuple(v.values()) for k, v in by_text.items()
        }
        self.surface = ahocorasick.Automaton()
        for text in self.entries:
            self.surface.add_word(text, text)
        readings: dict[str, set[str]] = defaultdict(set)
        for t in targets:
            for p in t.phrases:
                # two-character words (庁内) have common homophones (町内): surface only
                if len(p.reading) >= MIN_READING and len(p.text) >= 3:
                    readings[p.reading].add(p.text)
        self.reading_texts = {r: tuple(sorted(v)) for r, v in readings.items()}
        self.reading = ahocorasick.Automaton()
        for r in self.reading_texts:
            self.reading.add_word(r, r)
        for auto in (self.surface, self.reading):
            if len(auto):
                auto.make_automaton()
        # fuzzy candidates are found through shared reading trigrams, then scored exactly
        self.trigrams: dict[str, list[str]] = defaultdict(list)
        for r in self.reading_texts:
            if len(r) >= MIN_FUZZY:
                for g in {r[i : i + 3] for i in range(len(r) - 2)}:
                    self.trigrams[g].append(r)
        # feature idf over targets (a target's sentences pooled)
        df: Counter[str] = Counter()
        for t in targets:
            df.update({f for sent in t.sentences for f in sent})
        self.idf = {f: math.log(1 + n / c) for f, c in df.items()}
        self.default_idf = math.log(1 + n)
        # L2-normalised sentence vectors, stored as postings per feature; sentences of one
        # target are contiguous so a per-target maximum is one reduceat
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        owner: list[int] = []
        self.quotable: dict[int, list[tuple[dict[str, float], str]]] = defaultdict(list)
        for ti, t in enumerate(targets):
            examples = t.examples or [None] * len(t.sentences)
            for sent, example in zip(t.sentences, examples, strict=True):
                vec = self._weigh(sent)
                if not vec:
                    continue
                if example:
                    self.quotable[ti].append((vec, example))
                vid = len(owner)
                owner.append(ti)
                for f, w in vec.items():
                    postings[f][0].append(vid)
                    postings[f][1].append(w)
        self.n_vectors = len(owner)
        self.owner = owner
        # one representation per index, by size: a tiny index (the situations of one card) is
        # scored fastest in plain Python; a mid-sized one as two small matrix products over a
        # dense feature x sentence matrix; a very large one with sparse postings (bounded memory)
        self.py_postings: dict[str, list[tuple[int, float]]] | None = None
        self.dense: np.ndarray | None = None
        self.columns: dict[str, int] = {}
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self.n_vectors <= TINY_INDEX:
            self.py_postings = {f: list(zip(v, w, strict=True)) for f, (v, w) in postings.items()}
        elif len(postings) * self.n_vectors <= DENSE_MAX_CELLS:
            self.columns = {f: i for i, f in enumerate(postings)}
            dense = np.zeros((len(postings), self.n_vectors), dtype=np.float32)
            for f, (vids, weights) in postings.items():
                dense[self.columns[f], vids] = weights
            self.dense = dense
        else:
            self.postings = {
                f: (np.asarray(v, dtype=np.int64), np.asarray(w, dtype=np.float64))
                for f, (v, w) in postings.items()
            }
        owner_arr = np.asarray(owner, dtype=np.int64)
        starts = (
            np.flatnonzero(np.r_[True, owner_arr[1:] != owner_arr[:-1]]) if owner else owner_arr
        )
        self.starts = starts
        self.start_targets = owner_arr[starts] if owner else owner_arr

    def _weigh(self, feats: Counter[str]) -> dict[str, float]:
        vec = {f: (1 + math.log(c)) * self.idf.get(f, self.default_idf) for f, c in feats.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {f: v / norm for f, v in vec.items()} if norm else {}

    def phrase_scores(self, q: _Query) -> dict[int, tuple[float, list[str]]]:
        """Sum of matched phrase weights per target, with the matched labels."""
        credit: dict[str, float] = {}
        if len(self.surface):
            for end, text in self.surface.iter(q.text):
                # a phrase that starts inside a word is another word: 送迎 in 歓送迎会
                if end + 1 - len(text) not in q.surface_bounds:
                    continue
                credit[text] = 1.0
        if len(self.reading):
            for end, r in self.reading.iter(q.reading):
                # a reading must cover whole words: いそう (移送) is not inside たいそう (体操)
                if end + 1 - len(r) not in q.bounds or end + 1 not in q.bounds:
                    continue
                for text in self.reading_texts[r]:
                    credit.setdefault(text, 0.9)
        if self.fuzzy and len(q.reading) >= MIN_FUZZY - 1 and not _strong(credit):
            # near-miss typos (コーデネーター): only when exact evidence is thin
            for r in self._fuzzy_candidates(q.reading):
                sim = fuzz.partial_ratio(r, q.reading, score_cutoff=FUZZY_CUTOFF)
                if sim:
                    for text in self.reading_texts[r]:
                        credit.setdefault(text, 0.6 * sim / 100.0)
        hits: dict[int, dict[str, tuple[float, str]]] = defaultdict(dict)
        for text, c in credit.items():
            for e in self.entries.get(text, ()):
                # 「サービスA」 and 「サービスD」 sound alike but name different things
                if c < 1.0 and not e.ascii_words <= q.ascii_words:
                    continue
                hits[e.target][text] = (c * e.weight, e.label)
        out: dict[int, tuple[float, list[str]]] = {}
        for ti, found in hits.items():
            # drop phrases contained in a longer matched phrase of the same target (協議 ⊂ 協議体)
            kept = [
                (w, lab)
                for t, (w, lab) in found.items()
                if not any(t != o and t in o for o in found)
            ]
            kept.sort(key=lambda x: -x[0])
            out[ti] = (sum(w for w, _ in kept), list(dict.fromkeys(lab for _, lab in kept)))
        return out

    def _fuzzy_candidates(self, reading: str) -> list[str]:
        """Phrase readings sharing at least half of their trigrams with the query."""
        grams = {reading[i : i + 3] for i in range(len(reading) - 2)}
        shared = Counter(chain.from_iterable(self.trigrams.get(g, ()) for g in grams))
        return [r for r, k in shared.items() if k >= max(2, (len(r) - 2) // 2)]

    def sentence_scores(self, feats: Counter[str]) -> dict[int, float]:
        """Best cosine per target, damped by how much of the query the sentence explains.

        A long query matching one word of a short sentence is not the same worry; unknown
        words of the query count against it, so off-topic questions that share one domain
        word («議会の日程») stay low.
        """
        qv = self._weigh(feats)
        if not qv or not self.n_vectors:
            return {}
        if self.py_postings is not None:
            return self._sentence_scores_py(qv, self.py_postings)
        dots: np.ndarray
        covered: np.ndarray
        if self.dense is not None:
            cols = self.columns
            ks = [cols[f] for f in qv if f in cols]
            if not ks:
                return {}
            wq = np.fromiter((qv[f] for f in qv if f in cols), dtype=np.float32, count=len(ks))
            rows = self.dense[ks]
            dots = wq @ rows
            covered = (wq * wq) @ (rows > 0).astype(np.float32)
        else:
            parts = [(w, self.postings[f]) for f, w in qv.items() if f in self.postings]
            if not parts:
                return {}
            vids = np.concatenate([p[0] for _, p in parts])
            dots = np.bincount(
                vids,
                weights=np.concatenate([w * p[1] for w, p in parts]),
                minlength=self.n_vectors,
            )
            covered = np.bincount(
                vids,
                weights=np.concatenate([np.full(len(p[0]), w * w) for w, p in parts]),
                minlength=self.n_vectors,
            )
        # covered is the squared norm of the query's explained part: damp by its square root
        sims = dots * np.sqrt(np.sqrt(covered))
        best = np.maximum.reduceat(sims, self.starts)
        nz = np.flatnonzero(best > 0)
        return dict(zip(self.start_targets[nz].tolist(), best[nz].tolist(), strict=True))

    def _sentence_scores_py(
        self, qv: dict[str, float], postings: dict[str, list[tuple[int, float]]]
    ) -> dict[int, float]:
        dots: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        for f, w in qv.items():
            for vid, x in postings.get(f, ()):
                dots[vid] += w * x
                covered[vid] += w * w
        best: dict[int, float] = {}
        for vid, d in dots.items():
            sim = d * math.sqrt(math.sqrt(covered[vid]))
            ti = self.owner[vid]
            if sim > best.get(ti, 0.0):
                best[ti] = sim
        return best

    def closest_example(self, ti: int, feats: Counter[str], minimum: float = 0.3) -> str | None:
        """The worry of target ``ti`` closest to the query, to say why a card was chosen."""
        qv = self._weigh(feats)
        best, text = minimum, None
        for vec, example in self.quotable.get(ti, ()):
            d = sum(w * vec.get(f, 0.0) for f, w in qv.items())
            if d >= best:
                best, text = d, example
        return text

    def score(self, q: _Query) -> list[tuple[int, float, list[str], float]]:
        """(target, score, matched labels, sentence similarity), best first."""
        phrases = self.phrase_scores(q)
        sents = self.sentence_scores(q.features)
        out = []
        for ti in set(phrases) | set(sents):
            ps, labels = phrases.get(ti, (0.0, []))
            p_norm = 1 - math.exp(-ps / PHRASE_SCALE)
            s = sents.get(ti, 0.0)
            # noisy-OR: either kind of evidence alone can carry a match, both reinforce
            score = 1 - (1 - W_PHRASE * p_norm) * (1 - W_SENTENCE * s)
            out.append((ti, score, labels, s))
        out.sort(key=lambda x: (-x[1], x[0]))
        return out


Scored = list[tuple[int, float, list[str], float]]
FOCUS_WEIGHT = 0.4  # share of the trouble sentences in a long post's score


def _blend(focused: Scored, whole: Scored, w: float) -> Scored:
    """Per target, ``w`` of the focused score and the rest of the whole text's."""
    a = {x[0]: x for x in focused}
    b = {x[0]: x for x in whole}
    out = []
    for ti in set(a) | set(b):
        fa = a.get(ti, (ti, 0.0, [], 0.0))
        wb = b.get(ti, (ti, 0.0, [], 0.0))
        labels = list(dict.fromkeys([*fa[2], *wb[2]]))
        out.append((ti, w * fa[1] + (1 - w) * wb[1], labels, w * fa[3] + (1 - w) * wb[3]))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out


def _strong(credit: dict[str, float]) -> bool:
    """Exact evidence of at least one specific phrase: no need for fuzzy matching."""
    return any(len(t) >= 3 for t in credit)


def _phrase(text: str, weight: float, label: str | None = None) -> _Phrase | None:
    c = compact(text)
    if not c:
        return None
    return _Phrase(c, fold_kana(analyse(normalize(text)).reading), weight, label or text)


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
        # lexicon: alias -> canonical term; ASCII aliases (SC, NPO) must stand as whole words
        self._aliases = ahocorasick.Automaton()
        self._ascii_aliases = ahocorasick.Automaton()
        for t in kb.lexicon:
            for a in t.aliases:
                c = compact(a)
                if c:
                    auto = self._ascii_aliases if c.isascii() else self._aliases
                    auto.add_word(c, (c, t.term))
        for auto in (self._aliases, self._ascii_aliases):
            if len(auto):
                auto.make_automaton()
        targets: list[_Target] = []
        for card in kb.cards:
            targets.append(self._card_target(card))
        # out-of-scope topics share the index (and its word statistics) but are never answered
        for topic in kb.out_of_scope:
            oos = _Target(OOS_PREFIX + topic.name)
            oos.sentences = [_features(self.expand(x)) for x in topic.examples]
            targets.append(oos)
        self._cards = _Index(targets)
        self._situations: dict[str, _Index] = {
            # situations are ranked within a card already found: typos were handled there
            card.id: _Index(
                [self._situation_target(card, s.n) for s in card.situations], fuzzy=False
            )
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
        worries = [*card.worries, *card.paraphrases, *(s.title for s in card.situations)]
        others = [card.title, *card.keywords]
        for s in card.situations:
            others += [s.question, *_sentences(s.explanation)]
        for c in card.countermeasures:
            others.append(c.title)
        others += _sentences(card.introduction)
        for text in worries:
            t.sentences.append(_features(self.expand(text)))
            t.examples.append(" ".join(text.split()))
        for text in others:
            t.sentences.append(_features(self.expand(text)))
            t.examples.append(None)
        return t

    def _situation_target(self, card: Card, n: int) -> _Target:
        s = card.situation(n)
        t = _Target(f"{card.id}-{n}")
        _add(t, [(s.title, W_TITLE)])
        _add(t, [(k, W_KEYWORD) for k in s.keywords])
        texts = [s.title, s.question, *s.keywords, *_sentences(s.explanation), *s.paraphrases]
        for cn in s.countermeasures:
            texts.append(card.countermeasure(cn).title)
        for text in texts:
            t.sentences.append(_features(self.expand(text)))
        return t

    # -- matching -------------------------------------------------------------------------
    def expand(self, text: str) -> str:
        """Append the canonical terms of lexicon aliases found in the text (SC → 生活支援コーディネーター)."""
        return self._expand_norm(normalize(text))

    def _expand_norm(self, norm: str) -> str:
        extra: dict[str, None] = {}
        if len(self._aliases):
            for _, (_alias, term) in self._aliases.iter(norm.replace(" ", "")):
                extra[term] = None
        if len(self._ascii_aliases):
            for end, (alias, term) in self._ascii_aliases.iter(norm):
                start = end - len(alias) + 1
                before = norm[start - 1] if start > 0 else ""
                after = norm[end + 1] if end + 1 < len(norm) else ""
                if not _ascii_alnum(before) and not _ascii_alnum(after):
                    extra[term] = None
        return norm if not extra else norm + " " + " ".join(extra)

    def match(self, text: str | Prepared, *, situations: bool = True) -> MatchResult:
        """Rank the cards for ``text``; with ``situations``, also the top card's situations."""
        p = prepare(text)
        norm = p.norm
        if not norm:
            return MatchResult("", (), "none")
        body = without_speaker(p.raw)
        if body != p.raw and (bp := prepare(body)).norm:
            p = bp  # the writer's own role is not the worry
        query = _Query.of(p, self._expand_norm(p.norm))
        scored = self._cards.score(query)
        focus_text = focus(p.raw)
        if focus_text != p.raw and (fp := prepare(focus_text)).norm:
            # a long post: the sentences with the trouble outweigh the background
            fq = _Query.of(fp, self._expand_norm(fp.norm))
            scored = _blend(self._cards.score(fq), scored, FOCUS_WEIGHT)
        keys = [self._cards.targets[x[0]].key for x in scored]
        is_oos = [k.startswith(OOS_PREFIX) for k in keys]
        oos = max((x[1] for x, o in zip(scored, is_oos, strict=True) if o), default=0.0)
        oos_sent = max((x[3] for x, o in zip(scored, is_oos, strict=True) if o), default=0.0)
        card_rows = [x for x, o in zip(scored, is_oos, strict=True) if not o]
        cards = tuple(
            CardScore(self._cards.targets[ti].key, round(score, 4), tuple(labels))
            for ti, score, labels, _ in card_rows
        )
        top_sent = card_rows[0][3] if card_rows else 0.0
        confidence = self._confidence(cards, oos, oos_sent - top_sent)
        ranked: tuple[SituationScore, ...] = ()
        if situations and cards and confidence != "none":
            ranked = self._rank(cards[0].card, query)
        return MatchResult(norm, cards, confidence, ranked)

    def closest_example(self, card_id: str, text: str | Prepared) -> str | None:
        """The card's worry closest to ``text``: the reason to give when no telling word
        matched. Computed only for the reply, not for every match."""
        norm = prepare(text).norm
        ti = next(i for i, t in enumerate(self._cards.targets) if t.key == card_id)
        return self._cards.closest_example(ti, _features_norm(self._expand_norm(norm)))

    def rank_situations(self, card_id: str, text: str | Prepared) -> tuple[SituationScore, ...]:
        p = prepare(text)
        return self._rank(card_id, _Query.of(p, self._expand_norm(p.norm)))

    def _rank(self, card_id: str, query: _Query) -> tuple[SituationScore, ...]:
        index = self._situations[card_id]
        scored = index.score(query)
        by_key = {index.targets[ti].key: (score, labels) for ti, score, labels, _ in scored}
        out = []
        for s in self.kb.card(card_id).situations:
            score, labels = by_key.get(s.id, (0.0, []))
            out.append(SituationScore(s.n, round(score, 4), tuple(labels)))
        out.sort(key=lambda x: (-x.score, x.n))
        return tuple(out)

    def _confidence(
        self, cards: tuple[CardScore, ...], oos: float = 0.0, oos_lead: float = 0.0
    ) -> Confidence:
        p = self.policy
        if not cards or cards[0].score < p.minimum:
            return "none"
        if oos > 0 and cards[0].score < oos + p.oos_margin:
            return "none"  # closer to something the bot does not cover
        if oos_lead > p.oos_sentence_margin:
            # the sentence reads like an out-of-scope request; one domain word is not a worry
            return "none"
        second = cards[1].score if len(cards) > 1 else 0.0
        top = cards[0].score
        if top >= p.certain or (top >= p.confident and top - second >= p.margin):
            return "confident"
        return "ambiguous"


_ASCII_WORD = re.compile(r"[a-z0-9]+")


def _ascii_words(text: str) -> set[str]:
    return set(_ASCII_WORD.findall(text))


def _ascii_alnum(ch: str) -> bool:
    return bool(ch) and ch.isascii() and ch.isalnum()
