"""Time words in questions are read against the newest digest's day and shown as a range."""

from datetime import date

import pytest

from bot.search.timewords import find_period, without

NEWEST = date(2025, 10, 30)  # a Thursday


@pytest.mark.parametrize(("question", "label"), [
    ("what's new on agents this month", "1 Oct – 30 Oct 2025"),
    ("papers on KV-cache compression since August", "1 Aug – 30 Oct 2025"),
    ("any work on diffusion since Sept 2024", "1 Sep 2024 – 30 Oct 2025"),
    ("video models in March 2025", "1 Mar – 31 Mar 2025"),
    ("March 2025 papers on video", "1 Mar – 31 Mar 2025"),
    ("reasoning papers from late 2024", "1 Sep – 31 Dec 2024"),
    ("early 2025 robotics", "1 Jan – 30 Apr 2025"),
    ("mid-2025 agents", "1 May – 31 Aug 2025"),
    ("what came out last week", "20 Oct – 26 Oct 2025"),
    ("this week", "27 Oct – 30 Oct 2025"),
    ("in the past week", "24 Oct – 30 Oct 2025"),
    ("in the past two weeks", "17 Oct – 30 Oct 2025"),
    ("the last 3 months of RL", "2 Aug – 30 Oct 2025"),
    ("last month", "1 Sep – 30 Sep 2025"),
    ("in the last month", "1 Oct – 30 Oct 2025"),
    ("this year", "1 Jan – 30 Oct 2025"),
    ("last year", "1 Jan – 31 Dec 2024"),
    ("in 2024", "1 Jan – 31 Dec 2024"),
    ("from March to May 2025", "1 Mar – 31 May 2025"),
    ("between November and February", "1 Nov 2024 – 28 Feb 2025"),
    ("before June 2025", "until 31 May 2025"),
    ("until June 2025", "until 30 Jun 2025"),
    ("today", "30 Oct 2025"),
    ("yesterday's papers", "29 Oct 2025"),
])
def test_a_time_phrase_becomes_a_period_shown_as_people_write_it(question: str, label: str) -> None:
    period = find_period(question, NEWEST)
    assert period is not None
    assert period.label == label


def test_a_month_without_a_year_is_the_latest_one_that_has_begun() -> None:
    assert find_period("in May", NEWEST).start == date(2025, 5, 1)  # type: ignore[union-attr]
    assert find_period("in November", NEWEST).start == date(2024, 11, 1)  # type: ignore[union-attr]


def test_a_period_never_runs_past_the_newest_digest() -> None:
    period = find_period("in October 2025", NEWEST)
    assert period is not None and period.end == NEWEST
    future = find_period("in December 2025", NEWEST)
    assert future is not None and future.start > NEWEST  # it holds no digest


@pytest.mark.parametrize("question", [
    "How may models reason about tables?",
    "Which papers march past the state of the art on MMLU?",
    "a 2024-style benchmark",
    "papers on decoding",
])
def test_words_that_only_look_like_dates_are_not_periods(question: str) -> None:
    assert find_period(question, NEWEST) is None


def test_the_time_words_are_taken_out_of_what_is_searched() -> None:
    question = "papers on KV-cache compression since August"
    period = find_period(question, NEWEST)
    assert period is not None
    assert without(question, period) == "papers on KV-cache compression"
    period = find_period("yesterday's papers", NEWEST)
    assert period is not None
    assert without("yesterday's papers", period) == "papers"
