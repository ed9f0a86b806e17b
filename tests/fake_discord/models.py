"""Plain data objects the fake keeps: users, guilds, channels, messages, logs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TEXT = 0
DM = 1
VOICE = 2
CATEGORY = 4
ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
FORUM = 15
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)

ROLE_OVERWRITE = 0
MEMBER_OVERWRITE = 1


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    discriminator: str = "0"
    avatar: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    mentionable: bool = False
    hoist: bool = False
    color: int = 0
    tags: dict[str, Any] | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass
class Overwrite:
    id: int
    type: int  # 0 = role, 1 = member
    allow: int = 0
    deny: int = 0


@dataclass
class FakeChannel:
    id: int
    guild_id: int
    name: str
    type: int = TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    nsfw: bool = False
    rate_limit_per_user: int = 0
    last_message_id: int | None = None
    deleted: bool = False
    # Thread-only fields.
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: str | None = None
    create_timestamp: str | None = None
    message_count: int = 0
    total_message_sent: int = 0
    member_ids: set[int] = field(default_factory=set)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class FakeMember:
    user: FakeUser
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    joined_at: str = ""
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    joined_at: str = ""
    bot_role_id: int | None = None

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    @property
    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.type == TEXT and not c.deleted]


@dataclass
class StoredMessage:
    """A message as Discord holds it, plus bookkeeping Discord would not expose."""

    data: dict[str, Any]
    channel_id: int
    guild_id: int | None
    created_at: float  # time.monotonic() at creation
    nonce: str | None = None
    ephemeral: bool = False
    deleted: bool = False
    allowed_mentions: dict[str, Any] | None = None
    interaction_id: int | None = None
    edits: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    poll_voters: dict[int, set[int]] = field(default_factory=dict)  # answer id -> user ids

    @property
    def id(self) -> int:
        return int(self.data["id"])


@dataclass
class RequestRecord:
    """One REST request the fake received and what it answered."""

    method: str
    path: str  # relative to /api/v10, e.g. "/channels/1/messages"
    query: dict[str, str]
    json: Any
    files: list[dict[str, Any]]
    headers: dict[str, str]
    time: float  # time.monotonic() at arrival
    route: str | None = None  # e.g. "POST /channels/{channel_id}/messages"
    status: int | None = None
    response: Any = None
    injected: bool = False
    done_time: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def error_code(self) -> int | None:
        if isinstance(self.response, dict) and not self.ok:
            return self.response.get("code")
        return None

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path} -> {self.status}>"


@dataclass
class Violation:
    """A request Discord would have refused for breaking one of its rules."""

    status: int
    code: int
    message: str
    errors: dict[str, Any] | None
    request: RequestRecord

    def __repr__(self) -> str:
        return (
            f"<Violation {self.request.method} {self.request.path}: {self.status} "
            f"{self.code} {self.message} {self.errors or ''}>"
        )


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    json: Any = None
    retry_after: float | None = None
    is_global: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and self.pattern.search(path) is not None


@dataclass
class Delay:
    method: str
    pattern: re.Pattern[str]
    seconds: float


@dataclass
class GatewayFrame:
    """One gateway payload sent (``direction='out'``) or received (``'in'``)."""

    direction: str
    op: int
    t: str | None
    s: int | None
    d: Any
    time: float
    session_id: str | None
