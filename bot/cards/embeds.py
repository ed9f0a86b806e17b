"""Papers and bot data → `discord.Embed`s and select options, always within Discord's limits.

Pure functions. Every text that comes from a digest or a user goes through `text.py`, so it
shows literally (markdown escaped) and pings or resolves nobody.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import discord

from ..digest.models import hf_paper_url
from .limits import (
    AUTHOR_LIMIT,
    BUTTON_LABEL_LIMIT,
    CHOICE_NAME_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    MESSAGE_EMBEDS_LIMIT,
    MESSAGE_TOTAL_LIMIT,
    SELECT_OPTIONS_LIMIT,
    SELECT_TEXT_LIMIT,
    TITLE_LIMIT,
)
from .text import (
    authors_line,
    cut_at_sentence,
    escape,
    highlight_snippet,
    normalize,
    truncate,
)

COLOUR_PAPER = discord.Colour(0xFFD21E)  # Hugging Face yellow
COLOUR_DIGEST = discord.Colour(0xFF9D00)
COLOUR_SEARCH = discord.Colour(0x5865F2)
COLOUR_ANSWER = discord.Colour(0x57F287)
COLOUR_INFO = discord.Colour(0x99AAB5)

CARD_SUMMARY_LIMIT = 1500  # a card stays readable; the rest goes behind "Full summary"
SNIPPET_LIMIT = 200
RESULTS_PER_PAGE = 5
LIST_TITLE_LIMIT = 200  # a title in a numbered list
LIST_SENTENCE_LIMIT = 400  # a sentence under a title in a list answer
NO_SUMMARY = "*No summary in the digest.*"

Highlight = Callable[[str], bool]


class PaperLike(Protocol):
    """What a card needs of a paper: `PaperRecord` and the search engine's `Hit` both fit."""

    @property
    def arxiv_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def authors(self) -> tuple[str, ...]: ...
    @property
    def dates(self) -> tuple[str, ...]: ...


class PaperWithSummary(PaperLike, Protocol):
    @property
    def summary(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PaperCard:
    embed: discord.Embed
    rest: str | None  # the summary that did not fit (raw text), for a "Full summary" button


# Ids come from the parser's regex; a record built otherwise must not produce a broken URL.
_SAFE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-/]{0,63}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _safe_id(paper: PaperLike) -> bool:
    return _SAFE_ID_RE.fullmatch(paper.arxiv_id) is not None


def paper_url(paper: PaperLike) -> str | None:
    """The paper's Hugging Face page, or None if its id cannot be part of a URL."""
    return hf_paper_url(paper.arxiv_id) if _safe_id(paper) else None


def day_url(date: str) -> str | None:
    return f"https://huggingface.co/papers/date/{date}" if _DATE_RE.fullmatch(date) else None


def _latest(paper: PaperLike) -> str:
    dates = getattr(paper, "dates", ())  # an answer's source may carry only id and title
    return dates[-1] if dates else ""


def _title(paper: PaperLike, limit: int = TITLE_LIMIT) -> str:
    """The escaped title; never empty (an invisible title falls back to the id)."""
    return (truncate(paper.title, limit) or truncate(paper.arxiv_id, limit)
            or "Untitled paper")


def _plain_title(paper: PaperLike, limit: int) -> str:
    return (truncate(paper.title, limit, markdown=False)
            or truncate(paper.arxiv_id, limit, markdown=False) or "Untitled paper")


def _link(text: str, url: str | None) -> str:
    return f"[{text}]({url})" if url else text


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _id_footer(paper: PaperLike) -> str:
    return truncate(f"arXiv:{paper.arxiv_id}", 120, markdown=False)


def _dates_value(dates: Sequence[str]) -> str:
    """ "2024-12-31, 2025-01-01"; a long history shows its first date and its newest ones."""
    shown = [truncate(date, 32) for date in dates if normalize(date)]
    if not shown:
        return "unknown"
    if len(shown) > 6:
        shown = [shown[0], f"… {len(shown) - 4} more …", *shown[-3:]]
    return ", ".join(shown)


def _links_value(paper: PaperLike) -> str:
    if not _safe_id(paper):
        return truncate(paper.arxiv_id, FIELD_VALUE_LIMIT) or "unknown"
    arxiv = f"https://arxiv.org/abs/{paper.arxiv_id}"
    pdf = f"https://arxiv.org/pdf/{paper.arxiv_id}"
    return f"[Hugging Face]({paper_url(paper)}) · [arXiv]({arxiv}) · [PDF]({pdf})"


# --- paper cards -------------------------------------------------------------------------------


