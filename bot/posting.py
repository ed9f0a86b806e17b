"""Post one day's digest to a channel exactly once: header, thread, one card per paper.

Every message is recorded in SQLite as soon as Discord returns it, and sent with a
deterministic nonce (discord.py always sets `enforce_nonce`), so a crash at any point is
followed by a resume that neither repeats nor skips a message: within Discord's nonce window
a resent message comes back as the one already created, and beyond it the thread's history
is read to find cards that were sent but not recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

import discord

from . import cards
from .digest.clean import clean_summary
from .store import Store
from .threads import THREAD_ALREADY_EXISTS, find_thread
from .views import paper_view

log = logging.getLogger(__name__)

REQUIRED_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "read_message_history",
    "create_public_threads",
    "send_messages_in_threads",
)


class PostBroken(Exception):
    """Discord refused for good (channel gone, permission lost): pause this server."""


@dataclass(frozen=True, slots=True)
class PostResult:
    status: str  # "posted" | "already" | "empty"
    date: str
    cards: int = 0
    header_id: int | None = None
    thread_id: int | None = None


def nonce_for(guild_id: int, date: str, step: str) -> str:
    """Discord nonces are at most 25 characters; the same step always gets the same one."""
    return hashlib.sha256(f"{guild_id}:{date}:{step}".encode()).hexdigest()[:25]


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    return [name for name in REQUIRED_PERMISSIONS if not getattr(permissions, name)]


def thread_name(date: str) -> str:
    return f"Papers for {date}"


class DigestPoster:
    def __init__(self, client: discord.Client, store: Store) -> None:
        self.client = client
        self.store = store
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, guild_id: int) -> asyncio.Lock:
        """One post at a time per server, whether from the scheduler or `/digest post`."""
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def post(self, channel: discord.TextChannel, date: str) -> PostResult:
        guild_id = channel.guild.id
        async with self.lock(guild_id):
            status = await self.store.post_status(guild_id, date)
            if status == "done":
                return PostResult("already", date)
            papers = await self.store.papers_on(date)
            if not papers:
                return PostResult("empty", date)
            steps = await self.store.begin_post(guild_id, date, channel.id)
            resuming = status == "posting"
            try:
                result = await self._post(channel, date, papers, steps, resuming)
            except (discord.Forbidden, discord.NotFound) as error:
                raise PostBroken(f"Discord refused: {error.status} {error.text or ''}".strip()
                                 ) from error
            await self.store.finish_post(guild_id, date)
            log.info("posted the %s digest to guild %s: %d cards", date, guild_id, result.cards)
            return result

    async def _post(self, channel: discord.TextChannel, date: str, papers, steps: dict[str, int],
                    resuming: bool) -> PostResult:
        guild_id = channel.guild.id

        async def record(step: str, message_id: int) -> None:
            await self.store.record_post_step(guild_id, date, step, message_id)
            steps[step] = message_id

        for index, embeds in enumerate(cards.digest_header_messages(date, papers)):
            step = f"header:{index}"
            if step not in steps:
                message = await channel.send(embeds=embeds, nonce=nonce_for(guild_id, date, step))
                await record(step, message.id)

        header_id = steps["header:0"]
        if "thread" not in steps:
            thread = await self._create_thread(channel, header_id, date, resuming)
            await record("thread", thread.id)
        thread = await find_thread(self.client, channel.guild, steps["thread"])

        if resuming:
            await self._reconcile_cards(thread, date, papers, steps, record)
        sent = 0
        for paper in papers:
            step = f"card:{paper.arxiv_id}"
            if step in steps:
                continue
            card = cards.paper_card(paper, clean_summary(paper.summary))
            message = await thread.send(embed=card.embed, view=paper_view(paper, card.rest),
                                        nonce=nonce_for(guild_id, date, step))
            await record(step, message.id)
            sent += 1
        return PostResult("posted", date, len(papers), header_id, thread.id)

    async def _create_thread(self, channel: discord.TextChannel, header_id: int, date: str,
                             resuming: bool) -> discord.Thread:
        if resuming:  # created before a crash but not recorded? Its header message knows.
            header = await channel.fetch_message(header_id)
            if header.thread is not None:
                return header.thread
        message = channel.get_partial_message(header_id)
        try:
            return await message.create_thread(name=thread_name(date),
                                               auto_archive_duration=1440)
        except discord.HTTPException as error:
            if error.code != THREAD_ALREADY_EXISTS:
                raise
            # Created before a crash and not recorded: a message's thread has the message's id.
            return await find_thread(self.client, channel.guild, header_id)

    async def _reconcile_cards(self, thread: discord.Thread, date: str, papers, steps, record
                               ) -> None:
        """Record cards that reached Discord before a crash but not the database."""
        wanted = {paper.hf_url: f"card:{paper.arxiv_id}" for paper in papers}
        me = self.client.user
        async for message in thread.history(limit=None, oldest_first=True):
            if me is None or message.author.id != me.id or not message.embeds:
                continue
            step = wanted.get(message.embeds[0].url or "")
            if step and step not in steps:
                log.info("resume of %s: card %s was sent before a restart", date, step)
                await record(step, message.id)
