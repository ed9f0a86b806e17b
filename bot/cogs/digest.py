"""Daily digest posting: `/digest …` settings per server and the scheduler that posts."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from .. import cards
from ..lookup import find_digest
from ..posting import DigestPoster, PostBroken, missing_permissions
from ..replies import reply, soon
from ..schedule import due_dates, next_post_time
from ..store import GuildDigest
from ..values import format_time
from .base import PaperboyCog
from .loops import surviving
from .options import Date, Time, TimeZone

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)

INCOMPLETE_SHOWN = 3  # newest days with no papers or unread rows, in /digest status
manage_server = app_commands.checks.has_permissions(manage_guild=True)


def _permission_names(names: list[str]) -> str:
    return ", ".join(name.replace("_", " ").title() for name in names)


class DigestCog(PaperboyCog):
    digest = app_commands.Group(
        name="digest",
        description="Post each new daily digest in a channel of this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    LOOPS = (("scheduler", "digest_check_seconds"),)

    def __init__(self, bot: Paperboy) -> None:
        super().__init__(bot)
        self.poster = DigestPoster(bot, bot.store)

    # -- scheduler ---------------------------------------------------------------------

    @tasks.loop(seconds=60)
    @surviving("the digest scheduler's tick")
    async def scheduler(self) -> None:
        await self.post_due()

    @scheduler.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    @commands.Cog.listener()
    async def on_digests_ingested(self, report: object) -> None:
        """A new digest arrived: post it now where it is due, not at the next tick."""
        await self.post_due()

    async def post_due(self, now: dt.datetime | None = None) -> None:
        """Post every due digest for every enabled server; one server's trouble never stops
        the others."""
        now = now or dt.datetime.now(dt.UTC)
        dates = await self.store.digest_dates()
        for setting in await self.store.enabled_guild_digests():
            try:
                await self._post_for(setting, dates, now)
            except Exception:
                log.exception("digest posting for guild %s failed; will retry", setting.guild_id)

    async def _post_for(self, setting: GuildDigest, dates: list[str], now: dt.datetime) -> None:
        unfinished = [date for date, _ in await self.store.unfinished_posts(setting.guild_id)]
        due = due_dates(
            dates,
            since_date=setting.since_date,
            last_posted=await self.store.last_posted_date(setting.guild_id),
            now=now,
            post_time=setting.post_time,
            timezone=setting.timezone,
        )
        todo = sorted(set(unfinished) | set(due))
        if not todo:
            return
        channel = await self._usable_channel(setting)
        if channel is None:
            return
        for date in todo:
            try:
                await self.poster.post(channel, date)
            except PostBroken as error:
                await self._pause(setting.guild_id, str(error))
                return

    async def _usable_channel(self, setting: GuildDigest) -> discord.TextChannel | None:
        guild = self.bot.get_guild(setting.guild_id)
        if guild is None:
            return None  # not in that server now (removed, or not yet ready): try next time
        channel = guild.get_channel(setting.channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            await self._pause(setting.guild_id, f"channel {setting.channel_id} no longer exists")
            return None
        missing = missing_permissions(channel.permissions_for(guild.me))
        if missing:
            names = _permission_names(missing)
            await self._pause(setting.guild_id, f"missing permissions in #{channel.name}: {names}")
            return None
        return channel

    async def _pause(self, guild_id: int, reason: str) -> None:
        log.warning("digest posting paused for guild %s: %s", guild_id, reason)
        await self.store.mark_digest_broken(guild_id, reason)

    # -- commands ----------------------------------------------------------------------

    @digest.command(name="channel", description="Post each new digest in this channel")
    @app_commands.describe(channel="The text channel for the daily digest")
    @manage_server
    async def set_channel(self, interaction: discord.Interaction,
                          channel: discord.TextChannel) -> None:
        assert interaction.guild is not None
        missing = missing_permissions(channel.permissions_for(interaction.guild.me))
        if missing:
            await interaction.response.send_message(
                f"I can't post the digest in {channel.mention}: I'm missing"
                f" **{_permission_names(missing)}** there. Give me those and try again.",
                ephemeral=True)
            return
        since = await self.store.latest_digest_date()
        setting = await self.store.set_digest_channel(interaction.guild.id, channel.id, since)
        await interaction.response.send_message(
            f"Daily digest on: each new digest goes to {channel.mention} at"
            f" {setting.post_time} ({setting.timezone}). {self._next_text(setting)}",
            ephemeral=True)
        log.info("guild %s: digest channel set", interaction.guild.id)

    @digest.command(name="time", description="When the digest is posted (24-hour, local time)")
    @app_commands.describe(time="HH:MM, 24-hour, e.g. 09:00",
                           timezone="IANA time zone, e.g. Europe/Berlin (default UTC)")
    @manage_server
    async def set_time(self, interaction: discord.Interaction, time: Time,
                       timezone: TimeZone | None = None) -> None:
        assert interaction.guild is not None
        post_time = format_time(time)
        current = await self.store.guild_digest(interaction.guild.id)
        zone = timezone or (current.timezone if current else "UTC")
        setting = await self.store.set_digest_time(interaction.guild.id, post_time, zone)
        await interaction.response.send_message(
            f"The digest will be posted at {post_time} ({zone}). {self._next_text(setting)}",
            ephemeral=True)

    @digest.command(name="off", description="Stop posting the daily digest here")
    @manage_server
    async def off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.store.disable_digest(interaction.guild.id)
        await interaction.response.send_message(
            "Daily digest off. `/digest channel` turns it on again.", ephemeral=True)

    @digest.command(name="status", description="Where and when the digest is posted")
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        text = await soon(interaction, self._status(interaction.guild.id), ephemeral=True)
        await reply(interaction, content=text, ephemeral=True)

    async def _status(self, guild_id: int) -> str:
        setting = await self.store.guild_digest(guild_id)
        if setting is None or setting.channel_id is None:
            text = "The daily digest is not set up here. An admin can use `/digest channel`."
        else:
            last = await self.store.last_posted_date(setting.guild_id) or "nothing yet"
            state = "on" if setting.enabled else "off"
            text = (f"Daily digest **{state}** · channel <#{setting.channel_id}> · "
                    f"{setting.post_time} ({setting.timezone}) · last posted: {last}")
            if setting.enabled:
                text += f"\n{self._next_text(setting)}"
            if setting.broken_reason:
                text += (f"\n⚠️ Posting is paused: {setting.broken_reason}. Fix it, then run"
                         " `/digest channel` again.")
        incomplete = (await self.store.incomplete_days())[-INCOMPLETE_SHOWN:]
        if incomplete:
            text += "\nIncomplete digests: " + ", ".join(map(str, reversed(incomplete)))
        return text

    @digest.command(name="preview", description="Show what would be posted (only to you)")
    @app_commands.describe(date="Digest date, YYYY-MM-DD (default: the newest)")
    async def preview(self, interaction: discord.Interaction, date: Date | None = None) -> None:
        day, papers = await soon(interaction, find_digest(self.store, date), ephemeral=True)
        messages = cards.digest_header_messages(day, papers)
        note = (f"Preview: a thread “Papers for {day}” with {len(papers)} cards follows"
                " this header.")
        if len(messages) > 1:
            note += f" (The header takes {len(messages)} messages; this is the first.)"
        await reply(interaction, content=note, embeds=messages[0], ephemeral=True)

    @digest.command(name="post", description="Post a digest now (never twice)")
    @app_commands.describe(date="Digest date, YYYY-MM-DD (default: the newest)")
    @manage_server
    async def post_now(self, interaction: discord.Interaction, date: Date | None = None) -> None:
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # posting takes a while
        day, _ = await find_digest(self.store, date)
        setting = await self.store.guild_digest(interaction.guild.id)
        if setting is None or setting.channel_id is None:
            await interaction.followup.send("Choose a channel first with `/digest channel`.",
                                            ephemeral=True)
            return
        channel = await self._usable_channel(setting)
        if channel is None:
            refreshed = await self.store.guild_digest(interaction.guild.id)
            reason = refreshed.broken_reason if refreshed else "the channel is unavailable"
            await interaction.followup.send(f"I can't post there: {reason}.", ephemeral=True)
            return
        try:
            result = await self.poster.post(channel, day)
        except PostBroken as error:
            await self._pause(interaction.guild.id, str(error))
            await interaction.followup.send(f"Discord refused the post: {error}", ephemeral=True)
            return
        text = {
            "posted": f"Posted the {day} digest in {channel.mention} ({result.cards} papers).",
            "already": f"The {day} digest was already posted in this server; not posting twice.",
            "empty": f"The {day} digest has no papers; nothing to post.",
        }[result.status]
        await interaction.followup.send(text, ephemeral=True)

    @staticmethod
    def _next_text(setting: GuildDigest) -> str:
        moment = next_post_time(dt.datetime.now(dt.UTC), setting.post_time, setting.timezone)
        return f"Next check for a new digest: <t:{int(moment.timestamp())}:F>."


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(DigestCog(bot))
