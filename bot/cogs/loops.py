"""The cogs' periodic work: each loop runs at a setting's interval, and a tick that fails is
logged and tried again at the next one (a discord.ext.tasks loop that raises stops for good)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from discord.ext import tasks

Body = TypeVar("Body", bound=Callable[..., Awaitable[None]])


def begin(loop: tasks.Loop[Any], seconds: float) -> None:
    loop.change_interval(seconds=seconds)
    loop.start()


def surviving(what: str) -> Callable[[Body], Body]:
    """The loop body, its exceptions logged as "`what` failed"."""

    def wrap(body: Body) -> Body:
        log = logging.getLogger(body.__module__)

        @functools.wraps(body)
        async def tick(*args: Any, **kwargs: Any) -> None:
            try:
                await body(*args, **kwargs)
            except Exception:
                log.exception("%s failed; trying again at the next tick", what)

        return tick  # type: ignore[return-value]

    return wrap
