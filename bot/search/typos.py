"""Typo tolerance: map an unknown query term to close index terms (SymSpell-style).

Every vocabulary term (letters only, 4+ characters) is stored under the hashes of itself and
its one-character deletions; an unknown term's own deletions looked up there give every term
within Damerau–Levenshtein distance 2 as candidates, which are then checked exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MIN_LENGTH = 4


def _deletes(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (a transposition costs 1), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
        if min(previous) > limit:
            return limit + 1
    return min(previous[-1], limit + 1)


def allowed_distance(word: str) -> int:
    return 0 if len(word) < MIN_LENGTH else 1 if len(word) < 7 else 2


class TypoIndex:
    def __init__(self, vocabulary: list[str]) -> None:
        keys: list[int] = []
        ids: list[int] = []
        self.terms = vocabulary
        for term_id, term in enumerate(vocabulary):
            if len(term) < MIN_LENGTH or not term.isalpha():
                continue
            for variant in _deletes(term):
                keys.append(hash(variant))
                ids.append(term_id)
        key_array = np.array(keys, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        self.keys = key_array[order]
        self.ids = np.array(ids, dtype=np.int32)[order]
        self.size = len(vocabulary)

    def candidates(self, word: str) -> list[tuple[int, str]]:
        """(distance, term) for vocabulary terms within the distance allowed for `word`."""
        limit = allowed_distance(word)
        if not limit or not word.isalpha():
            return []
        found: set[int] = set()
        for variant in _deletes(word):
            h = hash(variant)
            lo = np.searchsorted(self.keys, h, side="left")
            hi = np.searchsorted(self.keys, h, side="right")
            found.update(self.ids[lo:hi].tolist())
        out = []
        for term_id in found:
            term = self.terms[term_id]
            d = distance(word, term, limit)
            if 0 < d <= limit:
                out.append((d, term))
        return sorted(out)


def correct(word: str, index: TypoIndex, frequency: Callable[[str], int],
            max_terms: int = 1) -> list[str]:
    """The closest known term (smallest distance, then most frequent) for an unknown word.

    One by default: a second, rarer candidate ("ambik", a paper's name, next to "ambigu")
    would score at full weight and its rarity would make it outweigh the word meant."""
    found = index.candidates(word)
    if not found:
        return []
    best = found[0][0]
    closest = [term for d, term in found if d == best]
    closest.sort(key=lambda term: -frequency(term))
    return closest[:max_terms]
