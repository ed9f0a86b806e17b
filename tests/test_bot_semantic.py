"""Through the local Discord: search by meaning, similar papers, answers that list papers, and
a bot that answers with BM25 while its model is missing or its vectors are being built."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.search import semantic as semantic_module

from .bot_support import (
    assert_discord_would_accept,
    button,
    command,
    embeds_of,
    running_bot,
)
from .test_semantic import MODEL, MeaningEmbedder


async def until(condition: Callable[[], object], timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def search_field(message: dict) -> str:
    [about] = embeds_of(message)
    return {f["name"]: f["value"] for f in about["fields"]}["Search"]


def titles(message: dict | None) -> list[str]:
    return [embed.get("title", "") for embed in embeds_of(message)]


# --- the model missing, the vectors not built yet ----------------------------------------------


async def test_without_its_model_the_bot_answers_with_bm25_and_about_says_why(tmp_path):
    env = {"EMBED_MODEL_PATH": str(tmp_path / "no-model-here")}
    async with running_bot(tmp_path, env=env) as run:
        await until(lambda: run.bot.engine.semantic.note != "starting")
        _, message = await command(run.fake, "search", {"query": "speculative decoding"})
        assert titles(message)[0] == "Speculative Decoding in Practice"
        _, about = await command(run.fake, "about")
        assert search_field(about).startswith(
            "semantic search unavailable (embedding model: no model.onnx in ")
        assert search_field(about).endswith("; BM25 answers")
        assert_discord_would_accept(run.fake)


async def test_on_its_first_start_the_bot_answers_before_the_vectors_are_ready(
        tmp_path, monkeypatch):
    gate = threading.Event()

    class Held(MeaningEmbedder):
        def embed(self, texts: Sequence[str]) -> np.ndarray:
            gate.wait(30)
            return super().embed(texts)

    monkeypatch.setattr(semantic_module, "open_model", lambda *_: Held())
    try:
        async with running_bot(tmp_path, env={"EMBED_MODEL": "test/held"}) as run:
            semantic = run.bot.engine.semantic
            await until(lambda: semantic.wanted > 0)
            _, message = await command(run.fake, "search", {"query": "speculative decoding"})
            assert titles(message)[0] == "Speculative Decoding in Practice"
            _, about = await command(run.fake, "about")
            assert search_field(about) == f"semantic search: 0/{semantic.wanted} papers"

            gate.set()
            papers = len(run.bot.engine)
            await until(lambda: semantic.usable(papers) is not None)
            _, about = await command(run.fake, "about")
            assert search_field(about) == f"semantic search: {papers}/{papers} papers"
            _, message = await command(run.fake, "search", {"query": "speculative decoding"})
            assert titles(message)[0] == "Speculative Decoding in Practice"
            assert_discord_would_accept(run.fake)
    finally:
        gate.set()


@pytest.mark.skipif(not MODEL.is_dir(), reason="../shared/models is not available")
async def test_search_finds_a_paper_described_in_other_words(tmp_path: Path):
    query = "keeping the same person recognisable across scenes of an ai movie"
    async with running_bot(tmp_path) as run:
        _, message = await command(run.fake, "search", {"query": query})
        assert titles(message)[0] != "Video Generation with Consistent Characters"  # BM25
    async with running_bot(tmp_path, env={"EMBED_MODEL_PATH": str(MODEL)}) as run:
        await until(lambda: run.bot.engine.semantic.usable(len(run.bot.engine)) is not None)
        _, message = await command(run.fake, "search", {"query": query})
        assert titles(message)[0] == "Video Generation with Consistent Characters"
        assert_discord_would_accept(run.fake)


# --- similar papers ----------------------------------------------------------------------------


async def test_similar_shows_five_other_papers_from_the_button_and_the_command(paperboy):
    fake = paperboy.fake
    _, card = await command(fake, "paper", {"query": "2503.10008"})
    pressed = await fake.click(card, button(card, "Similar")["custom_id"])
    shown = titles(await pressed.final_message())
    assert len(shown) == 5
    assert "Dense Retrieval with Hard Negatives" not in shown
    assert sum("Retriev" in title for title in shown) >= 3  # BM25 on its title and summary
    _, message = await command(fake, "similar", {"paper": "Dense Retrieval with Hard Negatives"})
    assert titles(message) == shown


async def test_similar_to_an_unknown_paper_says_so_privately(paperboy):
    result, message = await command(paperboy.fake, "similar", {"paper": "no such paper at all"})
    assert result.ephemeral
    assert "I don't know a paper" in message["content"]


# --- answers that are several papers ------------------------------------------------------------


async def test_a_question_about_several_papers_lists_them_each_with_its_sentence(paperboy):
    _, message = await command(paperboy.fake, "ask",
                               {"question": "which papers improve retrieval?"})
    [card] = embeds_of(message)
    head, *entries = card["description"].split("\n**")
    assert head.startswith(f"{len(entries)} papers on improve retrieval")
    assert len(entries) >= 3
    assert all("](https://huggingface.co/papers/" in entry and "\n> " in entry
               for entry in entries)


async def test_whats_new_this_month_is_read_against_the_newest_digest(paperboy):
    _, message = await command(paperboy.fake, "ask",
                               {"question": "what's new on retrieval this month?"})
    [card] = embeds_of(message)
    assert "on retrieval, 1 Mar – 5 Mar 2025 (newest first)" in card["description"].split("\n")[0]
    days = [line.rsplit(" · ", 1)[-1] for line in card["description"].split("\n")
            if line.startswith("**")]
    assert days == sorted(days, reverse=True) and days[0] == "2025-03-05"


async def test_a_single_fact_question_keeps_its_quoted_sentence(paperboy):
    _, message = await command(paperboy.fake, "ask",
                               {"question": "how much faster are four-bit attention kernels?"})
    [card] = embeds_of(message)
    assert card["description"].startswith("> ")
    assert "3.1x" in card["description"]
