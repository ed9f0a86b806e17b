"""The CLI contract of search, ask and author (used by benchmarks and outside checks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cli_support import bot_env, run_bot
from .test_semantic import MODEL

DIGEST = """# Papers for {day}

| Title | Authors | Summary |
|-------|---------|---------|
{rows}
"""
ROW = ("| {title} (Read more on [arXiv](https://arxiv.org/abs/{id}) or [HuggingFace]"
       "(https://huggingface.co/papers/{id}))| {authors} | {summary} |")


def _write(corpus: Path, day: str, papers: list[tuple[str, str, str, str]]) -> None:
    rows = "\n".join(ROW.format(id=i, title=t, authors=a, summary=s) for i, t, a, s in papers)
    (corpus / f"{day}.md").write_text(DIGEST.format(day=day, rows=rows), encoding="utf-8")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    tmp = tmp_path_factory.mktemp("cli")
    corpus = tmp / "corpus"
    corpus.mkdir()
    _write(corpus, "2025-03-06", [
        ("2503.00001", "Zebra Stripes Detector", "Ann Lee, bo-chen",
         "Here's a concise summary of the research paper: The detector finds zebra stripes. "
         "It reaches 91.5% accuracy on SavannaBench."),
    ])
    _write(corpus, "2025-03-07", [
        ("2503.04094", "PokéChamp: an Expert-level Minimax Language Agent", "Seth Karten, Bo Chen",
         "PokéChamp is a minimax agent. It achieves a 76% win rate against the best LLM-based "
         "bot and 84% against the strongest rule-based bot."),
        ("2503.00002", "Giraffe Necks in Vision Transformers", "Ann Lee",
         "Long attention spans, like giraffe necks."),
    ])
    environment = bot_env(tmp, CORPUS_DIR=str(corpus))
    result = run_bot("ingest", env=environment, cwd=tmp)
    assert result.returncode == 0, result.stderr
    return environment, tmp


def test_search_json_is_an_array_best_first(env: tuple[dict[str, str], Path]) -> None:
    result = run_bot("search", "--json", "zebra stripes", env=env[0], cwd=env[1])
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["arxiv_id"] == "2503.00001"
    assert {"arxiv_id", "title", "date", "score"} <= hits[0].keys()


def test_search_limit_since_until(env: tuple[dict[str, str], Path]) -> None:
    out = run_bot("search", "--json", "--limit", "1", "ann lee", env=env[0], cwd=env[1])
    assert len(json.loads(out.stdout)) == 1
    out = run_bot("search", "--json", "--since", "2025-03-07", "--until", "2025-03-07",
                  "zebra giraffe", env=env[0], cwd=env[1])
    assert [h["arxiv_id"] for h in json.loads(out.stdout)] == ["2503.00002"]


def test_search_stream_answers_line_by_line_and_survives_bad_lines(
        env: tuple[dict[str, str], Path]) -> None:
    queries = "zebra\n\nhttps://huggingface.co/papers/2503.04094\ngiraffe\n"
    result = run_bot("search", "--json", "-", env=env[0], cwd=env[1], stdin=queries)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(v[0]["arxiv_id"] if v else None) for v in lines] == [
        "2503.00001", None, "2503.04094", "2503.00002"]


def test_ask_json_gives_the_answer_sentence_and_its_paper(
        env: tuple[dict[str, str], Path]) -> None:
    result = run_bot("ask", "--json", "What win rate did PokéChamp reach against the best "
                     "rule-based bot?", env=env[0], cwd=env[1])
    answer = json.loads(result.stdout)
    assert answer["arxiv_id"] == "2503.04094" and "84%" in answer["answer"]
    assert answer["title"].startswith("PokéChamp") and answer["evidence"]


def test_ask_json_lists_the_papers_of_a_question_about_several(
        env: tuple[dict[str, str], Path]) -> None:
    result = run_bot("ask", "--json", "which papers are about animals like zebra or giraffe?",
                     env=env[0], cwd=env[1])
    answer = json.loads(result.stdout)
    assert answer["kind"] == "list"
    assert set(answer["sources"]) == {"2503.00001", "2503.00002"}
    assert [p["arxiv_id"] for p in answer["papers"]] == answer["sources"]
    assert all(set(p) == {"arxiv_id", "title", "sentence"} for p in answer["papers"])
    text = run_bot("ask", "which papers are about zebra or giraffe?", env=env[0], cwd=env[1])
    assert text.stdout.startswith("2 papers on ")
    assert " 1. " in text.stdout and " 2. " in text.stdout


def test_without_its_model_the_cli_says_so_once_and_answers_with_bm25(
        env: tuple[dict[str, str], Path]) -> None:
    missing = {**env[0], "EMBED_MODEL_PATH": str(env[1] / "no-model")}
    result = run_bot("search", "--json", "zebra stripes", env=missing, cwd=env[1])
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["arxiv_id"] == "2503.00001"
    assert result.stderr.count("semantic search unavailable, BM25 only: ") == 1


def test_ask_stream_prints_an_empty_answer_for_an_empty_line(
        env: tuple[dict[str, str], Path]) -> None:
    result = run_bot("ask", "--json", "-", env=env[0], cwd=env[1],
                     stdin="\nWhat accuracy does the zebra detector reach?\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first == {"answer": "", "arxiv_id": None, "title": None, "evidence": [],
                     "sources": [], "papers": [], "kind": "fact"}
    assert second["arxiv_id"] == "2503.00001" and "91.5%" in second["answer"]


def test_author_json_newest_first_whatever_the_form(env: tuple[dict[str, str], Path]) -> None:
    result = run_bot("author", "--json", "-", env=env[0], cwd=env[1],
                     stdin="Bo Chen\nchen bo\nLee\nnobody here\n")
    lines = [[p["arxiv_id"] for p in json.loads(line)] for line in result.stdout.splitlines()]
    assert lines == [["2503.04094", "2503.00001"], ["2503.04094", "2503.00001"],
                     ["2503.00002", "2503.00001"], []]


def test_text_output_without_json(env: tuple[dict[str, str], Path]) -> None:
    result = run_bot("search", "zebra", env=env[0], cwd=env[1])
    assert result.returncode == 0 and "Zebra Stripes Detector" in result.stdout
    result = run_bot("author", "Ann Lee", env=env[0], cwd=env[1])
    assert "Ann Lee: 2 papers" in result.stdout


@pytest.mark.parametrize("args", [["search", "--json", " "], ["search", "--since", "2025-02-30",
                                  "zebra"], ["search", "--since", "2025-03-07", "--until",
                                  "2025-03-06", "zebra"], ["ask", "--json", ""],
                                  ["author", " "]])
def test_bad_input_is_one_line_on_stderr_and_exit_2(env: tuple[dict[str, str], Path],
                                                    args: list[str]) -> None:
    result = run_bot(*args, env=env[0], cwd=env[1])
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "error" in result.stderr


def test_console_runs_commands_from_piped_input(env: tuple[dict[str, str], Path]) -> None:
    script = ("/search zebra\n/author Bo Chen\n/today\n/paper 2503.00001\n"
              "what win rate vs the rule-based bot?\n/help\n/quit\n/search never\n")
    result = run_bot("console", env=env[0], cwd=env[1], stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> " not in out  # no prompt when stdin is not a terminal
    assert "Zebra Stripes Detector" in out and "Bo Chen: 2 papers" in out
    assert "Papers for 2025-03-07 (2)" in out and "84%" in out and "/search QUERY" in out
    assert "It reaches 91.5% accuracy" in out and "Here's a concise" not in out


DATE_HINT = "is not a date: use YYYY-MM-DD, e.g. 2025-03-07"


@pytest.mark.parametrize(("args", "error"), [
    (["search", "--since", "20250307", "zebra"], f"--since: “20250307” {DATE_HINT}"),
    (["search", "--until", "2025-W10-5", "zebra"], f"--until: “2025-W10-5” {DATE_HINT}"),
    (["fetch", "20250307"], f"DATE: “20250307” {DATE_HINT}"),
    (["backfill", "--since", "2025-W10-5"], f"--since: “2025-W10-5” {DATE_HINT}"),
])
def test_every_command_takes_dates_as_yyyy_mm_dd_only(env: tuple[dict[str, str], Path],
                                                      args: list[str], error: str) -> None:
    result = run_bot(*args, env=env[0], cwd=env[1])
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: {error}\n"


def test_the_console_refuses_the_same_dates_and_finds_papers_like_the_bot(
        env: tuple[dict[str, str], Path]) -> None:
    script = ("/search zebra since:20250306\n/search zebra until:2025-W10-4\n"
              "/paper expert minimax langauge agnet\n/ask what is the meaning of zzzz?\n")
    result = run_bot("console", env=env[0], cwd=env[1], stdin=script)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"error: since: “20250306” {DATE_HINT}",
                         f"error: until: “2025-W10-4” {DATE_HINT}"]
    # Not the start of a title: found by the search fallback /paper uses in Discord.
    assert lines[2] == "PokéChamp: an Expert-level Minimax Language Agent"
    assert lines[-1] == "no answer found"  # the CLI's words


@pytest.mark.skipif(not MODEL.is_dir(), reason="../shared/models is not available")
def test_with_a_model_ingest_embeds_once_and_search_finds_by_meaning(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, "2025-03-06", [
        ("2503.00001", "Zebra Stripes Detector", "Ann Lee", "The detector finds zebra stripes."),
        ("2503.00003", "Cooking Robots", "Bo Chen", "A robot arm learns to prepare meals."),
    ])
    env = bot_env(tmp_path, CORPUS_DIR=str(corpus), EMBED_MODEL_PATH=str(MODEL),
                  LOG_LEVEL="INFO")
    ingest = run_bot("ingest", env=env, cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    assert "2 papers embedded" in ingest.stderr
    search = run_bot("search", "--json", "a machine that makes dinner", env=env, cwd=tmp_path)
    assert json.loads(search.stdout)[0]["arxiv_id"] == "2503.00003"
    assert "embedding" not in search.stderr  # the vectors ingest saved are used
