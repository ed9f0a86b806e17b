"""Hostile input and failures: each gets a short private answer in time, and the bot keeps
answering afterwards."""

from __future__ import annotations

import logging

import pytest

from bot.replies import FRIENDLY_ERROR

from .bot_support import (
    EPHEMERAL,
    all_text,
    button,
    command,
    embeds_of,
)


async def still_answers(fake) -> None:
    result, message = await command(fake, "search", {"query": "speculative decoding"})
    assert result.callback_type == 5
    assert embeds_of(message)[0]["title"] == "Speculative Decoding in Practice"


HOSTILE = [
    # (command, options, what the private answer says)
    ("search", {"query": " "}, "The query is empty"),
    ("search", {"query": "\u200b\u200f\u202e\u2066 \u200d"}, "The query is empty"),
    ("search", {"query": "x" * 3000}, "3,000 characters long; keep it under 300"),
    ("search", {"query": "long " * 1200}, "characters long; keep it under 300"),
    ("search", {"query": "?!.,;:…—"}, "No papers match"),
    ("search", {"query": "*"}, "No papers match “\\*”"),
    ("search", {"query": "NEAR("}, "No papers match"),
    ("search", {"query": "@here qqqzzz"}, "No papers match “@\u200bhere qqqzzz”"),
    ("search", {"query": "retrieval", "since": "2025-02-30"}, "is not a date"),
    ("search", {"query": "retrieval", "since": "2025-03-05", "until": "2025-03-03"},
     "is after until"),
    ("search", {"query": "retrieval", "since": "1990-01-01", "until": "1990-12-31"},
     "in those dates"),
    ("paper", {"query": "2599.99999"}, "I don't know a paper"),
    ("paper", {"query": "https://arxiv.org/abs/2599.99999"}, "I don't know a paper"),
    ("paper", {"query": "\u200b"}, "The query is empty"),
    ("paper", {"query": "y" * 6000}, "6,000 characters long"),
    ("today", {"date": "2025-02-30"}, "“2025-02-30” is not a date"),
    ("today", {"date": "'; DROP TABLE papers; --"}, "is not a date"),
    ("author", {"name": "\u200f"}, "The name is empty"),
    ("author", {"name": "Nobody Atall"}, "No papers by “Nobody Atall”"),
    ("author", {"name": "@everyone"}, "No papers by “@\u200beveryone”"),
    ("ask", {"question": "  "}, "The question is empty"),
    ("ask", {"question": "?"}, "I couldn't find an answer"),
    ("ask", {"question": "z" * 3000}, "3,000 characters long"),
]


@pytest.mark.parametrize(("name", "options", "expected"), HOSTILE,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(HOSTILE)])
async def test_bad_input_gets_a_short_private_answer(paperboy, name, options, expected):
    fake = paperboy.fake
    result, message = await command(fake, name, options)
    assert result.callback_type == 4 and result.ephemeral, result.callback_data
    assert message["flags"] & EPHEMERAL
    text = all_text(message)
    assert expected in text
    assert len(text) < 400  # short
    await still_answers(fake)


@pytest.mark.parametrize("query", ['" OR 1=1 --', "'; DROP TABLE papers; --", "retrieval)))",
                                   "\u202eretrieval", "ret\u200brieval", "<@123> retrieval",
                                   "@everyone @here"])
async def test_odd_queries_are_just_text(paperboy, query):
    fake = paperboy.fake
    result, message = await command(fake, "search", {"query": query})
    assert result.callback_type in (4, 5)
    if result.ephemeral:
        assert "No papers match" in message["content"]
    else:
        assert embeds_of(message)
    await still_answers(fake)
    # The database is intact.
    _, about = await command(fake, "about")
    assert {f["name"]: f["value"] for f in embeds_of(about)[0]["fields"]}["Papers"] == "27"


async def test_a_failing_command_logs_its_traceback_and_says_one_friendly_line(
        paperboy, monkeypatch, caplog):
    fake, bot = paperboy

    def broken(*args, **kwargs):
        raise RuntimeError("the index is on fire")

    monkeypatch.setattr(bot.engine, "search", broken)
    result, message = await command(fake, "search", {"query": "retrieval"})
    assert result.callback_type == 4 and result.ephemeral
    assert message["content"] == FRIENDLY_ERROR
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "/search" in record.getMessage()
    assert record.exc_info and "the index is on fire" in caplog.text
    assert "Traceback" in caplog.text

    monkeypatch.undo()
    await still_answers(fake)


async def test_a_command_failing_after_deferring_still_gets_its_line(paperboy, monkeypatch):
    fake, bot = paperboy

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(bot.store, "get_papers", broken)
    result = await fake.slash("search", {"query": "retrieval"})
    assert result.callback_type == 5
    message = await result.final_message(timeout=5)
    assert message["content"] == FRIENDLY_ERROR
    monkeypatch.undo()
    await still_answers(fake)


async def test_a_failing_button_logs_and_says_one_friendly_line(paperboy, monkeypatch, caplog):
    fake, bot = paperboy
    _, message = await command(fake, "search", {"query": "retrieval"})

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(bot.store, "get_papers", broken)
    pressed = await fake.click(message, button(message, "Next")["custom_id"])
    assert pressed.callback_type == 4 and pressed.ephemeral
    assert pressed.callback_data["content"] == FRIENDLY_ERROR
    assert "the disk is gone" in caplog.text

    monkeypatch.undo()
    turned = await fake.click(message, button(message, "Next")["custom_id"])
    assert turned.callback_type == 7


async def test_a_failing_full_summary_button_says_one_friendly_line(paperboy, monkeypatch):
    fake, bot = paperboy
    _, message = await command(fake, "paper", {"query": "2503.10007"})

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(bot.store, "get_paper", broken)
    pressed = await fake.click(message, button(message, "Full summary")["custom_id"])
    assert pressed.ephemeral and pressed.callback_data["content"] == FRIENDLY_ERROR


