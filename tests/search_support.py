"""Building search indexes and engines for the tests the way the bot does."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.corpus.ingest import ingest_directory
from bot.digest import PaperRecord
from bot.search import SearchEngine
from bot.search.index import BM25Index, BM25Params
from bot.store import Store


def indexed(docs: Sequence[Sequence[str]], params: BM25Params | None = None,
            index: BM25Index | None = None) -> BM25Index:
    """`docs` (token lists) committed as one batch to `index` (default: a new one)."""
    index = index if index is not None else BM25Index(params)
    builder = index.builder()
    for tokens in docs:
        builder.feed(tokens)
    index.commit(builder)
    return index


def plain(query: Sequence[str]) -> list[list[tuple[str, ...]]]:
    """A plain BM25 query: every term its own concept without alternatives."""
    return [[(term,)] for term in query]


def top(index: BM25Index, query: Sequence[str], k: int) -> list[tuple[int, float]]:
    return index.top_groups(plain(query), k)


def plain_scores(index: BM25Index, query: Sequence[str]) -> tuple[np.ndarray, float]:
    return index.grouped_scores(plain(query))


def digest_text(day: str, records: Sequence[PaperRecord]) -> str:
    lines = [f"# Papers for {day}", "", "| Title | Authors | Summary |", "|---|---|---|"]
    lines += [f"| {r.title} (Read more on [arXiv](https://arxiv.org/abs/{r.arxiv_id}) or "
              f"[HuggingFace](https://huggingface.co/papers/{r.arxiv_id}))"
              f"| {', '.join(r.authors)} | {r.summary} |" for r in records]
    return "\n".join(lines) + "\n"


async def build_engine(records: Sequence[PaperRecord]) -> SearchEngine:
    """The engine the bot would build after ingesting digests that list `records` (each on
    each of its dates)."""
    with tempfile.TemporaryDirectory() as directory:
        for day in sorted({d for r in records for d in r.dates}):
            listed = [r for r in records if day in r.dates]
            (Path(directory) / f"{day}.md").write_text(digest_text(day, listed), "utf-8")
        async with await Store.open(":memory:") as store:
            await ingest_directory(store, Path(directory))
            return await SearchEngine.build(store)


def engine_of(records: Sequence[PaperRecord]) -> SearchEngine:
    """`build_engine` for synchronous fixtures."""
    return asyncio.run(build_engine(records))
