"""The corpus watcher: digests dropped into CORPUS_DIR are ingested once they have settled.

Time is a fake wall clock and file mtimes are stamped from it, so nothing sleeps.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.corpus import watch
from bot.corpus.files import is_temp_name, scan_corpus
from bot.corpus.ingest import IngestReport, ingest_directory
from bot.corpus.watch import CorpusWatcher
from bot.store import Store

STABLE = 0.05
SETTLE = STABLE + 0.01  # one stable period, with room for float rounding


pytestmark = pytest.mark.usefixtures("five_second_deadline")


class Clock:
    """A wall clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = SETTLE) -> None:
        self.now += seconds


class Announced:
    """The `on_ingested` callback: records every report it is given."""

    def __init__(self) -> None:
        self.reports: list[IngestReport] = []

    async def __call__(self, report: IngestReport) -> None:
        self.reports.append(report)


def digest(day: str, *ids: str) -> str:
    rows = "".join(
        f"| Paper {i} (Read more on [arXiv](https://arxiv.org/abs/{i}))| A. Author | Summary. |\n"
        for i in ids
    )
    return f"## Papers for {day}\n\n| Title | Authors | Summary |\n|---|---|---|\n{rows}"


def put(path: Path, text: str | bytes, clock: Clock, *, age: float = 0.0,
        append: bool = False) -> Path:
    """Write (or append to) a file and stamp its mtime `age` seconds before the clock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    with path.open("ab" if append else "wb") as handle:
        handle.write(data)
    os.utime(path, (clock.now - age, clock.now - age))
    return path


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(db_path)
    yield store
    await store.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    return directory


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def announced() -> Announced:
    return Announced()


@pytest.fixture
def watcher(store: Store, corpus: Path, clock: Clock, announced: Announced) -> CorpusWatcher:
    return CorpusWatcher(store, corpus, announced, STABLE, clock=clock)


async def test_a_dropped_in_file_is_ingested_once_it_has_settled(
        watcher, store, corpus, clock, announced):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001", "2501.00002"), clock)

    assert await watcher.poll_once() is None  # first sighting: only recorded
    assert watcher.pending() == ["2025-01-06.md"]
    clock.advance()
    report = await watcher.poll_once()

    assert report is not None and report.new == 1 and report.changed_dates == ["2025-01-06"]
    assert announced.reports == [report]
    assert [p.arxiv_id for p in await store.papers_on("2025-01-06")] == ["2501.00001",
                                                                         "2501.00002"]
    assert watcher.pending() == []


async def test_files_already_old_at_start_up_are_ingested_by_the_first_poll(
        watcher, corpus, clock, announced):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=3600)
    put(corpus / "2025" / "01" / "07.md", digest("2025-01-07", "2501.00002"), clock, age=60)

    report = await watcher.poll_once()

    assert report is not None and report.new == 2
    assert report.changed_dates == ["2025-01-06", "2025-01-07"]
    assert len(announced.reports) == 1


async def test_a_file_still_being_written_is_not_read_until_it_stops_changing(
        watcher, store, corpus, clock, announced):
    path = corpus / "2025-01-06.md"
    put(path, digest("2025-01-06", "2501.00001"), clock)
    assert await watcher.poll_once() is None
    for n in (2, 3):  # the writer appends a row between polls that are a stable period apart
        clock.advance()
        put(path, digest("2025-01-06", f"2501.0000{n}").split("---|\n")[1], clock, append=True)
        assert await watcher.poll_once() is None
    assert announced.reports == [] and await store.papers_on("2025-01-06") == []

    clock.advance()
    report = await watcher.poll_once()

    assert report is not None and report.rows == 3
    assert len(await store.papers_on("2025-01-06")) == 3


async def test_a_changed_file_is_ingested_again(watcher, store, corpus, clock, announced):
    path = put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    assert (await watcher.poll_once()).new == 1

    put(path, digest("2025-01-06", "2501.00001", "2501.00009"), clock)
    assert await watcher.poll_once() is None
    clock.advance()
    report = await watcher.poll_once()

    assert report is not None and report.changed == 1 and report.changed_dates == ["2025-01-06"]
    assert [r.changed_dates for r in announced.reports] == [["2025-01-06"], ["2025-01-06"]]
    assert len(await store.papers_on("2025-01-06")) == 2


async def test_an_unchanged_corpus_is_only_stat_ed(
        watcher, store, corpus, clock, announced, monkeypatch):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    await watcher.poll_once()
    reads: list[str] = []

    async def spy(*args: object, **kwargs: object) -> IngestReport:
        reads.append(str(args[2]))
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(watch, "ingest_file", spy)
    monkeypatch.setattr(store, "digest_hashes", spy)
    for _ in range(3):
        clock.advance(10)
        assert await watcher.poll_once() is None
    assert reads == [] and len(announced.reports) == 1


async def test_a_touched_but_identical_file_is_rehashed_and_not_announced(
        watcher, corpus, clock, announced):
    path = put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    await watcher.poll_once()

    clock.advance(10)
    os.utime(path, (clock.now - 5, clock.now - 5))

    assert await watcher.poll_once() is None
    assert len(announced.reports) == 1
    assert watcher.pending() == []  # confirmed unchanged by hash: not read again


async def test_temp_and_hidden_files_are_ignored(watcher, corpus, clock, announced):
    text = digest("2025-01-07", "2501.00007")
    for name in (".2025-01-07.md", ".2025-01-07.md.x1y2.tmp", "2025-01-07.md.tmp",
                 "2025-01-07.md.part", "2025-01-07.md~", ".hidden/2025-01-07.md",
                 "notes.md", "2025-01-07.txt"):
        put(corpus / name, text, clock, age=60)

    assert await watcher.poll_once() is None
    assert announced.reports == []

    os.replace(corpus / ".2025-01-07.md.x1y2.tmp", corpus / "2025-01-07.md")  # atomic publish
    report = await watcher.poll_once()
    assert report is not None and report.changed_dates == ["2025-01-07"]


@pytest.mark.parametrize("name", [".x.md", "a.tmp", "a.md.part", "a.md~", ".2025-01-01.md"])
def test_temp_names(name: str):
    assert is_temp_name(name)


def test_scan_uses_the_ingest_naming_rules(corpus: Path, clock: Clock):
    for name in ("2025-01-06.md", "2025/01/07.md", "archive/2025/01/08.md", "README.md"):
        put(corpus / name, "x", clock)
    assert sorted(scan_corpus(corpus)) == ["2025-01-06.md", "2025/01/07.md",
                                           "archive/2025/01/08.md"]


async def test_an_unreadable_file_does_not_block_the_others_and_is_retried(
        watcher, store, corpus, clock, announced, monkeypatch, caplog):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    put(corpus / "2025-01-07.md", digest("2025-01-07", "2501.00002"), clock, age=60)
    put(corpus / "2025-01-08.md", b"\x00\xff garbage \x89PNG\r\n|||", clock, age=60)
    real_ingest = watch.ingest_file
    broken = {"2025-01-06.md"}

    async def flaky(store: Store, path: Path, name: str, *args: object) -> IngestReport:
        if name in broken:
            raise PermissionError(13, "Permission denied", str(path))
        return await real_ingest(store, path, name, *args)

    monkeypatch.setattr(watch, "ingest_file", flaky)
    report = await watcher.poll_once()

    assert report is not None and report.changed_dates == ["2025-01-07", "2025-01-08"]
    assert "cannot ingest 2025-01-06.md" in caplog.text
    assert watcher.pending() == ["2025-01-06.md"]

    caplog.clear()
    assert await watcher.poll_once() is None  # still broken: retried, not logged again
    assert "cannot ingest" not in caplog.text

    broken.clear()
    report = await watcher.poll_once()
    assert report is not None and report.changed_dates == ["2025-01-06"]
    assert len(announced.reports) == 2


async def test_a_busy_database_is_retried_on_the_next_poll(
        watcher, store, corpus, clock, announced, monkeypatch, caplog):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    real_hashes = store.digest_hashes
    calls = 0

    async def locked_once() -> dict[str, str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise sqlite3.OperationalError("database is locked")
        return await real_hashes()

    monkeypatch.setattr(store, "digest_hashes", locked_once)

    assert await watcher.poll_once() is None
    assert "database is locked" in caplog.text and announced.reports == []
    report = await watcher.poll_once()
    assert report is not None and report.changed_dates == ["2025-01-06"]


async def test_a_store_failure_while_writing_is_retried(
        watcher, store, corpus, clock, monkeypatch):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    real = store.ingest_digest
    failures = [sqlite3.OperationalError("database is locked")]

    async def ingest_digest(*args: object):
        if failures:
            raise failures.pop()
        return await real(*args)

    monkeypatch.setattr(store, "ingest_digest", ingest_digest)
    assert await watcher.poll_once() is None
    assert (await watcher.poll_once()).changed_dates == ["2025-01-06"]


async def test_a_failing_callback_is_logged_and_polling_goes_on(
        store, corpus, clock, caplog):
    async def explode(report: IngestReport) -> None:
        raise RuntimeError("index rebuild failed")

    watcher = CorpusWatcher(store, corpus, explode, STABLE, clock=clock)
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)

    assert (await watcher.poll_once()).new == 1
    assert "on_ingested callback failed" in caplog.text
    put(corpus / "2025-01-07.md", digest("2025-01-07", "2501.00002"), clock, age=60)
    assert (await watcher.poll_once()).new == 1


async def test_an_mtime_in_the_future_settles_by_two_polls(watcher, corpus, clock):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=-3600)
    assert await watcher.poll_once() is None
    clock.advance()
    assert (await watcher.poll_once()).changed_dates == ["2025-01-06"]


async def test_a_file_deleted_before_it_settled_is_forgotten(watcher, corpus, clock, announced):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock).unlink()
    put(corpus / "2025-01-07.md", digest("2025-01-07", "2501.00002"), clock)
    assert await watcher.poll_once() is None
    (corpus / "2025-01-07.md").unlink()
    clock.advance()
    assert await watcher.poll_once() is None
    assert watcher.pending() == [] and announced.reports == []


async def test_a_missing_corpus_dir_is_not_an_error(store, tmp_path, clock):
    watcher = CorpusWatcher(store, tmp_path / "not-yet", None, STABLE, clock=clock)
    assert await watcher.poll_once() is None


async def test_a_file_that_changes_while_being_read_is_read_again_once_settled(
        watcher, store, corpus, clock, announced, monkeypatch):
    path = put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    real_ingest = watch.ingest_file

    async def racing_writer(*args: object) -> IngestReport:
        report = await real_ingest(*args)
        put(path, digest("2025-01-06", "2501.00002").split("---|\n")[1], clock, append=True)
        return report

    monkeypatch.setattr(watch, "ingest_file", racing_writer)
    assert await watcher.poll_once() is None  # stored, but not announced as final
    monkeypatch.setattr(watch, "ingest_file", real_ingest)
    clock.advance()
    report = await watcher.poll_once()

    assert report is not None and report.changed_dates == ["2025-01-06"] and report.rows == 2
    assert len(announced.reports) == 1


async def test_run_polls_until_cancelled(store, corpus, announced):
    watcher = CorpusWatcher(store, corpus, announced, stable_seconds=0.0)
    task = asyncio.create_task(watcher.run(interval=0.01))
    (corpus / "2025-01-06.md").write_text(digest("2025-01-06", "2501.00001"), "utf-8")
    async with asyncio.timeout(2):
        while not announced.reports:
            await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert announced.reports[0].changed_dates == ["2025-01-06"]


# -- another process changes the database ------------------------------------------------


async def ingest_elsewhere(db_path: Path, directory: Path) -> None:
    """What `python -m bot ingest DIR` does: its own connection to the same database."""
    async with await Store.open(db_path) as other:
        await ingest_directory(other, directory)


async def test_days_another_process_ingested_are_announced_once(
        watcher, db_path, corpus, clock, announced, tmp_path):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    assert (await watcher.poll_once()).changed_dates == ["2025-01-06"]
    put(corpus / "2025-01-07.md", digest("2025-01-07", "2501.00002"), clock, age=60)
    elsewhere = tmp_path / "elsewhere"
    put(elsewhere / "2025-01-08.md", digest("2025-01-08", "2501.00003"), clock)
    await ingest_elsewhere(db_path, corpus)  # the 7th, also in CORPUS_DIR
    await ingest_elsewhere(db_path, elsewhere)  # the 8th, from another folder

    report = await watcher.poll_once()

    assert report is not None and report.changed_dates == ["2025-01-07", "2025-01-08"]
    assert (report.new, report.changed) == (2, 0)
    assert announced.reports[-1] is report
    assert await watcher.poll_once() is None  # nothing new since


async def test_a_day_another_process_changed_is_announced_as_changed(
        watcher, db_path, corpus, clock, announced, tmp_path):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    await watcher.poll_once()
    elsewhere = tmp_path / "elsewhere"
    put(elsewhere / "2025-01-06.md", digest("2025-01-06", "2501.00009"), clock)
    await ingest_elsewhere(db_path, elsewhere)

    report = await watcher.poll_once()

    assert report is not None and report.changed_dates == ["2025-01-06"]
    assert (report.new, report.changed) == (0, 1)


async def test_what_was_stored_before_the_first_poll_is_not_announced(
        store, db_path, corpus, clock, announced):
    put(corpus / "2025-01-06.md", digest("2025-01-06", "2501.00001"), clock, age=60)
    await ingest_elsewhere(db_path, corpus)  # before the bot started: its index has it
    watcher = CorpusWatcher(store, corpus, announced, STABLE, clock=clock)
    assert await watcher.poll_once() is None and announced.reports == []
