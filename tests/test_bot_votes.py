"""The "👍" on paper cards and /trending, through the local Discord with the real client."""

from __future__ import annotations

from .bot_support import (
    all_text,
    assert_discord_would_accept,
    button,
    command,
    embeds_of,
    footer,
    opened_search_card,
    running_bot,
    select_menu,
)
from .fake_discord import FakeDiscord

RETROLM = "2503.10001"
OTHER = "2503.10002"


async def card(fake, arxiv_id=RETROLM, **kwargs):
    _, message = await command(fake, "paper", {"query": arxiv_id}, **kwargs)
    return message


async def press_vote(fake, message, user=None):
    pressed = await fake.click(message, button(message, "👍")["custom_id"], user=user)
    assert pressed.callback_type == 7 and pressed.ack_latency < 3  # the card's button changes
    return fake.message(message["id"])


# --- the 👍 toggle ---------------------------------------------------------------------------


async def test_a_vote_counts_on_the_card_and_pressing_again_takes_it_back(paperboy):
    fake = paperboy.fake
    message = await card(fake)
    assert button(message, "👍")["label"] == "👍"  # nobody voted yet
    assert button(message, "👍")["custom_id"] == f"paperboy:vote:{RETROLM}"

    shown = await press_vote(fake, message)
    assert button(shown, "👍")["label"] == "👍 1"
    assert shown["embeds"] == message["embeds"]  # only the label changed
    assert {b["label"] for b in (c for r in shown["components"] for c in r["components"])} >= {
        "Similar", "Discuss", "arXiv", "PDF", "Hugging Face"}

    stranger = fake.add_member(paperboy.guild, username="stranger")
    shown = await press_vote(fake, shown, user=stranger)
    assert button(shown, "👍")["label"] == "👍 2"
    shown = await press_vote(fake, shown)  # the tester again: their vote goes
    assert button(shown, "👍")["label"] == "👍 1"
    assert await paperboy.bot.store.vote_count(paperboy.guild.id, RETROLM) == 1


async def test_a_new_card_shows_the_servers_count(paperboy):
    fake = paperboy.fake
    await press_vote(fake, await card(fake))
    again = await card(fake)
    assert button(again, "👍")["label"] == "👍 1"


async def test_votes_are_per_server(paperboy):
    fake = paperboy.fake
    await press_vote(fake, await card(fake))
    other = fake.add_guild("Other Club")
    elsewhere = await card(fake, channel=other.text_channels[0])
    assert button(elsewhere, "👍")["label"] == "👍"


async def test_the_vote_button_works_on_a_private_card(paperboy):
    fake = paperboy.fake
    _, private = await opened_search_card(fake)
    shown = await press_vote(fake, private)
    assert button(shown, "👍")["label"] == "👍 1"


async def test_the_vote_button_survives_a_restart(tmp_path):
    async with FakeDiscord(bot_name="Paperboy") as fake:
        fake.add_guild("Papers Club")
        async with running_bot(tmp_path, fake=fake):
            message = await card(fake)
            message = await press_vote(fake, message)
        async with running_bot(tmp_path, fake=fake):  # same database, a new process
            shown = await press_vote(fake, message, user=fake.add_member(username="late"))
            assert button(shown, "👍")["label"] == "👍 2"
        assert_discord_would_accept(fake)


# --- /trending -------------------------------------------------------------------------------


async def vote_for(paperboy, arxiv_id, voters):
    fake = paperboy.fake
    message = await card(fake, arxiv_id)
    for index in range(voters):
        user = fake.add_member(paperboy.guild, username=f"reader{arxiv_id}-{index}")
        message = await press_vote(fake, message, user=user)


async def test_trending_ranks_the_servers_papers_by_votes_with_counts(paperboy):
    await vote_for(paperboy, OTHER, 1)
    await vote_for(paperboy, RETROLM, 3)
    result, message = await command(paperboy.fake, "trending")
    assert not result.ephemeral
    [page] = embeds_of(message)
    assert page["title"] == "Trending in this server · last 7 days"
    lines = page["description"].splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("1. [RetroLM") and lines[0].endswith("· 👍 3 · 🔖 0")
    assert lines[1].startswith("2. ") and lines[1].endswith("· 👍 1 · 🔖 0")
    assert footer(page) == "2 papers · page 1/1"
    assert {o["value"] for o in select_menu(message)["options"]} == {RETROLM, OTHER}


async def test_trending_periods_leave_out_older_votes(paperboy):
    await vote_for(paperboy, OTHER, 2)
    await vote_for(paperboy, RETROLM, 1)
    store = paperboy.bot.store
    await store.db.execute("UPDATE votes SET voted_at = '2020-01-01T00:00:00Z'"
                           " WHERE arxiv_id = ?", (OTHER,))
    for period, counts in (("7d", ["👍 1"]), ("30d", ["👍 1"]), ("all", ["👍 2", "👍 1"])):
        _, message = await command(paperboy.fake, "trending", {"period": period})
        lines = embeds_of(message)[0]["description"].splitlines()
        assert [line.rsplit(" · ", 2)[1] for line in lines] == counts, period


async def test_trending_counts_reading_list_saves_too(paperboy):
    await vote_for(paperboy, RETROLM, 1)
    store = paperboy.bot.store
    for paper, user in ((OTHER, 1), (OTHER, 2), (RETROLM, 3)):
        await store.save_to_reading_list(paperboy.guild.id, paper, user, f"reader {user}")
    _, message = await command(paperboy.fake, "trending")
    lines = embeds_of(message)[0]["description"].splitlines()
    assert lines[0].startswith("1. [RetroLM") and lines[0].endswith("👍 1 · 🔖 1")
    assert lines[1].endswith("👍 0 · 🔖 1")  # a paper is on the list once, however often saved


async def test_trending_pages_ten_papers_at_a_time(paperboy):
    store = paperboy.bot.store
    ids = [f"2503.100{n:02d}" for n in range(1, 13)]
    known = [p.arxiv_id for p in await store.get_papers(ids)]
    assert len(known) > 10
    for rank, arxiv_id in enumerate(known):
        for voter in range(len(known) - rank):
            await store.toggle_vote(paperboy.guild.id, arxiv_id, 1000 + voter)
    _, message = await command(paperboy.fake, "trending", {"period": "all"})
    assert footer(embeds_of(message)[0]) == f"{len(known)} papers · page 1/2"
    turned = await paperboy.fake.click(message, button(message, "Next")["custom_id"])
    page2 = turned.callback_data["embeds"][0]
    assert page2["description"].startswith("11. ")


async def test_trending_with_no_votes_says_how_to_vote(paperboy):
    result, message = await command(paperboy.fake, "trending", {"period": "all"})
    assert result.ephemeral
    assert "Press 👍 on a paper's card" in all_text(message)
