"""`python -m bot <command>`: the offline commands, on the same core as the Discord bot.

Machine-readable output (`--json`) goes to stdout; progress, warnings and logs go to
stderr so that stdout stays parseable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from .config import ConfigError, Settings, configure_logging, load_settings
from .digest import normalize_arxiv_id
from .ingest import IngestReport, ingest_directory
from .store import Store

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit status 2."""


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
    print(ingest_summary(report, f"{stats.papers} papers, {stats.appearances} appearances"))
    return 0


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.db_path) as store:
        stats = await store.stats()
    if args.json:
        _emit_json(stats.as_dict())
    else:
        print(f"{stats.digests} digests ({stats.first_date} to {stats.latest_date}),"
              f" {stats.papers} papers, {stats.appearances} appearances")
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
        print(f"{paper.title}\n{', '.join(paper.authors)}\n{', '.join(paper.dates)}"
              f"  {paper.hf_url}\n\n{paper.summary}")
    return 0


# -- search, ask, author (the core in bot/search; QUERY "-" streams one query a line) ----------


def _single_query(args: argparse.Namespace) -> str:
    query = " ".join(args.query).strip()
    if not query:
        raise UsageError("empty query")
    return query


def _stdin_queries():
    for line in sys.stdin:
        yield line.strip()


async def _with_engine(settings: Settings, run: Callable[[Store, object], Awaitable[int]]) -> int:
    from .search import SearchEngine  # numpy & co. stay off the fast paths of other commands

    async with await Store.open(settings.db_path) as store:
        engine = await SearchEngine.build(store)
        return await run(store, engine)


def _is_stream(args: argparse.Namespace) -> bool:
    return args.query == ["-"]


def _check_dates(args: argparse.Namespace) -> None:
    from .search import SearchError, parse_date

    try:
        since = parse_date(args.since, "--since")
        until = parse_date(args.until, "--until")
    except SearchError as error:
        raise UsageError(str(error)) from None
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")


def _print_hits(hits: list, heading: str | None = None) -> None:  # list[Hit]
    if heading:
        print(heading)
    if not hits:
        print("no papers found")
    for rank, hit in enumerate(hits, 1):
        print(f"{rank:2d}. {hit.title}\n    {hit.arxiv_id}  {hit.date}  {hit.url}"
              + (f"  score {hit.score:.2f}" if hit.score else ""))


async def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from .search import SearchError

    _check_dates(args)
    single = None if _is_stream(args) else _single_query(args)

    async def run(store: Store, engine) -> int:
        def one(query: str) -> list:
            return engine.search(query, limit=args.limit, since=args.since, until=args.until)

        if single is not None:
            try:
                hits = one(single)
            except SearchError as error:
                raise UsageError(str(error)) from None
            if args.json:
                _emit_json([h.as_dict() for h in hits])
            else:
                _print_hits(hits)
            return 0
        for query in _stdin_queries():
            try:
                hits = one(query) if query else []
            except SearchError:
                hits = []
            if args.json:
                _emit_json([h.as_dict() for h in hits])
            else:
                _print_hits(hits, f"# {query}")
                sys.stdout.flush()
        return 0

    return await _with_engine(settings, run)


def _print_answer(answer) -> None:
    if not answer.answer:
        print("no answer found")
        return
    print(f"{answer.answer}\n\n-- {answer.title} ({answer.arxiv_id})"
          f"  https://huggingface.co/papers/{answer.arxiv_id}")


async def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .search import SearchError
    from .search.answers import NO_ANSWER

    single = None if _is_stream(args) else _single_query(args)

    async def run(store: Store, engine) -> int:
        if single is not None:
            try:
                answer = await engine.ask(single, store)
            except SearchError as error:
                raise UsageError(str(error)) from None
            if args.json:
                _emit_json(answer.as_dict())
            else:
                _print_answer(answer)
            return 0
        for question in _stdin_queries():
            try:
                answer = await engine.ask(question, store) if question else NO_ANSWER
            except SearchError:
                answer = NO_ANSWER
            if args.json:
                _emit_json(answer.as_dict())
            else:
                print(f"# {question}")
                _print_answer(answer)
                sys.stdout.flush()
        return 0

    return await _with_engine(settings, run)


async def cmd_author(args: argparse.Namespace, settings: Settings) -> int:
    from .search import SearchError

    single = None if _is_stream(args) else _single_query(args)

    def show(result, hits: list) -> None:
        if args.json:
            _emit_json([h.as_dict() for h in hits])
            return
        if result is None or (not hits and not result.candidates):
            print("no author found")
        elif result.ambiguous:
            print(f"{result.query!r} is ambiguous: {', '.join(result.candidates)}")
            _print_hits(hits)
        else:
            print(f"{result.name}: {len(hits)} papers")
            _print_hits(hits)

    async def run(store: Store, engine) -> int:
        if single is not None:
            try:
                result, hits = engine.author(single)
            except SearchError as error:
                raise UsageError(str(error)) from None
            show(result, hits)
            return 0
        for name in _stdin_queries():
            try:
                result, hits = engine.author(name) if name else (None, [])
            except SearchError:
                result, hits = None, []
            if not args.json:
                print(f"# {name}")
            show(result, hits)
            sys.stdout.flush()
        return 0

    return await _with_engine(settings, run)


async def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from .console import run_console

    return await run_console(settings)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        _error("DISCORD_TOKEN is not set, and the Discord bot is not built yet;"
               " use `python -m bot ingest` and `python -m bot stats`")
        return 2
    _error("the Discord bot is not built yet")
    return 2


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = getattr(args, "func", cmd_run)
    try:
        settings = load_settings()
    except ConfigError as error:
        _error(f"bad setting {error}")
        return 2
    configure_logging(settings.log_level, stream=sys.stderr)
    try:
        return asyncio.run(func(args, settings))
    except (UsageError, ConfigError) as error:
        _error(str(error))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
