"""Spec of `bot.cards`: every card fits Discord's limits, shows untrusted digest text literally
(markdown escaped, LaTeX readable) and can never ping or resolve a mention."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import cards
from bot.cards import (
    ELLIPSIS,
    ZWSP,
    cut_at_sentence,
    escape,
    normalize,
    plain,
    truncate,
)
from bot.digest import date_from_filename, parse_digest
from bot.digest.models import PaperRecord

from .fake_discord import limits as discord_limits

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus-real"
MENTIONS = ["@everyone", "@here", "<@123>", "<@!123>", "<@&1>", "<#1>", "</ask:123>"]
PING_RE = re.compile(r"@(?:everyone|here)|<@[!&]?\d+>|<#\d+>|</[^>]+:\d+>", re.IGNORECASE)


def record(**changes: object) -> PaperRecord:
    fields: dict[str, object] = {
        "arxiv_id": "2501.01234", "title": "A Study of Things", "authors": ("Ann Lee", "Bo Li"),
        "summary": "This paper studies things. It finds more things.",
        "dates": ("2024-12-31", "2025-01-01"), "source": "test:1",
    }
    fields.update(changes)
    return PaperRecord(**fields)  # type: ignore[arg-type]


def visible(rendered: str) -> str:
    """What Discord shows for escaped text: backslash escapes resolved, zero-width spaces gone."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", rendered).replace(ZWSP, "")


def active_markdown(rendered: str) -> list[str]:
    """Markdown that Discord would interpret in escaped text: a block marker at the start of a
    line, or an unescaped markdown character outside a link."""
    found = re.findall(r"^[^\S\n]*(?:[#>+*\-]+|\d+\.)(?=[^\S\n])", rendered, re.MULTILINE)
    inline = re.sub(r"\\[^0-9A-Za-z\s]", "", rendered)
    inline = re.sub(r"https?://[^\s<>|`*~\[\]()\\\"']+", "", inline)
    return found + re.findall(r"[*_~`|\[\]\\]", inline)


def live_mentions(texts: list[str]) -> list[str]:
    return [match for text in texts for match in PING_RE.findall(text)]


def assert_sendable(embeds: list[discord.Embed], content: str | None = None) -> None:
    """Discord (the local one's rules) accepts the message, and no text in it is a mention."""
    payload = {"embeds": [embed.to_dict() for embed in embeds], "content": content}
    assert not discord_limits.check_message(payload), payload
    texts = [content or ""] + [str(part) for embed in payload["embeds"]
                               for part in (embed.get("title"), embed.get("description"),
                                            (embed.get("footer") or {}).get("text"),
                                            (embed.get("author") or {}).get("name"))
                               if part] + [f"{field['name']} {field['value']}"
                                           for embed in payload["embeds"]
                                           for field in embed.get("fields") or []]
    assert live_mentions(texts) == []
    for embed in embeds:  # the same, spelled out on the payload Discord receives
        data = embed.to_dict()
        assert len(data.get("title", "")) <= 256
        assert len(data.get("description", "")) <= 4096
        assert len(data.get("fields", [])) <= 25
        for field in data.get("fields", []):
            assert 0 < len(field["name"]) <= 256 and 0 < len(field["value"]) <= 1024
        assert len(data.get("footer", {}).get("text", "")) <= 2048
        assert len(data.get("author", {}).get("name", "")) <= 256
    assert sum(len(embed) for embed in embeds) <= 6000
    assert len(embeds) <= 10


def assert_menu_sendable(options: list[discord.SelectOption],
                         placeholder: str | None = None) -> None:
    """Discord (the local one's rules) accepts a menu of these options; no label mentions."""
    menu = discord.ui.Select(custom_id="papers", options=options, placeholder=placeholder)
    row = {"type": 1, "components": [menu.to_component_dict()]}
    assert not discord_limits.check_message({"content": "x", "components": [row]}), row
    assert live_mentions([f"{o.label} {o.description or ''}" for o in options]) == []


