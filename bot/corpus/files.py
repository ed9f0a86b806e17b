"""Digest files on disk: which files count, their state, the dates present, atomic writes."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..digest import ParseWarning, date_from_filename
from ..digest.parser import FILENAME_DATE_RE

# (size, mtime_ns, inode): an atomic replace changes the inode even if size and mtime match.
Signature = tuple[int, int, int]
TEMP_SUFFIXES = (".tmp", ".part", "~")
# A day's digest is about 100 kB; more is a broken upstream or a wrong file, and reading it
# whole could take the bot past its memory cap (and, restarted, past it again).
MAX_FILE_BYTES = 5_000_000


def is_temp_name(name: str) -> bool:
    """Editor, downloader and atomic-writer leftovers: `.*`, `*.tmp`, `*.part`, `*~`."""
    return name.startswith(".") or name.endswith(TEMP_SUFFIXES)


@dataclass(frozen=True, slots=True)
class FileState:
    path: Path
    signature: Signature
    mtime: float


def scan_corpus(directory: Path, misnamed: list[str] | None = None) -> dict[str, FileState]:
    """Digest files under `directory` (`YYYY-MM-DD.md` or the upstream `YYYY/MM/DD.md`) by
    relative posix name, skipping temp files and hidden folders. Stats only; reads nothing.
    Names of days that are not on the calendar (`2025-02-30.md`) go to `misnamed`."""
    found: dict[str, FileState] = {}
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for filename in files:
            if not filename.endswith(".md") or is_temp_name(filename):
                continue
            path = Path(root, filename)
            name = path.relative_to(directory).as_posix()
            if not date_from_filename(name):
                if misnamed is not None and FILENAME_DATE_RE.search(name):
                    misnamed.append(name)
                continue
            try:
                st = path.stat()
            except OSError:  # vanished between listing and stat, or a dangling link
                continue
            if stat.S_ISREG(st.st_mode):
                found[name] = FileState(path, (st.st_size, st.st_mtime_ns, st.st_ino), st.st_mtime)
    return found


def by_date(names: dict[str, FileState]) -> list[str]:
    """The names of a scan, oldest day first."""
    return sorted(names, key=lambda name: (date_from_filename(name), name))


def find_digest_files(directory: Path, misnamed: list[str] | None = None) -> list[Path]:
    """The digest files of a scan, oldest day first."""
    files = scan_corpus(directory, misnamed)
    return [files[name].path for name in by_date(files)]


def signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def read_capped(path: Path) -> tuple[bytes, bool]:
    """The file's first MAX_FILE_BYTES, cut after the last whole line, and whether it was cut."""
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) <= MAX_FILE_BYTES:
        return data, False
    data = data[:MAX_FILE_BYTES]
    return data[: data.rfind(b"\n") + 1], True


def misnamed_warning(name: str) -> ParseWarning:
    return ParseWarning(name, "the file name is not a day on the calendar; file skipped")


def write_atomic(target: Path, data: bytes) -> bool:
    """Write `data` to `target` so that readers see the old file or the new one, never a
    mix: temp file in the same folder, fsync, rename. False (nothing written) if `target`
    already holds exactly `data`."""
    mode = 0o644
    with contextlib.suppress(FileNotFoundError):
        if target.read_bytes() == data:
            return False
        mode = target.stat().st_mode & 0o777
    target.parent.mkdir(parents=True, exist_ok=True)
    # `.name.XXXX.tmp`: a hidden temp name that the corpus scan ignores.
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return True
