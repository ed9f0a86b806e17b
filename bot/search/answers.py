"""Extractive answers: the summary sentence(s) of the top papers that best answer a question.

The search picks the paper; its summary's sentences are ranked with rank-bm25 (BM25Plus over
the sentences, small enough to score directly), each question word weighted by its corpus idf;
how-much / what-rate questions favour sentences with a number the question does not already
contain, more so when it stands near a question word ("a PSNR of 28.36").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rank_bm25 import BM25Plus

from ..digest.clean import clean_summary, split_sentences
from .tokenize import fold, tokenize

NUMBER_BONUS = 0.5
PROXIMITY_BONUS = 0.5
ENTITY_BONUS = 1.0
FOCUS_WEIGHT = 3.0

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*\s*(?:%|x|×)?")
_QUANTITY_RE = re.compile(
    r"\b(?:how (?:many|much|long|fast|large|big|often|far|high|low|accurate)|by how much"
    r"|what (?:\w+[ -]){0,3}(?:accuracy|rate|score|percentage|percent|share|number|size|speed"
    r"|speedup|ratio|gain|improvement|reduction|psnr|ssim|fid|fps|frame rate|latency|auc|f1"
    r"|bleu|perplexity|kurtosis|error|win rate|success rate|pass@1|cost)"
    r"|(?:reach|achieve|attain|score|obtain|improve|boost|reduce|cut|gain)(?:e?d|s)?\b)",
)


@dataclass(frozen=True, slots=True)
class PaperLine:
    """One paper of an answer, with the summary sentence that shows why it answers."""

    arxiv_id: str
    title: str
    sentence: str


@dataclass(frozen=True, slots=True)
class Answer:
    answer: str  # "" when nothing answers the question
    arxiv_id: str | None
    title: str | None
    evidence: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())  # the answer's papers, best first
    papers: tuple[PaperLine, ...] = ()  # in the order shown
    kind: str = "fact"  # "fact": one sentence of one paper; "list": several papers

    def as_dict(self) -> dict[str, object]:
        return {"answer": self.answer, "arxiv_id": self.arxiv_id, "title": self.title,
                "evidence": list(self.evidence), "sources": list(self.sources),
                "papers": [{"arxiv_id": p.arxiv_id, "title": p.title, "sentence": p.sentence}
                           for p in self.papers],
                "kind": self.kind}


NO_ANSWER = Answer("", None, None)


@dataclass(frozen=True, slots=True)
class Candidate:
    arxiv_id: str
    title: str
    summary: str
    score: float  # the paper's search score
    day: str = ""  # the newest digest day that listed it (YYYY-MM-DD)


def wants_number(question: str) -> bool:
    return bool(_QUANTITY_RE.search(fold(question)))


_FOCUS_RE = re.compile(
    r"\b(?:how many|how much|what|which|whose)\s+(?!(?:did|does|do|is|are|was|were)\b)"
    r"((?:[\w'’-]+\s+){0,3}?[\w'’-]+?)"
    r"(?=\s+(?:did|does|do|is|are|was|were|has|have|had|can|could|would|will|on|in|of|for|at"
    r"|to|from|by|with|when|after|does|that|the)\b|\s*[?,]|$)",
    re.IGNORECASE,
)
# The same measure written two ways in summaries and questions.
_SYNONYMS = {"frame rate": "fps", "frames per second": "fps", "win rate": "win rate"}
_COUNT_RE = re.compile(r"^\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^\d+$")


def focus_terms(question: str) -> set[str]:
    """Index terms of what the question asks for ("What PSNR …" → psnr)."""
    folded = fold(question)
    terms: set[str] = set()
    for match in _FOCUS_RE.finditer(folded):
        phrase = match.group(1)
        for words, short in _SYNONYMS.items():
            if words in phrase:
                phrase += " " + short
        terms.update(tokenize(phrase))
    return terms


def _numbers(word: str) -> list[str]:
    """Numbers standing as words ("28.36", "3,105", "14.0%"), not inside names ("I2S")."""
    word = word.strip("([~≈<>+-±")
    return [n.strip() for n in _NUMBER_RE.findall(word)] if word[:1].isdigit() else []


def _number_bonus(sentence: str, question: str, near: set[str], count: bool) -> float:
    """NUMBER_BONUS for a new number of the asked kind, + PROXIMITY_BONUS near `near` terms."""
    asked = {n for word in question.split() for n in _numbers(word)}
    words = sentence.split()
    positions = [i for i, word in enumerate(words) if set(tokenize(word)) & near]
    bonus = 0.0
    for i, word in enumerate(words):
        fresh = [n for n in _numbers(word) if n not in asked]
        if count:  # "how many": whole counts ("3,105 problems"), not percentages
            fresh = [n for n in fresh if _COUNT_RE.match(n.rstrip("%x× ")) and "%" not in word
                     and "%" not in n]
        if not fresh:
            continue
        bonus = max(bonus, NUMBER_BONUS)
        if any(abs(i - j) <= 4 for j in positions):
            return NUMBER_BONUS + PROXIMITY_BONUS
    return bonus


def _entity_bonus(sentence: str, question: str, near: set[str]) -> float:
    """"Which robot …": a name (capitals or digits) next to a focus word ("Unitree G1 robot")."""
    asked = set(tokenize(question))
    words = sentence.split()
    for i, word in enumerate(words):
        if not set(tokenize(word)) & near:
            continue
        for j in range(max(1, i - 2), min(len(words), i + 3)):
            other = words[j].strip(",.;:()")
            named = (j != i and other[:1].isupper()) or any(ch.isdigit() for ch in other)
            if named and not set(tokenize(other)) & asked:
                return ENTITY_BONUS
    return 0.0


def rank_sentences(question: str, sentences: Sequence[str],
                   weight: Callable[[str], float] | None = None,
                   title: str = "") -> list[tuple[float, str]]:
    """Sentences of one summary, best answer first, with their scores.

    rank-bm25 scores each question word over the sentences (so words every sentence shares,
    the paper's topic, count little); `weight` (the corpus idf) favours distinctive words, the
    asked-for words count FOCUS_WEIGHT times and words of the title (which found the paper,
    not the answer) half.
    """
    query = list(dict.fromkeys(tokenize(question)))
    if not query or not sentences:
        return []
    focus = focus_terms(question)  # may add a synonym ("frame rate" → fps)
    title_terms = set(tokenize(title))
    corpus = [tokenize(sentence) or ["\x00"] for sentence in sentences]
    bm25 = BM25Plus(corpus)
    terms = list(dict.fromkeys(query + sorted(focus)))
    weights = []
    for term in terms:
        w = weight(term) if weight else 1.0
        if term in focus:
            w *= FOCUS_WEIGHT
        if term in title_terms:
            w *= 0.5
        weights.append(w)
    top_weight = max(weights) or 1.0
    scores = np.zeros(len(sentences))
    for term, w in zip(terms, weights, strict=True):
        term_scores = bm25.get_scores([term])
        scores += (w / top_weight) * (term_scores - term_scores.min())
    scores /= float(scores.max()) or 1.0
    folded = fold(question)
    near = focus or set(query)
    if wants_number(question):
        count = bool(re.search(r"\bhow many\b", folded))
        for i, sentence in enumerate(sentences):
            scores[i] += _number_bonus(sentence, question, near, count)
    elif focus and re.search(r"\b(?:which|what)\b", folded):
        for i, sentence in enumerate(sentences):
            scores[i] += _entity_bonus(sentence, question, focus)
    order = sorted(range(len(sentences)), key=lambda i: -scores[i])
    return [(float(scores[i]), sentences[i]) for i in order]


def best_answer(question: str, candidates: Sequence[Candidate],
                weight: Callable[[str], float] | None = None) -> Answer:
    """Answer from the best candidate paper (the search decides the paper)."""
    if not candidates or not tokenize(question):
        return NO_ANSWER
    best = candidates[0]
    ranked = rank_sentences(question, split_sentences(clean_summary(best.summary)), weight,
                            best.title)
    if not ranked:
        return NO_ANSWER
    evidence = tuple(sentence for _, sentence in ranked[:3])
    sources = tuple(c.arxiv_id for c in candidates)
    line = PaperLine(best.arxiv_id, best.title, ranked[0][1])
    return Answer(line.sentence, best.arxiv_id, best.title, evidence, sources, (line,))