# --- text: escaping, mentions, invisible characters, LaTeX ---------------------------------------

HOSTILE_TEXTS = [
    "**bold** __under__ *it* _it_ ~~strike~~ ||spoiler|| `code` ```block```",
    "# Heading\n## h2\n> quote\n>>> all\n- item\n* star\n+ plus\n1. one\n-# subtext",
    "[click me](https://evil.example/x) and [x]( y ) and \\*escaped\\* and \\",
    "`nested ``backticks`` inside` ``` `` ` and <think>tags</think> <tag>",
    "*" * 3000,
    "L$^2$M uses a_b and x*y*z | pipes | and >arrows< — done",
    "zero\u200bwidth\u200d joiner \ufeffbom \u202eRTL override\u202c \u2066isolate\u2069 end",
    "see https://github.com/org/my_repo_name/blob/main/a_b.py for code_here",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_escape_shows_the_text_literally(text: str) -> None:
    rendered = escape(text)
    assert visible(rendered) == normalize(text, multiline=True)
    assert active_markdown(rendered) == []


def test_links_in_text_stay_clickable_and_unescaped() -> None:
    rendered = escape("code at https://github.com/org/my_repo_name here_too")
    assert "https://github.com/org/my_repo_name " in rendered
    assert rendered.endswith("here\\_too")


def test_masked_links_from_digests_do_not_become_links() -> None:
    assert escape("[free](https://evil.example)") == "\\[free\\](https://evil.example)"


@pytest.mark.parametrize("mention", MENTIONS)
@pytest.mark.parametrize("render", [escape, plain], ids=["markdown", "plain"])
def test_mentions_never_ping_or_resolve(mention: str, render: Callable[[str], str]) -> None:
    for text in (mention, f"hi {mention}!", f"x{mention}y", mention.upper()):
        rendered = render(text)
        assert PING_RE.search(rendered) is None, rendered
        assert rendered.replace(ZWSP, "").replace("\\", "") == text


def test_a_zero_width_space_in_the_digest_cannot_smuggle_a_mention() -> None:
    # Invisible characters are dropped first, then mentions are broken with our own ZWSP.
    assert escape("@\u200beveryone") == f"@{ZWSP}everyone"
    assert escape("@\u202eeveryone") == f"@{ZWSP}everyone"
    assert escape("@$e$veryone") == f"@{ZWSP}everyone"  # LaTeX is read before mentions


def test_normalize_drops_every_invisible_control_and_format_character() -> None:
    chars = [chr(code) for code in range(sys.maxunicode + 1)
             if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs")]
    spaces = "".join(char for char in chars if char.isspace())  # "\t", "\r", "\x85", …
    kept = "\u200c\u200d"  # ZWNJ and ZWJ shape scripts and emoji
    invisible = "".join(char for char in chars if char not in spaces + kept)
    assert normalize("a" + invisible + "b", multiline=True) == "ab"
    assert normalize("a" + spaces + "b") == "a b"
    assert normalize("a\u200db\u200cc") == "a\u200db\u200cc"


def test_whitespace_is_collapsed_and_newlines_kept_only_when_asked() -> None:
    text = "  one\t two \r\n\r\n\r\n three\u2028four  "
    assert normalize(text) == "one two three four"
    assert normalize(text, multiline=True) == "one two\n\nthree\nfour"


def test_unknown_latex_commands_stay_as_they_are() -> None:
    assert normalize("$\\frac{a}{b}$ and \\cite{x}") == "\\frac{a}{b} and \\cite{x}"
    assert visible(escape("$\\frac{a}{b}$")) == "\\frac{a}{b}"


@pytest.mark.parametrize(("title", "shown"), [
    ("L$^2$M: Mutual Information Scaling Law", "L²M: Mutual Information Scaling Law"),
    ("Learnable Activation (SL$^{2}$A-INR)", "Learnable Activation (SL²A-INR)"),
    ("$\\textbf{Only-IF}$:Revealing the Decisive Effect", "Only-IF:Revealing the Decisive Effect"),
    ("LLM$\\times$MapReduce: Simplified", "LLM×MapReduce: Simplified"),
    ("$γ-$MoD: Exploring Mixture-of-Depth", "γ-MoD: Exploring Mixture-of-Depth"),
    ("Top-$nσ$: Not All Logits Are You Need", "Top-nσ: Not All Logits Are You Need"),
    ("$\\text{Transformer}^2$: Self-adaptive LLMs", "Transformer²: Self-adaptive LLMs"),
    ("Visual Counter Turing Test (VCT^2)", "Visual Counter Turing Test (VCT²)"),
    ("Diffusion Models with $f$-Divergence", "Diffusion Models with f-Divergence"),
    ("policy $\\pi_0$ and $\\phi_r$ for $ID_i$", "policy π₀ and φᵣ for IDᵢ"),
    ("O(*T*<sup>*K*</sup>) states", "O(*T*^(*K*)) states"),
    # Money, lone dollars and unknown LaTeX are left alone (and escaped where needed).
    ("Can Frontier LLMs Earn $1 Million from Freelance Work?", None),
    ("$208,050 out of a possible $1 million", None),
    ("Fixing 7,400 Bugs for 1$: Cheap Crash-Site Repair", None),
    ("costs $5-$10 per run", None),
    ("FaSTA^*: Fast-Slow Toolpath Agent", None),
])
def test_latex_is_made_readable_without_losing_anything(title: str, shown: str | None) -> None:
    assert normalize(title) == (shown or title)
    assert visible(escape(title)) == (shown or title)


# --- text: cutting ------------------------------------------------------------------------------


def test_truncate_cuts_at_a_word_end_with_an_ellipsis() -> None:
    assert truncate("hello brave new world", 100) == "hello brave new world"
    assert truncate("hello brave new world", 14) == "hello brave…"
    assert truncate("hello brave new world", 0) == ""
    assert truncate("hello", 1) == ELLIPSIS


def test_truncate_escapes_first_and_never_splits_an_escape() -> None:
    for limit in range(1, 60):
        shown = truncate("*" * 3000, limit)
        assert len(shown) <= limit
        body = shown.removesuffix(ELLIPSIS)
        assert len(body) - len(body.rstrip("\\")) == len(body) % 2 == 0  # only whole "\*"
        assert active_markdown(body) == []


def test_truncate_of_one_giant_word_still_shows_most_of_the_limit() -> None:
    shown = truncate("A " + "x" * 5000, 256)
    assert len(shown) == 256 and shown.startswith("A xxx") and shown.endswith(ELLIPSIS)


def test_truncate_for_plain_surfaces_does_not_escape() -> None:
    assert truncate("*bold* @everyone", 50, markdown=False) == f"*bold* @{ZWSP}everyone"


def test_sentence_ends_ignore_abbreviations_initials_and_decimals() -> None:
    text = ("We use e.g. BERT and Fig. 3 from Smith et al. (2023) with J. Doe. Scores rose 3.5 "
            "points! Why? Because.\nNext line")
    ends = cards.sentence_ends(text)
    assert [text[:end].rsplit(" ", 1)[-1] for end in ends] == ["Doe.", "points!", "Why?",
                                                                "Because."]


def test_cut_at_sentence_cuts_at_a_sentence_end_and_returns_the_rest() -> None:
    text = "First sentence is here. Second sentence is here. Third one."
    assert cut_at_sentence(text, 100) == (text, "")
    assert cut_at_sentence(text, 50) == ("First sentence is here. Second sentence is here.",
                                         "Third one.")


def test_cut_at_sentence_falls_back_to_a_word_end_for_long_sentences() -> None:
    text = "Short. " + "word " * 100
    shown, rest = cut_at_sentence(text, 60)
    assert shown.endswith(ELLIPSIS) and len(shown) <= 60 and shown.startswith("Short. word")
    assert rest.startswith(ELLIPSIS + "word")
    assert (shown[:-1] + " " + rest[1:]).split() == text.split()


# --- paper cards --------------------------------------------------------------------------------


def test_paper_card_shows_title_link_authors_summary_dates_and_id() -> None:
    card = cards.paper_card(record())
    embed = card.embed
    assert embed.title == "A Study of Things"
    assert embed.url == "https://huggingface.co/papers/2501.01234"
    assert embed.author.name == "Ann Lee, Bo Li"
    assert embed.description == "This paper studies things. It finds more things."
    fields = {field.name: field.value for field in embed.fields}
    assert fields["Digest dates"] == "2024-12-31, 2025-01-01"
    assert "[arXiv](https://arxiv.org/abs/2501.01234)" in fields["Links"]
    assert embed.footer.text == "arXiv:2501.01234"
    assert card.rest is None


def test_paper_card_shows_the_summary_it_is_given() -> None:
    card = cards.paper_card(record(), summary="Cleaned summary.")
    assert card.embed.description == "Cleaned summary."


def test_paper_card_cuts_a_long_summary_at_a_sentence_and_keeps_the_rest() -> None:
    summary = " ".join(f"Sentence number {n} says something about *models*." for n in range(80))
    card = cards.paper_card(record(summary=summary))
    assert len(card.embed.description) <= cards.CARD_SUMMARY_LIMIT
    assert card.embed.description.endswith("\\*models\\*.")
    assert card.rest is not None and card.rest.startswith("Sentence number")
    assert (visible(card.embed.description) + " " + card.rest) == summary
    assert "shortened" in card.embed.footer.text
    assert_sendable([card.embed])


def test_paper_card_with_empty_summary_and_authors() -> None:
    card = cards.paper_card(record(summary="", authors=()))
    assert card.embed.description == cards.NO_SUMMARY
    assert card.embed.author.name is None
    assert_sendable([card.embed])


def test_paper_card_lists_many_authors_with_a_count_of_the_rest() -> None:
    authors = tuple(f"Author Number{n}" for n in range(300))
    name = cards.paper_card(record(authors=authors)).embed.author.name
    assert name.startswith("Author Number0, Author Number1")
    shown = name.count(",") + 1
    assert name.endswith(f" +{300 - shown} more") and len(name) <= 256


def test_paper_card_with_an_id_that_cannot_be_a_url_has_no_link() -> None:
    embed = cards.paper_card(record(arxiv_id="bad id)")).embed
    assert embed.url is None
    assert "](" not in embed.fields[1].value
    assert_sendable([embed])


HOSTILE_RECORDS = {
    "5000-char title": record(title="Title " * 1000),
    "one-word 5000-char title": record(title="T" * 5000),
    "100k summary": record(summary="A sentence with *stars* and @here. " * 2900),
    "100k summary without sentences": record(summary="x" * 100_000),
    "300 authors": record(authors=tuple(f"Name{n} @everyone" for n in range(300))),
    "one 5000-char author": record(authors=("A" * 5000,)),
    "mentions everywhere": record(title="@everyone <@&1> wins", authors=("@here", "<@123>"),
                                  summary="Ping @everyone and <#1> and <@!5>. </ask:1>."),
    "markdown bomb": record(title="*" * 3000, summary="`" * 5000 + "||spoiler||" * 300),
    "nested backticks": record(title="```a``b`c```", summary="``` `` ` ```" * 500),
    "zero-width and RTL": record(title="\u202e\u200b" * 2000 + "x", summary="\u200f" * 9000),
    "only invisible title": record(title="\u200b\u200b"),
    "empty everything": record(summary="", authors=(), dates=()),
    "LaTeX": record(title="$\\mathcal{O}(n^{2})$ L$^2$M " * 40, summary="$\\alpha$ " * 9000),
    "newlines and headings": record(summary="# H\n\n> q\n- i\n" * 3000),
    "many dates": record(dates=tuple(f"2025-01-{d:02d}" for d in range(1, 32)) * 4),
}


@pytest.mark.parametrize("paper", HOSTILE_RECORDS.values(), ids=HOSTILE_RECORDS.keys())
def test_every_card_of_a_hostile_paper_is_sendable(paper: PaperRecord) -> None:
    card = cards.paper_card(paper)
    assert_sendable([card.embed])
    assert card.embed.title and card.embed.description
    assert len(card.embed.description) <= cards.CARD_SUMMARY_LIMIT
    for message in cards.full_summary_embeds(paper, card.rest or paper.summary):
        assert_sendable(message)
    assert_sendable([cards.compact_card(paper, paper.summary, lambda word: len(word) > 3)])
    assert_sendable(cards.search_page([(paper, paper.summary)] * 9, paper.title, 1, 9, 45))
    assert_sendable([cards.answer_card(paper.summary, paper.summary, [paper.summary] * 5,
                                       paper)])
    for message in cards.digest_header_messages(paper.title, [paper] * 30):
        assert_sendable(message)
    for page in cards.today_pages(paper.title, [paper] * 30, per_page=30):
        assert_sendable([page])
    for page in cards.author_pages(paper.title, [paper] * 30):
        assert_sendable([page])
    assert_menu_sendable(cards.paper_select_options([paper]), paper.title[:150])
    assert len(cards.autocomplete_name(paper)) <= 100
    assert 0 < len(cards.button_label(paper.title)) <= 80


def test_full_summary_puts_the_whole_text_in_as_few_messages_as_the_limits_allow() -> None:
    text = " ".join(f"Sentence {n} explains *one* more detail of the method." for n in range(400))
    messages = cards.full_summary_embeds(record(), text, max_messages=10)
    assert len(messages) == 4  # ~22,000 escaped characters, ~6,000 per message
    for message in messages:
        assert_sendable(message)
    descriptions = [embed.description for message in messages for embed in message]
    assert all(d.endswith("detail of the method.") for d in descriptions)  # sentence ends
    assert visible(" ".join(descriptions)) == text
    assert messages[0][0].title == "Summary: A Study of Things"
    assert messages[0][0].url == "https://huggingface.co/papers/2501.01234"
    assert messages[-1][-1].footer.text == "arXiv:2501.01234"


def test_full_summary_stops_after_max_messages_and_says_so() -> None:
    messages = cards.full_summary_embeds(record(), "Word and word. " * 10_000, max_messages=2)
    assert len(messages) == 2
    assert "full text is on Hugging Face" in messages[-1][-1].footer.text


def test_full_summary_of_an_empty_text() -> None:
    [[embed]] = cards.full_summary_embeds(record(), "")
    assert embed.description == cards.NO_SUMMARY


# --- search results -----------------------------------------------------------------------------


def test_compact_card_links_the_title_and_bolds_matched_words() -> None:
    embed = cards.compact_card(record(), "Transformers scale; a transformer_block *is* here.",
                               lambda word: word.lower().startswith("transformer"))
    assert embed.title == "A Study of Things"
    assert embed.url == "https://huggingface.co/papers/2501.01234"
    assert embed.description == ("2025-01-01 · **Transformers** scale; a **transformer**\\_block "
                                 "\\*is\\* here.")


def test_compact_card_merges_neighbouring_matches_and_keeps_the_snippet_short() -> None:
    snippet = "large language models " * 40
    embed = cards.compact_card(record(), snippet, lambda word: word in {"language", "models"})
    line = embed.description.split(" · ", 1)[1]
    assert line.startswith("large **language models** large **language models**")
    assert len(line) <= cards.SNIPPET_LIMIT and line.endswith(ELLIPSIS)
    assert line.count("**") % 2 == 0


def test_search_page_shows_at_most_five_results_and_the_page_in_the_footer() -> None:
    results = [(record(arxiv_id=f"2501.{n:05d}"), "snippet") for n in range(7)]
    embeds = cards.search_page(results, "diffusion *models* @everyone", 2, 4, 18)
    assert len(embeds) == cards.RESULTS_PER_PAGE
    assert embeds[-1].footer.text == (
        f"Page 2/4 · 18 results for “diffusion *models* @{ZWSP}everyone”")
    assert_sendable(embeds)


def test_search_page_without_results_says_so() -> None:
    [embed] = cards.search_page([], "q*", 1, 1, 0)
    assert embed.description == "Nothing matches “q\\*”."


def test_search_footer_truncates_a_long_query() -> None:
    footer = cards.search_footer("word " * 500, 1, 1, 1)
    assert footer.startswith("Page 1/1 · 1 result for “word") and len(footer) < 150


# --- select menus, autocomplete, buttons ---------------------------------------------------------


def test_paper_select_options_label_value_description() -> None:
    papers = [record(arxiv_id=f"2501.{n:05d}", title=f"Paper {n} " + "long " * 40)
              for n in range(30)]
    options = cards.paper_select_options(papers + papers)
    assert len(options) == 25
    assert options[0].value == "2501.00000"
    assert options[0].label.startswith("Paper 0 long") and options[0].label.endswith(ELLIPSIS)
    assert options[0].description == "2025-01-01 · Ann Lee"
    assert_menu_sendable(options)


def test_autocomplete_name_keeps_the_id_visible() -> None:
    name = cards.autocomplete_name(record(title="Long " * 100))
    assert name.endswith(" · 2501.01234") and len(name) <= 100


# --- lists of papers ----------------------------------------------------------------------------


def numbered(embeds: list[discord.Embed]) -> list[int]:
    return [int(n) for e in embeds for n in re.findall(r"^(\d+)\. ", e.description, re.M)]


def test_today_pages_number_and_link_every_paper_across_pages() -> None:
    papers = [record(arxiv_id=f"2501.{n:05d}", title=f"Paper *{n}*") for n in range(23)]
    pages = cards.today_pages("2025-01-02", papers)
    assert len(pages) == 3
    assert numbered(pages) == list(range(1, 24))
    assert pages[0].description.splitlines()[0] == (
        "1. [Paper \\*0\\*](https://huggingface.co/papers/2501.00000)")
    assert pages[0].title == "Papers for 2025-01-02"
    assert pages[0].url == "https://huggingface.co/papers/date/2025-01-02"
    assert [page.footer.text for page in pages] == [
        "23 papers · page 1/3", "23 papers · page 2/3", "23 papers · page 3/3"]


def test_today_pages_split_by_size_when_a_page_would_not_fit() -> None:
    papers = [record(title="*" * 300) for _ in range(100)]
    pages = cards.today_pages("2025-01-02", papers, per_page=100)
    assert len(pages) > 1 and numbered(pages) == list(range(1, 101))
    for page in pages:
        assert_sendable([page])


def test_today_pages_without_papers() -> None:
    [page] = cards.today_pages("2025-01-02", [])
    assert page.description == "No papers in the digest for 2025-01-02."


def test_author_pages_show_dates_and_escape_the_name() -> None:
    pages = cards.author_pages("A_B @everyone", [record()] * 12, per_page=10)
    assert pages[0].title == f"Papers by A\\_B @{ZWSP}everyone"
    assert pages[0].description.splitlines()[0].endswith(") · 2025-01-01")
    assert numbered(pages) == list(range(1, 13))


def test_ambiguous_author_embed_lists_at_most_25_candidates() -> None:
    candidates = [(f"Name_{n}", n) for n in range(40)]
    embed = cards.ambiguous_author_embed("name", candidates)
    lines = embed.description.splitlines()
    assert lines[1] == "• **Name\\_0** — 0 papers" and lines[2] == "• **Name\\_1** — 1 paper"
    assert len(lines) == 1 + 25 + 1 and "15 more" in lines[-1]
    assert cards.ambiguous_author_embed("x", ["Only Name", "Other"]).description.endswith(
        "• **Other**")
    assert_sendable([embed])


def test_digest_header_messages_for_a_huge_day() -> None:
    papers = [record(arxiv_id=f"2501.{n:05d}", title=(f"{n} " + "Long title word " * 20)[:250])
              for n in range(120)]
    messages = cards.digest_header_messages("2025-01-02", papers)
    for message in messages:
        assert_sendable(message)
    embeds = [embed for message in messages for embed in message]
    assert numbered(embeds) == list(range(1, 121))
    assert messages[0][0].title == "Papers for 2025-01-02"
    assert messages[0][0].description.startswith("**120 papers** in the Hugging Face digest.")
    assert messages[-1][-1].footer.text == "120 papers · 2025-01-02"
    assert len(messages) <= 7  # messages are filled: ~37,000 characters, ≤ 6,000 each
    line = embeds[0].description.splitlines()[2]
    assert line.startswith("1. [0 Long title") and line.endswith(
        "](https://huggingface.co/papers/2501.00000)")


def test_digest_header_for_a_day_without_papers() -> None:
    [[embed]] = cards.digest_header_messages("2025-01-02", [])
    assert embed.description == "**0 papers** in the Hugging Face digest."


# --- other cards --------------------------------------------------------------------------------


def test_answer_card_quotes_the_evidence_and_links_the_source() -> None:
    embed = cards.answer_card("What *is* it? @everyone", "It is a model.",
                              ["The model is *big*.", "It pings @here."], record())
    assert embed.title == f"What \\*is\\* it? @{ZWSP}everyone"
    assert embed.description == (
        f"It is a model.\n\n> The model is \\*big\\*.\n> It pings @{ZWSP}here.")
    assert embed.fields[0].value == (
        "[A Study of Things](https://huggingface.co/papers/2501.01234) · 2025-01-01")
    assert_sendable([embed])


def test_answer_card_without_an_answer() -> None:
    embed = cards.answer_card("?", "", [], None)
    assert embed.description == "*No answer found in the digests.*" and not embed.fields


def test_about_embed() -> None:
    embed = cards.about_embed(4904, 300, "2025-10-30", "0.1.0", 3 * 86400 + 4 * 3600 + 60)
    fields = {field.name: field.value for field in embed.fields}
    assert fields == {"Papers": "4,904", "Digests": "300", "Newest digest": "2025-10-30",
                      "Version": "0.1.0", "Uptime": "3d 4h 1m"}
    assert cards.about_embed(0, 0, None, "", 5).fields[2].value == "none yet"
    assert cards.format_uptime(65) == "1m 5s"


# --- the real corpus ------------------------------------------------------------------------------


def corpus_papers() -> dict[str, list[PaperRecord]]:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus-real is not available")
    days: dict[str, list[PaperRecord]] = {}
    for path in sorted(CORPUS.rglob("*.md")):
        date = date_from_filename(str(path))
        digest = parse_digest(path.read_text("utf-8"), str(path), date)
        days[digest.date or date or path.stem] = [
            PaperRecord(p.arxiv_id, p.title, p.authors, p.summary, (p.date,), p.source)
            for p in digest.papers
        ]
    return days


def test_every_card_of_every_real_paper_is_sendable() -> None:
    days = corpus_papers()
    papers = [paper for day in days.values() for paper in day]
    assert len(papers) > 1000
    for paper in papers:
        card = cards.paper_card(paper)
        assert_sendable([card.embed])
        assert visible(card.embed.title) == normalize(paper.title)  # real titles fit whole
        if card.rest:
            for message in cards.full_summary_embeds(paper, card.rest):
                assert_sendable(message)
        words = set(paper.title.lower().split())
        compact = cards.compact_card(paper, paper.summary[:300],
                                     lambda word, words=words: word.lower() in words)
        assert_sendable([compact])
        assert_sendable([cards.answer_card(paper.title, paper.summary, [paper.summary], paper)])
    for date, day in days.items():
        for message in cards.digest_header_messages(date, day):
            assert_sendable(message)
        for page in cards.today_pages(date, day):
            assert_sendable([page])
        for start in range(0, len(day), 25):
            assert_menu_sendable(cards.paper_select_options(day[start:start + 25]))


# --- properties over random text ------------------------------------------------------------------

TOKENS = ["@everyone", "@here", "<@123>", "<@&1>", "<#1>", "@", "<", "everyone", "*", "**",
          "_", "`", "```", "~~", "||", ">", "# ", "- ", "1. ", "\\", "[x](https://e.com/a_b)",
          "$^2$", "$", "^", "{", "\u200b", "\u202e", "\u200d", "\n", " ", ". ", "A", "é", "日本",
          "https://a.b/c_d", "e.g. ", "<sup>2</sup>", "\t", "\x00", "…"]
texts = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)), max_size=60).map(
    "".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text=texts)
