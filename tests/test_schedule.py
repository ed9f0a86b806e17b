"""When a server's digest is due (what users may type for times, zones and dates: test_values)."""

from __future__ import annotations

import datetime as dt

from bot.schedule import due_dates, next_post_time

UTC = dt.UTC
# Mon 2025-03-03 … Fri 2025-03-07, Sat 2025-03-08, Mon 2025-03-10
DATES = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08",
         "2025-03-10"]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def due(now: str, *, since=None, last=None, time="09:00", zone="UTC", dates=DATES):
    return due_dates(dates, since_date=since, last_posted=last, now=at(now), post_time=time,
                     timezone=zone)


def test_nothing_is_due_before_the_posting_time():
    assert due("2025-03-10T08:59", since="2025-03-07", last="2025-03-07") == []
    assert due("2025-03-10T09:00", since="2025-03-07", last="2025-03-07") == ["2025-03-10"]


def test_every_digest_newer_than_the_last_posted_weekends_excepted():
    assert due("2025-03-10T12:00", since="2025-03-03", last="2025-03-05") == [
        "2025-03-06", "2025-03-07", "2025-03-10"]


def test_first_enablement_posts_the_day_it_was_enabled_not_the_backlog():
    assert due("2025-03-07T10:00", since="2025-03-07", dates=DATES[:5]) == ["2025-03-07"]
    assert due("2025-03-07T10:00", since=None, dates=DATES[:5]) == ["2025-03-07"]


def test_posting_time_is_local_to_the_server_time_zone():
    # 09:00 in Berlin is 08:00 UTC in March.
    assert due("2025-03-10T07:59", last="2025-03-07", zone="Europe/Berlin") == []
    assert due("2025-03-10T08:00", last="2025-03-07", zone="Europe/Berlin") == ["2025-03-10"]


def test_next_post_time_is_today_or_tomorrow_in_the_servers_zone():
    assert next_post_time(at("2025-03-10T07:00"), "09:00", "UTC") == at("2025-03-10T09:00")
    assert next_post_time(at("2025-03-10T10:00"), "09:00", "UTC") == at("2025-03-11T09:00")
    berlin = next_post_time(at("2025-03-10T10:00"), "09:00", "Europe/Berlin")
    assert berlin.astimezone(UTC) == at("2025-03-11T08:00")


def test_a_digest_date_that_is_no_day_is_never_due_and_stops_nothing():
    dates = [*DATES, "2025-02-30", "2025-3-11", "20250312"]
    assert due("2025-03-10T12:00", since="2025-03-03", last="2025-03-05", dates=dates) == [
        "2025-03-06", "2025-03-07", "2025-03-10"]
