"""The server's reading list, end to end through the local Discord: "Save" on paper cards,
`/reading list`, `remove`, `clear` (Manage Server, confirmed) and `export` as a file."""

from __future__ import annotations

import asyncio

import bibtexparser
import pytest

import bot.reading_views
from bot.cards.reading import reading_list_pages
from bot.digest import PaperRecord
from bot.store import SavedPaper, Store

from .bot_support import (
    EPHEMERAL,
    all_text,
    assert_discord_would_accept,
    button,
    command,
    components_of,
    embeds_of,
    footer,
    opened_search_card,
    running_bot,
    select_menu,
)
from .fake_discord import FakeDiscord, Perm
from .fake_discord.dm_interactions import dm_click, put_in_dm
from .fake_discord.uploads import attachment_data

RETROLM = "2503.10001"
RETROLM_TITLE = "RetroLM: Retrieval-Augmented Language Models at Scale"
LONG = "2503.10007"
PAPERS = [f"2503.{10000 + n}" for n in range(1, 18) if n != 6]  # 2503.10006 has no id link
ADMIN = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.MANAGE_GUILD


async def card_of(fake, arxiv_id: str) -> dict:
    _, message = await command(fake, "paper", {"query": arxiv_id})
    return message


async def save(fake, arxiv_id: str, user=None) -> str:
    card = await card_of(fake, arxiv_id)
    pressed = await fake.click(card, button(card, "Save")["custom_id"], user=user)
    assert pressed.callback_type == 4 and pressed.ephemeral and pressed.ack_latency < 3
    return pressed.callback_data["content"]


async def rows(run) -> list[tuple]:
    async with await Store.open(run.db_path) as store, store.db.execute(
            "SELECT guild_id, arxiv_id, saved_by, saved_by_name FROM reading_list") as cursor:
        return [tuple(row) async for row in cursor]


# --- Save ----------------------------------------------------------------------------------


async def test_save_puts_a_paper_on_the_list_once_and_remembers_who(paperboy):
    fake = paperboy.fake
    stranger = fake.add_member(paperboy.guild, username="stranger")

    assert await save(fake, RETROLM) == f"Saved to the reading list: {RETROLM_TITLE}"
    again = await save(fake, RETROLM, user=stranger)
    assert again.startswith("Already on the reading list (saved by Tester on 20")
    mine = await save(fake, RETROLM)
    assert mine.startswith("Already on the reading list: you saved it on 20")

    assert await rows(paperboy) == [(paperboy.guild.id, RETROLM, fake.tester.id, "Tester")]


async def test_saves_at_the_same_moment_keep_one_row_and_agree_who_won(db_path):
    async with await Store.open(db_path) as store:
        results = await asyncio.gather(*(
            store.save_to_reading_list(1, RETROLM, user, f"user {user}") for user in range(5)))
        [winner] = [entry for entry, added in results if added]
        assert {entry for entry, _ in results} == {winner}
        assert len(await store.reading_list(1)) == 1 and await store.reading_list(2) == []


async def test_every_paper_card_has_save_the_opened_search_results_too(paperboy):
    fake = paperboy.fake
    chosen, card = await opened_search_card(fake)
    pressed = await fake.click(card, button(card, "Save")["custom_id"])
    assert pressed.callback_data["content"].startswith("Saved to the reading list")
    assert [r[1] for r in await rows(paperboy)] == [chosen]


async def test_save_on_a_paper_gone_from_the_digests_says_so(paperboy):
    fake = paperboy.fake
    card = await card_of(fake, RETROLM)
    custom_id = button(card, "Save")["custom_id"]
    async with await Store.open(paperboy.db_path) as store:
        await store.db.execute("DELETE FROM papers WHERE arxiv_id = ?", (RETROLM,))
    pressed = await fake.click(card, custom_id)
    assert pressed.ephemeral and "no longer in the digests" in pressed.callback_data["content"]
    assert await rows(paperboy) == []


async def test_the_save_button_still_works_after_a_restart(tmp_path):
    async with FakeDiscord(bot_name="Paperboy") as fake:
        fake.add_guild("Papers Club")
        async with running_bot(tmp_path, fake=fake):
            card = await card_of(fake, LONG)
            assert (await fake.click(card, button(card, "Save")["custom_id"])
                    ).callback_data["content"].startswith("Saved")
        async with running_bot(tmp_path, fake=fake) as second:  # same database, new process
            pressed = await fake.click(card, button(card, "Save")["custom_id"])
            assert pressed.callback_data["content"].startswith("Already on the reading list")
            _, listed = await command(fake, "reading list")
            assert "Very Long Summaries Considered Helpful" in all_text(listed)
            assert len(await rows(second)) == 1
        assert_discord_would_accept(fake)