def paper_card(paper: PaperWithSummary, summary: str | None = None) -> PaperCard:
    """The card of one paper. `summary` is the text to show (e.g. the cleaned summary;
    default `paper.summary`); what does not fit in ~1,500 characters is returned as `rest`."""
    text = paper.summary if summary is None else summary
    shown, rest = cut_at_sentence(text, CARD_SUMMARY_LIMIT)
    embed = discord.Embed(title=_title(paper), url=paper_url(paper),
                          description=shown or NO_SUMMARY, colour=COLOUR_PAPER)
    authors = authors_line(paper.authors, AUTHOR_LIMIT)
    if authors:
        embed.set_author(name=authors)
    name = "Digest dates" if len(paper.dates) > 1 else "Digest date"
    embed.add_field(name=name, value=_dates_value(paper.dates), inline=True)
    embed.add_field(name="Links", value=_links_value(paper), inline=True)
    footer = _id_footer(paper) + (" · summary shortened" if rest else "")
    embed.set_footer(text=footer)
    return PaperCard(embed, rest or None)


def full_summary_embeds(paper: PaperLike, text: str, *,
                        max_messages: int = 3) -> list[list[discord.Embed]]:
    """`text` (e.g. a card's `rest`) split at sentence ends over embeds and messages.

    Each message stays within 6,000 characters and 10 embeds. At most `max_messages` messages:
    a longer text is cut, and the last footer says so.
    """
    title = truncate(f"Summary: {normalize(paper.title)}", TITLE_LIMIT)
    footer = _id_footer(paper)
    truncated_footer = f"{footer} · cut here, the full text is on Hugging Face"
    reserve = len(truncated_footer)
    messages: list[list[discord.Embed]] = []
    embeds: list[discord.Embed] = []
    used = len(title)
    rest = normalize(text, multiline=True)
    while rest:
        room = min(DESCRIPTION_LIMIT, MESSAGE_TOTAL_LIMIT - reserve - used)
        if len(embeds) == MESSAGE_EMBEDS_LIMIT or (room < 500 and len(escape(rest)) > room):
            if len(messages) + 1 >= max_messages:
                break
            messages.append(embeds)
            embeds, used = [], 0
            continue
        shown, left = cut_at_sentence(rest, room)
        if not shown or left == rest:  # no progress possible; never loop forever
            break
        embeds.append(discord.Embed(description=shown, colour=COLOUR_PAPER))
        used += len(shown)
        rest = left
    if embeds:
        messages.append(embeds)
    if not messages:
        messages = [[discord.Embed(description=NO_SUMMARY, colour=COLOUR_PAPER)]]
    first, last = messages[0][0], messages[-1][-1]
    first.title, first.url = title, paper_url(paper)
    last.set_footer(text=truncated_footer if rest else footer)
    return messages


def compact_card(paper: PaperLike, snippet: str, highlight: Highlight | None = None
                 ) -> discord.Embed:
    """A search result: linked title, newest digest date and a one-line snippet in which the
    words `highlight` accepts (called with each word as it appears) are bold."""
    line = highlight_snippet(snippet, highlight, SNIPPET_LIMIT)
    date = truncate(_latest(paper), 32)
    description = " · ".join(part for part in (date, line) if part) or "—"
    return discord.Embed(title=_title(paper), url=paper_url(paper), description=description,
                         colour=COLOUR_SEARCH)


def search_footer(query: str, page: int, pages: int, total: int) -> str:
    """ "Page 2/4 · 18 results for “query”" (plain text: a footer shows no markdown)."""
    shown = truncate(query, 100, markdown=False)
    return f"Page {page}/{pages} · {_plural(total, 'result')} for “{shown}”"


def search_page(results: Sequence[tuple[PaperLike, str]], query: str, page: int, pages: int,
                total: int, highlight: Highlight | None = None) -> list[discord.Embed]:
    """One page of search results (one message): at most `RESULTS_PER_PAGE` compact cards of
    (paper, snippet); the last one's footer says the page and the query."""
    embeds = [compact_card(paper, snippet, highlight)
              for paper, snippet in results[:RESULTS_PER_PAGE]]
    if not embeds:
        shown = truncate(query, 200)
        return [discord.Embed(title="No results", description=f"Nothing matches “{shown}”.",
                              colour=COLOUR_SEARCH)]
    embeds[-1].set_footer(text=search_footer(query, page, pages, total))
    return embeds


def paper_select_options(papers: Sequence[PaperLike]) -> list[discord.SelectOption]:
    """Select options for papers (first 25, one per id): label the title, value the id,
    description the newest date and the first author."""
    options: list[discord.SelectOption] = []
    seen: set[str] = set()
    for paper in papers:
        value = paper.arxiv_id[:SELECT_TEXT_LIMIT]
        if not value or value in seen:
            continue
        seen.add(value)
        details = [_latest(paper)] + [name for name in paper.authors[:1]]
        description = truncate(" · ".join(d for d in details if d), SELECT_TEXT_LIMIT,
                               markdown=False)
        options.append(discord.SelectOption(label=_plain_title(paper, SELECT_TEXT_LIMIT),
                                            value=value, description=description or None))
        if len(options) == SELECT_OPTIONS_LIMIT:
            break
    return options


