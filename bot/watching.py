"""Personal watches: which of a digest's papers each member's standing queries match, and why.

A watch is one of three kinds, each with one rule:

* **words** (`kv cache`): every word of the watch, as the search engine reads a query
  (lower-cased, stemmed, stop words dropped), is in the paper's title or cleaned summary.
  All words, not some: a watch runs unattended, and a paper that has one word of three is
  noise in a DM. "kv cache" matches "KV-cache compression" but not "cache-friendly kernels".
* **author** (`author:Tri Dao`): the paper is one of the papers `SearchEngine.author` finds for
  that name (the same matching as `/author`: full names, surnames, Hugging Face user names).
* **like** (`like:2502.20258`): the paper is among `SearchEngine.similar`'s 10 nearest to the
  liked paper, or, when both have vectors, its cosine with it is at least 0.7. Not 0.5: AI
  papers are alike to this model. On the newest 600 real papers (all-MiniLM-L6-v2), 23% of
  all pairs have a cosine of 0.5 or more (7 papers of every 30-paper digest for each `like:`),
  4.4% 0.6 or more, and 0.25% 0.7 or more, the rate of a top 10 among the 4,894 papers.

What the engine says is gathered once per distinct query (`gather`), then `match` is pure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .digest import normalize_arxiv_id
from .digest.clean import clean_summary
from .digest.models import PaperRecord
from .errors import UserError
from .search import SearchEngine
from .search.engine import SearchError
from .search.tokenize import tokenize, tokenize_query
from .store import Store, Watch
from .values import parse_date

WATCH_LIMIT = 25  # watches per member and server
PREVIEW_DAYS = 30  # the reply to /watch add shows the matches of this many days of digests
DELIVER_WITHIN_DAYS = 3  # a digest this much older than the newest (a backfill) is not sent
LIKE_TOP = 10
LIKE_COSINE = 0.7
QUERY_LIMIT = 200

@dataclass(frozen=True, slots=True)
class Match:
    watch_id: int
    arxiv_id: str
    reason: str  # "words: kv cache", "author: Tri Dao", "similar to <title>"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper of a digest as the matcher sees it."""

    arxiv_id: str
    title: str
    terms: frozenset[str]


@dataclass
class Evidence:
    """The engine's answers, once per distinct author name and liked paper."""

    authors: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # name → shown
    likes: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # id → title


def parse_watch(text: str) -> tuple[str, str]:
    """`/watch add query:` → (kind, query). Raises UserError for what cannot be a watch."""
    text = " ".join(text.split())
    if len(text) > QUERY_LIMIT:
        raise UserError(f"A watch is at most {QUERY_LIMIT} characters.")
    prefix, _, rest = text.partition(":")
    kind = prefix.strip().lower()
    if kind in ("author", "like") and rest.strip():
        if kind == "author":
            return "author", rest.strip()
        arxiv_id = normalize_arxiv_id(rest)
        if arxiv_id is None:
            raise UserError("`like:` takes an arXiv id or link, e.g. `like:2502.20258`.")
        return "like", arxiv_id
    if not words_of(text):
        raise UserError("Give some words to watch for, `author:Name` or `like:2502.20258`.")
    return "words", text


def words_of(query: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tokenize_query(query)))


def candidates(records: Iterable[PaperRecord]) -> list[Candidate]:
    """The papers as the matcher reads them: their title and cleaned summary as index terms."""
    return [Candidate(r.arxiv_id, r.title,
                      frozenset(tokenize(r.title) + tokenize(clean_summary(r.summary))))
            for r in records]


async def gather(engine: SearchEngine, store: Store, watches: Iterable[Watch],
                 papers: Sequence[Candidate]) -> Evidence:
    """Ask the engine once per distinct author name and liked paper about `papers`."""
    evidence = Evidence()
    wanted = {paper.arxiv_id for paper in papers}
    for watch in watches:
        if watch.kind == "author" and watch.query not in evidence.authors:
            evidence.authors[watch.query] = _author(engine, watch.query, wanted)
        elif watch.kind == "like" and watch.query not in evidence.likes:
            evidence.likes[watch.query] = await _like(engine, store, watch.query, wanted)
    return evidence


def _author(engine: SearchEngine, name: str, wanted: set[str]) -> tuple[str, frozenset[str]]:
    result, hits = engine.author(name)
    return result.name or name, frozenset(h.arxiv_id for h in hits if h.arxiv_id in wanted)


async def _like(engine: SearchEngine, store: Store, arxiv_id: str, wanted: set[str]
                ) -> tuple[str, frozenset[str]]:
    liked = engine.paper(arxiv_id)
    if liked is None:
        return arxiv_id, frozenset()
    try:
        near = {h.arxiv_id for h in await engine.similar(arxiv_id, store, k=LIKE_TOP)}
    except SearchError:
        near = set()
    semantic = engine.semantic
    vector = semantic.vectors.vector(arxiv_id) if semantic.embedder is not None else None
    if vector is not None:
        for other in wanted - near - {arxiv_id}:
            theirs = semantic.vectors.vector(other)
            if theirs is not None and float(vector @ theirs) >= LIKE_COSINE:
                near.add(other)
    return liked.title, frozenset(near & wanted)


def match(papers: Sequence[Candidate], watches: Iterable[Watch], evidence: Evidence
          ) -> list[Match]:
    """Every (watch, paper) pair that matches, in watch order then digest order."""
    order = {paper.arxiv_id: index for index, paper in enumerate(papers)}
    having: dict[str, set[str]] = defaultdict(set)  # term → the papers that have it
    for paper in papers:
        for term in paper.terms:
            having[term].add(paper.arxiv_id)
    found: list[Match] = []
    for watch in watches:
        if watch.kind == "words":
            words = words_of(watch.query)
            ids = set.intersection(*(having.get(w, set()) for w in words)) if words else set()
            reason = f"words: {watch.query}"
        elif watch.kind == "author":
            shown, matched = evidence.authors.get(watch.query, (watch.query, frozenset()))
            ids, reason = set(matched), f"author: {shown}"
        else:
            title, matched = evidence.likes.get(watch.query, (watch.query, frozenset()))
            ids, reason = set(matched) - {watch.query}, f"similar to {title}"
        found += [Match(watch.id, arxiv_id, reason)
                  for arxiv_id in sorted(ids & order.keys(), key=order.__getitem__)]
    return found


def by_member(watches: Iterable[Watch], matches: Iterable[Match]
              ) -> dict[tuple[int, int], list[Match]]:
    """(guild id, user id) → that member's matches."""
    owner = {watch.id: (watch.guild_id, watch.user_id) for watch in watches}
    grouped: dict[tuple[int, int], list[Match]] = defaultdict(list)
    for found in matches:
        grouped[owner[found.watch_id]].append(found)
    return dict(grouped)


def deliverable_dates(dates: Iterable[str], newest: str | None) -> list[str]:
    """The digest days whose matches are sent: the newest and the days just before it. An
    older day arriving (a backfill) was never news; `/watch add` shows it in the preview."""
    if newest is None:
        return []
    oldest = (parse_date(newest) - dt.timedelta(days=DELIVER_WITHIN_DAYS - 1))
    return sorted(d for d in set(dates) if d >= oldest.isoformat())


def preview_since(newest: str) -> str:
    return (parse_date(newest) - dt.timedelta(days=PREVIEW_DAYS - 1)).isoformat()
