"""Answering an interaction: in time, privately when it is a problem, counted while it runs,
and the base of every paper card's button (a dynamic item keyed by the paper id)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from typing import Any, ClassVar, Self, TypeVar

import discord

from .errors import UserError

log = logging.getLogger(__name__)

DEFER_AFTER = 1.0  # seconds: an answer not ready by then is deferred (Discord allows 3)
FRIENDLY_ERROR = "Something went wrong on my side while answering that. It has been logged."
GONE = "That paper is no longer in the digests."
_ID = r"[A-Za-z0-9][A-Za-z0-9.\-/]{0,63}"  # the ids cards.paper_url accepts

T = TypeVar("T")


class InFlight:
    """The tasks answering users right now, so that shutdown can let them finish.

    Each reply path (the command tree, a pager, a dynamic button, a mention) calls `hold()`
    from the task that answers; a task leaves the set when it is done.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def hold(self) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def finish(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the replies in flight (not the caller's own)."""
        others = self._tasks - {asyncio.current_task()}
        if others:
            await asyncio.wait(others, timeout=timeout)


def hold_reply(interaction: discord.Interaction) -> None:
    interaction.client.replies.hold()  # type: ignore[attr-defined]  # a Paperboy


async def soon(interaction: discord.Interaction, work: Awaitable[T], *,
               ephemeral: bool = False) -> T:
    """The result of `work`; if it is not ready within DEFER_AFTER the interaction is deferred
    first ("thinking"), so Discord's 3 seconds never run out. The reply then goes through
    `reply`, which fills the loading message."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done and not interaction.response.is_done():
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except BaseException:
        task.cancel()
        raise
    return await task


async def reply(interaction: discord.Interaction, *, ephemeral: bool = False,
                **message: Any) -> None:
    """The answer: the interaction's response, or a follow-up once it was deferred or answered
    (the first follow-up after a deferral fills its loading message)."""
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **message)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **message)


async def say_privately(interaction: discord.Interaction, text: str) -> None:
    """A short ephemeral reply, whether or not the interaction was answered already."""
    try:
        await reply(interaction, content=text, ephemeral=True)
    except discord.HTTPException as error:
        log.warning("could not answer interaction %s: %s", interaction.id, error.status)


async def report_failure(interaction: discord.Interaction, error: Exception, what: str) -> None:
    """A button or menu failed: a UserError's message, or log the traceback and say sorry."""
    if isinstance(error, UserError):
        await say_privately(interaction, str(error))
        return
    log.error("%s failed", what, exc_info=error)
    await say_privately(interaction, FRIENDLY_ERROR)


# --- paper cards -------------------------------------------------------------------------------


def paper_template(prefix: str) -> str:
    """The custom id of a paper card's button: its prefix, then the paper id."""
    return re.escape(prefix) + f"(?P<id>{_ID})"


class PaperButton(discord.ui.DynamicItem[discord.ui.Button], template="(?!)"):
    """A paper card's button: a dynamic item whose custom id carries the paper id, so it keeps
    working on old cards and across restarts. Subclasses give PREFIX, LABEL (EMOJI) and
    their own template (`paper_template(PREFIX)`), and `press`."""

    PREFIX: ClassVar[str]
    LABEL: ClassVar[str]
    EMOJI: ClassVar[str | None] = None

    def __init__(self, arxiv_id: str) -> None:
        super().__init__(discord.ui.Button(label=self.LABEL, emoji=self.EMOJI,
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=self.PREFIX + arxiv_id))
        self.arxiv_id = arxiv_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> Self:
        return cls(match["id"])

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        hold_reply(interaction)
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.press(interaction)
        except Exception as error:  # a dynamic item has no view to report it
            await report_failure(interaction, error, f"{self.LABEL} on {self.arxiv_id}")

    async def press(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError
