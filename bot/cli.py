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
