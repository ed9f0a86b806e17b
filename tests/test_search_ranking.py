"""Ranking mechanisms on top of BM25: one typo correction, long form ↔ acronym, synonyms and
conversational query words (the BM25 stage itself is checked against rank-bm25 elsewhere)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.digest import PaperRecord
from bot.search import SearchEngine
from bot.search.acronyms import AcronymTable
from bot.search.index import BM25Index, Either
from bot.search.typos import TypoIndex, correct


def paper(arxiv_id: str, title: str, summary: str) -> PaperRecord:
    return PaperRecord(arxiv_id, title, ("Ann Lee",), summary, ("2025-01-01",), "x.md:1")


def test_a_typo_becomes_only_its_most_frequent_closest_term() -> None:
    vocabulary = ["ambigu", "ambik", "thought", "though", "agent"]
    df = {"ambigu": 53, "ambik": 1, "thought": 264, "though": 61, "agent": 600}
    index = TypoIndex(vocabulary)
    # "thougth" is one edit from both "thought" and "though": the rarer one is not added.
    assert correct("thougth", index, df.__getitem__) == ["thought"]
    assert correct("ambig", index, df.__getitem__) == ["ambigu"]
    assert correct("agnet", index, df.__getitem__) == ["agent"]
    assert correct("zzzz", index, df.__getitem__) == []


def test_either_scores_the_best_of_its_ways() -> None:
    docs = [["graphic", "user", "interfac", "agent"], ["gui", "agent"], ["user", "agent"],
            ["gui", "graphic", "user", "interfac"], ["robot"]]
    index = BM25Index()
    index.add(docs)
    ways = (("graphic", "user", "interfac"), ("gui",))
    scores, constant = index.grouped_scores([Either(ways)])
    per_way = [index.scores(list(way)) for way in ways]
    np.testing.assert_allclose(scores, np.maximum(per_way[0][0], per_way[1][0]))
    assert constant == pytest.approx(max(per_way[0][1], per_way[1][1]))
    assert scores[4] == 0.0
    # An Either of one way is that plain query; mixed with plain terms the scores add up.
    plain, plain_constant = index.scores(["agent", "gui"])
    mixed, mixed_constant = index.grouped_scores([[("agent",)], Either((("gui",),))])
    np.testing.assert_allclose(mixed, plain)
    assert mixed_constant == pytest.approx(plain_constant)


def test_a_long_form_in_the_query_also_matches_its_acronym() -> None:
    table = AcronymTable()
    for _ in range(2):
        table.learn("Graphical user interfaces (GUIs) and reward models (RMs).")
    table.learn("A signed distance field (SDF).")  # defined once: the query's SDF only
    assert table.groups(["graphic", "user", "interfac", "agent"], {}) == [
        Either((("graphic", "user", "interfac"), ("gui",))), [("agent",)]]
    # Two-letter acronyms mean too many things; a long form defined once may be a paper's name.
    assert table.groups(["reward", "model"], {}) == [[("reward",)], [("model",)]]
    assert table.groups(["sign", "distanc", "field"], {}) == [
        [("sign",)], [("distanc",)], [("field",)]]
    assert table.groups(["sdf"], {"sdf": "SDF"}) == [[("sdf",), ("sign", "distanc", "field")]]
    # A query that writes the acronym as well keeps the long form's words as they are.
    assert table.groups(["gui", "graphic", "user", "interfac"], {"gui": "GUI"})[1:] == [
        [("graphic",)], [("user",)], [("interfac",)]]


PAPERS = [
    paper("2501.00001", "OS-Pilot: GUI Agents Driven by LLMs: A Survey",
          "A survey of agents that click through apps. We review GUI agents and benchmarks. "
          "Graphical user interfaces (GUIs) are hard for agents."),
    paper("2501.00002", "Desktop GUI Agents", "Graphical user interfaces (GUIs) are everywhere."),
    paper("2501.00003", "Operating Systems Simulated",
          "A neural model renders the graphical user interface of an operating system."),
    paper("2501.00004", "Clicking Agents", "Agents that use the mouse on GUI screens."),
    paper("2501.00005", "Code Review Bots", "Automated code review with language models."),
    paper("2501.00006", "Good Old Robots", "A good robot is a good arm on good wheels."),
    paper("2501.00007", "Robot Arms Review", "We study robot arms."),
]


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.from_records(PAPERS)


def ids(hits) -> list[str]:
    return [h.arxiv_id for h in hits]


def test_a_paper_that_only_writes_the_acronym_is_found_by_the_long_form(
        engine: SearchEngine) -> None:
    found = ids(engine.search("agents for graphical user interfaces"))
    assert "2501.00004" in found  # it only says "GUI"
    assert "gui" in engine.query_terms("graphical user interfaces")


def test_a_review_finds_surveys_with_the_idf_of_the_word_typed(engine: SearchEngine) -> None:
    assert {"review", "survey"} <= set(engine.query_terms("review of agents"))
    assert ids(engine.search("a review of GUI agents"))[0] == "2501.00001"
    assert "2501.00005" in ids(engine.search("code review"))  # the word itself still counts
    # A query that writes two of the synonyms counts the idea once.
    assert ([(h.arxiv_id, h.score) for h in engine.search("survey review")]
            == [(h.arxiv_id, h.score) for h in engine.search("survey")])


def test_conversational_words_do_not_pick_the_paper(engine: SearchEngine) -> None:
    assert "good" not in engine.query_terms("how good are robot arms")
    assert ids(engine.search("how good are robot arms")) == ids(engine.search("robot arms"))
    assert ids(engine.search("robot arms"))[0] == "2501.00007"
