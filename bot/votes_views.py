"""The "👍" and "Discuss" buttons of paper cards, and opening a paper's discussion thread.

Both are dynamic items keyed by the paper id, like "Full summary", so they work on any card
and across restarts. A vote is per member and per server; the button's label shows the
server's count and is updated on the card when someone presses it.

A discussion thread is opened on the card's message (a thread cannot hold a thread, and an
ephemeral card cannot have one: then the card is posted in the channel first) and recorded,
so the next "Discuss" on that paper reuses it while it exists.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, Literal

import discord

from . import cards, views
from .cards import votes as vote_cards
from .digest import PaperRecord
from .digest.clean import clean_summary
from .errors import UserError
from .replies import GONE, PaperButton, paper_template, reply, soon
from .store import DiscussionThread, Store
from .threads import THREAD_ALREADY_EXISTS

VOTE_PREFIX = "paperboy:vote:"
DISCUSS_PREFIX = "paperboy:discuss:"
ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: a reading group meets weekly
_IN_SERVER = "Votes and discussions belong to a server: use this on a card in a server channel."

# One "Discuss" at a time per server, so that members pressing together get one thread.
_discussing: dict[int, asyncio.Lock] = {}

CARD_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
THREAD_PERMISSIONS = ("view_channel", "read_message_history", "create_public_threads")


def nonce_for(*parts: object) -> str:
    """A deterministic nonce (Discord allows 25 characters): a retry sends nothing twice."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:25]


def _store(interaction: discord.Interaction) -> Store:
    return interaction.client.store  # type: ignore[attr-defined]  # a Paperboy


def set_vote_label(view: discord.ui.View, votes: int) -> None:
    for item in view.children:
        if isinstance(item, VoteButton):
            item.item.label = vote_cards.vote_label(votes)


async def show_votes(interaction: discord.Interaction, view: discord.ui.View,
                     arxiv_id: str) -> None:
    """Put the server's vote count on a card's "👍" before the card is sent."""
    if interaction.guild_id is not None:
        set_vote_label(view, await _store(interaction).vote_count(interaction.guild_id, arxiv_id))


def card_message(paper: PaperRecord, votes: int) -> tuple[discord.Embed, discord.ui.View]:
    """A paper's full card and its buttons, as `/paper` sends them."""
    card = cards.paper_card(paper, clean_summary(paper.summary))
    view = views.paper_view(paper, card.rest)
    set_vote_label(view, votes)
    return card.embed, view


