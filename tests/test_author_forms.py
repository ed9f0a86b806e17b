"""Author lookup learns every order of a name, whichever form it met first."""

from __future__ import annotations

from bot.search.authors import AuthorIndex


def index_of(*cells: list[str]) -> AuthorIndex:
    index = AuthorIndex()
    for doc, names in enumerate(cells):
        index.add(doc, [index.form_id(name) for name in names])
    return index


def test_surname_first_works_when_the_user_name_came_before_the_real_name():
    index = index_of(["XianglongHe", "Lp256"], ["Yifan Zhang", "Xianglong He"])
    result = index.lookup("he xianglong")
    assert result.doc_ids and sorted(result.doc_ids) == [0, 1]
    assert result.name == "Xianglong He"


def test_a_surname_of_several_words_alone_finds_the_person():
    index = index_of(["Vahab Mirrokni", "Vincent Cohen-Addad"], ["Ada Cohen"])
    for query in ("Cohen Addad", "cohen-addad", "Addad"):
        result = index.lookup(query)
        assert (result.name, result.doc_ids) == ("Vincent Cohen-Addad", (0,)), query


def test_an_unknown_two_word_name_finds_nobody():
    index = index_of(["Vincent Cohen-Addad"], ["Ada Cohen"])
    assert index.lookup("John Smith").doc_ids == ()
