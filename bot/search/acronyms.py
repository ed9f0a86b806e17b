"""Acronyms learned from the corpus: "reinforcement learning (RL)" teaches RL = reinforc learn.

Summaries define their acronyms in parentheses. A definition counts when the acronym's
letters are the initials of the words before it ("Proximal Policy Optimization (PPO)",
"Mixture of Experts (MoE)") or, failing that, appear in order in them with the first one
starting a word (Schwartz & Hearst: "3D Gaussian Splatting (3DGS)"). Acronyms are told apart
by case ("mAP", mean average precision, is not "MaP", maximum a posteriori), a plural "s"
aside ("LLMs" is "LLM").

The search uses an acronym in both directions:
- a query word written as an acronym ("RL", "MLLMs", "SDFs"; never a lowercase word such as
  "map") also matches papers that contain every word of its most frequent long form, scored
  as if they contained the acronym (see `BM25Index.grouped_scores`), so a paper that writes
  both does not count twice. One definition is enough when no other contradicts it; else the
  long form needs MIN_DEFINITIONS of them and at least half of all;
- query words that spell a long form ("graphical user interfaces") also match papers that
  only write its acronym ("GUI"): the run scores the better of its words and the acronym
  (`Either`). Only for acronyms of MIN_CONTRACTED characters or more whose long form has
  MIN_DEFINITIONS definitions and half of all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from .index import Either
from .tokenize import STOP_WORDS, tokenize

MIN_DEFINITIONS = 2
MIN_CONTRACTED = 3  # shorter acronyms ("RM", "SR", "LM") mean too many things to stand in
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
        self._contractions: dict[tuple[str, ...], str] | None = None

    def copy(self) -> AcronymTable:
        other = AcronymTable()
        other.counts = {key: Counter(forms) for key, forms in self.counts.items()}
        return other

    def prepare(self) -> None:
        """Compute both lookup tables now (before the table is shared with readers)."""
        self._table()
        self._reverse()

    def learn(self, text: str) -> None:
        for key, long_form in definitions(text):
            self.counts.setdefault(key, Counter())[long_form] += 1
            self._expansions = None
            self._contractions = None

    def _best(self, key: str) -> tuple[tuple[str, ...], int, int]:
        """(most frequent long form, its definitions, all definitions) of an acronym."""
        forms = self.counts[key]
        long_form, n = min(forms.items(), key=lambda f: (-f[1], len(f[0]), f[0]))
        return long_form, n, sum(forms.values())

    def _table(self) -> dict[str, tuple[str, ...]]:
        """Acronym as written → long form: a query that writes the acronym asked for it, so
        one definition is enough when no other contradicts it."""
        if self._expansions is None:
            expansions = {}
            for key in self.counts:
                long_form, n, total = self._best(key)
                if n == total or (n >= MIN_DEFINITIONS and 2 * n >= total):
                    expansions[key] = long_form
            self._expansions = expansions
        return self._expansions

    def _reverse(self) -> dict[tuple[str, ...], str]:
        """Long form → the index term of its acronym, for acronyms of MIN_CONTRACTED
        characters or more defined MIN_DEFINITIONS times (the shorthand is in common use, not
        one paper's name for its method); the most often defined one if several."""
        if self._contractions is None:
            best: dict[tuple[str, ...], tuple[int, str]] = {}
            for key in self.counts:
                long_form, n, total = self._best(key)
                terms = tokenize(key)
                if (n < MIN_DEFINITIONS or 2 * n < total or len(terms) != 1
                        or len(terms[0]) < MIN_CONTRACTED):
                    continue
                if long_form not in best or (n, terms[0]) > best[long_form]:
                    best[long_form] = (n, terms[0])
            self._contractions = {form: term for form, (_, term) in best.items()}
        return self._contractions

    def expansion(self, term: str) -> tuple[str, ...] | None:
        return self._table().get(term)

    def groups(self, terms: list[str], acronyms: dict[str, str]
               ) -> list[list[tuple[str, ...]] | Either]:
        """Query terms as groups: [("rl",), ("reinforc", "learn")] for a term written as a
        known acronym (`acronyms`: term → as written); a run of terms that spells a known
        long form as Either((long form), (acronym,)), so papers that only write the acronym
        match it too; [(term,)] for the others."""
        table, reverse = self._table(), self._reverse()
        longest = max(map(len, reverse), default=0)
        groups: list[list[tuple[str, ...]] | Either] = []
        i = 0
        while i < len(terms):
            for n in range(min(longest, len(terms) - i), 1, -1):
                run = tuple(terms[i:i + n])
                if run in reverse and reverse[run] not in terms:
                    groups.append(Either((run, (reverse[run],))))
                    i += n
                    break
            else:
                term = terms[i]
                long_form = table.get(acronyms[term]) if term in acronyms else None
                groups.append([(term,), long_form] if long_form else [(term,)])
                i += 1
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
