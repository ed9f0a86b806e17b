"""The SQLite store: the only module that speaks SQL.

Schema changes are numbered files in `bot/migrations/` (`V<n>__<what>.sql`), applied in
order inside one transaction each and recorded in `PRAGMA user_version`.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import aiosqlite

from .digest.models import Digest, Paper, PaperRecord

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_RE = re.compile(r"^V(\d+)__[\w\-]+\.sql$")


T = TypeVar("T")

@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in directory.iterdir():
        match = _MIGRATION_RE.match(path.name)
        if match:
            migrations.append(Migration(int(match.group(1)), path.name, path.read_text("utf-8")))
    migrations.sort(key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return migrations


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    status: str  # "new" | "changed" | "unchanged"
    rows: int


@dataclass(frozen=True, slots=True)
class DayCount:
    """A day's papers table: its rows (expected) and those read as papers (parsed)."""

    date: str
    expected: int
    parsed: int

    def __str__(self) -> str:
        if not self.parsed:
            return f"{self.date} (no papers)"
        return f"{self.date} ({self.parsed} of {self.expected} rows read)"


@dataclass(frozen=True, slots=True)
class Stats:
    digests: int
    papers: int
    appearances: int
    first_date: str | None
    latest_date: str | None
    incomplete_days: tuple[DayCount, ...] = ()  # oldest first

    def as_dict(self) -> dict[str, object]:
        return {
            "digests": self.digests,
            "papers": self.papers,
            "appearances": self.appearances,
            "first_date": self.first_date,
            "latest_date": self.latest_date,
            "incomplete_days": [
                {"date": day.date, "expected": day.expected, "parsed": day.parsed}
                for day in self.incomplete_days
            ],
        }


@dataclass(frozen=True, slots=True)
class GuildDigest:
    """A server's daily-digest setting."""

    guild_id: int
    channel_id: int | None
    post_time: str
    timezone: str
    enabled: bool
    since_date: str | None
    broken_reason: str | None



@dataclass(frozen=True, slots=True)
class SavedPaper:
    """A paper on a server's reading list."""

    arxiv_id: str
    saved_by: int  # Discord user id
    saved_by_name: str  # their display name when they saved it
    saved_at: str  # UTC, ISO 8601 with milliseconds
    paper: PaperRecord | None  # None once the paper is no longer in the digests


@dataclass(frozen=True, slots=True)
class Watch:
    """A member's standing query in one server (see bot/watching.py)."""

    id: int
    guild_id: int
    user_id: int
    kind: str  # "words" | "author" | "like"
    query: str
    paused: bool = False
    dm_refused: bool = False

    @property
    def label(self) -> str:
        """How the watch is written: `kv cache`, `author:Tri Dao`, `like:2502.20258`."""
        return self.query if self.kind == "words" else f"{self.kind}:{self.query}"


@dataclass(frozen=True, slots=True)
class WatchDelivery:
    """One member's matches of one digest, planned before anything is sent."""

    guild_id: int
    user_id: int
    date: str
    deliver: str  # "dm" | "thread"
    matches: tuple[tuple[int, str, str], ...]  # (watch id, arxiv id, reason)


class Trend(NamedTuple):
    """A paper's votes and saves in one server over a period (a row of `trending`)."""

    arxiv_id: str
    votes: int
    saves: int


class Nomination(NamedTuple):
    """A paper on the next session's shortlist (a row of `shortlist`)."""

    arxiv_id: str
    nominated_by: int
    nominated_at: str


@dataclass(frozen=True, slots=True)
class SessionPoll:
    message_id: int
    guild_id: int
    channel_id: int
    answers: tuple[str, ...]  # arXiv ids; answer id n is answers[n - 1]
    status: str  # "open" | "picked"


@dataclass(frozen=True, slots=True)
class SessionPick:
    guild_id: int
    pick_key: str
    arxiv_id: str
    channel_id: int
    message_id: int | None
    picked_at: str  # UTC, ISO 8601


@dataclass(frozen=True, slots=True)
class DiscussionThread:
    guild_id: int
    arxiv_id: str
    channel_id: int
    message_id: int
    thread_id: int


_GUILD_COLUMNS = "guild_id, channel_id, post_time, timezone, enabled, since_date, broken_reason"

_PAPER_COLUMNS = (
    "p.arxiv_id, p.title, p.authors, p.summary, p.source, "
    "(SELECT json_group_array(date) FROM (SELECT DISTINCT date FROM appearances a "
    "WHERE a.arxiv_id = p.arxiv_id ORDER BY date))"
)

