"""`kill -9` in the middle of a daily post, then a restart: the channel ends with one header,
one thread and every card once. The bot runs as `python -m bot` in a process of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.corpus.ingest import ingest_directory
from bot.store import Store

from .fake_discord import FakeDiscord
from .support import ROOT

pytestmark = pytest.mark.asyncio(loop_scope="function")

DATE = "2025-01-06"  # a Monday
PAPERS = 30
ROW = "| Paper no. {n} (Read more on [arXiv](https://arxiv.org/abs/2501.{n:05d}))| A | S{n}. |"


def write_corpus(folder: Path, row: str = ROW, papers: int = PAPERS) -> None:
    """One digest for DATE of `papers` rows made from the `row` template."""
    folder.mkdir()
    rows = "\n".join(row.format(n=n) for n in range(1, papers + 1))
    text = f"## Papers for {DATE}\n\n| Title | Authors | Summary |\n|---|---|---|\n{rows}\n"
    (folder / f"{DATE}.md").write_text(text, "utf-8")


async def start_bot(fake: FakeDiscord, env: dict[str, str], cwd: Path
                    ) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fake_discord.serve_bot", env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


@pytest.mark.parametrize("kill_after", [1, 12])
async def test_kill_9_mid_post_then_restart_posts_every_card_exactly_once(tmp_path, kill_after):
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    db = tmp_path / "papers.db"
    async with FakeDiscord(bot_name="Paperboy") as fake:
        guild = fake.add_guild("Reading Group")
        channel = fake.add_text_channel(guild, "papers")
        async with await Store.open(db) as store:  # an admin set this up earlier
            await ingest_directory(store, corpus)
            await store.set_digest_time(guild.id, "00:00", "UTC")
            await store.set_digest_channel(guild.id, channel.id, DATE)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERS_"))},
            "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token, "PAPERS_DB": str(db),
            "CORPUS_DIR": str(corpus), "DIGEST_CHECK_SECONDS": "1", "LOG_LEVEL": "WARNING",
            "PAPERBOY_FAKE_API": fake.api_base, "PAPERBOY_FAKE_GATEWAY": fake.gateway_url,
        }
        fake.delay("POST", r"/channels/\d+/messages$", 0.05)  # so the kill lands mid-post

        def cards() -> list[str]:
            threads = [t for t in fake.threads if t.name == f"Papers for {DATE}"]
            return [m["embeds"][0]["url"] for t in threads for m in fake.messages(t)
                    if m["embeds"]]

        first = await start_bot(fake, env, tmp_path)
        try:
            await fake.wait_until(lambda: len(cards()) >= kill_after, 30, "the post to start")
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        assert len(cards()) < PAPERS  # killed in the middle

        second = await start_bot(fake, env, tmp_path)
        try:
            await fake.wait_until(lambda: len(cards()) >= PAPERS, 30, "the post to finish")
            await asyncio.sleep(2.5)  # two more scheduler ticks must add nothing
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 20)

        headers = [m for m in fake.messages(channel) if m["embeds"]
                   and m["embeds"][0].get("title") == f"Papers for {DATE}"]
        assert len(headers) == 1
        assert len([t for t in fake.threads if t.name == f"Papers for {DATE}"]) == 1
        assert sorted(cards()) == sorted({f"https://huggingface.co/papers/2501.{n:05d}"
                                          for n in range(1, PAPERS + 1)})
        fake.assert_no_violations()
