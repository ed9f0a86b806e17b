"""Semantic search for one run of the CLI or the console: the configured model, and a vector
for every paper (the bot does the same in the background, in `cogs/semantic.py`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .config import Settings
from .search.semantic import load_model
from .store import Store

if TYPE_CHECKING:
    from .search import SearchEngine


async def with_meaning(engine: SearchEngine, store: Store, settings: Settings) -> None:
    """Semantic search for this run: the configured model, and a vector for every paper
    (embedding those that have none yet). Without a model, one line on stderr and BM25."""
    semantic = engine.semantic
    problem = await load_model(semantic, settings.embed_model, settings.embed_model_path,
                               settings.db_path)
    if problem is not None:
        if settings.embed_model is not None or settings.embed_model_path is not None:
            print(f"semantic search unavailable, BM25 only: {problem}", file=sys.stderr)
        return
    await semantic.catch_up(store.iter_papers())
