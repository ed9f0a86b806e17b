"""The gateway: a websocket speaking Discord's v10 protocol (json, zlib-stream compression)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import enum
import json
import logging
import secrets
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import payloads
from .models import GatewayFrame

if TYPE_CHECKING:
    from .fake import FakeDiscord

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11


class Intent(enum.IntFlag):
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


PRIVILEGED = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT

_G = Intent
# event -> (intent needed in a guild, intent needed in DMs)
EVENT_INTENTS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(
        [
            "GUILD_CREATE",
            "GUILD_UPDATE",
            "GUILD_DELETE",
            "GUILD_ROLE_CREATE",
            "GUILD_ROLE_UPDATE",
            "GUILD_ROLE_DELETE",
            "CHANNEL_CREATE",
            "CHANNEL_UPDATE",
            "CHANNEL_DELETE",
            "CHANNEL_PINS_UPDATE",
            "THREAD_CREATE",
            "THREAD_UPDATE",
            "THREAD_DELETE",
            "THREAD_LIST_SYNC",
            "THREAD_MEMBER_UPDATE",
            "THREAD_MEMBERS_UPDATE",
            "STAGE_INSTANCE_CREATE",
            "STAGE_INSTANCE_UPDATE",
            "STAGE_INSTANCE_DELETE",
        ],
        (_G.GUILDS, 0),
    ),
    **dict.fromkeys(
        ["GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"],
        (_G.GUILD_MEMBERS, 0),
    ),
    **dict.fromkeys(
        ["GUILD_AUDIT_LOG_ENTRY_CREATE", "GUILD_BAN_ADD", "GUILD_BAN_REMOVE"],
        (_G.GUILD_MODERATION, 0),
    ),
    "GUILD_EMOJIS_UPDATE": (_G.GUILD_EXPRESSIONS, 0),
    "GUILD_STICKERS_UPDATE": (_G.GUILD_EXPRESSIONS, 0),
    "WEBHOOKS_UPDATE": (_G.GUILD_WEBHOOKS, 0),
    "INVITE_CREATE": (_G.GUILD_INVITES, 0),
    "INVITE_DELETE": (_G.GUILD_INVITES, 0),
    "VOICE_STATE_UPDATE": (_G.GUILD_VOICE_STATES, 0),
    "PRESENCE_UPDATE": (_G.GUILD_PRESENCES, 0),
    **dict.fromkeys(
        ["MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"],
        (_G.GUILD_MESSAGES, _G.DIRECT_MESSAGES),
    ),
    **dict.fromkeys(
        [
            "MESSAGE_REACTION_ADD",
            "MESSAGE_REACTION_REMOVE",
            "MESSAGE_REACTION_REMOVE_ALL",
            "MESSAGE_REACTION_REMOVE_EMOJI",
        ],
        (_G.GUILD_MESSAGE_REACTIONS, _G.DIRECT_MESSAGE_REACTIONS),
    ),
    "TYPING_START": (_G.GUILD_MESSAGE_TYPING, _G.DIRECT_MESSAGE_TYPING),
}


class _Encoder:
    """Transport compression as requested by ``?compress=`` (zlib-stream or zstd-stream)."""

    def __init__(self, mode: str | None) -> None:
        self.mode = mode
        self._zlib = zlib.compressobj() if mode == "zlib-stream" else None
        self._zstd: Any = None
        if mode == "zstd-stream":
            self._zstd = _zstd_compressor()

    @staticmethod
    def supported(mode: str | None) -> bool:
        if mode in (None, "", "zlib-stream"):
            return True
        return mode == "zstd-stream" and _zstd_compressor() is not None

    def encode(self, text: str) -> str | bytes:
        raw = text.encode()
        if self._zlib is not None:
            return self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return self._zstd(raw)
        return text


def _zstd_compressor() -> Callable[[bytes], bytes] | None:
    """A zstd stream flushed per message, from ``zstandard`` or Python 3.14's stdlib."""
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        try:
            from compression import zstd  # type: ignore[import-not-found]
        except ImportError:
            return None
        std = zstd.ZstdCompressor()
        return lambda raw: std.compress(raw, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
    obj = zstandard.ZstdCompressor().compressobj()

    def compress(raw: bytes) -> bytes:
        return obj.compress(raw) + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

    return compress


class GatewaySession:
    """An identified session; survives disconnects so it can be RESUMEd."""

    def __init__(self, gateway: Gateway, shard: tuple[int, int] | None, intents: int) -> None:
        self.gateway = gateway
        self.id = secrets.token_hex(16)
        self.shard = shard
        self.intents = intents
        self.seq = 0
        self.history: list[dict[str, Any]] = []
        self.connection: GatewayConnection | None = None
        self.presence: dict[str, Any] | None = None
        self.created = time.monotonic()

    def has(self, intent: int) -> bool:
        return bool(self.intents & intent)

    def owns_guild(self, guild_id: int | None) -> bool:
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def wants(self, event: str, guild_id: int | None, data: Any) -> bool:
        if not self.owns_guild(guild_id):
            return False
        needed = EVENT_INTENTS.get(event)
        if needed is None:
            return True
        if event == "GUILD_MEMBER_UPDATE" and _user_id(data) == self.gateway.fake.bot_user.id:
            return True
        intent = needed[0] if guild_id is not None else needed[1]
        return intent == 0 or self.has(intent)

    def push(self, event: str, data: Any, on_sent: Callable[[], None] | None = None) -> None:
        self.seq += 1
        data = self._filter(event, data)
        payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.history.append(payload)
        if self.connection is not None:
            self.connection.send(payload, on_sent)

    def _filter(self, event: str, data: Any) -> Any:
        """Without MESSAGE_CONTENT, other people's guild messages arrive without content."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or self.has(Intent.MESSAGE_CONTENT):
            return data
        bot_id = str(self.gateway.fake.bot_user.id)
        if not isinstance(data, dict) or not data.get("guild_id"):
            return data
        if (data.get("author") or {}).get("id") == bot_id:
            return data
        if any(u.get("id") == bot_id for u in data.get("mentions") or []):
            return data
        data = copy.deepcopy(data)
        data.update({"content": "", "embeds": [], "attachments": [], "components": []})
        data.pop("poll", None)
        return data


def _user_id(data: Any) -> int | None:
    try:
        return int(data["user"]["id"])
    except (KeyError, TypeError, ValueError):
        return None


class GatewayConnection:
    """One websocket; a writer task sends queued payloads in order."""

    def __init__(self, gateway: Gateway, ws: web.WebSocketResponse, encoder: _Encoder) -> None:
        self.gateway = gateway
        self.ws = ws
        self.encoder = encoder
        self.session: GatewaySession | None = None
        self.queue: asyncio.Queue[tuple[dict[str, Any], Callable[[], None] | None] | None] = (
            asyncio.Queue()
        )
        self.writer = asyncio.create_task(self._write(), name="fake-discord-gateway-writer")
        self.closing = False

    def send(self, payload: dict[str, Any], on_sent: Callable[[], None] | None = None) -> None:
        if not self.closing:
            self.queue.put_nowait((payload, on_sent))

    async def _write(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            payload, on_sent = item
            frame = self.encoder.encode(json.dumps(payload, separators=(",", ":")))
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return
            self.gateway._record("out", payload, self.session)
            if on_sent is not None:
                on_sent()

    async def drain(self) -> None:
        """Wait until everything queued so far has been written."""
        while not self.queue.empty() and not self.writer.done():
            await asyncio.sleep(0.001)

    async def close(self, code: int = 1000, message: str = "") -> None:
        if self.closing:
            return
        await self.drain()
        self.closing = True
        self.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer, 1.0)
        await self.ws.close(code=code, message=message.encode())


class Gateway:
    def __init__(self, fake: FakeDiscord, *, heartbeat_interval_ms: int = 1000) -> None:
        self.fake = fake
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self.frames: list[GatewayFrame] = []
        self.heartbeats = 0
        self.identifies = 0
        self.resumes = 0

    # Outgoing ------------------------------------------------------------------------------

    def _record(
        self, direction: str, payload: dict[str, Any], session: GatewaySession | None
    ) -> None:
        self.frames.append(
            GatewayFrame(
                direction,
                payload.get("op", -1),
                payload.get("t"),
                payload.get("s"),
                payload.get("d"),
                time.monotonic(),
                session.id if session else None,
            )
        )
        self.fake._changed()

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.connection is not None]

    def dispatch(
        self,
        event: str,
        data: Any,
        *,
        guild_id: int | None = None,
        on_sent: Callable[[], None] | None = None,
        only_one: bool = False,
        force: bool = False,
    ) -> int:
        """Send a DISPATCH to every session that should get it (disconnected sessions keep it
        for a RESUME); returns how many connected sessions got it."""
        if guild_id is None and isinstance(data, dict):
            raw = data.get("guild_id")
            if raw is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
                raw = data.get("id")
            guild_id = int(raw) if raw is not None else None
        targets = [
            s
            for s in self.sessions.values()
            if s.owns_guild(guild_id) and (force or s.wants(event, guild_id, data))
        ]
        if only_one:
            live = [s for s in targets if s.connection is not None]
            targets = [max(live, key=lambda s: s.created)] if live else []
        sent = False

        def once() -> None:
            nonlocal sent
            if not sent and on_sent is not None:
                sent = True
                on_sent()

        for session in targets:
            session.push(event, copy.deepcopy(data), once)
        return sum(1 for s in targets if s.connection is not None)

    async def drain(self) -> None:
        for conn in list(self.connections):
            await conn.drain()

    async def send_reconnect(self) -> None:
        """Ask every connected client to reconnect (op 7); discord.py then RESUMEs."""
        for conn in list(self.connections):
            conn.send({"op": RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        for conn in list(self.connections):
            conn.send({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})
            if not resumable and conn.session is not None:
                self.sessions.pop(conn.session.id, None)

    async def disconnect(self, code: int = 4000) -> None:
        """Close every websocket from the server side (4000 lets the client resume)."""
        for conn in list(self.connections):
            await conn.close(code, "fake disconnect")

    async def close(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001, "server shutting down")

    # Incoming ------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.json_response({"message": "404: Not Found", "code": 0}, status=404)
        compress = request.query.get("compress")
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        if request.query.get("encoding", "json") != "json" or not _Encoder.supported(compress):
            await ws.close(code=4002, message=b"Decode error")
            return ws
        if request.query.get("v") not in (None, "10"):
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        conn = GatewayConnection(self, ws, _Encoder(compress))
        self.connections.add(conn)
        conn.send(
            {
                "op": HELLO,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await conn.close(4002, "Decode error")
                    break
                self._record("in", payload, conn.session)
                await self._on_payload(conn, payload)
        finally:
            closed_by_client = not conn.closing
            conn.closing = True
            conn.queue.put_nowait(None)
            self.connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                # A client closing with 1000/1001 ends its session: it cannot be resumed.
                if closed_by_client and ws.close_code in (1000, 1001):
                    self.sessions.pop(session.id, None)
            self.fake._changed()
        return ws

    async def _on_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, d or {})
        elif op == RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await conn.close(4003, "Not authenticated.")
        elif op == PRESENCE:
            conn.session.presence = d
        elif op == REQUEST_MEMBERS:
            await self._request_members(conn, d or {})
        elif op == VOICE_STATE:
            pass
        else:
            await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        fake = self.fake
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if d.get("token") != fake.token:
            await conn.close(4004, "Authentication failed.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED & ~fake.privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard = d.get("shard")
        shard_info: tuple[int, int] | None = None
        if shard is not None:
            if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
                await conn.close(4010, "Invalid shard.")
                return
            shard_info = (int(shard[0]), int(shard[1]))
        self.identifies += 1
        session = GatewaySession(self, shard_info, intents)
        self.sessions[session.id] = session
        conn.session = session
        session.connection = conn
        guilds = [g for g in fake.guilds.values() if session.owns_guild(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": payloads.self_user(fake.bot_user),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.application_id), "flags": fake.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "user_settings": {},
            "auth": {},
            "_trace": ['["fake-discord",{"micros":0}]'],
        }
        if shard_info is not None:
            ready["shard"] = list(shard_info)
        session.push("READY", ready)
        with_members = session.has(Intent.GUILD_PRESENCES)
        for g in guilds:
            session.push(
                "GUILD_CREATE",
                payloads.guild_create(g, bot_id=fake.bot_user.id, include_members=with_members),
            )
        fake._changed()

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        if session is None or d.get("token") != self.fake.token:
            conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.resumes += 1
        old = session.connection
        if old is not None and old is not conn:
            old.session = None
        session.connection = conn
        conn.session = session
        last = d.get("seq") or 0
        for payload in session.history:
            if payload["s"] > last:
                conn.send(payload)
        session.push("RESUMED", {"_trace": ["fake-discord"]})
        self.fake._changed()

    async def _request_members(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        session = conn.session
        assert session is not None
        guild = self.fake.guilds.get(int(d.get("guild_id") or 0))
        if guild is None:
            return
        user_ids = [int(u) for u in d.get("user_ids") or []]
        query = d.get("query")
        if not user_ids and query == "" and not session.has(Intent.GUILD_MEMBERS):
            await conn.close(4013, "Requesting all members requires the GUILD_MEMBERS intent.")
            return
        limit = d.get("limit") or 0
        members = list(guild.members.values())
        if user_ids:
            members = [m for m in members if m.id in user_ids]
        elif query:
            members = [m for m in members if m.user.username.lower().startswith(query.lower())]
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [payloads.member(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if user_ids:
            found = {m.id for m in members}
            chunk["not_found"] = [str(u) for u in user_ids if u not in found]
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        session.push("GUILD_MEMBERS_CHUNK", chunk)