# Rebuild the canonical paper rows of the given ids from their appearances: the newest
# appearance wins, the first date is kept; ids with no appearance left are deleted.
_REFRESH_PAPERS = """
INSERT INTO papers (arxiv_id, title, authors, summary, first_date, latest_date, source)
SELECT arxiv_id, title, authors, summary, first_date, date, source FROM (
    SELECT a.*,
           MIN(a.date) OVER (PARTITION BY a.arxiv_id) AS first_date,
           ROW_NUMBER() OVER (PARTITION BY a.arxiv_id ORDER BY a.date DESC, a.digest_id DESC) AS rn
    FROM appearances a
    WHERE a.arxiv_id IN (SELECT value FROM json_each(?))
) WHERE rn = 1
ON CONFLICT (arxiv_id) DO UPDATE SET
    title = excluded.title, authors = excluded.authors, summary = excluded.summary,
    first_date = excluded.first_date, latest_date = excluded.latest_date, source = excluded.source
"""
_DELETE_ORPHANS = """
DELETE FROM papers WHERE arxiv_id IN (SELECT value FROM json_each(?))
AND NOT EXISTS (SELECT 1 FROM appearances a WHERE a.arxiv_id = papers.arxiv_id)
"""


def _record(row: Sequence) -> PaperRecord:
    return PaperRecord(
        arxiv_id=row[0],
        title=row[1],
        authors=tuple(json.loads(row[2])),
        summary=row[3],
        source=row[4],
        dates=tuple(json.loads(row[5])),
    )


