"""Seconds and peak RSS to ingest the real corpus into a fresh database.

    python bench/ingest.py [CORPUS_DIR]     (default: ../shared/corpus-real)

Targets (issue 2): < 5 s and < 100 MB peak RSS. Runs the CLI in a fresh process so the
figure is the whole process, interpreter included.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus-real"
    if not corpus.is_dir():
        print(f"error: {corpus} is not a directory", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PAPERS_DB": str(Path(tmp) / "bench.db"), "PYTHONPATH": str(ROOT)}
        for run in ("cold", "again"):
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "bot", "ingest", str(corpus)],
                                    env=env, capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"{run:5s}: {seconds:.2f} s wall (process), peak RSS {peak_mb:.1f} MB"
                  f" | {result.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
