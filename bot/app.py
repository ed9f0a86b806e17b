"""The Discord client: one store and one search engine shared by every cog."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import signal
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from .config import Settings
from .errors import UserError
from .replies import FRIENDLY_ERROR, InFlight, hold_reply, say_privately
from .store import Store

if TYPE_CHECKING:
    from .search import SearchEngine

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.papers", "bot.cogs.corpus", "bot.cogs.digest", "bot.cogs.admin",
              "bot.cogs.semantic", "bot.cogs.reading", "bot.cogs.watches", "bot.cogs.votes")


def bot_intents() -> discord.Intents:
    """Guilds, and guild messages only so that mentions of the bot arrive. Nothing privileged."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    return intents


def tree_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """A stable hash of the commands Discord would receive for `guild` (None: global)."""
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


class PaperTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        hold_reply(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Log the traceback; tell the user one friendly line; keep running."""
        # A command raised it (CommandInvokeError.original) or an option's transformer did
        # (TransformerError, raised from it).
        cause = getattr(error, "original", None) or error.__cause__
        if isinstance(cause, UserError):
            message = str(cause)
        elif isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You can't use this command here."
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed", command, exc_info=error)
            message = FRIENDLY_ERROR
        await say_privately(interaction, message)


class Paperboy(commands.AutoShardedBot):
    """The bot. `store` and `engine` are opened in `setup_hook` and shared by all cogs."""

    def __init__(self, settings: Settings, *, force_sync: bool = False,
                 sync_guild: int | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            tree_cls=PaperTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            chunk_guilds_at_startup=False,
            # discord.py waits this long after the last GUILD_CREATE before `on_ready` (2 s by
            # default); without member chunking nothing needs the wait, and the scheduler
            # starts on ready.
            guild_ready_timeout=0.5,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
        )
        self.settings = settings
        self.force_sync = force_sync
        self.sync_guild = sync_guild or settings.dev_guild_id
        self.started_at = time.monotonic()
        self.store: Store
        self.engine: SearchEngine  # set in setup_hook
        self.replies = InFlight()

    async def setup_hook(self) -> None:
        self.store = await Store.open(self.settings.db_path)
        from .search import SearchEngine  # heavy import kept off the CLI's fast paths

        self.engine = await SearchEngine.build(self.store)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands(force=self.force_sync)
        # The index and the corpus are long-lived: moving them out of the collector's view
        # keeps full collections (100-300 ms on a small VPS) from stalling the event loop.
        gc.freeze()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync the command tree only when it changed since the last sync (or when forced)."""
        guild = discord.Object(self.sync_guild) if self.sync_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        key = f"command_tree_hash:{guild.id if guild else 'global'}"
        current = tree_hash(self.tree, guild)
        if not force and await self.store.get_meta(key) == current:
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.store.set_meta(key, current)
        log.info("synced %d slash commands to %s", len(synced),
                 f"guild {guild.id}" if guild else "all servers (global)")
        return True

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: a mention is a question (the papers cog answers it), and must
        not be parsed as an unknown command."""

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))

    async def close(self) -> None:
        if self.replies:
            log.info("finishing %d replies in flight", len(self.replies))
            await self.replies.finish(timeout=10)
        await super().close()
        store = getattr(self, "store", None)
        if store is not None:
            await store.close()
        log.info("closed cleanly")


async def sync_only(settings: Settings, guild_id: int | None) -> None:
    """Log in over HTTP only, sync the command tree (forced) and leave."""
    bot = Paperboy(settings, force_sync=True, sync_guild=guild_id)
    async with bot:
        await bot.login(settings.token or "")


async def run_bot(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT, then close cleanly."""
    bot = Paperboy(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = asyncio.create_task(bot.start(settings.token or ""))
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if stopper in done:
        log.info("signal received: shutting down")
    await bot.close()
    stopper.cancel()
    if runner in done:
        runner.result()  # re-raise login failures and the like
    else:
        await asyncio.wait({runner}, timeout=15)
