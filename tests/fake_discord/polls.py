"""Polls: a message's `poll` validated against Discord's documented limits, votes, and the end
of a poll (its results finalised and the POLL_RESULT message Discord posts).

Limits (discord.com/developers/docs/resources/poll): question text 1-300 characters; 1-10
answers, each with `poll_media.text` 1-55 characters; `duration` 1-768 hours (32 days), 24 by
default; `layout_type` 1; polls cannot be edited. Only the poll's author may end it early
(`POST /channels/{c}/polls/{m}/expire`); an ended poll takes no votes.

Drive it from a test with ``await polls.vote(fake, message, answer_id, user=member)`` and
``polls.end(fake, message)``. Vote events go to sessions with the GUILD_MESSAGE_POLLS intent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from . import payloads
from .errors import ApiError
from .gateway import Intent
from .limits import FormErrors
from .models import StoredMessage
from .server import Ctx, Reply, Router
from .snowflake import iso

if TYPE_CHECKING:
    from .fake import FakeDiscord

QUESTION_MAX = 300
ANSWERS_MAX = 10
ANSWER_TEXT_MAX = 55
DURATION_HOURS_MAX = 768
POLL_RESULT = 46  # the message type Discord posts when a poll ends
POLL_EXPIRED = 520001
CANNOT_EDIT_POLL = 520003
NOT_A_POLL = 520006


def check_poll(errors: FormErrors, poll: Any) -> None:
    """Add Discord's errors for a `poll` request object (None: the message has no poll)."""
    if poll is None:
        return
    if not isinstance(poll, dict):
        errors.add(("poll",), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    question = poll.get("question")
    if not isinstance(question, dict):
        errors.add(("poll", "question"), "BASE_TYPE_REQUIRED", "This field is required")
    else:
        errors.bad_len(("poll", "question", "text"), question.get("text"), 1, QUESTION_MAX)
    answers = poll.get("answers")
    if not isinstance(answers, list) or not 1 <= len(answers) <= ANSWERS_MAX:
        errors.add(("poll", "answers"), "BASE_TYPE_BAD_LENGTH",
                   f"Must be between 1 and {ANSWERS_MAX} in length.")
        answers = answers if isinstance(answers, list) else []
    for index, answer in enumerate(answers):
        media = answer.get("poll_media") if isinstance(answer, dict) else None
        path = ("poll", "answers", index, "poll_media")
        if not isinstance(media, dict):
            errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            continue
        errors.bad_len((*path, "text"), media.get("text"), 1, ANSWER_TEXT_MAX)
    duration = poll.get("duration")
    if isinstance(duration, float) and duration.is_integer():
        duration = int(duration)  # discord.py sends hours as a float: Discord takes 24.0
    errors.int_range(("poll", "duration"), duration, 1, DURATION_HOURS_MAX)
    layout = poll.get("layout_type")
    if layout is not None and layout != 1:
        errors.add(("poll", "layout_type"), "BASE_TYPE_CHOICES", "Value must be one of (1,).")


def poll_object(request: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """The poll as a message carries it: answer ids 1..n, an expiry, empty results."""
    now = now or dt.datetime.now(dt.UTC)
    hours = int(request.get("duration") or 24)
    answers = [{"answer_id": number, "poll_media": dict(answer["poll_media"])}
               for number, answer in enumerate(request["answers"], 1)]
    return {
        "question": dict(request["question"]),
        "answers": answers,
        "expiry": iso(now + dt.timedelta(hours=hours)),
        "allow_multiselect": bool(request.get("allow_multiselect", False)),
        "layout_type": 1,
        "results": {"is_finalized": False, "answer_counts": [
            {"id": a["answer_id"], "count": 0, "me_voted": False} for a in answers]},
    }


def check_poll_edit(payload: dict[str, Any]) -> None:
    if payload.get("poll") is not None:
        raise ApiError(400, CANNOT_EDIT_POLL, "Cannot edit a poll message")


def _poll_of(stored: StoredMessage) -> dict[str, Any]:
    poll = stored.data.get("poll")
    if not isinstance(poll, dict):
        raise ApiError(400, NOT_A_POLL, "Cannot expire a non-poll message")
    return poll


def _counts(poll: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {entry["id"]: entry for entry in poll["results"]["answer_counts"]}


async def vote(fake: FakeDiscord, message: Any, answer_id: int, *, user: Any = None) -> None:
    """A member votes for `answer_id` (the tester by default), as the Discord client would."""
    stored = fake._stored(message)
    poll = _poll_of(stored)
    if poll["results"]["is_finalized"]:
        raise ValueError("the poll has ended: Discord takes no more votes")
    member = fake.user(user) if user is not None else fake.tester
    counts = _counts(poll)
    if answer_id not in counts:
        raise ValueError(f"the poll has no answer {answer_id}")
    voters = stored.poll_voters
    mine = [a for a, users in voters.items() if member.id in users]
    if answer_id in mine:
        return
    if mine and not poll["allow_multiselect"]:
        raise ValueError("one vote per member in a single-choice poll: remove it first")
    voters.setdefault(answer_id, set()).add(member.id)
    counts[answer_id]["count"] += 1
    counts[answer_id]["me_voted"] = fake.bot_user.id in voters[answer_id]
    data = {"user_id": str(member.id), "channel_id": str(stored.channel_id),
            "message_id": str(stored.id), "answer_id": answer_id}
    if stored.guild_id:
        data["guild_id"] = str(stored.guild_id)
    intent = Intent.GUILD_MESSAGE_POLLS if stored.guild_id else Intent.DIRECT_MESSAGE_POLLS
    for session in fake.sessions:
        if session.owns_guild(stored.guild_id) and session.has(intent):
            session.push("MESSAGE_POLL_VOTE_ADD", data)
    fake._changed()


def end(fake: FakeDiscord, message: Any) -> dict[str, Any]:
    """The poll ends (its time ran out): results finalised, MESSAGE_UPDATE, and the
    POLL_RESULT message in the channel. Returns the result message."""
    from .messages import build_message, gateway_message  # messages imports this module

    stored = fake._stored(message)
    poll = _poll_of(stored)
    if poll["results"]["is_finalized"]:
        raise ApiError(400, POLL_EXPIRED, "Poll expired")
    poll["results"]["is_finalized"] = True
    fake._emit("MESSAGE_UPDATE", gateway_message(fake, stored))
    counts = poll["results"]["answer_counts"]
    total = sum(entry["count"] for entry in counts)
    best = max((entry["count"] for entry in counts), default=0)
    leaders = [entry["id"] for entry in counts if entry["count"] == best]
    fields = [{"name": "poll_question_text", "value": poll["question"]["text"], "inline": False},
              {"name": "total_votes", "value": str(total), "inline": False}]
    if best > 0 and len(leaders) == 1:  # Discord names no victor for a tie or no votes
        answer = next(a for a in poll["answers"] if a["answer_id"] == leaders[0])
        fields += [
            {"name": "victor_answer_id", "value": str(leaders[0]), "inline": False},
            {"name": "victor_answer_text", "value": answer["poll_media"]["text"],
             "inline": False},
            {"name": "victor_answer_votes", "value": str(best), "inline": False},
        ]
    author = fake.users[int(stored.data["author"]["id"])]
    result = build_message(
        fake,
        channel_id=stored.channel_id,
        guild_id=stored.guild_id,
        author=author,
        payload={"embeds": [{"type": "poll_result", "fields": fields}],
                 "message_reference": {"message_id": str(stored.id),
                                       "channel_id": str(stored.channel_id)},
                 "allowed_mentions": {"parse": []}},
        type=POLL_RESULT,
        validate=False,
    )
    fake._emit("MESSAGE_CREATE", gateway_message(fake, result))
    return result.data


async def expire(ctx: Ctx) -> Reply:
    from .rest_channels import _channel, _message, _require  # it imports messages, and so this

    ch = _channel(ctx)
    _require(ctx, ch, 0)
    stored = _message(ctx, ch)
    _poll_of(stored)
    if stored.data["author"]["id"] != str(ctx.fake.bot_user.id):
        raise ApiError(403, 50005, "Cannot expire a poll authored by another user")
    end(ctx.fake, stored)
    return Reply(stored.data)


async def answer_voters(ctx: Ctx) -> Reply:
    from .rest_channels import _channel, _message, _require

    ch = _channel(ctx)
    _require(ctx, ch, 0)
    stored = _message(ctx, ch)
    _poll_of(stored)
    users = sorted(stored.poll_voters.get(ctx.int_param("answer_id"), set()))
    return Reply({"users": [payloads.user(ctx.fake.users[u]) for u in users]})


def register(router: Router) -> None:
    router.add("POST", "/channels/{channel_id}/polls/{message_id}/expire", expire)
    router.add("GET", "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}",
               answer_voters)
