"""Questions whose answer is a set of papers ("which papers use GRPO for video?").

Such a question is read into a topic to search for, an optional period ("since August") and
an order (newest first when it asks what is new, otherwise best first). The answer lists up
to MAX_PAPERS papers that score near the best one, each with the summary sentence that
matches the topic best, so a reader sees why it is there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from ..digest.clean import clean_summary, split_sentences
from .answers import Answer, Candidate, PaperLine, rank_sentences
from .timewords import Period, find_period, without

MAX_PAPERS = 8
NEAR_BEST = 0.5  # a paper is listed when its score is at least this share of the best one's

_PLURAL = r"(?:papers|works|studies|articles|preprints|publications)"
_NOUNS = rf"(?:{_PLURAL}|work|research)"
# What makes a question ask for a set of papers, one way of asking a line.
_LIST_WAYS = (
    rf"\b(?:which|what)\s+(?:\w+\s+)?{_PLURAL}\b",
    rf"\bany(?:thing)?\s+(?:\w+\s+)?(?:{_NOUNS}|new)\s+(?:on|about|in|into|using|for|that|with)\b",
    rf"\bhow\s+many\s+{_PLURAL}\b",
    r"\bwhat(?:'s|’s|\s+is)\s+new\b", r"\bnew\s+(?:on|in)\b", r"\blatest\b",
    rf"^\s*(?:list|show|find|recommend|give)\b(?:\s+me)?(?:\s+\w+)?\s+{_NOUNS}\b",
    rf"^\s*(?:are|were)\s+there\s+(?:any\s+)?(?:\w+\s+)?{_NOUNS}\b",
    rf"^\s*(?:\w+\s+)?{_NOUNS}\s+(?:on|about|using|that|tackling|applying|with|for)\b",
)
_LIST_RE = re.compile("|".join(_LIST_WAYS), re.IGNORECASE)
_NEWEST_RE = re.compile(r"\b(?:new|newest|latest|recent(?:ly)?)\b", re.IGNORECASE)
_FRAMING_RE = re.compile(
    rf"\bwhat(?:'s|’s)|\b(?:which|what|any(?:thing)?|how\s+many|list|show|find|recommend|give"
    rf"|me|are|were|is|there|has|have|been|published|came\s+out|appeared|new|newest|latest"
    rf"|recent(?:ly)?|other|good|interesting|{_NOUNS})\b|[?!.]",
    re.IGNORECASE,
)
_LEADING_RE = re.compile(r"^(?:(?:on|about|using|uses?|in|into|for|that|with|of)\s+)+",
                         re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ListQuestion:
    topic: str  # what to search for, without the framing or the time words
    period: Period | None
    newest_first: bool


def read_list_question(question: str, newest_day: date | None) -> ListQuestion | None:
    """The question as a request for a list of papers, or None for a single-fact question."""
    if not _LIST_RE.search(question):
        return None
    period = find_period(question, newest_day) if newest_day else None
    rest = without(question, period) if period else question
    topic = _LEADING_RE.sub("", " ".join(_FRAMING_RE.sub(" ", rest).split()))
    return ListQuestion(topic, period, bool(_NEWEST_RE.search(question)))


def list_answer(question: ListQuestion, candidates: Sequence[Candidate],
                weight: Callable[[str], float] | None = None) -> Answer:
    """The papers that answer a list question, each with its telling sentence."""
    if not candidates:
        return Answer("", None, None, kind="list")
    best = candidates[0].score
    chosen = [c for c in candidates if best <= 0 or c.score >= NEAR_BEST * best][:MAX_PAPERS]
    lines = [PaperLine(c.arxiv_id, c.title, _telling_sentence(question.topic, c, weight))
             for c in chosen]
    order = {c.arxiv_id: c.day for c in chosen}
    shown = (sorted(lines, key=lambda line: order[line.arxiv_id], reverse=True)
             if question.newest_first else lines)
    sources = tuple(c.arxiv_id for c in chosen)
    first = shown[0]
    return Answer(_summary_line(question, len(shown)), first.arxiv_id, first.title,
                  tuple(line.sentence for line in shown), sources, tuple(shown), "list")


def _telling_sentence(topic: str, candidate: Candidate,
                      weight: Callable[[str], float] | None) -> str:
    sentences = split_sentences(clean_summary(candidate.summary))
    ranked = rank_sentences(topic, sentences, weight) if topic else []
    return ranked[0][1] if ranked else (sentences[0] if sentences else "")


def _summary_line(question: ListQuestion, count: int) -> str:
    papers = "1 paper" if count == 1 else f"{count} papers"
    topic = f" on {question.topic}" if question.topic else ""
    period = f", {question.period.label}" if question.period else ""
    order = " (newest first)" if question.newest_first else ""
    return f"{papers}{topic}{period}{order}"
