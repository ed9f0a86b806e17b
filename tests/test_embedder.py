"""The sentence embedder: meaning becomes nearness (model from ../shared; skipped without it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.search.embedder import ModelUnavailable, OnnxEmbedder, paper_text

MODEL = Path(__file__).resolve().parents[2] / "shared" / "models" / "all-MiniLM-L6-v2-int8"


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    if not (MODEL / "model.onnx").is_file():
        pytest.skip("../shared/models/all-MiniLM-L6-v2-int8 is not available")
    return OnnxEmbedder.load(MODEL)


def test_the_model_gives_384_dimensional_unit_rows(embedder: OnnxEmbedder) -> None:
    rows = embedder.embed(["Sparse attention for long documents", "", "x" * 5000])
    assert embedder.dim == 384
    assert rows.shape == (3, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


def test_sentences_with_the_same_meaning_are_closer_than_unrelated_ones(
    embedder: OnnxEmbedder,
) -> None:
    cheap_video, fewer_frames, protein = embedder.embed([
        "cheap video diffusion: fewer frames at noisy steps",
        "Accelerating video diffusion models by denoising a reduced number of frames at high "
        "noise levels",
        "Predicting protein structures from amino acid sequences with a graph network",
    ])
    assert cheap_video @ fewer_frames > cheap_video @ protein + 0.2
    assert fewer_frames @ protein < 0.3


def test_a_text_gets_the_same_vector_alone_or_among_others(embedder: OnnxEmbedder) -> None:
    texts = [f"Paper {i}: " + "a study of retrieval augmented generation " * (i % 7)
             for i in range(40)]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([text]) for text in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_long_texts_are_cut_at_256_tokens(embedder: OnnxEmbedder) -> None:
    start = "Mixture of experts routing for efficient language models. " * 30
    assert np.abs(embedder.embed([start])[0] - embedder.embed([start + "unrelated " * 300])[0]
                  ).max() < 1e-5


def test_the_key_names_the_model_files(embedder: OnnxEmbedder) -> None:
    assert len(embedder.key) == 64 and embedder.key == OnnxEmbedder.load(MODEL).key


def test_a_paper_is_embedded_as_title_then_summary() -> None:
    assert paper_text("Attention Is All You Need", "We propose the Transformer.") == (
        "Attention Is All You Need. We propose the Transformer.")
    assert paper_text("What Matters?  ", " Much.") == "What Matters? Much."
    assert paper_text("Only a title", "") == "Only a title"


def test_a_folder_without_the_model_files_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"no model\.onnx"):
        OnnxEmbedder.load(tmp_path)
    (tmp_path / "model.onnx").write_bytes(b"")
    with pytest.raises(ModelUnavailable, match=r"no tokenizer\.json"):
        OnnxEmbedder.load(tmp_path)


def test_a_bad_tokenizer_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"")
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(ModelUnavailable, match=r"bad .*tokenizer\.json"):
        OnnxEmbedder.load(tmp_path)


def test_a_bad_or_truncated_model_file_is_unavailable(tmp_path: Path) -> None:
    if not (MODEL / "tokenizer.json").is_file():
        pytest.skip("../shared/models/all-MiniLM-L6-v2-int8 is not available")
    (tmp_path / "tokenizer.json").write_bytes((MODEL / "tokenizer.json").read_bytes())
    (tmp_path / "model.onnx").write_bytes(b"this is not an onnx file")
    with pytest.raises(ModelUnavailable, match=r"bad .*model\.onnx"):
        OnnxEmbedder.load(tmp_path)
    with (MODEL / "model.onnx").open("rb") as whole:
        (tmp_path / "model.onnx").write_bytes(whole.read(3_000_000))
    with pytest.raises(ModelUnavailable, match=r"bad .*model\.onnx"):
        OnnxEmbedder.load(tmp_path)
