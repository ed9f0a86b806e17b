"""Strip the boilerplate the upstream summary generator writes, and split text into sentences.

Pure functions, used for indexing, answers and the cards. Patterns come from reading the real
corpus: intros ("Here is a concise summary of the research paper "…":"), section labels
("**Key methodology:**", "i) **Summary:**"), list markers ("i) … v)", "a) … d)") and the
"Follow-up questions: 1. … 2. …" tail.
"""

from __future__ import annotations

import re

_INTRO_RE = re.compile(
    r"^\s*(?:(?:okay|ok|sure|certainly)[,!.]?\s*)?"
    r"(?:(?:here(?:'s|’s| is| are)\b|below is\b|this is\b)[^\"“”:]{0,160}?\b|"
    r"(?:an? |the )?(?:concise |brief |short )?)summar(?:y|ies)\b[^\"“”:]{0,120}?"
    r"(?:[\"“][^\"”“]{0,300}[\"”][^:]{0,120}?)?:\s*",
    re.IGNORECASE,
)
# "Follow-up questions:", "Here are some follow-up questions an AI practitioner might ask:", …
_FOLLOW_UP_RE = re.compile(r"follow[- ]?up questions\b[^:]{0,80}:", re.IGNORECASE)
_FOLLOW_UP_INTRO_RE = re.compile(
    r"(?:\*\*)?(?:here are (?:some |three |a few )?(?:potential |possible )?)?\s*$", re.IGNORECASE
)
_LABEL = (
    r"(?:an? )?(?:1-line summary|one-line summary|summary|(?:main )?research (?:question|objective)"
    r"(?:\s*(?:/|or)\s*objective)?|main research (?:question|objective)"
    r"(?:\s*(?:/|or)\s*objective)?|key methodology(?: used)?|methodology|primary results"
    r"(?: \([^)]*\))?|principal implications?(?: for ai practitioners)?"
    r"|implications? for ai practitioners|objective|results|implication)"
)
# Bold labels that end with a colon ("**Primary results:**") or are a known label.
_BOLD_LABEL_RE = re.compile(
    r"\*\*\s*(?:[ivx]{1,4}\)\s*)?(?:[^*]{1,80}?(?::\*\*|\*\*\s*:)|" + _LABEL + r"\s*\*\*:?)\s*",
    re.IGNORECASE,
)
# A label right before a colon, matched backwards from each colon.
_LABEL_BEFORE_COLON_RE = re.compile(
    r"(?:^|(?<=[\s.]))(?:[ivx]{1,4}\)\s*)?" + _LABEL + r"\s*$", re.IGNORECASE
)
_BOLD_RE = re.compile(r"\*\*([^*]+)\*\*")
# "i) ", "iv) ", "a) ", "(b) " at the start or after a sentence end / colon.
_MARKER_RE = re.compile(r"(?:(?<=^)|(?<=[.:;?!]\s)|(?<=^\s))\(?(?:i{1,3}|iv|v|vi|[a-e])\)\s+")
_MARKER_HINT_RE = re.compile(r"[ivxa-e]\) ")
_WS_RE = re.compile(r"\s+")
# "i) Summary IDArb is …" / "ii) Main research question or objective The main …": a label
# without colon is only recognised right after a list marker.
_LABEL_AFTER_MARKER_RE = re.compile(
    r"(?:(?<=^)|(?<=[.:;]\s))(?i:" + _LABEL + r")\s+(?=[A-Z])"
)


def _strip_colon_labels(text: str) -> str:
    out: list[str] = []
    start = 0
    colon = text.find(":")
    while colon >= 0:
        window_start = max(start, colon - 90)
        match = _LABEL_BEFORE_COLON_RE.search(text, window_start, colon)
        if match:
            out.append(text[start:match.start()])
            start = colon + 1
        colon = text.find(":", colon + 1)
    out.append(text[start:])
    return "".join(out)


def clean_summary(text: str) -> str:
    """The summary without generator boilerplate, whitespace collapsed."""
    text = " ".join(text.split())
    follow = _FOLLOW_UP_RE.search(text)
    if follow:
        text = _FOLLOW_UP_INTRO_RE.sub("", text[: follow.start()])
    for _ in range(2):  # "Okay, here is … : **Summary:** i) …"
        before = text
        text = _INTRO_RE.sub("", text, count=1)
        if "**" in text:
            text = _BOLD_LABEL_RE.sub("", text)
        if ":" in text:
            text = _strip_colon_labels(text)
        if _MARKER_HINT_RE.search(text):
            text, markers = _MARKER_RE.subn("", text.strip())
            if markers:
                text = _LABEL_AFTER_MARKER_RE.sub("", text)
        if text == before:
            break
    if "**" in text:
        text = _BOLD_RE.sub(r"\1", text)
    return " ".join(text.split())


_ABBREVIATIONS = frozenset({
    "e.g", "i.e", "vs", "al", "etc", "fig", "figs", "eq", "eqs", "approx", "cf", "resp",
    "dr", "mr", "mrs", "ms", "prof", "no", "sec", "tab", "ref", "refs", "st", "incl", "est",
    "inc", "ltd", "co", "jr", "sr", "u.s", "viz", "ca",
})
# A sentence ends at . ! ? or … (and closing quotes/brackets) before a capital or a digit,
# or at a line end.
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|(?<=\S)(?=\n)")
_DOTTED_RE = re.compile(r"(?:[a-z]\.)+[a-z]")  # "e.g", "i.e", "u.s.a"


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence of `text`; "e.g.", "vs.", "et al.", initials
    ("J. Smith") and decimals do not end one. The one rule for answers, snippets and cards."""
    ends: list[int] = []
    for match in _SENTENCE_END_RE.finditer(text):
        start = match.start()
        if match.group(0).startswith("."):
            before = text[max(0, start - 16) : start].rsplit(None, 1)
            word = before[-1].lower().lstrip("(\"'[") if before else ""
            if (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
                    or _DOTTED_RE.fullmatch(word)):
                continue
        if not ends or ends[-1] != match.end():  # "end.\n" matches both alternatives
            ends.append(match.end())
    return ends


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, white space collapsed (see `sentence_ends`)."""
    text = _WS_RE.sub(" ", text).strip()
    sentences: list[str] = []
    start = 0
    for end in [*sentence_ends(text), len(text)]:
        sentence = text[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = end
    return sentences
