"""Semantic search: embedding time, query latency and memory, on the real corpus and at 100k.

    python bench/semantic.py [--model DIR] [--corpus DIR] [--queries 300] [--size 100000]

1. The real corpus (default ../shared/corpus-real) is ingested twice, each on one core
   (`taskset -c 0`): with EMBED_MODEL=off, then with EMBED_MODEL_PATH (the model embeds every
   paper); the difference is the time to embed the corpus on one core.
2. `python -m bot search --json -` with the vectors, on one core: the latency of each query
   line (queries made from the papers' titles and summaries) and the process's RSS
   (target: p99 <= 20 ms).
3. Embedding in the background, in this process pinned to one core (a 1-vCPU VPS): the
   event loop's longest stall while `Semantic.catch_up` embeds `--lag-papers` real papers
   (target: <= 50 ms).
4. `--size` synthetic papers (bench/search.py's generator) with one stored int8 vector each
   (random unit vectors: the scan costs the same), ingested and searched through
   `python -m bot search --json -` on one core, queries embedded by the real model: p50/p99
   and the search process's RSS (targets: p99 <= 30 ms, RSS <= 400 MB).
Not run by the tests. Linux only (taskset, /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `python -m bot` does (bot/__main__)
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search import (  # noqa: E402
    _pct,
    make_queries,
    measure_search,
    synthetic,
    write_digests,
)
from bot.corpus.files import find_digest_files  # noqa: E402
from bot.digest import PaperRecord, parse_digest  # noqa: E402
from bot.search.semantic import Semantic, load_model, text_key  # noqa: E402
from bot.store import Store  # noqa: E402

REAL = ROOT.parent / "shared" / "corpus-real"
MODEL = ROOT.parent / "shared" / "models" / "all-MiniLM-L6-v2-int8"


def real_papers(corpus: Path) -> list[PaperRecord]:
    papers: dict[str, PaperRecord] = {}
    for path in find_digest_files(corpus):
        for p in parse_digest(path.read_text("utf-8", "replace")).papers:
            papers.setdefault(p.arxiv_id, PaperRecord(p.arxiv_id, p.title, p.authors,
                                                      p.summary, (p.date,), p.source))
    return list(papers.values())


def one_core(command: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *command]


def bench_real(corpus: Path, model: Path, queries: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-semantic-") as tmp:
        db = Path(tmp) / "papers.db"
        env = {**os.environ, "PAPERS_DB": str(db), "CORPUS_DIR": str(corpus),
               "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", "EMBED_MODEL": "off"}
        ingest = one_core([sys.executable, "-m", "bot", "ingest", str(corpus)])
        started = time.perf_counter()
        subprocess.run(ingest, env=env, cwd=tmp, check=True, capture_output=True)
        bm25 = time.perf_counter() - started
        env["EMBED_MODEL_PATH"] = str(model.resolve())
        started = time.perf_counter()
        subprocess.run(ingest, env=env, cwd=tmp, check=True, capture_output=True)
        embedded = time.perf_counter() - started
        papers = real_papers(corpus)
        print(f"real corpus: {len(papers):,} papers; ingest {bm25:.1f} s with BM25 only; the "
              f"second ingest embeds them all on one core: {embedded:.1f} s "
              f"({len(papers) / embedded:.0f} papers/s)")
        lines = make_queries(papers, queries)
        search = measure_search_one_core(env, Path(tmp), lines)
        print(f"search --json - on one core with the vectors, {queries} queries: "
              f"p50 {search['p50_ms']:.1f} ms, p99 {search['p99_ms']:.1f} ms (target <= 20); "
              f"first answer {search['startup_s']:.1f} s after start; "
              f"RSS {search['rss_mb']:.0f} MB (peak {search['peak_rss_mb']:.0f})")


def measure_search_one_core(env: dict[str, str], cwd: Path, queries: list[str]) -> dict:
    """measure_search, with the search process pinned to one core."""
    os.sched_setaffinity(0, {0})  # inherited by the child
    try:
        return measure_search(env, cwd, queries)
    finally:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


async def bench_loop_lag(papers: list[PaperRecord], model: Path) -> None:
    os.sched_setaffinity(0, {0})
    semantic = Semantic()
    assert await load_model(semantic, None, model, Path(":memory:")) is None
    loop = asyncio.get_running_loop()
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            planned = loop.time() + 0.005
            await asyncio.sleep(0.005)
            stalls.append((loop.time() - planned) * 1000)

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    await semantic.catch_up(papers)
    spent = time.perf_counter() - started
    done.set()
    await tick
    print(f"embedding {len(papers)} papers in the background on one core: {spent:.1f} s "
          f"({len(papers) / spent:.0f} papers/s); event loop stalls p99 {_pct(stalls, 99):.1f} ms,"
          f" longest {max(stalls):.1f} ms (target <= 50)")


async def bench_scale(size: int, model: Path, queries: int) -> None:
    papers = synthetic(size)
    with tempfile.TemporaryDirectory(prefix="bench-semantic-scale-") as tmp:
        corpus, db = Path(tmp) / "corpus", Path(tmp) / "papers.db"
        write_digests(papers, corpus)
        env = {**os.environ, "PAPERS_DB": str(db), "CORPUS_DIR": str(corpus),
               "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", "EMBED_MODEL": "off"}
        subprocess.run([sys.executable, "-m", "bot", "ingest"], env=env, cwd=tmp, check=True,
                       capture_output=True)
        # A vector for every stored paper, saved where the bot keeps them: random unit
        # vectors cost the same to scan as real ones, and embedding 100k papers takes hours.
        semantic = Semantic()
        assert await load_model(semantic, None, model, db) is None
        assert semantic.embedder is not None and semantic.path is not None
        async with await Store.open(db) as store:
            stored = [r async for r in store.iter_papers()]
        rng = np.random.default_rng(3)
        for start in range(0, len(stored), 10_000):
            chunk = stored[start:start + 10_000]
            rows = rng.standard_normal((len(chunk), semantic.embedder.dim)).astype(np.float32)
            rows /= np.linalg.norm(rows, axis=1, keepdims=True)
            semantic.vectors.add([r.arxiv_id for r in chunk], rows, [text_key(r) for r in chunk])
        semantic.vectors.save(semantic.path)
        env["EMBED_MODEL_PATH"] = str(model.resolve())
        measure_search_one_core(env, Path(tmp), make_queries(papers, queries))  # index saved
        search = measure_search_one_core(env, Path(tmp), make_queries(papers, queries, seed=5))
    print(f"{len(stored):,} papers with {len(stored):,} int8 vectors "
          f"({len(stored) * (semantic.embedder.dim + 4) / 1e6:.0f} MB): search --json - on one "
          f"core, query embedding included: p50 {search['p50_ms']:.1f} ms, p99 "
          f"{search['p99_ms']:.1f} ms (target <= 30); first answer {search['startup_s']:.1f} s"
          f" after start; RSS {search['rss_mb']:.0f} MB, peak {search['peak_rss_mb']:.0f} MB"
          " (target <= 400)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL, help="model folder")
    parser.add_argument("--corpus", type=Path, default=REAL, help="folder of digest files")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--size", type=int, default=100_000, help="papers for the scale run")
    parser.add_argument("--lag-papers", type=int, default=500)
    parser.add_argument("--skip-real", action="store_true")
    args = parser.parse_args()
    if not args.model.is_dir():
        print(f"error: no model folder at {args.model}; pass --model DIR", file=sys.stderr)
        return 2
    if not args.skip_real:
        if not args.corpus.is_dir():
            print(f"error: no corpus at {args.corpus}; pass --corpus DIR", file=sys.stderr)
            return 2
        bench_real(args.corpus, args.model, args.queries)
        asyncio.run(bench_loop_lag(real_papers(args.corpus)[:args.lag_papers], args.model))
    asyncio.run(bench_scale(args.size, args.model, args.queries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