def test_escaping_is_lossless_and_leaves_no_markdown_or_mentions(text: str) -> None:
    rendered = escape(text)
    assert visible(rendered) == normalize(text, multiline=True)
    assert active_markdown(rendered) == []
    assert PING_RE.search(rendered) is None
    assert PING_RE.search(plain(text)) is None


@FAST
@given(text=texts, multiline=st.booleans())
def test_normalizing_twice_changes_nothing(text: str, multiline: bool) -> None:
    # The rest of a cut summary is normalised text that is rendered again later.
    once = normalize(text, multiline=multiline)
    assert normalize(once, multiline=multiline) == once


@FAST
@given(text=texts, limit=st.integers(min_value=0, max_value=300), markdown=st.booleans())
def test_truncate_always_fits_and_shows_a_prefix(text: str, limit: int, markdown: bool) -> None:
    shown = truncate(text, limit, markdown=markdown)
    assert len(shown) <= limit
    assert PING_RE.search(shown) is None
    if markdown:
        assert normalize(text).startswith(visible(shown.removesuffix(ELLIPSIS)).rstrip())
        assert active_markdown(shown) == []


@FAST
@given(text=texts, limit=st.integers(min_value=1, max_value=400))
def test_cut_at_sentence_fits_and_loses_nothing(text: str, limit: int) -> None:
    shown, rest = cut_at_sentence(text, limit)
    assert len(shown) <= limit
    assert active_markdown(shown) == []

    def squash(value: str) -> str:
        return re.sub(r"\s|…", "", value)

    assert squash(visible(shown) + rest) == squash(normalize(text, multiline=True))


@FAST
@given(title=texts, summary=texts, authors=st.lists(texts, max_size=12), snippet=texts)
def test_cards_of_random_papers_are_always_sendable(title: str, summary: str,
                                                    authors: list[str], snippet: str) -> None:
    paper = record(title=title, summary=summary * 40, authors=tuple(authors))
    card = cards.paper_card(paper)
    assert_sendable([card.embed])
    for message in cards.full_summary_embeds(paper, card.rest or ""):
        assert_sendable(message)
    compact = cards.compact_card(paper, snippet * 5, lambda word: len(word) % 2 == 0)
    assert_sendable([compact])
    assert compact.description.count("**") % 2 == 0
    for message in cards.digest_header_messages(title, [paper] * 12):
        assert_sendable(message)
    assert_menu_sendable(cards.paper_select_options([paper]), None)
    assert_sendable([cards.answer_card(title, summary, [snippet], paper)])
