"""Bot-wide commands: /about, and one log line per command (no user content)."""

from __future__ import annotations

import logging
import time
import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .. import cards
from ..replies import reply, soon
from .base import PaperboyCog

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger("bot.commands")


PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@cache
def bot_version() -> str:
    """The installed package's version, else the checkout's pyproject.toml (run from source)."""
    try:
        return version("paperboy")
    except PackageNotFoundError:
        pass
    try:
        with PYPROJECT.open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


class AdminCog(PaperboyCog):

    @app_commands.command(name="about", description="What this bot knows and how long it has run")
    async def about(self, interaction: discord.Interaction) -> None:
        await reply(interaction, embed=await soon(interaction, self._about()))

    async def _about(self) -> discord.Embed:
        stats = await self.bot.store.stats()
        return cards.about_embed(
            papers=stats.papers,
            digests=stats.digests,
            latest_date=await self.bot.store.latest_digest_date(),
            version=bot_version(),
            uptime_seconds=time.monotonic() - self.bot.started_at,
            search=self.bot.engine.semantic.status(),
        )

    @app_commands.command(name="forget-me",
                          description="Delete your watches and votes in every server")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        watches, votes = await self.bot.store.forget_member(interaction.user.id)
        interaction.extras["results"] = watches + votes
        await reply(interaction, ephemeral=True, content=(
            f"Deleted {_count(watches, 'watch', 'watches')} and {_count(votes, 'vote', 'votes')}"
            " of yours, in every server. Papers you saved stay on the servers' reading lists"
            " (`/reading remove` takes one off)."))

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction,
                                        command: app_commands.Command) -> None:
        latency_ms = (discord.utils.utcnow() - interaction.created_at).total_seconds() * 1000
        log.info("/%s ok in %.0f ms, %s results", command.qualified_name, latency_ms,
                 interaction.extras.get("results", "-"))


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(AdminCog(bot))
