"""`python -m bot [command]`: the Discord bot (no command), or a command on the same core.

Without a command the bot runs when DISCORD_TOKEN is set, else the offline console opens.

Machine-readable output (`--json`) goes to stdout; progress, warnings and logs go to
stderr so that stdout stays parseable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import plain
from .config import ConfigError, Settings, configure_logging, load_settings
from .corpus.ingest import IngestReport, ingest_directory
from .digest import normalize_arxiv_id
from .errors import UserError
from .store import Store
from .values import parse_date

if TYPE_CHECKING:
    from .search import Hit, SearchEngine
    from .search.answers import Answer
    from .search.authors import AuthorResult

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
T = TypeVar("T")


class UsageError(UserError):
    """Bad input on the command line: like every UserError, one line on stderr, exit status 2."""


def _emit_json(value: object) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def ingest_summary(report: IngestReport, stats_line: str) -> str:
    if report.new or report.changed:
        head = (f"ingested {report.files} digests ({report.new} new, {report.changed} changed,"
                f" {report.unchanged} unchanged)")
    else:
        head = f"nothing changed: {report.files} digests unchanged"
    return f"{head}: {stats_line}, {len(report.warnings)} warnings in {report.seconds:.2f} s"


async def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.dir) if args.dir else settings.require_corpus_dir()
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")

    def progress(done: int, total: int) -> None:
        print(f"... {done}/{total} files", file=sys.stderr, flush=True)

    async with await Store.open(settings.db_path) as store:
        report = await ingest_directory(store, directory, progress)
        stats = await store.stats()
        print(ingest_summary(report, f"{stats.papers} papers, {stats.appearances} appearances"),
              flush=True)
        if settings.embed_model is not None or settings.embed_model_path is not None:
            from .meaning import with_meaning  # vectors now, so the first search needs none
            from .search import SearchEngine

            await with_meaning(await SearchEngine.build(store), store, settings)
    return 0


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.db_path) as store:
        stats = await store.stats()
    if args.json:
        _emit_json(stats.as_dict())
    else:
        print(f"{stats.digests} digests ({stats.first_date} to {stats.latest_date}),"
              f" {stats.papers} papers, {stats.appearances} appearances")
        if stats.incomplete_days:
            print(f"{len(stats.incomplete_days)} incomplete days: "
                  + ", ".join(map(str, stats.incomplete_days)))
    return 0


async def cmd_paper(args: argparse.Namespace, settings: Settings) -> int:
    arxiv_id = normalize_arxiv_id(args.id)
    if arxiv_id is None:
        raise UsageError(f"{args.id!r} is not an arXiv id or arXiv/Hugging Face URL")
    async with await Store.open(settings.db_path) as store:
        paper = await store.get_paper(arxiv_id)
    if paper is None:
        _error(f"no paper {arxiv_id} in {settings.db_path} (run `python -m bot ingest` first?)")
        return 1
    if args.json:
        _emit_json({
            "arxiv_id": paper.arxiv_id,
            "title": paper.title,
            "authors": list(paper.authors),
            "summary": paper.summary,
            "dates": list(paper.dates),
            "url": paper.hf_url,
            "source": paper.source,
        })
    else:
        print(plain.paper_text(paper, paper.summary))
    return 0


# -- search, ask, author (the core in bot/search; QUERY "-" streams one query a line) ----------


async def _each_query(args: argparse.Namespace, settings: Settings,
                      answer: Callable[[SearchEngine, Store, str], Awaitable[T]], nothing: T,
                      as_json: Callable[[T], object], as_text: Callable[[T], str], *,
                      meaning: bool = True) -> int:
    """Answer the query on the command line (a UserError ends the run), or with QUERY `-` each
    line of stdin: an empty or refused line gets `nothing`, and in text each result is headed
    by `# the line`."""
    single = None if args.query == ["-"] else " ".join(args.query).strip()
    if single == "":
        raise UsageError("empty query")
    from .meaning import with_meaning  # numpy & co. stay off the fast paths of other commands
    from .search import SearchEngine

    def show(result: T, heading: str | None) -> None:
        if args.json:
            _emit_json(as_json(result))
            return
        if heading is not None:
            print(f"# {heading}")
        print(as_text(result), flush=True)

    async with await Store.open(settings.db_path) as store:
        engine = await SearchEngine.build(store)
        if meaning:
            await with_meaning(engine, store, settings)
        if single is not None:
            show(await answer(engine, store, single), None)
            return 0
        for line in sys.stdin:
            query = line.strip()
            try:
                result = await answer(engine, store, query) if query else nothing
            except UserError:
                result = nothing
            show(result, query)
    return 0


def _hits_json(hits: list[Hit]) -> object:
    return [hit.as_dict() for hit in hits]


async def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    since = parse_date(args.since, "--since") if args.since is not None else None
    until = parse_date(args.until, "--until") if args.until is not None else None
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")

    async def search(engine: SearchEngine, store: Store, query: str) -> list[Hit]:
        return engine.search(query, limit=args.limit, since=args.since, until=args.until)

    no_hits: list[Hit] = []
    return await _each_query(args, settings, search, no_hits, _hits_json, plain.hits_text)


async def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .search.answers import NO_ANSWER

    async def ask(engine: SearchEngine, store: Store, question: str) -> Answer:
        return await engine.ask(question, store)

    return await _each_query(args, settings, ask, NO_ANSWER, lambda a: a.as_dict(),
                             plain.answer_text)


Authored = tuple["AuthorResult | None", list["Hit"]]


async def cmd_author(args: argparse.Namespace, settings: Settings) -> int:
    async def author(engine: SearchEngine, store: Store, name: str) -> Authored:
        return engine.author(name)

    def as_text(found: Authored) -> str:
        return plain.author_text(*found)

    nobody: Authored = (None, [])
    return await _each_query(args, settings, author, nobody, lambda found: _hits_json(found[1]),
                             as_text, meaning=False)


async def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from .console import run_console

    return await run_console(settings)


NO_TOKEN_NOTICE = ("DISCORD_TOKEN is not set, so the Discord bot cannot start: opening the"
                   " offline console instead (put DISCORD_TOKEN=... in a .env file in this folder"
                   " to run the bot)")


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """No command: the Discord bot with a token, the offline console without one."""
    settings.require_corpus_dir()  # both load it; a wrong path is one clear line at start
    if not settings.token:
        print(NO_TOKEN_NOTICE, file=sys.stderr, flush=True)
        return await cmd_console(args, settings)
    from .app import run_bot  # discord.py is only imported for the commands that need it

    return await _with_discord(run_bot(settings))


async def _with_discord(work: Awaitable[None]) -> int:
    """Run a Discord login; a refused token or an unreachable Discord is one line, exit 2/1."""
    import aiohttp
    import discord

    try:
        await work
    except discord.LoginFailure as error:
        _error(f"Discord refused DISCORD_TOKEN ({error}); copy it again from the developer"
               " portal (Bot → Reset Token)")
        return 2
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound) as error:
        _error(f"cannot reach Discord: {type(error).__name__}: {error}")
        return 1
    return 0


def _need_token(settings: Settings, what: str) -> None:
    if not settings.token:
        raise UsageError(f"DISCORD_TOKEN is not set; `{what}` logs in to Discord"
                         " (put DISCORD_TOKEN=... in a .env file in this folder)")


async def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    _need_token(settings, "python -m bot sync")
    from .app import sync_only

    guild = args.guild or settings.dev_guild_id
    status = await _with_discord(sync_only(settings, args.guild))
    if status == 0:
        print(f"synced commands to guild {guild}" if guild else "synced commands globally")
    return status


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists() and a.samefile(b):
            return True
    except OSError:
        pass
    return a.resolve() == b.resolve()


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    target = Path(args.path).expanduser()
    live = settings.db_path
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give the file name of the copy")
    for suffix in ("", "-wal", "-shm", "-journal"):
        if _same_file(target, live.with_name(live.name + suffix)):
            what = f"the live database's {suffix[1:]} file" if suffix else "the live database"
            raise UsageError(f"{target} is {what} ({live}); give another file name for the copy")
    if not live.is_file():
        raise UsageError(f"no database at {live} (PAPERS_DB); nothing to back up")
    async with await Store.open(live) as store:
        await store.backup(target)
    size = target.stat().st_size
    print(f"backed up {live} to {target} ({size:,} bytes)")
    return 0


def _utc_today() -> date:
    return datetime.now(UTC).date()


def render_progress(done: int, total: int, width: int = 30, label: str = "") -> str:
    """`[#########.....................] 12/40 2025-01-12 saved`"""
    filled = width if total <= 0 else min(width, done * width // total)
    bar = "#" * filled + "." * (width - filled)
    return f"[{bar}] {done}/{total}" + (f" {label}" if label else "")


def _fetch_progress() -> Callable[[int, int, str], None]:
    """A progress bar on stderr: redrawn in place on a terminal, one line a day otherwise."""
    tty = sys.stderr.isatty()
    width = 0

    def show(done: int, total: int, label: str) -> None:
        nonlocal width
        line = render_progress(done, total, label=label)
        if tty:
            sys.stderr.write("\r" + line.ljust(width) + ("\n" if done >= total else ""))
            width = len(line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show


async def _fetching(settings: Settings, run: Callable[[object], Awaitable[int]]) -> int:
    """Open one HTTP session and a fetcher into CORPUS_DIR, run, then ingest CORPUS_DIR."""
    if not settings.digest_url_template:
        raise UsageError("DIGEST_URL_TEMPLATE is not set; put the upstream digest URL in .env,"
                         " e.g. https://example.org/archive/{yyyy}/{mm}/{dd}.md")
    import aiohttp

    from .corpus.fetch import DigestFetcher

    corpus = settings.corpus_dir
    if corpus.exists() and not corpus.is_dir():
        raise UsageError(f"CORPUS_DIR: {corpus} is not a directory")
    corpus.mkdir(parents=True, exist_ok=True)
    quiet = logging.getLogger("bot.corpus")
    level = quiet.level
    if settings.log_level in ("INFO", "WARNING"):  # the progress lines say it all
        quiet.setLevel(logging.ERROR)
    try:
        async with aiohttp.ClientSession() as session:
            status = await run(DigestFetcher(session, settings.digest_url_template, corpus))
    finally:
        quiet.setLevel(level)
    ingest_status = await cmd_ingest(argparse.Namespace(dir=str(corpus)), settings)
    return status or ingest_status


async def cmd_fetch(args: argparse.Namespace, settings: Settings) -> int:
    day = parse_date(args.date, "DATE") if args.date else _utc_today()

    async def run(fetcher) -> int:  # DigestFetcher
        result = await fetcher.fetch_day(day)
        print(str(result) + (f" ({result.papers} papers)" if result.status == "saved" else ""))
        return 1 if result.status == "error" else 0

    return await _fetching(settings, run)


async def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until") if args.until else _utc_today()
    if since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if args.delay < 0:
        raise UsageError("--delay must not be negative")

    async def run(fetcher) -> int:  # DigestFetcher
        from .corpus.backfill import backfill

        report = await backfill(fetcher, since, until, concurrency=args.concurrency,
                                delay=args.delay, progress=_fetch_progress())
        print(report.summary(), flush=True)
        return 1 if report.count("error") else 0

    return await _fetching(settings, run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="load digest files into the database")
    p.add_argument("dir", nargs="?", help="folder of digests (default: CORPUS_DIR)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("stats", help="corpus size and date range")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("paper", help="show one stored paper")
    p.add_argument("--json", action="store_true")
    p.add_argument("id", help="arXiv id or arXiv/Hugging Face URL")
    p.set_defaults(func=cmd_paper)

    stream_help = 'the query ("-": read one a line from stdin, print one result a line)'
    p = sub.add_parser("search", help="BM25 search over titles, authors and summaries")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--since", help="only papers listed on or after this date (YYYY-MM-DD)")
    p.add_argument("--until", help="only papers listed on or before this date (YYYY-MM-DD)")
    p.add_argument("query", nargs="+", help=stream_help)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question from the summaries")
    p.add_argument("--json", action="store_true")
    p.add_argument("query", nargs="+", help=stream_help)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("author", help="a person's papers, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("query", nargs="+", help=stream_help)
    p.set_defaults(func=cmd_author)

    p = sub.add_parser("console", help="try the bot's commands in the terminal")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("sync", help="register the slash commands with Discord now")
    p.add_argument("--guild", type=_snowflake, metavar="ID",
                   help="only this server (instant; default DEV_GUILD_ID, else global)")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("backup", help="a consistent copy of the database (safe while it runs)")
    p.add_argument("path", help="file to write the copy to")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("fetch", help="download one day's digest (DIGEST_URL_TEMPLATE), ingest")
    p.add_argument("date", nargs="?", help="YYYY-MM-DD (default: today, UTC)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("backfill", help="download the digests of a date range, then ingest")
    p.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--until", help="last day, YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--concurrency", type=int, default=2, help="requests at once (default 2)")
    p.add_argument("--delay", type=float, default=1.0,
                   help="seconds between request starts (default 1.0)")
    p.set_defaults(func=cmd_backfill)
    return parser


def _snowflake(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a Discord server id")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = getattr(args, "func", cmd_run)
    try:
        settings = load_settings()
    except ConfigError as error:
        _error(f"bad setting {error}")
        return 2
    # The bot logs to stdout (service managers collect it); commands keep stdout for results.
    bot = func is cmd_run and settings.token is not None
    configure_logging(settings.log_level, stream=sys.stdout if bot else sys.stderr)
    try:
        return asyncio.run(func(args, settings))
    except (UserError, ConfigError) as error:
        _error(str(error))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