# --- /reading list -------------------------------------------------------------------------


async def test_the_list_is_newest_first_with_who_saved_each(paperboy):
    fake = paperboy.fake
    ada = fake.add_member(paperboy.guild, username="ada")
    await save(fake, "2503.10002")
    await save(fake, RETROLM, user=ada)
    await save(fake, LONG)

    result, message = await command(fake, "reading list")
    assert not result.ephemeral
    [embed] = embeds_of(message)
    assert embed["title"] == "Reading list of Papers Club"
    lines = embed["description"].splitlines()
    assert [line.split(" · ")[0] for line in lines] == [
        "1. [Very Long Summaries Considered Helpful](https://huggingface.co/papers/2503.10007)",
        f"2. [{RETROLM_TITLE}](https://huggingface.co/papers/{RETROLM})",
        "3. [Sparse Mixture of Retrieval Experts](https://huggingface.co/papers/2503.10002)"]
    assert [line.split(" · ")[1][:-len(" on 2026-01-01")] for line in lines] == [
        "saved by Tester", "saved by ada", "saved by Tester"]
    assert footer(embed) == "3 papers, newest first · page 1/1"
    assert {o["value"] for o in select_menu(message)["options"]} == {LONG, RETROLM,
                                                                     "2503.10002"}


async def test_a_long_list_pages_and_its_menu_opens_cards(paperboy):
    fake = paperboy.fake
    for arxiv_id in PAPERS[:12]:
        await save(fake, arxiv_id)
    _, message = await command(fake, "reading list")
    assert footer(embeds_of(message)[0]) == "12 papers, newest first · page 1/2"
    turned = await fake.click(message, button(message, "Next")["custom_id"])
    page2 = turned.callback_data["embeds"][0]
    assert page2["description"].startswith("11. ")
    assert len(page2["description"].splitlines()) == 2
    shown = fake.message(message["id"])
    opened = await fake.select(shown, select_menu(shown)["custom_id"], [PAPERS[0]])
    assert embeds_of(await opened.final_message())[0]["url"].endswith(PAPERS[0])


async def test_an_empty_list_says_how_to_fill_it(paperboy):
    for name in ("reading list", "reading export"):
        options = {"format": "bibtex"} if name.endswith("export") else {}
        result = await paperboy.fake.slash(name, options)
        assert result.ephemeral and "press **Save** on a paper card" in (
            result.callback_data["content"]), name


async def test_other_servers_have_lists_of_their_own(tmp_path):
    async with FakeDiscord(bot_name="Paperboy") as fake:
        fake.add_guild("Papers Club")
        other = fake.add_guild("Other Club")
        async with running_bot(tmp_path, fake=fake):
            await save(fake, RETROLM)
            result = await fake.slash("reading list", {}, guild=other)
            assert result.ephemeral and "empty" in result.callback_data["content"]
            _, card = await command(fake, "paper", {"query": RETROLM}, guild=other)
            pressed = await fake.click(card, button(card, "Save")["custom_id"])
            assert pressed.callback_data["content"].startswith("Saved to the reading list")
            _, listed = await command(fake, "reading list", guild=other)
            assert footer(embeds_of(listed)[0]).startswith("1 paper, newest first")
        assert_discord_would_accept(fake)


async def test_list_pages_fit_discord_whatever_the_titles_and_names():
    long_title = "*_[]<@1>" * 100  # escaping makes it longer still
    entries = [SavedPaper(f"2503.{n:05d}", n, "@everyone " * 20, "2025-03-07T10:00:00.000Z",
                          PaperRecord(f"2503.{n:05d}", long_title, (), "", ("2025-03-07",), "x"))
               for n in range(25)]
    pages = reading_list_pages("Papers Club " * 40, entries, 10)
    assert len(pages) == 3
    for page in pages:
        assert len(page.title or "") <= 256 and len(page.description or "") <= 4096
        assert "@everyone" not in (page.description or "")


# --- /reading remove -----------------------------------------------------------------------


