"""Memory and start-up time of the running bot, through the local fake Discord.

    python bench/footprint.py [--corpus DIR] [--commands 1000] [--starts 3] [--concurrency 4]
                              [--model DIR]

The real corpus (default ../shared/corpus-real) is ingested into a temporary database first
(`python -m bot ingest`, not measured). The fake Discord (tests/fake_discord) runs in this
process; the bot runs in a process of its own, as `python -m bot` does in production (this
file with `--serve`: it points discord.py's REST base URL and gateway at the fake, taken from
PAPERBOY_FAKE_API / PAPERBOY_FAKE_GATEWAY, then calls `bot.cli.main([])`), so the resident
memory measured is the bot's alone.

The bot is started `--starts` times on the same database:

* start 1 without the saved search index (`<PAPERS_DB>.index/`, removed first): the index is
  built from the database and saved; later starts load it;
* for each start: seconds from process start to the gateway IDENTIFY, to the first /search
  answered (the bot serves from here), and to `on_ready` (discord.py waits
  `guild_ready_timeout`, 0.5 s in this bot, after the last GUILD_CREATE before it fires);
* on the first two starts, `--commands` mixed interactions (/search, /paper, /today, /author,
  /ask and the autocomplete of /paper and /author; `--concurrency` in flight), then RSS
  (VmRSS) and peak RSS (VmHWM) from /proc.

With `--model DIR` (e.g. ../shared/models/all-MiniLM-L6-v2-int8) the bot runs with semantic
search (EMBED_MODEL_PATH): start 1 also has no saved vectors, so it embeds the corpus in the
background while it answers; the log line that says how long that took is printed.

Targets: RSS < 150 MB after 1,000 commands (issue 6), < 250 MB with the model (issue 9); the
first answer < 3 s after the start, even while the vectors are built. Not run by the tests.
Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL = ROOT.parent / "shared" / "corpus-real"
TOKEN = "MTIz.footprint-bench.token"
RSS_TARGET_MB = 150
RSS_TARGET_WITH_MODEL_MB = 250
START_TARGET_S = 3.0
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z-]{3,}")


# --- the child: `python -m bot`, pointed at the fake ------------------------------------------


def serve() -> int:
    """Run the bot exactly as `python -m bot` does, against the fake named in the environment."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    Route.BASE = os.environ["PAPERBOY_FAKE_API"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["PAPERBOY_FAKE_GATEWAY"])
    from bot.cli import main as bot_main

    return bot_main([])


class BotProcess:
    """The bot in a child process; its output lines (logs) are kept with the time they came."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve"], env=env, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.lines.append((time.monotonic(), line.rstrip()))

    def seconds_to(self, text: str) -> float | None:
        """Seconds from process start to the first log line containing `text`."""
        for when, line in list(self.lines):
            if text in line:
                return when - self.started
        return None

    def memory_mb(self) -> dict[str, float]:
        values = {}
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for key in ("VmRSS", "VmHWM"):
            match = re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE)
            values[key] = int(match.group(1)) / 1024 if match else float("nan")
        return values

    def stop(self) -> tuple[int, float]:
        """SIGTERM, as systemd and Docker stop it; returns (exit code, seconds to exit)."""
        asked = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(timeout=5)
        return code, time.monotonic() - asked

    def milestones(self, words=("logging in", "index", "slash commands", "connected to Gateway",
                                "semantic search",
                                "ready as")) -> list[str]:
        """The child's log lines about the index, the command sync and readiness, timed."""
        return [f"{when - self.started:5.2f} s  {line.split(': ', 1)[-1][:90]}"
                for when, line in list(self.lines) if any(w in line for w in words)]

    def tail(self, n: int = 15) -> str:
        return "\n".join(line for _, line in self.lines[-n:])


