"""REST routes: gateway discovery, users, the application and its commands, guilds."""

from __future__ import annotations

import copy
from typing import Any

from . import payloads
from .errors import (
    UNKNOWN_APPLICATION,
    UNKNOWN_COMMAND,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_USER,
    ApiError,
    missing_access,
    raise_if,
    unknown,
)
from .limits import check_commands
from .server import Ctx, Reply, Router


async def get_gateway(ctx: Ctx) -> Reply:
    return Reply({"url": ctx.fake.gateway_url})


async def get_gateway_bot(ctx: Ctx) -> Reply:
    return Reply(
        {
            "url": ctx.fake.gateway_url,
            "shards": ctx.fake.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }
    )


async def get_me(ctx: Ctx) -> Reply:
    return Reply(payloads.self_user(ctx.fake.bot_user))


async def get_user(ctx: Ctx) -> Reply:
    user = ctx.fake.users.get(ctx.int_param("user_id"))
    if user is None:
        raise unknown("User", UNKNOWN_USER)
    return Reply(payloads.user(user))


def application(ctx: Ctx) -> dict[str, Any]:
    fake = ctx.fake
    return {
        "id": str(fake.application_id),
        "name": fake.bot_user.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": payloads.user(fake.app_owner),
        "team": None,
        "flags": fake.application_flags,
        "bot": payloads.user(fake.bot_user),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "approximate_guild_count": len(fake.guilds),
        "integration_types_config": {"0": {}},
    }


async def get_application(ctx: Ctx) -> Reply:
    return Reply(application(ctx))


# Application commands ------------------------------------------------------------------------


def _app(ctx: Ctx) -> None:
    if ctx.int_param("application_id") != ctx.fake.application_id:
        raise unknown("Application", UNKNOWN_APPLICATION)


def _scope(ctx: Ctx) -> tuple[dict[int, dict[str, Any]], int | None]:
    _app(ctx)
    if "guild_id" not in ctx.params:
        return ctx.fake.global_commands, None
    gid = ctx.int_param("guild_id")
    if gid not in ctx.fake.guilds:
        raise missing_access()
    return ctx.fake.guild_commands.setdefault(gid, {}), gid


_DEFINITION_KEYS = (
    "type",
    "name",
    "name_localizations",
    "description",
    "description_localizations",
    "options",
    "default_member_permissions",
    "dm_permission",
    "contexts",
    "integration_types",
    "nsfw",
)


