"""A question whose answer is several papers gets a list: each paper with the sentence that
shows why it is there."""

from datetime import date

import discord
import pytest

from bot import cards
from bot.search import Hit
from bot.search.answers import Candidate
from bot.search.lists import MAX_PAPERS, list_answer, read_list_question

NEWEST = date(2025, 10, 30)


@pytest.mark.parametrize(("question", "topic"), [
    ("which papers use GRPO for video generation?", "GRPO for video generation"),
    ("which papers improve retrieval?", "improve retrieval"),
    ("any work on KV-cache compression?", "KV-cache compression"),
    ("what's new on agents this month", "agents"),
    ("papers on KV-cache compression since August", "KV-cache compression"),
    ("Are there papers about speculative decoding?", "speculative decoding"),
    ("show me recent papers on diffusion", "diffusion"),
    ("latest work on world models", "world models"),
    ("How many papers on RLHF came out last week?", "RLHF"),
])
def test_a_request_for_papers_is_a_list_question_about_a_topic(question: str, topic: str) -> None:
    read = read_list_question(question, NEWEST)
    assert read is not None
    assert read.topic == topic


@pytest.mark.parametrize("question", [
    "which paper introduced GEdit-Bench for image editing?",
    "Which robot did the RL policy run on?",
    "What accuracy did the VLM reach when trained with GRPO?",
    "How many coding problems are in the benchmark?",
    "Which work introduced GEdit-Bench?",
])
def test_a_single_fact_question_is_not_a_list_question(question: str) -> None:
    assert read_list_question(question, NEWEST) is None


def test_the_period_and_the_order_come_from_the_question() -> None:
    read = read_list_question("what's new on agents this month", NEWEST)
    assert read is not None and read.period is not None
    assert read.period.label == "1 Oct – 30 Oct 2025"
    assert read.newest_first
    best_first = read_list_question("papers on KV-cache compression since August", NEWEST)
    assert best_first is not None and not best_first.newest_first


def _candidate(n: int, score: float, day: str, summary: str = "") -> Candidate:
    summary = summary or f"Paper {n} studies a topic. It compresses the KV cache by {n}x."
    return Candidate(f"2501.{n:05d}", f"Title {n}", summary, score, day)


def test_each_listed_paper_comes_with_the_sentence_that_matches_the_topic() -> None:
    question = read_list_question("any work on KV-cache compression?", NEWEST)
    assert question is not None
    answer = list_answer(question, [_candidate(1, 9.0, "2025-10-01")])
    assert answer.kind == "list"
    assert [p.sentence for p in answer.papers] == ["It compresses the KV cache by 1x."]
    assert answer.answer == "1 paper on KV-cache compression"


def test_papers_far_below_the_best_are_left_out_and_at_most_eight_are_listed() -> None:
    question = read_list_question("any work on KV-cache compression?", NEWEST)
    assert question is not None
    strong = [_candidate(n, 10.0 - n * 0.1, "2025-10-01") for n in range(12)]
    weak = [_candidate(99, 1.0, "2025-10-01")]
    answer = list_answer(question, strong + weak)
    assert len(answer.papers) == MAX_PAPERS
    assert "2501.00099" not in answer.sources
    assert answer.sources == tuple(c.arxiv_id for c in strong[:MAX_PAPERS])  # best first


def test_what_is_new_lists_newest_first_while_sources_stay_best_first() -> None:
    question = read_list_question("what's new on KV-cache compression?", NEWEST)
    assert question is not None
    candidates = [_candidate(1, 9.0, "2025-08-01"), _candidate(2, 8.0, "2025-10-20"),
                  _candidate(3, 7.0, "2025-09-05")]
    answer = list_answer(question, candidates)
    assert [p.arxiv_id for p in answer.papers] == ["2501.00002", "2501.00003", "2501.00001"]
    assert answer.sources == ("2501.00001", "2501.00002", "2501.00003")
    assert answer.arxiv_id == "2501.00002"


def test_no_paper_is_an_honest_empty_list_answer() -> None:
    question = read_list_question("any work on KV-cache compression?", NEWEST)
    assert question is not None
    answer = list_answer(question, [])
    assert answer.answer == "" and answer.papers == () and answer.kind == "list"
    assert answer.as_dict()["papers"] == [] and answer.as_dict()["kind"] == "list"


def test_a_list_card_of_eight_long_papers_stays_within_discords_limits() -> None:
    papers = [(Hit(f"2503.{i:05d}", "Very long title " * 40, ("A",), (f"2025-03-0{i}",), 1.0),
               "A sentence that goes on and on. " * 60) for i in range(1, 9)]
    embed = cards.list_answer_card("which papers? " * 40, "8 papers on " + "x " * 400, papers)
    assert isinstance(embed, discord.Embed)
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed) <= 6000
    assert (embed.description or "").count("](https://huggingface.co/papers/2503.") == 8
    assert (embed.description or "").count("\n> ") == 8
