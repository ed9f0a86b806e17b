"""Send each member the matches of their watches exactly once per digest day: by DM, or as one
message that mentions them alone in the day's digest thread.

The same machinery as the digest post (bot/posting.py): a delivery is planned in SQLite (its
matches fixed) before anything is sent; the channel chosen and every message are recorded as
soon as Discord returns them, and each message carries a deterministic nonce. A restart
resumes: within Discord's nonce window a resent message comes back as the one already created,
beyond it the channel's history is read for messages sent but not recorded (their footer names
the day and the message's number).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import discord

from .cards.watches import match_footer, match_intro, match_messages
from .digest.models import PaperRecord
from .store import Store, WatchDelivery
from .threads import find_thread
from .watching import Match, by_member, candidates, deliverable_dates, gather, match

if TYPE_CHECKING:
    from .search import SearchEngine

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed, or no shared server


def delivery_nonce(delivery: WatchDelivery, step: str) -> str:
    """Discord nonces are at most 25 characters; the same step always gets the same one."""
    key = f"watch:{delivery.guild_id}:{delivery.user_id}:{delivery.date}:{step}"
    return hashlib.sha256(key.encode()).hexdigest()[:25]


class WatchDeliverer:
    def __init__(self, client: discord.Client, store: Store, engine: SearchEngine) -> None:
        self.client = client
        self.store = store
        self.engine = engine
        self._lock = asyncio.Lock()  # one pass at a time, from the listener or the loop

    async def plan(self, dates: Iterable[str]) -> None:
        """Fix every member's matches of these digest days (those recent enough to be news)."""
        days = await self.store.digest_dates()
        for date in deliverable_dates(dates, days[-1] if days else None):
            watches = await self.store.active_watches()
            members: dict[tuple[int, int], list[Match]] = {}
            if watches:
                read = await asyncio.to_thread(candidates, await self.store.papers_on(date))
                evidence = await gather(self.engine, self.store, watches, read)
                members = by_member(watches, match(read, watches, evidence))
            await self.store.plan_watch_deliveries(date, [
                (guild_id, user_id, [(m.watch_id, m.arxiv_id, m.reason) for m in found])
                for (guild_id, user_id), found in members.items()])
            log.info("watches: %d members have matches in the %s digest", len(members), date)

    async def catch_up(self) -> None:
        """Plan the recent days not planned yet (the process died between an ingest and its
        plan), then deliver everything pending."""
        planned = await self.store.watch_planned_days()
        days = await self.store.digest_dates()
        await self.plan(d for d in days if d not in planned)
        await self.deliver_pending()

    async def deliver_pending(self) -> None:
        async with self._lock:
            for delivery in await self.store.pending_watch_deliveries():
                try:
                    await self._deliver(delivery)
                except discord.HTTPException as error:  # 5xx after retries: the next pass
                    log.warning("watch delivery %s to a member of guild %s failed (%s);"
                                " will retry", delivery.date, delivery.guild_id, error.status)

    async def _deliver(self, delivery: WatchDelivery) -> None:
        guild = self.client.get_guild(delivery.guild_id)
        if guild is None:
            return  # not in that server now (or not ready yet): the next pass
        steps = await self.store.watch_delivery_steps(delivery.guild_id, delivery.user_id,
                                                      delivery.date)
        resuming = bool(steps)
        try:
            channel = await self._channel(delivery, steps)
        except (discord.Forbidden, discord.NotFound) as error:
            await self._refused(delivery, error)
            return
        if channel is None:
            return  # the day's digest thread is not there yet
        papers = await self._papers(delivery)
        messages = match_messages(guild.name, delivery.date, papers)
        if resuming:
            await self._reconcile(channel, delivery, guild.name, len(messages), steps)
        in_thread = isinstance(channel, discord.Thread)
        for index, embeds in enumerate(messages):
            step = f"message:{index}"
            if step in steps:
                continue
            content = None
            mentions = discord.AllowedMentions.none()
            if index == 0 and not in_thread:
                content = match_intro(delivery.date, len(papers), guild.name)
            elif index == 0:
                content = f"<@{delivery.user_id}> {match_intro(delivery.date, len(papers))}"
                mentions = discord.AllowedMentions(everyone=False, roles=False,
                                                   replied_user=False,
                                                   users=[discord.Object(delivery.user_id)])
            try:
                message = await channel.send(content=content, embeds=embeds,
                                             nonce=delivery_nonce(delivery, step),
                                             allowed_mentions=mentions)
            except (discord.Forbidden, discord.NotFound) as error:
                await self._refused(delivery, error)
                return
            await self._record(delivery, steps, step, message.id)
        await self.store.finish_watch_delivery(delivery.guild_id, delivery.user_id,
                                               delivery.date)
        log.info("watches: delivered the %s matches (%d papers, %d messages) in guild %s",
                 delivery.date, len(papers), len(messages), delivery.guild_id)

    async def _record(self, delivery: WatchDelivery, steps: dict[str, int], step: str,
                      value: int) -> None:
        await self.store.record_watch_delivery_step(delivery.guild_id, delivery.user_id,
                                                    delivery.date, step, value)
        steps[step] = value

    async def _papers(self, delivery: WatchDelivery
                      ) -> list[tuple[PaperRecord, Sequence[str]]]:
        reasons: dict[str, list[str]] = {}
        for _, arxiv_id, reason in delivery.matches:
            reasons.setdefault(arxiv_id, []).append(reason)
        records = await self.store.get_papers(reasons)
        return [(record, reasons[record.arxiv_id]) for record in records]

    async def _channel(self, delivery: WatchDelivery, steps: dict[str, int]
                       ) -> discord.abc.Messageable | None:
        """The DM channel or the day's digest thread (recorded once chosen); None while a
        thread delivery waits for the digest to be posted."""
        guild = self.client.get_guild(delivery.guild_id)
        if "thread" in steps:
            return await find_thread(self.client, guild, steps["thread"])
        if "dm" not in steps and delivery.deliver == "thread":
            posted = await self.store.post_steps(delivery.guild_id, delivery.date)
            if "thread" in posted:
                await self._record(delivery, steps, "thread", posted["thread"])
                return await find_thread(self.client, guild, posted["thread"])
            if await self._digest_coming(delivery):
                return None
        dm = await self.client.create_dm(discord.Object(delivery.user_id))
        if "dm" not in steps:
            await self._record(delivery, steps, "dm", dm.id)
        return dm

    async def _digest_coming(self, delivery: WatchDelivery) -> bool:
        """Will this server's digest post for the day open a thread? If not, a DM instead."""
        setting = await self.store.guild_digest(delivery.guild_id)
        if setting is None or not setting.enabled or setting.broken_reason:
            return False
        if setting.since_date is not None and delivery.date < setting.since_date:
            return False
        return await self.store.post_status(delivery.guild_id, delivery.date) != "done"

    async def _reconcile(self, channel: discord.abc.Messageable, delivery: WatchDelivery,
                         guild_name: str, count: int, steps: dict[str, int]) -> None:
        """Record messages that reached Discord before a restart but not the database."""
        wanted = {match_footer(guild_name, delivery.date, index, count): f"message:{index}"
                  for index in range(count) if f"message:{index}" not in steps}
        if not wanted:
            return
        me = self.client.user
        async for message in channel.history(limit=100):
            if me is None or message.author.id != me.id or not message.embeds:
                continue
            step = wanted.get(message.embeds[-1].footer.text or "")
            if step and step not in steps:
                log.info("resume of watch delivery %s: %s was sent before a restart",
                         delivery.date, step)
                await self._record(delivery, steps, step, message.id)

    async def _refused(self, delivery: WatchDelivery, error: discord.HTTPException) -> None:
        """Discord refused for good: not retried; the member hears why with their next
        command."""
        if isinstance(error, discord.Forbidden) and error.code == CANNOT_DM:
            notice = (f"I couldn't DM you the papers your watches matched in the"
                      f" {delivery.date} digest: Discord refused (your DMs are closed to this"
                      " server's members, or to me). Your watches are on hold. Allow DMs and run"
                      " `/watch deliver where:dm`, or get them in the digest thread with"
                      " `/watch deliver where:thread`.")
            dm_refused = True
        else:
            notice = (f"I couldn't post the papers your watches matched in the"
                      f" {delivery.date} digest thread: Discord refused ({error.status}: the"
                      " thread is gone or I lost a permission there). `/watch deliver where:dm`"
                      " sends them by DM from the next digest on.")
            dm_refused = False
        log.warning("watch delivery %s refused in guild %s: %s %s", delivery.date,
                    delivery.guild_id, error.status, error.code)
        await self.store.finish_watch_delivery(delivery.guild_id, delivery.user_id,
                                               delivery.date, notice=notice,
                                               dm_refused=dm_refused)