class Store:
    """An open database. Use `await Store.open(path)` and `await store.close()`."""

    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self.db = db
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            store = cls(db, path)
            await store.migrate()
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- schema ------------------------------------------------------------------------

    async def _first_row(self, sql: str, args: tuple[object, ...] = ()) -> Any:
        """The query's first row, None when it has none."""
        async with self.db.execute(sql, args) as cursor:
            return await cursor.fetchone()

    async def _all_as(self, make: Callable[[Any], T], sql: str,
                      args: tuple[object, ...] = ()) -> list[T]:
        """Every row of the query, each made into a record by `make`."""
        async with self.db.execute(sql, args) as cursor:
            return [make(row) for row in await cursor.fetchall()]

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        return int(row[0])

    async def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied."""
        current = await self.schema_version()
        applied = []
        for migration in load_migrations():
            if migration.version <= current:
                continue
            # executescript would commit on its own; run statement by statement instead.
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(migration.sql):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {migration.version:d}")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            applied.append(migration.name)
        return applied

    # -- ingestion ---------------------------------------------------------------------

    async def digest_hashes(self) -> dict[str, str]:
        """Digest date → sha256 of the file last ingested for it."""
        async with self.db.execute("SELECT date, sha256 FROM digests") as cursor:
            return {row[0]: row[1] async for row in cursor}

    async def ingest_digest(self, path: str, sha256: str, digest: Digest) -> DigestOutcome:
        """Store one parsed digest file in one transaction (all of it or nothing).

        A digest is keyed by its date: the same day ingested again with the same hash is
        left alone; with another hash its appearances are replaced. A path stored under
        another day is moved to this one.
        """
        if digest.date is None:
            raise ValueError(f"{path}: digest has no date")
        rows = _unique_rows(digest.papers)
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            async with self.db.execute(
                "SELECT id, sha256 FROM digests WHERE date = ?", (digest.date,)
            ) as cursor:
                existing = await cursor.fetchone()
            if existing and existing[1] == sha256:
                await self.db.execute("ROLLBACK")
                return DigestOutcome("unchanged", len(rows))
            # The file was stored under another day (older versions took the heading's day):
            # that row goes, so the path is free for this one.
            async with self.db.execute(
                "SELECT a.arxiv_id FROM appearances a JOIN digests d ON d.id = a.digest_id"
                " WHERE d.path = ? AND d.date IS NOT ?", (path, digest.date)
            ) as cursor:
                old_ids: list[str] = [row[0] async for row in cursor]
            await self.db.execute(
                "DELETE FROM digests WHERE path = ? AND date IS NOT ?", (path, digest.date)
            )
            if existing:
                digest_id = existing[0]
                async with self.db.execute(
                    "SELECT arxiv_id FROM appearances WHERE digest_id = ?", (digest_id,)
                ) as cursor:
                    old_ids += [row[0] async for row in cursor]
                await self.db.execute("DELETE FROM appearances WHERE digest_id = ?", (digest_id,))
                await self.db.execute(
                    "UPDATE digests SET path = ?, sha256 = ?, rows = ?, warnings = ?,"
                    " expected_rows = ?, parsed_rows = ?,"
                    " ingested_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                    (path, sha256, len(rows), len(digest.warnings), digest.table_rows,
                     len(digest.papers), digest_id),
                )
            else:
                cursor = await self.db.execute(
                    "INSERT INTO digests (path, date, sha256, rows, warnings, expected_rows,"
                    " parsed_rows) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (path, digest.date, sha256, len(rows), len(digest.warnings),
                     digest.table_rows, len(digest.papers)),
                )
                digest_id = cursor.lastrowid
            await self.db.executemany(
                "INSERT INTO appearances (digest_id, arxiv_id, date, position, title, authors,"
                " summary, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (digest_id, p.arxiv_id, p.date, position, p.title,
                     json.dumps(list(p.authors), ensure_ascii=False), p.summary, p.source)
                    for position, p in enumerate(rows)
                ],
            )
            affected = json.dumps(sorted({p.arxiv_id for p in rows} | set(old_ids)))
            await self.db.execute(_REFRESH_PAPERS, (affected,))
            await self.db.execute(_DELETE_ORPHANS, (affected,))
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise
        return DigestOutcome("changed" if existing else "new", len(rows))

    # -- queries -----------------------------------------------------------------------

    async def stats(self) -> Stats:
        async with self.db.execute(
            "SELECT (SELECT COUNT(*) FROM digests), (SELECT COUNT(*) FROM papers),"
            " (SELECT COUNT(*) FROM appearances), (SELECT MIN(date) FROM digests),"
            " (SELECT MAX(date) FROM digests)"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        digests, papers, appearances, first, latest = row
        return Stats(digests, papers, appearances, first, latest,
                     tuple(await self.incomplete_days()))

    async def incomplete_days(self) -> list[DayCount]:
        """Days stored with no papers or with table rows that could not be read, oldest first."""
        async with self.db.execute(
            "SELECT date, expected_rows, parsed_rows FROM digests"
            " WHERE parsed_rows = 0 OR parsed_rows < expected_rows ORDER BY date"
        ) as cursor:
            return [DayCount(*row) async for row in cursor]

    async def get_paper(self, arxiv_id: str) -> PaperRecord | None:
        row = await self._first_row(
            f"SELECT {_PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id = ?", (arxiv_id,))
        return _record(row) if row else None

    async def get_papers(self, arxiv_ids: Iterable[str]) -> list[PaperRecord]:
        """The papers with these ids, in the order given (unknown ids are skipped)."""
        ids = list(dict.fromkeys(arxiv_ids))
        if not ids:
            return []
        async with self.db.execute(
            f"SELECT {_PAPER_COLUMNS} FROM papers p"
            " WHERE p.arxiv_id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ) as cursor:
            found = {row[0]: _record(row) async for row in cursor}
        return [found[i] for i in ids if i in found]

    async def iter_papers(self, batch: int = 2000) -> AsyncIterator[PaperRecord]:
        """Every paper, ordered by id, fetched in batches."""
        async with self.db.execute(
            f"SELECT {_PAPER_COLUMNS} FROM papers p ORDER BY p.arxiv_id"
        ) as cursor:
            while rows := await cursor.fetchmany(batch):
                for row in rows:
                    yield _record(row)

    async def papers_on(self, date: str) -> list[PaperRecord]:
        """The papers of one day's digest, in table order."""
        async with self.db.execute(
            "SELECT a.arxiv_id FROM appearances a WHERE a.date = ?"
            " ORDER BY a.digest_id, a.position",
            (date,),
        ) as cursor:
            ids = [row[0] async for row in cursor]
        return await self.get_papers(ids)

    async def digest_dates(self, *, with_papers: bool = True) -> list[str]:
        """Digest dates, oldest first (by default only days that have papers)."""
        sql = "SELECT date FROM digests" + (" WHERE rows > 0" if with_papers else "")
        async with self.db.execute(sql + " ORDER BY date") as cursor:
            return [row[0] async for row in cursor]

    async def latest_digest_date(self) -> str | None:
        async with self.db.execute("SELECT MAX(date) FROM digests WHERE rows > 0") as cursor:
            row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        return row[0]

    async def get_meta(self, key: str) -> str | None:
        row = await self._first_row("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- daily digest settings and posts -----------------------------------------------

    async def guild_digest(self, guild_id: int) -> GuildDigest | None:
        row = await self._first_row(
            f"SELECT {_GUILD_COLUMNS} FROM guild_digest WHERE guild_id = ?", (guild_id,))
        return _guild(row) if row else None

    async def enabled_guild_digests(self) -> list[GuildDigest]:
        return await self._all_as(
            _guild,
            f"SELECT {_GUILD_COLUMNS} FROM guild_digest"
            " WHERE enabled = 1 AND channel_id IS NOT NULL AND broken_reason IS NULL"
            " ORDER BY guild_id")

    async def set_digest_channel(self, guild_id: int, channel_id: int, since_date: str | None
                                 ) -> GuildDigest:
        """Enable posting to `channel_id`; the first enablement fixes `since_date`."""
        await self.db.execute(
            "INSERT INTO guild_digest (guild_id, channel_id, enabled, since_date)"
            " VALUES (?, ?, 1, ?) ON CONFLICT (guild_id) DO UPDATE SET"
            " channel_id = excluded.channel_id, enabled = 1, broken_reason = NULL,"
            " since_date = COALESCE(guild_digest.since_date, excluded.since_date),"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (guild_id, channel_id, since_date),
        )
        return await self.guild_digest(guild_id)  # type: ignore[return-value]

    async def set_digest_time(self, guild_id: int, post_time: str, timezone: str) -> GuildDigest:
        await self.db.execute(
            "INSERT INTO guild_digest (guild_id, post_time, timezone) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET post_time = excluded.post_time,"
            " timezone = excluded.timezone, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (guild_id, post_time, timezone),
        )
        return await self.guild_digest(guild_id)  # type: ignore[return-value]

    async def disable_digest(self, guild_id: int) -> None:
        await self.db.execute(
            "UPDATE guild_digest SET enabled = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ',"
            " 'now') WHERE guild_id = ?",
            (guild_id,),
        )

    async def mark_digest_broken(self, guild_id: int, reason: str) -> None:
        await self.db.execute(
            "UPDATE guild_digest SET broken_reason = ? WHERE guild_id = ?", (reason, guild_id)
        )

    async def last_posted_date(self, guild_id: int) -> str | None:
        async with self.db.execute(
            "SELECT MAX(date) FROM digest_posts WHERE guild_id = ? AND status = 'done'",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        return row[0]

    async def post_status(self, guild_id: int, date: str) -> str | None:
        """None (never started), 'posting' (started, not finished) or 'done'."""
        row = await self._first_row(
            "SELECT status FROM digest_posts WHERE guild_id = ? AND date = ?", (guild_id, date))
        return row[0] if row else None

    async def unfinished_posts(self, guild_id: int) -> list[tuple[str, int]]:
        """(date, channel id) of posts that were started and not finished, oldest first."""
        async with self.db.execute(
            "SELECT date, channel_id FROM digest_posts WHERE guild_id = ? AND status = 'posting'"
            " ORDER BY date",
            (guild_id,),
        ) as cursor:
            return [(row[0], row[1]) async for row in cursor]

    async def begin_post(self, guild_id: int, date: str, channel_id: int) -> dict[str, int]:
        """Start (or resume) a post; returns the steps already recorded (step → message id)."""
        await self.db.execute(
            "INSERT INTO digest_posts (guild_id, date, channel_id, status)"
            " VALUES (?, ?, ?, 'posting') ON CONFLICT (guild_id, date) DO NOTHING",
            (guild_id, date, channel_id),
        )
        return await self.post_steps(guild_id, date)

    async def post_steps(self, guild_id: int, date: str) -> dict[str, int]:
        async with self.db.execute(
            "SELECT step, message_id FROM digest_post_steps WHERE guild_id = ? AND date = ?",
            (guild_id, date),
        ) as cursor:
            return {row[0]: row[1] async for row in cursor}

    async def record_post_step(self, guild_id: int, date: str, step: str, message_id: int
                               ) -> None:
        await self.db.execute(
            "INSERT INTO digest_post_steps (guild_id, date, step, message_id) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (guild_id, date, step) DO UPDATE SET message_id = excluded.message_id",
            (guild_id, date, step, message_id),
        )

    async def finish_post(self, guild_id: int, date: str) -> None:
        await self.db.execute(
            "UPDATE digest_posts SET status = 'done',"
            " finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
            " WHERE guild_id = ? AND date = ?",
            (guild_id, date),
        )

    async def content_key(self) -> str:
        """Changes whenever the stored papers could have changed (for index caches)."""
        async with self.db.execute(
            "SELECT COALESCE(group_concat(date || ':' || sha256, ','), '') FROM"
            " (SELECT date, sha256 FROM digests ORDER BY date)"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        version = await self.schema_version()
        return hashlib.sha256(f"v{version}|{row[0]}".encode()).hexdigest()

    async def backup(self, target: str | Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        async with aiosqlite.connect(partial) as copy:
            await self.db.backup(copy)
        partial.replace(target)

    async def integrity_check(self) -> str:
        async with self.db.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        return row[0]

    # -- reading list --------------------------------------------------------------------

    async def save_to_reading_list(self, guild_id: int, arxiv_id: str, user_id: int,
                                   user_name: str) -> tuple[SavedPaper, bool]:
        """Put a paper on the server's list once: (its entry, whether this call added it)."""
        cursor = await self.db.execute(
            "INSERT INTO reading_list (guild_id, arxiv_id, saved_by, saved_by_name)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, arxiv_id) DO NOTHING",
            (guild_id, arxiv_id, user_id, user_name),
        )
        added = cursor.rowcount == 1
        entries = await self._reading_list(guild_id, "AND r.arxiv_id = ?", (arxiv_id,))
        return entries[0], added

    async def reading_list(self, guild_id: int) -> list[SavedPaper]:
        """The server's list, newest first."""
        return await self._reading_list(guild_id, "", ())

    async def _reading_list(self, guild_id: int, where: str, args: tuple[str, ...]
                            ) -> list[SavedPaper]:
        async with self.db.execute(
            f"SELECT r.arxiv_id, r.saved_by, r.saved_by_name, r.saved_at, {_PAPER_COLUMNS}"
            " FROM reading_list r LEFT JOIN papers p ON p.arxiv_id = r.arxiv_id"
            f" WHERE r.guild_id = ? {where} ORDER BY r.saved_at DESC, r.rowid DESC",
            (guild_id, *args),
        ) as cursor:
            return [SavedPaper(row[0], row[1], row[2], row[3],
                               _record(row[4:]) if row[4] is not None else None)
                    async for row in cursor]

    async def remove_from_reading_list(self, guild_id: int, arxiv_id: str) -> bool:
        cursor = await self.db.execute(
            "DELETE FROM reading_list WHERE guild_id = ? AND arxiv_id = ?", (guild_id, arxiv_id)
        )
        return cursor.rowcount == 1

    async def clear_reading_list(self, guild_id: int) -> int:
        """Empty the server's list; returns how many papers were on it."""
        cursor = await self.db.execute("DELETE FROM reading_list WHERE guild_id = ?", (guild_id,))
        return cursor.rowcount

    # -- watches -----------------------------------------------------------------------

    async def add_watch(self, guild_id: int, user_id: int, kind: str, query: str, limit: int
                        ) -> str:
        """'added', 'duplicate' (the member has it already) or 'full' (`limit` reached).
        One statement, so two adds at once cannot pass the limit (the connection is shared:
        a transaction of BEGIN … COMMIT here could interleave with another one)."""
        cursor = await self.db.execute(
            "INSERT INTO watches (guild_id, user_id, kind, query) SELECT ?, ?, ?, ?"
            " WHERE (SELECT COUNT(*) FROM watches WHERE guild_id = ? AND user_id = ?) < ?"
            " ON CONFLICT (guild_id, user_id, kind, query) DO NOTHING",
            (guild_id, user_id, kind, query, guild_id, user_id, limit),
        )
        if cursor.rowcount > 0:
            return "added"
        async with self.db.execute(
            "SELECT 1 FROM watches WHERE guild_id = ? AND user_id = ? AND kind = ? AND query = ?",
            (guild_id, user_id, kind, query),
        ) as found:
            return "duplicate" if await found.fetchone() else "full"

    async def watches_of(self, guild_id: int, user_id: int) -> list[Watch]:
        return await self._all_as(
            _watch,
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE guild_id = ? AND user_id = ?"
            " ORDER BY id", (guild_id, user_id))

    async def forget_member(self, user_id: int) -> tuple[int, int]:
        """Delete a member's watches (with their delivery choice and pending deliveries) and
        votes in every server: (watches, votes) deleted. Each statement is idempotent, so an
        interrupted run is finished by the next one."""
        watches = await self.db.execute("DELETE FROM watches WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM watch_members WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM watch_deliveries WHERE user_id = ?"
                              " AND status = 'pending'", (user_id,))
        votes = await self.db.execute("DELETE FROM votes WHERE user_id = ?", (user_id,))
        return watches.rowcount, votes.rowcount

    async def remove_watch(self, guild_id: int, user_id: int, watch_id: int) -> bool:
        cursor = await self.db.execute(
            "DELETE FROM watches WHERE id = ? AND guild_id = ? AND user_id = ?",
            (watch_id, guild_id, user_id),
        )
        return cursor.rowcount > 0

    async def pause_watch(self, guild_id: int, user_id: int, watch_id: int, paused: bool
                          ) -> bool:
        cursor = await self.db.execute(
            "UPDATE watches SET paused = ? WHERE id = ? AND guild_id = ? AND user_id = ?",
            (int(paused), watch_id, guild_id, user_id),
        )
        return cursor.rowcount > 0

    async def active_watches(self) -> list[Watch]:
        """Every watch to match: not paused, and not waiting on DMs Discord refused."""
        return await self._all_as(
            _watch,
            f"SELECT {_WATCH_COLUMNS} FROM watches w LEFT JOIN watch_members m"
            " USING (guild_id, user_id) WHERE w.paused = 0"
            " AND NOT (w.dm_refused = 1 AND COALESCE(m.deliver, 'dm') = 'dm') ORDER BY w.id")

    async def watch_delivery_choice(self, guild_id: int, user_id: int) -> str:
        async with self.db.execute(
            "SELECT deliver FROM watch_members WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else "dm"

    async def set_watch_delivery(self, guild_id: int, user_id: int, deliver: str) -> None:
        """Where matches go from now on; a refused DM is tried again."""
        await self.db.execute(
            "UPDATE watches SET dm_refused = 0 WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        await self.db.execute(
            "INSERT INTO watch_members (guild_id, user_id, deliver) VALUES (?, ?, ?)"
            " ON CONFLICT (guild_id, user_id) DO UPDATE SET deliver = excluded.deliver",
            (guild_id, user_id, deliver),
        )

    async def plan_watch_deliveries(
            self, date: str, plans: Iterable[tuple[int, int, Sequence[tuple[int, str, str]]]]
    ) -> None:
        """Fix each member's matches of `date` (guild id, user id, matches), then mark the day
        planned. A member planned before (a re-ingested day, a plan cut short by a crash and
        made again) keeps the first plan."""
        await self.db.executemany(
            "INSERT INTO watch_deliveries (guild_id, user_id, date, deliver, matches, status)"
            " SELECT ?, ?, ?, COALESCE((SELECT deliver FROM watch_members"
            " WHERE guild_id = ? AND user_id = ?), 'dm'), ?, 'pending'"
            " ON CONFLICT (guild_id, user_id, date) DO NOTHING",
            [(guild_id, user_id, date, guild_id, user_id,
              json.dumps([list(m) for m in matches], ensure_ascii=False))
             for guild_id, user_id, matches in plans],
        )
        await self.db.execute(
            "INSERT INTO watch_planned_days (date) VALUES (?) ON CONFLICT DO NOTHING", (date,))

    async def watch_planned_days(self) -> set[str]:
        async with self.db.execute("SELECT date FROM watch_planned_days") as cursor:
            return {row[0] async for row in cursor}

    async def pending_watch_deliveries(self) -> list[WatchDelivery]:
        async with self.db.execute(
            "SELECT guild_id, user_id, date, deliver, matches FROM watch_deliveries"
            " WHERE status = 'pending' ORDER BY date, guild_id, user_id"
        ) as cursor:
            return [WatchDelivery(row[0], row[1], row[2], row[3],
                                  tuple((m[0], m[1], m[2]) for m in json.loads(row[4])))
                    async for row in cursor]

    async def watch_delivery_steps(self, guild_id: int, user_id: int, date: str
                                   ) -> dict[str, int]:
        async with self.db.execute(
            "SELECT step, value FROM watch_delivery_steps"
            " WHERE guild_id = ? AND user_id = ? AND date = ?", (guild_id, user_id, date)
        ) as cursor:
            return {row[0]: row[1] async for row in cursor}

    async def record_watch_delivery_step(self, guild_id: int, user_id: int, date: str,
                                         step: str, value: int) -> None:
        await self.db.execute(
            "INSERT INTO watch_delivery_steps (guild_id, user_id, date, step, value)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id, date, step)"
            " DO UPDATE SET value = excluded.value",
            (guild_id, user_id, date, step, value),
        )

    async def finish_watch_delivery(self, guild_id: int, user_id: int, date: str, *,
                                    notice: str | None = None, dm_refused: bool = False
                                    ) -> None:
        """Done; or, with `notice`, refused for good: the member is told with their next
        command. After a refused DM (`dm_refused`) their watches wait until `/watch
        deliver`. The status is written last: a crash before it only repeats the attempt."""
        if dm_refused:
            await self.db.execute(
                "UPDATE watches SET dm_refused = 1 WHERE guild_id = ? AND user_id = ?",
                (guild_id, user_id),
            )
        if notice is not None:
            await self.db.execute(
                "INSERT INTO watch_members (guild_id, user_id, notice) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET notice = excluded.notice",
                (guild_id, user_id, notice),
            )
        await self.db.execute(
            "UPDATE watch_deliveries SET status = ? WHERE guild_id = ? AND user_id = ?"
            " AND date = ?",
            ("done" if notice is None else "refused", guild_id, user_id, date),
        )

    async def take_watch_notice(self, guild_id: int, user_id: int) -> str | None:
        """The note owed to a member (once: it is cleared)."""
        async with self.db.execute(
            "SELECT notice FROM watch_members WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return None
        await self.db.execute(
            "UPDATE watch_members SET notice = NULL WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return row[0]


    # -- votes and sessions ---------------------------------------------------------

    async def toggle_vote(self, guild_id: int, arxiv_id: str, user_id: int) -> tuple[bool, int]:
        """Add the member's vote for the paper, or take it back if it was there; returns
        (voted now, the paper's votes in this server)."""
        cursor = await self.db.execute(
            "DELETE FROM votes WHERE guild_id = ? AND arxiv_id = ? AND user_id = ?",
            (guild_id, arxiv_id, user_id),
        )
        voted = cursor.rowcount == 0
        if voted:
            await self.db.execute(
                "INSERT INTO votes (guild_id, arxiv_id, user_id) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (guild_id, arxiv_id, user_id),
            )
        return voted, await self.vote_count(guild_id, arxiv_id)

    async def vote_count(self, guild_id: int, arxiv_id: str) -> int:
        async with self.db.execute(
            "SELECT COUNT(*) FROM votes WHERE guild_id = ? AND arxiv_id = ?", (guild_id, arxiv_id)
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        return row[0]

    async def trending(self, guild_id: int, since: str | None) -> list[Trend]:
        """The server's papers by votes plus reading-list saves since `since` (an ISO
        timestamp; None: all time), most first."""
        async with self.db.execute(
            "SELECT t.arxiv_id, SUM(t.vote), SUM(t.save) FROM ("
            "SELECT arxiv_id, 1 AS vote, 0 AS save, voted_at AS at FROM votes"
            " WHERE guild_id = ? AND (? IS NULL OR voted_at >= ?)"
            " UNION ALL SELECT arxiv_id, 0, 1, saved_at FROM reading_list"
            " WHERE guild_id = ? AND (? IS NULL OR saved_at >= ?)"
            ") t JOIN papers p ON p.arxiv_id = t.arxiv_id GROUP BY t.arxiv_id"
            " ORDER BY SUM(t.vote) + SUM(t.save) DESC, SUM(t.vote) DESC, MAX(t.at) DESC,"
            " t.arxiv_id",
            (guild_id, since, since, guild_id, since, since),
        ) as cursor:
            return [Trend(*row) async for row in cursor]

    async def nominate(self, guild_id: int, arxiv_id: str, user_id: int) -> bool:
        """Put the paper on the next session's shortlist; False if it was there already."""
        cursor = await self.db.execute(
            "INSERT INTO session_shortlist (guild_id, arxiv_id, nominated_by) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (guild_id, arxiv_id, user_id),
        )
        return cursor.rowcount == 1

    async def shortlist(self, guild_id: int) -> list[Nomination]:
        """The next session's shortlist, in the order the papers were nominated."""
        async with self.db.execute(
            "SELECT s.arxiv_id, s.nominated_by, s.nominated_at FROM session_shortlist s"
            " JOIN papers p ON p.arxiv_id = s.arxiv_id WHERE s.guild_id = ?"
            " ORDER BY s.nominated_at, s.rowid",
            (guild_id,),
        ) as cursor:
            return [Nomination(*row) async for row in cursor]

    async def record_poll(self, guild_id: int, channel_id: int, message_id: int,
                          arxiv_ids: Sequence[str]) -> None:
        """A poll of the shortlist was posted: it is the server's open poll from now on."""
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            await self.db.execute(
                "UPDATE session_polls SET status = 'picked' WHERE guild_id = ?", (guild_id,)
            )
            await self.db.execute(
                "INSERT INTO session_polls (message_id, guild_id, channel_id, answers)"
                " VALUES (?, ?, ?, ?)",
                (message_id, guild_id, channel_id, json.dumps(list(arxiv_ids))),
            )
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise

    async def open_poll(self, guild_id: int) -> SessionPoll | None:
        row = await self._first_row(
            f"SELECT {_POLL_COLUMNS} FROM session_polls WHERE guild_id = ? AND status = 'open'"
            " ORDER BY created_at DESC, message_id DESC", (guild_id,))
        return _poll(row) if row else None

    async def session_poll(self, message_id: int) -> SessionPoll | None:
        row = await self._first_row(
            f"SELECT {_POLL_COLUMNS} FROM session_polls WHERE message_id = ?", (message_id,))
        return _poll(row) if row else None

    async def begin_pick(self, guild_id: int, pick_key: str, arxiv_id: str, channel_id: int,
                         picked_by: int | None) -> SessionPick:
        """Record a pick before its card is sent, or return the one recorded under this key
        (whose card may have been sent already: `message_id`)."""
        await self.db.execute(
            "INSERT INTO session_picks (guild_id, pick_key, arxiv_id, channel_id, picked_by)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (guild_id, pick_key, arxiv_id, channel_id, picked_by),
        )
        pick = await self.session_pick(guild_id, pick_key)
        assert pick is not None  # inserted or already there
        return pick

    async def session_pick(self, guild_id: int, pick_key: str) -> SessionPick | None:
        async with self.db.execute(
            "SELECT guild_id, pick_key, arxiv_id, channel_id, message_id, picked_at"
            " FROM session_picks"
            " WHERE guild_id = ? AND pick_key = ?",
            (guild_id, pick_key),
        ) as cursor:
            row = await cursor.fetchone()
        return SessionPick(*row) if row else None

    async def finish_session(self, guild_id: int) -> None:
        """A paper was picked and its thread opened: the next session starts afresh (empty
        shortlist, no open poll)."""
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            await self.db.execute("DELETE FROM session_shortlist WHERE guild_id = ?", (guild_id,))
            await self.db.execute(
                "UPDATE session_polls SET status = 'picked' WHERE guild_id = ?", (guild_id,)
            )
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise

    async def record_pick_card(self, guild_id: int, pick_key: str, message_id: int) -> None:
        await self.db.execute(
            "UPDATE session_picks SET message_id = ? WHERE guild_id = ? AND pick_key = ?",
            (message_id, guild_id, pick_key),
        )

    async def discussion_thread(self, guild_id: int, *, message_id: int | None = None,
                                arxiv_id: str | None = None) -> DiscussionThread | None:
        """The thread opened on that card message, or the paper's newest thread (it may have
        been deleted on Discord since)."""
        async with self.db.execute(
            "SELECT guild_id, arxiv_id, channel_id, message_id, thread_id FROM discussion_threads"
            " WHERE guild_id = ? AND (message_id = ? OR arxiv_id = ?)"
            " ORDER BY opened_at DESC, rowid DESC",
            (guild_id, message_id, arxiv_id),
        ) as cursor:
            row = await cursor.fetchone()
        return DiscussionThread(*row) if row else None

    async def record_discussion_thread(self, thread: DiscussionThread) -> None:
        await self.db.execute(
            "INSERT INTO discussion_threads (guild_id, arxiv_id, channel_id, message_id,"
            " thread_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, message_id) DO UPDATE"
            " SET thread_id = excluded.thread_id, arxiv_id = excluded.arxiv_id,"
            " opened_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (thread.guild_id, thread.arxiv_id, thread.channel_id, thread.message_id,
             thread.thread_id),
        )


_WATCH_COLUMNS = "id, guild_id, user_id, kind, query, paused, dm_refused"


def _watch(row: Sequence) -> Watch:
    return Watch(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]))


def _guild(row: Sequence) -> GuildDigest:
    return GuildDigest(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])


_POLL_COLUMNS = "message_id, guild_id, channel_id, answers, status"


def _poll(row: Sequence) -> SessionPoll:
    return SessionPoll(row[0], row[1], row[2], tuple(json.loads(row[3])), row[4])


def _unique_rows(papers: list[Paper]) -> list[Paper]:
    """A paper listed twice in one digest counts once there (its first row)."""
    seen: set[str] = set()
    unique = []
    for paper in papers:
        if paper.arxiv_id not in seen:
            seen.add(paper.arxiv_id)
            unique.append(paper)
    return unique


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about strings)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if not current and line.strip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
