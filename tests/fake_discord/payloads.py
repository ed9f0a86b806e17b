"""JSON payloads shaped like Discord's, built from the fake's state objects."""

from __future__ import annotations

from typing import Any

from .models import (
    CATEGORY,
    VOICE,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Overwrite,
)


def user(u: FakeUser) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(u.id),
        "username": u.username,
        "discriminator": u.discriminator,
        "global_name": u.global_name,
        "avatar": u.avatar,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "collectibles": None,
        "primary_guild": None,
    }
    if u.bot:
        data["bot"] = True
    return data


def self_user(u: FakeUser) -> dict[str, Any]:
    data = user(u)
    data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
    return data


def role(r: FakeRole) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }
    if r.tags is not None:
        data["tags"] = dict(r.tags)
    return data


def overwrite(o: Overwrite) -> dict[str, Any]:
    return {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}


def channel(c: FakeChannel) -> dict[str, Any]:
    if c.is_thread:
        return thread(c)
    data: dict[str, Any] = {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "permission_overwrites": [overwrite(o) for o in c.overwrites],
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "flags": 0,
    }
    if c.type == CATEGORY:
        return data
    data["nsfw"] = c.nsfw
    data["rate_limit_per_user"] = c.rate_limit_per_user
    data["last_message_id"] = str(c.last_message_id) if c.last_message_id else None
    if c.type == VOICE:
        data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
    else:
        data["topic"] = c.topic
        data["default_thread_rate_limit_per_user"] = 0
    return data


def thread(c: FakeChannel, *, me_id: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild_id),
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "owner_id": str(c.owner_id) if c.owner_id else None,
        "name": c.name,
        "last_message_id": str(c.last_message_id) if c.last_message_id else None,
        "rate_limit_per_user": c.rate_limit_per_user,
        "message_count": c.message_count,
        "member_count": len(c.member_ids),
        "total_message_sent": c.total_message_sent,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": c.archived,
            "auto_archive_duration": c.auto_archive_duration,
            "archive_timestamp": c.archive_timestamp,
            "locked": c.locked,
            "create_timestamp": c.create_timestamp,
        },
    }
    if c.type == 12:
        data["thread_metadata"]["invitable"] = c.invitable
    if me_id is not None and me_id in c.member_ids:
        data["member"] = {
            "id": str(c.id),
            "user_id": str(me_id),
            "join_timestamp": c.create_timestamp,
            "flags": 0,
        }
    return data


def member(
    m: FakeMember, *, with_user: bool = True, permissions: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in m.role_ids],
        "joined_at": m.joined_at,
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "unusual_dm_activity_until": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild(g: FakeGuild, *, application_id: int | None = None) -> dict[str, Any]:
    """The guild object of GET /guilds/{id} (no channels or members)."""
    first_text = next(iter(g.text_channels), None)
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": list(g.features),
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": str(first_text.id) if first_text else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_presences": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": g.preferred_locale,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "nsfw": False,
        "region": "deprecated",
        "incidents_data": None,
    }


def guild_create(g: FakeGuild, *, bot_id: int, include_members: bool) -> dict[str, Any]:
    """The GUILD_CREATE dispatch: the guild with channels, threads and (some) members."""
    data = guild(g)
    members = [m for m in g.members.values() if include_members or m.id == bot_id]
    data.update(
        {
            "joined_at": g.joined_at,
            "large": False,
            "lazy": True,
            "member_count": len(g.members),
            "voice_states": [],
            "members": [member(m) for m in members],
            "channels": [
                channel(c) for c in g.channels.values() if not c.is_thread and not c.deleted
            ],
            "threads": [
                thread(c, me_id=bot_id)
                for c in g.channels.values()
                if c.is_thread and not c.deleted and not c.archived
            ],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
            "application_command_counts": {},
            "version": 0,
        }
    )
    return data
