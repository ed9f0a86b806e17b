"""Search benchmark: the numpy BM25 index vs rank-bm25 and SQLite FTS5, and the CLI end to end.

    python bench/search.py [--sizes 10000,100000] [--queries 200] [--ref-queries 30] [--real]

For each size: a synthetic corpus with realistic term statistics (real titles, sentences and
authors from ../shared/corpus-real recombined when present, else a Zipf vocabulary), then
- index build seconds (in process) and query p50/p99 over the queries;
- the same queries with rank_bm25.BM25Plus.get_scores over the whole corpus (same tokens,
  same field weights) and with SQLite FTS5 bm25() (OR queries), as ratios; top-10 ids are
  checked against rank-bm25's;
- digest files written to a temp dir, `python -m bot ingest` timed, then start-up, p50/p99
  and RSS of a warm `python -m bot search --json -` streaming the queries: first without the
  saved index (`<db>.index/`, which it builds and saves), then with it.
`--real` adds cold starts on ../shared/corpus-real: the CLI, and the real bot from process
start to ready on the fake Discord of tests/fake_discord (`--sizes ""` for only that).
Not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.corpus.files import find_digest_files  # noqa: E402
from bot.digest import PaperRecord, parse_digest  # noqa: E402
from bot.search import SearchEngine  # noqa: E402
from bot.search.engine import paper_tokens  # noqa: E402
from bot.search.query import parse_query  # noqa: E402

REAL = ROOT.parent / "shared" / "corpus-real"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _material(seed: int) -> tuple[list[str], list[str], list[str]]:
    """(titles, sentences, authors) to recombine."""
    if REAL.is_dir():
        from bot.digest.clean import clean_summary, split_sentences

        titles, sentences, authors = [], [], set()
        for path in find_digest_files(REAL):
            for paper in parse_digest(path.read_text("utf-8", "replace")).papers:
                titles.append(paper.title)
                sentences.extend(split_sentences(clean_summary(paper.summary)))
                authors.update(paper.authors)
        return titles, sentences, sorted(authors)
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnoprstuvwxyz") for _ in range(rng.randint(3, 10)))
             for _ in range(30000)]

    def phrase(n: int) -> str:
        return " ".join(vocab[min(int(rng.paretovariate(1.0)) - 1, 29999)] for _ in range(n))

    titles = [phrase(rng.randint(4, 10)).capitalize() for _ in range(5000)]
    sentences = [phrase(rng.randint(12, 35)).capitalize() + "." for _ in range(20000)]
    authors = [f"{phrase(1).title()} {phrase(1).title()}" for _ in range(15000)]
    return titles, sentences, authors


def synthetic(n: int, seed: int = 1) -> list[PaperRecord]:
    rng = random.Random(seed)
    titles, sentences, authors = _material(seed)
    title_words = [t.split() for t in titles]
    start = date(2023, 1, 1)
    papers = []
    for i in range(n):
        words = list(rng.choice(title_words))
        donor = rng.choice(title_words)
        words[rng.randrange(len(words))] = rng.choice(donor)  # a new title, real statistics
        day = (start + timedelta(days=i // 100)).isoformat()
        arxiv_id = f"{2301 + (i // 100000) % 99:04d}.{i % 100000:05d}"
        papers.append(PaperRecord(
            arxiv_id, " ".join(words), tuple(rng.sample(authors, rng.randint(2, 6))),
            " ".join(rng.sample(sentences, 5)), (day,), f"{day}.md:1"))
    return papers


def make_queries(papers: list[PaperRecord], count: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    queries = []
    for paper in rng.sample(papers, count):
        words = re.findall(r"[\w-]+", paper.title + " " + paper.summary[:300])
        k = rng.randint(2, 6)
        start = rng.randrange(max(1, len(words) - k))
        queries.append(" ".join(words[start:start + k]))
    return queries


def bench_engine(papers: list[PaperRecord], queries: list[str]) -> tuple[SearchEngine, dict]:
    started = time.perf_counter()
    engine = SearchEngine.from_records(papers)
    build = time.perf_counter() - started
    times = []
    for query in queries:
        t = time.perf_counter()
        engine.search(query)
        times.append((time.perf_counter() - t) * 1000)
    return engine, {"build_s": build, "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99)}


def bench_rank_bm25(engine: SearchEngine, papers: list[PaperRecord],
                    queries: list[str]) -> dict:
    from rank_bm25 import BM25Plus

    params = engine.params
    started = time.perf_counter()
    corpus = [paper_tokens(p, engine.weights) for p in papers]
    reference = BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    build = time.perf_counter() - started
    times, same = [], 0
    for query in queries:
        # The search's own terms, acronyms not expanded.
        terms = engine.snapshot.plain_terms(parse_query(query))
        t = time.perf_counter()
        scores = reference.get_scores(terms)
        top = sorted(range(len(scores)), key=lambda d: -scores[d])[:10]
        times.append((time.perf_counter() - t) * 1000)
        ours = [doc for doc, _ in engine.snapshot.index.top_groups([[(t,)] for t in terms], 10)]
        floor = scores.min() + 1e-9  # BM25Plus gives non-matching papers a constant
        ref_scores = sorted((scores[d] for d in top if scores[d] > floor), reverse=True)
        our_scores = sorted((scores[d] for d in ours), reverse=True)
        same += all(abs(a - b) <= 1e-6 * max(1.0, abs(a)) for a, b in zip(
            ref_scores, our_scores, strict=False)) and len(ours) == len(ref_scores)
    return {"build_s": build, "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99),
            "top10_equal": f"{same}/{len(queries)}"}


def bench_fts5(papers: list[PaperRecord], queries: list[str]) -> dict:
    db = sqlite3.connect(":memory:")
    started = time.perf_counter()
    db.execute("CREATE VIRTUAL TABLE f USING fts5(title, authors, summary, tokenize='porter')")
    db.executemany("INSERT INTO f VALUES (?, ?, ?)",
                   [(p.title, ", ".join(p.authors), p.summary) for p in papers])
    build = time.perf_counter() - started
    times = []
    for query in queries:
        words = re.findall(r"\w+", query)
        match = " OR ".join(f'"{w}"' for w in words)
        t = time.perf_counter()
        db.execute("SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f, 3.0, 1.0, 1.0) "
                   "LIMIT 10", (match,)).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return {"build_s": build, "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99)}


def write_digests(papers: list[PaperRecord], directory: Path) -> None:
    by_day: dict[str, list[PaperRecord]] = {}
    for paper in papers:
        by_day.setdefault(paper.dates[-1], []).append(paper)
    for day, rows in by_day.items():
        year, month, dom = day.split("-")
        path = directory / year / month / f"{dom}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"# Papers for {day}", "", "| Title | Authors | Summary |",
                 "|-------|---------|---------|"]
        for p in rows:
            lines.append(f"| {p.title.replace('|', '/')} (Read more on [arXiv]"
                         f"(https://arxiv.org/abs/{p.arxiv_id}) or [HuggingFace]"
                         f"(https://huggingface.co/papers/{p.arxiv_id}))| {', '.join(p.authors)}"
                         f" | {p.summary.replace('|', '/')} |")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _bot_env(db: Path, corpus: Path) -> dict[str, str]:
    return {**os.environ, "PAPERS_DB": str(db), "CORPUS_DIR": str(corpus),
            "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}


def _drop_index_cache(db: Path) -> None:
    shutil.rmtree(db.with_name(db.name + ".index"), ignore_errors=True)


def measure_search(env: dict[str, str], cwd: Path, queries: list[str]) -> dict:
    """A warm `python -m bot search --json -`: start-up to the first answer, latency, RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "search", "--json", "-"], env=env,
                            cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            bufsize=1)
    assert proc.stdin and proc.stdout
    proc.stdin.write("warm up\n")
    proc.stdin.flush()
    json.loads(proc.stdout.readline())
    startup = time.perf_counter() - started
    times = []
    for query in queries:
        t = time.perf_counter()
        proc.stdin.write(query + "\n")
        proc.stdin.flush()
        json.loads(proc.stdout.readline())
        times.append((time.perf_counter() - t) * 1000)
    rss, peak = _rss_mb(proc.pid)
    proc.stdin.close()
    proc.wait()
    return {"startup_s": startup, "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99),
            "rss_mb": rss, "peak_rss_mb": peak}


