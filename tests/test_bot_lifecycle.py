"""Starting, syncing and stopping: what Paperboy asks of Discord around its commands."""

from __future__ import annotations

import asyncio

import pytest

import bot.app

from .bot_support import (
    assert_discord_would_accept,
    command,
    command_syncs,
    default_fake,
    embeds_of,
    identify_intents,
    message_problems,
    running_bot,
)
from .fake_discord import FakeDiscord

GUILDS, GUILD_MESSAGES = 1 << 0, 1 << 9
PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


def resumed(fake: FakeDiscord) -> bool:
    return any(f.direction == "in" and f.op == 6 for f in fake.gateway_frames) and all(
        s.connection is not None for s in fake.sessions)


async def test_it_identifies_with_guilds_and_guild_messages_only(tmp_path):
    async with running_bot(tmp_path) as (fake, paperboy):
        assert identify_intents(fake) == [GUILDS | GUILD_MESSAGES]
        assert paperboy.intents.value == GUILDS | GUILD_MESSAGES
        assert not paperboy.intents.value & PRIVILEGED


async def test_commands_sync_once_and_again_only_when_they_change(tmp_path, monkeypatch):
    async with FakeDiscord(bot_name="Paperboy") as fake:
        fake.add_guild("Papers Club")
        app_id = fake.bot_user.id

        # A fresh database: the commands are synced, globally, before the gateway connects.
        async with running_bot(tmp_path, fake=fake):
            [sync] = command_syncs(fake)
            assert sync.path == f"/applications/{app_id}/commands"
            identify = next(f for f in fake.gateway_frames if f.direction == "in" and f.op == 2)
            assert sync.time < identify.time  # in setup_hook, never in on_ready
            assert {c["name"] for c in fake.commands()} >= {"search", "paper", "about"}
            await fake.drop_connections()  # a reconnect syncs nothing
            await fake.wait_until(lambda: resumed(fake), timeout=5, what="a RESUME")
            await command(fake, "about")
        assert len(command_syncs(fake)) == 1

        # The same database and commands: no sync request at all.
        seen = len(fake.requests)
        async with running_bot(tmp_path, fake=fake):
            await command(fake, "about")  # the commands Discord has still work
        assert command_syncs(fake, since=seen) == []

        # A changed command tree is synced again.
        monkeypatch.setattr(bot.app, "EXTENSIONS",
                            tuple(e for e in bot.app.EXTENSIONS if e != "bot.cogs.admin"))
        seen = len(fake.requests)
        async with running_bot(tmp_path, fake=fake):
            [sync] = command_syncs(fake, since=seen)
            assert "about" not in {c["name"] for c in fake.commands()}
        assert_discord_would_accept(fake)


async def test_dev_guild_id_syncs_to_that_server_only(tmp_path):
    fake = default_fake()
    guild = fake.guild()
    async with running_bot(tmp_path, fake=fake, env={"DEV_GUILD_ID": str(guild.id)}):
        [sync] = command_syncs(fake)
        assert sync.path == f"/applications/{fake.bot_user.id}/guilds/{guild.id}/commands"
        assert fake.commands() == []
        assert {c["name"] for c in fake.commands(guild)} >= {"search", "paper", "about"}
        _, message = await command(fake, "about")
        assert embeds_of(message)[0]["title"] == "Paperboy"


async def test_shutdown_finishes_replies_in_flight_then_closes_the_database(tmp_path,
                                                                            monkeypatch):
    async with running_bot(tmp_path) as (fake, paperboy):
        store = paperboy.store
        real_stats = store.stats
        started = asyncio.Event()

        async def slow_stats():
            started.set()
            await asyncio.sleep(0.3)  # the answer is still being prepared at shutdown
            return await real_stats()

        monkeypatch.setattr(store, "stats", slow_stats)
        pending = await fake.slash("about", wait=False)
        await asyncio.wait_for(started.wait(), timeout=3)
    # Leaving the block closed the bot while /about was still being answered.
    assert pending.callback_type == 4 and embeds_of(pending.callback_data)
    assert paperboy.is_closed()
    with pytest.raises(ValueError, match="no active connection"):
        await store.db.execute("SELECT 1")


async def test_shutdown_with_nothing_in_flight_is_quick(tmp_path):
    async with running_bot(tmp_path) as (_, paperboy):
        pass
    loop = asyncio.get_running_loop()
    started = loop.time()
    await paperboy.close()  # closing twice is harmless
    assert loop.time() - started < 1


async def test_shutdown_lets_a_mention_answer_in_flight_finish(tmp_path, monkeypatch):
    """Replies in flight are counted by the bot itself (not found by discord.py's task names):
    a question by mention still being answered at shutdown gets its reply."""
    async with running_bot(tmp_path) as (fake, paperboy):
        real_ask = paperboy.engine.ask
        started = asyncio.Event()

        async def slow_ask(*args, **kwargs):
            started.set()
            await asyncio.sleep(0.3)
            return await real_ask(*args, **kwargs)

        monkeypatch.setattr(paperboy.engine, "ask", slow_ask)
        asked = await fake.user_message(None, "what exact match does RetroLM reach?")
        await asyncio.wait_for(started.wait(), timeout=3)
        assert len(paperboy.replies) == 1
    [reply] = [m for m in fake.messages(asked["channel_id"])
               if (m.get("message_reference") or {}).get("message_id") == asked["id"]]
    assert "71.3% exact match" in embeds_of(reply)[0]["description"]
    assert len(paperboy.replies) == 0


async def test_the_ping_check_fails_on_a_message_that_could_ping(tmp_path):
    """What the `paperboy` fixture checks after every test catches a reply that pings: here the
    client's default (AllowedMentions.none(), which every message relies on) is undone."""
    import discord

    async with running_bot(tmp_path) as (fake, paperboy):
        paperboy.allowed_mentions = discord.AllowedMentions.all()
        asked = await fake.user_message(None, "what exact match does RetroLM reach?")
        await fake.wait_for_reply(asked, timeout=5)
        problems = message_problems(fake)
    assert any("allowed_mentions" in p for p in problems)
    assert any("pinged" in p for p in problems)  # the fake saw the asker pinged by the reply
