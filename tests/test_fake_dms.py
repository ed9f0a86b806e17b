"""The local Discord's direct messages (tests/fake_discord/rest_dms.py), driven by the real
discord.py client: one DM channel per user, Discord's message limits, nonces, history, and
50007 for a user whose DMs are closed."""

from __future__ import annotations

import discord
import pytest

from .fake_discord import FakeDiscord
from .fake_discord.rest_dms import close_dms, dm_messages

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
async def client():
    fake = FakeDiscord(bot_name="Paperboy")
    fake.add_guild("Papers Club")
    intents = discord.Intents.none()
    intents.guilds = True
    bot = discord.Client(intents=intents,
                         allowed_mentions=discord.AllowedMentions.none())
    async with fake, fake.run(bot):
        yield fake, bot


async def test_a_dm_channel_is_opened_once_and_holds_what_the_bot_sent(client):
    fake, bot = client
    dm = await bot.create_dm(discord.Object(fake.tester.id))
    again = await bot.http.start_private_message(fake.tester.id)
    first = await dm.send("hello", nonce="n-1")
    repeat = await dm.send("hello", nonce="n-1")  # discord.py enforces the nonce
    await dm.send(embeds=[discord.Embed(title=f"{n}") for n in range(10)])
    history = [m async for m in dm.history(limit=10)]
    assert int(again["id"]) == dm.id and isinstance(dm, discord.DMChannel)
    assert repeat.id == first.id
    assert [m["content"] for m in dm_messages(fake, fake.tester)] == ["hello", ""]
    assert [m.id for m in history][-1] == first.id
    fake.assert_no_violations()


async def test_discord_limits_hold_in_dms(client):
    fake, bot = client
    dm = await bot.create_dm(discord.Object(fake.tester.id))
    with pytest.raises(discord.HTTPException) as too_long:  # 8,000 characters of embeds
        await dm.send(embeds=[discord.Embed(description="x" * 4000) for _ in range(2)])
    with pytest.raises(discord.HTTPException) as empty:
        await dm.send(content="")
    assert too_long.value.status == empty.value.status == 400
    assert len(fake.violations) == 2 and dm_messages(fake, fake.tester) == []
    fake.violations.clear()


async def test_a_user_with_closed_dms_gets_nothing_and_discord_says_50007(client):
    fake, bot = client
    close_dms(fake, fake.tester)
    dm = await bot.create_dm(discord.Object(fake.tester.id))
    with pytest.raises(discord.Forbidden) as refused:
        await dm.send("hello")
    with pytest.raises(discord.NotFound):
        await bot.create_dm(discord.Object(123))
    assert refused.value.code == 50007
    assert dm_messages(fake, fake.tester) == []
