"""Paper vectors for semantic search, stored as int8 with one scale per row.

Each unit vector is rounded to int8 (its largest component at ±127) and kept with the scale
that makes the decoded row unit length again, so a row's cosine with a query is
`(codes · query) × scale`: 384 bytes + 4 per paper, 38 MB for 100k papers.

Why int8 rather than float16: on 1,500 real MiniLM vectors of this corpus (200 of them as
queries) int8 cosines are within 0.002 of float32 and keep 99.8% of the true ten nearest
(float16: 0.00006 and 99.95%, the misses being near-ties), at half float16's memory; and numpy
widens int8 to float32 over ten times faster than float16, so scanning 100k rows takes about
10 ms on one core where float16 takes about 190 ms.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .cache import pack_strings, unpack_strings

log = logging.getLogger(__name__)

FORMAT = 1
BLOCK = 4096  # rows widened to float32 at a time: bounds the scratch memory of a scan
# Above EXACT_ROWS rows `nearest` does not scan every row: a PROJECTED-dimensional principal-
# component projection of the rows (float32, 256 bytes a row) picks SHORTLIST × k candidates,
# which are then scored exactly. At 100k rows that is a 26 MB scan instead of 38 MB widened
# to float32, 1-2 ms instead of 15-20 (bench/semantic.py).
EXACT_ROWS = 20_000
PROJECTED = 64
SHORTLIST = 20
SAMPLE_ROWS = 5_000  # rows the principal components are computed from


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 codes, float32 scales) of float rows; decoded rows `codes × scale` are unit."""
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    codes = np.round(vectors * (127 / np.where(peak > 0, peak, 1))).astype(np.int8)
    norms = np.linalg.norm(codes.astype(np.float32), axis=1)
    scales = np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0).astype(np.float32)
    return codes, scales


