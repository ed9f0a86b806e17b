"""What ingest does with files that do not follow the rules: one bad file is a warning for that
file, never a stop for the rest, for the daily schedule or for /today."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.corpus.files import MAX_FILE_BYTES, scan_corpus
from bot.corpus.ingest import ingest_directory
from bot.corpus.watch import CorpusWatcher
from bot.digest import date_from_filename, parse_digest
from bot.digest.parser import MAX_AUTHORS_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS
from bot.schedule import due_dates
from bot.store import DayCount, Store, load_migrations

ROW = "| Paper {id} (Read more on [arXiv](https://arxiv.org/abs/{id}))| A. Author | Summary. |"


def digest(day: str, *ids: str) -> str:
    lines = [f"## Papers for {day}", "", "| Title | Authors | Summary |", "|---|---|---|"]
    return "\n".join(lines + [ROW.format(id=i) for i in ids]) + "\n"


@pytest.fixture
async def store(db_path: Path):
    async with await Store.open(db_path) as store:
        yield store


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    return directory


# -- a file named for a day that does not exist ------------------------------------------


@pytest.mark.parametrize("name", ["2025-02-30.md", "2025/02/30.md", "2025-13-01.md",
                                  "2025-00-10.md", "2024-04-31.md"])
def test_a_name_for_a_day_not_on_the_calendar_has_no_date(name: str):
    assert date_from_filename(name) is None


def test_leap_days_are_days():
    assert date_from_filename("2024-02-29.md") == "2024-02-29"


async def test_a_file_named_for_a_missing_day_is_a_warning_and_the_rest_is_ingested(
        store: Store, corpus: Path, caplog):
    (corpus / "2025-02-28.md").write_text(digest("2025-02-28", "2502.00001"), "utf-8")
    (corpus / "2025-02-30.md").write_text(digest("2025-02-30", "2502.00002"), "utf-8")
    (corpus / "2025-03-03.md").write_text(digest("2025-03-03", "2503.00003"), "utf-8")

    report = await ingest_directory(store, corpus)

    assert (report.new, report.changed_dates) == (2, ["2025-02-28", "2025-03-03"])
    assert [(w.source, w.message) for w in report.warnings] == [
        ("2025-02-30.md", "the file name is not a day on the calendar; file skipped")]
    assert "2025-02-30.md" in caplog.text
    assert await store.digest_dates() == ["2025-02-28", "2025-03-03"]


async def test_the_schedule_and_the_newest_day_ignore_a_misnamed_file(store: Store, corpus):
    (corpus / "2025-02-28.md").write_text(digest("2025-02-28", "2502.00001"), "utf-8")
    (corpus / "2025-02-30.md").write_text(digest("2025-02-30", "2502.00002"), "utf-8")
    await ingest_directory(store, corpus)

    now = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    days = await store.digest_dates()
    assert due_dates(days, since_date=None, last_posted=None, now=now, post_time="09:00",
                     timezone="UTC") == ["2025-02-28"]
    assert await store.latest_digest_date() == "2025-02-28"  # what /today shows


async def test_the_watcher_warns_once_about_a_misnamed_file(store: Store, corpus, caplog):
    (corpus / "2025-02-30.md").write_text(digest("2025-02-30", "2502.00002"), "utf-8")
    (corpus / "2025-02-28.md").write_text(digest("2025-02-28", "2502.00001"), "utf-8")
    watcher = CorpusWatcher(store, corpus, stable_seconds=0)
    caplog.set_level(logging.WARNING)

    first = await watcher.poll_once()
    await watcher.poll_once()

    assert first is not None and first.changed_dates == ["2025-02-28"]
    assert caplog.text.count("2025-02-30.md") == 1
    assert sorted(scan_corpus(corpus)) == ["2025-02-28.md"]


def old_database(path: Path, days: dict[str, list[str]], version: int = 2) -> None:
    """A database as `version` of the schema left it, with these days' papers stored."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        for migration in load_migrations()[:version]:
            db.executescript(migration.sql)
        db.execute(f"PRAGMA user_version = {version}")
        for number, (day, ids) in enumerate(days.items(), 1):
            db.execute("INSERT INTO digests (id, path, date, sha256, rows, warnings)"
                       " VALUES (?, ?, ?, 'x', ?, 0)", (number, f"{day}.md", day, len(ids)))
            for position, arxiv_id in enumerate(ids):
                db.execute("INSERT INTO appearances VALUES (?, ?, ?, ?, 'T', '[]', 'S', 'f:1')",
                           (number, arxiv_id, day, position))
        db.execute("INSERT INTO papers SELECT arxiv_id, 'T', '[]', 'S', MIN(date), MAX(date),"
                   " 'f:1' FROM appearances GROUP BY arxiv_id")


async def test_a_misnamed_day_stored_by_an_older_version_is_dropped_on_upgrade(db_path: Path):
    old_database(db_path, {"2025-02-28": ["2502.00001"],
                                 "2025-02-30": ["2502.00001", "2502.00002"]})

    async with await Store.open(db_path) as store:
        assert await store.digest_dates() == ["2025-02-28"]
        assert await store.get_paper("2502.00002") is None
        assert (await store.get_paper("2502.00001")).dates == ("2025-02-28",)
        async with store.db.execute("SELECT latest_date FROM papers") as cursor:
            assert await cursor.fetchall() == [("2025-02-28",)]
        assert (await store.stats()).latest_date == "2025-02-28"


# -- the file name is the key; a heading that disagrees is a warning ---------------------


def test_a_heading_that_names_another_day_is_a_warning_and_the_file_name_wins():
    parsed = parse_digest(digest("2025-01-07", "2501.00001"), "2025-01-06.md", "2025-01-06")
    assert parsed.date == "2025-01-06"
    assert [p.date for p in parsed.papers] == ["2025-01-06"]
    assert [(w.source, w.message) for w in parsed.warnings] == [
        ("2025-01-06.md:1", "the heading names 2025-01-07; the file name's day 2025-01-06 is used")]


def test_without_a_file_date_the_heading_dates_the_rows():
    parsed = parse_digest(digest("2025-01-07", "2501.00001"), "<digest>")
    assert (parsed.date, [p.date for p in parsed.papers], parsed.warnings) == (
        "2025-01-07", ["2025-01-07"], [])


def test_a_heading_day_not_on_the_calendar_dates_nothing():
    parsed = parse_digest(digest("2025-02-30", "2502.00001"), "<digest>")
    assert parsed.papers == []
    assert [w.message for w in parsed.warnings] == [
        "the heading's day 2025-02-30 is not on the calendar", "row before any dated heading"]


async def test_a_file_whose_heading_names_another_day_never_replaces_that_day(
        store: Store, corpus: Path):
    (corpus / "2025-01-06.md").write_text(digest("2025-01-07", "2501.00006"), "utf-8")
    (corpus / "2025-01-07.md").write_text(digest("2025-01-07", "2501.00007"), "utf-8")

    first = await ingest_directory(store, corpus)
    again = await ingest_directory(store, corpus)

    assert (first.new, len(first.warnings)) == (2, 1)
    assert "2025-01-06.md:1" in str(first.warnings[0])
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)  # no flip-flop
    assert [p.arxiv_id for p in await store.papers_on("2025-01-06")] == ["2501.00006"]
    assert [p.arxiv_id for p in await store.papers_on("2025-01-07")] == ["2501.00007"]


async def test_editing_a_heading_date_changes_nothing_but_the_warning(store: Store, corpus):
    path = corpus / "2025-01-06.md"
    path.write_text(digest("2025-01-06", "2501.00006"), "utf-8")
    await ingest_directory(store, corpus)
    path.write_text(digest("2025-01-07", "2501.00006"), "utf-8")
    (corpus / "2025-01-08.md").write_text(digest("2025-01-08", "2501.00008"), "utf-8")

    report = await ingest_directory(store, corpus)

    assert (report.new, report.changed, len(report.warnings)) == (1, 1, 1)
    assert await store.digest_dates() == ["2025-01-06", "2025-01-08"]
    assert (await store.get_paper("2501.00006")).dates == ("2025-01-06",)


async def test_a_file_stored_under_its_heading_day_by_an_older_version_moves_to_its_name(
        store: Store, corpus: Path):
    text = digest("2025-01-07", "2501.00006")
    await store.ingest_digest("2025-01-06.md", "old", parse_digest(text, "2025-01-06.md"))
    assert await store.digest_dates() == ["2025-01-07"]  # how older versions stored it
    (corpus / "2025-01-06.md").write_text(text, "utf-8")

    report = await ingest_directory(store, corpus)

    assert (report.new, report.changed) == (1, 0)
    assert await store.digest_dates() == ["2025-01-06"]
    assert (await store.get_paper("2501.00006")).dates == ("2025-01-06",)


async def test_one_file_that_cannot_be_stored_is_a_warning_and_the_rest_is_ingested(
        store: Store, corpus: Path, monkeypatch, caplog):
    for day in ("2025-01-06", "2025-01-07", "2025-01-08"):
        (corpus / f"{day}.md").write_text(digest(day, f"2501.000{day[-2:]}"), "utf-8")
    real = store.ingest_digest

    async def locked_on_the_seventh(path: str, sha256: str, parsed):
        if parsed.date == "2025-01-07":
            raise sqlite3.OperationalError("database is locked")
        return await real(path, sha256, parsed)

    monkeypatch.setattr(store, "ingest_digest", locked_on_the_seventh)
    report = await ingest_directory(store, corpus)

    assert report.changed_dates == ["2025-01-06", "2025-01-08"]
    assert [(w.source, w.message) for w in report.warnings] == [
        ("2025-01-07.md", "cannot ingest (OperationalError: database is locked)")]
    assert "2025-01-07.md" in caplog.text


