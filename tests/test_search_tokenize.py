"""The tokeniser folds case and accents, splits compounds, knows acronyms, drops stop words."""

from __future__ import annotations

from bot.search.tokenize import fold, tokenize


def test_case_and_accents_are_folded() -> None:
    assert fold("PokéChamp") == "pokechamp"
    assert fold("Matthias Nießner") == "matthias niessner"
    assert tokenize("PokéChamp") == tokenize("pokechamp") == ["pokechamp"]


def test_hyphenated_compound_gives_parts_joined_form_and_initials() -> None:
    terms = tokenize("Mixture-of-Experts")
    assert {"mixtur", "expert", "mixtureofexperts", "moe"} <= set(terms)
    assert "of" not in terms
    assert "moe" in tokenize("MoE") and "moe" in tokenize("sparse Mixture-of-Experts layers")


def test_acronyms_numbers_and_latex_are_kept_whole() -> None:
    assert tokenize("L$^2$M") == ["l2m"]
    assert tokenize("a 3B model") == ["3b", "model"]
    assert tokenize("3.5 points") == ["3.5", "point"]
    assert tokenize("LLMs") == tokenize("LLM") == ["llm"]
    assert "gpt4o" in tokenize("GPT-4o") and "qwen2.5" in tokenize("Qwen2.5-VL")


def test_stop_words_go_and_words_are_stemmed() -> None:
    assert tokenize("Which of the models were training faster?") == ["model", "train", "faster"]
    assert tokenize("Meta's benchmark, e.g. Gaia2") == ["meta", "benchmark", "gaia2"]


def test_query_and_document_forms_meet() -> None:
    assert set(tokenize("splatting")) == set(tokenize("splat"))
    assert tokenize("state-of-the-art")[-1] == "sota"
