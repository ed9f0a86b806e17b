"""Run `python -m bot` as a user would, with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .support import ROOT


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "PAPERS_DB",
                                                             "CORPUS_DIR", "LOG_LEVEL"}}
    env.update(PAPERS_DB=str(tmp_path / "data" / "papers.db"), CORPUS_DIR=str(ROOT / "corpus"))
    env.update(extra)
    return env


def run_bot(*args: str, env: dict[str, str], cwd: Path, stdin: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    # cwd is a temp folder (so no .env of the developer's is read); the package comes from ROOT.
    env = {**env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=timeout)
