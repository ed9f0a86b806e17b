"""Crash safety of ingestion: `python -m bot ingest` killed with SIGKILL at any moment leaves a
consistent database (every digest stored whole or not at all), and the next run completes it.

This is done for real: the CLI runs as a subprocess on a generated corpus big enough to take
a second or two (300 digests × 30 rows), and is killed when its write-ahead log appears, after
0.5 s, and when it reports 200 of 300 files done; each kill is followed by the checks, and the
next run picks up where the last one stopped. If a run finishes before the kill (a fast
machine), the counts are still checked and the remaining kills are skipped.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from .cli_support import bot_env, run_bot
from .support import ROOT

DAYS = 300
ROWS = 30
OVERLAP = 5  # the last 5 rows of a day are the first 5 of the next day (listed again)
FIRST_DAY = date(2024, 1, 1)
WORDS = ("model", "data", "training", "language", "vision", "reasoning", "agent", "diffusion",
         "benchmark", "retrieval", "scaling", "sparse", "attention", "token", "policy", "reward")


@dataclass(frozen=True)
class Corpus:
    directory: Path
    papers: dict[str, tuple[str, str, str]]  # arxiv id -> (title, first date, latest date)
    hashes: dict[str, str]  # digest date -> sha256 of its file
    appearances: int

    def stats(self) -> dict[str, object]:
        return {"digests": len(self.hashes), "papers": len(self.papers),
                "appearances": self.appearances, "first_date": min(self.hashes),
                "latest_date": max(self.hashes), "incomplete_days": []}


def write_corpus(directory: Path) -> Corpus:
    """300 `YYYY-MM-DD.md` digests of 30 rows; a paper listed on two days takes the newer title."""
    rng = random.Random(6)
    directory.mkdir(parents=True)
    papers: dict[str, tuple[str, str, str]] = {}
    hashes = {}
    for d in range(DAYS):
        day = (FIRST_DAY + timedelta(days=d)).isoformat()
        lines = [f"## Papers for {day}", "", "| Title | Authors | Summary |", "|---|---|---|"]
        for r in range(ROWS):
            n = d * (ROWS - OVERLAP) + r
            arxiv_id = f"24{1 + n // 10_000:02d}.{n % 10_000:05d}"
            title = " ".join(rng.choice(WORDS).title() for _ in range(6)) + f" (day {d})"
            summary = " ".join(rng.choice(WORDS) for _ in range(60)) + "."
            lines.append(f"| {title} (Read more on [arXiv](https://arxiv.org/abs/{arxiv_id}) or"
                         f" [HuggingFace](https://huggingface.co/papers/{arxiv_id}))|"
                         f" Ada Lovelace, Alan Turing | {summary} |")
            first = papers[arxiv_id][1] if arxiv_id in papers else day
            papers[arxiv_id] = (title, first, day)
        data = ("\n".join(lines) + "\n").encode()
        (directory / f"{day}.md").write_bytes(data)
        hashes[day] = hashlib.sha256(data).hexdigest()
    return Corpus(directory, papers, hashes, DAYS * ROWS)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return write_corpus(tmp_path_factory.mktemp("crash") / "corpus")


# --- a run, killed ----------------------------------------------------------------------------


def start_ingest(corpus: Corpus, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", "ingest", str(corpus.directory)],
                            env={**env, "PYTHONPATH": str(ROOT)}, cwd=cwd, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(process: subprocess.Popen[str], moment: str | float, db: Path) -> bool:
    """SIGKILL `process` at `moment`: "wal" (its write-ahead log appears), "progress" (it
    reports 200 of 300 files done) or after that many seconds. False if it finished first."""
    deadline = time.monotonic() + 20
    if moment == "progress":
        for line in process.stderr:  # type: ignore[union-attr]
            if line.startswith(f"... 200/{DAYS} files") or time.monotonic() > deadline:
                break
    elif moment == "wal":
        wal = db.with_name(db.name + "-wal")
        while not wal.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
    else:
        time.sleep(float(moment))
    finished = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    if finished:
        assert process.returncode == 0, "the ingest failed on its own"
        return False
    assert process.returncode == -signal.SIGKILL
    return True


# --- what a consistent database looks like ----------------------------------------------------


def check_consistent(db: Path, corpus: Corpus) -> int:
    """Assert the database is sound and holds whole digests only; returns how many."""
    if not db.exists():
        return 0  # killed before the database was created
    with sqlite3.connect(db) as con:  # opening recovers from the write-ahead log
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master")}
        if "digests" not in tables:
            return 0  # killed before the first migration committed
        half_stored = con.execute(
            "SELECT d.date, d.rows, COUNT(a.arxiv_id) FROM digests d"
            " LEFT JOIN appearances a ON a.digest_id = d.id GROUP BY d.id"
            " HAVING d.rows != COUNT(a.arxiv_id)").fetchall()
        assert half_stored == [], "digests whose rows are not all stored"
        for day, sha in con.execute("SELECT date, sha256 FROM digests"):
            assert corpus.hashes[day] == sha, f"{day} stored from other bytes than its file"
        # The papers table is derived from the appearances: no more, no less, dates agree.
        mismatched = con.execute(
            "SELECT p.arxiv_id FROM papers p LEFT JOIN (SELECT arxiv_id, MIN(date) AS first,"
            " MAX(date) AS latest FROM appearances GROUP BY arxiv_id) a USING (arxiv_id)"
            " WHERE a.first IS NULL OR p.first_date != a.first OR p.latest_date != a.latest"
        ).fetchall()
        assert mismatched == []
        unlisted = con.execute("SELECT COUNT(*) FROM appearances WHERE arxiv_id NOT IN"
                               " (SELECT arxiv_id FROM papers)").fetchone()
        assert unlisted == (0,)
        return con.execute("SELECT COUNT(*) FROM digests").fetchone()[0]


def check_complete(db: Path, corpus: Corpus, env: dict[str, str], cwd: Path) -> None:
    stats = run_bot("stats", "--json", env=env, cwd=cwd)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout) == corpus.stats()
    with sqlite3.connect(db) as con:
        stored = {row[0]: tuple(row[1:]) for row in con.execute(
            "SELECT arxiv_id, title, first_date, latest_date FROM papers")}
    assert stored == corpus.papers  # the newest listing's title, both dates


SUMMARY_RE = re.compile(r"ingested (\d+) digests \((\d+) new, (\d+) changed, (\d+) unchanged\)")


def test_ingest_killed_at_several_moments_stays_consistent_and_the_next_run_completes_it(
        corpus: Corpus, tmp_path: Path):
    env = bot_env(tmp_path)
    db = Path(env["PAPERS_DB"])
    kills, stored = [], 0
    for moment in ("wal", 0.5, "progress"):
        if not kill_when(start_ingest(corpus, env, tmp_path), moment, db):
            break  # finished before the kill: nothing left to interrupt
        now = check_consistent(db, corpus)
        assert now >= stored, "a killed run lost digests stored before"
        kills.append((moment, now))
        stored = now

    result = run_bot("ingest", str(corpus.directory), env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    check_consistent(db, corpus)
    check_complete(db, corpus, env, tmp_path)
    if not kills:
        pytest.skip("every ingest finished before it could be killed (counts checked)")
    summary = SUMMARY_RE.search(result.stdout)
    if stored < DAYS:  # whatever the killed runs stored whole is recognised as unchanged
        assert summary, result.stdout
        assert summary.groups() == (str(DAYS), str(DAYS - stored), "0", str(stored)), kills
    assert kills[0][1] < DAYS  # at least the first kill interrupted something

