"""The server's reading list as embeds: numbered lines, newest first, who saved each."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from ..store import SavedPaper
from .embeds import COLOUR_DIGEST, LIST_TITLE_LIMIT, paper_url
from .limits import TITLE_LIMIT
from .text import truncate

SAVER_LIMIT = 64


def _line(number: int, entry: SavedPaper) -> str:
    paper = entry.paper
    if paper is None:  # no longer in the digests: the id is all there is
        title, url = truncate(f"arXiv:{entry.arxiv_id}", LIST_TITLE_LIMIT), None
    else:
        title = truncate(paper.title, LIST_TITLE_LIMIT) or truncate(paper.arxiv_id, 64)
        url = paper_url(paper)
    link = f"[{title}]({url})" if url else title
    saver = truncate(entry.saved_by_name, SAVER_LIMIT) or "someone"
    return f"{number}. {link} · saved by {saver} on {entry.saved_at[:10]}"


def reading_list_pages(server: str, entries: Sequence[SavedPaper], per_page: int = 10
                       ) -> list[discord.Embed]:
    """One embed per `per_page` entries, numbered across pages. A line is at most about 400
    characters (title, link and name are cut), so ten fit a description's 4,096."""
    title = truncate(f"Reading list of {server}", TITLE_LIMIT)
    count = f"{len(entries):,} paper{'' if len(entries) == 1 else 's'}, newest first"
    pages = [entries[i:i + per_page] for i in range(0, len(entries), per_page)]
    embeds = []
    for index, page in enumerate(pages):
        lines = [_line(index * per_page + n, entry) for n, entry in enumerate(page, 1)]
        embed = discord.Embed(title=title, description="\n".join(lines),
                              colour=COLOUR_DIGEST)
        embed.set_footer(text=f"{count} · page {index + 1}/{len(pages)}")
        embeds.append(embed)
    return embeds
