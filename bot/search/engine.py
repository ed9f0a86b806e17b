"""The search engine the CLI, the console and the Discord cogs share.

Loading is async (`await SearchEngine.build(store)`, `await engine.update(store, dates)`: the
tokenising runs in a worker thread so the event loop keeps serving); everything else is
synchronous and pure, except `ask`, which fetches the summaries of the few top papers from the
store (summaries are not kept in memory).

Date filters: a paper matches `since`/`until` (inclusive, YYYY-MM-DD) when any of the digest
dates it appeared on lies in the range.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as Date

import numpy as np

from ..digest import PaperRecord, normalize_arxiv_id
from ..digest.clean import clean_summary
from ..digest.parser import ID_IN_URL_RE
from ..store import Store
from .answers import Answer, Candidate, best_answer
from .authors import AuthorIndex, AuthorResult
from .index import BM25Index, BM25Params, Builder
from .titles import TitleIndex
from .tokenize import tokenize
from .typos import TypoIndex, correct


class SearchError(ValueError):
    """A query the engine cannot run (empty, bad date, since after until)."""


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """How many times each field's words count (title words count more than summary words)."""

    title: int = 3
    authors: int = 1
    summary: int = 1


@dataclass(frozen=True, slots=True)
class Hit:
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    dates: tuple[str, ...]  # oldest first
    score: float

    @property
    def date(self) -> str:
        return self.dates[-1]

    @property
    def url(self) -> str:
        return f"https://huggingface.co/papers/{self.arxiv_id}"

    def as_dict(self) -> dict[str, object]:
        return {"arxiv_id": self.arxiv_id, "title": self.title, "date": self.date,
                "score": round(self.score, 4), "authors": list(self.authors),
                "dates": list(self.dates), "url": self.url}


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str | None, name: str) -> int | None:
    """YYYY-MM-DD → YYYYMMDD as an int (None stays None); SearchError if not a real date."""
    if value is None:
        return None
    value = value.strip()
    try:
        if not _DATE_RE.match(value):
            raise ValueError
        Date.fromisoformat(value)
    except ValueError:
        raise SearchError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None
    return int(value.replace("-", ""))


def paper_tokens(record: PaperRecord, weights: FieldWeights) -> list[str]:
    title = tokenize(record.title)
    authors = tokenize(" ".join(record.authors))
    summary = tokenize(clean_summary(record.summary))
    return title * weights.title + authors * weights.authors + summary * weights.summary


def _date_int(text: str) -> int:
    return int(text.replace("-", ""))