# -- unbounded cells and files ------------------------------------------------------------


def one_row(title: str = "T", authors: str = "A", summary: str = "S") -> str:
    return (f"## Papers for 2025-01-06\n\n| Title | Authors | Summary |\n|---|---|---|\n"
            f"| {title} (Read more on [arXiv](https://arxiv.org/abs/2501.00001))| {authors} |"
            f" {summary} |\n")


def test_a_huge_summary_is_cut_with_a_warning_naming_file_and_line():
    parsed = parse_digest(one_row(summary="word " * 1_000_000), "2025-01-06.md", "2025-01-06")
    (paper,) = parsed.papers
    assert len(paper.summary) <= MAX_SUMMARY_CHARS and paper.summary.endswith("…")
    assert [(w.source, w.message) for w in parsed.warnings] == [
        ("2025-01-06.md:5", f"summary longer than {MAX_SUMMARY_CHARS:,} characters; cut")]


def test_a_huge_title_and_author_list_are_cut_too():
    parsed = parse_digest(one_row(title="T" * 50_000, authors="A. B, " * 50_000), "x.md")
    (paper,) = parsed.papers
    assert len(paper.title) <= MAX_TITLE_CHARS
    assert sum(len(name) for name in paper.authors) <= MAX_AUTHORS_CHARS
    assert [w.message.split(" ")[0] for w in parsed.warnings] == ["title", "authors"]


def test_cells_of_ordinary_length_are_kept_whole():
    summary = "s" * MAX_SUMMARY_CHARS
    parsed = parse_digest(one_row(title="t" * MAX_TITLE_CHARS, summary=summary), "x.md")
    assert parsed.papers[0].summary == summary and parsed.warnings == []


async def test_a_file_larger_than_five_megabytes_is_read_only_up_to_the_cap(
        store: Store, corpus: Path, caplog):
    rows = [ROW.format(id=f"2501.{n:05d}") for n in range(1, 21)]
    junk = "x" * MAX_FILE_BYTES  # e.g. a broken upstream that repeats itself
    text = digest("2025-01-06") + "\n".join([*rows[:10], junk, *rows[10:]]) + "\n"
    (corpus / "2025-01-06.md").write_text(text, "utf-8")

    report = await ingest_directory(store, corpus)

    assert [(w.source, w.message) for w in report.warnings] == [
        ("2025-01-06.md:15", "file larger than 5,000,000 bytes; not read from this line on")]
    assert len(await store.papers_on("2025-01-06")) == 10  # the whole rows before the cut
    assert "2025-01-06.md:15" in caplog.text


# -- how many rows each day has -----------------------------------------------------------


async def test_each_day_records_its_table_rows_and_the_rows_read(store: Store, corpus: Path):
    (corpus / "2025-01-06.md").write_text(digest("2025-01-06", "2501.00001"), "utf-8")
    (corpus / "2025-01-07.md").write_text(digest("2025-01-07"), "utf-8")  # half-way
    (corpus / "2025-01-08.md").write_text(
        digest("2025-01-08", "2501.00002", "2501.00003") + "| no id here | A | S |\n", "utf-8")

    await ingest_directory(store, corpus)

    assert await store.incomplete_days() == [DayCount("2025-01-07", 0, 0),
                                             DayCount("2025-01-08", 3, 2)]
    assert [str(day) for day in (await store.stats()).incomplete_days] == [
        "2025-01-07 (no papers)", "2025-01-08 (2 of 3 rows read)"]


async def test_a_day_completed_later_is_no_longer_incomplete(store: Store, corpus: Path):
    (corpus / "2025-01-07.md").write_text(digest("2025-01-07"), "utf-8")
    await ingest_directory(store, corpus)
    (corpus / "2025-01-07.md").write_text(digest("2025-01-07", "2501.00001"), "utf-8")
    await ingest_directory(store, corpus)
    assert await store.incomplete_days() == []


@pytest.mark.parametrize("version", [2, 3])
async def test_days_stored_by_an_older_version_count_as_complete_until_they_change(
        db_path: Path, version: int):
    old_database(db_path, {"2025-01-06": ["2501.00001"], "2025-01-07": []}, version)
    async with await Store.open(db_path) as store:
        assert await store.incomplete_days() == [DayCount("2025-01-07", 0, 0)]
