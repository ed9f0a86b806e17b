"""Author lookup across the forms digest cells use: real names and Hugging Face user names.

A person is keyed by their name folded to plain lowercase letters without one-letter initials
("Guokan Shang", "guokan-shang" and "Guokan  SHANG" → "guokanshang"; "Jeffrey P. Bigham" →
"jeffreybigham"). A query matches a person by that key, by the key with the surname first
("Xu Huazhe"), by the same set of name words in any order, or, for one word, by surname
(or given name) alone — ambiguous when that names more than one person.

Memory: every distinct name as written ("form") gets a number once, with its person; the
engine keeps each paper's authors as form numbers. A person's papers are an `array` of doc
ids, and the lookup tables map to one person number or, on a clash, a list of them.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
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


_Link = int | list[int]


def _link(table: dict[str, _Link], key: str, person: int) -> None:
    current = table.get(key)
    if current is None:
        table[key] = person
    elif isinstance(current, int):
        if current != person:
            table[key] = [current, person]
    elif person not in current:
        current.append(person)


def _linked(table: dict[str, _Link], key: str) -> list[int]:
    current = table.get(key)
    return [] if current is None else [current] if isinstance(current, int) else current


def _copied(link: _Link) -> _Link:
    return link if isinstance(link, int) else list(link)


class AuthorIndex:
    def __init__(self) -> None:
        self.forms: list[str] = []  # form id → the name as written
        self.form_ids: dict[str, int] = {}
        self.form_person = array("i")  # form id → person id (-1: no name words)
        self.form_papers = array("i")  # form id → papers listing it that way
        self.keys: list[str] = []  # person id → key
        self.person_ids: dict[str, int] = {}
        self.words: list[str] = []  # person id → name words joined by spaces
        self.person_forms: list[_Link] = []
        self.papers: list[array] = []  # person id → doc ids, ascending
        self.by_alt_key: dict[str, _Link] = {}  # surname-first key / sorted word set
        self.by_word: dict[str, _Link] = {}  # first or last name word

    def copy(self) -> AuthorIndex:
        """An independent copy (for the next snapshot of the engine)."""
        other = AuthorIndex()
        other.forms = list(self.forms)
        other.form_ids = dict(self.form_ids)
        other.form_person = array("i", self.form_person)
        other.form_papers = array("i", self.form_papers)
        other.keys = list(self.keys)
        other.person_ids = dict(self.person_ids)
        other.words = list(self.words)
        other.person_forms = [_copied(forms) for forms in self.person_forms]
        other.papers = [array("i", papers) for papers in self.papers]
        other.by_alt_key = {key: _copied(link) for key, link in self.by_alt_key.items()}
        other.by_word = {key: _copied(link) for key, link in self.by_word.items()}
        return other

    def form_id(self, raw: str) -> int:
        """The number of a name as written (registering it, and its person, if new)."""
        form = self.form_ids.get(raw)
        if form is not None:
            return form
        words = name_words(raw)
        person = -1
        if words:
            key = "".join(words)
            person = self.person_ids.get(key, -1)
            if person < 0:
                person = len(self.keys)
                self.person_ids[key] = person
                self.keys.append(key)
                self.words.append(" ".join(words))
                self.person_forms.append([])
                self.papers.append(array("i"))
            # Every spelled-out form teaches the other orders, even when the person was first
            # met as a one-word user name ("XianglongHe", then "Xianglong He").
            if len(words) > 1:
                if " " not in self.words[person]:
                    self.words[person] = " ".join(words)
                _link(self.by_alt_key, words[-1] + "".join(words[:-1]), person)
                _link(self.by_alt_key, " ".join(sorted(words)), person)
                _link(self.by_word, words[-1], person)
                _link(self.by_word, words[0], person)
                parts = raw.split()
                if len(parts) > 1:  # a surname of several words: "Cohen-Addad", "van Gool"
                    _link(self.by_word, person_key(parts[-1]), person)
            forms = self.person_forms[person]
            assert isinstance(forms, list)
            forms.append(len(self.forms))
        form = len(self.forms)
        self.forms.append(raw)
        self.form_ids[raw] = form
        self.form_person.append(person)
        self.form_papers.append(0)
        return form

    def add(self, doc_id: int, forms: Iterable[int]) -> None:
        """Record a paper's authors (form ids); doc ids must come in ascending order."""
        for form in forms:
            self.form_papers[form] += 1
            person = self.form_person[form]
            if person >= 0:
                papers = self.papers[person]
                if not papers or papers[-1] != doc_id:
                    papers.append(doc_id)

    def remove(self, doc_id: int, forms: Iterable[int]) -> None:
        for form in forms:
            self.form_papers[form] = max(0, self.form_papers[form] - 1)
            person = self.form_person[form]
            if person >= 0 and doc_id in self.papers[person]:
                self.papers[person].remove(doc_id)

    def display(self, person: int) -> str:
        forms = self.person_forms[person]
        assert isinstance(forms, list)
        # Prefer a real name ("Guokan Shang") over a user name ("guokan-shang").
        best = max(forms, key=lambda f: (" " in self.forms[f].strip(), self.forms[f][:1].isupper(),
                                         self.form_papers[f], -f))
        return self.forms[best]

    def _persons_for(self, query: str) -> tuple[set[int], bool]:
        """Matching person ids, and whether the match was by one name word only."""
        words = name_words(query)
        if not words:
            return set(), False
        joined = "".join(words)
        found: set[int] = set()
        if joined in self.person_ids:
            found.add(self.person_ids[joined])
        if len(words) > 1:
            found.update(_linked(self.by_alt_key, joined))
            found.update(_linked(self.by_alt_key, words[-1] + "".join(words[:-1])))
            found.update(_linked(self.by_alt_key, " ".join(sorted(words))))
        found = {p for p in found if self.papers[p]}
        if found:
            return found, False
        # A surname (or given name) alone, possibly of several words ("Cohen Addad").
        return {p for p in _linked(self.by_word, joined) if self.papers[p]}, True

    def lookup(self, query: str) -> AuthorResult:
        persons, by_word = self._persons_for(query)
        if not persons:
            return AuthorResult(query, None, ())
        doc_ids: set[int] = set()
        for person in persons:
            doc_ids.update(self.papers[person])
        ranked = sorted(persons, key=lambda p: (-len(self.papers[p]), self.keys[p]))
        names = [self.display(p) for p in ranked]
        aliases = tuple(sorted({self.forms[f] for p in persons
                                for f in self.person_forms[p]  # type: ignore[union-attr]
                                if self.form_papers[f]}))
        if by_word and len(persons) > 1:
            return AuthorResult(query, None, tuple(doc_ids), tuple(names), aliases)
        return AuthorResult(query, names[0], tuple(doc_ids), (), aliases)

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Known names whose folded form, or one of whose words, starts with `prefix`."""
        folded = "".join(_WORD_RE.findall(fold(prefix)))
        first_words = name_words(prefix)
        if not folded:
            persons = [p for p in range(len(self.keys)) if self.papers[p]]
            persons.sort(key=lambda p: -len(self.papers[p]))
            return [self.display(p) for p in persons[:limit]]
        later_word = " " + first_words[0] if first_words else None
        scored: list[tuple[int, int, str, int]] = []
        for person, key in enumerate(self.keys):
            docs = len(self.papers[person])
            if not docs:
                continue
            if key.startswith(folded):
                scored.append((0, -docs, key, person))
            elif later_word and later_word in self.words[person]:  # a word after the first
                scored.append((1, -docs, key, person))
        scored.sort()
        return [self.display(p) for *_, p in scored[:limit]]
