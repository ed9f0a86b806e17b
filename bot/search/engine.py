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
import hashlib
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..digest import PaperRecord
from ..digest.clean import clean_summary
from ..digest.models import Dated
from ..errors import UserError
from ..store import Store
from ..values import parse_date as parse_day
from . import cache as index_cache
from .acronyms import AcronymTable
from .answers import Answer, Candidate, best_answer
from .authors import AuthorIndex, AuthorResult
from .cache import StringColumn
from .index import BM25Index, BM25Params, Builder, Either
from .lists import MAX_PAPERS as MAX_LIST
from .lists import ListQuestion, list_answer, read_list_question
from .memory import release_free_memory
from .query import Query, parse_query
from .semantic import DEPTH, MIN_COSINE, Semantic, fuse
from .titles import TitleIndex, normal_title
from .tokenize import SYNONYMS, clear_token_caches, tokenize
from .typos import TypoIndex, correct
from .vectors import VectorTable


class SearchError(UserError):
    """A query the engine cannot run (empty, bad date, since after until); the message says
    why, for the user."""


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """How many times each field's words count (title words count more than summary words)."""

    title: int = 3
    authors: int = 1
    summary: int = 1


@dataclass(frozen=True, slots=True)
class Hit(Dated):
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    dates: tuple[str, ...]
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"arxiv_id": self.arxiv_id, "title": self.title, "date": self.latest_date,
                "score": round(self.score, 4), "authors": list(self.authors),
                "dates": list(self.dates), "url": self.hf_url}


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SPARE = 5  # nearest vectors asked beyond k, for papers that have left the digests since
LIST_CANDIDATES = 24  # papers searched for a list answer, before those near the best are kept


def parse_date(value: str | None, name: str) -> int | None:
    """YYYY-MM-DD (bot.values) → YYYYMMDD as an int (None stays None)."""
    return None if value is None else int(parse_day(value, name).strftime("%Y%m%d"))


def paper_tokens(record: PaperRecord, weights: FieldWeights,
                 summary: str | None = None) -> list[str]:
    """A paper's index terms; `summary` is its cleaned summary if already at hand."""
    title = tokenize(record.title)
    authors = tokenize(" ".join(record.authors))
    words = tokenize(clean_summary(record.summary) if summary is None else summary)
    return title * weights.title + authors * weights.authors + words * weights.summary


def _date_int(text: str) -> int:
    return int(text.replace("-", ""))


def _date_str(value: int) -> str:
    return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"