async def test_remove_offers_the_saved_papers_and_takes_one_off(paperboy):
    fake = paperboy.fake
    await save(fake, RETROLM)
    await save(fake, LONG)

    choices = await fake.autocomplete("reading remove", {"paper": "retro"}, focused="paper")
    assert [c["value"] for c in choices] == [RETROLM]
    everything = await fake.autocomplete("reading remove", {"paper": ""}, focused="paper")
    assert [c["value"] for c in everything] == [LONG, RETROLM]

    result, message = await command(fake, "reading remove", {"paper": RETROLM})
    assert result.ephemeral
    assert message["content"].startswith(f"Removed from the reading list: {RETROLM_TITLE}")
    assert [r[1] for r in await rows(paperboy)] == [LONG]

    missing = await fake.slash("reading remove", {"paper": RETROLM})
    assert missing.ephemeral and "is not on the reading list" in (
        missing.callback_data["content"])


async def test_remove_takes_a_typed_title_or_link_too(paperboy):
    fake = paperboy.fake
    await save(fake, RETROLM)
    await save(fake, LONG)
    await command(fake, "reading remove", {"paper": RETROLM_TITLE.lower()})
    await command(fake, "reading remove", {"paper": f"https://arxiv.org/abs/{LONG}v2"})
    assert await rows(paperboy) == []


# --- /reading clear ------------------------------------------------------------------------


async def test_clear_needs_manage_server(paperboy):
    fake = paperboy.fake
    await save(fake, RETROLM)
    refused = await fake.slash("reading clear", {})
    assert refused.ephemeral and "Manage Server" in refused.callback_data["content"]
    assert len(await rows(paperboy)) == 1


async def test_clear_asks_first_and_cancel_keeps_the_list(paperboy):
    fake = paperboy.fake
    admin = fake.add_member(paperboy.guild, username="admin", permissions=ADMIN)
    await save(fake, RETROLM)
    await save(fake, LONG)

    asked, question = await command(fake, "reading clear", user=admin)
    assert asked.ephemeral and "Remove all 2 papers" in question["content"]
    assert button(question, "Clear 2 papers")["style"] == 4  # danger
    cancelled = await fake.click(question, button(question, "Cancel")["custom_id"], user=admin)
    assert cancelled.callback_type == 7
    assert cancelled.callback_data["content"] == "Nothing was cleared."
    assert cancelled.callback_data["components"] == []
    assert len(await rows(paperboy)) == 2

    _, question = await command(fake, "reading clear", user=admin)
    cleared = await fake.click(question, button(question, "Clear")["custom_id"], user=admin)
    assert cleared.callback_data["content"] == "Cleared the reading list: 2 papers removed."
    assert await rows(paperboy) == []


async def test_an_unanswered_clear_question_goes_away(paperboy, monkeypatch):
    fake = paperboy.fake
    monkeypatch.setattr(bot.reading_views, "CONFIRM_TIMEOUT", 0.3)
    admin = fake.add_member(paperboy.guild, username="admin", permissions=ADMIN)
    await save(fake, RETROLM)
    _, question = await command(fake, "reading clear", user=admin)
    await fake.wait_until(lambda: not components_of(fake.message(question["id"])), timeout=3,
                          what="the confirmation's buttons to go")
    assert "Nothing was cleared" in fake.message(question["id"])["content"]
    assert len(await rows(paperboy)) == 1


# --- /reading export -----------------------------------------------------------------------


async def export(fake, format: str) -> tuple[dict, str]:
    result, message = await command(fake, "reading export", {"format": format})
    assert result.ephemeral and message["flags"] & EPHEMERAL
    [attachment] = message["attachments"]
    return attachment, attachment_data(fake, attachment).decode("utf-8")


@pytest.fixture
async def saved_three(paperboy):
    fake = paperboy.fake
    for arxiv_id in (RETROLM, "2503.10005", LONG):
        await save(fake, arxiv_id)
    return paperboy


async def test_export_bibtex_sends_a_file_a_bibtex_parser_reads(saved_three):
    fake = saved_three.fake
    attachment, text = await export(fake, "bibtex")
    assert attachment["filename"].startswith("reading-list-")
    assert attachment["filename"].endswith(".bib")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert [e["eprint"] for e in library.entries] == [LONG, "2503.10005", RETROLM]
    retrolm = library.entries[2]
    assert retrolm["title"] == RETROLM_TITLE
    assert retrolm["author"] == "Mira Castellanos and Ada Okonkwo"
    assert (retrolm["archivePrefix"], retrolm["year"]) == ("arXiv", "2025")
    assert retrolm["url"] == f"https://arxiv.org/abs/{RETROLM}"
    assert "can be partial" in text.splitlines()[1]


