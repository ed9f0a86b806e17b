"""An inverted index with numpy postings that scores exactly like `rank_bm25.BM25Plus`.

Why BM25Plus: its idf, log((N + 1) / df), is positive and monotone, so words found in more
than half of the papers ("model", "paper") neither go negative nor jump over rarer words the
way Okapi's epsilon floor makes them. rank-bm25 adds `idf * delta` to *every* document for
each query word (also those without it), so delta shifts all scores by the same amount: we
accumulate only the sparse part over the postings and add that constant at the end, which
gives the same scores and the same ranking as `BM25Plus.get_scores`.

Postings live in segments (CSR by term id: `doc_ids` int32, term frequencies as uint8 or
uint16 and precomputed float32 term weights); `add` writes a new small segment and merges the
small segments when they pile up. Removed papers keep their doc id with zeroed postings.
Memory: a new batch is kept as term ids and counts only (doc ids are implicit, documents come
in order) and sorted into CSR chunk by chunk, so a build never holds more than the batch, the
finished segment and one chunk of temporaries.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

TF_MAX = 65535  # term frequencies are stored as uint16 (clipped; real counts stay far below)
CHUNK = 1 << 20  # postings sorted or reweighted at a time


@dataclass(frozen=True, slots=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75
    delta: float = 1.0


def _tf_dtype(max_tf: int) -> type:
    return np.uint8 if max_tf <= 255 else np.uint16


def _csr(terms: np.ndarray, tfs: np.ndarray, docs: Callable[[int, int], np.ndarray],
         n_terms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offsets, doc_ids, tfs) by term id, keeping the given order within each term.

    A counting sort done CHUNK postings at a time: each chunk is sorted stably by term and
    scattered behind the postings of the chunks before it.
    """
    counts = np.bincount(terms, minlength=n_terms) if len(terms) else np.zeros(n_terms, np.int64)
    offsets = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    following = offsets[:-1].copy()  # where the next posting of each term goes
    doc_ids = np.empty(len(terms), dtype=np.int32)
    out_tfs: np.ndarray = np.empty(len(terms), dtype=_tf_dtype(int(tfs.max()) if len(tfs) else 0))
    for start in range(0, len(terms), CHUNK):
        end = min(start + CHUNK, len(terms))
        chunk = terms[start:end]
        order = np.argsort(chunk, kind="stable")
        sorted_terms = chunk[order]
        chunk_counts = np.bincount(sorted_terms, minlength=n_terms)
        group_start = np.cumsum(chunk_counts) - chunk_counts
        dest = following[sorted_terms] + (np.arange(len(order)) - group_start[sorted_terms])
        doc_ids[dest] = docs(start, end)[order]
        out_tfs[dest] = tfs[start:end][order]
        following += chunk_counts
    return offsets, doc_ids, out_tfs


@dataclass(frozen=True, slots=True)
class Either:
    """A query concept written in several ways, each a tuple of plain query terms (a long
    form and its acronym: ("graphic", "user", "interfac"), ("gui",)). Per document it scores
    what its best way scores as a plain BM25 query; its constant is the largest of the ways'."""

    ways: tuple[tuple[str, ...], ...]


