"""Personal watches: `/watch …` per member and server, and the delivery of their matches when a
new digest is ingested (bot/watch_delivery.py), resumed by a loop after restarts."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from ..cards.text import truncate
from ..cards.watches import preview_embed, watch_list_embed
from ..corpus.ingest import IngestReport
from ..digest.models import PaperRecord
from ..errors import UserError
from ..replies import reply, soon
from ..store import Watch
from ..watch_delivery import WatchDeliverer
from ..watching import (
    WATCH_LIMIT,
    candidates,
    gather,
    match,
    parse_watch,
    preview_since,
)
from .base import PaperboyCog
from .loops import surviving
from .options import CHOICES

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)


def _shown(watch: Watch | str) -> str:
    return truncate(watch.label if isinstance(watch, Watch) else watch, 100, markdown=False)


class WatchesCog(PaperboyCog):
    watch = app_commands.Group(name="watch", description="Your watches: be told of new papers"
                               " on a topic, by an author or like a paper", guild_only=True)

    LOOPS = (("deliveries", "digest_check_seconds"),)

    def __init__(self, bot: Paperboy) -> None:
        super().__init__(bot)
        self.deliverer = WatchDeliverer(bot, bot.store, bot.engine)

    # -- delivery ----------------------------------------------------------------------

    @tasks.loop(seconds=60)
    @surviving("watch deliveries")
    async def deliveries(self) -> None:
        """Resume deliveries after a restart, and thread deliveries once the thread exists."""
        await self.deliverer.catch_up()

    @deliveries.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    @commands.Cog.listener()
    async def on_digests_ingested(self, report: IngestReport) -> None:
        try:
            await self.deliverer.plan(report.changed_dates)
            await self.deliverer.deliver_pending()
        except Exception:
            log.exception("watch deliveries for %s failed; the loop tries again",
                          ", ".join(report.changed_dates))

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction,
                                        command: object) -> None:
        """A note owed to the member (their DMs were refused) follows their next command."""
        if interaction.guild is None or not interaction.response.is_done():
            return
        notice = await self.store.take_watch_notice(interaction.guild.id, interaction.user.id)
        if notice is not None:
            await interaction.followup.send(f"⚠️ {notice}", ephemeral=True)

    # -- commands ----------------------------------------------------------------------

    @watch.command(name="add", description="Be told when a new digest has papers that match")
    @app_commands.describe(query="Words (kv cache), author:Name or like:2502.20258")
    async def add(self, interaction: discord.Interaction,
                  query: app_commands.Range[str, 1, 200]) -> None:
        assert interaction.guild is not None
        kind, text = parse_watch(query)
        self._check(kind, text)
        guild_id, user_id = interaction.guild.id, interaction.user.id
        outcome = await self.store.add_watch(guild_id, user_id, kind, text, WATCH_LIMIT)
        label = Watch(0, guild_id, user_id, kind, text).label
        if outcome == "duplicate":
            raise UserError(f"You already watch `{_shown(label)}` here.")
        if outcome == "full":
            raise UserError(f"You have {WATCH_LIMIT} watches here, the most there can be."
                            " Remove one with `/watch remove` first.")
        watch = next(w for w in await self.store.watches_of(guild_id, user_id)
                     if (w.kind, w.query) == (kind, text))
        since, found = await soon(interaction, self._preview(watch), ephemeral=True)
        where = await self.store.watch_delivery_choice(guild_id, user_id)
        count = len(await self.store.watches_of(guild_id, user_id))
        note = (f"Watching `{_shown(watch)}` ({count}/{WATCH_LIMIT}). New digests' matches come"
                f" {'by DM' if where == 'dm' else 'in the digest thread'}"
                " (`/watch deliver` to change).")
        await reply(interaction, content=note, embed=preview_embed(watch, since, found),
                    ephemeral=True)

    def _check(self, kind: str, query: str) -> None:
        engine = self.bot.engine
        if kind == "author":
            result, _ = engine.author(query)
            if result.ambiguous:
                names = ", ".join(result.candidates[:5])
                raise UserError(f"`author:{_shown(query)}` could be several people ({names})."
                                " Write the full name as `/author` shows it.")
        elif kind == "like" and engine.paper(query) is None:
            raise UserError(f"I don't know a paper {query} in the digests; `like:` takes the"
                            " arXiv id of a paper listed there.")

    async def _preview(self, watch: Watch) -> tuple[str, list[tuple[PaperRecord, str]]]:
        """What the watch would have matched in the last 30 days of digests, newest first."""
        store = self.store
        newest = await store.latest_digest_date()
        if newest is None:
            return "", []
        since = preview_since(newest)
        records: dict[str, PaperRecord] = {}
        for day in reversed([d for d in await store.digest_dates() if d >= since]):
            for record in await store.papers_on(day):
                records.setdefault(record.arxiv_id, record)
        papers = list(records.values())
        read = await asyncio.to_thread(candidates, papers)
        evidence = await gather(self.bot.engine, store, [watch], read)
        return since, [(records[m.arxiv_id], m.reason) for m in match(read, [watch], evidence)]

    @watch.command(name="list", description="Your watches in this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild_id, user_id = interaction.guild.id, interaction.user.id
        watches = await self.store.watches_of(guild_id, user_id)
        where = await self.store.watch_delivery_choice(guild_id, user_id)
        await reply(interaction, embed=watch_list_embed(watches, where, WATCH_LIMIT),
                    ephemeral=True)

    @watch.command(name="remove", description="Stop a watch (and forget it)")
    @app_commands.describe(watch="One of your watches (offered as you type)")
    async def remove(self, interaction: discord.Interaction, watch: str) -> None:
        found = await self._own(interaction, watch)
        await self.store.remove_watch(found.guild_id, found.user_id, found.id)
        await reply(interaction, content=f"Removed the watch `{_shown(found)}`.", ephemeral=True)

    @watch.command(name="pause", description="Pause a watch, or resume a paused one")
    @app_commands.describe(watch="One of your watches (offered as you type)")
    async def pause(self, interaction: discord.Interaction, watch: str) -> None:
        found = await self._own(interaction, watch)
        await self.store.pause_watch(found.guild_id, found.user_id, found.id, not found.paused)
        text = ("Resumed" if found.paused else "Paused") + f" the watch `{_shown(found)}`."
        if not found.paused:
            text += " `/watch pause` on it again resumes it."
        await reply(interaction, content=text, ephemeral=True)

    @watch.command(name="deliver", description="Where your matches go: DM or the digest thread")
    @app_commands.describe(where="dm: a direct message; thread: a mention in the day's thread")
    async def deliver(self, interaction: discord.Interaction,
                      where: Literal["dm", "thread"]) -> None:
        assert interaction.guild is not None
        guild_id, user_id = interaction.guild.id, interaction.user.id
        await self.store.set_watch_delivery(guild_id, user_id, where)
        await self.store.take_watch_notice(guild_id, user_id)  # answered by this very command
        if where == "dm":
            text = "Your matches come by DM (keep DMs from this server's members open)."
        else:
            setting = await self.store.guild_digest(guild_id)
            text = "Your matches come as a mention of you in the day's digest thread."
            if setting is None or not setting.enabled:
                text += " This server posts no digest yet, so they come by DM until it does."
        await reply(interaction, content=text, ephemeral=True)

    async def _own(self, interaction: discord.Interaction, value: str) -> Watch:
        assert interaction.guild is not None
        watches = await self.store.watches_of(interaction.guild.id, interaction.user.id)
        found = next((w for w in watches if str(w.id) == value.strip()), None)
        found = found or next((w for w in watches if w.label == value.strip()), None)
        if found is None:
            raise UserError("That is not one of your watches here; pick one as you type"
                            " (`/watch list` shows them).")
        return found

    @remove.autocomplete("watch")
    async def _watch_names(self, interaction: discord.Interaction, current: str
                           ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        typed = current.strip().lower()
        watches = await self.store.watches_of(interaction.guild.id, interaction.user.id)
        return [app_commands.Choice(name=truncate(w.label + (" (paused)" if w.paused else ""),
                                                  100, markdown=False), value=str(w.id))
                for w in watches if typed in w.label.lower()][:CHOICES]

    pause.autocomplete("watch")(_watch_names)


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(WatchesCog(bot))
