"""Sentence embeddings for semantic search: each text becomes a unit float32 vector.

The default backend is a sentence-embedding model (such as all-MiniLM-L6-v2) exported to ONNX,
run on CPU by ONNX Runtime on one core, with the model's own `tokenizer.json`: inputs cut at
256 tokens, mean pooling over the tokens, L2 normalisation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MAX_TOKENS = 256


class ModelUnavailable(Exception):
    """The embedding model cannot be had (missing, bad, or not downloadable); the message says
    why in one line, fit for the log and for /about."""


class Embedder(Protocol):
    @property
    def dim(self) -> int: ...

    @property
    def key(self) -> str:
        """Names the model exactly: saved vectors are kept per key."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row of unit length per text, shape (len(texts), dim)."""
        ...


def paper_text(title: str, summary: str) -> str:
    """The text a paper is embedded from: "title. summary" (the summary as clean_summary
    leaves it)."""
    title, summary = title.strip(), summary.strip()
    if not summary:
        return title
    if not title:
        return summary
    joiner = " " if title[-1] in ".?!" else ". "
    return title + joiner + summary


class OnnxEmbedder:
    """A sentence-embedding model in a folder holding `model.onnx` and `tokenizer.json`.

    Each text is run on its own (a fixed batch of one). Measured on one core with the int8
    all-MiniLM-L6-v2 over real paper summaries, that is 1.3-3x faster than batches of 8 or 16
    padded to their longest text, and it keeps a text's vector independent of its neighbours:
    dynamically quantised models share one activation scale across a batch, which moved
    vectors by up to 0.008 in cosine depending on what else was in the batch.
    """

    def __init__(self, session: Any, tokenizer: Any, key: str) -> None:
        self._session = session
        self._tokenizer = tokenizer
        inputs = {node.name for node in session.get_inputs()}
        self._with_token_types = "token_type_ids" in inputs
        outputs = [node.name for node in session.get_outputs()]
        self._output = "last_hidden_state" if "last_hidden_state" in outputs else outputs[0]
        self.key = key  # sha256 over the model's two files: what saved vectors are keyed by
        self._dim = int(self._embed_one("dimension probe").shape[0])

    @classmethod
    def load(cls, folder: str | Path) -> OnnxEmbedder:
        """Load the model from `folder`; ModelUnavailable if a file is missing or unusable."""
        folder = Path(folder)
        model_path, tokenizer_path = folder / MODEL_FILE, folder / TOKENIZER_FILE
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise ModelUnavailable(f"embedding model: no {path.name} in {folder}")
        # Imported here: ONNX Runtime takes most of a second to import, and a bot with
        # EMBED_MODEL=off never needs it.
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as error:
            raise ModelUnavailable(f"embedding model: bad {tokenizer_path}: {error}") from error
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Every text has its own length, so planned memory patterns are never reused; without
        # them the process stays ~6 MB smaller at the same speed.
        options.enable_mem_pattern = False
        digest = hashlib.sha256()
        for path in (model_path, tokenizer_path):
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        try:
            session = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"])
            return cls(session, tokenizer, digest.hexdigest())
        except ModelUnavailable:
            raise
        except Exception as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise ModelUnavailable(f"embedding model: bad {model_path}: {reason}") from error

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.empty((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i] = self._embed_one(text)
        return rows

    def _embed_one(self, text: str) -> np.ndarray:
        ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if self._with_token_types:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run([self._output], feed)[0]
        if hidden.ndim != 3 or hidden.shape[:2] != ids.shape:
            raise ModelUnavailable(
                f"embedding model: output {self._output} has shape {hidden.shape}, "
                "not [batch, tokens, dim]")
        # One text per run, so there is no padding: the mean over the attention mask is the
        # mean over all tokens.
        vector = hidden[0].astype(np.float32).mean(axis=0)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector
