"""Semantic search: vectors beside BM25, fused, built in the background; similar papers.

Plumbing runs on a small deterministic embedder (words mapped to shared meanings); the real
model (../shared/models) checks that paraphrases are found, and is skipped when absent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.config import DEFAULT_EMBED_MODEL, load_settings
from bot.digest import Digest, PaperRecord
from bot.digest.models import Paper
from bot.search import SearchEngine
from bot.search.model_files import MODELS
from bot.search.semantic import Semantic, load_model
from bot.store import Store

from .support import SHARED

MODEL = SHARED / "models" / "all-MiniLM-L6-v2-int8"

# Words that mean the same thing land on the same axis.
MEANINGS = {"automobile": "car", "vehicle": "car", "cheap": "fast", "quick": "fast",
            "rapid": "fast", "efficient": "fast", "protein": "biology", "enzyme": "biology"}


class MeaningEmbedder:
    dim = 64
    key = "meaning-test-model"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().replace(".", " ").split():
                word = MEANINGS.get(word, word)
                rows[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(rows[i])
            rows[i] /= norm if norm else 1.0
        return rows


def paper(arxiv_id: str, title: str, summary: str, day: str = "2025-03-07") -> PaperRecord:
    return PaperRecord(arxiv_id, title, ("A. Author",), summary, (day,), f"{day}.md:3")


PAPERS = [
    paper("2503.00001", "Driving a car in the city", "We teach a car to drive in traffic."),
    paper("2503.00002", "Fast attention kernels", "Attention runs fast on small GPUs."),
    paper("2503.00003", "Protein folding at scale", "Folding protein chains with transformers."),
    paper("2503.00004", "Speech recognition for all", "Recognising speech in many languages."),
]


async def engine_with(embedder: MeaningEmbedder | None) -> SearchEngine:
    engine = SearchEngine.from_records(PAPERS)
    if embedder is not None:
        engine.semantic.attach(embedder, None)
        await engine.semantic.catch_up(PAPERS)
    return engine


async def test_a_paraphrase_with_no_shared_word_finds_the_paper_by_meaning() -> None:
    bm25_only = await engine_with(None)
    assert bm25_only.search("automobile") == []
    engine = await engine_with(MeaningEmbedder())
    assert engine.search("automobile")[0].arxiv_id == "2503.00001"
    assert engine.search("enzyme chains")[0].arxiv_id == "2503.00003"


async def test_an_id_or_an_exact_title_keeps_its_paper_first() -> None:
    engine = await engine_with(MeaningEmbedder())
    assert engine.search("2503.00004")[0].arxiv_id == "2503.00004"
    assert engine.search("Fast attention kernels")[0].arxiv_id == "2503.00002"


async def test_until_every_paper_has_a_vector_bm25_ranks_alone() -> None:
    engine = SearchEngine.from_records(PAPERS)
    engine.semantic.attach(MeaningEmbedder(), None)
    await engine.semantic.catch_up(PAPERS[:2])  # the store held two papers then
    assert engine.search("automobile") == []
    assert engine.semantic.status() == "semantic search: 2/2 papers"
    await engine.semantic.catch_up(PAPERS)
    assert engine.semantic.status() == "semantic search: 4/4 papers"
    assert engine.search("automobile")[0].arxiv_id == "2503.00001"


async def test_only_new_or_changed_papers_are_embedded_again() -> None:
    embedder = MeaningEmbedder()
    engine = await engine_with(embedder)
    assert await engine.semantic.catch_up(PAPERS) == 0
    changed = paper("2503.00004", "Speech recognition for all", "Now with a vehicle.")
    assert await engine.semantic.catch_up([*PAPERS[:3], changed]) == 1


async def test_vectors_are_saved_and_reused_by_the_next_start(tmp_path: Path) -> None:
    first = Semantic()
    first.attach(MeaningEmbedder(), tmp_path)
    assert await first.catch_up(PAPERS) == 4
    again = Semantic()
    again.attach(MeaningEmbedder(), tmp_path)
    assert await again.catch_up(PAPERS) == 0
    assert len(again.vectors) == 4


async def test_similar_papers_never_include_the_paper_itself(tmp_path: Path) -> None:
    papers = [*PAPERS, paper("2503.00006", "Attention kernels for speech",
                             "Speech attention runs on GPUs.")]
    async with await Store.open(tmp_path / "p.db") as store:
        digest = Digest("2025-03-07", [Paper(p.arxiv_id, p.title, p.authors, p.summary,
                                             "2025-03-07", p.source) for p in papers])
        await store.ingest_digest("2025-03-07.md", "x", digest)
        engine = SearchEngine.from_records(papers)
        by_words = await engine.similar("2503.00002", store, 5)
        assert by_words[0].arxiv_id == "2503.00006"  # BM25 on its title and summary
        engine.semantic.attach(MeaningEmbedder(), None)
        await engine.semantic.catch_up(papers)
        by_vector = await engine.similar("2503.00002", store, 5)
        assert len(by_vector) == 4 and "2503.00002" not in {h.arxiv_id for h in by_vector}
        assert by_vector[0].arxiv_id == "2503.00006"


async def test_a_missing_model_leaves_bm25_answering_and_says_why(tmp_path: Path) -> None:
    engine = SearchEngine.from_records(PAPERS)
    problem = await load_model(engine.semantic, "owner/model", tmp_path / "nowhere",
                               tmp_path / "p.db")
    assert problem is not None
    assert engine.semantic.status().startswith("semantic search unavailable (")
    assert "no model.onnx" in engine.semantic.status()
    assert engine.search("car")[0].arxiv_id == "2503.00001"


async def test_model_off_says_so() -> None:
    engine = SearchEngine.from_records(PAPERS)
    assert await load_model(engine.semantic, None, None, Path(":memory:")) is not None
    assert engine.semantic.status() == "semantic search: off (EMBED_MODEL=off); BM25 only"


@pytest.mark.skipif(not MODEL.is_dir(), reason="../shared/models is not available")
async def test_the_real_model_finds_a_paraphrase_bm25_misses(tmp_path: Path) -> None:
    papers = [*PAPERS, paper("2503.00005", "Lightweight image generators",
                             "Diffusion models that draw pictures on a phone.")]
    engine = SearchEngine.from_records(papers)
    assert await load_model(engine.semantic, None, MODEL, tmp_path / "p.db") is None
    await engine.semantic.catch_up(papers)
    assert engine.search("making pictures on mobile devices")[0].arxiv_id == "2503.00005"


def test_the_model_settings_default_to_the_downloadable_model_and_can_be_turned_off(
        tmp_path: Path) -> None:
    db = {"PAPERS_DB": str(tmp_path / "p.db")}
    default = load_settings(db)
    assert default.embed_model == DEFAULT_EMBED_MODEL and default.embed_model_path is None
    assert DEFAULT_EMBED_MODEL in MODELS  # its files' hashes are pinned
    assert load_settings({**db, "EMBED_MODEL": "OFF"}).embed_model is None
    local = load_settings({**db, "EMBED_MODEL_PATH": str(MODEL)})
    assert local.embed_model_path == MODEL