def fingerprint(record: PaperRecord) -> int:
    """A stable 64-bit hash of what is indexed of a paper (the same in every process)."""
    text = "\x1f".join((record.title, "\x1e".join(record.authors), record.summary))
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class Snapshot:
    """One consistent state of the index. Per paper (doc id) it keeps the id, title, authors as
    name-form numbers, dates as YYYYMMDD ints (first and latest in arrays, any in between in a
    dict) and a fingerprint; summaries stay in the store.

    A published snapshot is never changed: an update builds the next one from a `copy` (in a
    worker thread) and the engine swaps it in with one assignment, so a query that took the
    current snapshot reads one whole index, never a half-applied update."""

    def __init__(self, params: BM25Params, weights: FieldWeights) -> None:
        self.params = params
        self.weights = weights
        self.index = BM25Index(params)
        self.authors = AuthorIndex()
        self.titles = TitleIndex()
        self.arxiv_ids: list[str] = []
        self.title_of = StringColumn()
        self.author_forms = array("i")  # doc d's authors: author_forms[author_start[d]:…[d+1]]
        self.author_start = array("q", [0])
        self.first_date = np.zeros(0, dtype=np.int32)
        self.latest_date = np.zeros(0, dtype=np.int32)
        self.middle_dates: dict[int, tuple[int, ...]] = {}  # dates between first and latest
        self.fingerprint = array("q")
        self.doc_of: dict[str, int] = {}
        self.acronyms = AcronymTable()
        self.typos = TypoIndex([])
        self.newest: list[int] = []  # live doc ids, newest digest date first

    def copy(self) -> Snapshot:
        """An independent copy to apply an update to (it shares only what is never changed)."""
        other = Snapshot(self.params, self.weights)
        other.index = self.index.copy()
        other.authors = self.authors.copy()
        other.titles = self.titles.copy()
        other.arxiv_ids = list(self.arxiv_ids)
        other.title_of = self.title_of.copy()
        other.author_forms = array("i", self.author_forms)
        other.author_start = array("q", self.author_start)
        other.first_date = self.first_date.copy()
        other.latest_date = self.latest_date.copy()
        other.middle_dates = dict(self.middle_dates)
        other.fingerprint = array("q", self.fingerprint)
        other.doc_of = dict(self.doc_of)
        other.acronyms = self.acronyms.copy()
        return other

    def freeze(self) -> Snapshot:
        """Compute what queries derive from the index (typo index, acronym tables, newest
        order) before the snapshot is published."""
        self.typos = TypoIndex(list(self.index.vocab))
        self.acronyms.prepare()
        live = np.flatnonzero(self.index.alive)
        order = np.lexsort((-live, -self.latest_date[live])) if len(live) else live
        self.newest = live[order].tolist()
        return self

    # -- changing (before publication) ---------------------------------------------------

    def apply(self, records: Sequence[PaperRecord], gone: Sequence[int]) -> int:
        """Remove the `gone` doc ids and index `records` (a paper already indexed is replaced);
        returns how many papers changed."""
        self._remove(gone)
        builder = self.index.builder()
        changed = self.feed(builder, records)
        self.commit(builder)
        return changed + len(gone)

    def docs_listed_on(self, days: set[int]) -> list[int]:
        """Live doc ids listed on any of `days`."""
        if not days:
            return []
        wanted = np.array(sorted(days), dtype=np.int32)
        alive = self.index.alive
        hit = alive & (np.isin(self.first_date, wanted) | np.isin(self.latest_date, wanted))
        docs = set(np.flatnonzero(hit).tolist())
        docs.update(d for d, mids in self.middle_dates.items() if alive[d] and days & set(mids))
        return sorted(docs)

    def _remove(self, doc_ids: Sequence[int]) -> None:
        if not doc_ids:
            return
        self.index.remove(doc_ids)
        for doc in doc_ids:
            self.authors.remove(doc, self._forms_of(doc))
            self.titles.remove(doc)
            if self.doc_of.get(self.arxiv_ids[doc]) == doc:
                del self.doc_of[self.arxiv_ids[doc]]

    def _set_dates(self, doc: int, days: Sequence[int]) -> None:
        self.first_date[doc], self.latest_date[doc] = days[0], days[-1]
        if len(days) > 2:
            self.middle_dates[doc] = tuple(days[1:-1])
        else:
            self.middle_dates.pop(doc, None)

    def feed(self, builder: Builder, records: Sequence[PaperRecord]) -> int:
        """Tokenise new or changed papers into `builder`; unchanged papers only get dates."""
        changed = 0
        replaced: list[int] = []
        firsts, latests = [], []
        for record in records:
            print_ = fingerprint(record)
            days = [_date_int(d) for d in record.dates]
            old = self.doc_of.get(record.arxiv_id)
            if old is not None and self.fingerprint[old] == print_:
                if days != self.date_ints(old):
                    self._set_dates(old, days)
                continue
            if old is not None:
                replaced.append(old)
            summary = clean_summary(record.summary)
            doc = builder.feed(paper_tokens(record, self.weights, summary))
            self.acronyms.learn(record.title)
            self.acronyms.learn(summary)
            self.arxiv_ids.append(record.arxiv_id)
            self.title_of.append(record.title)
            forms = [self.authors.form_id(a) for a in record.authors]
            self.author_forms.extend(forms)
            self.author_start.append(len(self.author_forms))
            self.fingerprint.append(print_)
            firsts.append(days[0])
            latests.append(days[-1])
            if len(days) > 2:
                self.middle_dates[doc] = tuple(days[1:-1])
            self.authors.add(doc, forms)
            self.titles.set(doc, record.title)
            changed += 1
        self.first_date = np.concatenate([self.first_date, np.array(firsts, dtype=np.int32)])
        self.latest_date = np.concatenate([self.latest_date, np.array(latests, dtype=np.int32)])
        self._remove(replaced)
        return changed

    def commit(self, builder: Builder) -> None:
        start = self.index.n_docs
        self.index.commit(builder)
        for doc in range(start, self.index.n_docs):
            self.doc_of[self.arxiv_ids[doc]] = doc

    # -- reading -------------------------------------------------------------------------

    def _forms_of(self, doc: int) -> array:
        return self.author_forms[self.author_start[doc]:self.author_start[doc + 1]]

    def authors_of(self, doc: int) -> tuple[str, ...]:
        forms = self.authors.forms
        return tuple(forms[f] for f in self._forms_of(doc))

    def date_ints(self, doc: int) -> list[int]:
        first, latest = int(self.first_date[doc]), int(self.latest_date[doc])
        if first == latest:
            return [first]
        return [first, *self.middle_dates.get(doc, ()), latest]

    def hit(self, doc: int, score: float = 0.0) -> Hit:
        dates = tuple(_date_str(d) for d in self.date_ints(doc))
        return Hit(self.arxiv_ids[doc], self.title_of[doc], self.authors_of(doc), dates, score)

    def date_mask(self, since: int | None, until: int | None) -> np.ndarray | None:
        if since is None and until is None:
            return None
        lo = since if since is not None else 0
        hi = until if until is not None else 99999999
        mask = ((self.first_date >= lo) & (self.first_date <= hi)
                | (self.latest_date >= lo) & (self.latest_date <= hi))
        for doc, days in self.middle_dates.items():
            if not mask[doc] and any(lo <= d <= hi for d in days):
                mask[doc] = True
        return mask

    def plain_terms(self, query: Query) -> list[str]:
        """Index terms of a query, unknown distinctive words replaced by close known ones
        (acronyms not expanded: what rank-bm25 would be asked)."""
        terms: list[str] = []
        frequency = self.index.doc_frequency
        for term in query.terms:
            if frequency(term) > 0:
                terms.append(term)
                continue
            terms.extend(correct(term, self.typos, frequency))
        return list(dict.fromkeys(terms))

    def query_groups(self, query: Query) -> list[list[tuple[str, ...]] | Either]:
        """The query's terms as groups of alternatives: an acronym or all of its long form, a
        long form or its acronym (an `Either`), a word or its SYNONYMS."""
        groups, seen = [], set()
        for group in self.acronyms.groups(self.plain_terms(query), query.acronyms):
            if not isinstance(group, Either) and len(group) == 1 and group[0][0] in SYNONYMS:
                group = [group[0], *((t,) for t in SYNONYMS[group[0][0]])]
            signature = group if isinstance(group, Either) else frozenset(group)
            if signature not in seen:
                seen.add(signature)
                groups.append(group)
        return groups

    def query_terms(self, query: Query) -> list[str]:
        return list(dict.fromkeys(
            t for group in self.query_groups(query)
            for alternative in (group.ways if isinstance(group, Either) else group)
            for t in alternative if self.index.doc_frequency(t) > 0))

    def search(self, query: Query, limit: int, lo: int | None, hi: int | None,
               meaning: tuple[VectorTable, np.ndarray] | None = None) -> list[Hit]:
        """BM25 alone, or fused with the cosine of the query's vector (`meaning`). An arXiv
        id, a link or an exact title keeps its paper first."""
        mask = self.date_mask(lo, hi)
        first: list[int] = []
        if query.arxiv_id is not None:
            doc = self.doc_of.get(query.arxiv_id)
            if doc is not None and (mask is None or mask[doc]):
                first.append(doc)
        if not query.text.strip():
            meaning = None  # an id alone: nothing to mean
        groups = self.query_groups(query)
        depth = max(limit, DEPTH) if meaning is not None else limit
        ranked = self.index.top_groups(groups, depth + len(first), mask) if groups else []
        ranked = [(doc, score) for doc, score in ranked if doc not in first]
        if meaning is not None:
            exact = normal_title(query.text)
            first += [doc for doc, _ in ranked[:DEPTH] if self.titles.folded[doc] == exact][:1]
            ranked = self._fused(ranked, meaning, mask, limit + len(first), set(first))
        hits = [self.hit(doc, score) for doc, score in ranked if doc not in first]
        top = max((h.score for h in hits), default=0.0) + 1.0
        return ([self.hit(doc, top) for doc in first] + hits)[:limit]

    def _fused(self, ranked: list[tuple[int, float]], meaning: tuple[VectorTable, np.ndarray],
               mask: np.ndarray | None, limit: int, skip: set[int]) -> list[tuple[int, float]]:
        table, query = meaning
        nearest: list[int] = []
        cosine: dict[int, float] = {}
        for arxiv_id, score in table.nearest(query, DEPTH + len(skip)):
            if score < MIN_COSINE:
                break
            doc = self.doc_of.get(arxiv_id)
            if doc is not None and doc not in skip and (mask is None or mask[doc]):
                nearest.append(doc)
                cosine[doc] = score
        others = [doc for doc, _ in ranked if doc not in cosine]
        scores = table.cosine_of([self.arxiv_ids[doc] for doc in others], query)
        cosine.update(zip(others, scores.tolist(), strict=True))
        return fuse(ranked, cosine.__getitem__, nearest, limit)

    def similar(self, doc: int, k: int, vectors: VectorTable | None, text: str) -> list[Hit]:
        """The k papers nearest to `doc` by vector; without one, by BM25 on `text` (its title
        and summary). Never the paper itself."""
        arxiv_id = self.arxiv_ids[doc]
        vector = vectors.vector(arxiv_id) if vectors is not None else None
        if vectors is not None and vector is not None:
            nearest = vectors.nearest(vector, k + SPARE, (arxiv_id,))
            near = ((self.doc_of.get(a), score) for a, score in nearest)
            return [self.hit(d, score) for d, score in near if d is not None][:k]
        terms = [t for t in dict.fromkeys(tokenize(text)) if self.index.doc_frequency(t) > 0]
        ranked = self.index.top_groups([[(t,)] for t in terms], k + 1) if terms else []
        return [self.hit(d, score) for d, score in ranked if d != doc][:k]

    def author(self, name: str) -> tuple[AuthorResult, list[Hit]]:
        result = self.authors.lookup(name)
        docs = [d for d in result.doc_ids if self.doc_of.get(self.arxiv_ids[d]) == d]
        docs.sort(key=lambda d: (int(self.latest_date[d]), self.arxiv_ids[d]), reverse=True)
        return result, [self.hit(d) for d in docs]

    def term_weight(self, term: str) -> float:
        """The corpus idf of an index term (0 for unknown terms)."""
        term_id = self.index.vocab.get(term)
        if term_id is None or term_id >= len(self.index.idf):
            return 0.0
        return float(self.index.idf[term_id])


