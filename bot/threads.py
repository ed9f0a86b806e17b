"""Threads the bot posts in: finding one by its id, and what Discord answers when a message
has one already (its thread then has the message's id)."""

from __future__ import annotations

import discord

THREAD_ALREADY_EXISTS = 160004


async def find_thread(client: discord.Client, guild: discord.Guild | None,
                      thread_id: int) -> discord.Thread:
    """The thread from the cache, else from Discord; NotFound when it is gone or no thread."""
    thread = guild.get_thread(thread_id) if guild is not None else None
    if thread is None:
        fetched = await client.fetch_channel(thread_id)
        if not isinstance(fetched, discord.Thread):
            raise discord.NotFound  # type: ignore[call-arg]
        thread = fetched
    return thread
