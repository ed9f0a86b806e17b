"""The semantic layer beside the BM25 index: a vector per paper, filled in the background.

The model runs in a worker thread; its rows are added to the table on the event loop, between
two queries, so a query never sees half a row. Until every indexed paper has a vector the
engine ranks by BM25 alone (a half-built table would favour the papers embedded first).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np

from ..digest.clean import clean_summary
from ..digest.models import PaperRecord
from .embedder import Embedder, ModelUnavailable, OnnxEmbedder, paper_text
from .memory import release_free_memory
from .model_files import ensure_model
from .vectors import VectorTable

log = logging.getLogger(__name__)

COSINE_SHARE = 0.4  # fused score = 0.6 · bm25 / best bm25 + 0.4 · cosine (bench/relevance.py)
DEPTH = 100  # candidates taken from each ranking before fusing
# A paper no query word matches is a candidate only this close in meaning: an unrelated query
# ("photosynthesis in plants") comes nearest to some paper at 0.14 with all-MiniLM-L6-v2; on the
# held-out set's tuning half even a floor of 0.4 lost no query's paper; 0.35 keeps a margin.
MIN_COSINE = 0.35
CHUNK = 32  # papers embedded per worker-thread call
SAVE_EVERY = 512  # papers embedded between two saves of the table
EMBED_NICENESS = 10  # the embedding thread yields the CPU to the event loop's thread


def open_model(name: str | None, folder: Path | None, downloads: Path) -> Embedder:
    """The model in `folder`, else model `name` (downloaded into `downloads` once); raises
    ModelUnavailable saying why there is none. Blocking: run it in a thread."""
    if folder is not None:
        return OnnxEmbedder.load(folder)
    if name is None:
        raise ModelUnavailable("off (EMBED_MODEL=off)")
    return OnnxEmbedder.load(ensure_model(name, downloads))


async def load_model(semantic: Semantic, name: str | None, folder: Path | None,
                     db_path: Path) -> ModelUnavailable | None:
    """Attach the configured model to `semantic`; when there is none, detach it and return
    why. The model is opened (or downloaded) in a daemon thread, so that a slow download
    never holds up the process's exit."""
    downloads, vectors = model_places(db_path)
    try:
        embedder = await _in_daemon_thread(open_model, name, folder, downloads)
    except ModelUnavailable as error:
        semantic.detach(str(error))
        return error
    semantic.attach(embedder, vectors)
    return None


T = TypeVar("T")


def _in_daemon_thread(function: Callable[..., T], *args: object) -> asyncio.Future[T]:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = function(*args), None
        except BaseException as raised:  # handed to the awaiting task
            result, error = None, raised
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="embedding-model", daemon=True).start()
    return future


def model_places(db_path: Path) -> tuple[Path, Path | None]:
    """Where downloaded models go (`models/` beside the database) and where vectors are saved
    (`<db>.vectors/`; None for an in-memory database)."""
    text = str(db_path)
    in_memory = text in ("", ":memory:") or text.startswith("file:")
    base = Path.cwd() if in_memory else db_path.parent
    return base / "models", None if in_memory else db_path.with_name(db_path.name + ".vectors")


def text_key(record: PaperRecord) -> str:
    """What a paper's vector was computed from: a changed title or summary embeds it again.
    Of the stored text, not the cleaned one: checking 100k papers at each start must be cheap."""
    text = f"{record.title}\x1f{record.summary}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=8).hexdigest()


def embedding_text(record: PaperRecord) -> str:
    return paper_text(record.title, clean_summary(record.summary))


def fuse(bm25: Sequence[tuple[int, float]], cosine: Callable[[int], float],
         nearest: Sequence[int], limit: int) -> list[tuple[int, float]]:
    """Docs best first by `(1 - COSINE_SHARE) · bm25/best + COSINE_SHARE · cosine`, over the
    BM25 candidates and the `nearest` docs by vector (those at MIN_COSINE or closer)."""
    best = max((score for _, score in bm25), default=0.0)
    scores = {doc: score / best if best > 0 else 0.0 for doc, score in bm25}
    for doc in nearest:
        scores.setdefault(doc, 0.0)
    fused = [(doc, (1 - COSINE_SHARE) * share + COSINE_SHARE * cosine(doc))
             for doc, share in scores.items()]
    fused.sort(key=lambda pair: (-pair[1], pair[0]))
    return fused[:limit]