class VectorTable:
    """Paper ids → quantised unit vectors, all made by the model `key` names, each with a tag
    (what the vector was computed from, so that a changed text is seen)."""

    def __init__(self, dim: int, key: str) -> None:
        self.dim = dim
        self.key = key
        self._ids: list[str] = []
        self._tags: list[str] = []
        self._rows: dict[str, int] = {}
        self._codes = np.zeros((0, dim), dtype=np.int8)
        self._scales = np.zeros(0, dtype=np.float32)
        self._basis: np.ndarray | None = None  # PROJECTED × dim, once the table is large
        self._projected = np.zeros((0, PROJECTED), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._rows

    @property
    def ids(self) -> Sequence[str]:
        """The ids in row order: `cosine` scores line up with them."""
        return self._ids

    def tag(self, paper_id: str) -> str | None:
        row = self._rows.get(paper_id)
        return self._tags[row] if row is not None else None

    def add(self, ids: Sequence[str], vectors: np.ndarray, tags: Sequence[str] = ()) -> None:
        """Store (or replace) the vectors of `ids`, one float row each, with their tags."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected {len(ids)} rows of {self.dim}, got {vectors.shape}")
        codes, scales = quantize(vectors)
        rows = np.empty(len(ids), dtype=np.int64)
        for i, paper_id in enumerate(ids):
            tag = tags[i] if tags else ""
            row = self._rows.setdefault(paper_id, len(self._ids))
            if row == len(self._ids):
                self._ids.append(paper_id)
                self._tags.append(tag)
            else:
                self._tags[row] = tag
            rows[i] = row
        if len(self._ids) > len(self._codes):
            self._grow(max(len(self._ids), len(self._codes) * 3 // 2, 64))
        self._codes[rows] = codes
        self._scales[rows] = scales
        if self._basis is not None:
            if len(self._projected) < len(self._codes):
                grown = np.zeros((len(self._codes), PROJECTED), dtype=np.float32)
                grown[:len(self._projected)] = self._projected
                self._projected = grown
            self._projected[rows] = self._decoded(rows) @ self._basis.T

    def _grow(self, capacity: int) -> None:
        codes = np.zeros((capacity, self.dim), dtype=np.int8)
        scales = np.zeros(capacity, dtype=np.float32)
        codes[:len(self._codes)] = self._codes
        scales[:len(self._scales)] = self._scales
        self._codes, self._scales = codes, scales

    def vector(self, paper_id: str) -> np.ndarray | None:
        """The stored (decoded) vector of a paper, None if it has none."""
        row = self._rows.get(paper_id)
        if row is None:
            return None
        return self._codes[row].astype(np.float32) * self._scales[row]

    def cosine(self, query: np.ndarray) -> np.ndarray:
        """The cosine of every row with a unit `query`, in the order of `ids`."""
        query = np.asarray(query, dtype=np.float32).reshape(self.dim)
        count = len(self._ids)
        scores = np.empty(count, dtype=np.float32)
        for start in range(0, count, BLOCK):
            stop = min(start + BLOCK, count)
            np.matmul(self._codes[start:stop].astype(np.float32), query, out=scores[start:stop])
        scores *= self._scales[:count]
        return scores

    def cosine_of(self, ids: Sequence[str], query: np.ndarray) -> np.ndarray:
        """The cosine of each id's vector with a unit `query` (0 for an id without one)."""
        rows = np.array([self._rows.get(paper_id, -1) for paper_id in ids], dtype=np.int64)
        scores = np.zeros(len(ids), dtype=np.float32)
        known = rows >= 0
        if known.any():
            query = np.asarray(query, dtype=np.float32).reshape(self.dim)
            scores[known] = self._decoded(rows[known]) @ query
        return scores

    def nearest(self, query: np.ndarray, k: int,
                exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The k rows most similar to `query` as (id, cosine), best first, skipping `exclude`
        (in a large table: of the SHORTLIST × k rows nearest in the projection)."""
        query = np.asarray(query, dtype=np.float32).reshape(self.dim)
        skip = [row for row in (self._rows.get(i) for i in exclude) if row is not None]
        count = len(self._ids)
        if count > EXACT_ROWS:
            basis, projected = self._projection()
            approx = projected[:count] @ (basis @ query)
            approx[skip] = -np.inf
            wanted = min(count, SHORTLIST * (k + len(skip)))
            pool = np.argpartition(-approx, wanted - 1)[:wanted]
            pool = pool[np.isfinite(approx[pool])]
            scores = np.full(count, -np.inf, dtype=np.float32)
            scores[pool] = self._decoded(pool) @ query
        else:
            scores = self.cosine(query)
            scores[skip] = -np.inf
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(self._ids[row], float(scores[row])) for row in top]

    def _decoded(self, rows: np.ndarray) -> np.ndarray:
        return self._codes[rows].astype(np.float32) * self._scales[rows, None]

    def prepare(self) -> None:
        """Make what a search of a large table needs now, not at its first query."""
        if len(self._ids) > EXACT_ROWS:
            self._projection()

    def _projection(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows in the principal-component projection, made on first need (from a
        sample of the rows) and kept current by `add`."""
        if self._basis is None:
            count = len(self._ids)
            sample = np.random.default_rng(0).choice(count, min(count, SAMPLE_ROWS),
                                                     replace=False)
            vectors = self._decoded(np.sort(sample))
            # Uncentred: the direction every embedding shares is the first component, and
            # it carries much of each cosine.
            _, _, components = np.linalg.svd(vectors, full_matrices=False)
            self._basis = np.ascontiguousarray(components[:PROJECTED], dtype=np.float32)
            self._projected = np.zeros((len(self._codes), PROJECTED), dtype=np.float32)
            for start in range(0, count, BLOCK):
                rows = np.arange(start, min(start + BLOCK, count))
                self._projected[rows] = self._decoded(rows) @ self._basis.T
        return self._basis, self._projected

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the table to `path` (.npz) in one piece: a reader sees the old file or the new."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        count = len(self._ids)
        arrays: dict[str, Any] = {  # Any: numpy's stubs clash with savez(allow_pickle=)
            "format": np.array(FORMAT, dtype=np.int64),
            "codes": self._codes[:count],
            "scales": self._scales[:count],
            **pack_strings("ids", self._ids),
            **pack_strings("tags", self._tags),
            **pack_strings("key", [self.key]),
        }
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with temporary.open("wb") as out:
                np.savez(out, **arrays)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, key: str) -> VectorTable | None:
        """The table saved at `path` if it is whole and made by the model `key`; else None."""
        try:
            with np.load(Path(path), allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in saved.files}
            if int(arrays["format"]) != FORMAT:
                raise ValueError(f"format {int(arrays['format'])}, not {FORMAT}")
            saved_key = unpack_strings(arrays, "key")
            ids = unpack_strings(arrays, "ids")
            tags = unpack_strings(arrays, "tags")
            codes, scales = arrays["codes"], arrays["scales"]
            if (codes.dtype != np.int8 or codes.ndim != 2 or scales.dtype != np.float32
                    or scales.shape != (len(ids),) or len(codes) != len(ids)
                    or len(tags) != len(ids)
                    or len(set(ids)) != len(ids)):
                raise ValueError("bad vector arrays")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            log.warning("vectors: ignoring %s (%s)", path, error)
            return None
        if saved_key != [key]:
            log.info("vectors: %s was made by another model; starting afresh", path)
            return None
        table = cls(codes.shape[1], key)
        table._ids, table._tags = ids, tags
        table._rows = {paper_id: row for row, paper_id in enumerate(ids)}
        table._codes, table._scales = codes, scales
        return table