# --- the workload -----------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def workload(corpus: Path, n: int, seed: int = 6) -> list[tuple[str, str, dict[str, str]]]:
    """`n` (kind, command, options) drawn from the real corpus: ids, title words, authors,
    dates, questions, and typed prefixes for the autocompletes."""
    from bot.corpus.files import find_digest_files
    from bot.digest import date_from_filename, parse_digest

    papers, dates = [], []
    for path in find_digest_files(corpus):
        name = path.relative_to(corpus).as_posix()
        digest = parse_digest(path.read_text("utf-8", "replace"), name, date_from_filename(name))
        papers.extend(digest.papers)
        if digest.date:
            dates.append(digest.date)
    rng = random.Random(seed)

    def words(k: int) -> str:
        found = _WORD_RE.findall(rng.choice(papers).title)
        return " ".join(rng.sample(found, min(len(found), k))) if found else "language model"

    makers = [
        ("search", lambda: ("search", {"query": words(rng.randint(1, 3))})),
        ("paper", lambda: ("paper", {"query": rng.choice(papers).arxiv_id})),
        ("today", lambda: ("today", {"date": rng.choice(dates)} if rng.random() < 0.7 else {})),
        ("author", lambda: ("author", {"name": rng.choice(rng.choice(papers).authors or ("Li",))})),
        ("ask", lambda: ("ask", {"question": f"what is {words(2)}?"})),
        ("autocomplete /paper", lambda: ("paper", {"query": words(2)[: rng.randint(3, 12)]})),
        ("autocomplete /author",
         lambda: ("author", {"name": rng.choice(rng.choice(papers).authors or ("Li",))[:4]})),
    ]
    plan = []
    for i in range(n):
        kind, make = makers[i % len(makers)]
        command, options = make()
        plan.append((kind, command, options))
    rng.shuffle(plan)
    return plan


async def run_one(fake, kind: str, command: str, options: dict[str, str]) -> None:
    if kind.startswith("autocomplete"):
        option = next(iter(options))
        await fake.autocomplete(command, options, focused=option, timeout=10)
    else:
        result = await fake.slash(command, options, timeout=10)
        await result.final_message(timeout=10)


async def serve_commands(fake, plan, concurrency: int) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    queue = list(reversed(plan))

    async def worker() -> None:
        while queue:
            kind, command, options = queue.pop()
            started = time.perf_counter()
            try:
                await run_one(fake, kind, command, options)
            except Exception as error:  # counted and shown, the run goes on
                failures[f"{kind}: {type(error).__name__}"] += 1
                continue
            latencies[kind].append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    for what, count in sorted(failures.items()):
        print(f"    FAILED {count}× {what}")
    return latencies


# --- one start --------------------------------------------------------------------------------


async def wait_until_serving(fake, bot: BotProcess, identifies_before: int) -> dict[str, float]:
    """Seconds from process start to IDENTIFY and to the first /search answered."""
    deadline = time.monotonic() + 60
    identify = None
    while identify is None:
        if bot.process.poll() is not None:
            raise SystemExit(f"the bot exited with {bot.process.returncode}:\n{bot.tail()}")
        if time.monotonic() > deadline:
            raise SystemExit(f"no IDENTIFY within 60 s:\n{bot.tail()}")
        frames = [f for f in fake.gateway_frames if f.direction == "in" and f.op == 2]
        if len(frames) > identifies_before:
            identify = frames[identifies_before].time
        await asyncio.sleep(0.002)
    while True:
        try:
            result = await fake.slash("search", {"query": "language model"}, timeout=2)
            await result.final_message(timeout=5)
            answered = time.monotonic()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise SystemExit(f"no answer within 60 s:\n{bot.tail()}") from None
            await asyncio.sleep(0.01)
    return {"identify": identify - bot.started, "first answer": answered - bot.started}


async def one_start(fake, env: dict[str, str], cwd: Path, number: int, plan,
                    concurrency: int) -> dict[str, float]:
    identifies = len([f for f in fake.gateway_frames if f.direction == "in" and f.op == 2])
    bot = BotProcess(env, cwd)
    try:
        times = await wait_until_serving(fake, bot, identifies)
        deadline = time.monotonic() + 10
        while bot.seconds_to("ready as") is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        times["on_ready"] = bot.seconds_to("ready as") or float("nan")
        memory = bot.memory_mb()
        print(f"start {number}: IDENTIFY {times['identify']:.2f} s, first /search answered "
              f"{times['first answer']:.2f} s, on_ready {times['on_ready']:.2f} s; "
              f"RSS {memory['VmRSS']:.0f} MB once serving")
        for line in bot.milestones():
            print(f"    {line}")
        if os.environ.get("FOOTPRINT_DEBUG"):
            print(bot.tail(60))
        if plan:
            await asyncio.sleep(1.0)  # the corpus watcher's first look at CORPUS_DIR
            started = time.perf_counter()
            latencies = await serve_commands(fake, plan, concurrency)
            spent = time.perf_counter() - started
            served = sum(len(v) for v in latencies.values())
            memory = bot.memory_mb()
            times.update(rss=memory["VmRSS"], peak=memory["VmHWM"])
            print(f"    {served} of {len(plan)} commands in {spent:.1f} s "
                  f"({concurrency} in flight); per kind p50 / p99:")
            for kind in sorted(latencies):
                values = latencies[kind]
                print(f"      {kind:22s} {len(values):4d}  {pct(values, 50) * 1000:6.0f} ms"
                      f"  {pct(values, 99) * 1000:6.0f} ms")
            print(f"    RSS after them {memory['VmRSS']:.1f} MB, peak {memory['VmHWM']:.1f} MB"
                  f"   (target < {RSS_TARGET_MB} MB)")
        if "EMBED_MODEL_PATH" in env:
            deadline = time.monotonic() + 1800
            while bot.seconds_to("papers embedded in") is None and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            memory = bot.memory_mb()
            times.update(rss=max(times.get("rss", 0.0), memory["VmRSS"]),
                         peak=max(times.get("peak", 0.0), memory["VmHWM"]))
            print(f"    vectors ready {bot.seconds_to('papers embedded in') or float('nan'):.0f} s"
                  f" after the start; RSS {memory['VmRSS']:.1f} MB, peak "
                  f"{memory['VmHWM']:.1f} MB")
    finally:
        code, seconds = bot.stop()
    print(f"    stopped by SIGTERM in {seconds:.2f} s, exit code {code}")
    if code != 0:
        print(bot.tail())
    return times


