"""`python -m bot console`: the bot's commands in a terminal, on the same core as Discord.

A self-hoster can try `/search`, `/paper`, `/today`, `/author` and `/ask` before creating a
Discord application. Plain text without a slash is a question (`/ask`). Reads piped input too:
the prompt is only shown when stdin is a terminal.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TextIO

from . import plain
from .config import Settings
from .corpus.ingest import ingest_directory
from .digest.clean import clean_summary
from .errors import UserError
from .lookup import find_paper
from .meaning import with_meaning
from .search import SearchEngine
from .store import Store

HELP = """commands:
  /search QUERY [since:YYYY-MM-DD] [until:YYYY-MM-DD]   papers best first
  /paper ID|URL        one paper's card
  /today               the latest digest
  /author NAME         a person's papers, newest first
  /ask QUESTION        an answer from the summaries (plain text without a slash asks too)
  /help                this text
  /quit                leave (or end of input)"""


class Console:
    def __init__(self, store: Store, engine: SearchEngine, out: TextIO) -> None:
        self.store = store
        self.engine = engine
        self.out = out
        self.commands: dict[str, Callable[[str], object]] = {
            "search": self.search, "paper": self.paper, "today": self.today,
            "author": self.author, "ask": self.ask, "help": self.help,
        }

    def say(self, text: str) -> None:
        self.out.write(text.rstrip("\n") + "\n")
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Run one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith("/"):
            line = "/ask " + line
        name, _, rest = line[1:].partition(" ")
        name = name.lower()
        if name in ("quit", "exit", "q"):
            return False
        command = self.commands.get(name)
        if command is None:
            self.say(f"unknown command /{name}; try /help")
            return True
        try:
            result = command(rest.strip())
            if asyncio.iscoroutine(result):
                await result
        except UserError as error:
            self.say(f"error: {error}")
        return True

    def help(self, _: str) -> None:
        self.say(HELP)

    def search(self, text: str) -> None:
        words, options = [], {}
        for word in text.split():
            key, sep, value = word.partition(":")
            if sep and key in ("since", "until") and value:
                options[key] = value
            else:
                words.append(word)
        self.say(plain.hits_text(self.engine.search(" ".join(words), limit=5, **options)))

    async def paper(self, text: str) -> None:
        paper = await find_paper(self.engine, self.store, text) if text else None
        if paper is None:
            self.say(f"no paper {text!r}")
        else:
            self.say(plain.paper_text(paper, clean_summary(paper.summary)))

    async def today(self, _: str) -> None:
        day = await self.store.latest_digest_date()
        if day is None:
            self.say("no digests yet (set CORPUS_DIR and restart)")
            return
        papers = await self.store.papers_on(day)
        lines = [f"Papers for {day} ({len(papers)})"]
        lines += [f"{i:2d}. {p.title}\n    {p.arxiv_id}  {p.hf_url}"
                  for i, p in enumerate(papers, 1)]
        self.say("\n".join(lines))

    def author(self, name: str) -> None:
        self.say(plain.author_text(*self.engine.author(name)))

    async def ask(self, question: str) -> None:
        self.say(plain.answer_text(await self.engine.ask(question, self.store)))


async def run_console(settings: Settings, stdin: TextIO | None = None,
                      stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    async with await Store.open(settings.db_path) as store:
        if settings.corpus_dir.is_dir():
            level = logging.getLogger("bot").level
            logging.getLogger("bot").setLevel(logging.ERROR)  # quiet: parse warnings aside
            try:
                await ingest_directory(store, settings.corpus_dir)
            finally:
                logging.getLogger("bot").setLevel(level)
        engine = await SearchEngine.build(store)
        await with_meaning(engine, store, settings)
        console = Console(store, engine, stdout)
        if interactive:
            console.say(f"Paperboy console: {len(engine)} papers. /help lists the commands.")
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not await console.handle(line):
                break
    return 0
