"""The upstream fetcher, against a scripted stand-in for raw.githubusercontent.com on 127.0.0.1.

Every fetch is bounded (1 s timeout, 10 ms backoff), so a broken fetcher fails, never hangs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.cli import render_progress
from bot.corpus import fetch, files
from bot.corpus.backfill import backfill
from bot.corpus.fetch import Checked, DigestFetcher, check_digest, days_due, redact
from bot.corpus.files import is_temp_name, write_atomic
from bot.values import url_template_problem

from .support import FIXTURE_DIGESTS

FIXTURE = (FIXTURE_DIGESTS / "2025-01-06.md").read_bytes()
EMPTY_DAY = (FIXTURE_DIGESTS / "2025-01-11.md").read_bytes()  # heading, no rows (a Saturday)
AFTER = dtime(13, 30)


pytestmark = pytest.mark.usefixtures("five_second_deadline")


def digest(day: str, *ids: str) -> bytes:
    rows = "".join(
        f"| Paper {i} (Read more on [arXiv](https://arxiv.org/abs/{i}))| A. Author | Summary. |\n"
        for i in ids
    )
    return f"## Papers for {day}\n\n| Title | Authors | Summary |\n|---|---|---|\n{rows}".encode()


# -- the fake upstream -----------------------------------------------------------------

Behaviour = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ok(body: bytes, *, latency: float = 0.0) -> Behaviour:
    async def respond(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(latency)
        return web.Response(body=body, content_type="text/plain", charset="utf-8")
    return respond


def status(code: int, **headers: str) -> Behaviour:
    async def respond(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, text=f"HTTP {code}", headers=headers)
    return respond


def cut_off(body: bytes, *, declared: int) -> Behaviour:
    """Announce `declared` bytes, send `body` (fewer), then drop the connection."""
    async def respond(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = declared
        await response.prepare(request)
        await response.write(body)
        request.transport.close()
        return response
    return respond


def trickle(body: bytes, *, pieces: int = 5, pause: float = 0.02) -> Behaviour:
    async def respond(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = len(body)
        await response.prepare(request)
        step = -(-len(body) // pieces)
        for start in range(0, len(body), step):
            await response.write(body[start:start + step])
            await asyncio.sleep(pause)
        await response.write_eof()
        return response
    return respond


class Upstream:
    """Serves `/archive/YYYY/MM/DD.md` from per-day scripts; the last behaviour repeats.
    Unscripted days are 404. Records hits, request start times and requests in flight."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[Behaviour]] = {}
        self.hits: Counter[str] = Counter()
        self.starts: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.user_agents: set[str] = set()
        self.released = asyncio.Event()  # ends stalled responses at teardown
        self.root = ""

    @property
    def template(self) -> str:
        return self.root + "/archive/{yyyy}/{mm}/{dd}.md"

    def serve(self, day: str, *behaviours: Behaviour) -> None:
        self.scripts[day] = list(behaviours)

    def stall(self) -> Behaviour:
        async def respond(request: web.Request) -> web.StreamResponse:
            await self.released.wait()
            return web.Response(text="too late")
        return respond

    async def handle(self, request: web.Request) -> web.StreamResponse:
        day = "{yyyy}-{mm}-{dd}".format(**request.match_info)
        self.hits[day] += 1
        self.starts.append(asyncio.get_running_loop().time())
        self.user_agents.add(request.headers.get("User-Agent", ""))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            script = self.scripts.get(day) or [status(404)]
            return await script[min(self.hits[day], len(script)) - 1](request)
        finally:
            self.in_flight -= 1


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    fake = Upstream()
    app = web.Application()
    app.router.add_get("/archive/{yyyy}/{mm}/{dd}.md", fake.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        fake.root = f"http://127.0.0.1:{server.port}"
        yield fake
        fake.released.set()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    return directory


@pytest.fixture
def fetcher(session: aiohttp.ClientSession, upstream: Upstream, corpus: Path) -> DigestFetcher:
    return DigestFetcher(session, upstream.template, corpus, retries=2, backoff=0.01, timeout=1.0)


def files_in(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


# -- fetch_day -------------------------------------------------------------------------


async def test_a_published_digest_is_saved_as_yyyy_mm_dd_md(fetcher, upstream, corpus):
    upstream.serve("2025-01-06", ok(FIXTURE))

    result = await fetcher.fetch_day(date(2025, 1, 6))

    assert (result.status, result.attempts, result.papers) == ("saved", 1, 6)
    assert result.path == corpus / "2025-01-06.md"
    assert files_in(corpus) == ["2025-01-06.md"]  # and no temp file left behind
    assert result.path.read_bytes() == FIXTURE
    assert upstream.user_agents == {fetch.USER_AGENT}


async def test_fetching_the_same_bytes_again_leaves_the_file_alone(fetcher, upstream, corpus):
    upstream.serve("2025-01-06", ok(FIXTURE))
    first = await fetcher.fetch_day("2025-01-06")
    os.utime(first.path, (1_000_000, 1_000_000))

    again = await fetcher.fetch_day("2025-01-06")

    assert again.status == "unchanged" and again.path == first.path
    assert first.path.stat().st_mtime == 1_000_000  # not rewritten: the watcher sees no change


async def test_a_day_with_no_papers_is_still_a_digest(fetcher, upstream):
    upstream.serve("2025-01-11", ok(EMPTY_DAY))
    result = await fetcher.fetch_day("2025-01-11")
    assert (result.status, result.papers) == ("saved", 0)


async def test_404_means_not_published_yet_and_is_not_retried(fetcher, upstream, corpus):
    result = await fetcher.fetch_day("2025-01-07")
    assert (result.status, result.attempts) == ("missing", 1)
    assert upstream.hits["2025-01-07"] == 1 and files_in(corpus) == []


@pytest.mark.parametrize("failure", [status(500), status(502), status(503),
                                     status(429, **{"Retry-After": "0"})])
async def test_server_trouble_is_retried_with_backoff(fetcher, upstream, failure):
    upstream.serve("2025-01-06", failure, failure, ok(FIXTURE))
    result = await fetcher.fetch_day("2025-01-06")
    assert (result.status, result.attempts) == ("saved", 3)


async def test_persistent_server_trouble_gives_up_as_an_error(fetcher, upstream, corpus):
    upstream.serve("2025-01-06", status(503))
    result = await fetcher.fetch_day("2025-01-06")
    assert (result.status, result.reason, result.attempts) == ("error", "HTTP 503", 3)
    assert upstream.hits["2025-01-06"] == 3 and files_in(corpus) == []


async def test_a_client_error_other_than_404_is_not_retried(fetcher, upstream):
    upstream.serve("2025-01-06", status(403))
    result = await fetcher.fetch_day("2025-01-06")
    assert (result.status, result.reason, result.attempts) == ("error", "HTTP 403", 1)


async def test_a_body_shorter_than_its_content_length_is_never_written(fetcher, upstream, corpus):
    upstream.serve("2025-01-06", cut_off(FIXTURE[:300], declared=len(FIXTURE)))

    result = await fetcher.fetch_day("2025-01-06")

    assert result.status == "error" and "truncated" in result.reason
    assert upstream.hits["2025-01-06"] == 3  # a dropped connection is worth retrying
    assert files_in(corpus) == []


async def test_a_truncated_body_that_recovers_on_retry_is_saved_whole(fetcher, upstream, corpus):
    upstream.serve("2025-01-06", cut_off(FIXTURE[:300], declared=len(FIXTURE)), ok(FIXTURE))
    result = await fetcher.fetch_day("2025-01-06")
    assert result.status == "saved" and (corpus / "2025-01-06.md").read_bytes() == FIXTURE


async def test_a_body_cut_mid_row_is_rejected_even_with_a_matching_length(
        fetcher, upstream, corpus):
    cut = FIXTURE[: FIXTURE.index(b"Zzitang")]  # valid UTF-8, ends inside the second row
    upstream.serve("2025-01-06", ok(cut))
    result = await fetcher.fetch_day("2025-01-06")
    assert result.status == "error" and "middle of a table row" in result.reason
    assert files_in(corpus) == []


async def test_a_response_slower_than_the_timeout_is_an_error_not_a_hang(
        session, upstream, corpus):
    fetcher = DigestFetcher(session, upstream.template, corpus,
                            retries=1, backoff=0.01, timeout=0.2)
    upstream.serve("2025-01-06", upstream.stall())
    loop = asyncio.get_running_loop()
    started = loop.time()

    result = await fetcher.fetch_day("2025-01-06")

    assert result.status == "error" and "timed out" in result.reason
    assert result.attempts == 2 and loop.time() - started < 1.0
    assert files_in(corpus) == []


@pytest.mark.parametrize(("body", "why"), [
    (b"<!DOCTYPE html><html><body><h1>Rate limited</h1></body></html>", "not a digest"),
    (b"<html>\n## Papers for 2025-01-06\n</html>", "an HTML page, not a digest"),
    (b"  \n<HTML><BODY>\n" + FIXTURE, "an HTML page, not a digest"),
    (b"", "not a digest"),
    (FIXTURE.replace(b"Ada", b"\xff\xfeAda"), "not UTF-8"),
    (digest("2025-01-05", "2501.00001"), "is for 2025-01-05, not 2025-01-06"),
])
async def test_a_200_that_is_not_this_days_digest_is_rejected(fetcher, upstream, corpus,
                                                               body, why):
    upstream.serve("2025-01-06", ok(body))
    result = await fetcher.fetch_day("2025-01-06")
    assert result.status == "error" and why in result.reason
    assert upstream.hits["2025-01-06"] == 1 and files_in(corpus) == []


async def test_an_unreachable_host_is_an_error_after_retries(session, corpus):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fetcher = DigestFetcher(session, f"http://127.0.0.1:{port}/{{date}}.md", corpus,
                            retries=1, backoff=0.01, timeout=1.0)
    result = await fetcher.fetch_day("2025-01-06")
    assert (result.status, result.attempts) == ("error", 2)
    assert result.reason.startswith("connection failed")


async def test_nothing_partial_is_ever_visible_in_the_corpus(fetcher, upstream, corpus):
    body = digest("2025-01-06", *(f"2501.{n:05d}" for n in range(1, 200)))
    upstream.serve("2025-01-06", trickle(body, pieces=5, pause=0.02))
    seen: list[bytes] = []

    async def observe() -> None:
        while True:
            for path in corpus.rglob("*"):
                if path.is_file() and not is_temp_name(path.name):
                    seen.append(path.read_bytes())
            await asyncio.sleep(0.002)

    observer = asyncio.create_task(observe())
    result = await fetcher.fetch_day("2025-01-06")
    await asyncio.sleep(0.01)
    observer.cancel()

    assert result.status == "saved"
    assert seen and all(snapshot == body for snapshot in seen)
    assert files_in(corpus) == ["2025-01-06.md"]


async def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(
        fetcher, upstream, corpus, monkeypatch):
    old = digest("2025-01-06", "2501.00001")
    (corpus / "2025-01-06.md").write_bytes(old)
    upstream.serve("2025-01-06", ok(FIXTURE))

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", disk_full)
    result = await fetcher.fetch_day("2025-01-06")

    assert result.status == "error" and "No space left" in result.reason
    assert files_in(corpus) == ["2025-01-06.md"]
    assert (corpus / "2025-01-06.md").read_bytes() == old


async def test_an_existing_upstream_layout_file_is_updated_in_place(fetcher, upstream, corpus):
    (corpus / "2025" / "01").mkdir(parents=True)
    (corpus / "2025" / "01" / "06.md").write_bytes(digest("2025-01-06", "2501.00001"))
    upstream.serve("2025-01-06", ok(FIXTURE))

    result = await fetcher.fetch_day("2025-01-06")

    assert result.status == "saved" and files_in(corpus) == ["2025/01/06.md"]
    assert (corpus / "2025" / "01" / "06.md").read_bytes() == FIXTURE


async def test_url_secrets_never_reach_logs_or_reasons(session, upstream, corpus, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.corpus")
    template = upstream.template.replace("://", "://me:pa55word@") + "?token=s3cr3t"
    fetcher = DigestFetcher(session, template, corpus, retries=1, backoff=0.01, timeout=1.0)
    upstream.serve("2025-01-06", status(500))

    result = await fetcher.fetch_day("2025-01-06")

    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert "/archive/2025/01/06.md?…" in ours
    for secret in ("s3cr3t", "pa55word"):
        assert secret not in ours and secret not in result.reason and secret not in repr(fetcher)


# -- settings and pure helpers ---------------------------------------------------------


def test_url_placeholders(session, corpus):
    upstream_style = DigestFetcher(session, "https://h/archive/{yyyy}/{mm}/{dd}.md", corpus)
    flat_style = DigestFetcher(session, "https://h/{date}.md?x=1", corpus)
    assert upstream_style.url_for(date(2025, 1, 6)) == "https://h/archive/2025/01/06.md"
    assert flat_style.url_for("2025-01-06") == "https://h/2025-01-06.md?x=1"


@pytest.mark.parametrize(("template", "problem"), [
    ("https://h/{yyyy}/{mm}.md", "must contain {date} or all of"),
    ("https://h/{day}.md", "unknown placeholder {day}"),
    ("https://h/{date.md", "not a valid template"),
    ("ftp://h/{date}.md", "http:// or https://"),
    ("/local/{date}.md", "http:// or https://"),
])
def test_bad_templates_are_explained(template: str, problem: str):
    assert problem in (url_template_problem(template) or "")


def test_good_templates_pass():
    assert url_template_problem("https://raw.githubusercontent.com/gabrielchua/daily-ai-papers"
                            "/main/archive/{yyyy}/{mm}/{dd}.md") is None


def test_a_fetcher_with_a_bad_template_is_refused_without_leaking_it(session, corpus):
    with pytest.raises(ValueError, match="must contain") as info:
        DigestFetcher(session, "https://h/x.md?token=s3cr3t", corpus)
    assert "s3cr3t" not in str(info.value)


def test_redact_keeps_host_and_path_only():
    assert redact("https://u:p@h:8080/a/b.md?token=t#f") == "https://h:8080/a/b.md?…"
    assert redact("https://h/a.md") == "https://h/a.md"


def test_check_digest_accepts_rows_without_a_heading():
    body = digest("2025-01-06", "2501.00001").split(b"\n", 2)[2]
    assert check_digest(body, "2025-01-06") == Checked(None, papers=1, rows=1)


def test_real_upstream_files_pass_the_check(real_corpus: Path):
    papers = 0
    for path in sorted(real_corpus.rglob("*.md"))[::10]:
        day = path.relative_to(real_corpus).as_posix()[:-3].replace("/", "-")
        checked = check_digest(path.read_bytes(), day)
        assert checked.problem is None, (path, checked.problem)
        papers += checked.papers
    assert papers > 100


def test_a_real_upstream_file_cut_inside_any_line_fails_the_check(real_corpus: Path):
    body = (real_corpus / "2025" / "01" / "03.md").read_bytes()
    cuts = [n for n in range(100, len(body), 61) if b"\n" not in body[n - 1:n + 1]]
    assert len(cuts) > 100
    assert all(check_digest(body[:n], "2025-01-03").problem for n in cuts)


def test_write_atomic_reports_whether_it_wrote(tmp_path: Path):
    target = tmp_path / "sub" / "2025-01-06.md"
    assert write_atomic(target, b"one") is True
    assert write_atomic(target, b"one") is False
    assert write_atomic(target, b"two") is True
    assert files_in(tmp_path) == ["sub/2025-01-06.md"] and target.read_bytes() == b"two"


# -- which days are due ----------------------------------------------------------------

TUESDAY = date(2025, 1, 7)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


def test_today_is_due_only_once_past_fetch_after():
    assert days_due(at(TUESDAY, 13, 29), AFTER, lookback_days=0) == []
    assert days_due(at(TUESDAY, 13, 30), AFTER, lookback_days=0) == ["2025-01-07"]


def test_yesterday_is_tried_too():
    assert days_due(at(TUESDAY, 0, 5), AFTER) == ["2025-01-06"]
    assert days_due(at(TUESDAY, 14), AFTER) == ["2025-01-06", "2025-01-07"]


async def test_days_already_present_are_not_due(fetcher, corpus):
    (corpus / "2025-01-07.md").write_bytes(digest("2025-01-07", "2501.00001"))
    assert await fetcher.due_dates(at(TUESDAY, 14), AFTER) == ["2025-01-06"]
    (corpus / "2025-01-06.md").write_bytes(digest("2025-01-06", "2501.00001"))
    assert await fetcher.due_dates(at(TUESDAY, 20), AFTER) == []


def test_weekends_are_still_tried():
    saturday = date(2025, 1, 11)
    assert days_due(at(saturday, 14), AFTER) == ["2025-01-10", "2025-01-11"]


def test_now_is_read_in_utc():
    new_york = timezone(timedelta(hours=-5))
    evening = datetime(2025, 1, 7, 9, 0, tzinfo=new_york)  # 14:00 UTC
    assert days_due(evening, AFTER, lookback_days=0) == ["2025-01-07"]
    assert days_due(datetime(2025, 1, 7, 14, 0), AFTER, lookback_days=0) == ["2025-01-07"]


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_day_that_answered_404_is_rechecked_only_after_a_while(
        session, upstream, corpus):
    ticker = Ticker()
    fetcher = DigestFetcher(session, upstream.template, corpus, retries=0, timeout=1.0,
                            recheck=600, clock=ticker)
    now = at(TUESDAY, 14)
    assert await fetcher.due_dates(now, AFTER, lookback_days=0) == ["2025-01-07"]

    assert (await fetcher.fetch_day("2025-01-07")).status == "missing"
    ticker.now += 599
    assert await fetcher.due_dates(now, AFTER, lookback_days=0) == []
    ticker.now += 1
    assert await fetcher.due_dates(now, AFTER, lookback_days=0) == ["2025-01-07"]

    upstream.serve("2025-01-07", ok(digest("2025-01-07", "2501.00001")))
    assert (await fetcher.fetch_day("2025-01-07")).status == "saved"
    assert await fetcher.due_dates(now, AFTER, lookback_days=0) == []  # now a file in corpus


# -- backfill --------------------------------------------------------------------------


async def test_backfill_fetches_missing_days_politely(session, upstream, corpus):
    fetcher = DigestFetcher(session, upstream.template, corpus, retries=0, timeout=1.0)
    (corpus / "2025-01-07.md").write_bytes(digest("2025-01-07", "2501.00007"))
    (corpus / "2025" / "01").mkdir(parents=True)
    (corpus / "2025" / "01" / "08.md").write_bytes(digest("2025-01-08", "2501.00008"))
    for day in ("2025-01-06", "2025-01-09", "2025-01-10", "2025-01-13"):
        upstream.serve(day, ok(digest(day, "2501.00001"), latency=0.08))
    # 2025-01-11 and -12 (the weekend) are not served: 404
    calls: list[tuple[int, int, str]] = []

    report = await backfill(fetcher, date(2025, 1, 6), date(2025, 1, 13), concurrency=2,
                            delay=0.04, progress=lambda *call: calls.append(call))

    assert [report.count(s) for s in ("saved", "missing", "error")] == [4, 2, 0]
    assert report.skipped == 2
    assert sorted(upstream.hits) == ["2025-01-06", "2025-01-09", "2025-01-10", "2025-01-11",
                                     "2025-01-12", "2025-01-13"]  # present days not asked
    assert upstream.max_in_flight == 2
    gaps = [b - a for a, b in zip(upstream.starts, upstream.starts[1:], strict=False)]
    assert min(gaps) >= 0.04 - 0.01
    assert [(done, total) for done, total, _ in calls] == [(n, 6) for n in range(1, 7)]
    assert sorted(label for *_, label in calls) == [
        "2025-01-06 saved", "2025-01-09 saved", "2025-01-10 saved",
        "2025-01-11 missing (HTTP 404)", "2025-01-12 missing (HTTP 404)", "2025-01-13 saved"]
    assert report.summary().startswith("4 saved, 2 missing, 0 errors, 2 skipped in ")


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_backfill_never_exceeds_its_concurrency(session, upstream, corpus, concurrency):
    fetcher = DigestFetcher(session, upstream.template, corpus, retries=0, timeout=1.0)
    for n in range(1, 7):
        day = f"2025-01-0{n}"
        upstream.serve(day, ok(digest(day, "2501.00001"), latency=0.05))
    report = await backfill(fetcher, date(2025, 1, 1), date(2025, 1, 6),
                            concurrency=concurrency, delay=0.0)
    assert report.count("saved") == 6 and upstream.max_in_flight == concurrency


async def test_backfill_stops_when_everything_fails(session, upstream, corpus):
    fetcher = DigestFetcher(session, upstream.template, corpus, retries=0, timeout=1.0)
    for n in range(1, 10):
        upstream.serve(f"2025-01-0{n}", status(500))
    report = await backfill(fetcher, date(2025, 1, 1), date(2025, 1, 9), concurrency=1,
                            delay=0.0, max_consecutive_errors=3)
    assert report.aborted and report.count("error") == 3 and sum(upstream.hits.values()) == 3
    assert report.summary().endswith("(stopped after repeated errors)")


async def test_backfill_of_a_complete_range_asks_nothing(fetcher, upstream, corpus):
    (corpus / "2025-01-06.md").write_bytes(digest("2025-01-06", "2501.00001"))
    report = await backfill(fetcher, date(2025, 1, 6), date(2025, 1, 6), delay=0.0)
    assert (report.skipped, report.results, upstream.hits) == (1, [], Counter())


async def test_backfill_refuses_a_reversed_range(fetcher):
    with pytest.raises(ValueError, match="before it starts"):
        await backfill(fetcher, date(2025, 1, 6), date(2025, 1, 5))


def test_render_progress():
    assert render_progress(12, 40, 10, "2025-01-12 saved") == "[###.......] 12/40 2025-01-12 saved"
    assert render_progress(0, 40, 4) == "[....] 0/40"
    assert render_progress(40, 40, 4) == "[####] 40/40"
    assert render_progress(0, 0, 4) == "[####] 0/0"


# -- empty and short days are not present ------------------------------------------------

UNREADABLE_ROW = b"| A row without any link at all | Someone | Cannot be identified. |\n"


@pytest.mark.parametrize(("body", "complete"), [
    (digest("2025-01-07", "2501.00001"), True),
    (digest("2025-01-07"), False),  # a heading and no rows: published half-way
    (digest("2025-01-07", "2501.00001") + UNREADABLE_ROW, False),  # a row lost
])
async def test_only_a_complete_file_makes_a_day_present(fetcher, corpus, body, complete):
    (corpus / "2025-01-07.md").write_bytes(body)
    due = await fetcher.due_dates(at(TUESDAY, 14), AFTER, lookback_days=0)
    assert due == ([] if complete else ["2025-01-07"])


async def test_a_day_saved_without_papers_is_fetched_again_after_a_while(
        session, upstream, corpus):
    ticker = Ticker()
    fetcher = DigestFetcher(session, upstream.template, corpus, retries=0, timeout=1.0,
                            recheck=600, clock=ticker)
    now = at(TUESDAY, 14)
    upstream.serve("2025-01-07", ok(digest("2025-01-07")),
                   ok(digest("2025-01-07", "2501.00001", "2501.00002")))

    first = await fetcher.fetch_day("2025-01-07")
    assert (first.status, first.papers, first.complete) == ("saved", 0, False)
    assert await fetcher.due_dates(now, AFTER, lookback_days=0) == []
    ticker.now += 600
    assert await fetcher.due_dates(now, AFTER, lookback_days=0) == ["2025-01-07"]

    second = await fetcher.fetch_day("2025-01-07")
    assert (second.status, second.papers, second.complete) == ("saved", 2, True)
    ticker.now += 600
    assert await fetcher.due_dates(now, AFTER, lookback_days=0) == []


async def test_backfill_asks_again_for_empty_and_short_days(fetcher, upstream, corpus):
    (corpus / "2025-01-06.md").write_bytes(digest("2025-01-06", "2501.00006"))
    (corpus / "2025-01-07.md").write_bytes(digest("2025-01-07"))
    (corpus / "2025-01-08.md").write_bytes(digest("2025-01-08", "2501.00008") + UNREADABLE_ROW)
    for day in ("2025-01-07", "2025-01-08"):
        upstream.serve(day, ok(digest(day, "2501.00001")))

    report = await backfill(fetcher, date(2025, 1, 6), date(2025, 1, 8), delay=0.0)

    assert (report.count("saved"), report.skipped) == (2, 1)
    assert sorted(upstream.hits) == ["2025-01-07", "2025-01-08"]
