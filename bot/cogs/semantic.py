"""Keeps the semantic layer current: loads (or downloads) the embedding model in the
background, embeds the papers that have no vector yet, and again after each ingest. BM25
answers meanwhile; without a model it answers alone, and the model is tried again later."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from ..corpus.ingest import IngestReport
from ..search.semantic import load_model
from .base import PaperboyCog

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)

RETRY_SECONDS = 3600.0  # a model that could not be had is tried again this much later


class SemanticCog(PaperboyCog):
    def __init__(self, bot: Paperboy) -> None:
        super().__init__(bot)
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._task = asyncio.create_task(self._keep_up(), name="semantic-layer")

    async def cog_unload(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @commands.Cog.listener()
    async def on_digests_ingested(self, report: IngestReport) -> None:
        self._changed.set()

    async def _keep_up(self) -> None:
        settings, semantic = self.bot.settings, self.engine.semantic
        # After the gateway is up: the model's loading would otherwise compete with the
        # index's build for the first start's few seconds, and BM25 answers meanwhile.
        await self.bot.wait_until_ready()
        while True:
            try:
                if semantic.embedder is None:
                    problem = await load_model(semantic, settings.embed_model,
                                               settings.embed_model_path, settings.db_path)
                    if problem is not None and settings.embed_model is None \
                            and settings.embed_model_path is None:
                        log.info("semantic search is off (EMBED_MODEL=off): BM25 only")
                        return
                    if problem is not None:
                        log.warning("semantic search unavailable, BM25 answers; trying again"
                                    " in %d min: %s", RETRY_SECONDS // 60, problem)
                        await asyncio.sleep(RETRY_SECONDS)
                        continue
                await semantic.catch_up(self.store.iter_papers())
                await self._changed.wait()
                self._changed.clear()
            except Exception:  # never stops the bot: log, answer with BM25, try again later
                log.exception("semantic search failed; BM25 answers, trying again later")
                semantic.detach("failed (see the log)")
                await asyncio.sleep(RETRY_SECONDS)


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(SemanticCog(bot))
