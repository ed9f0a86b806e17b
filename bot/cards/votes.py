"""Votes, trending and reading sessions → embeds, poll texts and thread names, within
Discord's limits (a poll's question 300 characters, an answer 55, a thread name 100)."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from .embeds import COLOUR_DIGEST, COLOUR_INFO, PaperLike, paper_url
from .limits import DESCRIPTION_LIMIT, TITLE_LIMIT
from .text import truncate

POLL_QUESTION_LIMIT = 300
POLL_ANSWER_LIMIT = 55
POLL_ANSWERS_LIMIT = 10
THREAD_NAME_LIMIT = 100
LIST_TITLE_LIMIT = 200
POLL_QUESTION = "Which paper should we read next?"


def vote_label(votes: int) -> str:
    return f"👍 {votes:,}" if votes else "👍"


def _plain_title(paper: PaperLike, limit: int) -> str:
    return (truncate(paper.title, limit, markdown=False)
            or truncate(paper.arxiv_id, limit, markdown=False) or "Untitled paper")


def poll_answer(paper: PaperLike) -> str:
    return _plain_title(paper, POLL_ANSWER_LIMIT)


def thread_name(paper: PaperLike) -> str:
    return _plain_title(paper, THREAD_NAME_LIMIT)


def _line(number: int, paper: PaperLike, detail: str) -> str:
    title = truncate(paper.title, LIST_TITLE_LIMIT) or truncate(paper.arxiv_id, 64)
    url = paper_url(paper)
    return f"{number}. {f'[{title}]({url})' if url else title} · {detail}"


def _pages(title: str, lines: Sequence[str], per_page: int, count_text: str,
           empty: str, colour: discord.Colour) -> list[discord.Embed]:
    chunks: list[list[str]] = []
    size = 0
    for line in lines:
        if not chunks or len(chunks[-1]) == per_page or size + 1 + len(line) > DESCRIPTION_LIMIT:
            chunks.append([])
            size = 0
        size += len(line) + 1
        chunks[-1].append(line)
    if not chunks:
        return [discord.Embed(title=title, description=empty, colour=colour)]
    embeds = []
    for number, chunk in enumerate(chunks, 1):
        embed = discord.Embed(title=title, description="\n".join(chunk), colour=colour)
        embed.set_footer(text=f"{count_text} · page {number}/{len(chunks)}")
        embeds.append(embed)
    return embeds


def trending_pages(period: str, ranked: Sequence[tuple[PaperLike, int, int]], *,
                   per_page: int = 10) -> list[discord.Embed]:
    """The server's papers ranked by votes and saves, one embed per page."""
    title = truncate(f"Trending in this server · {period}", TITLE_LIMIT)
    lines = [_line(n, paper, f"👍 {votes:,} · 🔖 {saves:,}")
             for n, (paper, votes, saves) in enumerate(ranked, 1)]
    count = f"{len(ranked):,} paper{'' if len(ranked) == 1 else 's'}"
    return _pages(title, lines, per_page, count,
                  "No votes yet in that period. Press 👍 on a paper's card to vote for it.",
                  COLOUR_DIGEST)


def shortlist_embed(papers: Sequence[PaperLike]) -> discord.Embed:
    """The next session's shortlist as one numbered list (at most a poll's worth matters)."""
    lines = [_line(n, paper, f"`{truncate(paper.arxiv_id, 64, markdown=False)}`")
             for n, paper in enumerate(papers, 1)]
    return _pages("The next session's shortlist", lines, len(lines) or 1,
                  f"{len(papers):,} nominated", "Nothing nominated yet.", COLOUR_INFO)[0]
