"""Building and editing message objects the way Discord does."""

from __future__ import annotations

import copy
import re
import time
from typing import TYPE_CHECKING, Any

from . import payloads, uploads
from .errors import empty_message, raise_if
from .limits import EPHEMERAL, LOADING, SUPPRESS_EMBEDS, FormErrors, check_message, is_empty_message
from .models import FakeUser, StoredMessage
from .permissions import Perm
from .polls import check_poll, check_poll_edit, poll_object
from .snowflake import iso_now

if TYPE_CHECKING:
    from .state import DiscordState

DEFAULT = 0
REPLY = 19
CHAT_INPUT_COMMAND = 20
CONTEXT_MENU_COMMAND = 23

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def _number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord gives every component a numeric ``id`` (depth first) when the app gives none."""
    components = copy.deepcopy(components)
    counter = 0
    used = set()

    def collect(items: list[dict[str, Any]]) -> None:
        for c in items:
            if isinstance(c.get("id"), int):
                used.add(c["id"])
            collect(c.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(c.get(key), dict):
                    collect([c[key]])

    def assign(items: list[dict[str, Any]]) -> None:
        nonlocal counter
        for c in items:
            if "id" not in c:
                counter += 1
                while counter in used:
                    counter += 1
                c["id"] = counter
            assign(c.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(c.get(key), dict):
                    assign([c[key]])

    collect(components)
    assign(components)
    return components


def _normalise_embeds(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for embed in embeds:
        e = {k: v for k, v in copy.deepcopy(embed).items() if v is not None}
        e.setdefault("type", "rich")
        e["content_scan_version"] = 0
        out.append(e)
    return out


def _attachments(
    payload: dict[str, Any], files: list[dict[str, Any]], state: DiscordState, channel_id: int
) -> list[dict[str, Any]]:
    described = {
        str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)
    }
    out = []
    for index, f in enumerate(files):
        meta = described.get(str(index), {})
        aid = state.ids.next()
        uploads.keep(state, aid, f)
        filename = meta.get("filename") or f["filename"]
        url = f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{filename}"
        item = {
            "id": str(aid),
            "filename": filename,
            "size": f["size"],
            "url": url,
            "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
            "content_type": f.get("content_type") or "application/octet-stream",
        }
        if meta.get("description"):
            item["description"] = meta["description"]
        out.append(item)
    return out


def _mentions(
    state: DiscordState,
    content: str,
    guild_id: int | None,
    allowed: dict[str, Any] | None,
    replied_author: FakeUser | None,
    author_perms: int,
) -> tuple[list[dict[str, Any]], list[str], bool]:
    """Users/roles actually mentioned (pinged) given ``allowed_mentions``, and @everyone."""
    parse = ["users", "roles", "everyone"] if allowed is None else list(allowed.get("parse") or [])
    allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
    allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}
    guild = state.guilds.get(guild_id) if guild_id else None
    users: list[dict[str, Any]] = []
    seen: set[int] = set()
    for match in _USER_MENTION.finditer(content):
        uid = int(match.group(1))
        user = state.users.get(uid)
        if user is None or uid in seen:
            continue
        if "users" in parse or uid in allowed_users:
            seen.add(uid)
            users.append(_mention_user(state, guild, user))
    ping_reply = allowed is None or allowed.get("replied_user", False)
    if replied_author is not None and replied_author.id not in seen and ping_reply:
        users.append(_mention_user(state, guild, replied_author))
    roles = []
    if guild is not None:
        for match in _ROLE_MENTION.finditer(content):
            rid = int(match.group(1))
            role = guild.roles.get(rid)
            if role is None or str(rid) in roles:
                continue
            mentionable = role.mentionable or author_perms & Perm.MENTION_EVERYONE
            if ("roles" in parse or rid in allowed_roles) and mentionable:
                roles.append(str(rid))
    everyone = (
        ("@everyone" in content or "@here" in content)
        and "everyone" in parse
        and bool(author_perms & Perm.MENTION_EVERYONE)
    )
    return users, roles, everyone


def _mention_user(state: DiscordState, guild: Any, user: FakeUser) -> dict[str, Any]:
    data = payloads.user(user)
    if guild is not None and user.id in guild.members:
        data["member"] = payloads.member(guild.members[user.id], with_user=False)
    return data


def build_message(
    state: DiscordState,
    *,
    channel_id: int,
    guild_id: int | None,
    author: FakeUser,
    payload: dict[str, Any],
    files: list[dict[str, Any]] | None = None,
    type: int = DEFAULT,
    webhook_id: int | None = None,
    interaction: dict[str, Any] | None = None,
    allow_ephemeral: bool = False,
    author_perms: int = 0,
    extra_flags: int = 0,
    validate: bool = True,
) -> StoredMessage:
    """Validate a create payload and store the resulting message (does not dispatch)."""
    files = files or []
    if validate:
        errors = check_message(payload, allow_ephemeral=allow_ephemeral)
        check_poll(errors, payload.get("poll"))
        raise_if(errors)
        if not extra_flags & LOADING and is_empty_message(payload, has_files=bool(files)):
            raise empty_message()
    content = payload.get("content") or ""
    allowed = payload.get("allowed_mentions")
    reference = payload.get("message_reference")
    referenced: StoredMessage | None = None
    if isinstance(reference, dict) and reference.get("message_id") is not None:
        referenced = state.stored.get(int(reference["message_id"]))
        if (
            referenced is None
            or referenced.deleted
            or referenced.channel_id != int(reference.get("channel_id") or channel_id)
        ):
            referenced = None
            if reference.get("fail_if_not_exists", True):
                errors = FormErrors()
                errors.add(
                    ("message_reference",),
                    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    "Unknown message",
                )
                raise_if(errors)
    replied_author = None
    if referenced is not None:
        replied_author = state.users.get(int(referenced.data["author"]["id"]))
    mentions, mention_roles, everyone = _mentions(
        state, content, guild_id, allowed, replied_author, author_perms
    )
    mid = state.ids.next()
    flags = (payload.get("flags") or 0) | extra_flags
    data: dict[str, Any] = {
        "type": REPLY if referenced is not None and type == DEFAULT else type,
        "content": content,
        "mentions": mentions,
        "mention_roles": mention_roles,
        "attachments": _attachments(payload, files, state, channel_id),
        "embeds": _normalise_embeds(payload.get("embeds") or []),
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "flags": flags,
        "components": _number_components(payload.get("components") or []),
        "id": str(mid),
        "channel_id": str(channel_id),
        "author": payloads.user(author),
        "pinned": False,
        "mention_everyone": everyone,
        "tts": bool(payload.get("tts", False)),
    }
    if payload.get("poll") is not None:
        data["poll"] = poll_object(payload["poll"])
    if payload.get("nonce") is not None:
        data["nonce"] = payload["nonce"]
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
        data["application_id"] = str(webhook_id)
    if interaction is not None:
        data["interaction_metadata"] = interaction["metadata"]
        data["interaction"] = interaction["legacy"]
    if referenced is not None:
        data["message_reference"] = {
            "type": 0,
            "channel_id": str(referenced.channel_id),
            "message_id": str(referenced.id),
        }
        if guild_id:
            data["message_reference"]["guild_id"] = str(guild_id)
        data["referenced_message"] = copy.deepcopy(referenced.data)
    ch = state.channels.get(channel_id)
    if ch is not None and ch.is_thread:
        data["position"] = ch.total_message_sent
    stored = StoredMessage(
        data=data,
        channel_id=channel_id,
        guild_id=guild_id,
        created_at=time.monotonic(),
        nonce=str(payload["nonce"]) if payload.get("nonce") is not None else None,
        ephemeral=bool(flags & EPHEMERAL),
        allowed_mentions=copy.deepcopy(allowed),
    )
    return state._store(stored)


def apply_edit(
    state: DiscordState,
    stored: StoredMessage,
    payload: dict[str, Any],
    files: list[dict[str, Any]] | None = None,
    *,
    allow_ephemeral: bool = False,
) -> StoredMessage:
    """Validate and apply a PATCH to a message; finishing a deferred (loading) message."""
    files = files or []
    raise_if(check_message(payload, allow_ephemeral=allow_ephemeral))
    check_poll_edit(payload)
    new = copy.deepcopy(stored.data)
    if "content" in payload:
        new["content"] = payload["content"] or ""
    if "embeds" in payload:
        new["embeds"] = _normalise_embeds(payload["embeds"] or [])
    if "components" in payload:
        new["components"] = _number_components(payload["components"] or [])
    if "attachments" in payload or files:
        keep_ids = {
            str(a.get("id"))
            for a in payload.get("attachments") or []
            if isinstance(a, dict) and a.get("filename") is None
        }
        kept = (
            [a for a in new["attachments"] if a["id"] in keep_ids]
            if "attachments" in payload
            else new["attachments"]
        )
        new_payload = {
            "attachments": [
                a
                for a in payload.get("attachments") or []
                if isinstance(a, dict) and a.get("filename") is not None
            ]
        }
        new["attachments"] = kept + _attachments(new_payload, files, state, stored.channel_id)
    if "flags" in payload and payload["flags"] is not None:
        keep = new["flags"] & ~SUPPRESS_EMBEDS
        new["flags"] = keep | (payload["flags"] & SUPPRESS_EMBEDS)
    if "allowed_mentions" in payload:
        stored.allowed_mentions = copy.deepcopy(payload["allowed_mentions"])
    if "content" in payload:
        guild = state.guilds.get(stored.guild_id) if stored.guild_id else None
        mentions, roles, everyone = _mentions(
            state, new["content"], guild.id if guild else None, stored.allowed_mentions, None, 0
        )
        new["mentions"], new["mention_roles"], new["mention_everyone"] = mentions, roles, everyone
    loading = bool(new["flags"] & LOADING)
    if loading:
        new["flags"] &= ~LOADING
    if is_empty_message(new):
        raise empty_message()
    if not loading:
        new["edited_timestamp"] = iso_now()
    stored.history.append(stored.data)
    stored.data = new
    stored.edits += 1
    state._changed()
    return stored


def gateway_message(state: DiscordState, stored: StoredMessage) -> dict[str, Any]:
    """A MESSAGE_CREATE/UPDATE payload: the message plus ``guild_id`` and the author's member."""
    data = copy.deepcopy(stored.data)
    if stored.guild_id:
        data["guild_id"] = str(stored.guild_id)
        guild = state.guilds.get(stored.guild_id)
        author_id = int(data["author"]["id"])
        if guild is not None and author_id in guild.members:
            data["member"] = payloads.member(guild.members[author_id], with_user=False)
    return data
