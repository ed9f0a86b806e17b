"""The matching rules of personal watches (bot/watching.py), without Discord."""

from __future__ import annotations

import numpy as np
import pytest

from bot.digest.models import PaperRecord
from bot.errors import UserError
from bot.search import SearchEngine
from bot.search.vectors import VectorTable
from bot.store import Store, Watch
from bot.watching import (
    Evidence,
    by_member,
    candidates,
    deliverable_dates,
    gather,
    match,
    parse_watch,
    preview_since,
)


def paper(arxiv_id: str, title: str, summary: str = "", authors: tuple[str, ...] = ()
          ) -> PaperRecord:
    return PaperRecord(arxiv_id, title, authors, summary, ("2025-03-03",), "t.md:1")


DIGEST = [
    paper("2503.00001", "Compressing the KV-cache of long-context LLMs", "We quantise keys.",
          ("Tri Dao", "Ada Lovelace")),
    paper("2503.00002", "Cache-friendly attention kernels", "Fast kernels for GPUs.",
          ("Bo Li",)),
    paper("2503.00003", "A survey of retrieval", "Retrieval augmented generation with a KV"
          " store and a cache.", ("Tri Dao",)),
]


def watch(kind: str, query: str, watch_id: int = 1, user_id: int = 7) -> Watch:
    return Watch(watch_id, 100, user_id, kind, query)


def test_a_watch_is_words_an_author_or_a_paper():
    assert parse_watch("  kv   cache ") == ("words", "kv cache")
    assert parse_watch("author: Tri Dao") == ("author", "Tri Dao")
    assert parse_watch("like:https://arxiv.org/abs/2502.20258v2") == ("like", "2502.20258")
    assert parse_watch("Author:Bo Li") == ("author", "Bo Li")
    for bad in ("like:no id here", "the of and", "x" * 201):
        with pytest.raises(UserError):
            parse_watch(bad)


def test_words_match_only_papers_with_every_word_in_title_or_summary():
    found = match(candidates(DIGEST), [watch("words", "kv cache")], Evidence())
    # 00002 has "cache" only; 00003 has both words (in its summary); authors never count.
    assert [(m.arxiv_id, m.reason) for m in found] == [
        ("2503.00001", "words: kv cache"), ("2503.00003", "words: kv cache")]
    assert match(candidates(DIGEST), [watch("words", "tri dao")], Evidence()) == []


def test_authors_and_likes_match_what_the_engine_found_with_their_reason():
    evidence = Evidence(authors={"dao": ("Tri Dao", frozenset({"2503.00001", "2503.00003"}))},
                        likes={"2502.20258": ("FlashAttention-3", frozenset({"2503.00002"}))})
    found = match(candidates(DIGEST), [watch("author", "dao", 1), watch("like", "2502.20258", 2)],
                  evidence)
    assert [(m.watch_id, m.arxiv_id, m.reason) for m in found] == [
        (1, "2503.00001", "author: Tri Dao"), (1, "2503.00003", "author: Tri Dao"),
        (2, "2503.00002", "similar to FlashAttention-3")]


@pytest.mark.asyncio(loop_scope="function")
async def test_gather_asks_the_engine_once_per_name_and_paper(tmp_path):
    async with await Store.open(tmp_path / "p.db") as store:
        engine = SearchEngine.from_records(DIGEST)
        watches = [watch("author", "Tri Dao", 1), watch("author", "Tri Dao", 2, user_id=8),
                   watch("like", "2503.00001", 3)]
        evidence = await gather(engine, store, watches, candidates(DIGEST))
    assert evidence.authors == {"Tri Dao": ("Tri Dao", frozenset({"2503.00001", "2503.00003"}))}
    title, near = evidence.likes["2503.00001"]
    assert title.startswith("Compressing") and "2503.00001" not in near
    grouped = by_member(watches, match(candidates(DIGEST), watches, evidence))
    assert sorted(grouped) == [(100, 7), (100, 8)]


def test_only_recent_days_are_delivered_and_the_preview_covers_30_days():
    dates = ["2025-01-01", "2025-03-01", "2025-03-02", "2025-03-03"]
    assert deliverable_dates(dates, "2025-03-03") == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert deliverable_dates(dates, None) == []
    assert preview_since("2025-03-03") == "2025-02-02"


class Vectors:
    """Stands for a loaded model: `similar` and the cosine rule read only the vector table."""

    key = "test-model"
    dim = 2


@pytest.mark.asyncio(loop_scope="function")
async def test_like_matches_the_10_nearest_or_a_cosine_of_at_least_0_7(tmp_path):
    liked = paper("2502.20258", "FlashAttention-3", "Fast attention.")
    old = [paper(f"2501.{n:05d}", f"Older attention paper {n}") for n in range(1, 12)]
    close, far = paper("2503.00011", "Close enough"), paper("2503.00012", "Too far")
    engine = SearchEngine.from_records([liked, *old, close, far])
    table = VectorTable(2, Vectors.key)

    def at(cosine: float) -> list[float]:
        return [cosine, (1 - cosine ** 2) ** 0.5]

    # Eleven older papers are nearer than either new one: neither is in the top 10.
    table.add([liked.arxiv_id, *(p.arxiv_id for p in old), close.arxiv_id, far.arxiv_id],
              np.array([at(1.0)] + [at(0.95)] * 11 + [at(0.75), at(0.6)], dtype=np.float32))
    engine.semantic.embedder = Vectors()  # type: ignore[assignment]
    engine.semantic.vectors = table
    new = candidates([close, far])
    async with await Store.open(tmp_path / "p.db") as store:
        evidence = await gather(engine, store, [watch("like", liked.arxiv_id)], new)
    found = match(new, [watch("like", liked.arxiv_id)], evidence)
    assert [(m.arxiv_id, m.reason) for m in found] == [
        ("2503.00011", "similar to FlashAttention-3")]
