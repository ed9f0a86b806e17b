"""Paperboy's commands, as Discord sees them: the real bot against the fake Discord.

The corpus is tests/fixtures/digests plus tests/fixtures/bot_corpus (see its README): newest
digest 2025-03-05 with 13 papers, nine papers about retrieval, Mira Castellanos on five
papers (once as "mira-castellanos"), Ada and Ben Okonkwo, a paper with a very long summary
(2503.10007) and one whose title and summary hold markdown and @everyone (2503.10006).
"""

from __future__ import annotations

import logging
import time

import pytest

from bot.cards.limits import CHOICE_NAME_LIMIT

from .bot_support import (
    ACK_LIMIT,
    EPHEMERAL,
    all_text,
    button,
    command,
    components_of,
    embeds_of,
    footer,
    select_menu,
)

HF = "https://huggingface.co/papers/"
AUTOCOMPLETE_LIMIT = 0.3  # seconds


# --- /search -------------------------------------------------------------------------------


async def test_search_shows_five_compact_cards_per_page_with_the_words_in_bold(paperboy):
    fake = paperboy.fake
    result, message = await command(fake, "search", {"query": "retrieval"})

    assert result.callback_type == 5 and not result.ephemeral  # deferred, then filled
    embeds = embeds_of(message)
    assert len(embeds) == 5
    for embed in embeds:
        assert embed["url"].startswith(HF)  # the title links to the paper's HF page
        assert embed["description"][:10].count("-") == 2  # starts with the digest date
    assert any("**retrieval**" in e["description"].lower() for e in embeds)
    assert footer(embeds[-1]) == "Page 1/2 · 9 results for “retrieval”"
    assert {c["label"] for c in components_of(message) if c["type"] == 2} == {"◀ Prev", "Next ▶"}
    assert button(message, "Prev")["disabled"] is True
    assert len(select_menu(message)["options"]) == 5


async def test_search_dates_limit_the_results(paperboy):
    _, message = await command(paperboy.fake, "search",
                               {"query": "retrieval", "since": "2025-03-05",
                                "until": "2025-03-05"})
    embeds = embeds_of(message)
    assert footer(embeds[-1]).startswith("Page 1/1 · 5 results")
    assert all("2025-03-05" in e["description"] for e in embeds)


@pytest.mark.parametrize(("since", "until", "found"), [
    ("2025-03-04", "2025-03-05", True),  # holds only its later day
    ("2025-03-05", None, True),
    (None, "2025-03-03", True),  # only its first day
    ("2025-03-04", "2025-03-04", False),  # between its two days
])
async def test_a_paper_listed_on_two_days_matches_a_range_holding_either(paperboy, since, until,
                                                                        found):
    """RetroLM (2503.10001) is in the digests of 2025-03-03 and 2025-03-05."""
    options = {"query": "RetroLM retrieval-augmented language models"}
    options |= {"since": since} if since else {}
    options |= {"until": until} if until else {}
    _, message = await command(paperboy.fake, "search", options)
    urls = [embed.get("url") for embed in embeds_of(message)]
    assert (f"{HF}2503.10001" in urls) is found, all_text(message)


async def test_search_without_results_says_so_privately(paperboy):
    result, message = await command(paperboy.fake, "search", {"query": "photosynthesis"})
    assert result.callback_type == 4 and result.ephemeral
    assert message["flags"] & EPHEMERAL
    assert "No papers match “photosynthesis”" in message["content"]


