"""Acronyms learned from the corpus: "reinforcement learning (RL)" teaches RL = reinforc learn.

Summaries define their acronyms in parentheses. A definition counts when the acronym's
letters are the initials of the words before it ("Proximal Policy Optimization (PPO)",
"Mixture of Experts (MoE)") or, failing that, appear in order in them with the first one
starting a word (Schwartz & Hearst: "3D Gaussian Splatting (3DGS)"). Acronyms are told apart
by case ("mAP", mean average precision, is not "MaP", maximum a posteriori), a plural "s"
aside ("LLMs" is "LLM").

The search uses an acronym when its most frequent long form makes at least half of its
definitions and at least MIN_DEFINITIONS of them, and only for a query word written exactly
that way ("RL", "MLLMs"; never a lowercase word such as "map"): the word then also matches
papers that contain every word of the long form, scored as if they contained the acronym
(see `BM25Index.concept_scores`), so a paper that writes both does not count twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from .tokenize import STOP_WORDS, tokenize

MIN_DEFINITIONS = 2
_DEFINITION_RE = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9-]{0,9})\s*\)")
_WORD_RE = re.compile(r"[A-Za-z0-9]+")
_QUERY_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_BREAK_RE = re.compile(r"[.;:!?()\[\]]")  # a long form does not reach over these


def _surface(word: str) -> str | None:
    """The acronym as written, singular ("LLMs" → "LLM"), or None if `word` is not one."""
    if word.endswith("s") and sum(ch.isupper() for ch in word[:-1]) >= 2:
        word = word[:-1]
    if sum(ch.isupper() for ch in word) < 2 or not 2 <= len(word) <= 9:
        return None
    return word


def _letters(surface: str) -> str:
    return "".join(ch for ch in surface if ch.isalnum()).lower()


def _initials(words: list[str], letters: str) -> list[str] | None:
    """The shortest run of last words whose initials (stop words may be skipped) spell it."""
    for k in range(1, min(len(words), len(letters) + 3) + 1):
        run = words[-k:]
        if run[0].lower() in STOP_WORDS:
            continue
        full = "".join(w[0] for w in run).lower()
        content = "".join(w[0] for w in run if w.lower() not in STOP_WORDS).lower()
        if letters in (full, content):
            return run
    return None


def _in_order(words: list[str], letters: str) -> list[str] | None:
    """Schwartz & Hearst: the letters in order, right to left, the first one at a word start."""
    words = words[-min(len(letters) + 5, 2 * len(letters)):]
    text = " ".join(words).lower()
    at = len(text) - 1
    for i in range(len(letters) - 1, -1, -1):
        while at >= 0 and (text[at] != letters[i]
                           or (i == 0 and at > 0 and text[at - 1].isalnum())):
            at -= 1
        if at < 0:
            return None
        at -= 1
    start = text.rfind(" ", 0, at + 2) + 1
    run = text[start:].split()
    return run if len(run) <= len(letters) + 3 else None


def written_as_acronyms(text: str) -> dict[str, str]:
    """Index term → acronym as written, for the words of `text` written like acronyms."""
    found = {}
    for word in _QUERY_WORD_RE.findall(text):
        surface = _surface(word)
        if surface is not None:
            terms = tokenize(word)
            if len(terms) == 1:
                found[terms[0]] = surface
    return found


def definitions(text: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(acronym as written, long form terms) for each acronym defined in `text`."""
    for match in _DEFINITION_RE.finditer(text):
        surface = _surface(match.group(1))
        if surface is None:
            continue
        key = tokenize(match.group(1))
        if len(key) != 1:
            continue
        before = _BREAK_RE.split(text[max(0, match.start() - 200):match.start()])[-1]
        words = [w for part in before.split() for w in _WORD_RE.findall(part)]
        letters = _letters(surface)
        run = (_initials(words, letters) or _in_order(words, letters)) if words else None
        if not run:
            continue
        long_form = tuple(tokenize(" ".join(run)))
        if len(long_form) >= 2 and key[0] not in long_form:
            yield surface, long_form


class AcronymTable:
    def __init__(self) -> None:
        self.counts: dict[str, Counter[tuple[str, ...]]] = {}
        self._expansions: dict[str, tuple[str, ...]] | None = None

    def learn(self, text: str) -> None:
        for key, long_form in definitions(text):
            self.counts.setdefault(key, Counter())[long_form] += 1
            self._expansions = None

    def _table(self) -> dict[str, tuple[str, ...]]:
        if self._expansions is None:
            expansions = {}
            for key, forms in self.counts.items():
                long_form, n = min(forms.items(), key=lambda f: (-f[1], len(f[0]), f[0]))
                if n >= MIN_DEFINITIONS and 2 * n >= sum(forms.values()):
                    expansions[key] = long_form
            self._expansions = expansions
        return self._expansions

    def expansion(self, term: str) -> tuple[str, ...] | None:
        return self._table().get(term)

    def groups(self, terms: list[str], acronyms: dict[str, str]
               ) -> list[list[tuple[str, ...]]]:
        """Query terms as groups: [("rl",), ("reinforc", "learn")] for a term written as a
        known acronym (`acronyms`: term → as written), [(term,)] for the others."""
        table = self._table()
        groups: list[list[tuple[str, ...]]] = []
        for term in terms:
            long_form = table.get(acronyms[term]) if term in acronyms else None
            groups.append([(term,), long_form] if long_form else [(term,)])
        return groups

    # -- saving ------------------------------------------------------------------------

    def rows(self) -> list[str]:
        """One "key<TAB>long form<TAB>count" line per definition (for the saved index)."""
        return [f"{key}\t{' '.join(form)}\t{n}" for key, forms in sorted(self.counts.items())
                for form, n in sorted(forms.items())]

    @classmethod
    def from_rows(cls, rows: list[str]) -> AcronymTable:
        table = cls()
        for row in rows:
            key, form, n = row.split("\t")
            table.counts.setdefault(key, Counter())[tuple(form.split(" "))] = int(n)
        return table
