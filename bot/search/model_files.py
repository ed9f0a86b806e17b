"""The embedding model's files, downloaded once from the Hugging Face hub, then used offline.

`ensure_model(name, root)` fills `root/<owner>__<name>/` with `model.onnx` and `tokenizer.json`
(what `OnnxEmbedder.load` reads). Each file is fetched into `<file>.part`, its size checked
against Content-Length and its sha256 against the hub's `X-Linked-Etag` (sent for files kept in
LFS) and against the hash pinned below when the model has one; only then is `<file>.sha256`
written and the file renamed into place. A later start finds both and re-hashes the local file
instead of downloading. Any failure raises ModelUnavailable and leaves no file that a later
start would take for whole. Blocking (urllib): run it in a thread.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .embedder import MODEL_FILE, TOKENIZER_FILE, ModelUnavailable

log = logging.getLogger(__name__)

HUB = "https://huggingface.co"
DEFAULT_MODEL = "Xenova/all-MiniLM-L6-v2"
CHUNK = 64 * 1024
STALL_SECONDS = 30.0  # the longest wait for a connection or for the next bytes
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class RemoteFile:
    local: str  # its name in the model folder
    remote: str  # its path in the model's repository
    sha256: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    revision: str
    files: tuple[RemoteFile, ...]


MODELS: dict[str, ModelSpec] = {
    # all-MiniLM-L6-v2 (Apache-2.0) as int8 ONNX, 22,972,370 + 711,661 bytes. The revision is
    # pinned so that the pinned hashes stay true when the repository's main branch moves.
    DEFAULT_MODEL: ModelSpec(
        revision="751bff37182d3f1213fa05d7196b954e230abad9",
        files=(
            RemoteFile(MODEL_FILE, "onnx/model_quantized.onnx",
                       "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1"),
            RemoteFile(TOKENIZER_FILE, "tokenizer.json",
                       "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0"),
        ),
    ),
}
# Other models are taken from their main branch in the layout of Xenova's ONNX exports.
_OTHER = ModelSpec("main", (RemoteFile(MODEL_FILE, "onnx/model_quantized.onnx"),
                            RemoteFile(TOKENIZER_FILE, "tokenizer.json")))


def model_folder(name: str, root: str | os.PathLike[str]) -> Path:
    return Path(root) / name.replace("/", "__")


def ensure_model(
    name: str, root: str | os.PathLike[str], *, base_url: str = HUB, timeout: float = 900.0,
) -> Path:
    """The folder holding model `name`'s files, downloading what is missing or damaged.
    `timeout` bounds the whole call in seconds; a server silent for STALL_SECONDS (or a
    network that drops the connection attempt) gives up sooner."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise ModelUnavailable(f"embedding model: {name!r} is not a model name like owner/name")
    spec = MODELS.get(name, _OTHER)
    folder = model_folder(name, root)
    deadline = time.monotonic() + timeout
    for file in spec.files:
        target = folder / file.local
        if _verified(target, file.sha256):
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ModelUnavailable(f"embedding model: cannot create {folder}: {error}") from error
        url = f"{base_url.rstrip('/')}/{name}/resolve/{spec.revision}/{file.remote}"
        _download(url, target, file.sha256, deadline, timeout)
    return folder


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _verified(target: Path, pinned: str | None) -> bool:
    """Whether `target` is present and still has the hash recorded when it was downloaded."""
    try:
        recorded = _sidecar(target).read_text("ascii").strip()
        if not target.is_file():
            return False
        actual = _file_sha256(target)
    except (OSError, UnicodeDecodeError):
        return False
    if actual == recorded and pinned in (None, actual):
        return True
    log.warning("embedding model: %s does not match its checksum; downloading it again", target)
    return False


class _KeepLinkedEtag(urllib.request.HTTPRedirectHandler):
    """Keeps the `X-Linked-Etag` of a redirect: the hub sends a file's sha256 on the redirect
    to its storage, not on the storage's answer."""

    def __init__(self) -> None:
        self.linked_etag: str | None = None

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
        headers: http.client.HTTPMessage, newurl: str,
    ) -> urllib.request.Request | None:
        self.linked_etag = _sha256_etag(headers.get("X-Linked-Etag")) or self.linked_etag
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _sha256_etag(value: str | None) -> str | None:
    text = (value or "").strip().removeprefix("W/").strip('"').lower()
    return text if _SHA256.fullmatch(text) else None


def _download(url: str, target: Path, pinned: str | None, deadline: float,
              timeout: float) -> None:
    part = target.with_name(target.name + ".part")
    redirects = _KeepLinkedEtag()
    request = urllib.request.Request(url, headers={"User-Agent": "paperboy"})
    try:
        stall = min(timeout, STALL_SECONDS)
        with urllib.request.build_opener(redirects).open(request, timeout=stall) as response:
            length = response.headers.get("Content-Length")
            size = int(length) if length and length.isdigit() else None
            linked = _sha256_etag(response.headers.get("X-Linked-Etag")) or redirects.linked_etag
            with part.open("wb") as out:
                actual, received = _receive(response, out, url, size, deadline, timeout)
                out.flush()
                os.fsync(out.fileno())
        if size is not None and received != size:
            raise ModelUnavailable(
                f"embedding model: {url} was cut off at {received:,} of {size:,} bytes")
        for source, expected in (("the server's", linked), ("the pinned", pinned)):
            if expected and actual != expected:
                raise ModelUnavailable(f"embedding model: {url} does not match {source} "
                                       f"sha256 (got {actual[:12]}…, expected {expected[:12]}…)")
        if not (linked or pinned):
            log.warning("embedding model: no checksum known for %s; recording its own", url)
        recorded = target.with_name(target.name + ".sha256.part")
        recorded.write_text(actual + "\n", "ascii")
        os.replace(recorded, _sidecar(target))
        os.replace(part, target)
    except ModelUnavailable:
        raise
    except urllib.error.HTTPError as error:
        raise ModelUnavailable(
            f"embedding model: {url}: HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise ModelUnavailable(f"embedding model: {url}: {error.reason}") from error
    except (OSError, http.client.HTTPException) as error:
        raise ModelUnavailable(f"embedding model: {url}: {error!r}") from error
    finally:
        part.unlink(missing_ok=True)


def _receive(response: http.client.HTTPResponse, out: IO[bytes], url: str, size: int | None,
             deadline: float, timeout: float) -> tuple[str, int]:
    """Copy the body to `out`, logging every tenth; (sha256, bytes received)."""
    digest = hashlib.sha256()
    received, logged = 0, 0
    total = f"{size / 1e6:.1f} MB" if size is not None else "size unknown"
    log.info("embedding model: downloading %s (%s)", url, total)
    while chunk := response.read1(CHUNK):
        if time.monotonic() > deadline:
            raise ModelUnavailable(
                f"embedding model: {url} took longer than {timeout:g} s; giving up")
        out.write(chunk)
        digest.update(chunk)
        received += len(chunk)
        if size and received * 10 // size > logged:
            logged = received * 10 // size
            log.info("embedding model: %s %d%% (%.1f of %s)", url.rsplit("/", 1)[-1],
                     min(100, logged * 10), received / 1e6, total)
    return digest.hexdigest(), received
