"""The paper vector table: int8 rows that rank like the float vectors, saved in one piece."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.search import vectors
from bot.search.vectors import VectorTable

DIM = 384


def unit_rows(count: int, seed: int = 0) -> np.ndarray:
    """Vectors shaped like sentence embeddings: clustered around topics, sharing a common
    direction, some components much larger than the rest."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(DIM) * 2
    topics = rng.standard_normal((20, DIM)) * rng.gamma(0.6, 1.0, DIM)
    rows = common + topics[rng.integers(0, 20, count)] + rng.standard_normal((count, DIM))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def ids(count: int) -> list[str]:
    return [f"2501.{i:05d}" for i in range(count)]


@pytest.fixture
def rows() -> np.ndarray:
    return unit_rows(2000)


@pytest.fixture
def table(rows: np.ndarray) -> VectorTable:
    table = VectorTable(DIM, key="model-a")
    table.add(ids(len(rows)), rows)
    return table


def test_int8_cosines_are_within_0_01_of_the_float_cosines(
    table: VectorTable, rows: np.ndarray,
) -> None:
    queries = unit_rows(50, seed=1)
    for query in queries:
        assert np.abs(table.cosine(query) - rows @ query).max() < 0.01
    assert np.abs(table.cosine(rows[7]) - rows @ rows[7]).max() < 0.01


def test_the_nearest_ten_are_the_float_vectors_nearest_ten_but_for_near_ties(
    table: VectorTable, rows: np.ndarray,
) -> None:
    queries = rows[:100] + unit_rows(100, seed=2)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    found = 0
    for query in queries:
        exact = rows @ query
        best = np.argsort(-exact)[:10]
        returned = [int(paper.split(".")[1]) for paper, _ in table.nearest(query, 10)]
        found += len(set(best) & set(returned))
        assert exact[returned].min() > exact[best[-1]] - 0.005
    assert found / (10 * len(queries)) >= 0.97


def test_a_row_decodes_to_a_unit_vector_close_to_the_one_added(
    table: VectorTable, rows: np.ndarray,
) -> None:
    decoded = table.vector("2501.00003")
    assert decoded is not None and decoded.dtype == np.float32
    assert abs(float(np.linalg.norm(decoded)) - 1) < 1e-5
    assert float(decoded @ rows[3]) > 0.999
    assert table.vector("2501.99999") is None


def test_nearest_is_best_first_and_never_returns_what_is_excluded(
    table: VectorTable, rows: np.ndarray,
) -> None:
    own = table.nearest(rows[5], 3)
    assert own[0][0] == "2501.00005" and own[0][1] == pytest.approx(1, abs=1e-4)
    similar = table.nearest(rows[5], 5, exclude=["2501.00005", "not-a-paper"])
    assert len(similar) == 5 and "2501.00005" not in {paper for paper, _ in similar}
    scores = [score for _, score in similar]
    assert scores == sorted(scores, reverse=True)
    assert similar == own[1:3] + similar[2:]


def test_nearest_gives_what_there_is_when_asked_for_more() -> None:
    table = VectorTable(DIM, key="m")
    assert table.nearest(unit_rows(1)[0], 5) == []
    table.add(["a", "b"], unit_rows(2))
    assert len(table.nearest(unit_rows(1, seed=3)[0], 5)) == 2
    assert [paper for paper, _ in table.nearest(unit_rows(1, seed=3)[0], 5, exclude=["a"])] == [
        "b"]


def test_adding_an_id_again_replaces_its_vector() -> None:
    first, second = unit_rows(2, seed=4)
    table = VectorTable(DIM, key="m")
    table.add(["a", "b"], np.vstack([first, first]))
    table.add(["b"], second[None, :])
    assert list(table.ids) == ["a", "b"] and len(table) == 2 and "b" in table
    assert table.nearest(second, 1) == [("b", pytest.approx(1, abs=1e-4))]


def test_rows_added_a_few_at_a_time_are_all_kept(rows: np.ndarray) -> None:
    table = VectorTable(DIM, key="m")
    for start in range(0, 1000, 16):
        stop = min(start + 16, 1000)
        table.add(ids(1000)[start:stop], rows[start:stop])
    assert list(table.ids) == ids(1000)
    assert np.abs(table.cosine(rows[999]) - rows[:1000] @ rows[999]).max() < 0.01


