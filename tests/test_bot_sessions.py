"""The reading group's next session and its discussion: /session nominate, shortlist, poll and
pick, the poll's winner picked when it ends, and the "Discuss" button, through the local
Discord with the real client."""

from __future__ import annotations

import asyncio

import pytest

from .bot_support import (
    EPHEMERAL,
    assert_discord_would_accept,
    button,
    command,
    embeds_of,
    opened_search_card,
    running_bot,
)
from .fake_discord import FakeDiscord, Perm, polls

RETROLM = "2503.10001"
RETROLM_TITLE = "RetroLM: Retrieval-Augmented Language Models at Scale"
OTHER = "2503.10002"
THIRD = "2503.10003"
ADMIN = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.MANAGE_GUILD


@pytest.fixture
def admin(paperboy):
    return paperboy.fake.add_member(paperboy.guild, username="admin", permissions=ADMIN)


async def nominate(fake, arxiv_id, user=None):
    return await command(fake, "session nominate", {"paper": arxiv_id}, user=user)


async def eventually(check, what):
    """Wait until the bot's database says `await check()` (it records after Discord answered)."""
    for _ in range(300):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def run_poll(paperboy, admin, papers=(RETROLM, OTHER, THIRD), **options):
    """/session poll, once the bot has recorded the poll it posted (so that it can end)."""
    for arxiv_id in papers:
        await nominate(paperboy.fake, arxiv_id)
    result, message = await command(paperboy.fake, "session poll", options, user=admin)
    if "poll" in message:
        await eventually(lambda: paperboy.bot.store.session_poll(int(message["id"])),
                         "the poll to be recorded")
    return result, message


def discussion_threads(fake):
    return [t for t in fake.threads if not t.deleted]


async def wait_for_thread(fake, name, count=1):
    return await fake.wait_until(
        lambda: len([t for t in discussion_threads(fake) if t.name == name]) == count
        and [t for t in discussion_threads(fake) if t.name == name],
        timeout=5, what=f"a thread named {name!r}")


def cards_in(fake, channel):
    return [m for m in fake.messages(channel) if m["embeds"] and m["embeds"][0].get("url")]


# --- nominating ------------------------------------------------------------------------------


async def test_a_paper_is_nominated_once(paperboy):
    fake = paperboy.fake
    result, message = await nominate(fake, RETROLM)
    assert not result.ephemeral
    assert "RetroLM" in message["content"] and "1 nominated" in message["content"]
    stranger = fake.add_member(paperboy.guild, username="stranger")
    again, message = await nominate(fake, "RetroLM", user=stranger)
    assert again.ephemeral and "already on the next session's shortlist" in message["content"]
    [entry] = await paperboy.bot.store.shortlist(paperboy.guild.id)
    assert entry.arxiv_id == RETROLM and entry.nominated_by == fake.tester.id


async def test_nominate_offers_titles_as_one_types(paperboy):
    choices = await paperboy.fake.autocomplete("session nominate", {"paper": "retro"},
                                               focused="paper")
    assert choices and choices[0]["value"] == RETROLM


async def test_an_unknown_paper_is_not_nominated(paperboy):
    result, message = await nominate(paperboy.fake, "no such paper at all")
    assert result.ephemeral and "I don't know a paper" in message["content"]
    assert await paperboy.bot.store.shortlist(paperboy.guild.id) == []


async def test_the_shortlist_lists_the_nominated_papers(paperboy):
    await nominate(paperboy.fake, RETROLM)
    await nominate(paperboy.fake, OTHER)
    _, message = await command(paperboy.fake, "session shortlist")
    [embed] = embeds_of(message)
    assert embed["description"].startswith("1. [RetroLM")
    assert len(embed["description"].splitlines()) == 2


# --- the poll --------------------------------------------------------------------------------


async def test_the_poll_asks_which_shortlisted_paper_to_read(paperboy, admin):
    result, message = await run_poll(paperboy, admin, hours=48)
    assert not result.ephemeral
    poll = message["poll"]
    assert poll["question"]["text"] == "Which paper should we read next?"
    answers = [a["poll_media"]["text"] for a in poll["answers"]]
    assert len(answers) == 3 and answers[0].startswith("RetroLM")
    assert all(len(text) <= 55 for text in answers)
    assert "48 h" in message["content"]
    recorded = await paperboy.bot.store.open_poll(paperboy.guild.id)
    assert recorded is not None and recorded.message_id == int(message["id"])
    assert recorded.answers == (RETROLM, OTHER, THIRD)


async def test_a_poll_holds_ten_papers_at_most(paperboy, admin):
    ids = [p.arxiv_id for p in await paperboy.bot.store.get_papers(
        f"2503.100{n:02d}" for n in range(1, 13))]
    assert len(ids) > 10
    _, message = await run_poll(paperboy, admin, papers=ids)
    assert len(message["poll"]["answers"]) == 10
    assert f"The first 10 of {len(ids)} nominated papers" in message["content"]


