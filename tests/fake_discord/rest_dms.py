"""Direct messages: the DM channel with a user (POST /users/@me/channels), messages sent to it,
its history, and Discord's refusal (50007) for a user who closed their DMs.

    close_dms(fake, user)           # the user allows no DMs from server members / bots
    dm_messages(fake, user)         # what the bot sent them, oldest first

The routes registered here come before the channel routes: a request on a DM channel is
answered here, any other is passed on to `rest_channels`.
"""

from __future__ import annotations

import time
from typing import Any

from . import payloads, rest_channels
from .errors import UNKNOWN_USER, ApiError, unknown
from .limits import FormErrors
from .messages import build_message, gateway_message
from .models import DM, FakeChannel, StoredMessage
from .server import Ctx, Reply, Router
from .state import DiscordState, UserRef

CANNOT_DM = 50007


def close_dms(fake: DiscordState, user: UserRef) -> None:
    fake.closed_dms.add(fake.user(user).id)


def dm_channel(fake: DiscordState, user: UserRef) -> FakeChannel | None:
    return fake.dm_channels.get(fake.user(user).id)


def dm_messages(fake: DiscordState, user: UserRef) -> list[dict[str, Any]]:
    channel = dm_channel(fake, user)
    return fake.messages(channel) if channel is not None else []


def _payload(fake: DiscordState, channel: FakeChannel, recipient: int) -> dict[str, Any]:
    return {
        "id": str(channel.id),
        "type": DM,
        "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
        "flags": 0,
        "recipients": [payloads.user(fake.users[recipient])],
    }


def _recipient(fake: DiscordState, channel: FakeChannel) -> int:
    return next(user for user, dm in fake.dm_channels.items() if dm.id == channel.id)


def _dm(ctx: Ctx) -> FakeChannel | None:
    channel = ctx.fake.channels.get(ctx.int_param("channel_id"))
    return channel if channel is not None and channel.type == DM else None


async def open_dm(ctx: Ctx) -> Reply:
    """Discord answers with the one DM channel it keeps per user (created on first use)."""
    fake = ctx.fake
    raw = ctx.body.get("recipient_id")
    try:
        user_id = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors = FormErrors()
        errors.add(("recipient_id",), "NUMBER_TYPE_COERCE", f"Value \"{raw}\" is not snowflake.")
        raise ApiError(400, 50035, "Invalid Form Body", errors.errors) from None
    if user_id not in fake.users or user_id == fake.bot_user.id:
        raise unknown("User", UNKNOWN_USER)
    channel = fake.dm_channels.get(user_id)
    if channel is None:
        channel = FakeChannel(fake.ids.next(), 0, "", type=DM)
        fake.dm_channels[user_id] = channel
        fake.channels[channel.id] = channel
        fake._channel_message_ids.setdefault(channel.id, [])
    return Reply(_payload(fake, channel, user_id))


def _sent(ctx: Ctx, channel: FakeChannel) -> list[StoredMessage]:
    stored = ctx.fake.stored
    return [stored[i] for i in ctx.fake._channel_message_ids.get(channel.id, [])
            if not stored[i].deleted]


async def create_message(ctx: Ctx) -> Reply:
    channel = _dm(ctx)
    if channel is None:
        return await rest_channels.create_message(ctx)
    fake, body = ctx.fake, ctx.body
    if _recipient(fake, channel) in fake.closed_dms:
        raise ApiError(403, CANNOT_DM, "Cannot send messages to this user")
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        now = time.monotonic()
        for stored in _sent(ctx, channel):
            if stored.nonce == str(nonce) and now - stored.created_at <= rest_channels.NONCE_WINDOW:
                return Reply(stored.data)
    stored = build_message(fake, channel_id=channel.id, guild_id=None, author=fake.bot_user,
                           payload=body, files=ctx.files)
    fake._emit("MESSAGE_CREATE", gateway_message(fake, stored))
    return Reply(stored.data)


async def list_messages(ctx: Ctx) -> Reply:
    channel = _dm(ctx)
    if channel is None:
        return await rest_channels.list_messages(ctx)
    limit = int(ctx.query.get("limit", "50"))
    if not 1 <= limit <= 100:
        errors = FormErrors()
        errors.int_range(("limit",), limit, 1, 100)
        raise ApiError(400, 50035, "Invalid Form Body", errors.errors)
    messages = sorted(_sent(ctx, channel), key=lambda s: s.id)
    if "before" in ctx.query:
        messages = [s for s in messages if s.id < int(ctx.query["before"])]
    if "after" in ctx.query:
        messages = [s for s in messages if s.id > int(ctx.query["after"])][:limit]
    return Reply([s.data for s in reversed(messages[-limit:])])


def register(router: Router) -> None:
    router.add("POST", "/users/@me/channels", open_dm)
    router.add("POST", "/channels/{channel_id}/messages", create_message)
    router.add("GET", "/channels/{channel_id}/messages", list_messages)
