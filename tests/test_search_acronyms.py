"""Acronyms learned from the summaries: a query's "RL" also finds "reinforcement learning"."""

from __future__ import annotations

import numpy as np
import pytest

from bot.digest import PaperRecord
from bot.search import SearchEngine
from bot.search.acronyms import AcronymTable, definitions, written_as_acronyms
from bot.search.index import BM25Index


@pytest.mark.parametrize(("text", "expected"), [
    ("We train it with Proximal Policy Optimization (PPO).",
     [("PPO", ("proxim", "polici", "optim"))]),
    ("A sparse Mixture of Experts (MoE) layer.", [("MoE", ("mixtur", "expert"))]),
    ("Unlike 3D Gaussian Splatting (3DGS), it", [("3DGS", ("3d", "gaussian", "splat"))]),
    ("Multimodal Large Language Models (MLLMs) fail.",
     [("MLLM", ("multimod", "larg", "languag", "model"))]),
    ("It reaches 41.2 mean Average Precision (mAP) and a Maximum a Posteriori (MaP) fit.",
     [("mAP", ("mean", "averag", "precis")), ("MaP", ("maximum", "posteriori"))]),
    ("Results (see Fig. 2) and ours (Ours) and (GPT-4o) and (ab) and (X).", []),
    ("The model. (RL) stands alone.", []),  # no long form before it in the sentence
])
def test_definitions_are_found_with_their_long_forms(text: str, expected: list) -> None:
    assert list(definitions(text)) == expected


def test_only_words_written_as_acronyms_are_expanded() -> None:
    assert written_as_acronyms("RL for LLMs on a map with mAP and Rl") == {
        "rl": "RL", "llm": "LLM", "map": "mAP"}
    table = AcronymTable()
    for _ in range(2):
        table.learn("Reinforcement learning (RL) and mean average precision (mAP).")
    table.learn("Rapid Layout (RL) is rare.")  # a minority long form does not win
    table.learn("Optimal Transport (OT) once.")  # defined once, never otherwise: used
    table.learn("Xylo Yarn (XY) and later Xeno Yak (XY).")  # once each: contradicted, not used
    assert table.groups(["rl", "ot", "xy", "map", "agent"],
                        {"rl": "RL", "ot": "OT", "xy": "XY", "map": "MaP"}) == [
        [("rl",), ("reinforc", "learn")], [("ot",), ("optim", "transport")], [("xy",)],
        [("map",)], [("agent",)]]
    assert AcronymTable.from_rows(table.rows()).counts == table.counts


def paper(arxiv_id: str, title: str, summary: str) -> PaperRecord:
    return PaperRecord(arxiv_id, title, ("Ann Lee",), summary, ("2025-01-01",), "x.md:1")


PAPERS = [
    paper("2501.00001", "Tuning Robots", "We use reinforcement learning (RL) for robots."),
    paper("2501.00002", "Walking Robots", "Reinforcement learning (RL) makes robots walk."),
    paper("2501.00003", "Policy Robots", "An RL method for robots with RL rewards."),
    paper("2501.00004", "Habit Robots", "Robots shaped by reinforcement of habits."),
    paper("2501.00005", "Sorting Robots", "Robots that sort boxes."),
    paper("2501.00006", "Trial Robots", "Robots trained by reinforcement learning alone."),
]


def test_an_acronym_query_also_finds_its_long_form() -> None:
    engine = SearchEngine.from_records(PAPERS)
    assert engine.query_terms("RL") == ["rl", "reinforc", "learn"]
    found = [h.arxiv_id for h in engine.search("RL")]
    assert sorted(found) == ["2501.00001", "2501.00002", "2501.00003", "2501.00006"]
    # Lowercase "rl" is a plain word: only the papers that write RL.
    assert sorted(h.arxiv_id for h in engine.search("rl")) == ["2501.00001", "2501.00002",
                                                              "2501.00003"]
    assert "reinforc" in engine.query_terms("RL robots")
    assert "reinforc" not in engine.query_terms("rl robots")


def test_concept_scoring_is_plain_for_single_terms_and_the_better_alternative() -> None:
    docs = [["rl", "robot"], ["reinforc", "learn", "robot"], ["rl", "reinforc", "learn"],
            ["reinforc", "robot"], ["robot"], ["reinforc", "reinforc", "learn", "rl"]]
    index = BM25Index()
    index.add(docs)
    plain = index.scores(["robot", "rl"])
    grouped = index.grouped_scores([[("robot",)], [("rl",)]])
    np.testing.assert_array_equal(plain[0], grouped[0])
    assert plain[1] == grouped[1]

    def weight(doc: int, token: str) -> float:
        ids, weights = index.segments[0].postings(index.vocab[token])
        return float(weights[ids == doc].sum())

    idf = index.idf[index.vocab["rl"]]
    concept, constant = index.grouped_scores([[("rl",), ("reinforc", "learn")]])
    for doc in range(len(docs)):
        phrase = min(weight(doc, "reinforc"), weight(doc, "learn"))
        assert concept[doc] == pytest.approx(idf * max(weight(doc, "rl"), phrase))
    assert concept[3] == concept[4] == 0.0  # half the phrase is not the phrase
    assert constant == pytest.approx(idf * index.params.delta)
