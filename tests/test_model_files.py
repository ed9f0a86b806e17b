"""The model download, against a local HTTP server imitating the Hugging Face hub."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.search import model_files
from bot.search.embedder import ModelUnavailable
from bot.search.model_files import DEFAULT_MODEL, ModelSpec, RemoteFile, ensure_model

NAME = "someone/tiny-model"
ONNX = bytes(range(256)) * 4000  # about 1 MB
TOKENIZER = b'{"version": "1.0"}'


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Route:
    body: bytes
    status: int = 200
    etag: str | None = None  # the X-Linked-Etag header, as the hub quotes it
    redirect: bool = False  # answered like an LFS file: a 302 to storage carrying the etag
    cut_at: int | None = None  # send only this many bytes, then hang up
    drip: float = 0.0  # seconds between single bytes


@dataclass
class Hub:
    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def serve(self, name: str, onnx: Route, tokenizer: Route, revision: str = "main") -> None:
        self.routes[f"/{name}/resolve/{revision}/onnx/model_quantized.onnx"] = onnx
        self.routes[f"/{name}/resolve/{revision}/tokenizer.json"] = tokenizer


@pytest.fixture
def hub() -> Iterator[Hub]:
    state = Hub("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path.startswith("/storage"):
                route = state.routes[self.path.removeprefix("/storage")]
            else:
                route = state.routes.get(self.path, Route(b"Entry not found", status=404))
                if route.redirect:
                    self.send_response(302)
                    self.send_header("Location", "/storage" + self.path)
                    if route.etag:
                        self.send_header("X-Linked-Etag", f'"{route.etag}"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            self.send_response(route.status)
            self.send_header("Content-Length", str(len(route.body)))
            if route.etag and not route.redirect:
                self.send_header("X-Linked-Etag", f'"{route.etag}"')
            self.end_headers()
            body = route.body[:route.cut_at] if route.cut_at is not None else route.body
            try:
                if route.drip:
                    for i in range(len(body)):
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(route.drip)
                else:
                    self.wfile.write(body)
            except OSError:
                pass  # the client gave up
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def lfs(body: bytes) -> Route:
    return Route(body, etag=sha(body), redirect=True)


def loadable(folder: Path) -> set[str]:
    """The files a later start would take for whole: a model file with its recorded hash."""
    return {path.name for path in folder.glob("*")
            if not path.name.endswith((".sha256", ".part"))
            and (folder / (path.name + ".sha256")).is_file()} if folder.is_dir() else set()


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.part")) if folder.is_dir() else []


def test_the_files_are_downloaded_checked_and_named_for_the_embedder(
    hub: Hub, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    hub.serve(NAME, lfs(ONNX), Route(TOKENIZER))
    with caplog.at_level(logging.INFO, logger="bot.search.model_files"):
        folder = ensure_model(NAME, tmp_path / "models", base_url=hub.base_url, timeout=10)
    assert folder == tmp_path / "models" / "someone__tiny-model"
    assert (folder / "model.onnx").read_bytes() == ONNX
    assert (folder / "tokenizer.json").read_bytes() == TOKENIZER
    assert (folder / "model.onnx.sha256").read_text().strip() == sha(ONNX)
    assert leftovers(folder) == []
    progress = [r.getMessage() for r in caplog.records if "model_quantized" in r.getMessage()]
    assert any("(1.0 MB)" in line for line in progress)
    assert [line.split()[3] for line in progress if "%" in line] == [
        f"{p}%" for p in range(10, 101, 10)]


def test_files_already_there_and_intact_need_no_network(hub: Hub, tmp_path: Path) -> None:
    hub.serve(NAME, lfs(ONNX), Route(TOKENIZER))
    ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
    hub.requests.clear()
    folder = ensure_model(NAME, tmp_path, base_url="http://127.0.0.1:9", timeout=10)
    assert hub.requests == [] and (folder / "model.onnx").read_bytes() == ONNX


def test_a_local_file_damaged_since_is_downloaded_again(hub: Hub, tmp_path: Path) -> None:
    hub.serve(NAME, lfs(ONNX), Route(TOKENIZER))
    folder = ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
    (folder / "model.onnx").write_bytes(ONNX[:1000])
    hub.requests.clear()
    ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
    assert (folder / "model.onnx").read_bytes() == ONNX
    assert [path.rsplit("/", 1)[-1] for path in hub.requests] == ["model_quantized.onnx"] * 2


def test_the_default_model_is_fetched_at_its_pinned_revision_and_checked_against_its_pins(
    hub: Hub, tmp_path: Path,
) -> None:
    spec = model_files.MODELS[DEFAULT_MODEL]
    assert DEFAULT_MODEL == "Xenova/all-MiniLM-L6-v2"
    assert [(f.local, f.remote) for f in spec.files] == [
        ("model.onnx", "onnx/model_quantized.onnx"), ("tokenizer.json", "tokenizer.json")]
    # A server that sends other bytes (and no etag) does not get past the pinned sha256.
    hub.serve(DEFAULT_MODEL, Route(ONNX), Route(TOKENIZER), revision=spec.revision)
    with pytest.raises(ModelUnavailable, match="does not match the pinned sha256"):
        ensure_model(DEFAULT_MODEL, tmp_path, base_url=hub.base_url, timeout=10)
    folder = tmp_path / "Xenova__all-MiniLM-L6-v2"
    assert loadable(folder) == set() and leftovers(folder) == []
    assert hub.requests == [f"/{DEFAULT_MODEL}/resolve/{spec.revision}/onnx/model_quantized.onnx"]


def test_a_pinned_hash_is_checked_when_the_server_sends_none(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(model_files.MODELS, NAME, ModelSpec("v1", (
        RemoteFile("model.onnx", "onnx/model_quantized.onnx", sha(ONNX)),
        RemoteFile("tokenizer.json", "tokenizer.json", sha(TOKENIZER)))))
    hub.serve(NAME, Route(ONNX), Route(TOKENIZER), revision="v1")
    folder = ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
    assert loadable(folder) == {"model.onnx", "tokenizer.json"}


def failing(hub: Hub, tmp_path: Path) -> Callable[[], ModelUnavailable]:
    def run() -> ModelUnavailable:
        with pytest.raises(ModelUnavailable) as caught:
            ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
        folder = tmp_path / "someone__tiny-model"
        assert "model.onnx" not in loadable(folder) and leftovers(folder) == []
        return caught.value
    return run


def test_a_missing_file_404_is_unavailable(hub: Hub, tmp_path: Path) -> None:
    assert "HTTP 404" in str(failing(hub, tmp_path)())


def test_a_server_that_never_answers_is_given_up_on_long_before_the_whole_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "STALL_SECONDS", 0.5)
    with socket.socket() as silent:  # accepts connections (the backlog) and never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        with pytest.raises(ModelUnavailable):
            ensure_model(NAME, tmp_path, base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
                         timeout=600)
    assert time.monotonic() - started < 30
    assert not list(tmp_path.rglob("*.onnx"))


def test_a_refused_connection_is_unavailable(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ModelUnavailable, match="refused"):
        ensure_model(NAME, tmp_path, base_url=f"http://127.0.0.1:{port}", timeout=5)
    assert list(tmp_path.rglob("*")) == [tmp_path / "someone__tiny-model"]


def test_a_body_cut_half_way_is_unavailable_and_a_later_start_downloads_it_whole(
    hub: Hub, tmp_path: Path,
) -> None:
    hub.serve(NAME, Route(ONNX, cut_at=len(ONNX) // 2), Route(TOKENIZER))  # no etag to catch it
    assert f"cut off at {len(ONNX) // 2:,} of {len(ONNX):,} bytes" in str(
        failing(hub, tmp_path)())
    hub.serve(NAME, lfs(ONNX), Route(TOKENIZER))
    folder = ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
    assert (folder / "model.onnx").read_bytes() == ONNX


def test_a_wrong_checksum_is_unavailable(hub: Hub, tmp_path: Path) -> None:
    hub.serve(NAME, Route(ONNX, etag=sha(b"other bytes"), redirect=True), Route(TOKENIZER))
    assert "does not match the server's sha256" in str(failing(hub, tmp_path)())


def test_a_slow_drip_gives_up_at_the_timeout(hub: Hub, tmp_path: Path) -> None:
    hub.serve(NAME, Route(ONNX[:2000], drip=0.01), Route(TOKENIZER))
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match=r"took longer than 0\.5 s"):
        ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=0.5)
    assert time.monotonic() - started < 2
    folder = tmp_path / "someone__tiny-model"
    assert loadable(folder) == set() and leftovers(folder) == []


def test_a_failed_tokenizer_keeps_the_verified_model_for_the_next_start(
    hub: Hub, tmp_path: Path,
) -> None:
    hub.serve(NAME, lfs(ONNX), Route(b"Entry not found", status=404))
    with pytest.raises(ModelUnavailable, match=r"tokenizer\.json: HTTP 404"):
        ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
    hub.serve(NAME, lfs(ONNX), Route(TOKENIZER))
    hub.requests.clear()
    ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=10)
    assert hub.requests == [f"/{NAME}/resolve/main/tokenizer.json"]


def test_a_folder_that_cannot_be_made_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "models").write_text("a file where the folder should be")
    with pytest.raises(ModelUnavailable, match="cannot create"):
        ensure_model(NAME, tmp_path / "models", base_url="http://127.0.0.1:9", timeout=1)


@pytest.mark.parametrize("name", ["no-slash", "../../etc/passwd", "a/../b", "a/b/c", ""])
def test_a_name_that_is_not_owner_slash_model_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="not a model name"):
        ensure_model(name, tmp_path, base_url="http://127.0.0.1:9", timeout=1)


def test_a_downloaded_model_loads_in_the_embedder(hub: Hub, tmp_path: Path) -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "models" / "all-MiniLM-L6-v2-int8"
    if not (shared / "model.onnx").is_file():
        pytest.skip("../shared/models/all-MiniLM-L6-v2-int8 is not available")
    from bot.search.embedder import OnnxEmbedder

    hub.serve(NAME, lfs((shared / "model.onnx").read_bytes()),
              Route((shared / "tokenizer.json").read_bytes()))
    folder = ensure_model(NAME, tmp_path, base_url=hub.base_url, timeout=30)
    assert OnnxEmbedder.load(folder).dim == 384
