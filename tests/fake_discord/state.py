"""The fake's world: application, bot user, guilds, channels, members, messages, commands."""

from __future__ import annotations

import copy
from typing import Any

from . import payloads
from .models import (
    CATEGORY,
    MEMBER_OVERWRITE,
    PUBLIC_THREAD,
    ROLE_OVERWRITE,
    TEXT,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Overwrite,
    StoredMessage,
)
from .permissions import ALL_PERMISSIONS, DEFAULT_BOT, DEFAULT_EVERYONE, as_int, channel_permissions
from .snowflake import SnowflakeGenerator, iso_now

ChannelRef = FakeChannel | int | str | dict[str, Any] | Any
GuildRef = FakeGuild | int | str | Any
UserRef = FakeUser | FakeMember | int | str | Any


def ref_id(ref: Any) -> int:
    """The snowflake of a fake object, a payload dict, a discord.py object or an int/str."""
    if isinstance(ref, bool):
        raise TypeError(f"not an id: {ref!r}")
    if isinstance(ref, int):
        return ref
    if isinstance(ref, str):
        return int(ref)
    if isinstance(ref, dict):
        return int(ref["id"])
    ident = getattr(ref, "id", None)
    if ident is None:
        raise TypeError(f"cannot find an id in {ref!r}")
    return int(ident)