# --- /paper --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "2503.10001",
    "arXiv:2503.10001",
    "https://arxiv.org/abs/2503.10001v2",
    "https://huggingface.co/papers/2503.10001",
    "RetroLM",
    "retrolm: retrieval-augmented language models at scale",
])
async def test_paper_finds_a_paper_by_id_link_or_title(paperboy, query):
    result, message = await command(paperboy.fake, "paper", {"query": query})
    assert result.callback_type == 4 and not result.ephemeral
    [card] = embeds_of(message)
    assert card["title"] == "RetroLM: Retrieval-Augmented Language Models at Scale"
    assert card["url"] == HF + "2503.10001"
    assert card["author"]["name"] == "Mira Castellanos, Ada Okonkwo"
    assert "71.3% exact match" in card["description"]
    dates = {f["name"]: f["value"] for f in card["fields"]}
    assert dates["Digest dates"] == "2025-03-03, 2025-03-05"
    links = {c["label"]: c.get("url") for c in components_of(message)}
    assert links == {"Similar": None, "Save": None, "👍": None, "Discuss": None,
                     "arXiv": "https://arxiv.org/abs/2503.10001",
                     "PDF": "https://arxiv.org/pdf/2503.10001",
                     "Hugging Face": HF + "2503.10001"}  # no "Full summary": nothing was cut


@pytest.mark.parametrize(("query", "title"), [
    ("speculative decodng in practise", "Speculative Decoding in Practice"),  # typos
    ("practice decoding", "Speculative Decoding in Practice"),  # words in any order
    ("fast attention kernels", "Quantized Attention Kernels"),  # most words in the title
])
async def test_paper_forgives_typos_and_word_order(paperboy, query, title):
    _, message = await command(paperboy.fake, "paper", {"query": query})
    assert embeds_of(message)[0]["title"] == title


async def test_paper_with_a_long_summary_is_cut_at_a_sentence_end(paperboy):
    _, message = await command(paperboy.fake, "paper", {"query": "2503.10007"})
    [card] = embeds_of(message)
    assert len(card["description"]) <= 1500
    assert card["description"].endswith(".")
    assert "summary shortened" in footer(card)
    assert button(message, "Full summary")["custom_id"] == "paperboy:summary:2503.10007"


async def test_paper_text_from_the_digest_shows_literally_and_pings_nobody(paperboy):
    _, message = await command(paperboy.fake, "paper", {"query": "2503.10006"})
    [card] = embeds_of(message)
    assert card["title"].startswith(r"\*\*Bold\*\* Claims: @")
    assert "@everyone" not in all_text(message)  # broken with a zero-width space
    assert "<@123456789012345678>" not in all_text(message)


@pytest.mark.parametrize("query", ["2599.99999", "banana bread recipe", "retrieval of bread"])
async def test_paper_unknown_is_a_private_hint_not_some_other_paper(paperboy, query):
    result, message = await command(paperboy.fake, "paper", {"query": query})
    assert result.callback_type == 4 and result.ephemeral
    assert f"I don't know a paper “{query}”" in message["content"]
    assert "/search" in message["content"]


async def test_paper_autocomplete_offers_titles_quickly(paperboy):
    fake = paperboy.fake
    started = time.perf_counter()
    choices = await fake.autocomplete("paper", {"query": "retr"}, focused="query")
    assert time.perf_counter() - started < AUTOCOMPLETE_LIMIT
    names = [c["name"] for c in choices]
    # Titles that start with the text first, then titles with a word that does.
    starts = [n.lower().startswith("retr") for n in names]
    assert starts == sorted(starts, reverse=True) and starts[:3] == [True] * 3
    assert all(any(w.startswith("retr") for w in n.lower().split()) for n in names)
    assert any(n.startswith("RetroLM") for n in names)
    assert all(1 <= len(c["name"]) <= CHOICE_NAME_LIMIT and len(c["value"]) <= 100
               for c in choices)

    newest = await fake.autocomplete("paper", {"query": ""}, focused="query")
    assert len(newest) == 25  # 27 papers: the 25 newest
    assert newest[0]["value"].startswith("2503.")

    by_id = await fake.autocomplete("paper", {"query": "2503.10007"}, focused="query")
    assert [c["value"] for c in by_id] == ["2503.10007"]

    long = await fake.autocomplete("paper", {"query": "x" * 3000}, focused="query")
    assert long == []

    # The choice's value is the id, which /paper opens directly.
    _, message = await command(fake, "paper", {"query": choices[0]["value"]})
    assert embeds_of(message)[0]["url"] == HF + choices[0]["value"]


# --- /today --------------------------------------------------------------------------------


