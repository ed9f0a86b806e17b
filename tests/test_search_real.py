"""Smoke checks on the real corpus (skipped when ../shared/corpus-real is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.files import find_digest_files
from bot.digest import PaperRecord, parse_digest
from bot.digest.clean import clean_summary

from .search_support import engine_of


@pytest.fixture(scope="module")
def real_papers() -> list[PaperRecord]:
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus-real"
    if not corpus.is_dir():
        pytest.skip("../shared/corpus-real is not available")
    newest: dict[str, PaperRecord] = {}
    for path in find_digest_files(corpus):
        for p in parse_digest(path.read_text("utf-8", "replace")).papers:
            newest[p.arxiv_id] = PaperRecord(p.arxiv_id, p.title, p.authors, p.summary,
                                             (p.date,), p.source)
    return list(newest.values())


def test_no_boilerplate_is_left_in_real_summaries(real_papers: list[PaperRecord]) -> None:
    leftovers = [p.arxiv_id for p in real_papers
                 if any(marker in clean_summary(p.summary).lower() for marker in
                        ("follow-up questions:", "here is a concise summary",
                         "here's a concise summary", "**"))
                 or clean_summary(p.summary).startswith(("i) ", "a) ", "Summary:"))]
    assert leftovers == []


def test_real_titles_and_typos_are_found(real_papers: list[PaperRecord]) -> None:
    engine = engine_of(real_papers)
    assert engine.search("PokéChamp minimax language agent")[0].arxiv_id == "2503.04094"
    assert engine.search("pokechamp")[0].arxiv_id == "2503.04094"
    assert engine.search("PokeChmap")[0].arxiv_id == "2503.04094"  # a typo
