"""A search query, read once into the parts the engine ranks with."""

from __future__ import annotations

from dataclasses import dataclass

from ..digest import normalize_arxiv_id
from ..digest.parser import ID_IN_URL_RE
from .acronyms import written_as_acronyms
from .tokenize import tokenize_query


@dataclass(frozen=True, slots=True)
class Query:
    arxiv_id: str | None  # the paper an arXiv id or arXiv/Hugging Face link in it names
    text: str  # the query without that id or link
    terms: tuple[str, ...]  # its index terms in order, once each (the id and link left out)
    acronyms: dict[str, str]  # index term → acronym as written, for words written as one


def parse_query(text: str) -> Query:
    arxiv_id = normalize_arxiv_id(text)
    words = ID_IN_URL_RE.sub(" ", text).replace(arxiv_id, " ") if arxiv_id else text
    return Query(arxiv_id, words, tuple(dict.fromkeys(tokenize_query(words))),
                 written_as_acronyms(words))
