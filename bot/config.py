"""Settings from the environment (and `.env`, loaded by python-dotenv)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from .values import BadValue, parse_time, url_template_problem

# A public sentence-embedding model in ONNX, about 23 MB to download (see README).
DEFAULT_EMBED_MODEL = "Xenova/all-MiniLM-L6-v2"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A bad setting; the message names the variable and says what is wrong."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = field(repr=False)
    db_path: Path
    corpus_dir: Path
    log_level: str
    dev_guild_id: int | None = None
    digest_check_seconds: int = 60
    corpus_poll_seconds: int = 60
    corpus_stable_seconds: int = 10
    digest_fetch_every_seconds: int = 300
    digest_url_template: str | None = field(default=None, repr=False)
    digest_fetch_after: dt.time = dt.time(13, 30)  # UTC
    embed_model: str | None = DEFAULT_EMBED_MODEL  # None: EMBED_MODEL=off, BM25 only
    embed_model_path: Path | None = None  # a local model folder, used instead of a download

    def require_corpus_dir(self) -> Path:
        if not self.corpus_dir.is_dir():
            raise ConfigError("CORPUS_DIR", f"{self.corpus_dir} is not a directory")
        return self.corpus_dir


def _optional_int(env: Mapping[str, str], name: str, minimum: int = 0) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    return _int(env, name, 0, minimum)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"{raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {value}")
    return value


def _writable_db_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    if path.is_dir():
        raise ConfigError("PAPERS_DB", f"{path} is a directory, not a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError("PAPERS_DB", f"cannot create {path.parent}: {error.strerror}") from None
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        raise ConfigError("PAPERS_DB", f"{target} is not writable")
    return path


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read and check the settings; raises ConfigError on the first bad value."""
    if env is None:
        if dotenv:
            load_dotenv(Path.cwd() / ".env", override=False)  # the folder it runs in
        env = os.environ
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"{level!r} is not one of {', '.join(LOG_LEVELS)}")
    token = env.get("DISCORD_TOKEN", "").strip() or None
    return Settings(
        token=token,
        db_path=_writable_db_path(env.get("PAPERS_DB", "").strip() or "data/papers.db"),
        corpus_dir=Path(env.get("CORPUS_DIR", "").strip() or "corpus").expanduser(),
        log_level=level,
        dev_guild_id=_optional_int(env, "DEV_GUILD_ID", minimum=1),
        digest_check_seconds=_int(env, "DIGEST_CHECK_SECONDS", 60, minimum=1),
        corpus_poll_seconds=_int(env, "CORPUS_POLL_SECONDS", 60, minimum=1),
        corpus_stable_seconds=_int(env, "CORPUS_STABLE_SECONDS", 10, minimum=0),
        digest_fetch_every_seconds=_int(env, "DIGEST_FETCH_EVERY_SECONDS", 300, minimum=60),
        digest_url_template=_url_template(env.get("DIGEST_URL_TEMPLATE", "").strip()),
        digest_fetch_after=_time(env, "DIGEST_FETCH_AFTER", "13:30"),
        embed_model=_embed_model(env.get("EMBED_MODEL", "").strip()),
        embed_model_path=Path(raw).expanduser() if (raw := env.get("EMBED_MODEL_PATH", "").strip())
        else None,
    )


def _embed_model(raw: str) -> str | None:
    if raw.lower() == "off":
        return None
    return raw or DEFAULT_EMBED_MODEL


def _url_template(raw: str) -> str | None:
    if not raw:
        return None
    problem = url_template_problem(raw)
    if problem:
        raise ConfigError("DIGEST_URL_TEMPLATE", problem)  # never echoes the URL: it may hold a key
    return raw


def _time(env: Mapping[str, str], name: str, default: str) -> dt.time:
    try:
        return parse_time(env.get(name, "").strip() or default)
    except BadValue as error:
        raise ConfigError(name, f"{error} (UTC)") from None


def configure_logging(level: str, stream=None) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        stream=stream,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
