"""Keeps the corpus current: watches CORPUS_DIR, optionally fetches the upstream digest, and
tells the search index and the digest poster (event `digests_ingested`) what arrived."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from typing import TYPE_CHECKING

import aiohttp
from discord.ext import tasks

from ..corpus.fetch import DigestFetcher
from ..corpus.ingest import IngestReport
from ..corpus.watch import CorpusWatcher
from .base import PaperboyCog
from .loops import begin, surviving

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)


class CorpusCog(PaperboyCog):
    LOOPS = (("watch", "corpus_poll_seconds"),)

    def __init__(self, bot: Paperboy) -> None:
        super().__init__(bot)
        settings = bot.settings
        self.watcher = CorpusWatcher(bot.store, settings.corpus_dir, self._ingested,
                                     settings.corpus_stable_seconds)
        self.session: aiohttp.ClientSession | None = None
        self.fetcher: DigestFetcher | None = None

    async def cog_load(self) -> None:
        await super().cog_load()
        settings = self.bot.settings
        if settings.digest_url_template:
            self.session = aiohttp.ClientSession(headers={"User-Agent": "paperboy-bot"})
            self.fetcher = DigestFetcher(self.session, settings.digest_url_template,
                                         settings.corpus_dir)
            begin(self.fetch, settings.digest_fetch_every_seconds)

    async def cog_unload(self) -> None:
        await super().cog_unload()
        self.fetch.cancel()
        if self.session is not None:
            await self.session.close()

    async def _ingested(self, report: IngestReport) -> None:
        changed = await self.bot.engine.update(self.bot.store, report.changed_dates)
        gc.freeze()  # see Paperboy.setup_hook
        log.info("corpus: %d new and %d changed digests (%s); %d papers re-indexed",
                 report.new, report.changed, ", ".join(sorted(report.changed_dates)), changed)
        self.bot.dispatch("digests_ingested", report)

    @tasks.loop(seconds=60)
    async def watch(self) -> None:
        await self.watcher.poll_once()  # logs its own problems and never raises

    @tasks.loop(seconds=300)
    @surviving("fetching the upstream digest")
    async def fetch(self) -> None:
        assert self.fetcher is not None
        after = self.bot.settings.digest_fetch_after
        for day in await self.fetcher.due_dates(dt.datetime.now(dt.UTC), after):
            result = await self.fetcher.fetch_day(day)
            log.info("upstream digest %s", result)  # the watcher ingests what was saved


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(CorpusCog(bot))
