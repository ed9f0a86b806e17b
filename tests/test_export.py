"""The reading list's files: BibTeX that a real parser reads back exactly, RIS, Markdown."""

from __future__ import annotations

import bibtexparser
import pytest
from bibtexparser.middlewares import SeparateCoAuthors
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from bot.digest import PaperRecord
from bot.export import (
    FORMATS,
    PARTIAL_AUTHORS,
    arxiv_year,
    bibtex,
    bibtex_escape,
    bibtex_key,
    markdown,
    ris,
    works,
)
from bot.store import SavedPaper

NASTY = r"50% of {GPUs} & $5 #1: a_b ~x^2 \ {open and close} brace}"
DAY = "2026-12-07"


def saved(arxiv_id: str, title: str = "A Paper", authors: tuple[str, ...] = ("Ada Lovelace",),
          *, by: str = "tester", at: str = "2025-03-07T10:00:00.000Z",
          dates: tuple[str, ...] = ("2025-03-07",)) -> SavedPaper:
    paper = PaperRecord(arxiv_id, title, authors, "A summary.", dates, "x.md:1")
    return SavedPaper(arxiv_id, 1, by, at, paper)


def decoder() -> LatexNodes2Text:
    """LaTeX to text as Zotero reads it, including the brace and circumflex commands that
    pylatexenc does not know."""
    context = get_default_latex_context_db()
    context.add_context_category("textcomp", prepend=True, macros=[
        MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("textasciicircum", "^")])
    return LatexNodes2Text(latex_context=context)


def parse(text: str) -> list[dict[str, str | list[str]]]:
    """Each entry's fields read by bibtexparser (authors split as BibTeX splits them), then
    decoded from LaTeX; "@type" and "@key" too."""
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    assert not library.failed_blocks, library.failed_blocks
    latex = decoder()
    entries = []
    for entry in library.entries:
        fields: dict[str, str | list[str]] = {"@type": entry.entry_type, "@key": entry.key}
        for field in entry.fields:
            value = field.value
            fields[field.key] = ([latex.latex_to_text(v) for v in value]
                                 if isinstance(value, list) else latex.latex_to_text(value))
        entries.append(fields)
    return entries


def comments(text: str) -> list[str]:
    return [c.comment for c in bibtexparser.parse_string(text).comments]


def braces_balanced(text: str) -> bool:
    depth = 0
    for char in text:  # as BibTeX counts: a backslash does not hide a brace
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# --- BibTeX ------------------------------------------------------------------------------------


def test_a_title_full_of_special_characters_round_trips_through_a_bibtex_parser():
    entries = [saved("2503.10007", NASTY, ("Zoë Ünal", "Grace Hopper")),
               saved("2503.10008", "Plain & simple", ("R&D Team",))]
    text = bibtex(entries, list_name="Papers Club", exported_on=DAY)

    first, second = parse(text)
    assert first["@type"] == "misc"
    assert first["title"] == NASTY
    assert first["author"] == ["Zoë Ünal", "Grace Hopper"]
    assert (first["year"], first["eprint"], first["archivePrefix"]) == ("2025", "2503.10007",
                                                                        "arXiv")
    assert first["url"] == "https://arxiv.org/abs/2503.10007"
    assert second["title"] == "Plain & simple" and second["author"] == ["R&D Team"]
    assert braces_balanced(text)  # BibTeX itself would read it too


def test_the_file_says_that_digest_author_lists_can_be_partial():
    text = bibtex([saved("2503.10007")], list_name="Papers @ Club", exported_on=DAY)
    assert any(PARTIAL_AUTHORS in c for c in comments(text))
    assert text.splitlines()[0].startswith("% Papers  Club: reading list")  # no stray "@"


@pytest.mark.parametrize("title", ["{", "}", "a } b { c", "}{", "{{{", "x\\}"])
def test_unbalanced_braces_never_unbalance_the_entry(title):
    text = bibtex([saved("2503.10007", title)], list_name="Club", exported_on=DAY)
    assert braces_balanced(text)
    [entry] = parse(text)
    assert entry["title"] == title


def test_escaping_covers_every_character_tex_treats_specially():
    assert bibtex_escape("&%$#_") == r"\&\%\$\#\_"
    assert bibtex_escape("~^\\") == r"\textasciitilde{}\textasciicircum{}\textbackslash{}"
    assert bibtex_escape("{ok}") == r"\{ok\}"
    assert bibtex_escape("}x{") == r"\textbraceright{}x\textbraceleft{}"


