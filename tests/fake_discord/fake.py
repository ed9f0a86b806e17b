"""FakeDiscord: the object tests configure, drive and inspect."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from .drivers import InteractionDrivers
from .errors import WaitTimeout
from .gateway import PRIVILEGED, Gateway, GatewaySession
from .interactions import InteractionRecord
from .messages import gateway_message
from .models import Delay, Fault, GatewayFrame, RequestRecord, StoredMessage, Violation
from .server import FakeServer
from .state import DiscordState, ref_id

_POLL = 0.01


class FakeDiscord(DiscordState, InteractionDrivers):
    """A local Discord (REST v10 + gateway) for discord.py to talk to.

    Configure it (``add_guild``, ``add_text_channel``, ``add_member``...), start a bot on it
    with ``async with fake.run(bot):``, drive it (``slash``, ``click``, ``user_message``...)
    and inspect what Discord received (``requests``, ``messages()``, ``violations``).
    """

    def __init__(
        self,
        *,
        bot_name: str = "Paperboy",
        token: str = "fake-token",
        application_id: int | None = None,
        shard_count: int = 1,
        heartbeat_interval_ms: int = 1000,
        privileged_intents: int = int(PRIVILEGED),
        interaction_timeout: float = 3.0,
        interaction_token_ttl: float = 15 * 60.0,
    ) -> None:
        super().__init__(bot_name=bot_name, application_id=application_id, token=token)
        self.shard_count = shard_count
        self.privileged_intents = privileged_intents
        self.interaction_timeout = interaction_timeout
        self.interaction_token_ttl = interaction_token_ttl
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self._tokens: dict[str, InteractionRecord] = {}
        self._faults: list[Fault] = []
        self._delays: list[Delay] = []
        self._waiters: list[asyncio.Future[None]] = []
        self.gateway = Gateway(self, heartbeat_interval_ms=heartbeat_interval_ms)
        self.server = FakeServer(self)
        self.host = "127.0.0.1"
        self.port: int | None = None

    # Lifecycle ----------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self.port is not None

    async def start(self) -> FakeDiscord:
        if self.port is None:
            self.port = await self.server.start(self.host)
        return self

    async def stop(self) -> None:
        if self.port is None:
            return
        await self.gateway.close()
        await self.server.stop()
        self.port = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the fake is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def run(self, bot: Any, **kwargs: Any) -> AbstractAsyncContextManager[Any]:
        """``async with fake.run(bot):`` — see :func:`fake_discord.runner.run_bot`."""
        from .runner import run_bot

        return run_bot(self, bot, **kwargs)

    # Gateway ------------------------------------------------------------------------------

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        self.gateway.dispatch(event, data)

    def _emit_message(self, event: str, stored: StoredMessage) -> None:
        self.gateway.dispatch(event, gateway_message(self, stored))

    def dispatch(
        self, event: str, data: dict[str, Any], *, guild_id: int | None = None, force: bool = False
    ) -> int:
        """Send any gateway event to the sessions that would get it (intents and shards are
        respected unless ``force``). Returns how many sessions it was sent to."""
        return self.gateway.dispatch(event, data, guild_id=guild_id, force=force)

    async def flush(self) -> None:
        """Wait until every queued gateway payload has been written to the socket."""
        await self.gateway.drain()

    @property
    def sessions(self) -> list[GatewaySession]:
        return list(self.gateway.sessions.values())

    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        return list(self.gateway.frames)

    async def reconnect_clients(self) -> None:
        """Send op 7 RECONNECT: discord.py closes and RESUMEs its session."""
        await self.gateway.send_reconnect()

    async def drop_connections(self, code: int = 4000) -> None:
        """Close the gateway sockets from the server side (4000: the client may resume)."""
        await self.gateway.disconnect(code)

    # Waiting ------------------------------------------------------------------------------

    def _changed(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_until(
        self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "a condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change in the fake and
        every 10 ms); raises :class:`WaitTimeout` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeout(f"timed out after {timeout}s waiting for {what}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            await asyncio.wait([fut], timeout=min(remaining, _POLL))
            if not fut.done():
                fut.cancel()
                self._waiters.remove(fut)

    def requests_matching(
        self, method: str | None = None, path: str | None = None
    ) -> list[RequestRecord]:
        """Finished requests with this method and a path matching the regex ``path``."""
        pattern = re.compile(path) if path is not None else None
        return [
            r
            for r in self.requests
            if r.status is not None
            and (method is None or r.method == method)
            and (pattern is None or pattern.search(r.path))
        ]

    async def wait_for_request(
        self,
        predicate: Callable[[RequestRecord], bool] | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        since: int = 0,
        timeout: float = 5.0,
    ) -> RequestRecord:
        """The first finished request (from index ``since`` of ``requests``) that matches."""

        def find() -> RequestRecord | None:
            for r in self.requests_matching(method, path):
                if self.requests.index(r) >= since and (predicate is None or predicate(r)):
                    return r
            return None

        return await self.wait_until(
            find, timeout, f"a request {method or ''} {path or ''}".strip()
        )

    async def wait_for_message(
        self,
        channel: Any = None,
        *,
        after: Any = None,
        author: Any = None,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """The first message (by default from the bot, in any channel when ``channel`` is None)
        newer than ``after`` that satisfies ``predicate``."""
        after_id = ref_id(after) if after is not None else 0
        author_id = str(ref_id(author) if author is not None else self.bot_user.id)
        cid = self.channel(channel, include_deleted=True).id if channel is not None else None

        def find() -> dict[str, Any] | None:
            for stored in sorted(self.stored.values(), key=lambda s: s.id):
                if stored.deleted or stored.ephemeral or stored.id <= after_id:
                    continue
                if cid is not None and stored.channel_id != cid:
                    continue
                if stored.data["author"]["id"] != author_id:
                    continue
                if predicate is None or predicate(stored.data):
                    return self.message(stored.id)
            return None

        return await self.wait_until(find, timeout, "a message from the bot")

    async def wait_for_reply(self, message: Any, *, timeout: float = 5.0) -> dict[str, Any]:
        """The bot's next message in the channel of ``message`` (a user message dict)."""
        stored = self._stored(message)
        return await self.wait_for_message(stored.channel_id, after=stored.id, timeout=timeout)

    # Faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        status: int = 429,
        *,
        times: int = 1,
        json: Any = None,
        retry_after: float | None = None,
        is_global: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Make the next ``times`` requests ``method`` (or "*") to a path matching the regex
        ``path`` fail with ``status``. A 429 carries Discord's rate-limit body and headers
        (``retry_after`` seconds, default 0.05)."""
        fault = Fault(
            method.upper(),
            re.compile(path),
            status,
            times,
            json,
            retry_after,
            is_global,
            dict(headers or {}),
        )
        self._faults.append(fault)
        return fault

    def delay(self, method: str, path: str, seconds: float) -> Delay:
        """Delay every request ``method`` (or "*") to a path matching ``path`` by ``seconds``."""
        entry = Delay(method.upper(), re.compile(path), seconds)
        self._delays.append(entry)
        return entry

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.matches(method, path):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _delay_for(self, method: str, path: str) -> float:
        return sum(
            d.seconds for d in self._delays if d.method in ("*", method) and d.pattern.search(path)
        )

    # Inspection ---------------------------------------------------------------------------

    @property
    def errors(self) -> list[RequestRecord]:
        """Every request answered with a non-2xx status (injected faults included)."""
        return [r for r in self.requests if r.status is not None and not r.ok]

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n".join(repr(v) for v in self.violations)
            raise AssertionError(
                f"Discord would have refused {len(self.violations)} request(s):\n{lines}"
            )
