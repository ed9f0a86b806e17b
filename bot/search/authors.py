"""Author lookup across the forms digest cells use: real names and Hugging Face user names.

A person is keyed by their name folded to plain lowercase letters without one-letter initials
("Guokan Shang", "guokan-shang" and "Guokan  SHANG" → "guokanshang"; "Jeffrey P. Bigham" →
"jeffreybigham"). A query matches a person by that key, by the key with the surname first
("Xu Huazhe"), by the same set of name words in any order, or, for one word, by surname
(or given name) alone — ambiguous when that names more than one person.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .tokenize import fold

_WORD_RE = re.compile(r"[a-z]+")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd"})


def name_words(name: str) -> list[str]:
    words = _WORD_RE.findall(fold(name))
    return [w for w in words if len(w) > 1 and w not in _SUFFIXES] or words


def person_key(name: str) -> str:
    return "".join(name_words(name))


@dataclass(frozen=True, slots=True)
class AuthorResult:
    query: str
    name: str | None  # the matched person's display name (None if none or ambiguous)
    doc_ids: tuple[int, ...]  # their papers (all candidates' papers when ambiguous)
    candidates: tuple[str, ...] = ()  # display names when ambiguous
    aliases: tuple[str, ...] = field(default=())  # the forms found in the digests

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


class AuthorIndex:
    def __init__(self) -> None:
        self.papers: dict[str, set[int]] = defaultdict(set)  # person key → doc ids
        self.forms: dict[str, Counter[str]] = defaultdict(Counter)  # person key → raw names
        self.by_alt_key: dict[str, set[str]] = defaultdict(set)  # surname-first / word set
        self.by_word: dict[str, set[str]] = defaultdict(set)  # first/last word → keys
        self.words: dict[str, list[str]] = {}  # person key → name words

    def add(self, doc_id: int, authors: Iterable[str]) -> None:
        for raw in authors:
            words = name_words(raw)
            if not words:
                continue
            key = "".join(words)
            if key not in self.words:
                self.words[key] = words
                if len(words) > 1:
                    self.by_alt_key[words[-1] + "".join(words[:-1])].add(key)
                    self.by_alt_key[" ".join(sorted(words))].add(key)
                    self.by_word[words[-1]].add(key)
                    self.by_word[words[0]].add(key)
            self.papers[key].add(doc_id)
            self.forms[key][raw] += 1

    def remove(self, doc_id: int, authors: Iterable[str]) -> None:
        for raw in authors:
            key = person_key(raw)
            if key in self.papers:
                self.papers[key].discard(doc_id)

    def display(self, key: str) -> str:
        forms = self.forms[key]
        # Prefer a real name ("Guokan Shang") over a user name ("guokan-shang").
        return max(forms, key=lambda f: (" " in f.strip(), f[:1].isupper(), forms[f]))

    def _keys_for(self, query: str) -> tuple[set[str], bool]:
        """Matching person keys, and whether the match was by one name word only."""
        words = name_words(query)
        if not words:
            return set(), False
        joined = "".join(words)
        keys = {joined} if self.papers.get(joined) else set()
        if len(words) > 1:
            keys |= self.by_alt_key.get(joined, set())
            keys |= self.by_alt_key.get(words[-1] + "".join(words[:-1]), set())
            keys |= self.by_alt_key.get(" ".join(sorted(words)), set())
        keys = {k for k in keys if self.papers.get(k)}
        if keys:
            return keys, False
        if len(words) == 1:
            return {k for k in self.by_word.get(joined, set()) if self.papers.get(k)}, True
        return set(), False

    def lookup(self, query: str) -> AuthorResult:
        keys, by_word = self._keys_for(query)
        if not keys:
            return AuthorResult(query, None, ())
        doc_ids: set[int] = set()
        for key in keys:
            doc_ids |= self.papers[key]
        ranked = sorted(keys, key=lambda k: (-len(self.papers[k]), k))
        names = [self.display(k) for k in ranked]
        aliases = tuple(sorted({form for k in keys for form in self.forms[k]}))
        if by_word and len(keys) > 1:
            return AuthorResult(query, None, tuple(doc_ids), tuple(names), aliases)
        return AuthorResult(query, names[0], tuple(doc_ids), (), aliases)

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Known names whose folded form, or one of whose words, starts with `prefix`."""
        folded = "".join(_WORD_RE.findall(fold(prefix)))
        first_words = name_words(prefix)
        if not folded:
            keys = sorted(self.papers, key=lambda k: -len(self.papers[k]))[:limit]
            return [self.display(k) for k in keys]
        scored: list[tuple[int, int, str]] = []
        for key, docs in self.papers.items():
            if not docs:
                continue
            if key.startswith(folded):
                scored.append((0, -len(docs), key))
            elif first_words and any(w.startswith(first_words[0]) for w in self.words[key][1:]):
                scored.append((1, -len(docs), key))
        scored.sort()
        return [self.display(k) for _, _, k in scored[:limit]]

    def sorted_docs(self, result: AuthorResult, newest: Callable[[int], str]) -> list[int]:
        return sorted(result.doc_ids, key=lambda d: (newest(d), d), reverse=True)
