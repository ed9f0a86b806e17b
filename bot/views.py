"""Buttons and menus: pagers that only their invoker can turn, and paper cards' links."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

import discord

from . import cards
from .digest import PaperRecord
from .digest.clean import clean_summary

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
TIMEOUT = 300.0

# Renders page `index` (0-based): the embeds to show and the papers a menu should offer.
PageRenderer = Callable[[int], Awaitable[tuple[list[discord.Embed], Sequence[cards.PaperLike]]]]
PaperLoader = Callable[[str], Awaitable[PaperRecord | None]]


def paper_view(paper: PaperRecord, rest: str | None) -> discord.ui.View:
    """Link buttons for arXiv, PDF and Hugging Face, and "Full summary" when it was cut."""
    view = FullSummaryView(paper, rest) if rest else discord.ui.View(timeout=None)
    for label, url in (("arXiv", paper.arxiv_url), ("PDF", paper.pdf_url),
                       ("Hugging Face", paper.hf_url)):
        if cards.paper_url(paper):
            view.add_item(discord.ui.Button(label=label, url=url))
    return view


async def send_paper_card(interaction: discord.Interaction, paper: PaperRecord, *,
                          ephemeral: bool) -> None:
    """A full paper card as the reply (or a follow-up if the interaction was answered)."""
    card = cards.paper_card(paper, clean_summary(paper.summary))
    view = paper_view(paper, card.rest)
    if interaction.response.is_done():
        await interaction.followup.send(embed=card.embed, view=view, ephemeral=ephemeral,
                                        allowed_mentions=NONE)
    else:
        await interaction.response.send_message(embed=card.embed, view=view,
                                                ephemeral=ephemeral, allowed_mentions=NONE)


class FullSummaryView(discord.ui.View):
    def __init__(self, paper: PaperRecord, rest: str) -> None:
        super().__init__(timeout=TIMEOUT)
        self.paper = paper
        self.rest = rest

    @discord.ui.button(label="Full summary", style=discord.ButtonStyle.secondary)
    async def full_summary(self, interaction: discord.Interaction,
                           button: discord.ui.Button) -> None:
        messages = cards.full_summary_embeds(self.paper, self.rest)
        await interaction.response.send_message(embeds=messages[0], ephemeral=True,
                                                allowed_mentions=NONE)
        for embeds in messages[1:]:
            await interaction.followup.send(embeds=embeds, ephemeral=True, allowed_mentions=NONE)


class PaperSelect(discord.ui.Select):
    """Opens the chosen paper's full card, only for whoever picked it."""

    def __init__(self, load: PaperLoader) -> None:
        super().__init__(placeholder="Open a paper's card…", min_values=1, max_values=1,
                         options=[discord.SelectOption(label="…", value="-")], row=1)
        self.load = load

    def set_papers(self, papers: Sequence[cards.PaperLike]) -> None:
        self.options = cards.paper_select_options(papers)
        self.disabled = not self.options
        if not self.options:
            self.options = [discord.SelectOption(label="No papers", value="-")]

    async def callback(self, interaction: discord.Interaction) -> None:
        paper = await self.load(self.values[0])
        if paper is None:
            await interaction.response.send_message(
                "That paper is no longer in the digests.", ephemeral=True, allowed_mentions=NONE)
            return
        await send_paper_card(interaction, paper, ephemeral=True)


class Pager(discord.ui.View):
    """Prev/Next over pages rendered on demand, plus an optional menu of the page's papers.

    Only the user who ran the command can turn pages; when the view times out its buttons
    are disabled on the message so nobody presses a dead button.
    """

    def __init__(self, owner_id: int, pages: int, render: PageRenderer,
                 load: PaperLoader | None = None) -> None:
        super().__init__(timeout=TIMEOUT)
        self.owner_id = owner_id
        self.pages = pages
        self.render = render
        self.index = 0
        self.message: discord.Message | discord.InteractionMessage | None = None
        self.select = PaperSelect(load) if load else None
        if self.select:
            self.add_item(self.select)
        if pages <= 1:
            self.remove_item(self.previous)
            self.remove_item(self.next)

    async def first_page(self) -> list[discord.Embed]:
        return await self._show(0)

    async def _show(self, index: int) -> list[discord.Embed]:
        self.index = max(0, min(index, self.pages - 1))
        embeds, papers = await self.render(self.index)
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= self.pages - 1
        if self.select:
            self.select.set_papers(papers)
        return embeds

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        # The paper menu is for everyone: it answers privately.
        if self.select and interaction.data and (
                interaction.data.get("custom_id") == self.select.custom_id):
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever ran the command: run it yourself to page.",
            ephemeral=True, allowed_mentions=NONE)
        return False

    @discord.ui.button(label="◀ Prev", style=discord.ButtonStyle.secondary, row=0)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._turn(interaction, self.index - 1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary, row=0)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._turn(interaction, self.index + 1)

    async def _turn(self, interaction: discord.Interaction, index: int) -> None:
        embeds = await self._show(index)
        await interaction.response.edit_message(embeds=embeds, view=self)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            # Deleted, or the interaction token expired: nothing left to disable.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)
