"""200 concurrent /search interactions at the real Paperboy through the fake Discord.

    python bench/interactions.py [--n 200] [--corpus DIR] [--gc-freeze] [--in-process]

The real corpus (../shared/corpus-real) is ingested into a temporary database, the fake Discord
(tests/fake_discord) is started here and the bot in a process of its own, as in production
(`--in-process` runs both in one event loop, as the tests do: the fake's work then counts
against the bot). N /search interactions, made of words from real titles, are dispatched at
once. Prints:

* acknowledgement latency (INTERACTION_CREATE sent → callback received by the fake)
  p50/p99/max and how many took over 3 s — targets: p99 < 500 ms, 0 over 3 s;
* how long until each result message was complete;
* the longest single event-loop callback in the bot's process while measured (target ~50 ms);
* autocomplete latency of /paper and /author (target < 300 ms).

The bot calls gc.freeze() itself once its index is loaded (bot/app.py), so full garbage
collections skip the index's objects, which otherwise stall the event loop for 100–300 ms;
`--gc-freeze` freezes once more when it is ready (objects made while connecting).

The fake's HTTP server listens with aiohttp's default backlog of 128: 200 simultaneous new
connections overflow it and TCP retries the dropped ones after 1 s, which shows up as ~1.1 s
acknowledgements that have nothing to do with the bot (a trivial discord.py bot shows the
same). Real Discord does not drop them, so the fake listens with a backlog of 1024 here
(`--backlog 128` shows the artefact). Not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import logging
import os
import random
import re
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.store import Store  # noqa: E402
from tests.bot_support import (  # noqa: E402
    default_fake,
    message_problems,
    prepare_db,
    running_bot,
)

REAL = ROOT.parent / "shared" / "corpus-real"
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
AUTHOR_PREFIXES = ["li", "wang", "zhang", "chen", "liu", "yang", "sun", "wei", "xu", "zhou",
                   "ma", "kim", "lee", "park", "guo"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def make_queries(titles: list[str], n: int, seed: int = 7) -> list[str]:
    """1–3 words from real titles (so most queries find something)."""
    rng = random.Random(seed)
    queries = []
    while len(queries) < n:
        words = _WORD_RE.findall(rng.choice(titles))
        if words:
            queries.append(" ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))))
    return queries


def _describe(handle: asyncio.events.Handle) -> str:
    """The coroutine a task-step handle ran, else the handle."""
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        return f"task {task.get_name()!r}: {getattr(coro, '__qualname__', coro)}"
    return repr(handle)[:160]


class SlowCallbacks:
    """The longest single event-loop callbacks (task steps, I/O callbacks) while active: how
    long the loop could not serve anything else."""

    def __init__(self) -> None:
        self.worst: list[tuple[float, str]] = []
        self._original = asyncio.events.Handle._run

    def __enter__(self) -> SlowCallbacks:
        original, worst = self._original, self.worst

        def timed(handle: asyncio.events.Handle) -> None:
            started = time.perf_counter()
            original(handle)
            spent = time.perf_counter() - started
            if spent > 0.005:
                worst.append((spent, _describe(handle)))

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]
        self.worst.sort(reverse=True)

    def report(self) -> dict[str, Any]:
        return {"worst": self.worst[:3], "over_50ms": sum(t > 0.05 for t, _ in self.worst)}


def print_stalls(report: dict[str, Any], where: str) -> None:
    worst = report["worst"]
    print(f"longest single event-loop callback ({where}): "
          f"{ms(worst[0][0]) if worst else '< 5 ms'}; {report['over_50ms']} over 50 ms")
    for spent, what in worst:
        print(f"   {ms(spent)}: {what}")


# --- the bot in its own process ---------------------------------------------------------------


async def serve_bot(freeze: bool) -> None:
    """Child process: run Paperboy against the fake at BENCH_API_BASE / BENCH_GATEWAY until
    SIGTERM. SIGUSR1 starts the measurement; the report is printed as JSON on stdout."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    from bot.app import Paperboy
    from bot.config import load_settings

    Route.BASE = os.environ["BENCH_API_BASE"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["BENCH_GATEWAY"])
    settings = load_settings(dict(os.environ), dotenv=False)
    bot = Paperboy(settings)
    bot._connection.guild_ready_timeout = 0.05
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    slow = SlowCallbacks()

    def measure() -> None:
        if freeze:
            gc.freeze()
        slow.__enter__()

    loop.add_signal_handler(signal.SIGUSR1, measure)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    runner = asyncio.create_task(bot.start(settings.token or ""))
    await stop.wait()
    slow.__exit__()
    print(json.dumps({**slow.report(), "frozen": gc.get_freeze_count()}), flush=True)
    await bot.close()
    await asyncio.wait({runner}, timeout=5)


