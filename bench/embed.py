"""Seconds to embed the real corpus, per-query embedding latency, and memory, on one core.

    taskset -c 0 python bench/embed.py [--corpus DIR] [--model DIR] [--limit N] [--queries N]

Papers: every `*.md` under the corpus (default ../shared/corpus-real) parsed with
parse_digest, deduplicated by arXiv id, embedded as paper_text(title, cleaned summary).
Queries: the dev set's queries (../shared/eval/dev.jsonl), each embedded on its own; then the
same queries scanned against the int8 vector table of the corpus. Peak RSS (VmHWM) of this
process, with the RSS before the model was loaded for comparison. Model: default
../shared/models/all-MiniLM-L6-v2-int8. Not run by the tests. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.digest import parse_digest  # noqa: E402
from bot.digest.clean import clean_summary  # noqa: E402
from bot.search.embedder import OnnxEmbedder, paper_text  # noqa: E402
from bot.search.vectors import VectorTable  # noqa: E402

SHARED = ROOT.parent / "shared"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _memory_mb() -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


def _papers(corpus: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(corpus.rglob("*.md")):
        for paper in parse_digest(path.read_text("utf-8", "replace"), source=str(path)).papers:
            texts.setdefault(paper.arxiv_id, paper_text(paper.title, clean_summary(paper.summary)))
    return texts


def _queries(count: int) -> list[str]:
    dev = SHARED / "eval" / "dev.jsonl"
    if dev.is_file():
        rows = [json.loads(line) for line in dev.read_text("utf-8").splitlines() if line.strip()]
        queries = [row["query"] for row in rows if row.get("query")]
    else:
        queries = ["efficient attention for long context", "video diffusion with fewer steps"]
    return (queries * (count // max(1, len(queries)) + 1))[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus-real")
    parser.add_argument("--model", type=Path, default=SHARED / "models" / "all-MiniLM-L6-v2-int8")
    parser.add_argument("--limit", type=int, default=0, help="embed only the first N papers")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"error: {args.corpus} is not a directory", file=sys.stderr)
        return 2
    cores = len(os.sched_getaffinity(0))
    if cores != 1:
        print(f"warning: running on {cores} cores; pin it with `taskset -c 0`", file=sys.stderr)

    papers = _papers(args.corpus)
    ids = list(papers)[: args.limit or None]
    before_model = _memory_mb()["VmRSS"]
    loading = time.perf_counter()
    embedder = OnnxEmbedder.load(args.model)
    print(f"model {args.model.name}: dim {embedder.dim}, loaded in "
          f"{time.perf_counter() - loading:.2f} s")

    table = VectorTable(embedder.dim, embedder.key)
    started = time.perf_counter()
    for start in range(0, len(ids), 64):
        chunk = ids[start:start + 64]
        table.add(chunk, embedder.embed([papers[paper] for paper in chunk]))
    seconds = time.perf_counter() - started
    print(f"papers {len(ids):,}: {seconds:.1f} s, {len(ids) / seconds:.1f} papers/s "
          f"({len(set(papers)):,} distinct in the corpus)")

    queries = _queries(args.queries)
    embed_ms, scan_ms = [], []
    for query in queries:
        begun = time.perf_counter()
        vector = embedder.embed([query])[0]
        embed_ms.append((time.perf_counter() - begun) * 1000)
        begun = time.perf_counter()
        table.nearest(vector, 10)
        scan_ms.append((time.perf_counter() - begun) * 1000)
    print(f"query embed over {len(queries)} queries: p50 {_pct(embed_ms, 50):.1f} ms, "
          f"p99 {_pct(embed_ms, 99):.1f} ms")
    print(f"vector scan of {len(table):,} rows (nearest 10): p50 {_pct(scan_ms, 50):.2f} ms, "
          f"p99 {_pct(scan_ms, 99):.2f} ms")
    memory = _memory_mb()
    print(f"RSS {memory['VmRSS']:.1f} MB (before the model {before_model:.1f} MB), "
          f"peak {memory['VmHWM']:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
