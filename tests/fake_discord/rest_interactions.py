"""REST routes: interaction callbacks and the interaction webhook (follow-ups, @original)."""

from __future__ import annotations

import time
from typing import Any

from .errors import (
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    raise_if,
    unknown,
)
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    VALID_CALLBACKS,
    InteractionRecord,
)
from .limits import EPHEMERAL, LOADING, FormErrors, check_autocomplete, check_modal
from .messages import CHAT_INPUT_COMMAND, CONTEXT_MENU_COMMAND, DEFAULT, apply_edit, build_message
from .models import StoredMessage
from .server import Ctx, Reply, Router


def _message_type(record: InteractionRecord) -> int:
    if record.type != APPLICATION_COMMAND:
        return DEFAULT
    return (
        CHAT_INPUT_COMMAND if record.payload["data"].get("type", 1) == 1 else CONTEXT_MENU_COMMAND
    )


def _emit_create(ctx: Ctx, stored: StoredMessage) -> None:
    if not stored.ephemeral:
        ctx.fake._emit_message("MESSAGE_CREATE", stored)


def _emit_update(ctx: Ctx, stored: StoredMessage) -> None:
    if not stored.ephemeral:
        ctx.fake._emit_message("MESSAGE_UPDATE", stored)


def _create(
    ctx: Ctx, record: InteractionRecord, payload: dict[str, Any], *, extra_flags: int = 0
) -> StoredMessage:
    fake = ctx.fake
    return build_message(
        fake,
        channel_id=record.channel_id,
        guild_id=record.guild_id,
        author=fake.bot_user,
        payload=payload,
        files=ctx.files,
        type=_message_type(record),
        webhook_id=fake.application_id,
        interaction=fake._interaction_metadata(record),
        allow_ephemeral=True,
        extra_flags=extra_flags,
    )


async def callback(ctx: Ctx) -> Reply:
    fake = ctx.fake
    record = fake.interactions.get(ctx.int_param("interaction_id"))
    if record is None or record.token != ctx.params["token"]:
        raise unknown("interaction", UNKNOWN_INTERACTION)
    record.requests.append(ctx.record)
    if record.callback_type is not None:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    dispatched = record.dispatched_at or record.created
    if ctx.record.time - dispatched > fake.interaction_timeout:
        raise ApiError(404, UNKNOWN_INTERACTION, "Unknown interaction", violation=True)
    body = ctx.body
    kind = body.get("type")
    data = body.get("data") or {}
    if kind not in VALID_CALLBACKS.get(record.type, ()):
        errors = FormErrors()
        errors.add(
            ("type",),
            "INTERACTION_RESPONSE_TYPE_INVALID",
            f"Interaction response type {kind} is not valid for interaction type {record.type}",
        )
        raise_if(errors)
    message: StoredMessage | None = None
    if kind == CHANNEL_MESSAGE:
        message = _create(ctx, record, data)
        _emit_create(ctx, message)
    elif kind == DEFERRED_CHANNEL_MESSAGE:
        message = _create(ctx, record, {"flags": data.get("flags") or 0}, extra_flags=LOADING)
        _emit_create(ctx, message)
    elif kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
        source = fake.stored.get(record.source_message_id or 0)
        if source is None or source.deleted:
            raise unknown("Message", UNKNOWN_MESSAGE)
        message = source
        if kind == UPDATE_MESSAGE:
            apply_edit(fake, source, data, ctx.files)
            _emit_update(ctx, source)
    elif kind == AUTOCOMPLETE_RESULT:
        raise_if(check_autocomplete(data))
    elif kind == MODAL:
        raise_if(check_modal(data))
    record.callback_type = kind
    record.callback_data = data
    record.callback_at = ctx.record.time
    if message is not None:
        record.original_message_id = message.id
        record.original_edits_at_ack = message.edits
    fake._changed()
    if not ctx.flag("with_response"):
        return Reply(None, 204)
    info: dict[str, Any] = {"id": str(record.id), "type": record.type}
    response: dict[str, Any] = {"interaction": info}
    if message is not None:
        info["response_message_id"] = str(message.id)
        info["response_message_loading"] = kind == DEFERRED_CHANNEL_MESSAGE
        info["response_message_ephemeral"] = message.ephemeral
        if kind != DEFERRED_UPDATE_MESSAGE:
            response["resource"] = {"type": kind, "message": message.data}
    return Reply(response)


