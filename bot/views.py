"""Buttons and menus: pagers that only their invoker can turn, and paper cards' links.

A paper card's "Full summary" button is a dynamic item: its custom id carries the paper id, so
it keeps working after the view is gone and across restarts (the cog registers the class).
Pagers hold their pages in memory; when they time out their buttons are disabled on the
message, so nobody presses a dead button.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from . import cards, reading_views, votes_views
from .digest import PaperRecord
from .digest.clean import clean_summary, split_sentences
from .replies import (
    GONE,
    PaperButton,
    hold_reply,
    paper_template,
    reply,
    report_failure,
    say_privately,
)

log = logging.getLogger(__name__)

TIMEOUT = 300.0  # seconds a pager listens; read when a pager is made (tests shorten it)
NOT_YOURS = "These buttons belong to whoever ran the command: run it yourself to page."

# Renders page `index` (0-based): the embeds to show and the papers a menu should offer.
PageRenderer = Callable[[int], Awaitable[tuple[list[discord.Embed], Sequence[cards.PaperLike]]]]
PaperLoader = Callable[[str], Awaitable[PaperRecord | None]]

SUMMARY_PREFIX = "paperboy:summary:"
SIMILAR_PREFIX = "paperboy:similar:"
SIMILAR = 5  # papers shown by "Similar" and /similar


class FullSummaryButton(PaperButton, template=paper_template(SUMMARY_PREFIX)):
    """Sends the part of a paper's summary its card had to leave out, privately."""

    PREFIX, LABEL = SUMMARY_PREFIX, "Full summary"

    async def press(self, interaction: discord.Interaction) -> None:
        paper = await interaction.client.store.get_paper(self.arxiv_id)  # type: ignore[attr-defined]
        if paper is None:
            await say_privately(interaction, GONE)
            return
        card = cards.paper_card(paper, clean_summary(paper.summary))
        if not card.rest:  # the digest changed since: the card now holds all of it
            await interaction.response.send_message(embed=card.embed, ephemeral=True)
            return
        messages = cards.full_summary_embeds(paper, card.rest)
        await interaction.response.send_message(embeds=messages[0], ephemeral=True)
        for embeds in messages[1:]:
            await interaction.followup.send(embeds=embeds, ephemeral=True)


class SimilarButton(PaperButton, template=paper_template(SIMILAR_PREFIX)):
    """Shows the papers most like this card's paper, as compact cards with a pager."""

    PREFIX, LABEL = SIMILAR_PREFIX, "Similar"

    async def press(self, interaction: discord.Interaction) -> None:
        await send_similar(interaction, self.arxiv_id)


async def send_similar(interaction: discord.Interaction, arxiv_id: str) -> None:
    """The SIMILAR papers nearest to one paper, as one page of compact cards."""
    client: Any = interaction.client
    hits = await client.engine.similar(arxiv_id, client.store, SIMILAR)
    interaction.extras["results"] = len(hits)
    if not hits:
        await say_privately(interaction, "I found no other papers like that one.")
        return
    source = client.engine.paper(arxiv_id)
    records = {r.arxiv_id: r for r in await client.store.get_papers(h.arxiv_id for h in hits)}
    results = [(hit, _first_sentence(records[hit.arxiv_id].summary)
                if hit.arxiv_id in records else "") for hit in hits]
    label = f"like {source.title if source else arxiv_id}"

    async def render(index: int) -> tuple[list[discord.Embed], Sequence[cards.PaperLike]]:
        return cards.search_page(results, label, 1, 1, len(hits)), hits

    async def load(paper_id: str) -> PaperRecord | None:
        return await client.store.get_paper(paper_id)

    await send_pager(interaction, Pager(interaction.user.id, 1, render, load))


def _first_sentence(summary: str) -> str:
    sentences = split_sentences(clean_summary(summary))
    return sentences[0] if sentences else ""


def paper_view(paper: PaperRecord, rest: str | None) -> discord.ui.View:
    """Link buttons for arXiv, PDF and Hugging Face, "Full summary" when it was cut,
    "Similar", "👍" and "Discuss"."""
    view = discord.ui.View(timeout=None)  # only links and dynamic items: nothing to keep
    safe = cards.paper_url(paper) is not None
    if rest and safe:
        view.add_item(FullSummaryButton(paper.arxiv_id))
    if safe:
        view.add_item(SimilarButton(paper.arxiv_id))
        view.add_item(reading_views.SaveButton(paper.arxiv_id))
    if safe:
        view.add_item(votes_views.VoteButton(paper.arxiv_id))
    if safe:
        view.add_item(votes_views.DiscussButton(paper.arxiv_id))
    if safe:
        for label, url in (("arXiv", paper.arxiv_url), ("PDF", paper.pdf_url),
                           ("Hugging Face", paper.hf_url)):
            view.add_item(discord.ui.Button(label=label, url=url))
    return view


async def send_paper_card(interaction: discord.Interaction, paper: PaperRecord, *,
                          ephemeral: bool) -> None:
    """A full paper card as the reply (or a follow-up if the interaction was answered)."""
    card = cards.paper_card(paper, clean_summary(paper.summary))
    view = paper_view(paper, card.rest)
    await votes_views.show_votes(interaction, view, paper.arxiv_id)
    extra: dict[str, Any] = {"view": view} if view.children else {}
    await reply(interaction, embed=card.embed, ephemeral=ephemeral, **extra)


# --- pagers ------------------------------------------------------------------------------------


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
        paper = await self.load(self.values[0]) if self.values[0] != "-" else None
        if paper is None:
            await say_privately(interaction, GONE)
            return
        await send_paper_card(interaction, paper, ephemeral=True)


class Pager(discord.ui.View):
    """Prev/Next over pages rendered on demand, plus an optional menu of the page's papers.

    Only the user who ran the command can turn pages (anyone may open a paper from the menu:
    it answers privately); when the view times out its buttons and menu are disabled.
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

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        hold_reply(interaction)
        if interaction.user.id == self.owner_id:
            return True
        if self.select and interaction.data and (
                interaction.data.get("custom_id") == self.select.custom_id):
            return True
        await say_privately(interaction, NOT_YOURS)
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

    async def on_error(self, interaction: discord.Interaction, error: Exception,
                       item: discord.ui.Item[Any]) -> None:
        await report_failure(interaction, error, f"{type(item).__name__} of a pager")

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            # Deleted, or the interaction token expired: nothing left to disable.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)


async def send_pager(interaction: discord.Interaction, pager: Pager) -> None:
    embeds = await pager.first_page()
    if interaction.response.is_done():
        pager.message = await interaction.followup.send(embeds=embeds, view=pager, wait=True)
        return
    response = await interaction.response.send_message(embeds=embeds, view=pager)
    resource = getattr(response, "resource", None)
    pager.message = (resource if isinstance(resource, discord.InteractionMessage)
                     else await interaction.original_response())
