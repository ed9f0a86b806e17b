"""The search index saved next to the database (`<PAPERS_DB>.index/`), keyed by its content.

Two files: `meta.json` (format, the code version, the database's content key, parameters)
and `arrays.npz` (plain numpy arrays, loaded with `allow_pickle=False`; strings are stored as
UTF-8 bytes with offsets). The folder is written under a temporary name and renamed into
place, so a reader sees a whole old index, a whole new one or none. Anything that does not
fit (other key, other code, a truncated or corrupt file) makes `load` return None: the caller
rebuilds from the database and saves again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from array import array
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .acronyms import AcronymTable
from .index import BM25Index

if TYPE_CHECKING:
    from .engine import Snapshot

log = logging.getLogger(__name__)

FORMAT = 1
META = "meta.json"
ARRAYS = "arrays.npz"
STALE_SECONDS = 600  # leftovers of a writer that died are removed after this long
_HERE = Path(__file__).resolve().parent
# The sources whose behaviour shapes the index: any change to them invalidates saved indexes.
_SOURCES = (*sorted(_HERE.glob("*.py")), _HERE.parent / "digest" / "clean.py")


def cache_dir(db_path: str | os.PathLike[str]) -> Path | None:
    """`<db>.index` beside a database file; None for in-memory or URI databases."""
    text = str(db_path)
    if not text or text == ":memory:" or text.startswith("file:"):
        return None
    path = Path(text)
    return path.with_name(path.name + ".index")


@lru_cache(maxsize=1)
def code_version() -> str:
    digest = hashlib.sha256()
    for path in _SOURCES:
        with contextlib.suppress(OSError):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for package in ("PyStemmer", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{package}={metadata.version(package)}".encode())
    return digest.hexdigest()


def pack_strings(name: str, values: list[str]) -> dict[str, np.ndarray]:
    encoded = [value.encode("utf-8", "surrogatepass") for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return {f"{name}_blob": blob, f"{name}_offsets": offsets}


def unpack_strings(arrays: dict[str, np.ndarray], name: str) -> list[str]:
    """The strings of `pack_strings`; ValueError if the table is malformed."""
    blob, offsets = arrays[f"{name}_blob"], arrays[f"{name}_offsets"]
    if (blob.dtype != np.uint8 or offsets.dtype != np.int64 or len(offsets) < 1
            or offsets[0] != 0 or offsets[-1] != len(blob) or np.any(np.diff(offsets) < 0)):
        raise ValueError(f"{name}: bad string table")
    data = blob.tobytes()
    bounds = offsets.tolist()
    return [data[bounds[i]:bounds[i + 1]].decode("utf-8", "surrogatepass")
            for i in range(len(bounds) - 1)]


def _meta(key: str, extra: dict[str, object]) -> dict[str, object]:
    return {"format": FORMAT, "code": code_version(), "key": key, **extra}


def load(directory: Path, key: str, extra: dict[str, object]) -> dict[str, np.ndarray] | None:
    """The saved arrays if they were made for `key` by this code with `extra`, else None."""
    wanted = _meta(key, extra)
    try:
        meta = json.loads((directory / META).read_text("utf-8"))
        if meta != wanted:
            log.info("saved search index in %s is out of date; rebuilding", directory)
            return None
        with np.load(directory / ARRAYS, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        # The arrays carry their own copy of the metadata: meta.json and arrays.npz read
        # across a swap by another process must not mix two indexes.
        embedded = arrays.pop("meta_json", None)
        if embedded is None or json.loads(embedded.tobytes().decode("utf-8")) != wanted:
            raise ValueError("the arrays belong to another index")
    except FileNotFoundError:
        return None
    except Exception as error:  # a bad cache: rebuild
        log.warning("saved search index in %s is unusable (%s: %s); rebuilding",
                    directory, type(error).__name__, error)
        return None
    return arrays


def save(directory: Path, key: str, extra: dict[str, object],
         arrays: dict[str, np.ndarray]) -> bool:
    """Write the index atomically; False (logged) if it cannot be written."""
    parent, name = directory.parent, directory.name
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    temp = parent / f".{name}.tmp-{token}"
    try:
        _remove_leftovers(parent, name)
        temp.mkdir()
        with open(temp / ARRAYS, "wb") as handle:
            embedded = json.dumps(_meta(key, extra)).encode("utf-8")
            members: dict[str, Any] = {"meta_json": np.frombuffer(embedded, dtype=np.uint8),
                                       **arrays}
            np.savez(handle, **members)
            handle.flush()
            os.fsync(handle.fileno())
        with open(temp / META, "w", encoding="utf-8") as handle:
            json.dump(_meta(key, extra), handle)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(temp)
        _swap_in(temp, directory, parent / f".{name}.old-{token}")
        _fsync_dir(parent)
    except OSError as error:
        log.warning("cannot save the search index in %s: %s", directory,
                    error.strerror or error)
        return False
    finally:
        _remove(temp)
    return True


def _swap_in(temp: Path, directory: Path, old: Path) -> None:
    for _ in range(3):
        try:
            os.rename(temp, directory)  # fails if another index is in place
            return
        except OSError:
            if not directory.exists() and not directory.is_symlink():
                raise
        try:
            os.rename(directory, old)
        except FileNotFoundError:  # another writer moved it first: try again
            continue
        try:
            os.rename(temp, directory)
        finally:
            _remove(old)
        return
    raise OSError(f"{directory} keeps being replaced by another process")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _remove_leftovers(parent: Path, name: str) -> None:
    now = time.time()
    for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
        for path in parent.glob(pattern):
            with contextlib.suppress(OSError):
                if now - path.lstat().st_mtime > STALE_SECONDS:
                    _remove(path)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- the engine's index ----------------------------------------------------------------------


class StringColumn:
    """Append-only strings kept as one UTF-8 buffer with offsets (no object per string)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.offsets = array("q", [0])

    def append(self, text: str) -> None:
        self.data += text.encode("utf-8", "surrogatepass")
        self.offsets.append(len(self.data))

    def __getitem__(self, i: int) -> str:
        return self.data[self.offsets[i]:self.offsets[i + 1]].decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def copy(self) -> StringColumn:
        column = StringColumn()
        column.data = bytearray(self.data)
        column.offsets = array("q", self.offsets)
        return column

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return {f"{name}_blob": np.frombuffer(bytes(self.data), dtype=np.uint8),
                f"{name}_offsets": np.asarray(self.offsets, dtype=np.int64)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], name: str) -> StringColumn:
        unpack_strings(arrays, name)  # checks that every string decodes
        column = cls()
        column.data = bytearray(arrays[f"{name}_blob"].tobytes())
        column.offsets = array("q", arrays[f"{name}_offsets"].tobytes())
        return column


