"""Watch matching benchmark: 1,000 watches against a new digest of 30 papers.

    python bench/watches.py [--watches 1000] [--papers 30] [--seed 1]

The corpus is ../shared/corpus-real (else the test fixtures), ingested into a temporary
database; the "new digest" is the newest day's papers (topped up from the days before to
`--papers`). The watches are drawn from the corpus itself so that they match something: 60%
words (two words of a real title), 30% authors (real names), 10% `like:` a real paper, owned by
one member per 4 watches. Timed as the bot does it when a digest arrives: reading the papers
(`candidates`), asking the engine once per distinct name and paper (`gather`), and `match`
with the grouping per member. The semantic layer is off (`like:` uses BM25 `similar`). Prints
the seconds of each part and in total (target: under a second). Not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.corpus.ingest import ingest_directory  # noqa: E402
from bot.search import SearchEngine  # noqa: E402
from bot.store import Store, Watch  # noqa: E402
from bot.watching import by_member, candidates, gather, match, words_of  # noqa: E402

REAL = ROOT.parent / "shared" / "corpus-real"
FIXTURES = ROOT / "tests" / "fixtures" / "digests"


def make_watches(records, count: int, rng: random.Random) -> list[Watch]:
    titles = [r.title for r in records]
    authors = sorted({a for r in records for a in r.authors if len(a) > 3})
    ids = [r.arxiv_id for r in records]
    watches: list[Watch] = []
    while len(watches) < count:
        n = len(watches)
        roll = rng.random()
        if roll < 0.6:
            words = [w for w in rng.choice(titles).split() if len(words_of(w)) == 1]
            if len(words) < 2:
                continue
            kind, query = "words", " ".join(rng.sample(words, 2))
        elif roll < 0.9 and authors:
            kind, query = "author", rng.choice(authors)
        else:
            kind, query = "like", rng.choice(ids)
        watches.append(Watch(n + 1, 1, n // 4, kind, query))
    return watches


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--watches", type=int, default=1000)
    parser.add_argument("--papers", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = REAL if REAL.is_dir() else FIXTURES
    with tempfile.TemporaryDirectory() as tmp:
        async with await Store.open(Path(tmp) / "bench.db") as store:
            started = time.perf_counter()
            await ingest_directory(store, corpus)
            engine = await SearchEngine.build(store, cache=False)
            setup = time.perf_counter() - started
            records = [r async for r in store.iter_papers()]
            digest: list = []
            for day in reversed(await store.digest_dates()):
                digest += [p for p in await store.papers_on(day)
                           if p.arxiv_id not in {d.arxiv_id for d in digest}]
                if len(digest) >= args.papers:
                    break
            digest = digest[:args.papers]
            watches = make_watches(records, args.watches, random.Random(args.seed))

            t0 = time.perf_counter()
            read = candidates(digest)
            t1 = time.perf_counter()
            evidence = await gather(engine, store, watches, read)
            t2 = time.perf_counter()
            found = match(read, watches, evidence)
            members = by_member(watches, found)
            t3 = time.perf_counter()
    kinds = {k: sum(w.kind == k for w in watches) for k in ("words", "author", "like")}
    print(f"corpus: {corpus} ({len(records):,} papers; ingest + index {setup:.1f} s)")
    print(f"watches: {len(watches):,} ({kinds['words']} words, {kinds['author']} authors,"
          f" {kinds['like']} like:), {len({w.user_id for w in watches})} members;"
          f" new papers: {len(digest)}")
    print(f"read papers {t1 - t0:.3f} s · engine lookups {t2 - t1:.3f} s"
          f" ({len(evidence.authors)} names, {len(evidence.likes)} papers)"
          f" · match {t3 - t2:.3f} s")
    print(f"total {t3 - t0:.3f} s: {len(found):,} matches for {len(members)} members"
          f" (target < 1 s)")


if __name__ == "__main__":
    asyncio.run(main())