class SearchEngine:
    """The current `Snapshot` of the index and the operations on it. Every query reads the
    snapshot current when it starts; `update` builds the next one beside it."""

    def __init__(self, params: BM25Params | None = None,
                 weights: FieldWeights | None = None) -> None:
        self.params = params or BM25Params()
        self.weights = weights or FieldWeights()
        self._snapshot = Snapshot(self.params, self.weights).freeze()
        self._updating = asyncio.Lock()  # one update at a time: each starts from the last
        self.cache_status = "off"  # "loaded", "saved", "unsaved" (see build)
        self.semantic = Semantic("off")  # the bot and the CLI attach a model when there is one

    @property
    def snapshot(self) -> Snapshot:
        """The current index (read it once per query: an update replaces it)."""
        return self._snapshot

    # -- loading ---------------------------------------------------------------------

    @classmethod
    def from_records(cls, records: Iterable[PaperRecord], params: BM25Params | None = None,
                     weights: FieldWeights | None = None) -> SearchEngine:
        """An engine over `records` built in this thread (no store: for benchmarks)."""
        engine = cls(params, weights)
        snapshot = Snapshot(engine.params, engine.weights)
        snapshot.apply(list(records), [])
        engine._snapshot = snapshot.freeze()
        return engine

    @classmethod
    async def build(cls, store: Store, params: BM25Params | None = None,
                    weights: FieldWeights | None = None, batch: int = 2000,
                    cache: bool = True) -> SearchEngine:
        """Index every stored paper; tokenising runs in a worker thread, batch by batch.

        With `cache` (and a database file), the index saved next to the database
        (`<db>.index/`) is loaded instead when it was made from the same content by the same
        code, and a fresh build is saved there. An unusable cache is rebuilt, never fatal.
        """
        engine = cls(params, weights)
        directory = index_cache.cache_dir(getattr(store, "path", ":memory:")) if cache else None
        key = await store.content_key() if directory is not None else ""
        if directory is not None:
            loaded = Snapshot(engine.params, engine.weights)
            if await asyncio.to_thread(index_cache.load_index, directory, key, loaded):
                engine._snapshot = await asyncio.to_thread(loaded.freeze)
                engine.cache_status = "loaded"
                return engine
        snapshot = Snapshot(engine.params, engine.weights)
        builder = snapshot.index.builder()
        pending: list[PaperRecord] = []
        async for record in store.iter_papers(batch):
            pending.append(record)
            if len(pending) >= batch:
                await asyncio.to_thread(snapshot.feed, builder, pending)
                pending = []
        if pending:
            await asyncio.to_thread(snapshot.feed, builder, pending)
        await asyncio.to_thread(snapshot.commit, builder)
        del builder, pending
        clear_token_caches()  # they served the build; queries refill what they need
        if directory is not None:
            saved = await asyncio.to_thread(index_cache.save_index, directory, key, snapshot)
            engine.cache_status = "saved" if saved else "unsaved"
        engine._snapshot = await asyncio.to_thread(snapshot.freeze)
        release_free_memory()
        return engine

    async def update(self, store: Store, dates: Iterable[str] | None = None) -> int:
        """Bring the index up to date after an ingest of `dates` (None: compare everything).

        Returns the number of papers added, changed or removed. The next snapshot is built in
        a worker thread while queries keep reading the current one. The saved index (if any)
        is left as it is: the database's content key changed, so the next start rebuilds it.
        """
        async with self._updating:
            current = self._snapshot
            if dates is None:
                records = [r async for r in store.iter_papers()]
                seen = {r.arxiv_id for r in records}
                gone = [d for a, d in current.doc_of.items() if a not in seen]
            else:
                days = {_date_int(d) for d in dates if _DATE_RE.match(d or "")}
                ids: dict[str, None] = {}
                for day in sorted(days):
                    ids.update((r.arxiv_id, None) for r in await store.papers_on(_date_str(day)))
                # Papers that were listed on those days before the ingest may have left them.
                ids.update((current.arxiv_ids[d], None) for d in current.docs_listed_on(days))
                records = await store.get_papers(ids)
                found = {r.arxiv_id for r in records}
                gone = [current.doc_of[a] for a in ids if a not in found and a in current.doc_of]
            if not records and not gone:
                return 0
            following, changed = await asyncio.to_thread(_next_snapshot, current, records, gone)
            self._snapshot = following
            return changed

    def __len__(self) -> int:
        return len(self._snapshot.doc_of)

    # -- search ----------------------------------------------------------------------

    def hit(self, doc: int, score: float = 0.0) -> Hit:
        return self._snapshot.hit(doc, score)

    def paper(self, arxiv_id: str) -> Hit | None:
        snapshot = self._snapshot
        doc = snapshot.doc_of.get(arxiv_id)
        return snapshot.hit(doc) if doc is not None else None

    def query_terms(self, text: str) -> list[str]:
        """Every index term the query can match (with the long forms of its acronyms)."""
        return self._snapshot.query_terms(parse_query(text))

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
        snapshot = self._snapshot
        return snapshot.search(parse_query(query), limit, lo, hi, self._meaning(snapshot, query))

    def _meaning(self, snapshot: Snapshot, query: str) -> tuple[VectorTable, np.ndarray] | None:
        table = self.semantic.usable(len(snapshot.doc_of))
        vector = self.semantic.query_vector(query) if table is not None else None
        return (table, vector) if table is not None and vector is not None else None

    async def similar(self, arxiv_id: str, store: Store, k: int = 5) -> list[Hit]:
        """The k papers most like this one (by vector, else by BM25 on its title and summary)."""
        snapshot = self._snapshot
        doc = snapshot.doc_of.get(arxiv_id)
        record = await store.get_paper(arxiv_id) if doc is not None else None
        if doc is None or record is None:
            raise SearchError(f"no paper {arxiv_id} in the digests")
        vectors = self.semantic.vectors if self.semantic.embedder is not None else None
        text = f"{record.title} {clean_summary(record.summary)}"
        return snapshot.similar(doc, k, vectors, text)

    # -- authors and titles ------------------------------------------------------------

    def newest_order(self) -> list[int]:
        """Live doc ids, newest digest date first."""
        return self._snapshot.newest

    def author(self, name: str) -> tuple[AuthorResult, list[Hit]]:
        """The person's papers, newest first (every candidate's when the name is ambiguous)."""
        if not name or not name.strip():
            raise SearchError("empty author name")
        return self._snapshot.author(name)

    def complete_author(self, prefix: str, limit: int = 25) -> list[str]:
        return self._snapshot.authors.complete(prefix, min(limit, 25))

    def complete_title(self, text: str, limit: int = 25) -> list[Hit]:
        snapshot = self._snapshot
        docs = snapshot.titles.complete(text, min(limit, 25), snapshot.newest)
        return [snapshot.hit(d) for d in docs]

    # -- answers -----------------------------------------------------------------------

    async def ask(self, question: str, store: Store, papers: int = 4) -> Answer:
        """The sentence(s) of the best papers' summaries that answer the question."""
        if not question or not question.strip():
            raise SearchError("empty question")
        if papers < 1:
            raise SearchError("limit must be at least 1")
        snapshot = self._snapshot
        newest = int(snapshot.latest_date.max()) if len(snapshot.doc_of) else 0
        listing = read_list_question(question, parse_day(_date_str(newest)) if newest else None)
        if listing is not None:
            return await self._list(snapshot, listing, store)
        hits = snapshot.search(parse_query(question), papers, None, None,
                               self._meaning(snapshot, question))
        candidates = await _candidates(hits, store)
        return best_answer(question, candidates, snapshot.term_weight)

    async def _list(self, snapshot: Snapshot, listing: ListQuestion, store: Store) -> Answer:
        """The papers on the question's topic in its period (the newest ones when it names
        only a period)."""
        period = listing.period
        lo = _date_int(period.start.isoformat()) if period else None
        hi = _date_int(period.end.isoformat()) if period else None
        if listing.topic:
            meaning = self._meaning(snapshot, listing.topic)
            hits = snapshot.search(parse_query(listing.topic), LIST_CANDIDATES, lo, hi, meaning)
        else:
            mask = snapshot.date_mask(lo, hi)
            docs = [d for d in snapshot.newest if mask is None or mask[d]][:MAX_LIST]
            hits = [snapshot.hit(d, 1.0) for d in docs]
        return list_answer(listing, await _candidates(hits, store), snapshot.term_weight)


async def _candidates(hits: Sequence[Hit], store: Store) -> list[Candidate]:
    records = {r.arxiv_id: r for r in await store.get_papers(h.arxiv_id for h in hits)}
    return [Candidate(h.arxiv_id, h.title, records[h.arxiv_id].summary, h.score, h.latest_date)
            for h in hits if h.arxiv_id in records]


def _next_snapshot(current: Snapshot, records: Sequence[PaperRecord], gone: Sequence[int]
                   ) -> tuple[Snapshot, int]:
    following = current.copy()
    changed = following.apply(records, gone)
    return following.freeze(), changed