def autocomplete_name(paper: PaperLike) -> str:
    """ "Title · 2501.01234" within an autocomplete choice's 100 characters."""
    suffix = f" · {truncate(paper.arxiv_id, 40, markdown=False)}"
    return _plain_title(paper, CHOICE_NAME_LIMIT - len(suffix)) + suffix


def button_label(text: str) -> str:
    return truncate(text, BUTTON_LABEL_LIMIT, markdown=False) or "…"


# --- lists of papers ---------------------------------------------------------------------------


def _numbered_lines(papers: Sequence[PaperLike], *, dates: bool = False) -> list[str]:
    lines = []
    for number, paper in enumerate(papers, 1):
        line = f"{number}. {_link(_title(paper, LIST_TITLE_LIMIT), paper_url(paper))}"
        if dates and _latest(paper):
            line += f" · {truncate(_latest(paper), 32)}"
        lines.append(line)
    return lines


def _pages(lines: Sequence[str], per_page: int, limit: int) -> list[list[str]]:
    """Lines in pages of at most `per_page` lines and `limit` characters (joined by "\\n")."""
    pages: list[list[str]] = []
    page: list[str] = []
    size = 0
    for line in lines:
        if page and (len(page) == per_page or size + 1 + len(line) > limit):
            pages.append(page)
            page, size = [], 0
        size += len(line) + (1 if page else 0)
        page.append(line)
    if page:
        pages.append(page)
    return pages


def _list_pages(title: str, url: str | None, lines: Sequence[str], count_text: str,
                per_page: int, empty: str) -> list[discord.Embed]:
    pages = _pages(lines, max(1, per_page), DESCRIPTION_LIMIT)
    if not pages:
        return [discord.Embed(title=title, url=url, description=empty, colour=COLOUR_DIGEST)]
    embeds = []
    for number, page in enumerate(pages, 1):
        embed = discord.Embed(title=title, url=url, description="\n".join(page),
                              colour=COLOUR_DIGEST)
        embed.set_footer(text=f"{count_text} · page {number}/{len(pages)}")
        embeds.append(embed)
    return embeds


def today_pages(date: str, papers: Sequence[PaperLike], per_page: int = 10
                ) -> list[discord.Embed]:
    """The papers of one digest as a numbered list of links, one embed per page (each one a
    message of its own); every page names the date and the count."""
    title = truncate(f"Papers for {normalize(date)}", TITLE_LIMIT)
    return _list_pages(title, day_url(date), _numbered_lines(papers),
                       _plural(len(papers), "paper"), per_page,
                       f"No papers in the digest for {truncate(date, 32)}.")


def author_pages(name: str, papers: Sequence[PaperLike], per_page: int = 10
                 ) -> list[discord.Embed]:
    """An author's papers (newest digest date on each line), one embed per page."""
    title = truncate(f"Papers by {normalize(name)}", TITLE_LIMIT)
    return _list_pages(title, None, _numbered_lines(papers, dates=True),
                       _plural(len(papers), "paper"), per_page,
                       f"No papers by {truncate(name, 200)} in the digests.")


def ambiguous_author_embed(query: str, candidates: Sequence[str | tuple[str, int]]
                           ) -> discord.Embed:
    """ "Which author?": candidate names (with their paper counts when given), at most 25."""
    lines = []
    for candidate in candidates[:25]:
        name, count = (candidate, None) if isinstance(candidate, str) else candidate
        line = f"• **{truncate(name, 100)}**"
        lines.append(line + (f" — {_plural(count, 'paper')}" if count is not None else ""))
    if len(candidates) > 25:
        lines.append(f"…and {len(candidates) - 25} more: try a longer name.")
    description = "Which one do you mean?\n" + "\n".join(lines)
    return discord.Embed(title=truncate(f"Several authors match “{normalize(query)}”",
                                        TITLE_LIMIT),
                         description=description, colour=COLOUR_INFO)


