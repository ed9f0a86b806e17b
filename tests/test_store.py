"""The store: migrations, idempotent per-file ingest, one paper with many appearances."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.corpus.ingest import ingest_directory
from bot.digest import parse_digest
from bot.store import Store, load_migrations

from .support import FIXTURE_DIGESTS

ROW = "| {title} (Read more on [arXiv](https://arxiv.org/abs/{id}))| {authors} | {summary} |"


def digest_text(date: str, *rows: tuple[str, str, str, str]) -> str:
    lines = [f"## Papers for {date}", "", "| Title | Authors | Summary |", "|---|---|---|"]
    lines += [ROW.format(id=i, title=t, authors=a, summary=s) for i, t, a, s in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
async def store(db_path: Path):
    store = await Store.open(db_path)
    yield store
    await store.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    shutil.copytree(FIXTURE_DIGESTS, directory)
    return directory


async def test_new_database_gets_every_migration_and_the_pragmas(store: Store):
    assert await store.schema_version() == len(load_migrations())
    async with store.db.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    async with store.db.execute("PRAGMA foreign_keys") as cursor:
        assert (await cursor.fetchone())[0] == 1
    async with store.db.execute("PRAGMA busy_timeout") as cursor:
        assert (await cursor.fetchone())[0] >= 1000


async def test_reopening_applies_nothing_twice(db_path: Path):
    async with await Store.open(db_path) as store:
        version = await store.schema_version()
    async with await Store.open(db_path) as store:
        assert await store.migrate() == []
        assert await store.schema_version() == version


async def test_ingest_counts_digests_papers_and_appearances(store: Store, corpus: Path):
    report = await ingest_directory(store, corpus)
    assert (report.new, report.changed, report.unchanged) == (3, 0, 0)
    assert len(report.warnings) == 1
    stats = await store.stats()
    assert (stats.digests, stats.papers, stats.appearances) == (3, 8, 8)
    assert (stats.first_date, stats.latest_date) == ("2024-09-05", "2025-01-11")


async def test_second_ingest_changes_nothing_and_says_so(store: Store, corpus: Path):
    await ingest_directory(store, corpus)
    before = await store.stats()
    report = await ingest_directory(store, corpus)
    assert (report.new, report.changed, report.unchanged) == (0, 0, 3)
    assert await store.stats() == before


async def test_changed_file_is_detected_by_hash_and_replaced(store: Store, corpus: Path):
    await ingest_directory(store, corpus)
    path = corpus / "2024-09-05.md"
    path.write_text(path.read_text("utf-8").replace("Another one.", "Edited summary."), "utf-8")
    report = await ingest_directory(store, corpus)
    assert (report.new, report.changed, report.unchanged) == (0, 1, 2)
    assert (await store.get_paper("2409.02634")).summary == "Edited summary."


async def test_row_removed_from_a_changed_file_removes_its_appearance(store: Store, tmp_path):
    await store.ingest_digest("d.md", "h1", parse_digest(digest_text(
        "2025-01-06", ("2501.00001", "One", "A", "S."), ("2501.00002", "Two", "B", "S."))))
    await store.ingest_digest("d.md", "h2", parse_digest(digest_text(
        "2025-01-06", ("2501.00001", "One", "A", "S."))))
    assert await store.get_paper("2501.00002") is None
    assert (await store.stats()).appearances == 1


async def test_paper_on_several_days_is_one_paper_whose_newest_summary_wins(store: Store):
    await store.ingest_digest("b.md", "hb", parse_digest(digest_text(
        "2025-01-07", ("2501.00001", "Title v2", "A, B", "Newer summary."))))
    await store.ingest_digest("a.md", "ha", parse_digest(digest_text(
        "2025-01-06", ("2501.00001", "Title v1", "A", "Older summary."))))
    paper = await store.get_paper("2501.00001")
    assert paper.dates == ("2025-01-06", "2025-01-07")
    assert (paper.title, paper.summary, paper.authors) == ("Title v2", "Newer summary.", ("A", "B"))
    assert (await store.stats()).papers == 1 and (await store.stats()).appearances == 2


async def test_a_failing_digest_leaves_no_half_file(store: Store, monkeypatch):
    text = digest_text(
        "2025-01-06", ("2501.00001", "One", "A", "S."), ("2501.00002", "Two", "B", "S.")
    )
    original = store.db.executemany

    async def crash(*args, **kwargs):
        await original(*args, **kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store.db, "executemany", crash)
    with pytest.raises(RuntimeError):
        await store.ingest_digest("d.md", "h", parse_digest(text))
    monkeypatch.undo()
    assert (await store.stats()).digests == 0
    assert (await store.stats()).appearances == 0
    assert (await store.ingest_digest("d.md", "h", parse_digest(text))).status == "new"
    assert (await store.stats()).papers == 2


async def test_queries_for_a_day_and_in_a_given_order(store: Store, corpus: Path):
    await ingest_directory(store, corpus)
    assert [p.arxiv_id for p in await store.papers_on("2024-09-05")] == ["2409.02889", "2409.02634"]
    assert await store.latest_digest_date() == "2025-01-06"  # 2025-01-11 has no rows
    papers = await store.get_papers(["2501.00006", "nope", "2501.00001"])
    assert [p.arxiv_id for p in papers] == ["2501.00006", "2501.00001"]
    assert len([p async for p in store.iter_papers(batch=3)]) == 8


async def test_meta_values_are_upserted(store: Store):
    assert await store.get_meta("k") is None
    await store.set_meta("k", "1")
    await store.set_meta("k", "2")
    assert await store.get_meta("k") == "2"


async def test_upstream_layout_is_read_recursively(store: Store, tmp_path: Path):
    day = tmp_path / "archive" / "2025" / "01"
    day.mkdir(parents=True)
    (day / "06.md").write_text(digest_text("2025-01-06", ("2501.00001", "One", "A", "S.")), "utf-8")
    (tmp_path / "archive" / "README.md").write_text("# not a digest", "utf-8")
    report = await ingest_directory(store, tmp_path / "archive")
    assert report.new == 1 and (await store.stats()).papers == 1
