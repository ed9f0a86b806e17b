"""The tokeniser for paper titles, author names and summaries (and the queries against them).

Text is folded (NFKC, accents dropped, case-folded: "PokéChamp" → "pokechamp"), LaTeX-ish
markup inside words is dropped ("L$^2$M" → "l2m"), hyphenated compounds give their parts, the
joined form (stemmed, so "fine-tuning" meets "finetuning") and, for three parts or more, their
initials ("Mixture-of-Experts" → "mixtur", "expert", "mixtureofexpert", "moe"), English stop
words go and words are stemmed (Snowball English). Words with digits ("3B", "3.5", "gpt4o")
are kept as they are. Queries also drop a few conversational words (QUERY_STOP_WORDS).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each either few
for from further had has have having he her here hers herself him himself his how i if in
into is it its itself just me more most my myself no nor not now of off on once only or
other ought our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until
up upon us very via was we were what when where which while who whom why will with within
without would you your yours yourself yourselves s t d ll m o re ve y whose whether does
did thus hence eg ie etc al
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# Words people type in questions that say nothing about a paper's topic: opinions ("how good
# is"), vague amounts and filler. Formal summaries hardly use them, so their idf would be high
# and a paper that happens to say "good" would win on it. Dropped from queries only (a title
# that contains one is still indexed) and only when standing alone (not in "BIG-Bench").
_QUERY_STOP_TEXT = """
good great nice bad really actually basically get gets got getting give gives gave giving
keep keeps kept keeping kind kinds thing things stuff something anything someone somebody
lot lots want wants wanted try tries tried trying look looks looked looking big bigger
biggest much many paper papers article articles
"""
QUERY_STOP_WORDS = frozenset(_QUERY_STOP_TEXT.split())

# Names of the same kind of paper that people use interchangeably ("a review of …" finds
# "… : A Survey"), as index terms: a query term also matches its synonyms, scored with its own
# idf (like an acronym's long form). Kept tiny on purpose: only words whose other sense is rare.
_SYNONYM_SETS = [("survey", "review", "overview")]
SYNONYMS = {term: tuple(t for t in group if t != term)
            for group in _SYNONYM_SETS for term in group}

_MARKUP_RE = re.compile(r"[$^{}\\]|\\[a-z]+")
# A word: letters/digits, with inner joiners kept for now ("mixture-of-experts", "3.5", "gpt-4o").
_WORD_RE = re.compile(r"[a-z0-9]+(?:[-_.'’/+][a-z0-9]+)*")
_SPLIT_RE = re.compile(r"[-_'’/+]")
_DECIMAL_RE = re.compile(r"^\d+(?:\.\d+)+[a-z]*$")

_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Case and accent folding: "Nießner" → "niessner", "PokéChamp" → "pokechamp"."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if any(ch.isdigit() for ch in word):
        return word
    if word.endswith("s") and len(word) > 2 and not any(v in word[:-1] for v in "aeiouy"):
        return word[:-1]  # acronym plurals the stemmer keeps: "llms", "vlms"
    return _stemmer.stemWord(word)


def _words(text: str) -> list[str]:
    text = fold(text)
    if "$" in text or "\\" in text or "^" in text:
        text = _MARKUP_RE.sub("", text)
    return _WORD_RE.findall(text)


_EXPANDED: dict[str, tuple[str, ...]] = {}  # surface word → index terms (tokenize's cache)
_EXPANDED_MAX = 200_000


def _expand(word: str) -> tuple[str, ...]:
    """Index terms for one surface word (already folded)."""
    if _DECIMAL_RE.match(word):  # "3.5", "2.5x"
        return (word,)
    if "." in word:  # "qwen2.5-vl", "e.g", "u.s": split at dots unless between digits
        word = re.sub(r"(?<!\d)\.|\.(?!\d)", "-", word)
    parts = [p for p in _SPLIT_RE.split(word) if p]
    if not parts:
        return ()
    if len(parts) == 1:
        term = parts[0]
        if term in STOP_WORDS:
            return ()
        return (_stem(term),)
    terms = [_stem(p) for p in parts if (p not in STOP_WORDS and len(p) > 1) or p.isdigit()]
    if parts[-1] in ("s", "t") and len(parts) == 2:  # "model's", "don't"
        return (_stem(parts[0]),) if parts[0] not in STOP_WORDS else ()
    joined = _stem("".join(parts))
    if joined not in STOP_WORDS:
        terms.append(joined)
    if len(parts) >= 3 and all(p[0].isalpha() for p in parts):
        terms.append("".join(p[0] for p in parts))
    return tuple(dict.fromkeys(terms))


def tokenize(text: str) -> list[str]:
    """Index terms of a text, in order (repeats kept: they are term frequencies)."""
    out: list[str] = []
    cached = _EXPANDED.get
    for word in _words(text):
        terms = cached(word)
        if terms is None:
            if len(_EXPANDED) >= _EXPANDED_MAX:
                _EXPANDED.clear()
            terms = _EXPANDED[word] = _expand(word)
        out += terms
    return out


def tokenize_query(text: str) -> list[str]:
    """`tokenize` for a query: also drops the QUERY_STOP_WORDS that stand alone."""
    out: list[str] = []
    for word in _words(text):
        if word not in QUERY_STOP_WORDS:
            out += _EXPANDED.get(word) or _expand(word)
    return out


def clear_token_caches() -> None:
    """Free the per-word caches (after a bulk build they hold every word of the corpus)."""
    _stem.cache_clear()
    _EXPANDED.clear()
