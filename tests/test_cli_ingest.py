"""`python -m bot ingest | stats | paper`: the CLI contract of the ingestion issue."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .cli_support import bot_env, run_bot
from .support import FIXTURE_DIGESTS


def test_ingest_prints_one_summary_line_and_is_idempotent(tmp_path: Path):
    env = bot_env(tmp_path)
    first = run_bot("ingest", str(FIXTURE_DIGESTS), env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(
        r"ingested 3 digests \(3 new, 0 changed, 0 unchanged\): 8 papers, 8 appearances,"
        r" 1 warnings in \d+\.\d\d s\n", first.stdout)
    assert "2025-01-06.md:15" in first.stderr  # the warning names file:line
    second = run_bot("ingest", str(FIXTURE_DIGESTS), env=env, cwd=tmp_path)
    assert second.returncode == 0
    assert second.stdout.startswith("nothing changed: 3 digests unchanged: 8 papers")


def test_ingest_defaults_to_corpus_dir_which_ships_the_sample(tmp_path: Path):
    env = bot_env(tmp_path)
    assert run_bot("ingest", env=env, cwd=tmp_path).returncode == 0
    stats = json.loads(run_bot("stats", "--json", env=env, cwd=tmp_path).stdout)
    assert stats == {"digests": 1, "papers": stats["papers"], "appearances": stats["papers"],
                     "first_date": "2025-03-07", "latest_date": "2025-03-07",
                     "incomplete_days": []}
    assert stats["papers"] > 10


def test_progress_line_every_fifty_files(tmp_path: Path):
    corpus = tmp_path / "many"
    corpus.mkdir()
    row = "| T{n} (Read more on [arXiv](https://arxiv.org/abs/2401.{n:05d}))| A | S |"
    for n in range(1, 121):
        day = f"2024-{1 + n // 28:02d}-{1 + n % 28:02d}"
        (corpus / f"{day}.md").write_text(f"## Papers for {day}\n{row.format(n=n)}\n", "utf-8")
    result = run_bot("ingest", str(corpus), env=bot_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0
    assert "... 50/120 files" in result.stderr and "... 100/120 files" in result.stderr


def test_stats_json_and_paper_json(tmp_path: Path):
    env = bot_env(tmp_path)
    run_bot("ingest", str(FIXTURE_DIGESTS), env=env, cwd=tmp_path)
    stats = json.loads(run_bot("stats", "--json", env=env, cwd=tmp_path).stdout)
    assert stats == {"digests": 3, "papers": 8, "appearances": 8,
                     "first_date": "2024-09-05", "latest_date": "2025-01-11",
                     "incomplete_days": [{"date": "2025-01-06", "expected": 7, "parsed": 6},
                                         {"date": "2025-01-11", "expected": 0, "parsed": 0}]}
    paper = json.loads(run_bot("paper", "--json", "https://huggingface.co/papers/2501.00002",
                               env=env, cwd=tmp_path).stdout)
    assert paper["arxiv_id"] == "2501.00002"
    assert paper["title"] == "A Title Wrapped Over Two Lines"
    assert paper["authors"] == ["Zzitang"]
    assert paper["dates"] == ["2025-01-06"]
    assert paper["summary"] == "Wrapped rows continue with two spaces."


def test_stats_text_names_the_incomplete_days_on_a_second_line(tmp_path: Path):
    env = bot_env(tmp_path)
    run_bot("ingest", str(FIXTURE_DIGESTS), env=env, cwd=tmp_path)
    lines = run_bot("stats", env=env, cwd=tmp_path).stdout.splitlines()
    assert lines == ["3 digests (2024-09-05 to 2025-01-11), 8 papers, 8 appearances",
                     "2 incomplete days: 2025-01-06 (6 of 7 rows read), 2025-01-11 (no papers)"]


def test_unknown_paper_exits_1_with_a_clear_message(tmp_path: Path):
    result = run_bot("paper", "--json", "2501.99999", env=bot_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "no paper 2501.99999" in result.stderr


def test_bad_settings_stop_with_one_line_naming_the_variable(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    cases = {
        "LOG_LEVEL": bot_env(tmp_path, LOG_LEVEL="chatty"),
        "PAPERS_DB": bot_env(tmp_path, PAPERS_DB=str(blocker / "sub" / "x.db")),
        "CORPUS_DIR": bot_env(tmp_path, CORPUS_DIR=str(tmp_path / "missing")),
    }
    for variable, env in cases.items():
        result = run_bot("ingest", env=env, cwd=tmp_path)
        assert result.returncode != 0, variable
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and variable in lines[0], (variable, result.stderr)
        assert "Traceback" not in result.stderr


def test_the_bot_does_not_start_without_its_corpus_folder(tmp_path: Path):
    env = bot_env(tmp_path, CORPUS_DIR=str(tmp_path / "missing"), DISCORD_TOKEN="not-used")
    result = run_bot(env=env, cwd=tmp_path, stdin="")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: CORPUS_DIR: {tmp_path / 'missing'} is not a directory"]


def test_dotenv_file_in_the_working_folder_is_read(tmp_path: Path):
    env = bot_env(tmp_path)
    del env["PAPERS_DB"]
    (tmp_path / ".env").write_text(f"PAPERS_DB={tmp_path / 'from-dotenv.db'}\n")
    assert run_bot("stats", "--json", env=env, cwd=tmp_path).returncode == 0
    assert (tmp_path / "from-dotenv.db").exists()
