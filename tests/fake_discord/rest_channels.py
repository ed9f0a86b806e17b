"""REST routes: channels, messages, threads, reactions, typing."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote

from . import payloads
from .errors import (
    UNKNOWN_CHANNEL,
    UNKNOWN_MESSAGE,
    ApiError,
    missing_access,
    missing_permissions,
    raise_if,
    unknown,
)
from .limits import FormErrors
from .messages import apply_edit, build_message, gateway_message
from .models import (
    ANNOUNCEMENT,
    CATEGORY,
    FORUM,
    MEMBER_OVERWRITE,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    TEXT,
    FakeChannel,
    Overwrite,
    StoredMessage,
)
from .permissions import Perm
from .server import Ctx, Reply, Router
from .snowflake import iso_now

NONCE_WINDOW = 300.0
HAS_THREAD = 1 << 5
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


def _channel(ctx: Ctx, name: str = "channel_id") -> FakeChannel:
    ch = ctx.fake.channels.get(ctx.int_param(name))
    if ch is None or ch.deleted:
        raise unknown("Channel", UNKNOWN_CHANNEL)
    return ch


def _require(ctx: Ctx, ch: FakeChannel, needed: int) -> int:
    """Discord answers 50001 when the channel is hidden, 50013 when a permission is missing."""
    perms = ctx.fake.bot_permissions(ch)
    if not perms & Perm.VIEW_CHANNEL:
        raise missing_access()
    if perms & needed != needed:
        raise missing_permissions()
    return perms


def _message(ctx: Ctx, ch: FakeChannel) -> StoredMessage:
    stored = ctx.fake.stored.get(ctx.int_param("message_id"))
    if stored is None or stored.deleted or stored.ephemeral or stored.channel_id != ch.id:
        raise unknown("Message", UNKNOWN_MESSAGE)
    return stored


def _emit_channel_update(ctx: Ctx, ch: FakeChannel) -> None:
    ctx.fake._emit("THREAD_UPDATE" if ch.is_thread else "CHANNEL_UPDATE", payloads.channel(ch))


# Channels ---------------------------------------------------------------------------------------


async def get_channel(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    _require(ctx, ch, 0)
    return Reply(payloads.channel(ch))


async def edit_channel(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    body = ctx.body
    me = ctx.fake.bot_user.id
    if ch.is_thread:
        perms = _require(ctx, ch, 0)
        if ch.owner_id != me and not perms & Perm.MANAGE_THREADS:
            raise missing_permissions()
        if ch.locked and not perms & Perm.MANAGE_THREADS:
            raise missing_permissions()
    else:
        _require(ctx, ch, Perm.MANAGE_CHANNELS)
    errors = FormErrors()
    if "name" in body:
        errors.bad_len(("name",), body["name"], 1, 100)
    if "topic" in body:
        errors.max_len(("topic",), body["topic"], 1024)
    if "rate_limit_per_user" in body:
        errors.int_range(("rate_limit_per_user",), body["rate_limit_per_user"], 0, 21600)
    if "auto_archive_duration" in body and body["auto_archive_duration"] not in ARCHIVE_DURATIONS:
        errors.add(
            ("auto_archive_duration",),
            "BASE_TYPE_CHOICES",
            "Value must be one of (60, 1440, 4320, 10080).",
        )
    raise_if(errors)
    for key in (
        "name",
        "topic",
        "nsfw",
        "rate_limit_per_user",
        "position",
        "locked",
        "invitable",
        "auto_archive_duration",
    ):
        if key in body and body[key] is not None:
            setattr(ch, key, body[key])
    if "archived" in body:
        ch.archived = bool(body["archived"])
        ch.archive_timestamp = iso_now()
    if "parent_id" in body and not ch.is_thread:
        ch.parent_id = int(body["parent_id"]) if body["parent_id"] else None
    if "permission_overwrites" in body and not ch.is_thread:
        ch.overwrites = [
            Overwrite(
                int(o["id"]),
                int(o.get("type", 0)),
                int(o.get("allow") or 0),
                int(o.get("deny") or 0),
            )
            for o in body["permission_overwrites"] or []
        ]
    _emit_channel_update(ctx, ch)
    ctx.fake._changed()
    return Reply(payloads.channel(ch))


async def delete_channel(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    _require(ctx, ch, Perm.MANAGE_THREADS if ch.is_thread else Perm.MANAGE_CHANNELS)
    ctx.fake.delete_channel(ch)
    return Reply(payloads.channel(ch))


async def edit_permission(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    _require(ctx, ch, Perm.MANAGE_ROLES)
    target = ctx.int_param("overwrite_id")
    body = ctx.body
    kind = int(body.get("type", MEMBER_OVERWRITE))
    ch.overwrites = [o for o in ch.overwrites if o.id != target]
    ch.overwrites.append(
        Overwrite(target, kind, int(body.get("allow") or 0), int(body.get("deny") or 0))
    )
    _emit_channel_update(ctx, ch)
    ctx.fake._changed()
    return Reply(None, 204)


async def delete_permission(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    _require(ctx, ch, Perm.MANAGE_ROLES)
    target = ctx.int_param("overwrite_id")
    ch.overwrites = [o for o in ch.overwrites if o.id != target]
    _emit_channel_update(ctx, ch)
    ctx.fake._changed()
    return Reply(None, 204)


async def typing(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    _require(ctx, ch, Perm.SEND_MESSAGES_IN_THREADS if ch.is_thread else Perm.SEND_MESSAGES)
    return Reply(None, 204)


# Messages ---------------------------------------------------------------------------------------


def _visible(ctx: Ctx, ch: FakeChannel) -> list[StoredMessage]:
    ids = ctx.fake._channel_message_ids.get(ch.id, [])
    return [
        ctx.fake.stored[i]
        for i in ids
        if not ctx.fake.stored[i].deleted and not ctx.fake.stored[i].ephemeral
    ]


async def list_messages(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    perms = _require(ctx, ch, 0)
    try:
        limit = int(ctx.query.get("limit", "50"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= 100:
        errors = FormErrors()
        errors.int_range(("limit",), limit, 1, 100)
        raise_if(errors)
    if not perms & Perm.READ_MESSAGE_HISTORY:
        return Reply([])
    msgs = sorted(_visible(ctx, ch), key=lambda s: s.id)
    if "around" in ctx.query:
        around = int(ctx.query["around"])
        index = next((i for i, s in enumerate(msgs) if s.id >= around), len(msgs))
        start = max(0, index - limit // 2)
        chosen = msgs[start : start + limit]
    elif "before" in ctx.query:
        before = int(ctx.query["before"])
        chosen = [s for s in msgs if s.id < before][-limit:]
    elif "after" in ctx.query:
        after = int(ctx.query["after"])
        chosen = [s for s in msgs if s.id > after][:limit]
    else:
        chosen = msgs[-limit:]
    return Reply([s.data for s in reversed(chosen)])


async def get_message(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    perms = _require(ctx, ch, 0)
    if not perms & Perm.READ_MESSAGE_HISTORY:
        raise missing_access()
    return Reply(_message(ctx, ch).data)


def _prepare_post(ctx: Ctx, ch: FakeChannel) -> int:
    """Permission and channel-state checks before the bot posts in ``ch``."""
    if ch.type in (CATEGORY, FORUM):
        raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
    needed = Perm.SEND_MESSAGES_IN_THREADS if ch.is_thread else Perm.SEND_MESSAGES
    if ctx.files:
        needed |= Perm.ATTACH_FILES
    if ctx.body.get("message_reference"):
        needed |= Perm.READ_MESSAGE_HISTORY
    perms = _require(ctx, ch, needed)
    if ch.is_thread and ch.archived:
        if ch.locked and not perms & Perm.MANAGE_THREADS:
            raise ApiError(400, 50083, "Thread is archived")
        ch.archived = False
        ch.archive_timestamp = iso_now()
        _emit_channel_update(ctx, ch)
    return perms


async def create_message(ctx: Ctx) -> Reply:
    fake = ctx.fake
    ch = _channel(ctx)
    body = ctx.body
    perms = _prepare_post(ctx, ch)
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        now = time.monotonic()
        for stored in _visible(ctx, ch):
            if (
                stored.nonce == str(nonce)
                and stored.data["author"]["id"] == str(fake.bot_user.id)
                and now - stored.created_at <= NONCE_WINDOW
            ):
                return Reply(stored.data)
    stored = build_message(
        fake,
        channel_id=ch.id,
        guild_id=ch.guild_id,
        author=fake.bot_user,
        payload=body,
        files=ctx.files,
        author_perms=perms,
    )
    fake._emit("MESSAGE_CREATE", gateway_message(fake, stored))
    return Reply(stored.data)


async def edit_message(ctx: Ctx) -> Reply:
    fake = ctx.fake
    ch = _channel(ctx)
    _require(ctx, ch, 0)
    stored = _message(ctx, ch)
    if stored.data["author"]["id"] != str(fake.bot_user.id):
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    apply_edit(fake, stored, ctx.body, ctx.files)
    fake._emit("MESSAGE_UPDATE", gateway_message(fake, stored))
    return Reply(stored.data)


def _delete(ctx: Ctx, stored: StoredMessage) -> None:
    stored.deleted = True
    data: dict[str, Any] = {"id": str(stored.id), "channel_id": str(stored.channel_id)}
    if stored.guild_id:
        data["guild_id"] = str(stored.guild_id)
    ctx.fake._emit("MESSAGE_DELETE", data)
    ctx.fake._changed()


async def delete_message(ctx: Ctx) -> Reply:
    fake = ctx.fake
    ch = _channel(ctx)
    stored = _message(ctx, ch)
    mine = stored.data["author"]["id"] == str(fake.bot_user.id)
    _require(ctx, ch, 0 if mine else Perm.MANAGE_MESSAGES)
    _delete(ctx, stored)
    return Reply(None, 204)


async def bulk_delete(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    _require(ctx, ch, Perm.MANAGE_MESSAGES)
    ids = ctx.body.get("messages") or []
    if not 2 <= len(ids) <= 100:
        errors = FormErrors()
        errors.bad_len(("messages",), ids, 2, 100)
        raise_if(errors)
    for mid in ids:
        stored = ctx.fake.stored.get(int(mid))
        if stored is not None and stored.channel_id == ch.id and not stored.deleted:
            stored.deleted = True
    ctx.fake._emit(
        "MESSAGE_DELETE_BULK",
        {"ids": [str(i) for i in ids], "channel_id": str(ch.id), "guild_id": str(ch.guild_id)},
    )
    ctx.fake._changed()
    return Reply(None, 204)


def _emoji(raw: str) -> dict[str, Any]:
    text = unquote(raw)
    if ":" in text:
        name, _, eid = text.partition(":")
        return {"id": eid, "name": name}
    return {"id": None, "name": text}


async def add_reaction(ctx: Ctx) -> Reply:
    fake = ctx.fake
    ch = _channel(ctx)
    _require(ctx, ch, Perm.READ_MESSAGE_HISTORY | Perm.ADD_REACTIONS)
    stored = _message(ctx, ch)
    emoji = _emoji(ctx.params["emoji"])
    reactions = stored.data.setdefault("reactions", [])
    entry = next((r for r in reactions if r["emoji"] == emoji), None)
    if entry is None:
        entry = {
            "count": 0,
            "count_details": {"burst": 0, "normal": 0},
            "me": False,
            "me_burst": False,
            "burst_colors": [],
            "emoji": emoji,
        }
        reactions.append(entry)
    if not entry["me"]:
        entry["me"] = True
        entry["count"] += 1
        entry["count_details"]["normal"] += 1
        fake._emit(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": str(fake.bot_user.id),
                "channel_id": str(ch.id),
                "message_id": str(stored.id),
                "guild_id": str(ch.guild_id),
                "emoji": emoji,
                "burst": False,
                "type": 0,
            },
        )
    fake._changed()
    return Reply(None, 204)


async def remove_reaction(ctx: Ctx) -> Reply:
    ch = _channel(ctx)
    _require(ctx, ch, 0)
    stored = _message(ctx, ch)
    emoji = _emoji(ctx.params["emoji"])
    reactions = stored.data.get("reactions") or []
    for entry in reactions:
        if entry["emoji"] == emoji and entry["me"]:
            entry["me"] = False
            entry["count"] -= 1
            entry["count_details"]["normal"] -= 1
    stored.data["reactions"] = [r for r in reactions if r["count"] > 0]
    ctx.fake._changed()
    return Reply(None, 204)


# Threads ----------------------------------------------------------------------------------------


def _thread_errors(body: dict[str, Any]) -> None:
    errors = FormErrors()
    errors.bad_len(("name",), body.get("name"), 1, 100)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        errors.add(
            ("auto_archive_duration",),
            "BASE_TYPE_CHOICES",
            "Value must be one of (60, 1440, 4320, 10080).",
        )
    if body.get("rate_limit_per_user") is not None:
        errors.int_range(("rate_limit_per_user",), body["rate_limit_per_user"], 0, 21600)
    raise_if(errors)


def _new_thread(
    ctx: Ctx, parent: FakeChannel, body: dict[str, Any], *, type: int, thread_id: int | None
) -> FakeChannel:
    fake = ctx.fake
    thread = fake.add_thread(
        parent,
        body["name"],
        owner=fake.bot_user,
        type=type,
        thread_id=thread_id,
    )
    thread.auto_archive_duration = body.get("auto_archive_duration") or 1440
    thread.rate_limit_per_user = body.get("rate_limit_per_user") or 0
    thread.invitable = body.get("invitable", True)
    return thread


async def thread_from_message(ctx: Ctx) -> Reply:
    fake = ctx.fake
    parent = _channel(ctx)
    if parent.type not in (TEXT, ANNOUNCEMENT):
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    _require(ctx, parent, Perm.CREATE_PUBLIC_THREADS | Perm.READ_MESSAGE_HISTORY)
    stored = _message(ctx, parent)
    if stored.data["flags"] & HAS_THREAD or stored.id in fake.channels:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    _thread_errors(ctx.body)
    thread = _new_thread(
        ctx,
        parent,
        ctx.body,
        type=PUBLIC_THREAD if parent.type == TEXT else 10,
        thread_id=stored.id,
    )
    stored.data["flags"] |= HAS_THREAD
    stored.data["thread"] = payloads.thread(thread)
    return Reply(payloads.thread(thread, me_id=fake.bot_user.id), 201)


async def thread_without_message(ctx: Ctx) -> Reply:
    fake = ctx.fake
    parent = _channel(ctx)
    body = ctx.body
    if parent.type == FORUM:
        return await _forum_post(ctx, parent)
    if parent.type not in (TEXT, ANNOUNCEMENT):
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    kind = body.get("type", PRIVATE_THREAD)
    if kind not in (PUBLIC_THREAD, PRIVATE_THREAD, 10):
        errors = FormErrors()
        errors.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12).")
        raise_if(errors)
    _require(
        ctx,
        parent,
        Perm.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else Perm.CREATE_PUBLIC_THREADS,
    )
    _thread_errors(body)
    thread = _new_thread(ctx, parent, body, type=kind, thread_id=None)
    return Reply(payloads.thread(thread, me_id=fake.bot_user.id), 201)


async def _forum_post(ctx: Ctx, parent: FakeChannel) -> Reply:
    fake = ctx.fake
    body = ctx.body
    perms = _require(ctx, parent, Perm.SEND_MESSAGES)
    _thread_errors(body)
    message = body.get("message")
    if not isinstance(message, dict):
        errors = FormErrors()
        errors.add(("message",), "BASE_TYPE_REQUIRED", "This field is required")
        raise_if(errors)
    thread = _new_thread(ctx, parent, body, type=PUBLIC_THREAD, thread_id=None)
    stored = build_message(
        fake,
        channel_id=thread.id,
        guild_id=thread.guild_id,
        author=fake.bot_user,
        payload=message,
        files=ctx.files,
        author_perms=perms,
    )
    fake._emit("MESSAGE_CREATE", gateway_message(fake, stored))
    data = payloads.thread(thread, me_id=fake.bot_user.id)
    data["message"] = stored.data
    return Reply(data, 201)


async def join_thread(ctx: Ctx) -> Reply:
    fake = ctx.fake
    thread = _channel(ctx)
    if not thread.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    _require(ctx, thread, 0)
    if thread.archived:
        raise ApiError(400, 50083, "Thread is archived")
    me = fake.bot_user.id
    if me not in thread.member_ids:
        thread.member_ids.add(me)
        fake._emit(
            "THREAD_MEMBER_UPDATE",
            {
                "id": str(thread.id),
                "user_id": str(me),
                "join_timestamp": iso_now(),
                "flags": 0,
                "guild_id": str(thread.guild_id),
            },
        )
        fake._changed()
    return Reply(None, 204)


async def leave_thread(ctx: Ctx) -> Reply:
    thread = _channel(ctx)
    if not thread.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    thread.member_ids.discard(ctx.fake.bot_user.id)
    ctx.fake._changed()
    return Reply(None, 204)


def register(router: Router) -> None:
    add = router.add
    add("GET", "/channels/{channel_id}", get_channel)
    add("PATCH", "/channels/{channel_id}", edit_channel)
    add("DELETE", "/channels/{channel_id}", delete_channel)
    add("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", edit_permission)
    add("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", delete_permission)
    add("POST", "/channels/{channel_id}/typing", typing)
    add("GET", "/channels/{channel_id}/messages", list_messages)
    add("POST", "/channels/{channel_id}/messages", create_message)
    add("POST", "/channels/{channel_id}/messages/bulk-delete", bulk_delete)
    add("GET", "/channels/{channel_id}/messages/{message_id}", get_message)
    add("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message)
    add("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message)
    add("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", add_reaction)
    add(
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
        remove_reaction,
    )
    add("POST", "/channels/{channel_id}/messages/{message_id}/threads", thread_from_message)
    add("POST", "/channels/{channel_id}/threads", thread_without_message)
    add("PUT", "/channels/{channel_id}/thread-members/@me", join_thread)
    add("DELETE", "/channels/{channel_id}/thread-members/@me", leave_thread)
