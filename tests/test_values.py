"""What may be typed for a date, a time of day, a time zone and the digest URL template: one
parser each (bot.values), the same for the CLI, the console, slash commands and settings."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from bot.errors import UserError
from bot.values import (
    BadValue,
    format_time,
    parse_date,
    parse_time,
    parse_timezone,
    url_template_problem,
)

DATE_HINT = "is not a date: use YYYY-MM-DD, e.g. 2025-03-07"
TIME_HINT = "is not a time: use HH:MM, 24-hour, e.g. 09:00"


def test_a_refused_value_is_a_user_error_so_every_adapter_shows_its_message():
    assert issubclass(BadValue, UserError) and issubclass(BadValue, ValueError)


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-07", dt.date(2025, 3, 7)),
    (" 2025-03-07 ", dt.date(2025, 3, 7)),
    ("2024-02-29", dt.date(2024, 2, 29)),
    ("0001-01-01", dt.date(1, 1, 1)),
])
def test_dates_are_yyyy_mm_dd(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "20250307",  # date.fromisoformat takes it: refused here, for every caller
    "2025-W10-5",  # an ISO week date, likewise
    "2025-02-30", "2025-13-01", "2025-00-10", "2023-02-29",
    "2025-3-7", "07/03/2025", "2025/03/07", "2025-03-07T10:00", "yesterday", "", "   ",
    "٢٠٢٥-٠٣-٠٧",  # Arabic-Indic digits
])
def test_everything_else_is_refused_with_the_format_to_use(text):
    with pytest.raises(BadValue) as refused:
        parse_date(text)
    assert str(refused.value) == f"“{text.strip()[:20]}” {DATE_HINT}"


def test_a_named_date_says_which_option_or_setting_it_was():
    with pytest.raises(BadValue, match=f"^--since: “2025-02-30” {DATE_HINT}$"):
        parse_date("2025-02-30", "--since")


def test_a_long_refused_value_is_quoted_short():
    with pytest.raises(BadValue) as refused:
        parse_date("x" * 500)
    assert str(refused.value) == f"“{'x' * 20}” {DATE_HINT}"


# -- times of day ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("9:00", dt.time(9, 0)), ("09:00", dt.time(9, 0)), ("21.30", dt.time(21, 30)),
    ("21h30", dt.time(21, 30)), (" 23:59 ", dt.time(23, 59)), ("0:00", dt.time(0, 0)),
])
def test_times_people_type(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "12:60", "9", "900", "9:5", "009:00",
                                  "9:00 pm", "noon", "", "٩:٠٠"])
def test_times_that_are_refused_with_the_format_to_use(text):
    with pytest.raises(BadValue) as refused:
        parse_time(text)
    assert str(refused.value) == f"“{text.strip()}” {TIME_HINT}"


def test_a_time_is_stored_and_shown_as_hh_mm():
    assert format_time(parse_time("9.05")) == "09:05"


# -- time zones -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"),
    ("America/New York", "America/New_York"), ("utc", "UTC"), ("GMT", "UTC"), ("Z", "UTC"),
])
def test_time_zones_are_iana_names_matched_without_case(text, expected):
    assert parse_timezone(text) == expected


@pytest.mark.parametrize("text", ["Mars/Olympus", "CEST+2", "", "../../etc/passwd"])
def test_unknown_zones_are_refused_with_examples(text):
    with pytest.raises(BadValue) as refused:
        parse_timezone(text)
    assert str(refused.value) == (f"“{text.strip()}” is not a time zone I know: use an IANA"
                                  " name such as Europe/Berlin, America/New_York or UTC")


# -- the digest URL template ----------------------------------------------------------------


@pytest.mark.parametrize("template", [
    "https://example.org/{date}.md",
    "http://127.0.0.1:8080/{yyyy}/{mm}/{dd}.md",
    "https://example.org/{yyyy}-{mm}-{dd}.md?key=secret",
])
def test_usable_templates(template):
    assert url_template_problem(template) is None


@pytest.mark.parametrize(("template", "problem"), [
    ("https://example.org/{day}.md", "unknown placeholder {day}; use {yyyy} {mm} {dd} or {date}"),
    ("https://example.org/{yyyy}/{mm}.md", "must contain {date} or all of {yyyy}, {mm} and {dd}"),
    ("https://example.org/static.md", "must contain {date} or all of {yyyy}, {mm} and {dd}"),
    ("ftp://example.org/{date}.md", "must be an http:// or https:// URL"),
    ("example.org/{date}.md", "must be an http:// or https:// URL"),
    ("https://example.org/{date.md", "not a valid template (expected '}' before end of string)"),
])
def test_unusable_templates_say_why_without_quoting_the_url(template, problem):
    assert url_template_problem(template) == problem


def test_values_is_a_leaf_that_settings_can_import_cheaply():
    """It imports only bot.errors (which imports nothing), so config.py no longer pulls in
    the fetcher, aiohttp and the store to check a template."""
    root = Path(__file__).resolve().parents[1] / "bot"
    for module, allowed in (("values.py", {"errors"}), ("errors.py", set())):
        tree = ast.parse((root / module).read_text())
        internal = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.level > 0}
        assert internal <= allowed, module
    config = ast.parse((root / "config.py").read_text())
    imported = {node.module for node in ast.walk(config) if isinstance(node, ast.ImportFrom)}
    assert "fetch" not in imported and "values" in imported


def test_settings_keep_the_parsed_time_and_name_the_variable_when_refused(tmp_path):
    from bot.config import ConfigError, load_settings

    env = {"PAPERS_DB": str(tmp_path / "papers.db")}
    assert load_settings(env).digest_fetch_after == dt.time(13, 30)
    assert load_settings(env | {"DIGEST_FETCH_AFTER": "9.05"}).digest_fetch_after == dt.time(9, 5)
    with pytest.raises(ConfigError) as refused:
        load_settings(env | {"DIGEST_FETCH_AFTER": "25:99"})
    assert str(refused.value) == f"DIGEST_FETCH_AFTER: “25:99” {TIME_HINT} (UTC)"
    with pytest.raises(ConfigError) as refused:
        load_settings(env | {"DIGEST_URL_TEMPLATE": "https://example.org/x.md"})
    assert str(refused.value).startswith("DIGEST_URL_TEMPLATE: must contain {date}")
