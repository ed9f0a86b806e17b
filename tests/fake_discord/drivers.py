"""Test drivers: dispatch realistic interactions and user messages, like a Discord client would."""

from __future__ import annotations

import copy
import secrets
import time
from typing import TYPE_CHECKING, Any

import discord

from . import payloads
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    InteractionResult,
)
from .messages import build_message
from .models import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, StoredMessage
from .permissions import as_int
from .state import ref_id

if TYPE_CHECKING:
    from .fake import FakeDiscord

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def _infer_type(value: Any) -> int:
    if isinstance(value, FakeUser | FakeMember | discord.abc.User):
        return USER
    if isinstance(value, FakeChannel | discord.abc.GuildChannel | discord.Thread):
        return CHANNEL
    if isinstance(value, FakeRole | discord.Role):
        return ROLE
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, dict):
        return ATTACHMENT
    return STRING


def _walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in components:
        out.append(c)
        out.extend(_walk_components(c.get("components") or []))
        for key in ("accessory", "component"):
            if isinstance(c.get(key), dict):
                out.extend(_walk_components([c[key]]))
    return out


class InteractionDrivers:
    """Mixed into :class:`FakeDiscord`: ``slash``, ``autocomplete``, ``click``, ``select``..."""

    # Context ------------------------------------------------------------------------------

    def _context(
        self: FakeDiscord, guild: Any, channel: Any, user: Any
    ) -> tuple[FakeGuild, FakeChannel, FakeMember]:
        if channel is None:
            ch = self.channel(None) if guild is None else self.guild(guild).text_channels[0]
        else:
            ch = self.channel(channel)
        g = self.guild(ch.guild_id)
        u = self.user(user) if user is not None else self.tester
        member = g.members.get(u.id)
        if member is None:
            raise ValueError(f"{u.username} is not a member of {g.name}: use fake.add_member()")
        return g, ch, member

    def _interaction_metadata(self: FakeDiscord, record: InteractionRecord) -> dict[str, Any]:
        payload = record.payload
        user = payload["member"]["user"] if "member" in payload else payload["user"]
        metadata: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        legacy: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "name": "",
            "user": user,
        }
        if record.type == APPLICATION_COMMAND:
            metadata["name"] = payload["data"]["name"]
            metadata["command_type"] = payload["data"].get("type", 1)
            legacy["name"] = payload["data"]["name"]
        if record.source_message_id is not None:
            metadata["interacted_message_id"] = str(record.source_message_id)
        if record.original_message_id is not None:
            metadata["original_response_message_id"] = str(record.original_message_id)
        return {"metadata": metadata, "legacy": legacy}

    def _new_interaction(
        self: FakeDiscord,
        kind: int,
        data: dict[str, Any],
        *,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        permissions: Any = None,
        locale: str = "en-US",
        message: StoredMessage | None = None,
    ) -> InteractionRecord:
        iid = self.ids.next()
        token = "fake." + secrets.token_urlsafe(48)
        if permissions is None:
            member_perms = self.permissions_for(channel, member.user)
        else:
            member_perms = as_int(permissions)
        channel_data = payloads.channel(channel)
        channel_data["permissions"] = str(member_perms)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {
                "id": str(guild.id),
                "locale": guild.preferred_locale,
                "features": list(guild.features),
            },
            "guild_locale": guild.preferred_locale,
            "locale": locale,
            "channel_id": str(channel.id),
            "channel": channel_data,
            "member": payloads.member(member, permissions=member_perms),
            "app_permissions": str(self.bot_permissions(channel)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if message is not None:
            payload["message"] = copy.deepcopy(message.data)
        record = InteractionRecord(
            id=iid,
            token=token,
            type=kind,
            payload=payload,
            guild_id=guild.id,
            channel_id=channel.id,
            user_id=member.id,
            source_message_id=message.id if message is not None else None,
            created=time.monotonic(),
        )
        self.interactions[iid] = record
        self._tokens[token] = record
        return record

    async def _send(
        self: FakeDiscord, record: InteractionRecord, *, wait: bool, timeout: float
    ) -> InteractionResult:
        def sent() -> None:
            record.dispatched_at = time.monotonic()

        delivered = self.gateway.dispatch(
            "INTERACTION_CREATE",
            record.payload,
            guild_id=record.guild_id,
            on_sent=sent,
            only_one=True,
        )
        if not delivered:
            raise RuntimeError("no bot is connected to the fake gateway to receive the interaction")
        result = InteractionResult(self, record)
        if wait:
            await result.wait_ack(timeout)
        return result

    # Application commands -----------------------------------------------------------------

    def _option_value(
        self: FakeDiscord,
        otype: int,
        value: Any,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        resolved: dict[str, dict[str, Any]],
    ) -> Any:
        if otype == STRING:
            return value if isinstance(value, str) else str(value)
        if otype == INTEGER:
            if isinstance(value, bool):
                raise ValueError(f"integer option got a bool: {value!r}")
            return int(value)
        if otype == BOOLEAN:
            return bool(value)
        if otype == NUMBER:
            return float(value) if isinstance(value, str) else value
        if otype == ATTACHMENT:
            info = dict(value) if isinstance(value, dict) else {"filename": str(value)}
            aid = str(info.get("id") or self.ids.next())
            filename = info.get("filename", "file.txt")
            url = f"https://cdn.discordapp.com/ephemeral-attachments/{channel.id}/{aid}/{filename}"
            resolved.setdefault("attachments", {})[aid] = {
                "id": aid,
                "filename": filename,
                "size": info.get("size", 0),
                "url": url,
                "proxy_url": url,
                "content_type": info.get("content_type", "text/plain"),
                "ephemeral": True,
            }
            return aid
        is_role = isinstance(value, FakeRole | discord.Role)
        if otype == ROLE or (otype == MENTIONABLE and is_role):
            role = guild.roles[ref_id(value)]
            resolved.setdefault("roles", {})[str(role.id)] = payloads.role(role)
            return str(role.id)
        if otype in (USER, MENTIONABLE):
            user = self.user(value)
            resolved.setdefault("users", {})[str(user.id)] = payloads.user(user)
            target = guild.members.get(user.id)
            if target is not None:
                resolved.setdefault("members", {})[str(user.id)] = payloads.member(
                    target, with_user=False, permissions=self.permissions_for(channel, user)
                )
            return str(user.id)
        if otype == CHANNEL:
            ch = self.channel(value)
            data = payloads.channel(ch)
            data["permissions"] = str(self.permissions_for(ch, member.user))
            resolved.setdefault("channels", {})[str(ch.id)] = data
            return str(ch.id)
        raise ValueError(f"unsupported option type {otype}")

    @staticmethod
    def _check_option(schema: dict[str, Any], value: Any) -> None:
        name = schema["name"]
        choices = schema.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"option {name!r}: {value!r} is not one of the command's choices")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if schema.get("min_value") is not None and value < schema["min_value"]:
                raise ValueError(f"option {name!r}: {value} < min_value {schema['min_value']}")
            if schema.get("max_value") is not None and value > schema["max_value"]:
                raise ValueError(f"option {name!r}: {value} > max_value {schema['max_value']}")
        if isinstance(value, str) and schema.get("type") == STRING:
            if schema.get("min_length") is not None and len(value) < schema["min_length"]:
                raise ValueError(f"option {name!r}: shorter than min_length")
            if schema.get("max_length") is not None and len(value) > schema["max_length"]:
                raise ValueError(f"option {name!r}: longer than max_length")

    def _build_options(
        self: FakeDiscord,
        schema: list[dict[str, Any]] | None,
        values: dict[str, Any] | list[dict[str, Any]] | None,
        ctx: tuple[FakeGuild, FakeChannel, FakeMember],
        resolved: dict[str, dict[str, Any]],
        *,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        if isinstance(values, list):
            return copy.deepcopy(values)
        values = dict(values or {})
        by_name = {o["name"]: o for o in schema or []}
        out = []
        for name, value in values.items():
            opt_schema = by_name.get(name)
            if schema is not None and opt_schema is None:
                raise ValueError(
                    f"the registered command has no option {name!r} (has {sorted(by_name)})"
                )
            otype = opt_schema["type"] if opt_schema else _infer_type(value)
            if name == focused:
                out.append({"name": name, "type": otype, "value": str(value), "focused": True})
                continue
            raw = self._option_value(otype, value, *ctx, resolved)
            if opt_schema is not None:
                self._check_option(opt_schema, raw)
            out.append({"name": name, "type": otype, "value": raw})
        if schema is not None and focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"required option(s) missing: {missing}")
        return out

    def _command_data(
        self: FakeDiscord,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None,
        *,
        subcommand: str | None,
        group: str | None,
        ctx: tuple[FakeGuild, FakeChannel, FakeMember],
        guild_command: bool | None,
        focused: str | None = None,
    ) -> dict[str, Any]:
        parts = name.split()
        root = parts[0]
        if len(parts) == 3:
            group, subcommand = parts[1], parts[2]
        elif len(parts) == 2:
            subcommand = parts[1]
        guild = ctx[0]
        command = self.find_command(root, guild=guild)
        schema: list[dict[str, Any]] | None = command.get("options", []) if command else None
        path = []
        if group is not None:
            path.append((SUB_COMMAND_GROUP, group))
        if subcommand is not None:
            path.append((SUB_COMMAND, subcommand))
        for kind, sub in path:
            if schema is not None:
                node = next((o for o in schema if o["name"] == sub and o["type"] == kind), None)
                if node is None:
                    raise ValueError(
                        f"/{root} has no {'group' if kind == 2 else 'subcommand'} {sub!r}"
                    )
                schema = node.get("options", [])
        resolved: dict[str, dict[str, Any]] = {}
        leaf = self._build_options(schema, options, ctx, resolved, focused=focused)
        for kind, sub in reversed(path):
            leaf = [{"name": sub, "type": kind, "options": leaf}]
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self.ids.next()),
            "name": root,
            "type": 1,
        }
        if leaf:
            data["options"] = leaf
        if resolved:
            data["resolved"] = resolved
        in_guild = command is not None and "guild_id" in command
        if guild_command or (guild_command is None and in_guild):
            data["guild_id"] = str(guild.id)
        return data

    async def slash(
        self: FakeDiscord,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        guild: Any = None,
        channel: Any = None,
        user: Any = None,
        permissions: Any = None,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str = "en-US",
        guild_command: bool | None = None,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Invoke ``/name`` (``"group sub"`` names work) and wait for the bot's callback.

        ``options`` maps option names to values; types come from the synced command when
        there is one, otherwise from the Python values (FakeUser/FakeChannel/FakeRole become
        user/channel/role options with ``resolved`` data).
        """
        ctx = self._context(guild, channel, user)
        data = self._command_data(
            name, options, subcommand=subcommand, group=group, ctx=ctx, guild_command=guild_command
        )
        record = self._new_interaction(
            APPLICATION_COMMAND,
            data,
            guild=ctx[0],
            channel=ctx[1],
            member=ctx[2],
            permissions=permissions,
            locale=locale,
        )
        return await self._send(record, wait=wait, timeout=timeout)

    async def autocomplete(
        self: FakeDiscord,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        focused: str | None = None,
        guild: Any = None,
        channel: Any = None,
        user: Any = None,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str = "en-US",
        guild_command: bool | None = None,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction while typing ``focused``; returns the choices."""
        options = dict(options or {})
        if focused is None:
            if len(options) != 1:
                raise ValueError("say which option is focused")
            focused = next(iter(options))
        options.setdefault(focused, "")
        ctx = self._context(guild, channel, user)
        data = self._command_data(
            name,
            options,
            subcommand=subcommand,
            group=group,
            ctx=ctx,
            guild_command=guild_command,
            focused=focused,
        )
        record = self._new_interaction(
            AUTOCOMPLETE, data, guild=ctx[0], channel=ctx[1], member=ctx[2], locale=locale
        )
        result = await self._send(record, wait=True, timeout=timeout)
        if result.callback_type != AUTOCOMPLETE_RESULT:
            raise AssertionError(f"autocomplete answered with callback type {result.callback_type}")
        return result.choices or []

    async def user_command(
        self: FakeDiscord, name: str, target: Any, **kwargs: Any
    ) -> InteractionResult:
        """Invoke a user context-menu command on ``target``."""
        return await self._context_menu(name, 2, target, **kwargs)

    async def message_command(
        self: FakeDiscord, name: str, target: Any, **kwargs: Any
    ) -> InteractionResult:
        """Invoke a message context-menu command on the message ``target``."""
        return await self._context_menu(name, 3, target, **kwargs)

    async def _context_menu(
        self: FakeDiscord,
        name: str,
        kind: int,
        target: Any,
        *,
        guild: Any = None,
        channel: Any = None,
        user: Any = None,
        permissions: Any = None,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> InteractionResult:
        if kind == 3 and channel is None:
            channel = self._stored(target).channel_id
        ctx = self._context(guild, channel, user)
        g, ch, member = ctx
        resolved: dict[str, dict[str, Any]] = {}
        if kind == 2:
            target_id = self._option_value(USER, target, g, ch, member, resolved)
        else:
            stored = self._stored(target)
            target_id = str(stored.id)
            resolved["messages"] = {target_id: copy.deepcopy(stored.data)}
        command = self.find_command(name, guild=g, type=kind)
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self.ids.next()),
            "name": name,
            "type": kind,
            "target_id": target_id,
            "resolved": resolved,
        }
        if command is not None and "guild_id" in command:
            data["guild_id"] = str(g.id)
        record = self._new_interaction(
            APPLICATION_COMMAND, data, guild=g, channel=ch, member=member, permissions=permissions
        )
        return await self._send(record, wait=wait, timeout=timeout)

    # Components ---------------------------------------------------------------------------

    def _stored(self: FakeDiscord, message: Any) -> StoredMessage:
        stored = self.stored.get(ref_id(message))
        if stored is None or stored.deleted:
            raise LookupError(f"no such message: {message!r}")
        return stored

    def _component(self: FakeDiscord, stored: StoredMessage, custom_id: str) -> dict[str, Any]:
        components = _walk_components(stored.data.get("components") or [])
        for c in components:
            if c.get("custom_id") == custom_id:
                if c.get("disabled"):
                    raise ValueError(f"component {custom_id!r} is disabled")
                return c
        known = [c.get("custom_id") for c in components if c.get("custom_id")]
        raise ValueError(f"message {stored.id} has no component {custom_id!r} (has {known})")

    async def _component_interaction(
        self: FakeDiscord,
        stored: StoredMessage,
        data: dict[str, Any],
        *,
        user: Any,
        permissions: Any,
        wait: bool,
        timeout: float,
    ) -> InteractionResult:
        g, ch, member = self._context(None, stored.channel_id, user)
        record = self._new_interaction(
            MESSAGE_COMPONENT,
            data,
            guild=g,
            channel=ch,
            member=member,
            permissions=permissions,
            message=stored,
        )
        return await self._send(record, wait=wait, timeout=timeout)

    async def click(
        self: FakeDiscord,
        message: Any,
        custom_id: str,
        *,
        user: Any = None,
        permissions: Any = None,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Press the button ``custom_id`` on ``message`` (a message dict, id or discord.Message)."""
        stored = self._stored(message)
        component = self._component(stored, custom_id)
        if component.get("type") != 2:
            raise ValueError(f"{custom_id!r} is not a button")
        data = {"custom_id": custom_id, "component_type": 2, "id": component.get("id")}
        return await self._component_interaction(
            stored, data, user=user, permissions=permissions, wait=wait, timeout=timeout
        )

    async def select(
        self: FakeDiscord,
        message: Any,
        custom_id: str,
        values: list[Any],
        *,
        user: Any = None,
        permissions: Any = None,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Choose ``values`` in the select menu ``custom_id`` on ``message``."""
        stored = self._stored(message)
        component = self._component(stored, custom_id)
        kind = component.get("type")
        if kind not in (3, 5, 6, 7, 8):
            raise ValueError(f"{custom_id!r} is not a select menu")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": kind,
            "id": component.get("id"),
        }
        if kind == 3:
            allowed = [o["value"] for o in component.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(f"{bad} are not options of {custom_id!r} ({allowed})")
            data["values"] = list(values)
        else:
            g, ch, member = self._context(None, stored.channel_id, user)
            resolved: dict[str, dict[str, Any]] = {}
            otype = {5: USER, 6: ROLE, 7: CHANNEL, 8: MENTIONABLE}[kind]
            data["values"] = [self._option_value(otype, v, g, ch, member, resolved) for v in values]
            data["resolved"] = resolved
        return await self._component_interaction(
            stored, data, user=user, permissions=permissions, wait=wait, timeout=timeout
        )

    async def submit_modal(
        self: FakeDiscord,
        opened: InteractionResult,
        values: dict[str, Any],
        *,
        wait: bool = True,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened in answer to ``opened``."""
        modal = opened.modal
        if modal is None:
            raise ValueError("that interaction was not answered with a modal")
        unused = set(values)

        def text(c: dict[str, Any]) -> dict[str, Any]:
            cid = c["custom_id"]
            unused.discard(cid)
            value = values.get(cid, c.get("value") or "")
            if c.get("required", True) and not value:
                raise ValueError(f"text input {cid!r} is required")
            if c.get("max_length") is not None and len(value) > c["max_length"]:
                raise ValueError(f"text input {cid!r} is longer than {c['max_length']}")
            if value and c.get("min_length") is not None and len(value) < c["min_length"]:
                raise ValueError(f"text input {cid!r} is shorter than {c['min_length']}")
            return {"type": 4, "id": c.get("id"), "custom_id": cid, "value": value}

        def inner(c: dict[str, Any]) -> dict[str, Any]:
            if c.get("type") == 4:
                return text(c)
            cid = c.get("custom_id")
            unused.discard(cid)
            chosen = values.get(cid, [])
            return {
                "type": c.get("type"),
                "id": c.get("id"),
                "custom_id": cid,
                "values": list(chosen),
            }

        components = []
        for c in modal.get("components") or []:
            if c.get("type") == 1:
                components.append(
                    {
                        "type": 1,
                        "id": c.get("id"),
                        "components": [inner(x) for x in c["components"]],
                    }
                )
            elif c.get("type") == 18:
                components.append(
                    {"type": 18, "id": c.get("id"), "component": inner(c["component"])}
                )
            else:
                components.append({"type": c.get("type"), "id": c.get("id")})
        if unused:
            raise ValueError(f"the modal has no input(s) {sorted(unused)}")
        source = opened.record
        message = self.stored.get(source.source_message_id) if source.source_message_id else None
        g, ch, member = self._context(source.guild_id, source.channel_id, source.user_id)
        record = self._new_interaction(
            MODAL_SUBMIT,
            {"custom_id": modal["custom_id"], "components": components},
            guild=g,
            channel=ch,
            member=member,
            message=message,
        )
        return await self._send(record, wait=wait, timeout=timeout)

    # Messages from users ------------------------------------------------------------------

    async def user_message(
        self: FakeDiscord,
        channel: Any = None,
        content: str = "",
        *,
        author: Any = None,
        mentions_bot: bool = True,
        reply_to: Any = None,
        embeds: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A member posts in a channel (MESSAGE_CREATE). With ``mentions_bot`` the content
        starts with the bot's mention, so the bot sees it even without MESSAGE_CONTENT."""
        g, ch, member = self._context(None, channel, author)
        mention = f"<@{self.bot_user.id}>"
        if mentions_bot and mention not in content and f"<@!{self.bot_user.id}>" not in content:
            content = f"{mention} {content}".rstrip()
        payload: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            payload["message_reference"] = {
                "message_id": str(ref_id(reply_to)),
                "channel_id": str(ch.id),
            }
        stored = build_message(
            self,
            channel_id=ch.id,
            guild_id=g.id,
            author=member.user,
            payload=payload,
            author_perms=self.permissions_for(ch, member.user),
        )
        self._emit_message("MESSAGE_CREATE", stored)
        return copy.deepcopy(stored.data)
