"""When a server's daily digest is due: pure functions of settings, clock and digest dates."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import UserError

_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


class ScheduleError(UserError, ValueError):
    """A time, date or zone the user typed that cannot be used; the message says why."""


def parse_time(text: str) -> str:
    """`9:00`, `09:00`, `21.30` → `HH:MM`."""
    match = _TIME_RE.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(f"“{text[:20]}” is not a time: use HH:MM, 24-hour, e.g. 09:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_timezone(name: str) -> str:
    """An IANA zone name (`Europe/Berlin`, `UTC`), matched case-insensitively."""
    cleaned = name.strip().replace(" ", "_")
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
    raise ScheduleError(
        f"“{name[:40]}” is not a time zone I know: use an IANA name such as Europe/Berlin,"
        " America/New_York or UTC"
    )


def parse_date(text: str) -> str:
    """`YYYY-MM-DD` that exists on the calendar."""
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ScheduleError(
            f"“{text[:20]}” is not a date: use YYYY-MM-DD, e.g. 2025-03-07"
        ) from None


def is_weekend(date: str) -> bool:
    return dt.date.fromisoformat(date).weekday() >= 5


def _post_moment(day: dt.date, post_time: str, zone: ZoneInfo) -> dt.datetime:
    hours, minutes = map(int, post_time.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=zone)


def is_past_post_time(now: dt.datetime, post_time: str, timezone: str) -> bool:
    local = now.astimezone(ZoneInfo(timezone))
    return local >= _post_moment(local.date(), post_time, ZoneInfo(timezone))


def next_post_time(now: dt.datetime, post_time: str, timezone: str) -> dt.datetime:
    """The next moment (aware, in the server's zone) at which posting is checked for."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    moment = _post_moment(local.date(), post_time, zone)
    if moment <= local:
        moment = _post_moment(local.date() + dt.timedelta(days=1), post_time, zone)
    return moment


def due_dates(
    digest_dates: list[str],
    *,
    since_date: str | None,
    last_posted: str | None,
    now: dt.datetime,
    post_time: str,
    timezone: str,
) -> list[str]:
    """Digest dates to post now, oldest first.

    Nothing before the server's posting time; then every weekday digest newer than the
    last one posted, but never the backlog from before the server first enabled posting.
    `digest_dates` are the days that have papers (empty digests post nothing).
    """
    if not is_past_post_time(now, post_time, timezone):
        return []
    weekdays = [date for date in sorted(digest_dates) if not is_weekend(date)]
    if last_posted is None:
        # First post: the day enabled and anything newer; without that day, just the newest.
        if since_date is None:
            return weekdays[-1:]
        return [date for date in weekdays if date >= since_date]
    return [date for date in weekdays if date > max(last_posted, since_date or "")]
