"""Relevance: ../shared/eval/eval.py on the dev set and on our held-out set, BM25 alone and
with semantic search, through the CLI contract (`python -m bot ingest`, then `search|ask|author
--json -`).

    python bench/relevance.py [--model DIR] [--sets dev,heldout] [--first 80]

The held-out set (bench/heldout/titles-2026-12-07.jsonl) was written before anyone ran it, by
a helper that saw neither the code nor the summaries: 160 papers drawn at random from the real
corpus (none of the dev set's), each query the paper's idea in other words, from its title.
Its first 80 queries were used to choose the fusion's weights (bot/search/semantic.py), the
last 80 were not looked at before measuring: `--first 80` / `--last 80` score one half.
Prints eval.py's SUMMARY line for each run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = {"dev": SHARED / "eval" / "dev.jsonl",
        "heldout": ROOT / "bench" / "heldout" / "titles-2026-12-07.jsonl"}


def run(name: str, questions: Path, model: Path | None, db: Path, ingest: bool) -> str:
    setting = f"EMBED_MODEL_PATH={model.resolve()}" if model else "EMBED_MODEL=off"
    command = [sys.executable, str(SHARED / "eval" / "eval.py"), "--set", str(questions),
               "--cmd", f"{sys.executable} -m bot", "--cwd", str(ROOT), "--quiet",
               "--db", str(db), "--label", name, "--env", setting]
    if not ingest:
        command.append("--no-ingest")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=False).stdout
    return next((line for line in out.splitlines() if line.startswith("SUMMARY")),
                f"{name}: no SUMMARY line (eval.py printed {len(out)} characters)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path,
                        default=SHARED / "models" / "all-MiniLM-L6-v2-int8")
    parser.add_argument("--sets", default="dev,heldout")
    half = parser.add_mutually_exclusive_group()
    half.add_argument("--first", type=int, help="only the first N questions of each set")
    half.add_argument("--last", type=int, help="only the last N questions of each set")
    args = parser.parse_args()
    if not (SHARED / "eval" / "eval.py").is_file():
        print(f"error: {SHARED / 'eval'} is not there", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as tmp:
        for name in args.sets.split(","):
            lines = SETS[name].read_text().splitlines()
            lines = lines[:args.first] if args.first else lines[-args.last:] if args.last else lines
            questions = Path(tmp) / f"{name}.jsonl"
            questions.write_text("\n".join(lines) + "\n")
            for model in [None, *([args.model] if args.model.is_dir() else [])]:
                kind = "fused" if model else "bm25"
                db = Path(tmp) / f"{kind}.db"
                print(run(f"{name}-{kind}", questions, model, db, ingest=not db.exists()),
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
