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
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

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


def _writeable(array: np.ndarray) -> np.ndarray:
    """Loaded arrays are updated in place later (removals, new dates)."""
    return array if array.flags.writeable else array.copy()


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
            arrays = {name: _writeable(data[name]) for name in data.files}
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