def digest_header_messages(date: str, papers: Sequence[PaperLike]
                           ) -> list[list[discord.Embed]]:
    """The daily post's header: date, count and the numbered, linked titles, split over
    embeds (4,096 characters each) and messages (6,000 characters and 10 embeds each)."""
    title = truncate(f"Papers for {normalize(date)}", TITLE_LIMIT)
    footer = truncate(f"{_plural(len(papers), 'paper')} · {date}", 200, markdown=False)
    header = f"**{_plural(len(papers), 'paper')}** in the Hugging Face digest."
    lines = [header, "", *_numbered_lines(papers)] if papers else [header]
    messages: list[list[discord.Embed]] = []
    embeds: list[discord.Embed] = []
    used = len(title)  # characters in the current message's finished embeds (and title)
    current: list[str] = []
    size = 0

    def room() -> int:  # every message keeps room for the footer: any one may be the last
        return min(DESCRIPTION_LIMIT, MESSAGE_TOTAL_LIMIT - len(footer) - used)

    for line in lines:
        added = len(line) + (1 if current else 0)
        if current and size + added > room():
            embeds.append(discord.Embed(description="\n".join(current), colour=COLOUR_DIGEST))
            used += size
            current, size, added = [], 0, len(line)
            if len(embeds) == MESSAGE_EMBEDS_LIMIT or added > room():
                messages.append(embeds)
                embeds, used = [], 0
        current.append(line)
        size += added
    embeds.append(discord.Embed(description="\n".join(current), colour=COLOUR_DIGEST))
    messages.append(embeds)
    messages[0][0].title, messages[0][0].url = title, day_url(date)
    messages[-1][-1].set_footer(text=footer)
    return messages


# --- other cards -------------------------------------------------------------------------------


def _quote_block(sentences: Sequence[str], limit: int) -> str:
    lines: list[str] = []
    size = 0
    for sentence in sentences:
        line = "> " + truncate(sentence, 600)
        if len(line) <= 2 or size + len(line) + 1 > limit:
            continue
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def answer_card(question: str, answer: str, evidence: Sequence[str],
                paper: PaperLike | None = None) -> discord.Embed:
    """An /ask answer: the question (shortened) as title, the answer, the evidence sentences
    as a quote block, and the source paper linked."""
    shown, _ = cut_at_sentence(answer, 1800)
    quote = _quote_block(evidence, 1800)
    description = "\n\n".join(part for part in (shown, quote) if part)
    embed = discord.Embed(title=truncate(question, TITLE_LIMIT) or "Question",
                          description=description or "*No answer found in the digests.*",
                          colour=COLOUR_ANSWER)
    if paper is not None:
        source = _link(_title(paper, 900), paper_url(paper))
        if _latest(paper):
            source += f" · {truncate(_latest(paper), 32)}"
        embed.add_field(name="Source", value=source, inline=False)
        embed.set_footer(text=_id_footer(paper))
    return embed


def list_answer_card(question: str, summary: str,
                     papers: Sequence[tuple[PaperLike, str]]) -> discord.Embed:
    """An answer that is several papers: the summary line ("5 papers on …, 1 Aug – 30 Oct
    2025"), then each paper linked, with its newest date and the sentence that shows why,
    the sentences cut so that every paper fits."""
    head = truncate(summary, 300)
    heads = []
    for number, (paper, _) in enumerate(papers, 1):
        line = f"**{number}.** {_link(_title(paper, LIST_TITLE_LIMIT), paper_url(paper))}"
        heads.append(line + (f" · {truncate(_latest(paper), 32)}" if _latest(paper) else ""))
    room = DESCRIPTION_LIMIT - len(head) - 2 - sum(len(line) + 4 for line in heads)
    share = room // len(papers) if papers else 0
    lines = []
    for line, (_, sentence) in zip(heads, papers, strict=True):
        quote = truncate(sentence, min(share, LIST_SENTENCE_LIMIT)) if share > 0 else ""
        lines.append(line + (f"\n> {quote}" if quote else ""))
    return discord.Embed(title=truncate(question, TITLE_LIMIT) or "Question",
                         description="\n\n".join([head, "\n".join(lines)]) if lines else head,
                         colour=COLOUR_ANSWER)


def format_uptime(seconds: float) -> str:
    """ "3d 4h 12m", "5m 3s", "42s"."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def about_embed(papers: int, digests: int, latest_date: str | None, version: str,
                uptime_seconds: float, search: str = "") -> discord.Embed:
    embed = discord.Embed(
        title="Paperboy",
        description="I answer questions about AI papers from the Hugging Face daily-paper "
                    "digests: search them, ask about them, or get each day's digest posted.",
        colour=COLOUR_INFO,
    )
    embed.add_field(name="Papers", value=f"{papers:,}", inline=True)
    embed.add_field(name="Digests", value=f"{digests:,}", inline=True)
    embed.add_field(name="Newest digest", value=truncate(latest_date or "", 64) or "none yet",
                    inline=True)
    embed.add_field(name="Version", value=truncate(version, 64) or "unknown", inline=True)
    embed.add_field(name="Uptime", value=format_uptime(uptime_seconds), inline=True)
    if search:
        embed.add_field(name="Search", value=truncate(search, FIELD_VALUE_LIMIT), inline=False)
    return embed
