"""Interaction bookkeeping and the result object test drivers return."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import WaitTimeout
from .limits import EPHEMERAL, LOADING
from .models import RequestRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from .fake import FakeDiscord

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Which callback types Discord accepts for each interaction type.
VALID_CALLBACKS: dict[int, tuple[int, ...]] = {
    PING: (PONG,),
    APPLICATION_COMMAND: (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL),
    MESSAGE_COMPONENT: (
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    ),
    AUTOCOMPLETE: (AUTOCOMPLETE_RESULT,),
    MODAL_SUBMIT: (
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    ),
}


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    payload: dict[str, Any]
    guild_id: int | None
    channel_id: int
    user_id: int
    source_message_id: int | None
    created: float
    dispatched_at: float | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    callback_at: float | None = None
    original_message_id: int | None = None
    original_edits_at_ack: int = 0
    deferred_filled: bool = False
    followup_ids: list[int] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)


class InteractionResult:
    """What happened to one interaction the test dispatched.

    ``callback_type``/``callback_data`` are the initial response, ``ack_latency`` the seconds
    from sending INTERACTION_CREATE to the callback arriving.
    """

    def __init__(self, fake: FakeDiscord, record: InteractionRecord) -> None:
        self._fake = fake
        self.record = record

    def __repr__(self) -> str:
        return (
            f"<InteractionResult id={self.id} type={self.record.type} "
            f"callback_type={self.callback_type} ack_latency={self.ack_latency}>"
        )

    # Plain facts --------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def token(self) -> str:
        return self.record.token

    @property
    def payload(self) -> dict[str, Any]:
        """The INTERACTION_CREATE data that was dispatched."""
        return self.record.payload

    @property
    def acknowledged(self) -> bool:
        return self.record.callback_type is not None

    @property
    def callback_type(self) -> int | None:
        return self.record.callback_type

    @property
    def callback_data(self) -> dict[str, Any] | None:
        return copy.deepcopy(self.record.callback_data)

    @property
    def ack_latency(self) -> float | None:
        r = self.record
        if r.callback_at is None or r.dispatched_at is None:
            return None
        return r.callback_at - r.dispatched_at

    @property
    def deferred(self) -> bool:
        return self.callback_type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    @property
    def ephemeral(self) -> bool:
        data = self.record.callback_data or {}
        return bool((data.get("flags") or 0) & EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices (callback type 8)."""
        if self.callback_type != AUTOCOMPLETE_RESULT:
            return None
        return copy.deepcopy((self.record.callback_data or {}).get("choices"))

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (callback type 9)."""
        if self.callback_type != MODAL:
            return None
        return copy.deepcopy(self.record.callback_data)

    @property
    def original_message(self) -> dict[str, Any] | None:
        """The original response message as it is now (None before/without one)."""
        mid = self.record.original_message_id
        return self._fake.message(mid) if mid is not None else None

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Follow-up messages as they are now (deleted ones left out)."""
        out = []
        for mid in self.record.followup_ids:
            msg = self._fake.message(mid)
            if msg is not None:
                out.append(msg)
        return out

    @property
    def messages(self) -> list[dict[str, Any]]:
        original = self.original_message
        return ([original] if original else []) + self.followups

    @property
    def requests(self) -> list[RequestRecord]:
        """REST requests made with this interaction's id or token."""
        return list(self.record.requests)

    # Waiting ------------------------------------------------------------------------------

    async def wait_ack(self, timeout: float = 5.0) -> InteractionResult:
        """Wait for the initial response; gives up early once Discord's deadline
        (``fake.interaction_timeout`` after dispatch) has passed without one."""
        record = self.record
        started = record.dispatched_at or record.created
        hopeless_in = started + self._fake.interaction_timeout + 0.25 - time.monotonic()
        try:
            await self._fake.wait_until(
                lambda: self.acknowledged,
                max(0.0, min(timeout, hopeless_in)),
                f"the bot to acknowledge interaction {self.id}",
            )
        except WaitTimeout as exc:
            tried = [(r.method, r.path, r.status, r.response) for r in self.record.requests]
            raise WaitTimeout(f"{exc}; requests for this interaction: {tried}") from None
        return self

    async def final_message(
        self,
        timeout: float = 5.0,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """The original response once it is complete.

        Deferred (5): waits until the loading message is filled by an edit or first follow-up.
        Deferred update (6): waits until the component message is edited. With ``predicate``,
        also waits until ``predicate(message)`` is true.
        """
        await self.wait_ack(timeout)
        if self.callback_type not in (4, 5, 6, 7):
            raise ValueError(f"callback type {self.callback_type} has no message")
        record = self.record

        def ready() -> bool:
            mid = record.original_message_id
            stored = self._fake.stored.get(mid) if mid is not None else None
            if stored is None or stored.deleted:
                return False
            if stored.data["flags"] & LOADING:
                return False
            if record.callback_type == DEFERRED_UPDATE_MESSAGE and (
                stored.edits <= record.original_edits_at_ack
            ):
                return False
            return predicate is None or bool(predicate(copy.deepcopy(stored.data)))

        await self._fake.wait_until(ready, timeout, f"the final message of interaction {self.id}")
        message = self.original_message
        assert message is not None
        return message

    async def wait_followups(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        await self._fake.wait_until(
            lambda: len(self.followups) >= count,
            timeout,
            f"{count} follow-up(s) to interaction {self.id}",
        )
        return self.followups