async def bench(args: argparse.Namespace) -> int:
    from tests.fake_discord import FakeDiscord

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "data" / "papers.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DIGEST_"))}
        env.update(PAPERS_DB=str(db), CORPUS_DIR=str(args.corpus), LOG_LEVEL="INFO",
                   PYTHONPATH=str(ROOT), DISCORD_TOKEN=TOKEN, EMBED_MODEL="off")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ingest", str(args.corpus)], env=env,
                       cwd=tmp_path, check=True, capture_output=True)
        if args.model is not None:
            env.update(EMBED_MODEL_PATH=str(args.model.resolve()))
        stats = subprocess.run([sys.executable, "-m", "bot", "stats"], env=env, cwd=tmp_path,
                               check=True, capture_output=True, text=True).stdout.strip()
        print(f"corpus {args.corpus}: {stats} (ingested in {time.perf_counter() - started:.1f} s,"
              " not measured)")
        plan = workload(args.corpus, args.commands)
        fake = FakeDiscord(bot_name="Paperboy", token=TOKEN)
        fake.add_guild("Papers Club")
        results = []
        async with fake:
            env.update(PAPERBOY_FAKE_API=fake.api_base, PAPERBOY_FAKE_GATEWAY=fake.gateway_url)
            for number in range(1, args.starts + 1):
                index = db.with_name(db.name + ".index")
                if number == 1:
                    shutil.rmtree(index, ignore_errors=True)
                    shutil.rmtree(db.with_name(db.name + ".vectors"), ignore_errors=True)
                note = ("no saved index" if not index.exists() else "saved index present")
                print(f"-- start {number} ({note})")
                results.append(await one_start(fake, env, tmp_path, number,
                                               plan if number <= 2 else [], args.concurrency))
        violations = len(fake.violations)
    print()
    print("summary")
    for number, times in enumerate(results, 1):
        rss = f", RSS after {args.commands} commands {times['rss']:.1f} MB (peak " \
              f"{times['peak']:.1f} MB)" if "rss" in times else ""
        print(f"  start {number}: ready (first command answered) {times['first answer']:.2f} s"
              f" (target < {START_TARGET_S:.0f} s), on_ready {times['on_ready']:.2f} s{rss}")
    print(f"  requests Discord would have refused: {violations}")
    worst_rss = max((t["rss"] for t in results if "rss" in t), default=0.0)
    slow = [t["first answer"] for t in results if t["first answer"] >= START_TARGET_S]
    target = RSS_TARGET_MB if args.model is None else RSS_TARGET_WITH_MODEL_MB
    print(f"  RSS target {target} MB ({'with' if args.model else 'without'} the model)")
    return 0 if worst_rss < target and not slow and not violations else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REAL, help="folder of digest files")
    parser.add_argument("--commands", type=int, default=1000, help="interactions to serve")
    parser.add_argument("--starts", type=int, default=3, help="bot starts to time")
    parser.add_argument("--concurrency", type=int, default=4, help="interactions in flight")
    parser.add_argument("--model", type=Path, default=None,
                        help="a model folder: run with semantic search (EMBED_MODEL_PATH)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    if not args.corpus.is_dir():
        print(f"error: the real corpus is not at {args.corpus}; pass --corpus DIR (a folder of"
              " digest files) or put it at ../shared/corpus-real", file=sys.stderr)
        return 2
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
