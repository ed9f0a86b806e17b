"""Fetch daily digests from an upstream URL into CORPUS_DIR (optional).

A body is checked before it touches the disk (UTF-8, a digest for the asked day, not cut
short) and written atomically, so the corpus watcher never sees a partial or foreign file.
The URL template may carry a token: URLs are logged without query or password, and error
reasons never quote the URL.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from ..digest import date_from_filename, parse_digest
from ..values import parse_date, url_template_problem
from .files import MAX_FILE_BYTES, read_capped, scan_corpus, write_atomic

log = logging.getLogger(__name__)

FetchStatus = Literal["saved", "unchanged", "missing", "error"]
RETRY_STATUSES = frozenset({408, 425, 429})  # and every 5xx
_HTML_RE = re.compile(rb"\s*<(?:!doctype|html|head|body)\b", re.IGNORECASE)
USER_AGENT = "Paperboy (self-hosted Discord bot; daily digest fetcher)"


def redact(url: str) -> str:
    """The URL without user, password, query and fragment (where tokens live)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) + ("?…" if parts.query else "")


@dataclass(frozen=True, slots=True)
class Checked:
    problem: str | None  # why a body is not a digest for the day, or None
    papers: int = 0
    rows: int = 0  # rows of its papers table: more than `papers` if some could not be read

    @property
    def complete(self) -> bool:
        """A whole digest with papers; an empty or short day is fetched again later."""
        return self.problem is None and 0 < self.papers == self.rows


def check_digest(body: bytes, day: str) -> Checked:
    """Whether `body` is a whole digest for `day`, and how many rows it has."""
    if _HTML_RE.match(body):
        return Checked("an HTML page, not a digest")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return Checked(f"not UTF-8 text (bad byte at offset {error.start})")
    digest = parse_digest(text, f"{day}.md", default_date=day)
    if digest.heading_date is not None and digest.heading_date != day:
        return Checked(f"the digest is for {digest.heading_date}, not {day}")
    if digest.heading_date is None and not digest.papers:
        return Checked("not a digest (no 'Papers for' heading and no paper rows)")
    if digest.ends_mid_row:
        return Checked("the body ends in the middle of a table row (truncated)")
    return Checked(None, len(digest.papers), digest.table_rows)


def complete_days(corpus_dir: Path, days: Collection[str]) -> set[str]:
    """The days among `days` whose file in `corpus_dir` holds a complete digest."""
    if not corpus_dir.is_dir():
        return set()
    found = scan_corpus(corpus_dir)
    files = {date_from_filename(name): state.path for name, state in found.items()}
    complete = set()
    for day in set(days) & files.keys():
        try:
            data, cut = read_capped(files[day])
        except OSError:
            continue
        if not cut and check_digest(data, day).complete:
            complete.add(day)
    return complete


def _iso(day: date | str) -> str:
    return day.isoformat() if isinstance(day, date) else parse_date(day).isoformat()


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: rare enough to fall back on our own backoff
        return None


def days_due(now_utc: datetime, fetch_after: dtime, *, lookback_days: int = 1) -> list[str]:
    """Days to try now, oldest first: today once `fetch_after` (UTC) has passed, and the
    `lookback_days` before it (a late upstream or a bot that was down at the end of a day)."""
    now_utc = _as_utc(now_utc)
    today = now_utc.date()
    return [
        (today - timedelta(days=back)).isoformat()
        for back in range(lookback_days, -1, -1)
        if back or now_utc.time() >= fetch_after
    ]


# -- fetching --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchResult:
    date: str
    status: FetchStatus
    reason: str = ""  # why "error" (or "missing"); never contains the URL's secrets
    path: Path | None = None  # the file written or already identical
    attempts: int = 0
    papers: int = 0
    complete: bool = False  # papers, and every row read: else the day is fetched again later

    def __str__(self) -> str:
        return f"{self.date} {self.status}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True, slots=True)
class _Attempt:
    body: bytes | None = None
    checked: Checked = Checked(None)
    missing: bool = False
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None