# Webhook (follow-ups and the original response) -----------------------------------------------


def _webhook_record(ctx: Ctx) -> InteractionRecord:
    fake = ctx.fake
    record = fake._tokens.get(ctx.params["token"])
    if record is None or ctx.int_param("application_id") != fake.application_id:
        raise unknown("Webhook", UNKNOWN_WEBHOOK)
    record.requests.append(ctx.record)
    if time.monotonic() - record.created > fake.interaction_token_ttl:
        raise ApiError(401, 50027, "Invalid Webhook Token")
    if record.callback_type is None:
        raise unknown("Webhook", UNKNOWN_WEBHOOK)
    return record


def _target(ctx: Ctx, record: InteractionRecord) -> StoredMessage:
    fake = ctx.fake
    raw = ctx.params.get("message_id", "@original")
    if raw == "@original":
        mid = record.original_message_id
    else:
        mid = ctx.int_param("message_id")
        if mid != record.original_message_id and mid not in record.followup_ids:
            mid = None
    stored = fake.stored.get(mid) if mid is not None else None
    if stored is None or stored.deleted:
        raise unknown("Message", UNKNOWN_MESSAGE)
    return stored


async def followup(ctx: Ctx) -> Reply:
    fake = ctx.fake
    record = _webhook_record(ctx)
    body = ctx.body
    original = fake.stored.get(record.original_message_id or 0)
    filling = (
        record.callback_type == DEFERRED_CHANNEL_MESSAGE
        and not record.deferred_filled
        and original is not None
        and not original.deleted
        and bool(original.data["flags"] & LOADING)
    )
    if filling:
        assert original is not None
        # The first follow-up to a deferred response becomes the response: its ephemerality
        # comes from the deferral, the flags sent now are ignored.
        edit = {k: v for k, v in body.items() if k != "flags"}
        apply_edit(fake, original, edit, ctx.files, allow_ephemeral=True)
        record.deferred_filled = True
        _emit_update(ctx, original)
        stored = original
    else:
        stored = _create(ctx, record, body)
        record.followup_ids.append(stored.id)
        _emit_create(ctx, stored)
    fake._changed()
    if ctx.query.get("wait", "true").lower() in ("0", "false"):
        return Reply(None, 204)
    return Reply(stored.data)


async def get_webhook_message(ctx: Ctx) -> Reply:
    record = _webhook_record(ctx)
    return Reply(_target(ctx, record).data)


async def edit_webhook_message(ctx: Ctx) -> Reply:
    fake = ctx.fake
    record = _webhook_record(ctx)
    stored = _target(ctx, record)
    body = dict(ctx.body)
    if "flags" in body and body["flags"] is not None:
        body["flags"] = body["flags"] & ~EPHEMERAL
    apply_edit(fake, stored, body, ctx.files, allow_ephemeral=True)
    if stored.id == record.original_message_id and record.callback_type == DEFERRED_CHANNEL_MESSAGE:
        record.deferred_filled = True
    _emit_update(ctx, stored)
    return Reply(stored.data)


async def delete_webhook_message(ctx: Ctx) -> Reply:
    fake = ctx.fake
    record = _webhook_record(ctx)
    stored = _target(ctx, record)
    stored.deleted = True
    if not stored.ephemeral:
        data: dict[str, Any] = {"id": str(stored.id), "channel_id": str(stored.channel_id)}
        if stored.guild_id:
            data["guild_id"] = str(stored.guild_id)
        fake._emit("MESSAGE_DELETE", data)
    fake._changed()
    return Reply(None, 204)


def register(router: Router) -> None:
    add = router.add
    add("POST", "/interactions/{interaction_id}/{token}/callback", callback, auth=False)
    hook = "/webhooks/{application_id}/{token}"
    add("POST", hook, followup, auth=False)
    for suffix in ("/messages/@original", "/messages/{message_id}"):
        add("GET", hook + suffix, get_webhook_message, auth=False)
        add("PATCH", hook + suffix, edit_webhook_message, auth=False)
        add("DELETE", hook + suffix, delete_webhook_message, auth=False)
