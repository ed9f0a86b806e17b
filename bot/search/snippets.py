"""One-line snippets for search results: the summary sentence that best matches the query."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..digest.clean import clean_summary, split_sentences
from .tokenize import tokenize


def best_sentence(summary: str, terms: Iterable[str]) -> str:
    """The cleaned summary's sentence with the most distinct query terms (the first on ties)."""
    wanted = set(terms)
    sentences = split_sentences(clean_summary(summary)) or [summary]
    best, best_hits = sentences[0], 0
    for sentence in sentences:
        hits = len(wanted.intersection(tokenize(sentence)))
        if hits > best_hits:
            best, best_hits = sentence, hits
    return best


def highlighter(terms: Iterable[str]) -> Callable[[str], bool]:
    """Whether a word as written matches one of the query's index terms."""
    wanted = set(terms)
    return lambda word: bool(wanted.intersection(tokenize(word)))
