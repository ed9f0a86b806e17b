"""Time words in questions ("this month", "since August", "late 2024"), read against a day.

The day is the newest digest's date, not the clock: a corpus that stopped in October still
answers "this month" with October. A period never runs past that day, and it is shown the
way people write it ("1 Aug – 30 Oct 2025").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = r"(?P<{0}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<{0}>(?:19|20)\d\d)"
_PARTS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12}


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    phrase: str  # the words of the question that named it

    @property
    def label(self) -> str:
        """"1 Aug – 30 Oct 2025"; one day is "30 Oct 2025"."""
        if self.start == date.min:
            return f"until {_day(self.end)}"
        if self.start == self.end:
            return _day(self.start)
        return f"{_day(self.start, year=self.start.year != self.end.year)} – {_day(self.end)}"


def _day(day: date, year: bool = True) -> str:
    text = f"{day.day} {calendar.month_abbr[day.month]}"
    return f"{text} {day.year}" if year else text


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_before(today: date, month: int) -> int:
    """The year of the latest `month` that has begun by `today` ("since August")."""
    return today.year if month <= today.month else today.year - 1


def _relative(match: re.Match[str], today: date) -> tuple[date, date]:
    which, unit = match.group("which").lower(), match.group("unit").lower()
    if unit == "week":
        monday = today - timedelta(days=today.weekday())
        if which == "this":
            return monday, today
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if unit == "month":
        first = today.replace(day=1)
        if which == "this":
            return first, today
        before = first - timedelta(days=1)
        return before.replace(day=1), before
    if which == "this":
        return date(today.year, 1, 1), today
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def _past(match: re.Match[str], today: date) -> tuple[date, date]:
    count_text = (match.group("count") or "1").lower()
    count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS[count_text]
    days = count * _UNITS[match.group("unit").lower()]
    return today - timedelta(days=days - 1), today


def _month_span(match: re.Match[str], today: date, key: str = "m", year_key: str = "y"
                ) -> tuple[date, date]:
    month = _MONTHS[match.group(key).lower()]
    year_text = match.group(year_key)
    year = int(year_text) if year_text else _month_before(today, month)
    return date(year, month, 1), _month_end(year, month)


def _since(match: re.Match[str], today: date) -> tuple[date, date]:
    return _month_span(match, today)[0], today


def _until(match: re.Match[str], today: date) -> tuple[date, date]:
    start, end = _month_span(match, today)
    return date.min, start - timedelta(days=1) if match.group("edge").lower() == "before" else end


def _month_range(match: re.Match[str], today: date) -> tuple[date, date]:
    year_text = match.group("y")
    last = _MONTHS[match.group("m2").lower()]
    year = int(year_text) if year_text else _month_before(today, last)
    first = _MONTHS[match.group("m").lower()]
    start_year = year if first <= last else year - 1
    return date(start_year, first, 1), _month_end(year, last)


def _part_of_year(match: re.Match[str], today: date) -> tuple[date, date]:
    year = int(match.group("y"))
    first, last = _PARTS[match.group("part").lower()]
    return date(year, first, 1), _month_end(year, last)


def _year(match: re.Match[str], today: date) -> tuple[date, date]:
    year = int(match.group("y"))
    return date(year, 1, 1), date(year, 12, 31)


def _days_ago(days: int) -> Callable[[re.Match[str], date], tuple[date, date]]:
    def resolve(match: re.Match[str], today: date) -> tuple[date, date]:
        return today - timedelta(days=days), today - timedelta(days=days)
    return resolve


_MONTH_YEAR = _MONTH.format("m") + r"(?:\s*,?\s*" + _YEAR.format("y") + r")?"
_RULES = [
    (rf"\b(?:from|between)\s+{_MONTH.format('m')}\s+(?:to|and|until|through|-|–)\s+"
     rf"{_MONTH.format('m2')}(?:\s*,?\s*{_YEAR.format('y')})?", _month_range),
    (rf"\b(?:since|after|from)\s+(?:the\s+(?:start|beginning)\s+of\s+)?{_MONTH_YEAR}", _since),
    (rf"\b(?P<edge>before|until|till|up\s+to|through)\s+(?:the\s+end\s+of\s+)?{_MONTH_YEAR}",
     _until),
    (rf"\b(?:in\s+|during\s+|from\s+)?(?P<part>early|mid|late)[\s-]+{_YEAR.format('y')}",
     _part_of_year),
    (rf"\b(?:in\s+|during\s+|from\s+)?{_MONTH.format('m')}\s*,?\s*{_YEAR.format('y')}\b",
     _month_span),
    (rf"\b(?:in|during)\s+{_MONTH.format('m')}(?P<y>)\b", _month_span),
    (r"\b(?:in\s+|during\s+|over\s+|from\s+)?the\s+(?:last|past)\s+"
     r"(?P<count>\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve)?\s*"
     r"(?P<unit>day|week|month|year)s?\b", _past),
    (r"\b(?:in\s+|over\s+)?(?:the\s+)?past\s+(?P<count>)(?P<unit>week|month|year)\b", _past),
    (r"\b(?:in\s+|during\s+|from\s+)?(?P<which>this|last|previous)\s+"
     r"(?P<unit>week|month|year)\b", _relative),
    (rf"\b(?:in|during|from)\s+{_YEAR.format('y')}\b", _year),
    (r"\btoday\b", _days_ago(0)),
    (r"\byesterday\b", _days_ago(1)),
]
_COMPILED = [(re.compile(pattern, re.IGNORECASE), resolve) for pattern, resolve in _RULES]


def find_period(text: str, today: date) -> Period | None:
    """The first time phrase of `text`, as a period that ends no later than `today`."""
    for pattern, resolve in _COMPILED:
        match = pattern.search(text)
        if match is None:
            continue
        start, end = resolve(match, today)
        if start <= today:  # a period still to come is kept whole: it holds no digest
            end = min(end, today)
        return Period(start, end, match.group(0).strip())
    return None


def without(text: str, period: Period) -> str:
    """`text` with the period's words taken out, so they are not searched for."""
    return " ".join(re.sub(re.escape(period.phrase) + r"(?:'s)?", " ", text).split())
