"""Backfill: fetch every missing day of a date range, politely paced."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from .fetch import DigestFetcher, FetchResult, complete_days

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class BackfillReport:
    results: list[FetchResult] = field(default_factory=list)
    skipped: int = 0  # days that already had a complete file
    aborted: bool = False  # stopped after too many errors in a row
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """Days whose fetch ended so: "saved", "unchanged", "missing" or "error"."""
        return sum(result.status == status for result in self.results)

    def summary(self) -> str:
        count = self.count
        text = (f"{count('saved')} saved, {count('missing')} missing, {count('error')} errors,"
                f" {self.skipped + count('unchanged')} skipped in {self.seconds:.1f} s")
        return text + (" (stopped after repeated errors)" if self.aborted else "")


def date_range(since: date, until: date) -> Iterator[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


class _Pacer:
    """Spaces the starts of requests at least `interval` seconds apart, across workers."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            if self._next > loop.time():
                await asyncio.sleep(self._next - loop.time())
            self._next = loop.time() + self.interval


async def backfill(
    fetcher: DigestFetcher,
    since: date,
    until: date,
    *,
    concurrency: int = 2,
    delay: float = 1.0,
    progress: Progress | None = None,
    max_consecutive_errors: int | None = 5,
) -> BackfillReport:
    """Fetch every day from `since` to `until` (inclusive) without a complete file (none,
    or one with no papers or unread rows), oldest first.

    At most `concurrency` requests are in flight and their starts are `delay` seconds apart.
    `progress(done, total, "YYYY-MM-DD status")` is called after each fetched day; `total`
    counts the days to fetch (skipped days are only in the report). Stops early after
    `max_consecutive_errors` errors in a row (network down, wrong template).
    """
    if until < since:
        raise ValueError(f"backfill range ends ({until}) before it starts ({since})")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    started = time.perf_counter()
    days = [day.isoformat() for day in date_range(since, until)]
    have = await asyncio.to_thread(complete_days, fetcher.corpus_dir, days)
    todo = deque(day for day in days if day not in have)
    report = BackfillReport(skipped=len(days) - len(todo))
    total = len(todo)
    pacer = _Pacer(delay)
    streak = 0

    async def worker() -> None:
        nonlocal streak
        while todo and not report.aborted:
            day = todo.popleft()
            await pacer.wait()
            if report.aborted:
                return
            result = await fetcher.fetch_day(day)
            report.results.append(result)
            streak = streak + 1 if result.status == "error" else 0
            if max_consecutive_errors and streak >= max_consecutive_errors:
                report.aborted = True
                log.warning("backfill stopped after %d errors in a row (last: %s)",
                            streak, result.reason)
            if progress is not None:
                progress(len(report.results), total, str(result))

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, total)):
            group.create_task(worker())
    report.seconds = time.perf_counter() - started
    return report