async def test_export_ris_and_markdown_send_files_too(saved_three):
    fake = saved_three.fake
    attachment, text = await export(fake, "ris")
    assert attachment["filename"].endswith(".ris")
    assert text.count("TY  - ELEC") == 3 and text.count("ER  - ") == 3
    assert f"TI  - {RETROLM_TITLE}" in text and "AU  - Ada Okonkwo" in text

    attachment, text = await export(fake, "markdown")
    assert attachment["filename"].endswith(".md")
    links = [line for line in text.splitlines() if line.startswith("- [")]
    assert len(links) == 3 and f"(https://arxiv.org/abs/{RETROLM})" in links[2]


async def test_the_export_request_is_multipart_with_payload_json_and_one_file(saved_three):
    fake = saved_three.fake
    await export(fake, "bibtex")
    [request] = [r for r in fake.requests if r.path.endswith("/callback") and r.files]
    assert [f["field"] for f in request.files] == ["files[0]"]
    assert request.json["data"]["attachments"][0]["filename"].endswith(".bib")
    assert request.headers["Content-Type"].startswith("multipart/form-data")


async def test_an_export_too_big_for_discord_is_refused_with_a_reason(saved_three, monkeypatch):
    from .fake_discord import drivers

    monkeypatch.setattr(drivers, "ATTACHMENT_SIZE_LIMIT", 100)  # what the interaction says
    result = await saved_three.fake.slash("reading export", {"format": "bibtex"})
    assert result.ephemeral and "too long for one file" in result.callback_data["content"]
    assert not [r for r in saved_three.fake.requests if r.files]


async def test_a_list_of_hundreds_of_papers_stays_within_discords_limits(paperboy):
    async with await Store.open(paperboy.db_path) as store:
        ids = [p.arxiv_id async for p in store.iter_papers()]
        gone = [f"2601.{n:05d}" for n in range(400 - len(ids))]  # no longer in the digests
        for n, arxiv_id in enumerate(ids + gone):
            await store.db.execute(
                "INSERT INTO reading_list (guild_id, arxiv_id, saved_by, saved_by_name)"
                " VALUES (?, ?, ?, ?)", (paperboy.guild.id, arxiv_id, n, "x" * 80))
    _, message = await command(paperboy.fake, "reading list")
    assert footer(embeds_of(message)[0]) == "400 papers, newest first · page 1/40"
    _, text = await export(paperboy.fake, "bibtex")
    assert text.count("@misc{") == 400 and "title = {arXiv:2601.00000}" in text
    for format in ("ris", "markdown"):
        _, text = await export(paperboy.fake, format)
        assert text.count("https://arxiv.org/abs/") == 400


async def test_save_in_a_direct_message_says_the_list_is_per_server(paperboy):
    fake = paperboy.fake
    card = put_in_dm(fake, await card_of(fake, RETROLM))  # e.g. a card a watch sent by DM
    pressed = await dm_click(fake, card, button(card, "Save")["custom_id"])
    assert pressed.callback_type == 4 and pressed.ephemeral
    assert pressed.callback_data["content"] == bot.reading_views.PER_SERVER
    assert await rows(paperboy) == []


async def test_the_daily_digest_cards_have_save_too(tmp_path):
    async with running_bot(tmp_path) as run:
        fake = run.fake
        admin = fake.add_member(run.guild, username="admin", permissions=ADMIN)
        await command(fake, "digest channel", {"channel": run.guild.text_channels[0]},
                      user=admin)
        _, done = await command(fake, "digest post", {"date": "2025-03-03"}, user=admin)
        assert "Posted the 2025-03-03 digest" in done["content"]
        [thread] = fake.threads
        cards = [m for m in fake.messages(thread) if embeds_of(m)]
        assert len(cards) == 3
        pressed = await fake.click(cards[0], button(cards[0], "Save")["custom_id"])
        assert pressed.callback_data["content"] == f"Saved to the reading list: {RETROLM_TITLE}"
        assert [r[1] for r in await rows(run)] == [RETROLM]
        assert_discord_would_accept(fake, mentions=False)  # the digest replies name #general
