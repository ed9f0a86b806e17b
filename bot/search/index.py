"""An inverted index with numpy postings that scores exactly like `rank_bm25.BM25Plus`.

Why BM25Plus: its idf, log((N + 1) / df), is positive and monotone, so words found in more
than half of the papers ("model", "paper") neither go negative nor jump over rarer words the
way Okapi's epsilon floor makes them. rank-bm25 adds `idf * delta` to *every* document for
each query word (also those without it), so delta shifts all scores by the same amount: we
accumulate only the sparse part over the postings and add that constant at the end, which
gives the same scores and the same ranking as `BM25Plus.get_scores`.

Postings live in segments (CSR by term id: `doc_ids` int32 and precomputed float32 term
weights); `add` writes a new small segment and merges when segments pile up. Removed papers
keep their doc id with zeroed postings.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75
    delta: float = 1.0


class _Segment:
    __slots__ = ("doc_ids", "offsets", "tfs", "weights")

    def __init__(self, offsets: np.ndarray, doc_ids: np.ndarray, tfs: np.ndarray) -> None:
        self.offsets = offsets  # int64, len = terms known when built + 1
        self.doc_ids = doc_ids  # int32
        self.tfs = tfs  # float32 term frequencies (0 for removed documents)
        self.weights = np.zeros(len(tfs), dtype=np.float32)

    @classmethod
    def from_triples(cls, terms: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                     n_terms: int) -> _Segment:
        order = np.lexsort((docs, terms))
        counts = np.bincount(terms, minlength=n_terms)
        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(offsets, docs[order].astype(np.int32), tfs[order].astype(np.float32))

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_terms = len(self.offsets) - 1
        terms = np.repeat(np.arange(n_terms, dtype=np.int32), np.diff(self.offsets))
        return terms, self.doc_ids, self.tfs

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term >= len(self.offsets) - 1:
            return self.doc_ids[:0], self.weights[:0]
        start, end = self.offsets[term], self.offsets[term + 1]
        return self.doc_ids[start:end], self.weights[start:end]


class Builder:
    """Compact (term, doc, tf) triples for a batch of new documents."""

    def __init__(self, vocab: dict[str, int], first_doc: int) -> None:
        self.vocab = vocab
        self.next_doc = first_doc
        self.terms, self.docs, self.tfs = array("i"), array("i"), array("f")
        self.lengths = array("d")

    def feed(self, tokens: Sequence[str]) -> int:
        counts = Counter(tokens)
        vocab = self.vocab
        self.terms.extend([vocab.setdefault(t, len(vocab)) for t in counts])
        self.tfs.extend(counts.values())
        self.docs.extend([self.next_doc] * len(counts))
        self.lengths.append(len(tokens))
        self.next_doc += 1
        return self.next_doc - 1


class BM25Index:
    """Documents are token lists (field weights are applied by repeating tokens)."""

    MAX_SEGMENTS = 4

    def __init__(self, params: BM25Params | None = None) -> None:
        self.params = params or BM25Params()
        self.vocab: dict[str, int] = {}
        self.df = np.zeros(0, dtype=np.int64)
        self.idf = np.zeros(0, dtype=np.float64)
        self.doc_len = np.zeros(0, dtype=np.float64)
        self.alive = np.zeros(0, dtype=bool)
        self.segments: list[_Segment] = []
        self.avgdl = 0.0

    @property
    def n_docs(self) -> int:
        """Documents ever added (doc ids run from 0 to n_docs - 1)."""
        return len(self.doc_len)

    @property
    def n_alive(self) -> int:
        return int(self.alive.sum())

    def add(self, documents: Iterable[Sequence[str]]) -> list[int]:
        """Index documents; returns their doc ids."""
        builder = self.builder()
        for tokens in documents:
            builder.feed(tokens)
        return self.commit(builder)

    def builder(self) -> Builder:
        """Collect documents (e.g. batch by batch in a worker thread) before one `commit`."""
        return Builder(self.vocab, self.n_docs)

    def commit(self, builder: Builder) -> list[int]:
        first, n_new = self.n_docs, len(builder.lengths)
        n_terms = len(self.vocab)
        t = np.frombuffer(builder.terms, dtype=np.int32)
        df = np.concatenate([self.df, np.zeros(n_terms - len(self.df), dtype=np.int64)])
        df += np.bincount(t, minlength=n_terms)
        self.doc_len = np.concatenate(
            [self.doc_len, np.frombuffer(builder.lengths, dtype=np.float64)])
        self.alive = np.concatenate([self.alive, np.ones(n_new, dtype=bool)])
        segments = list(self.segments)
        if len(t):
            segments.append(_Segment.from_triples(
                t, np.frombuffer(builder.docs, dtype=np.int32),
                np.frombuffer(builder.tfs, dtype=np.float32), n_terms))
        self.df = df
        self.segments = segments
        if len(self.segments) > self.MAX_SEGMENTS:
            self._merge()
        self._reweight()
        return list(range(first, first + n_new))

    def remove(self, doc_ids: Iterable[int]) -> None:
        """Drop documents from the statistics and results (their ids are not reused)."""
        ids = np.array(sorted(set(doc_ids)), dtype=np.int32)
        ids = ids[self.alive[ids]] if len(ids) else ids
        if not len(ids):
            return
        for segment in self.segments:
            hit = np.flatnonzero(np.isin(segment.doc_ids, ids) & (segment.tfs > 0))
            if len(hit):
                terms = np.searchsorted(segment.offsets, hit, side="right") - 1
                np.subtract.at(self.df, terms, 1)
                segment.tfs[hit] = 0.0
        self.alive[ids] = False
        self._reweight()

    def _merge(self) -> None:
        parts = [s.triples() for s in self.segments]
        terms = np.concatenate([p[0] for p in parts])
        docs = np.concatenate([p[1] for p in parts])
        tfs = np.concatenate([p[2] for p in parts])
        keep = tfs > 0
        self.segments = [_Segment.from_triples(terms[keep], docs[keep], tfs[keep],
                                               len(self.vocab))]

    def _reweight(self) -> None:
        n = self.n_alive
        k1, b = self.params.k1, self.params.b
        self.avgdl = float(self.doc_len[self.alive].mean()) if n else 0.0
        with np.errstate(divide="ignore"):
            idf = np.log((n + 1) / self.df.astype(np.float64))
        idf[self.df <= 0] = 0.0
        self.idf = idf
        if not n:
            return
        norm = k1 * (1 - b + b * self.doc_len / self.avgdl)
        for segment in self.segments:
            tf = segment.tfs.astype(np.float64)
            segment.weights = (tf * (k1 + 1) / (norm[segment.doc_ids] + tf)).astype(np.float32)

    def term_ids(self, tokens: Iterable[str]) -> list[int]:
        return [self.vocab[t] for t in tokens if t in self.vocab]

    def scores(self, tokens: Sequence[str]) -> tuple[np.ndarray, float]:
        """(sparse scores per doc id, constant every doc gets): rank-bm25's score is the sum."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        constant = 0.0
        for token in tokens:
            term = self.vocab.get(token)
            if term is None or term >= len(self.df) or self.df[term] <= 0:
                continue
            idf = self.idf[term]
            constant += idf * self.params.delta
            for segment in self.segments:
                ids, weights = segment.postings(term)
                if len(ids):
                    scores[ids] += idf * weights
        return scores, constant

    def top(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None
            ) -> list[tuple[int, float]]:
        """The k best (doc id, score) among documents with at least one query word."""
        scores, constant = self.scores(tokens)
        if mask is not None:
            scores[~mask] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return []
        if len(candidates) > k:
            part = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[part]
        order = sorted(candidates.tolist(), key=lambda d: (-scores[d], d))
        return [(d, float(scores[d]) + constant) for d in order]

    def doc_frequency(self, token: str) -> int:
        term = self.vocab.get(token)
        return int(self.df[term]) if term is not None and term < len(self.df) else 0