class DiscordState:
    """Holds everything the fake Discord knows and helpers to configure it."""

    def __init__(
        self,
        *,
        bot_name: str = "Paperboy",
        application_id: int | None = None,
        token: str = "fake-token",
        application_flags: int = 0,
    ) -> None:
        self.ids = SnowflakeGenerator()
        self.token = token
        self.application_id = application_id or self.ids.next()
        self.application_flags = application_flags
        # Since 2020 a bot's user id equals its application id.
        self.bot_user = FakeUser(self.application_id, bot_name, bot=True)
        self.app_owner = FakeUser(self.ids.next(), "app-owner")
        self.users: dict[int, FakeUser] = {
            self.bot_user.id: self.bot_user,
            self.app_owner.id: self.app_owner,
        }
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.stored: dict[int, StoredMessage] = {}
        self.uploads: dict[int, bytes] = {}  # attachment id → its bytes (uploads.py)
        self._channel_message_ids: dict[int, list[int]] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # user id → the DM channel (rest_dms)
        self.closed_dms: set[int] = set()  # users whose DMs are closed to the bot
        self.global_commands: dict[int, dict[str, Any]] = {}
        self.guild_commands: dict[int, dict[int, dict[str, Any]]] = {}
        self.tester = self.add_user("tester", global_name="Tester")

    # Hooks overridden by the running fake -----------------------------------------------

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event (no-op until a gateway exists)."""

    def _changed(self) -> None:
        """Wake up anything waiting on state changes."""

    # Users --------------------------------------------------------------------------------

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False
    ) -> FakeUser:
        user = FakeUser(self.ids.next(), username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def user(self, ref: UserRef) -> FakeUser:
        if isinstance(ref, FakeMember):
            return ref.user
        if isinstance(ref, FakeUser):
            return ref
        return self.users[ref_id(ref)]

    # Guilds -------------------------------------------------------------------------------

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        owner: FakeUser | None = None,
        everyone_permissions: Any = DEFAULT_EVERYONE,
        bot_permissions: Any = DEFAULT_BOT,
        channels: tuple[str, ...] | list[str] = ("general",),
        add_tester: bool = True,
        locale: str = "en-US",
    ) -> FakeGuild:
        """A guild the bot is in: @everyone, the bot's managed role, text channels, members.

        ``bot_permissions`` are given to the bot's managed role (as on a bot invite).
        The ``tester`` user is added as a plain member unless ``add_tester=False``.
        """
        gid = self.ids.next()
        owner = owner or self.add_user(f"owner-{len(self.guilds) + 1}")
        self.users.setdefault(owner.id, owner)
        guild = FakeGuild(gid, name, owner.id, preferred_locale=locale, joined_at=iso_now())
        guild.roles[gid] = FakeRole(gid, gid, "@everyone", as_int(everyone_permissions))
        bot_role = FakeRole(
            self.ids.next(),
            gid,
            self.bot_user.username,
            as_int(bot_permissions),
            position=1,
            managed=True,
            tags={"bot_id": str(self.bot_user.id)},
        )
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id
        self.guilds[gid] = guild
        self._put_member(guild, owner, [])
        self._put_member(guild, self.bot_user, [bot_role.id])
        if add_tester:
            self._put_member(guild, self.tester, [])
        for channel_name in channels:
            self.add_text_channel(guild, channel_name)
        return guild

    def guild(self, ref: GuildRef | None = None) -> FakeGuild:
        """A guild by reference; the first guild when ``ref`` is None."""
        if ref is None:
            if not self.guilds:
                raise LookupError("no guild configured: call fake.add_guild() first")
            return next(iter(self.guilds.values()))
        if isinstance(ref, FakeGuild):
            return ref
        return self.guilds[ref_id(ref)]

    def add_role(
        self,
        guild: GuildRef | None = None,
        name: str = "role",
        permissions: Any = 0,
        *,
        mentionable: bool = False,
        position: int | None = None,
    ) -> FakeRole:
        g = self.guild(guild)
        pos = position if position is not None else len(g.roles)
        role = FakeRole(
            self.ids.next(), g.id, name, as_int(permissions), pos, mentionable=mentionable
        )
        g.roles[role.id] = role
        self._emit("GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": payloads.role(role)})
        return role

    def update_role(
        self, role: FakeRole, *, permissions: Any = None, name: str | None = None
    ) -> FakeRole:
        if permissions is not None:
            role.permissions = as_int(permissions)
        if name is not None:
            role.name = name
        self._emit(
            "GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": payloads.role(role)}
        )
        self._changed()
        return role

    # Members ------------------------------------------------------------------------------

    def _put_member(self, guild: FakeGuild, user: FakeUser, role_ids: list[int]) -> FakeMember:
        member = FakeMember(user, guild.id, list(role_ids), joined_at=iso_now())
        guild.members[user.id] = member
        return member

    def add_member(
        self,
        guild: GuildRef | None = None,
        user: FakeUser | None = None,
        *,
        username: str | None = None,
        permissions: Any = None,
        roles: tuple[FakeRole, ...] | list[FakeRole] = (),
        nick: str | None = None,
    ) -> FakeMember:
        """Add a member; ``permissions`` creates a role with exactly those permissions."""
        g = self.guild(guild)
        if user is None:
            user = self.add_user(username or f"user-{len(self.users)}")
        self.users.setdefault(user.id, user)
        role_ids = [r.id for r in roles]
        if permissions is not None:
            role_ids.append(self.add_role(g, f"{user.username}-perms", permissions).id)
        member = self._put_member(g, user, role_ids)
        member.nick = nick
        self._emit("GUILD_MEMBER_ADD", {**payloads.member(member), "guild_id": str(g.id)})
        return member

    def member(self, guild: GuildRef | None, user: UserRef) -> FakeMember | None:
        return self.guild(guild).members.get(ref_id(user))

    # Channels -----------------------------------------------------------------------------

    def add_text_channel(
        self,
        guild: GuildRef | None = None,
        name: str = "general",
        *,
        topic: str | None = None,
        bot_permissions: Any = None,
        allow_bot: Any = 0,
        deny_bot: Any = 0,
        overwrites: tuple[Overwrite, ...] | list[Overwrite] = (),
        category: FakeChannel | None = None,
        nsfw: bool = False,
        slowmode: int = 0,
        type: int = TEXT,
    ) -> FakeChannel:
        """A guild text channel.

        ``bot_permissions`` adds a member overwrite so the bot has exactly those permissions
        here (e.g. ``0`` hides the channel, ``Perm.VIEW_CHANNEL`` makes it read-only);
        ``allow_bot``/``deny_bot`` add a plain member overwrite instead.
        """
        g = self.guild(guild)
        ch = FakeChannel(
            self.ids.next(),
            g.id,
            name,
            type=type,
            position=len([c for c in g.channels.values() if not c.is_thread]),
            topic=topic,
            parent_id=category.id if category else None,
            overwrites=list(overwrites),
            nsfw=nsfw,
            rate_limit_per_user=slowmode,
        )
        if bot_permissions is not None:
            allow = as_int(bot_permissions)
            ch.overwrites.append(
                Overwrite(self.bot_user.id, MEMBER_OVERWRITE, allow, ALL_PERMISSIONS & ~allow)
            )
        elif allow_bot or deny_bot:
            ch.overwrites.append(
                Overwrite(self.bot_user.id, MEMBER_OVERWRITE, as_int(allow_bot), as_int(deny_bot))
            )
        self._add_channel(g, ch)
        return ch

    def add_category(
        self, guild: GuildRef | None = None, name: str = "Text Channels"
    ) -> FakeChannel:
        return self.add_text_channel(guild, name, type=CATEGORY)

    def add_thread(
        self,
        channel: ChannelRef,
        name: str = "thread",
        *,
        owner: UserRef | None = None,
        type: int = PUBLIC_THREAD,
        archived: bool = False,
        locked: bool = False,
        thread_id: int | None = None,
    ) -> FakeChannel:
        parent = self.channel(channel)
        now = iso_now()
        owner_id = ref_id(owner) if owner is not None else self.tester.id
        th = FakeChannel(
            thread_id or self.ids.next(),
            parent.guild_id,
            name,
            type=type,
            parent_id=parent.id,
            owner_id=owner_id,
            archived=archived,
            locked=locked,
            archive_timestamp=now,
            create_timestamp=now,
            member_ids={owner_id},
        )
        self._add_channel(self.guild(parent.guild_id), th)
        return th

    def _add_channel(self, guild: FakeGuild, ch: FakeChannel) -> None:
        guild.channels[ch.id] = ch
        self.channels[ch.id] = ch
        self._channel_message_ids.setdefault(ch.id, [])
        event = "THREAD_CREATE" if ch.is_thread else "CHANNEL_CREATE"
        if ch.is_thread:
            data = payloads.thread(ch, me_id=self.bot_user.id)
            data["newly_created"] = True
        else:
            data = payloads.channel(ch)
        self._emit(event, data)
        self._changed()

    def channel(
        self, ref: ChannelRef | None = None, *, include_deleted: bool = False
    ) -> FakeChannel:
        """A channel (or thread) by reference; the first guild's first text channel if None."""
        if ref is None:
            text = self.guild().text_channels
            if not text:
                raise LookupError("the first guild has no text channel")
            return text[0]
        ch = ref if isinstance(ref, FakeChannel) else self.channels.get(ref_id(ref))
        if ch is None or (ch.deleted and not include_deleted):
            raise LookupError(f"unknown channel {ref!r}")
        return ch

    @property
    def threads(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.is_thread and not c.deleted]

    def set_overwrite(
        self, channel: ChannelRef, target: FakeRole | UserRef, *, allow: Any = 0, deny: Any = 0
    ) -> None:
        """Set (replace) a permission overwrite on a channel and send CHANNEL_UPDATE."""
        ch = self.channel(channel)
        kind = ROLE_OVERWRITE if isinstance(target, FakeRole) else MEMBER_OVERWRITE
        target_id = ref_id(target)
        ch.overwrites = [o for o in ch.overwrites if (o.type, o.id) != (kind, target_id)]
        ch.overwrites.append(Overwrite(target_id, kind, as_int(allow), as_int(deny)))
        self._emit("CHANNEL_UPDATE", payloads.channel(ch))
        self._changed()

    def delete_channel(self, channel: ChannelRef) -> FakeChannel:
        """Delete a channel as a moderator would: CHANNEL_DELETE (or THREAD_DELETE) is sent."""
        ch = self.channel(channel)
        ch.deleted = True
        if ch.is_thread:
            self._emit(
                "THREAD_DELETE",
                {
                    "id": str(ch.id),
                    "guild_id": str(ch.guild_id),
                    "parent_id": str(ch.parent_id),
                    "type": ch.type,
                },
            )
        else:
            self._emit("CHANNEL_DELETE", payloads.channel(ch))
        self._changed()
        return ch

    # Permissions --------------------------------------------------------------------------

    def permissions_for(
        self, channel: ChannelRef | None, user: UserRef, guild: GuildRef | None = None
    ) -> int:
        """Effective permissions of ``user`` in ``channel`` (guild level if channel is None)."""
        ch = self.channel(channel, include_deleted=True) if channel is not None else None
        g = self.guild(ch.guild_id if ch is not None else guild)
        return channel_permissions(g, ch, ref_id(user))

    def bot_permissions(self, channel: ChannelRef) -> int:
        return self.permissions_for(channel, self.bot_user)

    # Messages -----------------------------------------------------------------------------

    def _store(self, stored: StoredMessage) -> StoredMessage:
        self.stored[stored.id] = stored
        self._channel_message_ids.setdefault(stored.channel_id, []).append(stored.id)
        ch = self.channels.get(stored.channel_id)
        if ch is not None and not stored.ephemeral:
            ch.last_message_id = stored.id
            if ch.is_thread:
                ch.message_count += 1
                ch.total_message_sent += 1
        self._changed()
        return stored

    def messages(self, channel: ChannelRef | None = None) -> list[dict[str, Any]]:
        """Messages in a channel now, oldest first: edits applied, deleted/ephemeral left out."""
        cid = self.channel(channel, include_deleted=True).id
        out = []
        for mid in self._channel_message_ids.get(cid, []):
            stored = self.stored[mid]
            if not stored.deleted and not stored.ephemeral:
                out.append(copy.deepcopy(stored.data))
        return out

    def message(self, message: Any) -> dict[str, Any] | None:
        """Any message by id (ephemeral included), as it is now; None if unknown or deleted."""
        stored = self.stored.get(ref_id(message))
        if stored is None or stored.deleted:
            return None
        return copy.deepcopy(stored.data)

    def allowed_mentions(self, message: Any) -> dict[str, Any] | None:
        """The ``allowed_mentions`` the bot sent with a message (None if it sent none)."""
        stored = self.stored.get(ref_id(message))
        return copy.deepcopy(stored.allowed_mentions) if stored else None

    @property
    def all_messages(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(s.data) for s in self.stored.values() if not s.deleted]

    # Commands -----------------------------------------------------------------------------

    def commands(self, guild: GuildRef | None = None) -> list[dict[str, Any]]:
        """Registered application commands: global, or for one guild."""
        if guild is None:
            return copy.deepcopy(list(self.global_commands.values()))
        return copy.deepcopy(list(self.guild_commands.get(ref_id(guild), {}).values()))

    def find_command(
        self, name: str, *, guild: GuildRef | None = None, type: int = 1
    ) -> dict[str, Any] | None:
        scopes = []
        if guild is not None:
            scopes.append(self.guild_commands.get(ref_id(guild), {}))
        scopes.append(self.global_commands)
        for scope in scopes:
            for cmd in scope.values():
                if cmd["name"] == name and cmd.get("type", 1) == type:
                    return cmd
        return None
