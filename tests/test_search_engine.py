"""The search core: ranking, id/URL queries, date filters, typos, authors, titles, answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.digest import PaperRecord
from bot.errors import UserError
from bot.search import SearchEngine, SearchError
from bot.search.answers import Candidate, best_answer, focus_terms
from bot.search.tokenize import tokenize

from .search_support import engine_of


def paper(arxiv_id: str, title: str, authors: tuple[str, ...], summary: str,
          *dates: str) -> PaperRecord:
    return PaperRecord(arxiv_id, title, authors, summary, dates, f"{dates[0]}.md:3")


PAPERS = [
    paper("2503.04094", "PokéChamp: an Expert-level Minimax Language Agent",
          ("Seth Karten", "Andy Luu Nguyen", "Chi Jin"),
          "Here is a concise summary of the research paper: i) PokéChamp is a minimax agent for "
          "Pokémon battles. ii) It replaces three components of tree search with LLM calls. "
          "iii) PokéChamp achieves a 76% win rate against the best LLM-based bot and 84% "
          "against the strongest rule-based bot. Follow-up questions: 1. Does it scale?",
          "2025-03-07"),
    paper("2409.12892", "3DGS-LM: Faster Gaussian-Splatting Optimization with Levenberg-Marquardt",
          ("Lukas Höllein", "Matthias Nießner"),
          "A second-order solver replaces ADAM for fitting Gaussian splats, 30% faster.",
          "2024-09-20"),
    paper("2501.00001", "Sparse Mixture-of-Experts for Speech",
          ("guokan-shang", "Jane Doe"),
          "We route audio tokens to experts. The MoE layer halves compute.", "2025-01-02"),
    paper("2502.00002", "Routing Tokens in Language Models",
          ("Guokan Shang", "Wei Zhang"),
          "A study of token routing that mentions experts once.", "2025-02-03", "2025-02-10"),
    paper("2502.00003", "Pavel's Benchmark of Czech Recommenders",
          ("Pavel Kordík", "Li Zhang"),
          "A benchmark for recommender systems in Czech e-commerce.", "2025-02-05"),
    paper("2410.00004", "Ray-traced Ellipsoids Render Without Popping",
          ("Alexander Mai", "Jeffrey P. Bigham"),
          "The renderer models scenes as constant-density ellipsoids. It reaches 30 FPS at 720p "
          "on Zip-NeRF. It is deployed on a Unitree G1 robot for navigation.", "2024-10-02"),
]


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return engine_of(PAPERS)


def ids(hits) -> list[str]:
    return [h.arxiv_id for h in hits]


def test_a_title_match_outranks_a_summary_mention(engine: SearchEngine) -> None:
    # "Routing" is in 2502.00002's title; 2501.00001 only routes tokens in its summary.
    assert ids(engine.search("routing"))[:2] == ["2502.00002", "2501.00001"]


def test_acronym_finds_the_spelled_out_compound(engine: SearchEngine) -> None:
    assert ids(engine.search("MoE speech"))[0] == "2501.00001"


def test_accents_do_not_matter(engine: SearchEngine) -> None:
    assert ids(engine.search("pokechamp minimax"))[0] == "2503.04094"


def test_results_carry_title_date_and_score(engine: SearchEngine) -> None:
    hit = engine.search("gaussian splatting solver")[0]
    assert (hit.arxiv_id, hit.latest_date) == ("2409.12892", "2024-09-20")
    assert hit.as_dict().keys() >= {"arxiv_id", "title", "date", "score"} and hit.score > 0


@pytest.mark.parametrize("query", ["2409.12892", "arXiv:2409.12892v2",
                                   "https://arxiv.org/abs/2409.12892",
                                   "https://arxiv.org/pdf/2409.12892v1",
                                   "https://huggingface.co/papers/2409.12892"])
def test_an_id_or_url_returns_that_paper_first(engine: SearchEngine, query: str) -> None:
    assert ids(engine.search(query))[0] == "2409.12892"


def test_unknown_id_finds_nothing(engine: SearchEngine) -> None:
    assert engine.search("2401.99999") == []


def test_typo_in_a_distinctive_word_is_tolerated(engine: SearchEngine) -> None:
    assert ids(engine.search("gaussain splating"))[0] == "2409.12892"
    assert ids(engine.search("elipsoids"))[0] == "2410.00004"
    assert engine.search("zzzzqqqq") == []


def test_since_and_until_are_inclusive_on_any_digest_date(engine: SearchEngine) -> None:
    assert ids(engine.search("routing tokens", since="2025-02-01")) == ["2502.00002"]
    assert ids(engine.search("routing tokens", until="2025-01-02")) == ["2501.00001"]
    # 2502.00002 was listed on 02-03 and 02-10, not between them: still found on either day.
    assert ids(engine.search("routing", since="2025-02-10", until="2025-02-10")) == ["2502.00002"]
    assert engine.search("routing", since="2025-02-04", until="2025-02-09") == []


@pytest.mark.parametrize("kwargs", [{"since": "2025-02-30"}, {"until": "2025-13-01"},
                                    {"since": "yesterday"},
                                    {"since": "2025-03-01", "until": "2025-02-01"}])
def test_bad_dates_are_refused(engine: SearchEngine, kwargs: dict[str, str]) -> None:
    with pytest.raises(UserError):  # bot.values.BadValue, or SearchError for the order
        engine.search("routing", **kwargs)


def test_an_empty_query_is_refused(engine: SearchEngine) -> None:
    with pytest.raises(SearchError):
        engine.search("   ")


@pytest.mark.parametrize("call", [lambda e: e.search("  "), lambda e: e.author(""),
                                  lambda e: e.search("x", since="2025-02-30")])
def test_a_refused_query_is_a_user_error_with_its_reason(engine: SearchEngine, call) -> None:
    with pytest.raises(UserError, match=r"empty|not a date"):
        call(engine)


@pytest.mark.parametrize("name", ["Guokan Shang", "guokan shang", "guokan-shang", "Shang",
                                  "Shang Guokan", "GUOKAN  SHANG"])
def test_author_forms_find_the_same_person(engine: SearchEngine, name: str) -> None:
    result, hits = engine.author(name)
    assert result.name == "Guokan Shang" and not result.ambiguous
    assert ids(hits) == ["2502.00002", "2501.00001"]  # newest first


def test_author_without_diacritics_or_middle_initial(engine: SearchEngine) -> None:
    assert ids(engine.author("Pavel Kordik")[1]) == ["2502.00003"]
    assert ids(engine.author("matthias niessner")[1]) == ["2409.12892"]
    assert ids(engine.author("Jeffrey Bigham")[1]) == ["2410.00004"]


def test_an_ambiguous_surname_lists_the_candidates(engine: SearchEngine) -> None:
    result, hits = engine.author("Zhang")
    assert result.ambiguous and set(result.candidates) == {"Wei Zhang", "Li Zhang"}
    assert set(ids(hits)) == {"2502.00002", "2502.00003"}


def test_unknown_author_finds_nothing(engine: SearchEngine) -> None:
    result, hits = engine.author("Nobody Atall")
    assert hits == [] and result.name is None


def test_name_and_title_autocomplete(engine: SearchEngine) -> None:
    assert engine.complete_author("guo") == ["Guokan Shang"]
    assert "Pavel Kordík" in engine.complete_author("kord")
    assert ids(engine.complete_title("pokech")) == ["2503.04094"]
    assert ids(engine.complete_title("gaussian splat")) == ["2409.12892"]
    assert len(engine.complete_title("", limit=100)) <= 25


def test_answer_is_the_sentence_with_the_asked_number() -> None:
    cand = Candidate(PAPERS[0].arxiv_id, PAPERS[0].title, PAPERS[0].summary, 10.0)
    answer = best_answer("What win rate did PokéChamp reach against the best rule-based bot?",
                         [cand])
    assert "84%" in answer.answer and answer.arxiv_id == "2503.04094"
    assert "Follow-up" not in answer.answer and "iii)" not in answer.answer


def test_which_question_prefers_a_named_answer() -> None:
    p = PAPERS[5]
    answer = best_answer("On which robot was the renderer deployed?",
                         [Candidate(p.arxiv_id, p.title, p.summary, 1.0)])
    assert "Unitree G1" in answer.answer
    assert focus_terms("What frame rate does it reach?") >= {"frame", "rate", *tokenize("fps")}


class _FakeStore:
    async def get_papers(self, arxiv_ids):
        by_id = {p.arxiv_id: p for p in PAPERS}
        return [by_id[i] for i in arxiv_ids if i in by_id]


async def test_ask_finds_the_paper_and_its_sentence(engine: SearchEngine) -> None:
    answer = await engine.ask("What frame rate does the ray-traced ellipsoid renderer reach?",
                              _FakeStore())  # type: ignore[arg-type]
    assert answer.arxiv_id == "2410.00004" and "30 FPS" in answer.answer
    assert answer.evidence[0] == answer.answer


async def test_update_after_ingest_adds_changes_and_keeps_the_rest(tmp_path: Path) -> None:
    from bot.corpus.ingest import ingest_directory
    from bot.store import Store

    def digest(day: str, rows: list[tuple[str, str, str]]) -> str:
        lines = [f"# Papers for {day}", "", "| Title | Authors | Summary |", "|---|---|---|"]
        lines += [f"| {t} (Read more on [arXiv](https://arxiv.org/abs/{i}) or "
                  f"[HuggingFace](https://huggingface.co/papers/{i}))| Ann Lee | {s} |"
                  for i, t, s in rows]
        return "\n".join(lines) + "\n"

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "2025-01-01.md").write_text(
        digest("2025-01-01", [("2501.00010", "Zebra Detection", "Finds zebras.")]))
    async with await Store.open(tmp_path / "p.db") as store:
        await ingest_directory(store, tmp_path / "d")
        engine = await SearchEngine.build(store)
        assert ids(engine.search("zebra")) == ["2501.00010"]
        (tmp_path / "d" / "2025-01-02.md").write_text(
            digest("2025-01-02", [("2501.00011", "Giraffe Tracking", "Tracks giraffes."),
                                  ("2501.00010", "Zebra Detection", "Finds zebras.")]))
        report = await ingest_directory(store, tmp_path / "d")
        assert await engine.update(store, report.changed_dates) == 1
        assert ids(engine.search("giraffe")) == ["2501.00011"]
        assert engine.search("zebra")[0].dates == ("2025-01-01", "2025-01-02")
        (tmp_path / "d" / "2025-01-02.md").write_text(
            digest("2025-01-02", [("2501.00011", "Giraffe Tracking v2", "Now okapis.")]))
        report = await ingest_directory(store, tmp_path / "d")
        await engine.update(store, report.changed_dates)
        assert ids(engine.search("okapi")) == ["2501.00011"] and engine.search("giraffes") != []
        assert engine.search("zebra")[0].dates == ("2025-01-01",)
        assert len(engine) == 2
