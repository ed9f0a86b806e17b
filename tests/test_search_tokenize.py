"""The tokeniser folds case and accents, splits compounds, knows acronyms, drops stop words."""

from __future__ import annotations

from bot.search.query import parse_query
from bot.search.tokenize import SYNONYMS, fold, tokenize, tokenize_query


def test_case_and_accents_are_folded() -> None:
    assert fold("PokéChamp") == "pokechamp"
    assert fold("Matthias Nießner") == "matthias niessner"
    assert tokenize("PokéChamp") == tokenize("pokechamp") == ["pokechamp"]


def test_hyphenated_compound_gives_parts_joined_form_and_initials() -> None:
    terms = tokenize("Mixture-of-Experts")
    assert {"mixtur", "expert", "mixtureofexpert", "moe"} <= set(terms)
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


def test_the_joined_form_is_stemmed_so_hyphenated_and_solid_spellings_meet() -> None:
    assert "finetun" in tokenize("fine-tuning") and tokenize("finetuning") == ["finetun"]
    assert "pretrain" in tokenize("pre-trained") and tokenize("pretraining") == ["pretrain"]
    assert set(tokenize("fine-tuned")) == set(tokenize("fine-tuning"))


def test_queries_drop_conversational_words_that_stand_alone() -> None:
    assert tokenize_query("how good is a really big model at it, papers please?") == [
        "model", "pleas"]
    assert "good" in tokenize("Good teachers")  # titles and summaries keep them
    assert "big" in tokenize_query("BIG-Bench") and "bigbench" in tokenize_query("BIG-Bench")
    assert tokenize_query("sparse autoencoder features") == tokenize(
        "sparse autoencoder features")


def test_synonyms_are_index_terms_of_each_other() -> None:
    assert SYNONYMS["review"] == ("survey", "overview")
    for term, others in SYNONYMS.items():
        assert tokenize(term) == [term] and term not in others
        assert all(term in SYNONYMS[other] for other in others)


def test_a_query_is_read_once_into_its_paper_terms_and_acronyms() -> None:
    query = parse_query("RL agents for arXiv:2409.12892v2, agents that use LLMs")
    assert query.arxiv_id == "2409.12892"
    assert query.terms == ("rl", "agent", "use", "llm")  # once each, the id left out
    assert query.acronyms == {"rl": "RL", "llm": "LLM"}
    assert parse_query("https://huggingface.co/papers/2409.12892").terms == ("http",)