def bench_cli(papers: list[PaperRecord], queries: list[str]) -> dict:
    """Ingest, then the search process without the saved index (it builds and saves it) and
    with it."""
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        corpus = Path(tmp) / "corpus"
        write_digests(papers, corpus)
        db = Path(tmp) / "papers.db"
        env = _bot_env(db, corpus)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ingest"], env=env, cwd=tmp, check=True,
                       capture_output=True)
        ingest = time.perf_counter() - started
        _drop_index_cache(db)
        built = measure_search(env, Path(tmp), queries)
        cached = measure_search(env, Path(tmp), queries)
    return {"ingest_s": ingest, "built": built, "cached": cached}


_BOT_READY = """
import asyncio, sys
from pathlib import Path
from tests.bot_support import running_bot

async def main():
    async with running_bot(Path(sys.argv[1]), corpus=()) as run:
        print("ready", run.bot.engine.cache_status, len(run.bot.engine), flush=True)

asyncio.run(main())
"""


def bot_start(tmp: Path) -> tuple[float, str]:
    """Seconds from process start to the real bot being ready on the fake Discord."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _BOT_READY, str(tmp)], cwd=ROOT,
                          env=_bot_env(tmp / "paperboy.db", tmp / "corpus"), check=True,
                          capture_output=True, text=True)
    ready = next(line for line in proc.stdout.splitlines() if line.startswith("ready"))
    return time.perf_counter() - started, ready


def bench_real(queries: int) -> None:
    """Cold start on the real corpus: the CLI and the bot, without and with the saved index."""
    papers = [p for path in find_digest_files(REAL)
              for p in parse_digest(path.read_text("utf-8", "replace")).papers]
    wanted = make_queries([PaperRecord(p.arxiv_id, p.title, p.authors, p.summary, (p.date,),
                                       p.source) for p in papers], queries)
    with tempfile.TemporaryDirectory(prefix="bench-real-") as name:
        tmp = Path(name)
        db = tmp / "paperboy.db"
        env = _bot_env(db, REAL)
        subprocess.run([sys.executable, "-m", "bot", "ingest"], env=env, cwd=tmp, check=True,
                       capture_output=True)
        _drop_index_cache(db)
        built = measure_search(env, tmp, wanted)
        cached = measure_search(env, tmp, wanted)
        print("\n== corpus-real ==")
        for label, run in (("built", built), ("cached", cached)):
            print(f"CLI search ({label} index)  start {run['startup_s']:.2f} s"
                  f"  p50 {run['p50_ms']:.2f} ms  p99 {run['p99_ms']:.2f} ms"
                  f"  RSS {run['rss_mb']:.0f} MB (peak {run['peak_rss_mb']:.0f} MB)")
        try:
            _drop_index_cache(db)
            for label in ("built", "cached"):
                seconds, ready = bot_start(tmp)
                print(f"bot process start to ready on the fake Discord ({label} index):"
                      f" {seconds:.2f} s  [{ready}]")
        except (subprocess.CalledProcessError, StopIteration) as error:
            print(f"bot start not measured: {error}")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ref-queries", type=int, default=30,
                        help="queries for rank-bm25 (slow: it scans every document)")
    parser.add_argument("--real", action="store_true",
                        help="also cold starts (CLI and bot) on ../shared/corpus-real")
    args = parser.parse_args()
    print(f"material: {'corpus-real' if REAL.is_dir() else 'Zipf vocabulary'}")
    if args.real and REAL.is_dir():
        bench_real(args.queries)
    for size in (int(s) for s in args.sizes.split(",") if s):
        papers = synthetic(size)
        queries = make_queries(papers, args.queries)
        engine, ours = bench_engine(papers, queries)
        ref = bench_rank_bm25(engine, papers, queries[: args.ref_queries])
        fts = bench_fts5(papers, queries)
        del engine
        cli = bench_cli(papers, queries)
        print(f"\n== {size} papers ==")
        print(f"index   build {ours['build_s']:.1f} s  p50 {ours['p50_ms']:.2f} ms"
              f"  p99 {ours['p99_ms']:.2f} ms")
        print(f"rank-bm25 BM25Plus  build {ref['build_s']:.1f} s  p50 {ref['p50_ms']:.1f} ms"
              f"  p99 {ref['p99_ms']:.1f} ms  (x{ref['p50_ms'] / ours['p50_ms']:.0f} p50 slower)"
              f"  top-10 equal {ref['top10_equal']}")
        print(f"FTS5 bm25()  build {fts['build_s']:.1f} s  p50 {fts['p50_ms']:.2f} ms"
              f"  p99 {fts['p99_ms']:.2f} ms  (ratio to ours p50"
              f" {fts['p50_ms'] / ours['p50_ms']:.1f}, p99 {fts['p99_ms'] / ours['p99_ms']:.1f})")
        print(f"CLI  ingest {cli['ingest_s']:.1f} s")
        for label in ("built", "cached"):
            run = cli[label]
            print(f"CLI search --json - ({label} index)  start {run['startup_s']:.2f} s"
                  f"  p50 {run['p50_ms']:.2f} ms  p99 {run['p99_ms']:.2f} ms"
                  f"  RSS {run['rss_mb']:.0f} MB (peak {run['peak_rss_mb']:.0f} MB)")
        print(json.dumps({"size": size, "index": ours, "rank_bm25": ref, "fts5": fts,
                          "cli": cli}, default=lambda v: round(v, 3) if isinstance(v, float)
                         else str(v)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
