from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import REAL_CORPUS

# Nothing in the tests downloads a model: `python -m bot` run by a test, and settings read
# from the environment, use BM25 unless a test names a local model (EMBED_MODEL_PATH).
os.environ["EMBED_MODEL"] = "off"


@pytest.fixture
def real_corpus() -> Path:
    if not REAL_CORPUS.is_dir():
        pytest.skip("../shared/corpus-real is not available")
    return REAL_CORPUS


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "papers.db"


@pytest.fixture
async def paperboy(tmp_path: Path):
    """The real bot against the local Discord, on the bot fixture corpus. After every test:
    everything the bot sent is something Discord accepts, and it pinged nobody."""
    from .bot_support import assert_discord_would_accept, running_bot

    async with running_bot(tmp_path) as run:
        yield run
        assert_discord_would_accept(run.fake)


@pytest.fixture
def five_second_deadline() -> Iterator[None]:
    """Fail (rather than hang) a test that runs longer than 5 s (POSIX timers)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("test exceeded its 5 s deadline")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 5)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)