class VoteButton(PaperButton, template=paper_template(VOTE_PREFIX)):
    """One vote per member per paper in this server; pressing again takes it back."""

    PREFIX, LABEL = VOTE_PREFIX, vote_cards.vote_label(0)

    async def press(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            raise UserError(_IN_SERVER)
        store = _store(interaction)
        paper = await store.get_paper(self.arxiv_id)
        if paper is None:
            raise UserError(GONE)
        voted, votes = await store.toggle_vote(interaction.guild_id, paper.arxiv_id,
                                               interaction.user.id)
        interaction.extras["results"] = int(voted)
        _, view = card_message(paper, votes)
        await interaction.response.edit_message(view=view)


class DiscussButton(PaperButton, template=paper_template(DISCUSS_PREFIX)):
    """Opens (or points to) the thread where the server discusses this paper."""

    PREFIX, LABEL, EMOJI = DISCUSS_PREFIX, "Discuss", "💬"

    async def press(self, interaction: discord.Interaction) -> None:
        text = await soon(interaction, self._serialised(interaction), ephemeral=True)
        await reply(interaction, content=text, ephemeral=True)

    async def _serialised(self, interaction: discord.Interaction) -> str:
        if interaction.guild_id is None:
            raise UserError(_IN_SERVER)
        async with _discussing.setdefault(interaction.guild_id, asyncio.Lock()):
            return await self._discuss(interaction)

    async def _discuss(self, interaction: discord.Interaction) -> str:
        guild = interaction.guild
        if guild is None:
            raise UserError(_IN_SERVER)
        store = _store(interaction)
        paper = await store.get_paper(self.arxiv_id)
        if paper is None:
            raise UserError(GONE)
        pressed = interaction.message
        existing = await store.discussion_thread(guild.id, arxiv_id=paper.arxiv_id)
        if existing is not None:
            thread = await live_thread(guild, existing)
            if thread is not None:
                return f"The discussion of this paper is here: {thread_link(thread)}"
        channel = interaction.channel
        parent = channel.parent if isinstance(channel, discord.Thread) else channel
        if not isinstance(parent, discord.TextChannel):
            raise UserError("I can only open discussion threads in a server's text channels.")
        if (pressed is not None and channel == parent and not pressed.flags.ephemeral):
            anchor: discord.Message | discord.PartialMessage = pressed
        else:  # a card in a thread or an ephemeral one: the channel gets the card first
            check_permissions(parent, CARD_PERMISSIONS + THREAD_PERMISSIONS)
            anchor = await post_card(store, parent, paper, nonce_for("discuss", interaction.id))
        thread = await open_thread(store, parent, anchor, paper)
        return f"Discuss it here: {thread_link(thread)}"


async def post_card(store: Store, channel: discord.TextChannel, paper: PaperRecord, nonce: str,
                    content: str | None = None) -> discord.Message:
    """The paper's card (with the server's vote count) sent in `channel`, once per nonce."""
    embed, view = card_message(paper, await store.vote_count(channel.guild.id, paper.arxiv_id))
    return await refusals(channel.send(content, embed=embed, view=view, nonce=nonce))


def thread_link(thread: discord.Thread) -> str:
    name = cards.truncate(thread.name, 100) or "the thread"
    return f"[{name}]({thread.jump_url})"


def check_permissions(channel: discord.TextChannel, needed: tuple[str, ...]) -> None:
    """UserError naming what the bot lacks in `channel`, before it tries anything there."""
    have = channel.permissions_for(channel.guild.me)
    missing = [name.replace("_", " ").title() for name in needed if not getattr(have, name)]
    if missing:
        raise UserError(f"I can't do that in this channel: I'm missing **{', '.join(missing)}**"
                        " there. Ask an admin to give me those.")


async def refusals(call: Any) -> Any:
    """Await a Discord call; a refusal for good (a permission, a deleted channel or message)
    becomes a UserError that says so. (429s are retried by discord.py itself.)"""
    try:
        return await call
    except discord.Forbidden as error:
        raise UserError("Discord refused: I'm missing a permission in this channel"
                        f" ({error.text or error.status}). Ask an admin to check my role."
                        ) from error
    except discord.NotFound as error:
        raise UserError("That channel or message no longer exists.") from error


async def live_thread(guild: discord.Guild, known: DiscussionThread) -> discord.Thread | None:
    """The recorded thread if it still exists on Discord."""
    thread = guild.get_thread(known.thread_id)
    if thread is not None:
        return thread
    try:
        fetched = await guild.fetch_channel(known.thread_id)
    except discord.NotFound:
        return None
    return fetched if isinstance(fetched, discord.Thread) else None


async def open_thread(store: Store, channel: discord.TextChannel,
                      message: discord.Message | discord.PartialMessage,
                      paper: PaperRecord) -> discord.Thread:
    """The discussion thread on `message`, created if it has none yet, and recorded."""
    guild = channel.guild
    known = await store.discussion_thread(guild.id, message_id=message.id)
    if known is not None:
        thread = await live_thread(guild, known)
        if thread is not None:
            return thread
        # Its thread was deleted, and a message gets one thread only: a new card takes it.
        return await open_thread(store, channel, await post_card(
            store, channel, paper, nonce_for("repost", message.id)), paper)
    check_permissions(channel, THREAD_PERMISSIONS)
    try:
        thread = await refusals(message.create_thread(name=vote_cards.thread_name(paper),
                                                      auto_archive_duration=ARCHIVE_MINUTES))
    except discord.HTTPException as error:
        if error.code != THREAD_ALREADY_EXISTS:
            raise
        # Someone (or this bot, before a restart) opened one: it has the message's id.
        fetched = await refusals(guild.fetch_channel(message.id))
        if not isinstance(fetched, discord.Thread):
            raise UserError("That message has a thread I can't open.") from error
        thread = fetched
    await store.record_discussion_thread(DiscussionThread(
        guild.id, paper.arxiv_id, channel.id, message.id, thread.id))
    return thread
