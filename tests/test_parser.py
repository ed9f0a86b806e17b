"""The digest parser: every row variant seen upstream becomes a `Paper`; nothing aborts a file."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest import date_from_filename, normalize_arxiv_id, parse_digest

from .support import FIXTURES


def parse_fixture(name: str):
    text = (FIXTURES / "digests" / name).read_text("utf-8")
    return parse_digest(text, name, date_from_filename(name))


def by_id(digest):
    return {paper.arxiv_id: paper for paper in digest.papers}


def test_standard_row_gives_id_clean_title_authors_summary_date_and_source():
    paper = by_id(parse_fixture("2025-01-06.md"))["2501.00001"]
    assert paper.title == "Standard Row: A Paper"
    assert paper.authors == ("Ada Lovelace", "guokan-shang")
    assert paper.summary == "The standard form. It has two sentences."
    assert paper.date == "2025-01-06"
    assert paper.source == "2025-01-06.md:7"


def test_rows_wrapped_over_two_and_three_lines_are_joined():
    papers = by_id(parse_fixture("2025-01-06.md"))
    assert papers["2501.00002"].title == "A Title Wrapped Over Two Lines"
    assert papers["2501.00003"].title == "A Title Wrapped Over Three Lines With L$^2$M In It"
    assert papers["2501.00003"].source == "2025-01-06.md:10"


def test_version_suffix_is_dropped_from_the_id():
    assert "2501.00002" in by_id(parse_fixture("2025-01-06.md"))


def test_unescaped_pipe_belongs_to_the_summary_and_escaped_pipe_is_literal():
    paper = by_id(parse_fixture("2025-01-06.md"))["2501.00004"]
    assert paper.summary == "The bound is P(y | x) and an escaped | pipe."
    assert paper.authors == ("Bo Li",)


def test_empty_authors_cell_gives_no_authors():
    assert by_id(parse_fixture("2025-01-06.md"))["2501.00005"].authors == ()


def test_dash_read_more_form_without_parentheses():
    paper = by_id(parse_fixture("2025-01-06.md"))["2501.00006"]
    assert paper.title == "Dash Form"
    assert paper.authors == ("Ann Bee", "Cy Dee")


def test_row_without_id_is_a_warning_with_file_line_and_the_other_rows_survive():
    digest = parse_fixture("2025-01-06.md")
    assert len(digest.papers) == 6
    [warning] = digest.warnings
    assert warning.source == "2025-01-06.md:15"
    assert "no arXiv id" in warning.message
    assert warning.excerpt.startswith("| A row without any link")


def test_four_column_form_takes_the_id_from_the_link_cell():
    digest = parse_fixture("2024-09-05.md")
    first = digest.papers[0]
    assert (first.arxiv_id, first.title) == ("2409.02889", "Four Columns: The Old Form")
    assert first.summary == "The four-column layout."
    assert first.authors == ("Benyou Wang", "songdj")
    assert digest.date == "2024-09-05"


def test_heading_without_rows_and_leading_blank_lines():
    digest = parse_fixture("2025-01-11.md")
    assert digest.date == "2025-01-11"
    assert digest.papers == [] and digest.warnings == []


def test_the_file_name_date_wins_and_the_heading_dates_only_a_nameless_text():
    row = "| T (Read more on [arXiv](https://arxiv.org/abs/2501.00001))| A | S |"
    named = parse_digest(f"## Papers for 2025-02-03\n\n{row}\n", "x", "2000-01-01")
    assert named.date == "2000-01-01" and named.papers[0].date == "2000-01-01"
    assert parse_digest(f"## Papers for 2025-02-03\n\n{row}\n", "x").date == "2025-02-03"
    undated = parse_digest(f"{row}\n", "x.md", "2025-02-04")
    assert undated.date == "2025-02-04" and undated.papers[0].date == "2025-02-04"


def test_crlf_and_byte_order_mark():
    text = "\ufeff## Papers for 2025-01-06\r\n\r\n"
    text += "| Title | Authors | Summary |\r\n|---|---|---|\r\n"
    text += "| T (Read more on [arXiv](https://arxiv.org/abs/2501.00001))| A | S |\r\n"
    digest = parse_digest(text, "crlf.md")
    assert digest.date == "2025-01-06"
    assert [p.title for p in digest.papers] == ["T"]


def test_links_inside_titles_are_reduced_to_their_text():
    row = "| [Nice](http://x) Title (Read more on [arXiv](https://arxiv.org/abs/2501.00001))|A|S|"
    assert parse_digest(f"## Papers for 2025-01-06\n{row}\n").papers[0].title == "Nice Title"


def test_date_from_file_names_in_both_layouts():
    assert date_from_filename("corpus/2025-03-07.md") == "2025-03-07"
    assert date_from_filename("archive/2025/03/07.md") == "2025-03-07"
    assert date_from_filename("README.md") is None


def test_normalize_arxiv_id_accepts_ids_and_urls():
    assert normalize_arxiv_id("2503.04598") == "2503.04598"
    assert normalize_arxiv_id("2503.04598v2") == "2503.04598"
    assert normalize_arxiv_id("https://arxiv.org/abs/2503.04598v1") == "2503.04598"
    assert normalize_arxiv_id("https://arxiv.org/pdf/2503.04598") == "2503.04598"
    assert normalize_arxiv_id("https://huggingface.co/papers/2503.04598") == "2503.04598"
    assert normalize_arxiv_id("arXiv:2503.04598") == "2503.04598"
    assert normalize_arxiv_id("hep-th/9901001v2") == "hep-th/9901001"
    assert normalize_arxiv_id("mixture of experts") is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_garbage_never_raises(text):
    digest = parse_digest(text, "garbage.md")
    for paper in digest.papers:
        assert paper.arxiv_id and paper.title


ROW = "| Title {n} (Read more on [arXiv](https://arxiv.org/abs/2501.{n:05d}))| A, B | S{n}. |"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="|\n\r"), max_size=60),
                min_size=0, max_size=8))
def test_garbage_lines_between_rows_never_lose_a_good_row(junk):
    lines = ["## Papers for 2025-01-06", "| Title | Authors | Summary |", "|---|---|---|"]
    for n, noise in enumerate(junk):
        lines.append(ROW.format(n=n))
        lines.append("")  # a blank line ends any row, so the noise cannot join it
        lines.append(noise if not noise.startswith((" ", "\t")) else noise.lstrip())
    digest = parse_digest("\n".join(lines))
    assert [p.arxiv_id for p in digest.papers][: len(junk)] == [
        f"2501.{n:05d}" for n in range(len(junk))
    ]
