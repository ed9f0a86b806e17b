"""The reading list's buttons: "Save" on every paper card, and `/reading clear`'s confirmation.

"Save" is a dynamic item keyed by the paper id, like "Full summary", so it works on any card,
old ones too, after restarts.
"""

from __future__ import annotations

import contextlib
from typing import Any

import discord

from . import cards
from .replies import GONE, PaperButton, hold_reply, paper_template, report_failure, say_privately

SAVE_PREFIX = "paperboy:save:"
CONFIRM_TIMEOUT = 60.0  # seconds `/reading clear` waits for its confirmation
PER_SERVER = ("The reading list belongs to a server: press Save on a card in one of its"
              " channels.")


def saver_line(name: str, saved_at: str) -> str:
    return f"saved by {cards.truncate(name, 64) or 'someone'} on {saved_at[:10]}"


class SaveButton(PaperButton, template=paper_template(SAVE_PREFIX)):
    """Puts the card's paper on the server's reading list, once."""

    PREFIX, LABEL, EMOJI = SAVE_PREFIX, "Save", "🔖"

    async def press(self, interaction: discord.Interaction) -> None:
        await say_privately(interaction, await self._save(interaction))

    async def _save(self, interaction: discord.Interaction) -> str:
        if interaction.guild_id is None:
            return PER_SERVER
        store = interaction.client.store  # type: ignore[attr-defined]  # a Paperboy
        paper = await store.get_paper(self.arxiv_id)
        if paper is None:
            return GONE
        user = interaction.user
        entry, added = await store.save_to_reading_list(interaction.guild_id, paper.arxiv_id,
                                                        user.id, user.display_name)
        if added:
            return f"Saved to the reading list: {cards.truncate(paper.title, 200)}"
        if entry.saved_by == user.id:
            return f"Already on the reading list: you saved it on {entry.saved_at[:10]}."
        return (f"Already on the reading list"
                f" ({saver_line(entry.saved_by_name, entry.saved_at)}).")


class ClearConfirmation(discord.ui.View):
    """"Clear" or "Cancel" on an ephemeral message, so only whoever ran `/reading clear`
    sees them; unanswered, the buttons go after CONFIRM_TIMEOUT."""

    def __init__(self, interaction: discord.Interaction, count: int) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.asked = interaction
        self.clear.label = f"Clear {count:,} paper{'' if count == 1 else 's'}"

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        hold_reply(interaction)
        return True

    @discord.ui.button(label="Clear", style=discord.ButtonStyle.danger)
    async def clear(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        assert interaction.guild_id is not None  # the command is guild only
        store = interaction.client.store  # type: ignore[attr-defined]  # a Paperboy
        removed = await store.clear_reading_list(interaction.guild_id)
        self.stop()
        await interaction.response.edit_message(
            content=f"Cleared the reading list: {removed:,} paper{'' if removed == 1 else 's'}"
                    " removed.", view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was cleared.", view=None)

    async def on_error(self, interaction: discord.Interaction, error: Exception,
                       item: discord.ui.Item[Any]) -> None:
        await report_failure(interaction, error, "/reading clear")

    async def on_timeout(self) -> None:
        with contextlib.suppress(discord.HTTPException):  # the token lives 15 minutes
            await self.asked.edit_original_response(
                content="Nothing was cleared (no answer within a minute).", view=None)
