"""What may be typed for a date, a time of day, a time zone and the digest URL template.

One parser each, used by every caller: the CLI and the console, the slash commands (through
`bot/cogs/options.py`), the settings and the search engine. A refused value raises `BadValue`
(a `UserError`) whose message quotes it and says what to type instead. The only import is
`bot/errors.py`, which imports nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import UserError

# ASCII digits only: `\d` would let Arabic-Indic and other digits through.
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_RE = re.compile(r"([0-9]{1,2})[:.h]([0-9]{2})")
URL_PLACEHOLDERS = frozenset({"yyyy", "mm", "dd", "date"})


class BadValue(UserError, ValueError):
    """A date, time, zone or template that cannot be used; the message says why."""


def _quoted(text: str, limit: int) -> str:
    return f"“{text.strip()[:limit]}”"


def _named(name: str | None, problem: str) -> str:
    return f"{name}: {problem}" if name else problem


def parse_date(text: str, name: str | None = None) -> dt.date:
    """`YYYY-MM-DD`, a day that exists; white space around it is ignored.

    Nothing else: not `20250307` nor `2025-W10-5`, which `date.fromisoformat` also takes.
    `name` (an option or setting) starts the error message.
    """
    cleaned = text.strip()
    if _DATE_RE.fullmatch(cleaned):
        try:
            return dt.date.fromisoformat(cleaned)
        except ValueError:
            pass
    raise BadValue(_named(name, f"{_quoted(text, 20)} is not a date: use YYYY-MM-DD,"
                                " e.g. 2025-03-07"))


def parse_time(text: str, name: str | None = None) -> dt.time:
    """A 24-hour time of day: `9:00`, `09:00`, `21.30` or `21h30`; white space around it is
    ignored."""
    match = _TIME_RE.fullmatch(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise BadValue(_named(name, f"{_quoted(text, 20)} is not a time: use HH:MM, 24-hour,"
                                    " e.g. 09:00"))
    return dt.time(int(match.group(1)), int(match.group(2)))


def format_time(moment: dt.time) -> str:
    """`HH:MM`, the form times are stored and shown in."""
    return f"{moment:%H:%M}"


def parse_timezone(text: str) -> str:
    """An IANA zone name (`Europe/Berlin`), matched without case; `UTC`, `GMT` and `Z` are UTC.
    Returns the name as the zone database spells it."""
    cleaned = text.strip().replace(" ", "_")
    if cleaned.upper() in {"UTC", "Z", "GMT"}:
        return "UTC"
    try:
        ZoneInfo(cleaned)
        return cleaned
    except (ZoneInfoNotFoundError, ValueError):
        pass
    for known in available_timezones():
        if known.lower() == cleaned.lower():
            return known
    raise BadValue(f"{_quoted(text, 40)} is not a time zone I know: use an IANA name such as"
                   " Europe/Berlin, America/New_York or UTC")


def url_template_problem(template: str) -> str | None:
    """What is wrong with a digest URL template, or None if it is usable. The problem never
    quotes the template: it may hold a key."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        return f"not a valid template ({error})"
    unknown = names - URL_PLACEHOLDERS
    if unknown:
        shown = ", ".join("{" + name + "}" for name in sorted(unknown))
        return f"unknown placeholder {shown}; use {{yyyy}} {{mm}} {{dd}} or {{date}}"
    if "date" not in names and not {"yyyy", "mm", "dd"} <= names:
        return "must contain {date} or all of {yyyy}, {mm} and {dd}"
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an http:// or https:// URL"
    return None
