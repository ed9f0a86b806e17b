"""Cards for personal watches: the matches of a digest, the list of watches, the preview."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from ..digest.clean import clean_summary
from ..digest.models import PaperRecord
from ..store import Watch
from .embeds import COLOUR_INFO, COLOUR_PAPER, paper_url
from .limits import MESSAGE_EMBEDS_LIMIT, MESSAGE_TOTAL_LIMIT, TITLE_LIMIT
from .text import truncate

REASONS_LIMIT = 300
SUMMARY_LIMIT = 300
PREVIEW_LINE_LIMIT = 300
FOOTER_LIMIT = 200


def match_footer(guild_name: str, date: str, index: int, count: int) -> str:
    """The last embed's footer of each message; a resumed delivery finds sent messages by it."""
    return truncate(f"{guild_name} · your watches · {date} · {index + 1}/{count}", FOOTER_LIMIT,
                    markdown=False)


def _match_embed(paper: PaperRecord, reasons: Sequence[str]) -> discord.Embed:
    why = truncate("Matched " + "; ".join(dict.fromkeys(reasons)), REASONS_LIMIT)
    summary = truncate(clean_summary(paper.summary), SUMMARY_LIMIT, multiline=False)
    title = truncate(paper.title, TITLE_LIMIT) or truncate(paper.arxiv_id, TITLE_LIMIT)
    return discord.Embed(title=title or "Untitled paper", url=paper_url(paper),
                         description=f"*{why}*\n{summary}".strip(), colour=COLOUR_PAPER)


def _size(embed: discord.Embed) -> int:
    return len(embed.title or "") + len(embed.description or "")


def match_messages(guild_name: str, date: str,
                   matches: Sequence[tuple[PaperRecord, Sequence[str]]]
                   ) -> list[list[discord.Embed]]:
    """One embed per paper, as few messages as Discord's limits allow (10 embeds, 6,000
    characters each, room kept for the footer)."""
    room = MESSAGE_TOTAL_LIMIT - FOOTER_LIMIT
    messages: list[list[discord.Embed]] = [[]]
    used = 0
    for paper, reasons in matches:
        embed = _match_embed(paper, reasons)
        if messages[-1] and (len(messages[-1]) == MESSAGE_EMBEDS_LIMIT
                             or used + _size(embed) > room):
            messages.append([])
            used = 0
        messages[-1].append(embed)
        used += _size(embed)
    for index, embeds in enumerate(messages):
        embeds[-1].set_footer(text=match_footer(guild_name, date, index, len(messages)))
    return messages


def match_intro(date: str, papers: int, guild_name: str | None = None) -> str:
    """The first message's text; a DM names the server (a member may watch in several)."""
    where = f" in {truncate(guild_name, 100)}" if guild_name else ""
    return (f"{papers} paper{'' if papers == 1 else 's'} in the {date} digest matched your"
            f" watches{where}.")


def _state(watch: Watch) -> str:
    if watch.paused:
        return " (paused)"
    return " (waiting: your DMs are closed)" if watch.dm_refused else ""


def watch_list_embed(watches: Sequence[Watch], deliver: str, limit: int) -> discord.Embed:
    where = "by DM" if deliver == "dm" else "in the day's digest thread"
    if not watches:
        text = "You have no watches here. Add one with `/watch add`."
    else:
        text = "\n".join(f"{n}. `{truncate(w.label, 100, markdown=False)}`{_state(w)}"
                         for n, w in enumerate(watches, 1))
    embed = discord.Embed(title="Your watches", description=text,
                          colour=COLOUR_INFO)
    embed.set_footer(text=f"{len(watches)}/{limit} · matches come {where}")
    return embed


def preview_embed(watch: Watch, since: str, found: Sequence[tuple[PaperRecord, str]],
                  shown: int = 10) -> discord.Embed:
    """What the new watch would have matched in the digests since `since`."""
    if not found:
        text = ("It would have matched nothing in the last 30 days of digests. New digests are"
                " checked as they arrive; broaden it if you expected papers.")
    else:
        lines = []
        for paper, reason in found[:shown]:
            title = truncate(paper.title, 150) or paper.arxiv_id
            url = paper_url(paper)
            link = f"[{title}]({url})" if url else title
            lines.append(truncate(f"{paper.latest_date} · ", 20) + link
                         + f" — *{truncate(reason, 100)}*")
        more = len(found) - shown
        text = "\n".join(lines) + (f"\n…and {more} more." if more > 0 else "")
    count = f"{len(found)} paper{'' if len(found) == 1 else 's'}"
    embed = discord.Embed(title=truncate(f"Watching {watch.label}", TITLE_LIMIT),
                          description=text, colour=COLOUR_INFO)
    embed.set_footer(text=f"Since {since}: {count} would have matched")
    return embed