async def test_today_lists_the_newest_digest_in_pages_with_a_menu(paperboy):
    fake = paperboy.fake
    result, message = await command(fake, "today")
    assert result.callback_type == 4 and not result.ephemeral
    [page] = embeds_of(message)
    assert page["title"] == "Papers for 2025-03-05"
    assert page["url"] == "https://huggingface.co/papers/date/2025-03-05"
    assert footer(page) == "13 papers · page 1/2"
    lines = page["description"].splitlines()
    assert len(lines) == 10 and lines[0].startswith("1. [Dense Retrieval with Hard Negatives]")
    options = select_menu(message)["options"]
    assert [o["value"] for o in options] == [f"2503.{10008 + i}" for i in range(10)]

    turned = await fake.click(message, button(message, "Next")["custom_id"])
    assert turned.callback_type == 7
    [page2] = turned.callback_data["embeds"]
    assert footer(page2) == "13 papers · page 2/2"
    assert page2["description"].splitlines()[-1].startswith("13. [RetroLM")
    # The menu offers the papers of the page shown.
    assert [o["value"] for o in select_menu(turned.callback_data)["options"]] == [
        "2503.10018", "2503.10019", "2503.10001"]


async def test_today_for_a_date(paperboy):
    _, message = await command(paperboy.fake, "today", {"date": "2025-03-03"})
    [page] = embeds_of(message)
    assert page["title"] == "Papers for 2025-03-03" and footer(page) == "3 papers · page 1/1"
    assert not [c for c in components_of(message) if c["type"] == 2]  # one page: no buttons


@pytest.mark.parametrize(("date", "expected"), [
    ("2025-02-30", "“2025-02-30” is not a date: use YYYY-MM-DD"),
    ("yesterday", "is not a date"),
    ("2025-01-11", "no digest with papers for 2025-01-11. The newest is 2025-03-05"),
    ("1999-01-01", "no digest with papers for 1999-01-01"),
])
async def test_today_bad_or_empty_dates_get_a_private_hint(paperboy, date, expected):
    result, message = await command(paperboy.fake, "today", {"date": date})
    assert result.callback_type == 4 and result.ephemeral
    assert expected in message["content"]


# --- /author -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Mira Castellanos", "mira-castellanos", "castellanos mira",
                                  "Castellanos"])
async def test_author_lists_the_papers_newest_first(paperboy, name):
    result, message = await command(paperboy.fake, "author", {"name": name})
    assert result.callback_type == 4 and not result.ephemeral
    [page] = embeds_of(message)
    assert page["title"] == "Papers by Mira Castellanos"
    lines = page["description"].splitlines()
    assert [line.rsplit(" · ", 1)[1] for line in lines] == [
        "2025-03-05", "2025-03-05", "2025-03-04", "2025-03-04", "2025-03-03"]
    assert any("Long Context Retrieval" in line for line in lines)  # as "mira-castellanos"
    assert len(select_menu(message)["options"]) == 5


async def test_author_ambiguous_name_lists_the_candidates(paperboy):
    result, message = await command(paperboy.fake, "author", {"name": "Okonkwo"})
    assert result.callback_type == 4 and result.ephemeral
    text = all_text(message)
    assert "Several authors match “Okonkwo”" in text
    assert "Ada Okonkwo" in text and "Ben Okonkwo" in text


async def test_author_unknown_gets_a_private_hint(paperboy):
    result, message = await command(paperboy.fake, "author", {"name": "Grace Hopper"})
    assert result.ephemeral and "No papers by “Grace Hopper”" in message["content"]


async def test_author_autocomplete_offers_names(paperboy):
    fake = paperboy.fake
    started = time.perf_counter()
    choices = await fake.autocomplete("author", {"name": "okon"}, focused="name")
    assert time.perf_counter() - started < AUTOCOMPLETE_LIMIT
    assert sorted(c["value"] for c in choices) == ["Ada Okonkwo", "Ben Okonkwo"]
    # A surname finds the person; the real name wins over the user name form.
    assert [c["value"] for c in await fake.autocomplete("author", {"name": "castel"})] == [
        "Mira Castellanos"]
    everyone = await fake.autocomplete("author", {"name": ""})
    assert 1 <= len(everyone) <= 25 and everyone[0]["value"] == "Mira Castellanos"
    assert all(1 <= len(c["name"]) <= CHOICE_NAME_LIMIT for c in everyone)


