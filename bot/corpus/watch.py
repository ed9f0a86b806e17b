"""Notice digests that appear in (or change under) CORPUS_DIR and ingest them.

A poll only stats files; a file is read when its state (size, mtime, inode) differs from the
one last ingested *and* has settled: its mtime is at least `stable_seconds` old, or the same
state was seen on an earlier poll at least `stable_seconds` ago. The mtime rule lets the first
poll after start-up take files that are already old; the two-poll rule covers clock skew (an
mtime in the future). A half-written file keeps changing, so it is not read until it stops.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ..store import Store
from .files import FileState, Signature, by_date, misnamed_warning, scan_corpus, signature
from .ingest import IngestReport, ingest_file

log = logging.getLogger(__name__)

OnIngested = Callable[[IngestReport], Awaitable[None]]


def _merge(into: IngestReport, part: IngestReport) -> None:
    for f in dataclasses.fields(into):
        mine, theirs = getattr(into, f.name), getattr(part, f.name)
        if isinstance(mine, list):
            mine.extend(theirs)
        elif isinstance(mine, int | float):
            setattr(into, f.name, mine + theirs)


@dataclass(slots=True)
class _Seen:
    signature: Signature
    since: float  # clock() when this signature was first seen
    done: bool = False  # this signature was ingested (or found unchanged by hash)
    error: str | None = None  # last error for this signature, logged once


class CorpusWatcher:
    """Polls `corpus_dir`; `on_ingested(report)` runs after a poll stored something new, or
    found days that another process stored in the database since the last report.

    `clock` must be wall-clock seconds (it is compared with file mtimes); tests inject one.
    """

    def __init__(
        self,
        store: Store,
        corpus_dir: Path,
        on_ingested: OnIngested | None = None,
        stable_seconds: float = 10.0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if stable_seconds < 0:
            raise ValueError("stable_seconds must not be negative")
        self.store = store
        self.corpus_dir = Path(corpus_dir)
        self.on_ingested = on_ingested
        self.stable_seconds = stable_seconds
        self._clock = clock
        self._seen: dict[str, _Seen] = {}
        self._misnamed: set[str] = set()  # already warned about
        self._announced: dict[str, str] | None = None  # date → sha256 the bot knows about
        self._lock = asyncio.Lock()

    def pending(self) -> list[str]:
        """Names seen but not ingested yet (still settling, or failed and to be retried)."""
        return sorted(name for name, seen in self._seen.items() if not seen.done)

    async def poll_once(self) -> IngestReport | None:
        """Ingest what settled since the last poll; the report if any day was stored or
        changed (here or by another process), else None. Never raises (except cancellation):
        errors are logged and the files concerned are retried on the next poll."""
        async with self._lock:
            try:
                return await self._poll()
            except Exception:
                log.exception("corpus poll of %s failed; retrying next poll", self.corpus_dir)
                return None

    async def run(self, interval: float) -> None:
        """Poll forever, `interval` seconds apart; stop by cancelling the task."""
        while True:
            await self.poll_once()
            await asyncio.sleep(interval)

    async def _poll(self) -> IngestReport | None:
        started = time.perf_counter()
        try:
            misnamed: list[str] = []
            files = await asyncio.to_thread(scan_corpus, self.corpus_dir, misnamed)
        except OSError as error:
            log.warning("cannot scan %s: %s", self.corpus_dir, error)
            return None
        for name in sorted(set(misnamed) - self._misnamed):
            log.warning("%s", misnamed_warning(name))
        self._misnamed = set(misnamed)
        now = self._clock()
        for gone in self._seen.keys() - files.keys():
            del self._seen[gone]
        ready: list[tuple[str, FileState, _Seen]] = []
        for name in by_date(files):
            state = files[name]
            seen = self._seen.get(name)
            if seen is None or seen.signature != state.signature:
                seen = self._seen[name] = _Seen(state.signature, now)
            if seen.done:
                continue
            age = max(now - state.mtime, now - seen.since)
            if age >= self.stable_seconds:
                ready.append((name, state, seen))
            else:
                log.debug("%s is still settling", name)
        try:
            known = await self.store.digest_hashes()
        except Exception as error:
            log.warning("cannot read digest hashes (%s); retrying %d file(s) next poll",
                        error, len(ready))
            return None
        if self._announced is None:
            self._announced = known  # what the bot loaded at start-up
        report = IngestReport()
        for name, state, seen in ready:
            await self._ingest_one(name, state, seen, known, report)
            await asyncio.sleep(0)  # unchanged files never await: let the bot breathe
        current = await self.store.digest_hashes() if report.changed_dates else known
        self._add_stored_elsewhere(report, current)
        report.seconds = time.perf_counter() - started
        if not report.changed_dates:
            return None
        log.info("corpus watcher stored %d new and %d changed digest(s): %s",
                 report.new, report.changed, ", ".join(report.changed_dates))
        if self.on_ingested is not None:
            try:
                await self.on_ingested(report)
            except Exception:
                log.exception("on_ingested callback failed")
        return report

    def _add_stored_elsewhere(self, report: IngestReport, current: dict[str, str]) -> None:
        """Days stored since the last announcement by another process (`python -m bot ingest`
        on the same database) join the report, so the bot indexes and posts them too."""
        assert self._announced is not None
        before, self._announced = self._announced, current
        ours = set(report.changed_dates)
        elsewhere = sorted(day for day in before.keys() | current.keys()
                           if before.get(day) != current.get(day) and day not in ours)
        if not elsewhere:
            return
        log.info("digests stored by another process: %s", ", ".join(elsewhere))
        report.new += sum(day not in before for day in elsewhere)
        report.changed += sum(day in before for day in elsewhere)
        report.changed_dates = sorted(ours.union(elsewhere))

    async def _ingest_one(self, name: str, state: FileState, seen: _Seen,
                          known: dict[str, str], report: IngestReport) -> None:
        part = IngestReport()
        try:
            await ingest_file(self.store, state.path, name, known, part)
        except Exception as error:
            message = f"{type(error).__name__}: {error}"
            if message != seen.error:
                log.warning("cannot ingest %s (%s); retrying next poll", name, message)
            else:
                log.debug("still cannot ingest %s (%s)", name, message)
            seen.error = message
            return
        # A writer that started after our stat may have been read half-way: if the file
        # changed around the read, it is read again once settled, and not announced now.
        after = await asyncio.to_thread(signature, state.path)
        if after != state.signature:
            log.info("%s changed while being read; reading it again once it settles", name)
            return
        seen.done, seen.error = True, None
        _merge(report, part)