def test_names_that_bibtex_would_split_or_reorder_are_braced():
    text = bibtex([saved("2503.10007", authors=("Smith and Jones Lab", "Doe, Jane", "A B"))],
                  list_name="Club", exported_on=DAY)
    assert "author = {{Smith and Jones Lab} and {Doe, Jane} and A B}" in text
    [entry] = parse(text)
    assert entry["author"] == ["Smith and Jones Lab", "Doe, Jane", "A B"]


def test_keys_are_stable_and_unique():
    entries = [saved("2503.10007", authors=("Zoë Ünal",)), saved("2503.10008", authors=()),
               saved("hep-th/9901001", authors=("Ed Witten",)),
               saved("2503.10009", authors=("Zoë Ünal",))]
    keys = [bibtex_key(w) for w in works(entries)]
    assert keys == ["unal2025_2503.10007", "arxiv2025_2503.10008", "witten1999_hep-th_9901001",
                    "unal2025_2503.10009"]
    assert keys == [bibtex_key(w) for w in works(entries)]
    parsed = parse(bibtex(entries, list_name="Club", exported_on=DAY))
    assert [e["@key"] for e in parsed] == keys


def test_a_paper_gone_from_the_digests_is_exported_by_its_id():
    gone = SavedPaper("2503.10007", 1, "tester", "2025-03-07T10:00:00.000Z", None)
    [entry] = parse(bibtex([gone], list_name="Club", exported_on=DAY))
    assert entry["title"] == "arXiv:2503.10007" and entry["eprint"] == "2503.10007"
    assert "author" not in entry


def test_years_come_from_the_arxiv_id_else_the_first_digest():
    assert arxiv_year("2503.10007") == 2025 and arxiv_year("0704.0001v2") == 2007
    assert arxiv_year("hep-th/9901001") == 1999 and arxiv_year("math.AG/0309136") == 2003
    assert arxiv_year("not-an-id") is None
    [work] = works([saved("odd-id", dates=("2024-12-31", "2025-01-02"))])
    assert work.year == 2024


# --- RIS and Markdown --------------------------------------------------------------------------


def test_ris_has_one_record_per_paper_with_the_same_fields():
    text = ris([saved("2503.10007", NASTY, ("Zoë Ünal", "Grace Hopper")),
                saved("2503.10008")], list_name="Papers Club", exported_on=DAY)
    records = [r for r in text.split("ER  - \n") if r.strip()]
    assert len(records) == 2
    first = records[0].splitlines()
    assert first[0] == "TY  - ELEC"
    assert f"TI  - {NASTY}" in first
    assert [line for line in first if line.startswith("AU  - ")] == [
        "AU  - Zoë Ünal", "AU  - Grace Hopper"]
    assert {"PY  - 2025", "UR  - https://arxiv.org/abs/2503.10007",
            "DO  - 10.48550/arXiv.2503.10007", "Y2  - 2026/12/07/"} <= set(first)
    [note] = [line for line in first if line.startswith("N1  - ")]
    assert "arXiv:2503.10007" in note and "by tester on 2025-03-07" in note
    assert PARTIAL_AUTHORS in note
    assert all(len(line) < 6 or line[2:6] == "  - " for line in text.splitlines())


def test_markdown_is_a_list_of_links_with_escaped_titles():
    many = tuple(f"Author {n}" for n in range(8))
    text = markdown([saved("2503.10007", "[Brackets] *and* stars", many, by="ada_l"),
                     saved("2503.10008")], list_name="Papers Club", exported_on=DAY)
    lines = text.splitlines()
    assert lines[0] == "# Reading list of Papers Club"
    assert lines[2].startswith("2 papers, newest first, exported on 2026-12-07.")
    assert lines[4] == (r"- [\[Brackets\] \*and\* stars](https://arxiv.org/abs/2503.10007)"
                        " — Author 0, Author 1, Author 2, Author 3, Author 4, Author 5 et al."
                        r" (2025) · saved by ada\_l on 2025-03-07")
    assert lines[5].startswith("- [A Paper](https://arxiv.org/abs/2503.10008) — Ada Lovelace")


def test_every_format_has_an_exporter_and_an_extension():
    for name, (export, extension) in FORMATS.items():
        text = export([saved("2503.10007")], list_name="Club", exported_on=DAY)
        assert "2503.10007" in text, name
        assert extension in ("bib", "ris", "md")