def test_rows_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(ValueError, match="expected 2 rows of 384"):
        VectorTable(DIM, key="m").add(["a", "b"], np.zeros((2, 128), dtype=np.float32))


def test_a_saved_table_loads_back_the_same(
    table: VectorTable, rows: np.ndarray, tmp_path: Path,
) -> None:
    path = tmp_path / "vectors" / "papers.npz"
    table.save(path)
    loaded = VectorTable.load(path, key="model-a")
    assert loaded is not None and loaded.dim == DIM and loaded.key == "model-a"
    assert list(loaded.ids) == list(table.ids)
    assert np.array_equal(loaded.cosine(rows[9]), table.cosine(rows[9]))
    assert list(tmp_path.joinpath("vectors").iterdir()) == [path]
    # A loaded table takes new papers and new vectors for old ones.
    extra = unit_rows(2, seed=5)
    loaded.add(["2501.00000"], extra[:1])
    loaded.add(["2601.00001"], extra[1:])
    assert len(loaded) == len(rows) + 1
    assert [loaded.nearest(vector, 1)[0][0] for vector in extra] == ["2501.00000", "2601.00001"]


def test_a_table_made_by_another_model_is_not_loaded(table: VectorTable, tmp_path: Path) -> None:
    table.save(tmp_path / "v.npz")
    assert VectorTable.load(tmp_path / "v.npz", key="model-b") is None


def test_a_missing_or_damaged_file_is_not_loaded(
    table: VectorTable, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "v.npz"
    assert VectorTable.load(path, key="model-a") is None
    table.save(path)
    whole = path.read_bytes()
    for damaged in (whole[: len(whole) // 2], b"", b"PK\x03\x04 not really a zip"):
        path.write_bytes(damaged)
        assert VectorTable.load(path, key="model-a") is None
    assert "vectors: ignoring" in caplog.text


def test_a_save_that_fails_leaves_the_old_file(
    table: VectorTable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "v.npz"
    table.save(path)
    before = path.read_bytes()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vectors.np, "savez", disk_full)
    table.add(["2601.00009"], unit_rows(1, seed=6))
    with pytest.raises(OSError, match="No space"):
        table.save(path)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


def topical_rows(count: int, seed: int) -> np.ndarray:
    """Rows near a low-dimensional set of topics, as paper embeddings lie (on the real MiniLM
    vectors of this corpus the projection keeps 97-98% of the exact nearest)."""
    rng = np.random.default_rng(seed)
    topics = np.random.default_rng(0).standard_normal((40, DIM))
    mix = rng.dirichlet(np.full(40, 0.3), count)
    rows = mix @ topics + 0.15 * rng.standard_normal((count, DIM))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_large_table_finds_nearly_the_same_nearest_through_its_projection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, names = topical_rows(6000, seed=3), ids(6000)
    exact = VectorTable(DIM, "m")
    exact.add(names, data)
    monkeypatch.setattr(vectors, "EXACT_ROWS", 1000)
    projected = VectorTable(DIM, "m")
    projected.add(names[:3000], data[:3000])
    projected.nearest(data[0], 5)  # the projection is made here, from these 3,000 rows …
    projected.add(names[3000:], data[3000:])  # … and kept current as rows arrive
    found = []
    for query in topical_rows(50, seed=4):
        truth = {paper_id for paper_id, _ in exact.nearest(query, 10, exclude=[names[7]])}
        got = projected.nearest(query, 10, exclude=[names[7]])
        assert names[7] not in {paper_id for paper_id, _ in got}
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
        found.append(len(truth & {paper_id for paper_id, _ in got}) / 10)
    assert np.mean(found) >= 0.95


def test_cosine_of_scores_the_ids_asked_and_zero_for_unknown_ones(table: VectorTable,
                                                                    rows: np.ndarray) -> None:
    names = ids(len(rows))
    scores = table.cosine_of([names[3], "nope", names[5]], rows[3])
    assert scores[0] == pytest.approx(1.0, abs=0.01) and scores[1] == 0.0
    assert scores[2] == pytest.approx(float(table.cosine(rows[3])[5]), abs=1e-6)
