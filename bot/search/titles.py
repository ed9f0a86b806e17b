"""Title autocomplete: case- and accent-insensitive prefix and word-prefix matches."""

from __future__ import annotations

import re

from .tokenize import fold

_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def normal_title(text: str) -> str:
    """A title as compared: folded, words only."""
    return " ".join(_NON_WORD_RE.sub(" ", fold(text)).split())


class TitleIndex:
    def __init__(self) -> None:
        self.folded: list[str] = []  # by doc id; "" for removed papers

    def copy(self) -> TitleIndex:
        other = TitleIndex()
        other.folded = list(self.folded)
        return other

    def set(self, doc_id: int, title: str) -> None:
        while len(self.folded) <= doc_id:
            self.folded.append("")
        self.folded[doc_id] = normal_title(title)

    def remove(self, doc_id: int) -> None:
        if doc_id < len(self.folded):
            self.folded[doc_id] = ""

    def complete(self, text: str, limit: int = 25, order: list[int] | None = None) -> list[int]:
        """Doc ids whose title starts with `text`, then whose words start with its words.

        `order` lists doc ids newest first; matches of the same kind keep that order.
        """
        query = normal_title(text)
        ids = order if order is not None else range(len(self.folded) - 1, -1, -1)
        if not query:
            return [d for d in ids if self.folded[d]][:limit]
        words = query.split()
        padded = " " + query
        prefix: list[int] = []
        word_start: list[int] = []
        all_words: list[int] = []
        for doc_id in ids:
            title = self.folded[doc_id]
            if not title:
                continue
            if title.startswith(query):
                prefix.append(doc_id)
                if len(prefix) >= limit:
                    break
            elif padded in " " + title:
                word_start.append(doc_id)
            elif len(words) > 1 and len(all_words) < limit:
                title_words = title.split()
                if all(any(t.startswith(w) for t in title_words) for w in words):
                    all_words.append(doc_id)
        return (prefix + word_start + all_words)[:limit]
