"""Parse digest files and store them (the I/O around the pure parser)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..digest import ParseWarning, date_from_filename, parse_digest
from ..store import Store
from .files import MAX_FILE_BYTES, find_digest_files, misnamed_warning, read_capped

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestReport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rows: int = 0
    warnings: list[ParseWarning] = field(default_factory=list)
    seconds: float = 0.0
    changed_dates: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.new + self.changed + self.unchanged


async def ingest_file(store: Store, path: Path, name: str, known: dict[str, str] | None = None,
                      report: IngestReport | None = None) -> IngestReport:
    """Parse and store one file; `known` (date → hash) lets unchanged files skip parsing."""
    report = report or IngestReport()
    data, cut = read_capped(path)
    sha = hashlib.sha256(data).hexdigest()
    file_date = date_from_filename(name)
    if known is not None and file_date in known and known[file_date] == sha:
        report.unchanged += 1
        return report
    # Parsing is pure CPU work: off the event loop, so a huge file never stalls the bot.
    text = data.decode("utf-8", errors="replace")
    digest = await asyncio.to_thread(parse_digest, text, name, file_date)
    if cut:
        line = data.count(b"\n") + 1
        problem = f"file larger than {MAX_FILE_BYTES:,} bytes; not read from this line on"
        digest.warnings.insert(0, ParseWarning(f"{name}:{line}", problem))
    for warning in digest.warnings:
        log.warning("%s", warning)
    report.warnings.extend(digest.warnings)
    outcome = await store.ingest_digest(name, sha, digest)
    report.rows += outcome.rows
    if outcome.status == "unchanged":
        report.unchanged += 1
    else:
        setattr(report, outcome.status, getattr(report, outcome.status) + 1)
        report.changed_dates.append(digest.date or "")
    return report


async def ingest_directory(
    store: Store, directory: Path, progress: Callable[[int, int], None] | None = None
) -> IngestReport:
    """Ingest every digest file under `directory`; `progress(done, total)` every 50 files."""
    started = time.perf_counter()
    misnamed: list[str] = []
    files = await asyncio.to_thread(find_digest_files, directory, misnamed)
    known = await store.digest_hashes()
    report = IngestReport()
    for name in misnamed:
        report.warnings.append(misnamed_warning(name))
        log.warning("%s", report.warnings[-1])
    for done, path in enumerate(files, 1):
        name = path.relative_to(directory).as_posix()
        try:
            await ingest_file(store, path, name, known, report)
        except Exception as error:  # one bad file never stops the run
            report.warnings.append(
                ParseWarning(name, f"cannot ingest ({type(error).__name__}: {error})"))
            log.warning("%s", report.warnings[-1])
        if progress and done % 50 == 0 and done < len(files):
            progress(done, len(files))
    report.seconds = time.perf_counter() - started
    return report
