"""When a server's daily digest is due: pure functions of settings, clock and digest dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .values import BadValue, parse_date, parse_time


def _postable(date: str) -> bool:
    """A weekday. A name that is no day at all (a file `2025-02-30.md`) is never due, rather
    than stopping every server's posting."""
    try:
        return parse_date(date).weekday() < 5
    except BadValue:
        return False


def _post_moment(day: dt.date, post_time: str, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, parse_time(post_time), tzinfo=zone)


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
    weekdays = [date for date in sorted(digest_dates) if _postable(date)]
    if last_posted is None:
        # First post: the day enabled and anything newer; without that day, just the newest.
        if since_date is None:
            return weekdays[-1:]
        return [date for date in weekdays if date >= since_date]
    return [date for date in weekdays if date > max(last_posted, since_date or "")]
