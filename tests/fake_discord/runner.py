"""Start a real discord.py client against the fake and stop it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .errors import WaitTimeout

if TYPE_CHECKING:
    from .fake import FakeDiscord

log = logging.getLogger(__name__)


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Any:
    """Point discord.py's REST base URL and default gateway at the fake, then restore them."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


def _guilds_loaded(fake: FakeDiscord, bot: Any) -> bool:
    for gid in fake.guilds:
        guild = bot.get_guild(gid)
        if guild is None or guild.unavailable:
            return False
    return True


@contextlib.asynccontextmanager
async def run_bot(
    fake: FakeDiscord,
    bot: Any,
    *,
    token: str | None = None,
    ready_timeout: float = 5.0,
    close_timeout: float = 5.0,
    guild_ready_timeout: float | None = 0.05,
) -> AsyncIterator[Any]:
    """Run ``bot.start(token)`` against ``fake`` until the body of the ``async with`` ends.

    Starts the fake if needed (and then stops it), waits until the bot is ready and has every
    configured guild. ``guild_ready_timeout`` replaces discord.py's 2 s wait for late
    GUILD_CREATEs before READY fires (None keeps the bot's own setting).
    """
    started_here = not fake.started
    await fake.start()
    state = bot._connection
    old_guild_timeout = state.guild_ready_timeout
    if guild_ready_timeout is not None:
        state.guild_ready_timeout = guild_ready_timeout
    try:
        with pointed_at(fake):
            task = asyncio.create_task(bot.start(token or fake.token), name="fake-discord-bot")
            try:
                await _wait_ready(fake, bot, task, ready_timeout)
                yield bot
            finally:
                await _shutdown(bot, task, close_timeout)
    finally:
        state.guild_ready_timeout = old_guild_timeout
        if started_here:
            await fake.stop()


async def _wait_ready(
    fake: FakeDiscord, bot: Any, task: asyncio.Task[None], timeout: float
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (bot.is_ready() and _guilds_loaded(fake, bot)):
        if task.done():
            task.result()  # re-raises what stopped the bot
            raise RuntimeError("the bot stopped before it was ready")
        if loop.time() > deadline:
            raise WaitTimeout(f"the bot was not ready after {timeout}s")
        await asyncio.sleep(0.005)


async def _shutdown(bot: Any, task: asyncio.Task[None], timeout: float) -> None:
    if task.done():
        if not task.cancelled():
            task.exception()  # already reported by _wait_ready
        with contextlib.suppress(Exception):
            await asyncio.wait_for(bot.close(), timeout)
        return
    try:
        await asyncio.wait_for(bot.close(), timeout)
    except (TimeoutError, Exception):  # a failed close must not hide the test's own error
        log.exception("closing the bot failed")
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
    except Exception:
        log.exception("the bot task ended with an error")