class _Segment:
    __slots__ = ("doc_ids", "offsets", "tfs", "weights")

    def __init__(self, offsets: np.ndarray, doc_ids: np.ndarray, tfs: np.ndarray) -> None:
        self.offsets = offsets  # int64, len = terms known when built + 1
        self.doc_ids = doc_ids  # int32, ascending within a term
        self.tfs = tfs  # uint8/uint16 term frequencies (0 for removed documents)
        self.weights = np.zeros(0, dtype=np.float32)  # set by BM25Index._reweight

    def copy(self) -> _Segment:
        """The same postings; `tfs` is replaced, never changed, when documents are removed."""
        segment = _Segment(self.offsets, self.doc_ids, self.tfs)
        segment.weights = self.weights
        return segment

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
    """Term ids and counts of a batch of new documents (their doc ids follow one another)."""

    def __init__(self, vocab: dict[str, int], first_doc: int) -> None:
        self.vocab = vocab
        self.first_doc = first_doc
        self.terms, self.tfs = array("i"), array("H")
        self.sizes = array("i")  # distinct terms per document
        self.lengths = array("d")

    @property
    def next_doc(self) -> int:
        return self.first_doc + len(self.lengths)

    def feed(self, tokens: Sequence[str]) -> int:
        counts = Counter(tokens)
        vocab = self.vocab
        self.terms.extend([vocab.setdefault(t, len(vocab)) for t in counts])
        try:
            self.tfs.extend(counts.values())
        except OverflowError:
            self.tfs.extend([min(c, TF_MAX) for c in counts.values()])
        self.sizes.append(len(counts))
        self.lengths.append(len(tokens))
        return self.next_doc - 1

    def release(self) -> None:
        self.terms, self.tfs, self.sizes = array("i"), array("H"), array("i")


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

    def copy(self) -> BM25Index:
        """An independent copy (the arrays it only ever replaces, never changes, are shared)."""
        other = BM25Index(self.params)
        other.vocab = dict(self.vocab)
        other.df = self.df.copy()
        other.idf = self.idf
        other.doc_len = self.doc_len
        other.alive = self.alive.copy()
        other.segments = [segment.copy() for segment in self.segments]
        other.avgdl = self.avgdl
        return other

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
        """Index the builder's documents (and empty it)."""
        first, n_new = self.n_docs, len(builder.lengths)
        if builder.first_doc != first:
            raise ValueError("the index changed since this builder was made")
        n_terms = len(self.vocab)
        df = np.concatenate([self.df, np.zeros(n_terms - len(self.df), dtype=np.int64)])
        segments = list(self.segments)
        if builder.terms:
            terms = np.frombuffer(builder.terms, dtype=np.int32)
            tfs = np.frombuffer(builder.tfs, dtype=np.uint16)
            df += np.bincount(terms, minlength=n_terms)
            ends = np.cumsum(np.frombuffer(builder.sizes, dtype=np.int32), dtype=np.int64)

            def docs(start: int, end: int) -> np.ndarray:
                positions = np.arange(start, end, dtype=np.int64)
                return (np.searchsorted(ends, positions, side="right") + first).astype(np.int32)

            segments.append(_Segment(*_csr(terms, tfs, docs, n_terms)))
            del terms, tfs
        self.doc_len = np.concatenate(
            [self.doc_len, np.asarray(builder.lengths, dtype=np.float64)])
        builder.release()
        self.alive = np.concatenate([self.alive, np.ones(n_new, dtype=bool)])
        self.df = df
        self.segments = segments
        if len(self.segments) > self.MAX_SEGMENTS:
            self._merge()
        self._reweight()
        return list(range(first, first + n_new))

    def remove(self, doc_ids: Iterable[int]) -> None:
        """Drop documents from the statistics and results (their ids are not reused)."""
        ids = np.array(sorted(set(doc_ids)), dtype=np.int64)
        ids = ids[self.alive[ids]] if len(ids) else ids
        if not len(ids):
            return
        gone = np.zeros(self.n_docs, dtype=bool)
        gone[ids] = True
        for segment in self.segments:
            hit = np.flatnonzero(gone[segment.doc_ids] & (segment.tfs > 0))
            if len(hit):
                terms = np.searchsorted(segment.offsets, hit, side="right") - 1
                np.subtract.at(self.df, terms, 1)
                tfs = segment.tfs.copy()
                tfs[hit] = 0
                segment.tfs = tfs
        self.alive[ids] = False
        self._reweight()

    def _merge(self) -> None:
        """Merge the small segments; the big first one is only rewritten when it is not big."""
        segments = self.segments
        small = sum(len(s.doc_ids) for s in segments[1:])
        keep = segments[:1] if len(segments[0].doc_ids) > 4 * small else []
        parts = [s.triples() for s in segments[len(keep):]]
        terms = np.concatenate([p[0] for p in parts])
        docs = np.concatenate([p[1] for p in parts])
        tfs = np.concatenate([p[2] for p in parts])
        live = tfs > 0
        terms, docs, tfs = terms[live], docs[live], tfs[live]
        # Segments hold increasing doc id ranges, so a stable sort by term keeps doc order.
        merged = _Segment(*_csr(terms, tfs, lambda s, e: docs[s:e], len(self.vocab)))
        self.segments = [*keep, merged]

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
            weights = np.empty(len(segment.tfs), dtype=np.float32)
            for start in range(0, len(weights), CHUNK):
                end = start + CHUNK
                tf = segment.tfs[start:end].astype(np.float64)
                weights[start:end] = tf * (k1 + 1) / (norm[segment.doc_ids[start:end]] + tf)
            segment.weights = weights

    def _add(self, tokens: Sequence[str], scores: np.ndarray) -> float:
        """Add the tokens' sparse scores into `scores`; returns their constant part."""
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
        return constant

    def _add_best(self, ways: Sequence[Sequence[str]], scores: np.ndarray) -> float:
        """Add, per document, the best of the ways' sparse scores; returns the largest of
        their constants."""
        if len(ways) == 1:
            return self._add(ways[0], scores)
        best = np.zeros(self.n_docs, dtype=np.float64)
        constant = 0.0
        for way in ways:
            way_scores = np.zeros(self.n_docs, dtype=np.float64)
            constant = max(constant, self._add(way, way_scores))
            np.maximum(best, way_scores, out=best)
        scores += best
        return constant

    def scores(self, tokens: Sequence[str]) -> tuple[np.ndarray, float]:
        """(sparse scores per doc id, constant every doc gets): rank-bm25's score is the sum."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        return scores, self._add(tokens, scores)

    def _term(self, token: str) -> int | None:
        term = self.vocab.get(token)
        if term is None or term >= len(self.df) or self.df[term] <= 0:
            return None
        return term

    def _weights_of_all(self, tokens: Sequence[str]) -> np.ndarray:
        """Per document, the smallest term weight of the tokens: a phrase occurs at most as
        often as its rarest-used word (0 unless the document has all of them)."""
        result: np.ndarray | None = None
        for token in dict.fromkeys(tokens):
            term = self._term(token)
            if term is None:
                return np.zeros(self.n_docs, dtype=np.float64)
            weights = np.zeros(self.n_docs, dtype=np.float64)
            for segment in self.segments:
                ids, segment_weights = segment.postings(term)
                weights[ids] = segment_weights
            result = weights if result is None else np.minimum(result, weights, out=result)
        return result if result is not None else np.zeros(self.n_docs, dtype=np.float64)

    def grouped_scores(self, groups: Sequence[Sequence[Sequence[str]] | Either]
                       ) -> tuple[np.ndarray, float]:
        """Like `scores`, for a query of concepts, each given as alternatives: a term and
        phrases that mean the same (`[("rl",), ("reinforc", "learn")]`). A concept scores like
        one term with the idf of its first alternative's first term (the largest idf of its
        terms if that one is unknown) and, per document, the weight of its best alternative,
        a phrase weighing what its least frequent word does (0 unless all of it is there).
        Concepts of one single-term alternative are plain query terms; an `Either` scores
        the best of its ways."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        constant = 0.0
        for alternatives in groups:
            if isinstance(alternatives, Either):
                constant += self._add_best(alternatives.ways, scores)
                continue
            if len(alternatives) == 1 and len(alternatives[0]) == 1:
                constant += self._add(alternatives[0], scores)
                continue
            head = self._term(alternatives[0][0]) if alternatives and alternatives[0] else None
            if head is None:
                known = [t for alt in alternatives for t in map(self._term, alt) if t is not None]
                if not known:
                    continue
                idf = float(self.idf[known].max())
            else:
                idf = float(self.idf[head])
            best = self._weights_of_all(alternatives[0])
            for alternative in alternatives[1:]:
                np.maximum(best, self._weights_of_all(alternative), out=best)
            scores += idf * best
            constant += idf * self.params.delta
        return scores, constant

    def top(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None
            ) -> list[tuple[int, float]]:
        """The k best (doc id, score) among documents with at least one query word."""
        return self._top(self.scores(tokens), k, mask)

    def top_groups(self, groups: Sequence[Sequence[Sequence[str]] | Either], k: int,
                   mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """`top` for groups of alternatives (see `grouped_scores`)."""
        return self._top(self.grouped_scores(groups), k, mask)

    @staticmethod
    def _top(scored: tuple[np.ndarray, float], k: int, mask: np.ndarray | None
             ) -> list[tuple[int, float]]:
        scores, constant = scored
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

    # -- saving and loading (see cache.py) ----------------------------------------------

    def state(self) -> dict[str, np.ndarray]:
        """The arrays that make up the index (vocabulary excluded: the caller saves it)."""
        arrays = {"df": self.df, "doc_len": self.doc_len, "alive": self.alive,
                  "segments": np.array(len(self.segments), dtype=np.int64)}
        for i, segment in enumerate(self.segments):
            arrays |= {f"seg{i}_offsets": segment.offsets, f"seg{i}_doc_ids": segment.doc_ids,
                       f"seg{i}_tfs": segment.tfs}
        return arrays

    @classmethod
    def from_state(cls, params: BM25Params, vocab: dict[str, int],
                   arrays: dict[str, np.ndarray]) -> BM25Index:
        """The inverse of `state`; ValueError if the arrays do not fit together."""
        index = cls(params)
        n_terms = len(vocab)
        df, doc_len, alive = arrays["df"], arrays["doc_len"], arrays["alive"]
        _expect(df, np.int64, n_terms, "df")
        _expect(doc_len, np.float64, len(alive), "doc_len")
        _expect(alive, np.bool_, len(doc_len), "alive")
        n_docs = len(doc_len)
        segments = []
        for i in range(int(arrays["segments"])):
            offsets, doc_ids = arrays[f"seg{i}_offsets"], arrays[f"seg{i}_doc_ids"]
            tfs = arrays[f"seg{i}_tfs"]
            _expect(offsets, np.int64, None, "offsets")
            _expect(doc_ids, np.int32, None, "doc_ids")
            if tfs.dtype not in (np.uint8, np.uint16) or len(tfs) != len(doc_ids):
                raise ValueError("tfs do not fit doc_ids")
            if (len(offsets) < 1 or len(offsets) > n_terms + 1 or offsets[0] != 0
                    or offsets[-1] != len(doc_ids) or np.any(np.diff(offsets) < 0)):
                raise ValueError("bad offsets")
            if len(doc_ids) and (doc_ids.min() < 0 or doc_ids.max() >= n_docs):
                raise ValueError("doc id out of range")
            segments.append(_Segment(offsets, doc_ids, tfs))
        index.vocab, index.df, index.doc_len, index.alive = vocab, df, doc_len, alive
        index.segments = segments
        index._reweight()
        return index


def _expect(value: np.ndarray, dtype: type, length: int | None, name: str) -> None:
    if value.dtype != dtype or value.ndim != 1 or (length is not None and len(value) != length):
        raise ValueError(f"{name}: unexpected {value.dtype}{value.shape}")
