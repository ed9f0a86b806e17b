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
