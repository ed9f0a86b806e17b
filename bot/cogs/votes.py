"""Votes, trending and the reading group's next session: `/trending`, `/session …`.

A pick (by `/session pick` or when a session poll ends) posts the paper's card in the channel
and opens its discussion thread. The pick is recorded before the card is sent, the card goes
with a nonce derived from the pick, and the thread is looked up before it is created, so a
repeated event or a retry sends nothing twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from .. import cards
from ..cards import votes as vote_cards
from ..digest import PaperRecord
from ..errors import UserError
from ..lookup import find_paper
from ..replies import reply, soon
from ..views import Pager, send_pager
from ..votes_views import (
    CARD_PERMISSIONS,
    THREAD_PERMISSIONS,
    DiscussButton,
    VoteButton,
    check_permissions,
    nonce_for,
    open_thread,
    post_card,
    refusals,
    thread_link,
)
from .base import PaperboyCog
from .options import Query
from .papers import PapersCog, shown

if TYPE_CHECKING:
    from ..app import Paperboy

log = logging.getLogger(__name__)

PICK_HEADER = "📚 **The next session's paper**"

manage_server = app_commands.checks.has_permissions(manage_guild=True)
PERIODS = {"7d": 7, "30d": 30, "all": None}
TRENDING_PER_PAGE = 10
POLL_HOURS_MAX = 768  # Discord: a poll lasts at most 32 days


def _since(period: str, now: dt.datetime) -> str | None:
    days = PERIODS[period]
    return None if days is None else (now - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text_channel(interaction: discord.Interaction) -> discord.TextChannel:
    channel = interaction.channel
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    if not isinstance(channel, discord.TextChannel):
        raise UserError("Run this in one of the server's text channels.")
    return channel


class VotesCog(PaperboyCog):
    session = app_commands.Group(name="session", description="The reading group's next session",
                                 guild_only=True)

    BUTTONS = (VoteButton, DiscussButton)

    def __init__(self, bot: Paperboy) -> None:
        super().__init__(bot)
        self._locks: dict[int, asyncio.Lock] = {}

    async def _paper(self, query: str) -> PaperRecord:
        record = await find_paper(self.engine, self.store, query)
        if record is None:
            raise UserError(f"I don't know a paper “{shown(query)}”. Pick one of the titles "
                            "offered as you type.")
        return record

    # -- /trending ---------------------------------------------------------------------

    @app_commands.command(name="trending", description="This server's papers by votes")
    @app_commands.describe(period="Votes of the last 7 days (default), 30 days, or all time")
    @app_commands.guild_only()
    async def trending(self, interaction: discord.Interaction,
                       period: Literal["7d", "30d", "all"] = "7d") -> None:
        assert interaction.guild_id is not None
        ranked = await self.store.trending(interaction.guild_id,
                                           _since(period, dt.datetime.now(dt.UTC)))
        interaction.extras["results"] = len(ranked)
        papers = {p.arxiv_id: p for p in await self.store.get_papers(t.arxiv_id for t in ranked)}
        rows = [(papers[t.arxiv_id], t.votes, t.saves) for t in ranked if t.arxiv_id in papers]
        label = {"7d": "last 7 days", "30d": "last 30 days", "all": "all time"}[period]
        pages = vote_cards.trending_pages(label, rows, per_page=TRENDING_PER_PAGE)
        if not rows:
            await interaction.response.send_message(embed=pages[0], ephemeral=True)
            return
        starts = [0]
        for page in pages:
            starts.append(starts[-1] + len((page.description or "").splitlines()))
        listed = [paper for paper, _, _ in rows]

        async def render(index: int):
            return [pages[index]], listed[starts[index]:starts[index + 1]]

        async def load(arxiv_id: str) -> PaperRecord | None:
            return await self.store.get_paper(arxiv_id)

        await send_pager(interaction, Pager(interaction.user.id, len(pages), render, load))

    # -- /session ----------------------------------------------------------------------

    @session.command(name="nominate", description="Put a paper on the next session's shortlist")
    @app_commands.describe(paper="An arXiv id, an arXiv/Hugging Face link, or a title")
    async def nominate(self, interaction: discord.Interaction, paper: Query) -> None:
        assert interaction.guild_id is not None
        record = await soon(interaction, self._paper(paper))
        added = await self.store.nominate(interaction.guild_id, record.arxiv_id,
                                          interaction.user.id)
        title = cards.truncate(record.title, 200) or record.arxiv_id
        if not added:
            await reply(interaction, ephemeral=True,
                        content=f"**{title}** is already on the next session's shortlist.")
            return
        count = len(await self.store.shortlist(interaction.guild_id))
        await reply(interaction, content=f"📌 **{title}** is on the shortlist for the next"
                    f" session ({count} nominated). `/session shortlist` shows them all.")

    # /paper's title suggestions; discord.py calls them with this cog, which has `engine` too.
    nominate.autocomplete("paper")(PapersCog._paper_titles)  # type: ignore[arg-type]

    @session.command(name="shortlist", description="The papers nominated for the next session")
    async def shortlist(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        papers = await self._shortlisted(interaction.guild_id)
        await interaction.response.send_message(embed=vote_cards.shortlist_embed(papers),
                                                ephemeral=not papers)

    async def _shortlisted(self, guild_id: int) -> list[PaperRecord]:
        return await self.store.get_papers(n.arxiv_id for n in await self.store.shortlist(guild_id))

    @session.command(name="poll", description="Post a poll of the shortlist (Manage Server)")
    @app_commands.describe(hours="How long the poll runs, in hours (default 24)")
    @manage_server
    async def poll(self, interaction: discord.Interaction,
                   hours: app_commands.Range[int, 1, POLL_HOURS_MAX] = 24) -> None:
        assert interaction.guild_id is not None
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):  # the winner's thread opens beside it
            raise UserError("Start the poll in one of the server's text channels.")
        papers = await self._shortlisted(interaction.guild_id)
        if len(papers) < 2:
            raise UserError("A poll needs at least two nominated papers: `/session nominate`"
                            " adds one, `/session pick` picks a paper directly.")
        chosen = papers[:vote_cards.POLL_ANSWERS_LIMIT]
        poll = discord.Poll(question=vote_cards.POLL_QUESTION, duration=dt.timedelta(hours=hours))
        for paper in chosen:
            poll.add_answer(text=vote_cards.poll_answer(paper))
        note = f"Vote for the next session's paper: the poll runs {hours} h."
        if len(papers) > len(chosen):
            note += f" (The first {len(chosen)} of {len(papers)} nominated papers.)"
        response = await interaction.response.send_message(note, poll=poll)
        message = response.resource
        if not isinstance(message, discord.InteractionMessage):
            message = await interaction.original_response()
        await self.store.record_poll(interaction.guild_id, channel.id, message.id,
                                     [p.arxiv_id for p in chosen])
        log.info("guild %s: session poll of %d papers", interaction.guild_id, len(chosen))

    @session.command(name="pick", description="Pick the next session's paper and open its thread"
                     " (Manage Server)")
    @app_commands.describe(paper="The paper (default: the leader of the open poll)")
    @manage_server
    async def pick(self, interaction: discord.Interaction, paper: Query | None = None) -> None:
        assert interaction.guild is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        if paper is not None:
            record = await self._paper(paper)
            channel = _text_channel(interaction)
            key = f"pick:{interaction.id}"
        else:
            channel, key, record = await self._poll_leader(interaction.guild)
        thread = await self.pick_paper(channel, key, record, interaction.user.id)
        title = cards.truncate(record.title, 200) or record.arxiv_id
        await interaction.followup.send(
            f"Picked **{title}**: its card is in {channel_link(channel)} and the"
            f" discussion is open in {thread_link(thread)}.", ephemeral=True)

    pick.autocomplete("paper")(PapersCog._paper_titles)  # type: ignore[arg-type]

    async def _poll_leader(self, guild: discord.Guild
                           ) -> tuple[discord.TextChannel, str, PaperRecord]:
        """The open poll's channel, pick key and leading paper (ending the poll)."""
        poll = await self.store.open_poll(guild.id)
        if poll is None:
            raise UserError("There is no open session poll: name a paper, or start a poll"
                            " with `/session poll`.")
        channel = guild.get_channel(poll.channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise UserError("The poll's channel no longer exists: name a paper instead.")
        message = await refusals(channel.fetch_message(poll.message_id))
        if message.poll is None:
            raise UserError("That poll message has no poll any more: name a paper instead.")
        counts = [answer.vote_count for answer in message.poll.answers]
        best = max(counts, default=0)
        leaders = [i for i, count in enumerate(counts) if count == best]
        if best == 0 or len(leaders) > 1:
            raise UserError("The poll has no single leader yet: name the paper to pick.")
        record = await self.store.get_paper(poll.answers[leaders[0]])
        if record is None:
            raise UserError("The poll's leading paper is no longer in the digests.")
        if not message.poll.is_finalised():
            try:
                await message.end_poll()
            except discord.HTTPException as error:  # ended meanwhile: its result is the same
                log.info("could not end poll %s: %s", message.id, error.status)
        return channel, f"poll:{poll.message_id}", record

    async def pick_paper(self, channel: discord.TextChannel, key: str, paper: PaperRecord,
                         picked_by: int | None) -> discord.Thread:
        """Post the paper's card in `channel` and open its thread, once per `key`."""
        guild = channel.guild
        async with self._locks.setdefault(guild.id, asyncio.Lock()):
            check_permissions(channel, CARD_PERMISSIONS + THREAD_PERMISSIONS)
            pick = await self.store.begin_pick(guild.id, key, paper.arxiv_id, channel.id,
                                               picked_by)
            if pick.message_id is None:
                card = (await _card_sent_since(channel, paper, pick.picked_at)
                        or await post_card(self.store, channel, paper, nonce_for(guild.id, key),
                                           PICK_HEADER))
                await self.store.record_pick_card(guild.id, key, card.id)
                anchor: discord.Message | discord.PartialMessage = card
            else:
                anchor = channel.get_partial_message(pick.message_id)
            thread = await open_thread(self.store, channel, anchor, paper)
            await self.store.finish_session(guild.id)
        log.info("guild %s: picked %s (%s)", guild.id, paper.arxiv_id, key)
        return thread

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A session poll of ours ended: its winner is picked (a tie is announced)."""
        me = self.bot.user
        if (message.type is not discord.MessageType.poll_result or me is None
                or message.author.id != me.id or message.reference is None
                or message.reference.message_id is None
                or not isinstance(message.channel, discord.TextChannel)):
            return
        self.bot.replies.hold()
        try:
            await self._poll_ended(message.channel, message.reference.message_id, message)
        except UserError as problem:
            log.warning("session poll %s ended but was not picked: %s",
                        message.reference.message_id, problem)
        except Exception:
            log.exception("picking the winner of poll %s failed", message.reference.message_id)

    async def _poll_ended(self, channel: discord.TextChannel, poll_id: int,
                          result: discord.Message) -> None:
        poll = await self.store.session_poll(poll_id)
        key = f"poll:{poll_id}"
        if poll is None or (poll.status != "open"
                            and await self.store.session_pick(poll.guild_id, key) is None):
            return  # not a session poll, or a paper was picked by hand meanwhile
        fields = {f.name: f.value for f in (result.embeds[0].fields if result.embeds else [])}
        victor = fields.get("victor_answer_id")
        record = None
        if victor and victor.isdigit() and 1 <= int(victor) <= len(poll.answers):
            record = await self.store.get_paper(poll.answers[int(victor) - 1])
        if record is None:
            await refusals(channel.send(
                "The session poll ended without a single winner. An admin picks the paper"
                " with `/session pick paper:`.", nonce=nonce_for(poll.guild_id, key, "tie")))
            return
        await self.pick_paper(channel, key, record, None)


def channel_link(channel: discord.TextChannel) -> str:
    return f"[#{cards.truncate(channel.name, 100, markdown=False)}]({channel.jump_url})"


async def _card_sent_since(channel: discord.TextChannel, paper: PaperRecord,
                           picked_at: str) -> discord.Message | None:
    """The pick's card if it reached Discord before a crash kept it from being recorded: a
    nonce only guards a retry within minutes, the channel's history always."""
    since = dt.datetime.fromisoformat(picked_at) - dt.timedelta(seconds=5)
    async for message in channel.history(limit=50, after=since):
        if (message.author.id == channel.guild.me.id and message.content == PICK_HEADER
                and message.embeds and message.embeds[0].url == paper.hf_url):
            return message
    return None


async def setup(bot: Paperboy) -> None:
    await bot.add_cog(VotesCog(bot))
