from __future__ import annotations

from pathlib import Path

import pytest

from .support import REAL_CORPUS


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