class DigestFetcher:
    """Downloads one day's digest into `corpus_dir` as `YYYY-MM-DD.md` (or over an existing
    upstream-layout `YYYY/MM/DD.md` of that day, so a day never has two files).

    `retries` is the number of extra attempts after a transient failure (5xx, 429, timeout,
    connection error, truncated body), waiting `backoff * 2**n` seconds (at least the
    server's Retry-After, at most `max_backoff`). `timeout` bounds each attempt in total.
    After a 404, or a day saved with no papers or with rows that could not be read (published
    half-way), `due_dates` leaves the day out for `recheck` seconds (`clock`), then asks again.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        template: str,
        corpus_dir: Path,
        *,
        retries: int = 3,
        backoff: float = 2.0,
        timeout: float = 30.0,
        max_backoff: float = 60.0,
        max_bytes: int = MAX_FILE_BYTES,
        recheck: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        problem = url_template_problem(template)
        if problem:
            raise ValueError(f"digest URL template {redact(template)!r}: {problem}")
        if retries < 0 or backoff < 0 or timeout <= 0:
            raise ValueError("retries and backoff must be >= 0 and timeout > 0")
        self.session = session
        self.template = template
        self.corpus_dir = Path(corpus_dir)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.max_backoff = max_backoff
        self.max_bytes = max_bytes
        self.recheck = recheck
        self._clock = clock
        self._checked_at: dict[str, float] = {}  # day → when it was missing or incomplete

    def __repr__(self) -> str:
        return f"DigestFetcher({redact(self.template)!r}, {str(self.corpus_dir)!r})"

    def url_for(self, day: date | str) -> str:
        iso = _iso(day)
        yyyy, mm, dd = iso.split("-")
        return self.template.format(yyyy=yyyy, mm=mm, dd=dd, date=iso)

    def target_path(self, day: date | str) -> Path:
        iso = _iso(day)
        yyyy, mm, dd = iso.split("-")
        flat = self.corpus_dir / f"{iso}.md"
        upstream = self.corpus_dir / yyyy / mm / f"{dd}.md"
        return upstream if upstream.is_file() and not flat.is_file() else flat

    async def due_dates(self, now_utc: datetime, fetch_after: dtime, *,
                        lookback_days: int = 1) -> list[str]:
        """`days_due` with the days that have a complete file in `corpus_dir`, minus days
        that answered 404 or came back empty or short less than `recheck` s ago."""
        candidates = days_due(now_utc, fetch_after, lookback_days=lookback_days)
        have = await asyncio.to_thread(complete_days, self.corpus_dir, candidates)
        now = self._clock()
        return [
            day for day in candidates
            if day not in have
            and not (day in self._checked_at and now - self._checked_at[day] < self.recheck)
        ]

    async def fetch_day(self, day: date | str) -> FetchResult:
        """Download, check and save one day. Never raises for network or disk trouble."""
        iso = _iso(day)
        url = self.url_for(iso)
        where = redact(url)
        attempts = 0
        while True:
            attempts += 1
            outcome = await self._attempt(url, iso)
            if (outcome.body is not None or outcome.missing or not outcome.retryable
                    or attempts > self.retries):
                break
            wait = min(max(self.backoff * 2 ** (attempts - 1), outcome.retry_after or 0.0),
                       self.max_backoff)
            log.info("%s: %s from %s; retry %d/%d in %.1f s",
                     iso, outcome.error, where, attempts, self.retries, wait)
            await asyncio.sleep(wait)

        if outcome.missing:
            weekend = parse_date(iso).weekday() >= 5
            log.log(logging.DEBUG if weekend else logging.INFO,
                    "%s: no digest at %s (yet)", iso, where)
            self._checked_at[iso] = self._clock()
            return FetchResult(iso, "missing", outcome.error, attempts=attempts)
        if outcome.body is None:
            log.warning("%s: cannot fetch %s: %s", iso, where, outcome.error)
            return FetchResult(iso, "error", outcome.error, attempts=attempts)

        target = self.target_path(iso)
        try:
            written = await asyncio.to_thread(write_atomic, target, outcome.body)
        except OSError as error:
            reason = f"cannot write {target}: {error.strerror or error}"
            log.warning("%s: %s", iso, reason)
            return FetchResult(iso, "error", reason, attempts=attempts)
        checked = outcome.checked
        if checked.complete:
            self._checked_at.pop(iso, None)
        else:
            self._checked_at[iso] = self._clock()
        status: FetchStatus = "saved" if written else "unchanged"
        log.log(logging.INFO if written else logging.DEBUG, "%s: %s %s (%d of %d rows read)",
                iso, status, target, checked.papers, checked.rows)
        return FetchResult(iso, status, path=target, attempts=attempts, papers=checked.papers,
                           complete=checked.complete)

    async def _attempt(self, url: str, iso: str) -> _Attempt:
        headers = {} if "User-Agent" in self.session.headers else {"User-Agent": USER_AGENT}
        try:
            async with self.session.get(
                url, headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout),
                raise_for_status=False,
            ) as response:
                status = response.status
                if status in (404, 410):
                    return _Attempt(missing=True, error=f"HTTP {status}")
                if status != 200:
                    return _Attempt(
                        error=f"HTTP {status}",
                        retryable=status >= 500 or status in RETRY_STATUSES,
                        retry_after=_retry_after(response.headers.get("Retry-After")),
                    )
                body = await self._read_capped(response)
                if body is None:
                    return _Attempt(error=f"body larger than {self.max_bytes} bytes")
                declared = response.content_length
                encoding = response.headers.get("Content-Encoding", "identity").lower()
                if declared is not None and encoding == "identity" and declared != len(body):
                    return _Attempt(error=f"truncated body ({len(body)} of {declared} bytes)",
                                    retryable=True)
        except TimeoutError:
            return _Attempt(error=f"timed out after {self.timeout:g} s", retryable=True)
        except aiohttp.ClientPayloadError:
            return _Attempt(error="truncated body (connection closed early)", retryable=True)
        except aiohttp.InvalidURL:
            return _Attempt(error="invalid URL")
        except aiohttp.ClientConnectorError as error:  # str(error) could quote the URL
            detail = error.os_error.strerror or type(error.os_error).__name__
            return _Attempt(error=f"connection failed: {detail}", retryable=True)
        except aiohttp.ClientError as error:
            return _Attempt(error=f"request failed: {type(error).__name__}", retryable=True)
        checked = check_digest(body, iso)
        if checked.problem:
            return _Attempt(error=f"rejected: {checked.problem}")
        return _Attempt(body=body, checked=checked)

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes | None:
        chunks, size = [], 0
        async for chunk in response.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