async def start_bot_process(fake, db: Path, freeze: bool) -> asyncio.subprocess.Process:
    env = {**os.environ, "PAPERS_DB": str(db), "DISCORD_TOKEN": fake.token,
           "CORPUS_DIR": str(db.parent), "LOG_LEVEL": "WARNING",
           "BENCH_API_BASE": fake.api_base, "BENCH_GATEWAY": fake.gateway_url}
    args = [sys.executable, str(Path(__file__).resolve()), "--serve-bot"]
    process = await asyncio.create_subprocess_exec(
        *args, *(["--gc-freeze"] if freeze else []), env=env, stdout=asyncio.subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:  # ready once it answers
        if process.returncode is not None:
            raise SystemExit(f"the bot process exited with {process.returncode}")
        if time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the bot process did not answer within 60 s")
        if fake.commands() and fake.sessions:
            try:
                result = await fake.slash("about", timeout=2)
                await result.final_message(timeout=2)
                return process
            except Exception:  # not connected or not ready yet
                pass
        await asyncio.sleep(0.1)


# --- the measurement --------------------------------------------------------------------------


async def burst(fake, queries: list[str]) -> bool:
    for query in queries[:5]:  # warm up
        await (await fake.slash("search", {"query": query}, timeout=10)).final_message(timeout=10)
    fired = time.perf_counter()
    results = await asyncio.gather(
        *(fake.slash("search", {"query": q}, wait=False) for q in queries))
    await fake.wait_until(lambda: all(r.acknowledged for r in results), 60,
                          "every interaction to be acknowledged")
    await asyncio.gather(*(r.final_message(timeout=60) for r in results))
    total = time.perf_counter() - fired
    acks = [r.ack_latency for r in results]
    completion = [r.record.requests[-1].done_time - r.record.dispatched_at for r in results]
    over = sum(a > 3.0 for a in acks)
    kinds = {t: sum(r.callback_type == t for r in results) for t in (4, 5)}
    print(f"{len(queries)} concurrent /search ({kinds[5]} with results: deferred, then a "
          f"follow-up; {kinds[4]} without: answered at once) in {total:.2f} s")
    print(f"ack latency: p50 {ms(pct(acks, 50))}, p99 {ms(pct(acks, 99))}, max {ms(max(acks))};"
          f" over 3 s: {over}   (targets: p99 < 500 ms, 0 over 3 s)")
    print(f"complete reply: p50 {ms(pct(completion, 50))}, p99 {ms(pct(completion, 99))}, "
          f"max {ms(max(completion))}")
    return over == 0


async def autocompletes(fake, queries: list[str]) -> None:
    for command, option, prefixes in (
            ("paper", "query", [q[:k] for q in queries[:40] for k in (3, 8)]),
            ("author", "name", AUTHOR_PREFIXES)):
        times, sizes = [], []
        for prefix in prefixes:
            started = time.perf_counter()
            choices = await fake.autocomplete(command, {option: prefix}, focused=option)
            times.append(time.perf_counter() - started)
            sizes.append(len(choices))
        print(f"/{command} autocomplete ({len(times)} typed prefixes, one at a time): "
              f"p50 {ms(pct(times, 50))}, p99 {ms(pct(times, 99))}, max {ms(max(times))}; "
              f"≤ {max(sizes)} choices   (target < 300 ms)")


async def bench(corpus: Path, n: int, freeze: bool, in_process: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        db = await prepare_db(Path(tmp) / "paperboy.db", (corpus,))
        async with await Store.open(db) as store:
            titles = [record.title async for record in store.iter_papers()]
        print(f"corpus: {len(titles):,} papers from {corpus} (ingest "
              f"{time.perf_counter() - started:.1f} s); the bot runs "
              + ("in this process and event loop, with the fake" if in_process
                 else "in a process of its own"))
        queries = make_queries(titles, n)
        async with default_fake() as fake:
            if in_process:
                async with running_bot(Path(tmp), corpus=(), fake=fake, ready_timeout=60):
                    if freeze:
                        gc.freeze()
                    with SlowCallbacks() as slow:
                        ok = await burst(fake, queries)
                        await autocompletes(fake, queries)
                    print_stalls(slow.report(), "bot and fake together")
            else:
                process = await start_bot_process(fake, db, freeze)
                try:
                    process.send_signal(signal.SIGUSR1)
                    ok = await burst(fake, queries)
                    await autocompletes(fake, queries)
                finally:
                    process.send_signal(signal.SIGTERM)
                    out, _ = await asyncio.wait_for(process.communicate(), 30)
                report = json.loads(out.decode().strip().splitlines()[-1])
                if freeze:
                    print(f"gc.freeze() in the bot: {report['frozen']:,} objects")
                print_stalls(report, "the bot's process")
            problems = message_problems(fake)
        print(f"Discord would have refused or pinged: {len(problems)}")
        for problem in problems[:10]:
            print("  ", problem)
    return 0 if ok and not problems else 1


def listen_backlog(backlog: int) -> None:
    """Make aiohttp sites (the fake's server) listen with this backlog."""
    original = web.TCPSite.__init__

    @functools.wraps(original)
    def init(self, *args, **kwargs):
        kwargs["backlog"] = backlog
        original(self, *args, **kwargs)

    web.TCPSite.__init__ = init


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="concurrent interactions")
    parser.add_argument("--corpus", type=Path, default=REAL, help="digest folder")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() in the bot once it is ready")
    parser.add_argument("--in-process", action="store_true",
                        help="run the bot in this process's event loop, with the fake")
    parser.add_argument("--backlog", type=int, default=1024,
                        help="the fake server's listen backlog (aiohttp's default is 128)")
    parser.add_argument("--serve-bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("discord", "bot.corpus.ingest"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if args.serve_bot:
        asyncio.run(serve_bot(args.gc_freeze))
        return 0
    if not args.corpus.is_dir():
        print(f"error: the real corpus is not at {args.corpus}: pass --corpus DIR (a folder of "
              "digest files), or put it at ../shared/corpus-real", file=sys.stderr)
        return 2
    listen_backlog(args.backlog)
    return asyncio.run(bench(args.corpus, args.n, args.gc_freeze, args.in_process))


if __name__ == "__main__":
    sys.exit(main())
