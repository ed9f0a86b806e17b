"""Slash-command option types built on `bot/values.py` (and the query check).

A value that cannot be used raises a `UserError` inside the transformer; discord.py wraps it
in a `TransformerError`, and the tree's `on_error` (bot/app.py) answers with its message,
privately, before the command runs. So every command refuses bad input the same way.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from zoneinfo import available_timezones

import discord
from discord import app_commands

from ..errors import UserError
from ..values import parse_date, parse_time, parse_timezone

MAX_QUERY = 300
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
    "Asia/Kolkata", "Asia/Shanghai", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul",
    "Australia/Sydney",
)
CHOICES = 25  # Discord's autocomplete limit

_EMPTY_HINT = {
    "query": "type a few words, an arXiv id or a link",
    "name": "type a name as it appears in the digests, or a Hugging Face user name",
    "question": "ask in plain words, e.g. “what is speculative decoding?”",
}


def check_query(text: str, what: str = "query") -> str:
    """The text with white space collapsed and invisible characters (zero-width spaces,
    direction marks) removed; UserError when nothing is left or it is too long."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    cleaned = " ".join(visible.split())
    if not cleaned:
        raise UserError(f"The {what} is empty: {_EMPTY_HINT[what]}.")
    if len(cleaned) > MAX_QUERY:
        raise UserError(f"That {what} is {len(cleaned):,} characters long; keep it under"
                        f" {MAX_QUERY} — a few distinctive words work best.")
    return cleaned


class TextOption(app_commands.Transformer):
    """Free text checked by `check_query`; `what` names it in the messages."""

    def __init__(self, what: str) -> None:
        self.what = what

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        return check_query(value, self.what)


class DateOption(app_commands.Transformer):
    """`YYYY-MM-DD` (see `values.parse_date`), passed on as that ISO string."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        return parse_date(value).isoformat()


class TimeOption(app_commands.Transformer):
    """A 24-hour time of day (see `values.parse_time`)."""

    async def transform(self, interaction: discord.Interaction, value: str) -> dt.time:
        return parse_time(value)


class TimeZoneOption(app_commands.Transformer):
    """An IANA zone name, offered as one types (see `values.parse_timezone`)."""

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        return parse_timezone(value)

    async def autocomplete(  # type: ignore[override]  # discord.py types it loosely
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        needle = value.strip().lower().replace(" ", "_")
        zones = COMMON_ZONES if not needle else sorted(
            z for z in available_timezones() if needle in z.lower())
        return [app_commands.Choice(name=z, value=z) for z in zones[:CHOICES]]


Query = app_commands.Transform[str, TextOption("query")]
Name = app_commands.Transform[str, TextOption("name")]
Question = app_commands.Transform[str, TextOption("question")]
Date = app_commands.Transform[str, DateOption]
Time = app_commands.Transform[dt.time, TimeOption]
TimeZone = app_commands.Transform[str, TimeZoneOption]