def _index_meta(snapshot: Snapshot) -> dict[str, object]:
    return {"params": dataclasses.asdict(snapshot.params),
            "weights": dataclasses.asdict(snapshot.weights)}


def save_index(directory: Path, key: str, snapshot: Snapshot) -> bool:
    """Save the engine's index for the database content `key`; False (logged) if it cannot."""
    n = len(snapshot.arxiv_ids)
    middle = sorted(snapshot.middle_dates.items())
    arrays = {
        **snapshot.index.state(),
        **pack_strings("vocab", list(snapshot.index.vocab)),
        **pack_strings("arxiv_ids", snapshot.arxiv_ids),
        **snapshot.title_of.arrays("titles"),
        **pack_strings("folded_titles", (snapshot.titles.folded + [""] * n)[:n]),
        **pack_strings("forms", snapshot.authors.forms),
        **pack_strings("acronyms", snapshot.acronyms.rows()),
        "author_forms": np.asarray(snapshot.author_forms, dtype=np.int32),
        "author_start": np.asarray(snapshot.author_start, dtype=np.int64),
        "first_date": snapshot.first_date, "latest_date": snapshot.latest_date,
        "middle_docs": np.array([d for d, _ in middle], dtype=np.int32),
        "middle_start": np.cumsum([0] + [len(m) for _, m in middle], dtype=np.int64),
        "middle_dates": np.array([x for _, m in middle for x in m], dtype=np.int32),
        "fingerprint": np.asarray(snapshot.fingerprint, dtype=np.int64),
    }
    return save(directory, key, _index_meta(snapshot), arrays)