async def test_only_server_managers_start_a_poll(paperboy):
    for arxiv_id in (RETROLM, OTHER):
        await nominate(paperboy.fake, arxiv_id)
    member = paperboy.fake.add_member(paperboy.guild, username="member",
                                      permissions=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
    result, message = await command(paperboy.fake, "session poll", user=member)
    assert result.ephemeral and "Manage Server" in message["content"]
    assert await paperboy.bot.store.open_poll(paperboy.guild.id) is None


async def test_a_poll_needs_two_papers(paperboy, admin):
    result, message = await run_poll(paperboy, admin, papers=(RETROLM,))
    assert result.ephemeral and "at least two nominated papers" in message["content"]


async def test_the_polls_winner_is_picked_when_it_ends(paperboy, admin):
    fake = paperboy.fake
    _, poll_message = await run_poll(paperboy, admin)
    for name, answer in (("a", 2), ("b", 2), ("c", 1)):
        await polls.vote(fake, poll_message, answer, user=fake.add_member(username=name))
    polls.end(fake, poll_message)

    [thread] = await wait_for_thread(fake, (await paperboy.bot.store.get_paper(OTHER)).title)
    general = paperboy.guild.text_channels[0]
    [card] = [m for m in cards_in(fake, general) if m["id"] == str(thread.id)]
    assert card["content"] == "📚 **The next session's paper**"
    assert card["embeds"][0]["url"].endswith(OTHER)
    assert button(card, "Discuss") and button(card, "👍")
    assert thread.parent_id == general.id
    store = paperboy.bot.store

    async def next_session_is_fresh():
        return not await store.shortlist(paperboy.guild.id) and (
            await store.open_poll(paperboy.guild.id) is None)

    await eventually(next_session_is_fresh, "an empty shortlist and no open poll")
    recorded = await store.discussion_thread(paperboy.guild.id, arxiv_id=OTHER)
    assert recorded is not None and recorded.thread_id == thread.id


async def test_a_tied_poll_asks_an_admin_to_pick(paperboy, admin):
    fake = paperboy.fake
    _, poll_message = await run_poll(paperboy, admin)
    await polls.vote(fake, poll_message, 1, user=fake.add_member(username="a"))
    await polls.vote(fake, poll_message, 2, user=fake.add_member(username="b"))
    polls.end(fake, poll_message)
    notice = await fake.wait_for_message(
        paperboy.guild.text_channels[0], predicate=lambda m: "without a single winner"
        in m["content"])
    assert "/session pick paper:" in notice["content"]
    assert discussion_threads(fake) == []
    assert await paperboy.bot.store.open_poll(paperboy.guild.id) is not None


async def test_pick_without_a_paper_takes_the_polls_leader_and_ends_the_poll(paperboy, admin):
    fake = paperboy.fake
    _, poll_message = await run_poll(paperboy, admin)
    await polls.vote(fake, poll_message, 1, user=fake.add_member(username="a"))
    result, reply = await command(fake, "session pick", user=admin)
    assert result.ephemeral and "Picked **RetroLM" in reply["content"]
    await wait_for_thread(fake, RETROLM_TITLE)
    assert fake.message(poll_message["id"])["poll"]["results"]["is_finalized"]
    # The poll's end arrives as its result message: the same pick, nothing sent twice.
    await fake.wait_for_message(predicate=lambda m: m["type"] == polls.POLL_RESULT)
    await fake.flush()
    general = paperboy.guild.text_channels[0]
    assert [m["embeds"][0]["url"] for m in cards_in(fake, general)] == [
        f"https://huggingface.co/papers/{RETROLM}"]
    assert len(discussion_threads(fake)) == 1


async def test_pick_a_paper_posts_its_card_and_opens_a_thread_named_after_it(paperboy, admin):
    fake = paperboy.fake
    result, reply = await command(fake, "session pick", {"paper": "RetroLM"}, user=admin)
    assert result.ephemeral
    [thread] = await wait_for_thread(fake, RETROLM_TITLE)
    assert f"/{thread.id})" in reply["content"]  # a link to the thread, not a mention
    [card] = cards_in(fake, paperboy.guild.text_channels[0])
    assert card["id"] == str(thread.id)


async def test_pick_without_a_poll_says_what_to_do(paperboy, admin):
    result, reply = await command(paperboy.fake, "session pick", user=admin)
    assert result.ephemeral and "no open session poll" in reply["content"]


async def test_pick_where_the_bot_cannot_open_threads_says_so_and_sends_nothing(paperboy, admin):
    fake = paperboy.fake
    closed = fake.add_text_channel(paperboy.guild, "closed", bot_permissions=(
        Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS | Perm.READ_MESSAGE_HISTORY))
    result, reply = await command(fake, "session pick", {"paper": RETROLM}, user=admin,
                                  channel=closed)
    assert result.ephemeral and "Create Public Threads" in reply["content"]
    assert cards_in(fake, closed) == [] and discussion_threads(fake) == []


async def test_a_rate_limited_pick_is_retried_and_posts_once(paperboy, admin):
    fake = paperboy.fake
    fake.fail_next("POST", r"/channels/\d+/messages$", 429, retry_after=0.05)
    fake.fail_next("POST", r"/channels/\d+/messages/\d+/threads$", 429, retry_after=0.05)
    await command(fake, "session pick", {"paper": RETROLM}, user=admin)
    await wait_for_thread(fake, RETROLM_TITLE)
    assert len(cards_in(fake, paperboy.guild.text_channels[0])) == 1


# --- Discuss ---------------------------------------------------------------------------------


async def press_discuss(fake, message, user=None):
    pressed = await fake.click(message, button(message, "Discuss")["custom_id"], user=user)
    assert pressed.ack_latency < 3 and pressed.ephemeral
    return await pressed.final_message()


async def test_discuss_opens_a_thread_on_the_card_and_reuses_it(paperboy):
    fake = paperboy.fake
    _, card = await command(fake, "paper", {"query": RETROLM})
    answer = await press_discuss(fake, card)
    assert answer["flags"] & EPHEMERAL and "Discuss it here" in answer["content"]
    [thread] = discussion_threads(fake)
    assert thread.id == int(card["id"]) and thread.name == RETROLM_TITLE

    stranger = fake.add_member(paperboy.guild, username="stranger")
    again = await press_discuss(fake, card, user=stranger)
    assert "is here" in again["content"] and f"/{thread.id})" in again["content"]
    assert len(discussion_threads(fake)) == 1


async def test_discuss_on_another_card_of_the_paper_reuses_its_thread(paperboy):
    fake = paperboy.fake
    _, first = await command(fake, "paper", {"query": RETROLM})
    await press_discuss(fake, first)
    _, second = await command(fake, "paper", {"query": RETROLM})
    answer = await press_discuss(fake, second)
    assert f"/{first['id']})" in answer["content"]
    assert len(discussion_threads(fake)) == 1


async def test_discuss_on_a_private_card_posts_the_card_in_the_channel_first(paperboy):
    fake = paperboy.fake
    chosen, private = await opened_search_card(fake)
    await press_discuss(fake, private)
    [thread] = discussion_threads(fake)
    [card] = [m for m in cards_in(fake, paperboy.guild.text_channels[0])
              if m["id"] == str(thread.id)]
    assert card["embeds"][0]["url"].endswith(chosen)


async def test_a_deleted_thread_is_replaced_by_a_new_one(paperboy):
    fake = paperboy.fake
    _, card = await command(fake, "paper", {"query": RETROLM})
    await press_discuss(fake, card)
    [thread] = discussion_threads(fake)
    fake.delete_channel(thread)
    await fake.flush()
    answer = await press_discuss(fake, card)
    assert "Discuss it here" in answer["content"]
    [new] = discussion_threads(fake)
    assert new.id != thread.id and new.name == RETROLM_TITLE
    assert len(cards_in(fake, paperboy.guild.text_channels[0])) == 2  # the card, posted anew


async def test_discuss_where_the_bot_cannot_open_threads_says_so(paperboy):
    fake = paperboy.fake
    closed = fake.add_text_channel(paperboy.guild, "closed", bot_permissions=(
        Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS))
    _, card = await command(fake, "paper", {"query": RETROLM}, channel=closed)
    answer = await press_discuss(fake, card)
    assert "Create Public Threads" in answer["content"]
    assert discussion_threads(fake) == []


async def test_discuss_survives_a_restart_and_reuses_the_recorded_thread(tmp_path):
    async with FakeDiscord(bot_name="Paperboy") as fake:
        fake.add_guild("Papers Club")
        async with running_bot(tmp_path, fake=fake):
            _, card = await command(fake, "paper", {"query": RETROLM})
            await press_discuss(fake, card)
        async with running_bot(tmp_path, fake=fake):
            _, other = await command(fake, "paper", {"query": RETROLM})
            answer = await press_discuss(fake, other)
            assert f"/{card['id']})" in answer["content"]
            assert len(discussion_threads(fake)) == 1
        assert_discord_would_accept(fake)


async def test_a_pick_that_failed_half_way_is_finished_by_the_next_pick_without_a_second_card(
        paperboy, admin):
    fake = paperboy.fake
    _, poll_message = await run_poll(paperboy, admin)
    await polls.vote(fake, poll_message, 1, user=fake.add_member(username="a"))
    fake.fail_next("POST", r"/messages/\d+/threads$", 403,
                   json={"message": "Missing Permissions", "code": 50013})
    result, reply = await command(fake, "session pick", user=admin)
    assert result.ephemeral and "Discord refused" in reply["content"]
    general = paperboy.guild.text_channels[0]
    assert len(cards_in(fake, general)) == 1 and discussion_threads(fake) == []

    _, reply = await command(fake, "session pick", user=admin)  # the poll is still open
    assert "Picked **RetroLM" in reply["content"]
    [thread] = await wait_for_thread(fake, RETROLM_TITLE)
    [card] = cards_in(fake, general)
    assert thread.id == int(card["id"])


async def test_a_pick_whose_card_was_sent_but_not_recorded_posts_no_second_card_later(
        paperboy, admin, monkeypatch):
    """A crash between sending the card and recording it, retried after Discord's nonce window
    (five minutes) is over: the card is found in the channel's history."""
    from .fake_discord import rest_channels

    fake, store = paperboy.fake, paperboy.bot.store
    _, poll_message = await run_poll(paperboy, admin)
    await polls.vote(fake, poll_message, 1, user=fake.add_member(username="a"))
    recorded = store.record_pick_card

    async def crash(*args):
        raise ConnectionResetError("the bot died here")

    monkeypatch.setattr(store, "record_pick_card", crash)
    await command(fake, "session pick", user=admin)
    general = paperboy.guild.text_channels[0]
    assert len(cards_in(fake, general)) == 1
    monkeypatch.setattr(store, "record_pick_card", recorded)
    monkeypatch.setattr(rest_channels, "NONCE_WINDOW", 0.0)  # the nonce no longer helps

    _, reply = await command(fake, "session pick", user=admin)
    assert "Picked **RetroLM" in reply["content"]
    [card] = cards_in(fake, general)
    [thread] = await wait_for_thread(fake, RETROLM_TITLE)
    assert thread.id == int(card["id"])


async def test_a_poll_outlives_a_restart(tmp_path):
    async with FakeDiscord(bot_name="Paperboy") as fake:
        guild = fake.add_guild("Papers Club")
        admin = fake.add_member(guild, username="admin", permissions=ADMIN)
        async with running_bot(tmp_path, fake=fake) as first:
            _, poll_message = await run_poll(first, admin)
            await polls.vote(fake, poll_message, 3, user=fake.add_member(username="a"))
        polls.end(fake, poll_message)  # while the bot is down: it never sees the result
        async with running_bot(tmp_path, fake=fake):
            _, reply = await command(fake, "session pick", user=admin)
            assert "Picked" in reply["content"]
            [thread] = await fake.wait_until(lambda: discussion_threads(fake))
            [card] = cards_in(fake, guild.text_channels[0])
            assert card["embeds"][0]["url"].endswith(THIRD) and thread.id == int(card["id"])
        assert_discord_would_accept(fake)


async def test_pick_from_a_poll_whose_channel_was_deleted_says_so(paperboy, admin):
    fake = paperboy.fake
    room = fake.add_text_channel(paperboy.guild, "reading-room")
    for arxiv_id in (RETROLM, OTHER):
        await nominate(fake, arxiv_id)
    _, poll_message = await command(fake, "session poll", user=admin, channel=room)
    await eventually(lambda: paperboy.bot.store.session_poll(int(poll_message["id"])),
                     "the poll to be recorded")
    fake.delete_channel(room)
    await fake.flush()
    result, reply = await command(fake, "session pick", user=admin)
    assert result.ephemeral and "The poll's channel no longer exists" in reply["content"]
    assert discussion_threads(fake) == []


async def test_a_rate_limited_discuss_opens_one_thread(paperboy):
    fake = paperboy.fake
    _, card = await command(fake, "paper", {"query": RETROLM})
    fake.fail_next("POST", r"/messages/\d+/threads$", 429, retry_after=0.05, times=2)
    answer = await press_discuss(fake, card)
    assert "Discuss it here" in answer["content"]
    assert len(discussion_threads(fake)) == 1


async def test_members_pressing_discuss_together_get_one_thread(paperboy):
    fake = paperboy.fake
    _, private = await opened_search_card(fake)  # a private card: Discuss posts the card first
    others = [fake.add_member(paperboy.guild, username=f"m{n}") for n in range(3)]
    answers = await asyncio.gather(*(press_discuss(fake, private, user=u) for u in others))
    assert len(discussion_threads(fake)) == 1
    posted = [m for m in cards_in(fake, paperboy.guild.text_channels[0]) if m["type"] == 0]
    assert len(posted) == 1  # the search results aside, one card was posted
    assert sum("Discuss it here" in a["content"] for a in answers) == 1
