"""What every cog of this bot shares: the bot, its store and engine at hand; the paper-card
buttons it answers (BUTTONS), registered while it is loaded; its periodic loops (LOOPS: each
loop's attribute name and the setting that gives its interval in seconds), run while loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from discord.ext import commands

from ..replies import PaperButton
from .loops import begin

if TYPE_CHECKING:
    from ..app import Paperboy
    from ..search import SearchEngine


class PaperboyCog(commands.Cog):
    BUTTONS: ClassVar[tuple[type[PaperButton], ...]] = ()
    LOOPS: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self, bot: Paperboy) -> None:
        self.bot = bot
        self.store = bot.store

    @property
    def engine(self) -> SearchEngine:
        return self.bot.engine

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.BUTTONS)
        for name, setting in self.LOOPS:
            begin(getattr(self, name), getattr(self.bot.settings, setting))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.BUTTONS)
        for name, _ in self.LOOPS:
            getattr(self, name).cancel()