def load_index(directory: Path, key: str, snapshot: Snapshot) -> bool:
    """Fill the empty `snapshot` with the index saved for `key`; False when there is none
    that fits (the snapshot is then unusable: the caller builds a new one)."""
    arrays = load(directory, key, _index_meta(snapshot))
    if arrays is None:
        return False
    try:
        _restore(snapshot, arrays)
    except Exception as error:  # a bad cache: rebuild
        log.warning("saved search index in %s is unusable (%s: %s); rebuilding",
                    directory, type(error).__name__, error)
        return False
    return True


def _restore(snapshot: Snapshot, arrays: dict[str, np.ndarray]) -> None:
    terms = unpack_strings(arrays, "vocab")
    vocab = {term: i for i, term in enumerate(terms)}
    if len(vocab) != len(terms):
        raise ValueError("repeated vocabulary terms")
    index = BM25Index.from_state(snapshot.params, vocab, arrays)
    n = index.n_docs
    snapshot.arxiv_ids = unpack_strings(arrays, "arxiv_ids")
    snapshot.title_of = StringColumn.from_arrays(arrays, "titles")
    folded = unpack_strings(arrays, "folded_titles")
    forms = unpack_strings(arrays, "forms")
    author_forms, author_start = arrays["author_forms"], arrays["author_start"]
    first, latest = arrays["first_date"], arrays["latest_date"]
    print_ = arrays["fingerprint"]
    middle_docs, middle_start = arrays["middle_docs"], arrays["middle_start"]
    middle_dates = arrays["middle_dates"]
    if not (len(snapshot.arxiv_ids) == len(snapshot.title_of) == len(folded) == n
            == len(first) == len(latest) == len(print_) == len(author_start) - 1):
        raise ValueError("per-paper arrays of different lengths")
    if (author_forms.dtype != np.int32 or author_start.dtype != np.int64
            or author_start[0] != 0 or author_start[-1] != len(author_forms)
            or np.any(np.diff(author_start) < 0)
            or (len(author_forms) and (author_forms.min() < 0
                                       or author_forms.max() >= len(forms)))):
        raise ValueError("bad author lists")
    if (first.dtype != np.int32 or latest.dtype != np.int32 or print_.dtype != np.int64
            or len(middle_start) != len(middle_docs) + 1 or middle_start[0] != 0
            or middle_start[-1] != len(middle_dates) or np.any(np.diff(middle_start) < 0)
            or (len(middle_docs) and (middle_docs.min() < 0 or middle_docs.max() >= n))):
        raise ValueError("bad dates")
    for form in forms:
        snapshot.authors.form_id(form)
    if len(snapshot.authors.forms) != len(forms):
        raise ValueError("repeated author forms")
    snapshot.author_forms = array("i", author_forms.tobytes())
    snapshot.author_start = array("q", author_start.tobytes())
    snapshot.first_date, snapshot.latest_date = first, latest
    starts = middle_start.tolist()
    snapshot.middle_dates = {doc: tuple(middle_dates[starts[i]:starts[i + 1]].tolist())
                         for i, doc in enumerate(middle_docs.tolist())}
    snapshot.fingerprint = array("q", print_.tobytes())
    snapshot.titles.folded = folded
    snapshot.acronyms = AcronymTable.from_rows(unpack_strings(arrays, "acronyms"))
    snapshot.index = index
    alive = index.alive.tolist()
    starts = snapshot.author_start
    add, forms_array = snapshot.authors.add, snapshot.author_forms
    for doc in range(n):
        if alive[doc]:
            snapshot.doc_of[snapshot.arxiv_ids[doc]] = doc
            add(doc, forms_array[starts[doc]:starts[doc + 1]])
        else:
            snapshot.titles.folded[doc] = ""
    if len(snapshot.doc_of) != index.n_alive:
        raise ValueError("a paper id is repeated")
