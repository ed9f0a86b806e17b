"""/forget-me: a member's own watches and votes go, in every server, and nobody else's."""

from __future__ import annotations

from .bot_support import command, embeds_of
from .test_bot_votes import RETROLM, card, press_vote


async def test_forget_me_deletes_your_watches_and_votes_and_keeps_everyone_elses(paperboy):
    fake = paperboy.fake
    me = fake.add_member(paperboy.guild, username="leaving")
    other = fake.add_member(paperboy.guild, username="staying")
    await command(fake, "watch add", {"query": "kv cache"}, user=me)
    await command(fake, "watch add", {"query": "speculative decoding"}, user=other)
    message = await press_vote(fake, await card(fake, RETROLM), user=me)
    await press_vote(fake, message, user=other)

    result, reply = await command(fake, "forget-me", user=me)
    assert result.ephemeral
    assert reply["content"].startswith("Deleted 1 watch and 1 vote of yours, in every server.")

    _, mine = await command(fake, "watch list", user=me)
    _, theirs = await command(fake, "watch list", user=other)
    assert "kv cache" not in str(mine) and "speculative decoding" in str(theirs)
    _, trending = await command(fake, "trending")
    assert "👍 1" in embeds_of(trending)[0]["description"]
    again = await command(fake, "forget-me", user=me)
    assert again[1]["content"].startswith("Deleted 0 watches and 0 votes")
