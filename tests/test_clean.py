"""Generator boilerplate is stripped from summaries; sentences split where they end."""

from __future__ import annotations

from bot.digest.clean import clean_summary, split_sentences


def test_intro_with_quoted_title_is_dropped() -> None:
    text = ('Here is a concise summary of the paper "VidTok: A Versatile Tokenizer" based on your '
            "guidelines: VidTok is an open-source video tokenizer.")
    assert clean_summary(text) == "VidTok is an open-source video tokenizer."


def test_okay_here_is_intro_and_summary_of_intro_are_dropped() -> None:
    assert clean_summary("Okay, here is a concise summary of the research paper: X works.") == (
        "X works.")
    assert clean_summary("Summary of the research paper is the following: Y works.") == (
        "Y works.")


def test_roman_and_letter_markers_and_bold_labels_are_dropped() -> None:
    text = ("i) **1-line summary:** CLEAR linearizes attention. ii) **Main research question/"
            "objective:** Can DiTs be linear? iii) **Key methodology:** Local windows. "
            "iv) **Primary results:** 99.5% fewer computations. v) **Principal implication for "
            "AI practitioners:** Faster 8K images.")
    assert clean_summary(text) == (
        "CLEAR linearizes attention. Can DiTs be linear? Local windows. 99.5% fewer "
        "computations. Faster 8K images.")
    assert clean_summary("a) The research aims at X. b) They use Y. c) It reaches 3%.") == (
        "The research aims at X. They use Y. It reaches 3%.")


def test_label_without_colon_after_a_marker_is_dropped() -> None:
    assert clean_summary("i) Summary IDArb is a diffusion model. ii) Main research question or "
                         "objective The aim is X.") == "IDArb is a diffusion model. The aim is X."


def test_follow_up_questions_and_everything_after_them_are_dropped() -> None:
    text = ("MIO reaches 54.4% accuracy. Follow-up Questions: 1. What data? 2. How big?")
    assert clean_summary(text) == "MIO reaches 54.4% accuracy."
    text = "It works. Here are some follow-up questions an AI practitioner might ask: 1. Why?"
    assert clean_summary(text) == "It works."


def test_ordinary_text_is_left_alone() -> None:
    text = "The **bge-en-icl** model (a) improves recall; see Table 2: it wins."
    assert clean_summary(text) == "The bge-en-icl model (a) improves recall; see Table 2: it wins."


def test_split_sentences_keeps_abbreviations_decimals_and_initials() -> None:
    text = ("Models, e.g. GPT-4, reach 3.5 points vs. 2.1 before. Smith et al. show it. "
            "J. Doe agrees! Does it hold? Yes (mostly).")
    assert split_sentences(text) == [
        "Models, e.g. GPT-4, reach 3.5 points vs. 2.1 before.",
        "Smith et al. show it.",
        "J. Doe agrees!",
        "Does it hold?",
        "Yes (mostly).",
    ]


def test_split_sentences_of_nothing_is_empty() -> None:
    assert split_sentences("  ") == []