# --- /ask and mentions ---------------------------------------------------------------------


async def test_ask_quotes_the_evidence_sentence_and_links_the_paper(paperboy):
    result, message = await command(
        paperboy.fake, "ask",
        {"question": "What exact match does RetroLM reach on Natural Questions?"})
    assert result.callback_type in (4, 5) and not result.ephemeral
    [card] = embeds_of(message)
    assert card["title"] == "What exact match does RetroLM reach on Natural Questions?"
    assert card["description"].startswith("> RetroLM reaches 71.3% exact match")
    [source] = card["fields"]
    assert source["name"] == "Source" and f"({HF}2503.10001)" in source["value"]


async def test_ask_without_an_answer_says_so_privately(paperboy):
    result, message = await command(paperboy.fake, "ask", {"question": "zzzz qqqq?"})
    assert result.callback_type == 4 and result.ephemeral
    assert message["content"].startswith("I couldn't find an answer")


async def test_mentioning_the_bot_with_a_question_gets_a_reply(paperboy, caplog):
    fake = paperboy.fake
    caplog.set_level(logging.INFO)
    asked = await fake.user_message(None, "what exact match does RetroLM reach?")
    reply = await fake.wait_for_reply(asked, timeout=5)
    assert reply["message_reference"]["message_id"] == asked["id"]
    [card] = embeds_of(reply)
    assert "71.3% exact match" in card["description"]
    assert f"({HF}2503.10001)" in card["fields"][0]["value"]
    [request] = fake.requests_matching("POST", r"^/channels/\d+/messages$")
    assert request.json["allowed_mentions"]["parse"] == []
    assert not request.json["allowed_mentions"].get("replied_user")
    # A question is not a prefix command: nothing is logged as an error.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_bare_mention_gets_a_hint_and_other_messages_are_ignored(paperboy):
    fake = paperboy.fake
    bare = await fake.user_message(None, "")
    reply = await fake.wait_for_reply(bare, timeout=5)
    assert "The question is empty" in reply["content"] and "/ask" in reply["content"]
    await fake.user_message(None, "@everyone what is retrieval?", mentions_bot=False)
    other_bot = fake.add_member(paperboy.guild, fake.add_user("another-bot", bot=True))
    await fake.user_message(None, "what is retrieval?", author=other_bot)
    last = await fake.user_message(None, "what is speculative decoding?")
    await fake.wait_for_reply(last, timeout=5)  # messages are handled in order
    replies = fake.requests_matching("POST", r"^/channels/\d+/messages$")
    assert [str(r.json["message_reference"]["message_id"]) for r in replies] == [bare["id"],
                                                                            last["id"]]


# --- /about --------------------------------------------------------------------------------


async def test_about_shows_corpus_size_newest_digest_version_and_uptime(paperboy):
    result, message = await command(paperboy.fake, "about")
    assert result.callback_type == 4 and result.ack_latency < ACK_LIMIT
    [card] = embeds_of(message)
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert fields["Papers"] == "27" and fields["Newest digest"] == "2025-03-05"
    assert fields["Version"] == "0.1.0"
    assert fields["Uptime"].endswith("s")


async def test_every_command_is_described_and_answers_in_time(paperboy):
    fake = paperboy.fake
    commands = {c["name"]: c for c in fake.commands()}
    assert {"search", "paper", "today", "author", "ask", "about"} <= set(commands)
    options = {name: [o["name"] for o in c.get("options", [])] for name, c in commands.items()}
    assert options["search"] == ["query", "since", "until"]
    assert options["paper"] == ["query"] and options["today"] == ["date"]
    assert options["author"] == ["name"] and options["ask"] == ["question"]
    assert options["about"] == []
    for name in ("search", "paper", "today", "author", "ask", "about"):
        assert commands[name]["description"]
        for option in commands[name].get("options", []):
            assert option["description"] and option["description"] != "…"
