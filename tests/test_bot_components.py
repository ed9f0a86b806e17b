"""Buttons and menus on Paperboy's messages: pagers, the paper menu and "Full summary"."""

from __future__ import annotations

import pytest

import bot.views

from .bot_support import (
    EPHEMERAL,
    all_text,
    assert_discord_would_accept,
    button,
    command,
    components_of,
    embeds_of,
    footer,
    running_bot,
    select_menu,
)

LONG = "2503.10007"  # the paper whose summary does not fit on its card
LAST_SENTENCE = "The closing sentence says the full text is worth reading to the end."


async def search_retrieval(fake):
    _, message = await command(fake, "search", {"query": "retrieval"})
    assert footer(embeds_of(message)[-1]).startswith("Page 1/2")
    return message


# --- pagers --------------------------------------------------------------------------------


async def test_the_invoker_turns_pages_forward_and_back(paperboy):
    fake = paperboy.fake
    message = await search_retrieval(fake)
    first_titles = [e["title"] for e in embeds_of(message)]

    turned = await fake.click(message, button(message, "Next")["custom_id"])
    assert turned.callback_type == 7 and turned.ack_latency < 3
    page2 = turned.callback_data["embeds"]
    assert len(page2) == 4 and footer(page2[-1]) == "Page 2/2 · 9 results for “retrieval”"
    shown = fake.message(message["id"])  # the message itself now shows page 2
    assert [e["title"] for e in embeds_of(shown)] == [e["title"] for e in page2]
    assert button(shown, "Next")["disabled"] and not button(shown, "Prev")["disabled"]
    assert {o["value"] for o in select_menu(shown)["options"]} == {
        e["url"].rsplit("/", 1)[1] for e in page2}

    back = await fake.click(shown, button(shown, "Prev")["custom_id"])
    assert back.callback_type == 7
    assert [e["title"] for e in back.callback_data["embeds"]] == first_titles


async def test_someone_else_cannot_turn_the_pages(paperboy):
    fake = paperboy.fake
    message = await search_retrieval(fake)
    stranger = fake.add_member(paperboy.guild, username="stranger")

    refused = await fake.click(message, button(message, "Next")["custom_id"], user=stranger)
    assert refused.callback_type == 4 and refused.ephemeral
    assert "belong to whoever ran the command" in refused.callback_data["content"]
    assert fake.message(message["id"])["embeds"] == message["embeds"]  # unchanged


async def test_a_pager_that_times_out_disables_its_buttons(paperboy, monkeypatch):
    fake = paperboy.fake
    monkeypatch.setattr(bot.views, "TIMEOUT", 0.3)
    message = await search_retrieval(fake)

    def disabled() -> bool:
        components = components_of(fake.message(message["id"]))
        return bool(components) and all(c.get("disabled") for c in components)

    await fake.wait_until(disabled, timeout=3, what="the pager's buttons to be disabled")
    assert fake.message(message["id"])["embeds"] == message["embeds"]  # still page 1
    with pytest.raises(ValueError, match="disabled"):
        await fake.click(message, button(message, "Next")["custom_id"])


async def test_a_list_pager_times_out_too(paperboy, monkeypatch):
    fake = paperboy.fake
    monkeypatch.setattr(bot.views, "TIMEOUT", 0.3)
    _, message = await command(fake, "today")
    await fake.wait_until(
        lambda: all(c.get("disabled") for c in components_of(fake.message(message["id"]))),
        timeout=3, what="/today's buttons to be disabled")


# --- the paper menu ------------------------------------------------------------------------


async def test_the_menu_opens_a_result_card_privately_for_anyone(paperboy):
    fake = paperboy.fake
    message = await search_retrieval(fake)
    menu = select_menu(message)
    chosen = menu["options"][0]["value"]
    stranger = fake.add_member(paperboy.guild, username="stranger")

    for user in (None, stranger):
        opened = await fake.select(message, menu["custom_id"], [chosen], user=user)
        assert opened.callback_type == 4 and opened.ephemeral
        card = await opened.final_message()
        assert card["flags"] & EPHEMERAL
        [embed] = embeds_of(card)
        assert embed["url"] == f"https://huggingface.co/papers/{chosen}"
        assert {c["label"] for c in components_of(card)} >= {"arXiv", "PDF", "Hugging Face"}
    assert fake.message(message["id"])["embeds"] == message["embeds"]


async def test_the_today_menu_opens_the_long_paper_with_its_full_summary_button(paperboy):
    fake = paperboy.fake
    _, message = await command(fake, "today", {"date": "2025-03-04"})
    opened = await fake.select(message, select_menu(message)["custom_id"], [LONG])
    card = await opened.final_message()
    assert card["flags"] & EPHEMERAL
    more = await fake.click(card, button(card, "Full summary")["custom_id"])
    assert more.callback_type == 4 and more.ephemeral


# --- Full summary --------------------------------------------------------------------------


async def test_full_summary_sends_the_rest_privately(paperboy):
    fake = paperboy.fake
    _, message = await command(fake, "paper", {"query": LONG})
    card = embeds_of(message)[0]

    more = await fake.click(message, button(message, "Full summary")["custom_id"])
    assert more.callback_type == 4 and more.ephemeral
    parts = [await more.final_message(), *more.followups]
    assert all(part["flags"] & EPHEMERAL for part in parts)
    text = "\n".join(all_text(part) for part in parts)
    assert parts[0]["embeds"][0]["title"] == "Summary: Very Long Summaries Considered Helpful"
    assert LAST_SENTENCE in text
    assert card["description"].split(". ")[-1] not in text  # the rest, not the card again
    # Anyone may read it: it is private to whoever pressed.
    stranger = fake.add_member(paperboy.guild, username="stranger")
    again = await fake.click(message, button(message, "Full summary")["custom_id"],
                             user=stranger)
    assert again.ephemeral and again.callback_type == 4


async def test_full_summary_button_still_works_after_a_restart(tmp_path):
    from .fake_discord import FakeDiscord

    async with FakeDiscord(bot_name="Paperboy") as fake:
        fake.add_guild("Papers Club")
        async with running_bot(tmp_path, fake=fake):
            _, message = await command(fake, "paper", {"query": LONG})
        async with running_bot(tmp_path, fake=fake):  # same database, a new process
            more = await fake.click(message, button(message, "Full summary")["custom_id"])
            assert more.callback_type == 4 and more.ephemeral
            assert LAST_SENTENCE in "\n".join(
                all_text(m) for m in [await more.final_message(), *more.followups])
        assert_discord_would_accept(fake)