class Semantic:
    """The model (None when it is off or cannot be had), the live vector table and its state
    in words for `/about`. One writer: `catch_up` runs under a lock."""

    def __init__(self, note: str = "starting") -> None:
        self.embedder: Embedder | None = None
        self.note = note  # why there is no model, e.g. "off (EMBED_MODEL=off)"
        self.path: Path | None = None
        self.vectors = VectorTable(0, "")
        self.wanted = 0  # papers the store holds, as of the last catch_up
        self.embedded = 0  # how many of them have a vector
        self._complete = 0  # `wanted` when the last catch_up finished
        self._writing = asyncio.Lock()
        self._worker: ThreadPoolExecutor | None = None

    def attach(self, embedder: Embedder, folder: Path | None) -> None:
        """Use `embedder` from now on, starting from the vectors it saved in `folder` if any."""
        path = folder / f"{embedder.key[:16]}.npz" if folder is not None else None
        saved = VectorTable.load(path, key=embedder.key) if path is not None else None
        self.vectors = saved or VectorTable(embedder.dim, embedder.key)
        self.embedder, self.path, self.note = embedder, path, ""
        self.embedded = self._complete = 0

    def detach(self, note: str) -> None:
        """No model (any more): BM25 alone, and `status` says why."""
        self.embedder, self.note = None, note
        self.vectors = VectorTable(0, "")
        self.embedded = self._complete = 0

    def usable(self, papers: int) -> VectorTable | None:
        """The table when every one of the `papers` indexed papers has a vector (so that
        fusing is fair to each)."""
        ready = self.embedder is not None and 0 < papers <= self._complete
        return self.vectors if ready else None

    def status(self) -> str:
        """ "semantic search: 1,234/4,894 papers", or why it is off."""
        if self.embedder is None:
            if self.note.startswith("off"):
                return f"semantic search: {self.note}; BM25 only"
            return f"semantic search unavailable ({self.note or 'starting'}); BM25 answers"
        return f"semantic search: {self.embedded:,}/{self.wanted:,} papers"

    def query_vector(self, text: str) -> np.ndarray | None:
        if self.embedder is None or not text.strip():
            return None
        return self.embedder.embed([text])[0]

    async def catch_up(self, papers: Iterable[PaperRecord] | AsyncIterator[PaperRecord]) -> int:
        """Embed the papers (all the store holds) that have no vector or whose text changed;
        returns how many. Only those are kept in memory; the model runs in a worker thread,
        CHUNK papers at a time."""
        async with self._writing:
            embedder, table = self.embedder, self.vectors
            if embedder is None:
                return 0
            wanted, todo = 0, []
            async for record in _each(papers):
                wanted += 1
                if table.tag(record.arxiv_id) != text_key(record):
                    todo.append(record)
            self.wanted, self.embedded = wanted, wanted - len(todo)
            if not todo:
                await self._ready(table)
                return 0
            log.info("semantic search: embedding %d papers", len(todo))
            started, unsaved = time.monotonic(), 0
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start:start + CHUNK]
                texts = [embedding_text(r) for r in chunk]
                rows = await asyncio.get_running_loop().run_in_executor(
                    self._embedding_thread(), embedder.embed, texts)
                if self.embedder is not embedder:  # detached or replaced meanwhile
                    return start
                table.add([r.arxiv_id for r in chunk], rows, [text_key(r) for r in chunk])
                self.embedded += len(chunk)
                unsaved += len(chunk)
                if unsaved >= SAVE_EVERY:
                    await self._save(table)
                    unsaved = 0
            await self._save(table)
            await self._ready(table)
            log.info("semantic search: %d papers embedded in %.0f s (%d in all)", len(todo),
                     time.monotonic() - started, len(table))
            return len(todo)

    async def _ready(self, table: VectorTable) -> None:
        """Every paper has its vector: fusing may start (the table prepared for it first)."""
        await asyncio.to_thread(table.prepare)
        release_free_memory()
        self._complete = self.wanted

    def _embedding_thread(self) -> ThreadPoolExecutor:
        """One thread, at a lower priority: on a 1-vCPU VPS the model gets what the event
        loop leaves, so answers never wait behind a chunk of papers."""
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, "embedding", initializer=_lower_priority)
        return self._worker

    async def _save(self, table: VectorTable) -> None:
        if self.path is None:
            return
        try:
            await asyncio.to_thread(table.save, self.path)
        except OSError as error:
            log.warning("could not save vectors to %s: %s", self.path, error)


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux gives each thread its own nice
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), EMBED_NICENESS)


async def _each(papers: Iterable[PaperRecord] | AsyncIterator[PaperRecord]
                ) -> AsyncIterator[PaperRecord]:
    if isinstance(papers, AsyncIterator):
        async for paper in papers:
            yield paper
    else:
        for paper in papers:
            yield paper
