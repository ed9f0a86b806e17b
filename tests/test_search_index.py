"""The numpy inverted index scores exactly like rank_bm25.BM25Plus (the reference)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from bot.search.index import BM25Index, BM25Params

from .search_support import indexed, top

WORDS = [f"w{i}" for i in range(60)]


def _corpus(seed: int, n: int) -> list[list[str]]:
    rng = random.Random(seed)
    # Zipf-like: low word numbers are common (some appear in most documents).
    return [[WORDS[min(int(rng.paretovariate(0.8)) - 1, 59)] for _ in range(rng.randint(3, 40))]
            for _ in range(n)]


@pytest.mark.parametrize("params", [BM25Params(), BM25Params(k1=1.5, b=0.75, delta=1.0),
                                    BM25Params(k1=0.9, b=0.4, delta=0.5)])
def test_top10_and_scores_equal_rank_bm25(params: BM25Params) -> None:
    docs = _corpus(7, 300)
    index = indexed(docs, params)
    reference = BM25Plus(docs, k1=params.k1, b=params.b, delta=params.delta)
    rng = random.Random(3)
    for _ in range(40):
        query = list(dict.fromkeys(rng.sample(WORDS[:30], rng.randint(1, 4))))
        expected = reference.get_scores(query)
        best_10 = top(index, query, 10)
        got_ids = [doc for doc, _ in best_10]
        matching = [d for d in range(len(docs)) if any(w in docs[d] for w in query)]
        best = sorted((expected[d] for d in matching), reverse=True)[:10]
        # Same scores as the reference, and the same top 10 (up to exact ties' order).
        np.testing.assert_allclose([s for _, s in best_10], expected[got_ids], rtol=1e-5)
        np.testing.assert_allclose([s for _, s in best_10], best, rtol=1e-5)
        assert len(set(got_ids)) == len(got_ids)


def test_adding_in_several_batches_equals_one_build() -> None:
    docs = _corpus(11, 120)
    once = indexed(docs)
    batched = BM25Index()
    for start in range(0, 120, 10):  # more batches than MAX_SEGMENTS: segments get merged
        indexed(docs[start:start + 10], index=batched)
    assert len(batched.segments) <= BM25Index.MAX_SEGMENTS
    for query in (["w0"], ["w1", "w5"], ["w20", "w3", "w40"]):
        a, b = top(once, query, 10), top(batched, query, 10)
        assert [d for d, _ in a] == [d for d, _ in b]
        assert [s for _, s in a] == pytest.approx([s for _, s in b])


def test_removed_documents_leave_results_and_statistics() -> None:
    docs = [*_corpus(5, 50), ["unique", "w1"]]
    index = indexed(docs)
    assert top(index, ["unique"], 5)[0][0] == 50
    index.remove([50])
    assert top(index, ["unique"], 5) == []
    params = index.params
    reference = BM25Plus(docs[:50], k1=params.k1, b=params.b, delta=params.delta)
    best = top(index, ["w1"], 5)
    np.testing.assert_allclose([s for _, s in best], reference.get_scores(["w1"])[
        [d for d, _ in best]], rtol=1e-5)


def test_words_in_most_documents_still_score_positive() -> None:
    docs = [["common", f"x{i}"] for i in range(10)] + [["rare", "common"]]
    index = indexed(docs)
    assert all(score > 0 for _, score in top(index, ["common"], 20))
    assert top(index, ["rare", "common"], 1)[0][0] == 10


def test_chunked_sorting_and_wide_counts_keep_the_scores(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from bot.search import index as index_module

    docs = [*_corpus(13, 200), ["w1"] * 300 + ["w2"]]  # a count above 255 needs uint16
    params = BM25Params()
    reference = BM25Plus(docs, k1=params.k1, b=params.b, delta=params.delta)
    whole = indexed(docs, params)
    monkeypatch.setattr(index_module, "CHUNK", 37)  # many chunks, groups split across them
    chunked = BM25Index()
    for start in range(0, len(docs), 40):
        indexed(docs[start:start + 40], index=chunked)
    assert whole.segments[0].tfs.dtype == np.uint16
    for segment in chunked.segments:
        assert np.all(np.diff(segment.offsets) >= 0)
    for query in (["w1"], ["w2", "w7"], ["w0", "w3", "w11"]):
        expected = reference.get_scores(query)
        for index in (whole, chunked):
            best = top(index, query, 10)
            np.testing.assert_allclose([s for _, s in best], expected[[d for d, _ in best]],
                                       rtol=1e-5)
        assert [d for d, _ in top(whole, query, 10)] == [d for d, _ in top(chunked, query, 10)]
    assert top(whole, ["w1"], 1)[0][0] == 200
