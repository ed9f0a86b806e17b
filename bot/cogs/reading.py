"""The server's reading list: "Save" on paper cards, `/reading list|remove|clear|export`."""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from .. import cards
from ..cards.reading import reading_list_pages
from ..digest import PaperRecord, normalize_arxiv_id
from ..errors import UserError
from ..export import FORMATS
from ..reading_views import ClearConfirmation, SaveButton, saver_line
from ..replies import reply
from ..store import SavedPaper
from ..views import Pager, send_pager
from .base import PaperboyCog
from .options import CHOICES, MAX_QUERY, Query

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)

PER_PAGE = 10
EMPTY = "The reading list is empty: press **Save** on a paper card to add one."
FORMAT_NAMES = {"bibtex": "BibTeX", "ris": "RIS", "markdown": "Markdown"}


def _title(entry: SavedPaper) -> str:
    return entry.paper.title if entry.paper else f"arXiv:{entry.arxiv_id}"


class ReadingCog(PaperboyCog):
    reading = app_commands.Group(name="reading", description="This server's reading list",
                                 guild_only=True)

    BUTTONS = (SaveButton,)

    async def _entries(self, interaction: discord.Interaction) -> list[SavedPaper]:
        assert interaction.guild_id is not None  # the group is guild only
        entries = await self.store.reading_list(interaction.guild_id)
        interaction.extras["results"] = len(entries)
        if not entries:
            raise UserError(EMPTY)
        return entries

    @reading.command(name="list", description="The papers saved in this server, newest first")
    async def list_papers(self, interaction: discord.Interaction) -> None:
        entries = await self._entries(interaction)
        server = interaction.guild.name if interaction.guild else "this server"
        pages = reading_list_pages(server, entries, PER_PAGE)

        async def render(index: int) -> tuple[list[discord.Embed], list[PaperRecord]]:
            shown = entries[index * PER_PAGE:(index + 1) * PER_PAGE]
            return [pages[index]], [e.paper for e in shown if e.paper is not None]

        async def load(arxiv_id: str) -> PaperRecord | None:
            return await self.store.get_paper(arxiv_id)

        await send_pager(interaction, Pager(interaction.user.id, math.ceil(len(entries) / PER_PAGE),
                                            render, load))

    @reading.command(name="remove", description="Take a paper off the reading list")
    @app_commands.describe(paper="A paper on the list (offered as you type), or its arXiv id")
    async def remove(self, interaction: discord.Interaction, paper: Query) -> None:
        entries = await self._entries(interaction)
        wanted = normalize_arxiv_id(paper) or paper
        entry = next((e for e in entries if e.arxiv_id == wanted), None) or next(
            (e for e in entries if _title(e).casefold() == paper.casefold()), None)
        if entry is None:
            raise UserError(f"“{cards.truncate(paper, 100)}” is not on the reading list. Pick"
                            " one of the papers offered as you type.")
        assert interaction.guild_id is not None
        await self.store.remove_from_reading_list(interaction.guild_id, entry.arxiv_id)
        await interaction.response.send_message(
            f"Removed from the reading list: {cards.truncate(_title(entry), 200)}"
            f" ({saver_line(entry.saved_by_name, entry.saved_at)}).", ephemeral=True)

    @remove.autocomplete("paper")
    async def _saved_titles(self, interaction: discord.Interaction, current: str
                            ) -> list[app_commands.Choice[str]]:
        try:
            if interaction.guild_id is None:
                return []
            typed = " ".join(current[:MAX_QUERY].split()).casefold()
            entries = await self.store.reading_list(interaction.guild_id)
            found = [e for e in entries
                     if typed in _title(e).casefold() or typed in e.arxiv_id.casefold()]
            return [app_commands.Choice(
                        name=cards.autocomplete_name(e.paper) if e.paper
                        else cards.button_label(_title(e)), value=e.arxiv_id)
                    for e in found[:CHOICES]]
        except Exception:  # an autocomplete cannot show an error: offer nothing
            log.exception("reading list autocomplete failed")
            return []

    @reading.command(name="clear", description="Empty the reading list (asks first)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def clear(self, interaction: discord.Interaction) -> None:
        entries = await self._entries(interaction)
        count = len(entries)
        await interaction.response.send_message(
            f"Remove all {count:,} paper{'' if count == 1 else 's'} from this server's reading"
            " list? This cannot be undone; `/reading export` first keeps a copy.",
            view=ClearConfirmation(interaction, count), ephemeral=True)

    @reading.command(name="export", description="The reading list as a file")
    @app_commands.describe(format="bibtex (LaTeX, Zotero), ris (Zotero, EndNote, Mendeley)"
                                  " or markdown (notes)")
    async def export(self, interaction: discord.Interaction,
                     format: Literal["bibtex", "ris", "markdown"]) -> None:
        entries = await self._entries(interaction)
        exporter, extension = FORMATS[format]
        today = dt.datetime.now(dt.UTC).date().isoformat()
        server = interaction.guild.name if interaction.guild else "this server"
        data = exporter(entries, list_name=server, exported_on=today).encode()
        if len(data) > interaction.filesize_limit:
            raise UserError(f"The list is too long for one file here ({len(data):,} bytes;"
                            f" Discord takes {interaction.filesize_limit:,}). Remove a few"
                            " papers, or export as Markdown.")
        file = discord.File(io.BytesIO(data), filename=f"reading-list-{today}.{extension}")
        count = len(entries)
        await reply(interaction, ephemeral=True, file=file,
                    content=f"The reading list as {FORMAT_NAMES[format]}: {count:,}"
                            f" paper{'' if count == 1 else 's'}, newest first.")


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(ReadingCog(bot))
