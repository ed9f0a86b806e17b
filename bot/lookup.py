"""Finding what a user means: one paper by an id, a link or (part of) a title; one digest by
its date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .digest import PaperRecord, normalize_arxiv_id
from .errors import UserError
from .search.tokenize import tokenize

if TYPE_CHECKING:
    from .search import Hit, SearchEngine
    from .store import Store


async def find_paper(engine: SearchEngine, store: Store, query: str) -> PaperRecord | None:
    """By id or link (an unknown id is not guessed at); else the title that starts with the
    query or has all its words; else the best search hit, if its title holds most of the
    query's words (a card for some other paper would mislead)."""
    arxiv_id = normalize_arxiv_id(query)
    if arxiv_id is None:
        hits = engine.complete_title(query, 1)
        if not hits:
            hits = [h for h in engine.search(query, limit=1) if _titled(engine, h, query)]
        arxiv_id = hits[0].arxiv_id if hits else None
    return await store.get_paper(arxiv_id) if arxiv_id else None


def _titled(engine: SearchEngine, hit: Hit, query: str) -> bool:
    """Whether the hit's title holds more than half of the query's words (typos fixed)."""
    words = set(tokenize(query))
    title = set(tokenize(hit.title))
    found = sum(term in title for term in engine.query_terms(query))
    return bool(words) and 2 * found > len(words)


async def find_digest(store: Store, date: str | None) -> tuple[str, list[PaperRecord]]:
    """The digest of `date` (default: the newest) and its papers; UserError if it has none."""
    day = date or await store.latest_digest_date()
    if day is None:
        raise UserError("No digests are loaded yet.")
    papers = await store.papers_on(day)
    if not papers:
        newest = await store.latest_digest_date()
        raise UserError(f"There is no digest with papers for {day}."
                        + (f" The newest is {newest}: try again without a date."
                           if newest else ""))
    return day, papers
