"""`kill -9` in the middle of delivering a member's watch matches, then a restart: the DM ends
with every message once. The bot runs as `python -m bot` in a process of its own."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.corpus.ingest import ingest_directory
from bot.store import Store
from bot.watching import WATCH_LIMIT

from .fake_discord import FakeDiscord
from .fake_discord.rest_dms import dm_messages
from .support import ROOT
from .test_digest_kill import start_bot, write_corpus

pytestmark = pytest.mark.asyncio(loop_scope="function")

PAPERS = 25  # three messages of at most 10 embeds
ROW = "| KV cache paper {n} (Read more on [arXiv](https://arxiv.org/abs/2501.{n:05d}))| A | S. |"


@pytest.mark.parametrize("kill_after", [1, 2])
async def test_kill_9_mid_delivery_then_restart_sends_every_message_once(tmp_path, kill_after):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ROW, PAPERS)
    db = tmp_path / "papers.db"
    async with FakeDiscord(bot_name="Paperboy") as fake:
        guild = fake.add_guild("Reading Group")
        member = fake.tester
        async with await Store.open(db) as store:  # the member watched before the digest came
            await store.add_watch(guild.id, member.id, "words", "kv cache", WATCH_LIMIT)
            await ingest_directory(store, corpus)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERS_"))},
            "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token, "PAPERS_DB": str(db),
            "CORPUS_DIR": str(corpus), "DIGEST_CHECK_SECONDS": "1", "LOG_LEVEL": "WARNING",
            "EMBED_MODEL": "off",
            "PAPERBOY_FAKE_API": fake.api_base, "PAPERBOY_FAKE_GATEWAY": fake.gateway_url,
        }
        fake.delay("POST", r"/channels/\d+/messages$", 0.3)  # so the kill lands mid-delivery

        def footers() -> list[str]:
            return [m["embeds"][-1]["footer"]["text"][-3:] for m in dm_messages(fake, member)]

        first = await start_bot(fake, env, tmp_path)
        try:
            await fake.wait_until(lambda: len(footers()) >= kill_after, 30,
                                  "the delivery to start")
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        assert len(footers()) < 3  # killed in the middle

        second = await start_bot(fake, env, tmp_path)
        try:
            await fake.wait_until(lambda: len(footers()) >= 3, 30, "the delivery to finish")
            await asyncio.sleep(2.5)  # two more ticks must add nothing
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 20)
        assert footers() == ["1/3", "2/3", "3/3"]
        fake.assert_no_violations()
