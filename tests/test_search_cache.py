"""The index saved next to the database: loaded when the content matches, rebuilt otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.corpus.ingest import ingest_directory
from bot.search import SearchEngine
from bot.search import cache as index_cache
from bot.store import Store

from .support import FIXTURE_DIGESTS

QUERIES = ["language model agents", "diffusion video", "reinforcement learning reward",
           "benchmark", "gaussain splating", "Zhang", "RL robot"]
WORDS = ["language", "model", "agent", "diffusion", "video", "reinforcement", "learning",
         "reward", "benchmark", "gaussian", "splatting", "robot", "speech", "retrieval",
         "reasoning", "vision", "token", "expert"]
ACRONYM_SENTENCES = ["It uses reinforcement learning (RL).", "RL helps.",
                     "Trained with reinforcement learning.", ""]
NAMES = ["Wei Zhang", "Li Zhang", "Yu Wang", "wang-yu", "José Núñez", "Bo Li", "Ann Lee"]


def write_corpus(corpus: Path) -> None:
    """Four days of papers; some listed on two or three days, authors in several forms."""
    shutil.copytree(FIXTURE_DIGESTS, corpus)
    for day in range(4):
        rows = []
        for n in range(12):
            paper = day * 8 + n  # papers 8-11, 16-19 and 24-27 repeat on the next day
            words = [WORDS[(paper * 7 + k * 3) % len(WORDS)] for k in range(5)]
            authors = ", ".join(NAMES[(paper + k) % len(NAMES)] for k in range(1 + paper % 3))
            rows.append(f"| {' '.join(words).title()} {paper} (Read more on [arXiv]"
                        f"(https://arxiv.org/abs/2502.{paper:05d}))| {authors} |"
                        f" We study {' and '.join(words)}. It reaches {paper}.5% accuracy."
                        f" {ACRONYM_SENTENCES[paper % 4]} |")
        (corpus / f"2025-02-0{day + 1}.md").write_text(
            f"## Papers for 2025-02-0{day + 1}\n\n| Title | Authors | Summary |\n|---|---|---|\n"
            + "\n".join(rows) + "\n", "utf-8")
    # One paper on three days (first, middle, latest), the middle one a separate listing.
    (corpus / "2025-02-08.md").write_text(
        "## Papers for 2025-02-08\n\n| Title | Authors | Summary |\n|---|---|---|\n"
        "| Speech Robots 12 (Read more on [arXiv](https://arxiv.org/abs/2502.00012))"
        "| Ann Lee | Speech robots. |\n", "utf-8")


def snapshot(engine: SearchEngine) -> list[object]:
    """Everything a user can see of an engine, for comparing two of them."""
    out: list[object] = [len(engine), engine.query_terms("RL")]
    for query in QUERIES:
        out.append([h.as_dict() for h in engine.search(query, limit=20)])
    out.append([h.as_dict() for h in engine.search("model", since="2025-01-06")])
    out.append([h.as_dict() for h in engine.search("speech", since="2025-02-03",
                                                    until="2025-02-03")])
    for name in ("Zhang", "Wang", "Li"):
        result, hits = engine.author(name)
        out.append((result.name, result.candidates, result.aliases, [h.arxiv_id for h in hits]))
    out.append(engine.complete_author("li"))
    out.append([h.arxiv_id for h in engine.complete_title("a")])
    out.append(engine.newest_order())
    return out


@pytest.fixture
async def store(tmp_path: Path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    async with await Store.open(tmp_path / "data" / "papers.db") as store:
        await ingest_directory(store, corpus)
        yield store


def cache_of(store: Store) -> Path:
    directory = index_cache.cache_dir(store.path)
    assert directory is not None
    return directory


async def test_a_build_saves_the_index_and_the_next_build_loads_it(store: Store) -> None:
    first = await SearchEngine.build(store)
    assert first.cache_status == "saved"
    assert sorted(p.name for p in cache_of(store).iterdir()) == ["arrays.npz", "meta.json"]
    assert [p.name for p in cache_of(store).parent.iterdir() if p.name.startswith(".")] == []
    second = await SearchEngine.build(store)
    assert second.cache_status == "loaded"
    fresh = await SearchEngine.build(store, cache=False)
    assert fresh.cache_status == "off"
    assert snapshot(second) == snapshot(fresh) == snapshot(first)
    assert len(second) > 0


async def test_a_loaded_index_takes_updates_like_a_built_one(store: Store, tmp_path: Path
                                                             ) -> None:
    await SearchEngine.build(store)
    loaded = await SearchEngine.build(store)
    assert loaded.cache_status == "loaded"
    built = await SearchEngine.build(store, cache=False)
    day = "2025-02-02"
    path = tmp_path / "corpus" / f"{day}.md"
    text = path.read_text("utf-8").replace("2502.00011", "2502.09999")  # one paper leaves
    path.write_text(text + "| Okapi Herding with Agents (Read more on [arXiv]"
                    "(https://arxiv.org/abs/2501.09999))| Ann Lee | Okapis. |\n", "utf-8")
    report = await ingest_directory(store, tmp_path / "corpus")
    assert report.changed_dates == [day]
    changed = await loaded.update(store, report.changed_dates)
    assert changed == await built.update(store, report.changed_dates) >= 2
    assert [h.arxiv_id for h in loaded.search("okapi")] == ["2501.09999"]
    assert snapshot(loaded) == snapshot(built)
    # The saved index was made for the old content: the next start rebuilds and resaves it.
    again = await SearchEngine.build(store)
    assert again.cache_status == "saved"
    assert snapshot(again) == snapshot(await SearchEngine.build(store, cache=False))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "meta", "key", "arrays", "empty"])
async def test_a_damaged_index_is_rebuilt_never_fatal(store: Store, damage: str) -> None:
    reference = snapshot(await SearchEngine.build(store))
    directory = cache_of(store)
    npz, meta = directory / "arrays.npz", directory / "meta.json"
    if damage == "truncate":
        data = npz.read_bytes()
        npz.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        data = bytearray(npz.read_bytes())
        for i in range(len(data) // 3, len(data) // 3 + 200):
            data[i] ^= 0x5A
        npz.write_bytes(bytes(data))
    elif damage == "meta":
        meta.write_text("{not json", "utf-8")
    elif damage == "key":  # arrays of another database under this one's metadata
        with np.load(npz) as arrays:
            kept = {name: arrays[name] for name in arrays.files}
        meta_json = json.loads(kept["meta_json"].tobytes())
        kept["meta_json"] = np.frombuffer(json.dumps({**meta_json, "key": "0" * 64}).encode(),
                                          dtype=np.uint8)
        np.savez(npz, **kept)
    elif damage == "arrays":  # well-formed file, inconsistent content
        with np.load(npz) as arrays:
            kept = {name: arrays[name] for name in arrays.files}
        kept["seg0_doc_ids"] = kept["seg0_doc_ids"] + 10_000
        np.savez(npz, **kept)
    else:
        npz.unlink()
    engine = await SearchEngine.build(store)
    assert engine.cache_status == "saved"
    assert snapshot(engine) == reference
    assert (await SearchEngine.build(store)).cache_status == "loaded"


async def test_other_code_or_parameters_do_not_use_the_saved_index(store: Store) -> None:
    from bot.search import FieldWeights

    await SearchEngine.build(store)
    other = await SearchEngine.build(store, weights=FieldWeights(title=5))
    assert other.cache_status == "saved"
    meta = json.loads((cache_of(store) / "meta.json").read_text("utf-8"))
    assert meta["weights"]["title"] == 5 and meta["code"] == index_cache.code_version()
    meta["code"] = "0" * 64
    (cache_of(store) / "meta.json").write_text(json.dumps(meta), "utf-8")
    assert (await SearchEngine.build(store, weights=FieldWeights(title=5))).cache_status == "saved"


async def test_an_unwritable_folder_only_costs_the_cache(store: Store, tmp_path: Path) -> None:
    directory = cache_of(store)
    directory.write_text("in the way")  # a file where the folder should go: replaced
    assert (await SearchEngine.build(store)).cache_status == "saved"
    assert directory.is_dir()
    async with await Store.open(":memory:") as memory:
        assert (await SearchEngine.build(memory)).cache_status == "off"


async def test_leftovers_of_a_dead_writer_are_cleaned_up(store: Store) -> None:
    directory = cache_of(store)
    stale = directory.parent / f".{directory.name}.tmp-1-dead"
    stale.mkdir()
    (stale / "arrays.npz").write_bytes(b"half")
    import os

    os.utime(stale, (0, 0))
    await SearchEngine.build(store)
    assert not stale.exists()
