"""A local imitation of Discord's REST API v10 and gateway for testing discord.py bots."""

from . import limits, payloads
from .errors import ApiError, WaitTimeout
from .fake import FakeDiscord
from .gateway import Intent
from .interactions import InteractionResult
from .models import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    GatewayFrame,
    Overwrite,
    RequestRecord,
    Violation,
)
from .permissions import ALL_PERMISSIONS, DEFAULT_BOT, DEFAULT_EVERYONE, Perm
from .runner import pointed_at, run_bot

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_BOT",
    "DEFAULT_EVERYONE",
    "ApiError",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "GatewayFrame",
    "Intent",
    "InteractionResult",
    "Overwrite",
    "Perm",
    "RequestRecord",
    "Violation",
    "WaitTimeout",
    "limits",
    "payloads",
    "pointed_at",
    "run_bot",
]