class SearchEngine:
    def __init__(self, params: BM25Params | None = None,
                 weights: FieldWeights | None = None) -> None:
        self.params = params or BM25Params()
        self.weights = weights or FieldWeights()
        self.index = BM25Index(self.params)
        self.authors = AuthorIndex()
        self.titles = TitleIndex()
        self.arxiv_ids: list[str] = []
        self.title_of: list[str] = []
        self.authors_of: list[tuple[str, ...]] = []
        self.dates_of: list[tuple[str, ...]] = []
        self.first_date = np.zeros(0, dtype=np.int32)
        self.latest_date = np.zeros(0, dtype=np.int32)
        self.doc_of: dict[str, int] = {}
        self.fingerprint: list[int] = []
        self._typos: TypoIndex | None = None
        self._terms: list[str] = []
        self._newest: list[int] | None = None

    # -- loading ---------------------------------------------------------------------

    @classmethod
    def from_records(cls, records: Iterable[PaperRecord], params: BM25Params | None = None,
                     weights: FieldWeights | None = None) -> SearchEngine:
        engine = cls(params, weights)
        engine.add(records)
        return engine

    @classmethod
    async def build(cls, store: Store, params: BM25Params | None = None,
                    weights: FieldWeights | None = None, batch: int = 2000) -> SearchEngine:
        """Index every stored paper; tokenising runs in a worker thread, batch by batch."""
        engine = cls(params, weights)
        builder = engine.index.builder()
        pending: list[PaperRecord] = []
        async for record in store.iter_papers(batch):
            pending.append(record)
            if len(pending) >= batch:
                await asyncio.to_thread(engine._feed, builder, pending)
                pending = []
        if pending:
            await asyncio.to_thread(engine._feed, builder, pending)
        await asyncio.to_thread(engine._commit, builder)
        await asyncio.to_thread(engine._typo_index)  # so the first typo does not wait for it
        return engine

    def add(self, records: Iterable[PaperRecord]) -> int:
        """Index papers (a paper already indexed is replaced); returns how many changed."""
        builder = self.index.builder()
        changed = self._feed(builder, list(records))
        self._commit(builder)
        return changed

    async def update(self, store: Store, dates: Iterable[str] | None = None) -> int:
        """Bring the index up to date after an ingest of `dates` (None: compare everything).

        Returns the number of papers added, changed or removed.
        """
        if dates is None:
            records = [r async for r in store.iter_papers()]
            seen = {r.arxiv_id for r in records}
            gone = [d for a, d in self.doc_of.items() if a not in seen]
        else:
            dates = set(dates)
            ids: dict[str, None] = {}
            for day in sorted(dates):
                ids.update((r.arxiv_id, None) for r in await store.papers_on(day))
            # Papers that were listed on those days before the ingest may have left them.
            ids.update((self.arxiv_ids[d], None) for d in range(len(self.arxiv_ids))
                       if self.doc_of.get(self.arxiv_ids[d]) == d
                       and dates.intersection(self.dates_of[d]))
            records = await store.get_papers(ids)
            found = {r.arxiv_id for r in records}
            gone = [self.doc_of[a] for a in ids if a not in found and a in self.doc_of]
        changed = await asyncio.to_thread(self._apply, records, gone)
        return changed

    def _apply(self, records: Sequence[PaperRecord], gone: Sequence[int]) -> int:
        self._remove(gone)
        changed = self.add(records) + len(gone)
        self._typo_index()
        return changed

    def _remove(self, doc_ids: Sequence[int]) -> None:
        if not doc_ids:
            return
        self.index.remove(doc_ids)
        for doc in doc_ids:
            self.authors.remove(doc, self.authors_of[doc])
            self.titles.remove(doc)
            if self.doc_of.get(self.arxiv_ids[doc]) == doc:
                del self.doc_of[self.arxiv_ids[doc]]
        self._newest = None

    def _feed(self, builder: Builder, records: Sequence[PaperRecord]) -> int:
        """Tokenise new or changed papers into `builder`; unchanged papers only get dates."""
        changed = 0
        replaced: list[int] = []
        firsts, latests = [], []
        for record in records:
            fingerprint = hash((record.title, record.authors, record.summary))
            old = self.doc_of.get(record.arxiv_id)
            if old is not None and self.fingerprint[old] == fingerprint:
                if self.dates_of[old] != record.dates:
                    self.dates_of[old] = record.dates
                    self.first_date[old] = _date_int(record.dates[0])
                    self.latest_date[old] = _date_int(record.dates[-1])
                    self._newest = None
                continue
            if old is not None:
                replaced.append(old)
            doc = builder.feed(paper_tokens(record, self.weights))
            self.arxiv_ids.append(record.arxiv_id)
            self.title_of.append(record.title)
            authors = tuple(sys.intern(a) for a in record.authors)
            self.authors_of.append(authors)
            self.dates_of.append(record.dates)
            self.fingerprint.append(fingerprint)
            firsts.append(_date_int(record.dates[0]))
            latests.append(_date_int(record.dates[-1]))
            self.authors.add(doc, authors)
            self.titles.set(doc, record.title)
            changed += 1
        self.first_date = np.concatenate([self.first_date, np.array(firsts, dtype=np.int32)])
        self.latest_date = np.concatenate([self.latest_date, np.array(latests, dtype=np.int32)])
        self._remove(replaced)
        return changed

    def _commit(self, builder: Builder) -> None:
        start = self.index.n_docs
        self.index.commit(builder)
        for doc in range(start, self.index.n_docs):
            self.doc_of[self.arxiv_ids[doc]] = doc
        self._typos = None
        self._newest = None

    def __len__(self) -> int:
        return len(self.doc_of)

    # -- search ----------------------------------------------------------------------

    def hit(self, doc: int, score: float = 0.0) -> Hit:
        return Hit(self.arxiv_ids[doc], self.title_of[doc], self.authors_of[doc],
                   self.dates_of[doc], score)

    def paper(self, arxiv_id: str) -> Hit | None:
        doc = self.doc_of.get(arxiv_id)
        return self.hit(doc) if doc is not None else None

    def _date_mask(self, since: int | None, until: int | None) -> np.ndarray | None:
        if since is None and until is None:
            return None
        lo = since if since is not None else 0
        hi = until if until is not None else 99999999
        mask = (self.first_date <= hi) & (self.latest_date >= lo)
        for doc in np.flatnonzero(mask & (self.first_date != self.latest_date)):
            if not any(lo <= _date_int(d) <= hi for d in self.dates_of[doc]):
                mask[doc] = False
        return mask

    def query_terms(self, text: str) -> list[str]:
        """Index terms of a query, unknown distinctive words replaced by close known ones."""
        terms: list[str] = []
        for term in dict.fromkeys(tokenize(text)):
            if self.index.doc_frequency(term) > 0:
                terms.append(term)
                continue
            terms.extend(correct(term, self._typo_index(), self.index.doc_frequency))
        return list(dict.fromkeys(terms))

    def _typo_index(self) -> TypoIndex:
        if self._typos is None or self._typos.size != len(self.index.vocab):
            vocab = self.index.vocab
            if len(self._terms) != len(vocab):
                self._terms = list(vocab)
            self._typos = TypoIndex(self._terms)
        return self._typos

    def search(self, query: str, limit: int = 10, since: str | None = None,
               until: str | None = None) -> list[Hit]:
        """Papers best first. An arXiv id or arXiv/HF URL in the query puts that paper first."""
        if not query or not query.strip():
            raise SearchError("empty query")
        if limit < 1:
            raise SearchError("limit must be at least 1")
        lo, hi = parse_date(since, "since"), parse_date(until, "until")
        if lo is not None and hi is not None and lo > hi:
            raise SearchError(f"since {since} is after until {until}")
        mask = self._date_mask(lo, hi)
        first: list[int] = []
        arxiv_id = normalize_arxiv_id(query)
        if arxiv_id is not None:
            doc = self.doc_of.get(arxiv_id)
            if doc is not None and (mask is None or mask[doc]):
                first.append(doc)
            query = ID_IN_URL_RE.sub(" ", query).replace(arxiv_id, " ")
        terms = self.query_terms(query)
        ranked = self.index.top(terms, limit + len(first), mask) if terms else []
        hits = [self.hit(doc, score) for doc, score in ranked if doc not in first]
        top = max((h.score for h in hits), default=0.0) + 1.0
        return ([self.hit(doc, top) for doc in first] + hits)[:limit]

    # -- authors and titles ------------------------------------------------------------

    def newest_order(self) -> list[int]:
        """Live doc ids, newest digest date first."""
        if self._newest is None:
            live = np.array(sorted(self.doc_of.values()), dtype=np.int64)
            order = np.lexsort((-live, -self.latest_date[live])) if len(live) else live
            self._newest = live[order].tolist()
        return self._newest

    def author(self, name: str) -> tuple[AuthorResult, list[Hit]]:
        """The person's papers, newest first (every candidate's when the name is ambiguous)."""
        if not name or not name.strip():
            raise SearchError("empty author name")
        result = self.authors.lookup(name)
        docs = [d for d in result.doc_ids if self.doc_of.get(self.arxiv_ids[d]) == d]
        docs.sort(key=lambda d: (self.dates_of[d][-1], self.arxiv_ids[d]), reverse=True)
        return result, [self.hit(d) for d in docs]

    def complete_author(self, prefix: str, limit: int = 25) -> list[str]:
        return self.authors.complete(prefix, min(limit, 25))

    def complete_title(self, text: str, limit: int = 25) -> list[Hit]:
        docs = self.titles.complete(text, min(limit, 25), self.newest_order())
        return [self.hit(d) for d in docs]

    # -- answers -----------------------------------------------------------------------

    def ask_candidates(self, question: str, papers: int = 4) -> list[Hit]:
        if not question or not question.strip():
            raise SearchError("empty question")
        return self.search(question, limit=papers)

    async def ask(self, question: str, store: Store, papers: int = 4) -> Answer:
        """The sentence(s) of the best papers' summaries that answer the question."""
        hits = self.ask_candidates(question, papers)
        records = {r.arxiv_id: r for r in await store.get_papers(h.arxiv_id for h in hits)}
        candidates = [Candidate(h.arxiv_id, h.title, records[h.arxiv_id].summary, h.score)
                      for h in hits if h.arxiv_id in records]
        return best_answer(question, candidates, self.term_weight)

    def term_weight(self, term: str) -> float:
        """The corpus idf of an index term (0 for unknown terms)."""
        term_id = self.index.vocab.get(term)
        if term_id is None or term_id >= len(self.index.idf):
            return 0.0
        return float(self.index.idf[term_id])