def _definition(body: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
    perms = body.get("default_member_permissions")
    definition: dict[str, Any] = {
        "type": body.get("type", 1),
        "name": body.get("name"),
        "name_localizations": body.get("name_localizations") or None,
        "description": body.get("description", ""),
        "description_localizations": body.get("description_localizations") or None,
        "default_member_permissions": None if perms is None else str(perms),
        "contexts": body.get("contexts"),
        "integration_types": body.get("integration_types") or [0],
        "nsfw": bool(body.get("nsfw", False)),
    }
    if guild_id is None:
        definition["dm_permission"] = body.get("dm_permission", True)
    if body.get("options"):
        definition["options"] = copy.deepcopy(body["options"])
    return definition


def _upsert(
    ctx: Ctx, scope: dict[int, dict[str, Any]], guild_id: int | None, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    fake = ctx.fake
    definition = _definition(body, guild_id)
    existing = next(
        (
            c
            for c in scope.values()
            if (c["name"], c["type"]) == (definition["name"], definition["type"])
        ),
        None,
    )
    if existing is not None:
        same = all(existing.get(k) == definition.get(k) for k in _DEFINITION_KEYS)
        version = existing["version"] if same else str(fake.ids.next())
        cid = int(existing["id"])
    else:
        version = str(fake.ids.next())
        cid = fake.ids.next()
    command = {
        "id": str(cid),
        "application_id": str(fake.application_id),
        "version": version,
        **definition,
    }
    if guild_id is not None:
        command["guild_id"] = str(guild_id)
    scope[cid] = command
    return command, existing is None


async def list_commands(ctx: Ctx) -> Reply:
    scope, _ = _scope(ctx)
    return Reply(copy.deepcopy(list(scope.values())))


async def bulk_overwrite(ctx: Ctx) -> Reply:
    scope, gid = _scope(ctx)
    body = ctx.json if ctx.json is not None else []
    raise_if(check_commands(body))
    kept: dict[int, dict[str, Any]] = {}
    for item in body:
        command, _ = _upsert(ctx, scope, gid, item)
        kept[int(command["id"])] = command
    scope.clear()
    scope.update(kept)
    ctx.fake._changed()
    return Reply(copy.deepcopy(list(kept.values())))


async def create_command(ctx: Ctx) -> Reply:
    scope, gid = _scope(ctx)
    raise_if(check_commands([ctx.body]))
    command, created = _upsert(ctx, scope, gid, ctx.body)
    ctx.fake._changed()
    return Reply(copy.deepcopy(command), 201 if created else 200)


def _command(ctx: Ctx) -> tuple[dict[int, dict[str, Any]], int | None, dict[str, Any]]:
    scope, gid = _scope(ctx)
    command = scope.get(ctx.int_param("command_id"))
    if command is None:
        raise unknown("application command", UNKNOWN_COMMAND)
    return scope, gid, command


async def get_command(ctx: Ctx) -> Reply:
    return Reply(copy.deepcopy(_command(ctx)[2]))


async def edit_command(ctx: Ctx) -> Reply:
    _, gid, command = _command(ctx)
    merged = {**command, **ctx.body}
    raise_if(check_commands([merged]))
    definition = _definition(merged, gid)
    if any(command.get(k) != definition.get(k) for k in _DEFINITION_KEYS):
        command["version"] = str(ctx.fake.ids.next())
    command.update(definition)
    ctx.fake._changed()
    return Reply(copy.deepcopy(command))


async def delete_command(ctx: Ctx) -> Reply:
    scope, _, command = _command(ctx)
    del scope[int(command["id"])]
    ctx.fake._changed()
    return Reply(None, 204)


async def command_permissions(ctx: Ctx) -> Reply:
    _scope(ctx)
    return Reply([])


# Guilds ----------------------------------------------------------------------------------------


def _guild(ctx: Ctx) -> Any:
    guild = ctx.fake.guilds.get(ctx.int_param("guild_id"))
    if guild is None:
        raise unknown("Guild", UNKNOWN_GUILD)
    return guild


async def get_guild(ctx: Ctx) -> Reply:
    guild = _guild(ctx)
    data = payloads.guild(guild)
    if ctx.flag("with_counts"):
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = len(guild.members)
    return Reply(data)


async def get_guild_channels(ctx: Ctx) -> Reply:
    guild = _guild(ctx)
    return Reply(
        [payloads.channel(c) for c in guild.channels.values() if not c.is_thread and not c.deleted]
    )


async def get_guild_roles(ctx: Ctx) -> Reply:
    return Reply([payloads.role(r) for r in _guild(ctx).roles.values()])


async def get_guild_member(ctx: Ctx) -> Reply:
    guild = _guild(ctx)
    member = guild.members.get(ctx.int_param("user_id"))
    if member is None:
        raise unknown("Member", UNKNOWN_MEMBER)
    return Reply(payloads.member(member))


async def get_guild_members(ctx: Ctx) -> Reply:
    guild = _guild(ctx)
    try:
        limit = int(ctx.query.get("limit", "1"))
    except ValueError:
        raise ApiError(400, 50035, "Invalid Form Body") from None
    after = int(ctx.query.get("after", "0"))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return Reply([payloads.member(m) for m in members[:limit]])


async def get_active_threads(ctx: Ctx) -> Reply:
    guild = _guild(ctx)
    me = ctx.fake.bot_user.id
    threads = [
        c for c in guild.channels.values() if c.is_thread and not c.deleted and not c.archived
    ]
    return Reply(
        {
            "threads": [payloads.thread(t) for t in threads],
            "members": [
                {
                    "id": str(t.id),
                    "user_id": str(me),
                    "join_timestamp": t.create_timestamp,
                    "flags": 0,
                }
                for t in threads
                if me in t.member_ids
            ],
        }
    )


def register(router: Router) -> None:
    add = router.add
    add("GET", "/gateway", get_gateway, auth=False)
    add("GET", "/gateway/bot", get_gateway_bot)
    add("GET", "/users/@me", get_me)
    add("GET", "/users/{user_id}", get_user)
    add("GET", "/oauth2/applications/@me", get_application)
    add("GET", "/applications/@me", get_application)
    for base in (
        "/applications/{application_id}/commands",
        "/applications/{application_id}/guilds/{guild_id}/commands",
    ):
        add("GET", base, list_commands)
        add("PUT", base, bulk_overwrite)
        add("POST", base, create_command)
        if "guild_id" in base:
            add("GET", base + "/permissions", command_permissions)
        add("GET", base + "/{command_id}", get_command)
        add("PATCH", base + "/{command_id}", edit_command)
        add("DELETE", base + "/{command_id}", delete_command)
    add("GET", "/guilds/{guild_id}", get_guild)
    add("GET", "/guilds/{guild_id}/channels", get_guild_channels)
    add("GET", "/guilds/{guild_id}/roles", get_guild_roles)
    add("GET", "/guilds/{guild_id}/members", get_guild_members)
    add("GET", "/guilds/{guild_id}/members/{user_id}", get_guild_member)
    add("GET", "/guilds/{guild_id}/threads/active", get_active_threads)