async def test_a_failing_mention_answer_still_gets_a_reply(paperboy, monkeypatch, caplog):
    fake, bot = paperboy

    async def broken(*args, **kwargs):
        raise RuntimeError("the answerer is confused")

    monkeypatch.setattr(bot.engine, "ask", broken)
    asked = await fake.user_message(None, "what is retrieval?")
    reply = await fake.wait_for_reply(asked, timeout=5)
    assert reply["content"].startswith("Something went wrong on my side")
    assert "the answerer is confused" in caplog.text
    monkeypatch.undo()
    await still_answers(fake)


async def test_a_failing_autocomplete_offers_nothing(paperboy, monkeypatch, caplog):
    fake, bot = paperboy

    def broken(*args, **kwargs):
        raise RuntimeError("titles unavailable")

    monkeypatch.setattr(bot.engine, "complete_title", broken)
    monkeypatch.setattr(bot.engine, "complete_author", broken)
    assert await fake.autocomplete("paper", {"query": "retr"}) == []
    assert await fake.autocomplete("author", {"name": "okon"}) == []
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failures] == ["paper title autocomplete failed",
                                                  "author autocomplete failed"]


async def test_an_answer_that_takes_long_is_deferred_first(paperboy, monkeypatch):
    fake, bot = paperboy
    import asyncio

    import bot.replies as replies

    real_ask = bot.engine.ask

    async def slow_ask(*args, **kwargs):
        await asyncio.sleep(0.3)
        return await real_ask(*args, **kwargs)

    monkeypatch.setattr(replies, "DEFER_AFTER", 0.05)
    monkeypatch.setattr(bot.engine, "ask", slow_ask)
    result = await fake.slash("ask", {"question": "What exact match does RetroLM reach?"})
    assert result.callback_type == 5 and result.ack_latency < 0.3
    message = await result.final_message(timeout=5)
    assert "71.3% exact match" in embeds_of(message)[0]["description"]


# --- option values: one parser, refused the same way by every command -------------------------

DATE_HINT = "is not a date: use YYYY-MM-DD, e.g. 2025-03-07"
BAD_OPTIONS = [
    # (command, options, the whole private answer)
    ("search", {"query": "retrieval", "since": "20250307"}, f"“20250307” {DATE_HINT}"),
    ("search", {"query": "retrieval", "until": "2025-W10-5"}, f"“2025-W10-5” {DATE_HINT}"),
    ("today", {"date": "20250305"}, f"“20250305” {DATE_HINT}"),
    ("today", {"date": "2025-W10-3"}, f"“2025-W10-3” {DATE_HINT}"),
    ("digest preview", {"date": "20250305"}, f"“20250305” {DATE_HINT}"),
    ("paper", {"query": "\u200b"}, "The query is empty: type a few words, an arXiv id or a link."),
]


@pytest.mark.parametrize(("name", "options", "expected"), BAD_OPTIONS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(BAD_OPTIONS)])
async def test_a_refused_option_is_answered_before_the_command_runs(paperboy, monkeypatch,
                                                                    name, options, expected):
    """The option's transformer refuses it; the tree's on_error answers with its message."""
    fake, bot = paperboy
    touched = []

    async def no_store(*args, **kwargs):
        touched.append(args)
        raise AssertionError("the command ran")

    for method in ("latest_digest_date", "papers_on", "get_paper", "get_papers"):
        monkeypatch.setattr(bot.store, method, no_store)
    result, message = await command(fake, name, options)
    assert result.callback_type == 4 and result.ephemeral
    assert message["content"] == expected and touched == []


# --- Discord's 3 seconds ------------------------------------------------------------------------

SLOW_STORE = 3.2  # seconds: past Discord's deadline for a first response
SLOWED = ("latest_digest_date", "papers_on", "get_paper", "stats", "guild_digest")
SLOW_COMMANDS = [
    ("paper", {"query": "2503.10001"}, "RetroLM"),
    ("today", {}, "Papers for 2025-03-05"),
    ("today", {"date": "2025-01-11"}, "There is no digest with papers for 2025-01-11"),
    ("about", {}, "Paperboy"),
    ("digest status", {}, "The daily digest is not set up here"),
    ("digest preview", {}, "Papers for 2025-03-05"),
]


async def test_a_slow_database_never_makes_a_command_miss_the_deadline(paperboy, monkeypatch):
    """The first database read of each answer takes longer than Discord's 3 s: each command
    defers (within replies.DEFER_AFTER) when its answer is not ready, so the local Discord, which
    refuses a first response after 3 s (404 Unknown interaction), gets one in time."""
    import asyncio

    fake, bot = paperboy
    slowed: set[asyncio.Task] = set()
    for method in SLOWED:
        real = getattr(bot.store, method)

        async def slow(*args, _real=real, **kwargs):
            task = asyncio.current_task()
            if task not in slowed:
                slowed.add(task)
                await asyncio.sleep(SLOW_STORE)
            return await _real(*args, **kwargs)

        monkeypatch.setattr(bot.store, method, slow)
    results = await asyncio.gather(*(fake.slash(name, options, timeout=SLOW_STORE + 5)
                                     for name, options, _ in SLOW_COMMANDS))
    for (name, _, expected), result in zip(SLOW_COMMANDS, results, strict=True):
        assert result.deferred and result.ack_latency < fake.interaction_timeout, name
        message = await result.final_message(timeout=SLOW_STORE + 5)
        assert expected in all_text(message), name
    assert len(slowed) >= len(SLOW_COMMANDS) and not fake.violations
