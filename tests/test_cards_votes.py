"""Vote, poll and thread texts fit Discord's limits and show digest text literally."""

from __future__ import annotations

from bot.cards import votes
from bot.digest import PaperRecord


def paper(title: str, arxiv_id: str = "2503.10001") -> PaperRecord:
    return PaperRecord(arxiv_id=arxiv_id, title=title, authors=(), summary="", source="x:1",
                       dates=("2025-03-03",))


def test_a_long_title_is_cut_to_a_poll_answer_and_a_thread_name():
    long = paper("Scaling " * 40)
    assert len(votes.poll_answer(long)) <= votes.POLL_ANSWER_LIMIT == 55
    assert len(votes.thread_name(long)) <= votes.THREAD_NAME_LIMIT == 100
    assert votes.thread_name(long).endswith("…")


def test_a_blank_title_falls_back_to_the_id():
    assert votes.thread_name(paper("   ")) == "2503.10001"


def test_the_vote_label_shows_the_count():
    assert votes.vote_label(0) == "👍"
    assert votes.vote_label(1234) == "👍 1,234"


def test_trending_lines_escape_titles_and_stay_within_a_page():
    ranked = [(paper("**Bold** <@1> " + "word " * 60, f"2503.{n:05d}"), 100 - n, n)
              for n in range(25)]
    pages = votes.trending_pages("all time", ranked)
    assert len(pages) == 3
    assert all(len(page.description or "") <= 4096 for page in pages)
    first = (pages[0].description or "").splitlines()[0]
    assert first.startswith("1. [\\*\\*Bold\\*\\*") and first.endswith("👍 100 · 🔖 0")
    assert "<@1>" not in first
