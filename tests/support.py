"""Paths and small helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL_CORPUS = SHARED / "corpus-real"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_DIGESTS = FIXTURES / "digests"
