"""A new digest is indexed while searches are answered: no reader ever sees a half-applied update.

`SearchEngine.update` tokenises in a worker thread; the event loop keeps answering queries from
the same engine meanwhile. Every query during an update must behave as it does before or after
it: no exception, results from one consistent index.
"""

from __future__ import annotations

import asyncio
import random
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.corpus.ingest import ingest_directory
from bot.search import SearchEngine
from bot.store import Store

from .bot_support import EPHEMERAL, command, embeds_of, running_bot

SYLLABLES = ["ka", "lo", "mi", "ter", "vos", "dra", "pen", "sul", "rix", "gam", "tho", "nel"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def _paper_row(rng: random.Random, arxiv_id: str, extra: str = "") -> str:
    long_form = [_word(rng) for _ in range(3)]
    acronym = "".join(w[0] for w in long_form).upper()
    title = " ".join(_word(rng).capitalize() for _ in range(4))
    summary = (f"We study {' '.join(long_form)} ({acronym}) for {_word(rng)} {_word(rng)}. "
               f"{' '.join(_word(rng) for _ in range(25))}. {extra}")
    authors = f"{_word(rng).capitalize()} {_word(rng).capitalize()}, Ann Lee"
    return (f"| {title} (Read more on [arXiv](https://arxiv.org/abs/{arxiv_id}) or "
            f"[HuggingFace](https://huggingface.co/papers/{arxiv_id}))| {authors} | {summary} |")


def _digest(day: str, rows: list[str]) -> str:
    head = [f"# Papers for {day}", "", "| Title | Authors | Summary |", "|---|---|---|"]
    return "\n".join(head + rows) + "\n"


def write_synthetic_corpus(directory: Path, days: int = 6, per_day: int = 60) -> list[str]:
    """`days` digests of `per_day` made-up papers (each defines an acronym); their dates."""
    rng = random.Random(5)
    directory.mkdir(parents=True, exist_ok=True)
    dates = [f"2025-04-{day + 1:02d}" for day in range(days)]
    for d, day in enumerate(dates):
        rows = [_paper_row(rng, f"2504.{d:02d}{i:03d}") for i in range(per_day)]
        (directory / f"{day}.md").write_text(_digest(day, rows), "utf-8")
    return dates


def rewriter(directory: Path, store: Store, day: str, per_day: int = 60
             ) -> Callable[[int], Awaitable[None]]:
    """Round i rewrites `day`'s digest (new words, new acronyms, one paper fewer or more) and
    ingests it, so every update adds vocabulary and changes papers."""
    d = int(day[-2:]) - 1

    async def rewrite(i: int) -> None:
        rng = random.Random(1000 + i)
        rows = [_paper_row(rng, f"2504.{d:02d}{n:03d}", f"Round {_word(rng)}{i}x.")
                for n in range(per_day - i % 2)]
        (directory / f"{day}.md").write_text(_digest(day, rows), "utf-8")
        await ingest_directory(store, directory)

    return rewrite


QUERIES: list[tuple[str, dict[str, str]]] = [
    ("kalomi terdra", {}),
    ("kalomi terdra", {"since": "2025-04-02", "until": "2025-04-05"}),
    ("vosdra", {"since": "2025-04-06"}),
    ("kalomii gamthoo penssul", {}),  # typos: corrected against the vocabulary
    ("KTV retrieval", {}),  # written as an acronym
    ("language models agents reasoning", {"until": "2025-10-01"}),
    ("reinforcement learning", {"since": "2025-01-01"}),
    ("RL LLMs", {}),
    ("zzqqxy unknownish wordings", {}),
]


async def reindex_while_querying(engine: SearchEngine, store: Store, day: str, rounds: int,
                                 rewrite: Callable[[int], Awaitable[None]] | None = None
                                 ) -> tuple[list[str], int]:
    """Update `day` `rounds` times (after `rewrite(i)` if given) while the event loop keeps
    running every kind of query; (the failures as text, the query rounds run)."""
    failures: list[str] = []
    finished = asyncio.Event()
    query_rounds = 0

    async def reindex() -> None:
        try:
            for i in range(rounds):
                if rewrite is not None:
                    await rewrite(i)
                await engine.update(store, [day])
        finally:
            finished.set()

    async def query() -> None:
        nonlocal query_rounds
        while not finished.is_set():
            for text, dates in QUERIES:
                try:
                    hits = engine.search(text, limit=10, **dates)
                    engine.query_terms(text)
                    for hit in hits:
                        assert engine.paper(hit.arxiv_id) is not None
                    engine.author("Ann Lee")
                    engine.complete_title(text[:4])
                    engine.complete_author(text[:3])
                except Exception as error:
                    failures.append(f"{text!r} {dates}: {type(error).__name__}: {error}")
                await asyncio.sleep(0)
            query_rounds += 1

    await asyncio.gather(reindex(), query())
    return failures, query_rounds


async def test_queries_during_updates_of_a_synthetic_corpus_never_fail(tmp_path: Path) -> None:
    corpus = tmp_path / "digests"
    dates = write_synthetic_corpus(corpus)
    async with await Store.open(tmp_path / "papers.db") as store:
        await ingest_directory(store, corpus)
        engine = await SearchEngine.build(store, cache=False)
        failures, rounds = await reindex_while_querying(
            engine, store, dates[-1], 25, rewriter(corpus, store, dates[-1]))
        assert rounds > 25
        assert failures == []
        # After the last round the index holds what the store holds, as a fresh build does.
        fresh = await SearchEngine.build(store, cache=False)
        assert len(engine) == len(fresh) == 6 * 60
        for text, kwargs in QUERIES:
            assert ([(h.arxiv_id, round(h.score, 9)) for h in engine.search(text, **kwargs)]
                    == [(h.arxiv_id, round(h.score, 9)) for h in fresh.search(text, **kwargs)])


async def test_queries_during_updates_of_the_real_corpus_never_fail(real_corpus: Path,
                                                                    tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "papers.db") as store:
        await ingest_directory(store, real_corpus)
        engine = await SearchEngine.build(store, cache=False)
        day = (await store.digest_dates())[-1]
        failures, rounds = await reindex_while_querying(engine, store, day, 10)
        assert rounds > 0
        assert failures == []
        # A changed day too: its file copied, rewritten with new words, ingested, re-indexed.
        directory = tmp_path / "day"
        directory.mkdir()
        source = real_corpus / day[:4] / day[5:7] / f"{day[8:]}.md"
        original = source.read_text("utf-8")

        async def rewrite(i: int) -> None:
            text = original.replace(" |\n", f" Round zqv{'k' * (i % 7 + 1)}rlo{i}. |\n")
            (directory / f"{day}.md").write_text(text, "utf-8")
            await ingest_directory(store, directory)

        failures, _ = await reindex_while_querying(engine, store, day, 6, rewrite)
        assert failures == []


async def test_search_through_discord_while_a_digest_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "synthetic"
    dates = write_synthetic_corpus(corpus)
    shutil.copytree(Path(__file__).parent / "fixtures" / "bot_corpus", tmp_path / "bot_corpus")
    async with running_bot(tmp_path, corpus=(corpus, tmp_path / "bot_corpus")) as run:
        bot = run.bot
        rewrite = rewriter(corpus, bot.store, dates[-1])
        finished = asyncio.Event()

        async def reindex() -> None:
            try:
                for i in range(15):
                    await rewrite(i)
                    await bot.engine.update(bot.store, [dates[-1]])
            finally:
                finished.set()

        task = asyncio.create_task(reindex())
        replies = []
        while not finished.is_set() or not replies:
            for query, dates_ in (("retrieval", {}), ("kalomii terdra", {}),
                                  ("vosdra", {"since": "2025-04-06"})):
                _, message = await command(run.fake, "search", {"query": query, **dates_})
                replies.append(message)
        await task
        failed = [m for m in replies if "Something went wrong" in (m.get("content") or "")]
        assert failed == []
        assert all(embeds_of(m) or m["flags"] & EPHEMERAL for m in replies)
        assert len(replies) >= 3
