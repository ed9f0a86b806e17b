"""Interactions from a direct message with the bot: no server, no member, a DM channel.

    card = put_in_dm(fake, guild_card, user)        # the bot's message, now in a DM
    result = await dm_click(fake, card, custom_id)  # pressed there by `user`

Discord sends such an interaction with ``user`` instead of ``member``, no ``guild_id``, the
channel as a DM (type 1) and the context "bot DM" (1). The DM channel is the fake's alone:
one per user, made on first use.
"""

from __future__ import annotations

import copy
import secrets
import time
import weakref
from typing import TYPE_CHECKING, Any

from . import payloads
from .drivers import ATTACHMENT_SIZE_LIMIT
from .interactions import MESSAGE_COMPONENT, InteractionRecord, InteractionResult
from .messages import build_message

if TYPE_CHECKING:
    from .fake import FakeDiscord

DM_CHANNEL = 1
BOT_DM_CONTEXT = 1
_DM_IDS: weakref.WeakKeyDictionary[FakeDiscord, dict[int, int]] = weakref.WeakKeyDictionary()


def dm_channel_id(fake: FakeDiscord, user: Any) -> int:
    """The id of the DM channel between the bot and `user`."""
    channels = _DM_IDS.setdefault(fake, {})
    return channels.setdefault(fake.user(user).id, fake.ids.next())


def put_in_dm(fake: FakeDiscord, message: dict[str, Any], user: Any = None) -> dict[str, Any]:
    """The bot's copy of `message` (its embeds and components) sent to `user`'s DMs."""
    target = fake.user(user) if user is not None else fake.tester
    stored = build_message(
        fake,
        channel_id=dm_channel_id(fake, target),
        guild_id=None,
        author=fake.bot_user,
        payload={k: copy.deepcopy(message[k]) for k in ("content", "embeds", "components")
                 if message.get(k)},
    )
    return copy.deepcopy(stored.data)


async def dm_click(fake: FakeDiscord, message: dict[str, Any], custom_id: str, *,
                   user: Any = None, timeout: float = 5.0) -> InteractionResult:
    """Press the button `custom_id` on a bot message in `user`'s DMs (see `put_in_dm`)."""
    stored = fake.stored[int(message["id"])]
    target = fake.user(user) if user is not None else fake.tester
    component = fake._component(stored, custom_id)
    if component.get("type") != 2:
        raise ValueError(f"{custom_id!r} is not a button")
    iid = fake.ids.next()
    token = "fake." + secrets.token_urlsafe(48)
    who = payloads.user(target)
    payload = {
        "id": str(iid),
        "application_id": str(fake.application_id),
        "type": MESSAGE_COMPONENT,
        "data": {"custom_id": custom_id, "component_type": 2, "id": component.get("id")},
        "token": token,
        "version": 1,
        "locale": "en-US",
        "channel_id": str(stored.channel_id),
        "channel": {"id": str(stored.channel_id), "type": DM_CHANNEL, "recipients": [who],
                    "last_message_id": str(stored.id), "flags": 0},
        "user": who,
        "message": copy.deepcopy(stored.data),
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {"0": "0"},
        "context": BOT_DM_CONTEXT,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    record = InteractionRecord(id=iid, token=token, type=MESSAGE_COMPONENT, payload=payload,
                               guild_id=None, channel_id=stored.channel_id, user_id=target.id,
                               source_message_id=stored.id, created=time.monotonic())
    fake.interactions[iid] = record
    fake._tokens[token] = record
    return await fake._send(record, wait=True, timeout=timeout)
