"""A server's reading list as a file: BibTeX, RIS or Markdown (pure functions, no Discord).

Titles and authors are exactly as the digest lists them; the digests sometimes list only the
first authors, which every file says. BibTeX keys are `<first author's surname><year>_<id>`:
the same paper always gets the same key, and the arXiv id makes it unique in a list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .store import SavedPaper

PARTIAL_AUTHORS = ("Titles and authors are as the Hugging Face daily papers digests list them;"
                   " a digest's author list can be partial.")
MARKDOWN_AUTHORS = 6  # names shown on a Markdown line before "et al."

_NEW_ID_RE = re.compile(r"(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?")
_OLD_ID_RE = re.compile(r"[A-Za-z\-]+(?:\.[A-Za-z]{2})?/(\d{2})(\d{2})\d{3}(?:v\d+)?")
_SPACE_RE = re.compile(r"\s+")
_AND_RE = re.compile(r"\band\b", re.IGNORECASE)
_BIBTEX_CHARS = {
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
}
_MARKDOWN_RE = re.compile(r"([\\`*_\[\]<>#|~])")


@dataclass(frozen=True, slots=True)
class Work:
    """What every format needs of a saved paper."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    saved_by_name: str
    saved_on: str  # YYYY-MM-DD

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


def arxiv_year(arxiv_id: str) -> int | None:
    """The year in an arXiv id (2503.10007 → 2025, hep-th/9901001 → 1999), if it has one."""
    match = _NEW_ID_RE.fullmatch(arxiv_id)
    if match:
        return 2000 + int(match[1])
    match = _OLD_ID_RE.fullmatch(arxiv_id)
    if match:
        year = int(match[1])
        return 1900 + year if year >= 91 else 2000 + year  # arXiv began in 1991
    return None


def works(entries: Sequence[SavedPaper]) -> list[Work]:
    """The entries as the formats see them; a paper gone from the digests keeps its id."""
    out = []
    for entry in entries:
        paper = entry.paper
        year = arxiv_year(entry.arxiv_id)
        if year is None and paper is not None and paper.dates:
            year = int(paper.dates[0][:4])
        title = _one_line(paper.title) if paper is not None else ""
        authors = tuple(a for a in (_one_line(a) for a in paper.authors) if a) if paper else ()
        out.append(Work(entry.arxiv_id, title or f"arXiv:{entry.arxiv_id}", authors, year,
                        _one_line(entry.saved_by_name), entry.saved_at[:10]))
    return out


def _one_line(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


# --- BibTeX ------------------------------------------------------------------------------------


def bibtex_escape(text: str) -> str:
    """Text for a braced BibTeX field: TeX's special characters escaped, and every brace kept
    balanced (BibTeX counts braces even after a backslash, so a lone one is spelt out)."""
    unmatched = _unmatched_braces(text)
    out = []
    for index, char in enumerate(text):
        if char in "{}":
            if index in unmatched:
                out.append(r"\textbraceleft{}" if char == "{" else r"\textbraceright{}")
            else:
                out.append("\\" + char)
        else:
            out.append(_BIBTEX_CHARS.get(char, char))
    return "".join(out)


def _unmatched_braces(text: str) -> set[int]:
    open_at: list[int] = []
    unmatched: set[int] = set()
    for index, char in enumerate(text):
        if char == "{":
            open_at.append(index)
        elif char == "}":
            if open_at:
                open_at.pop()
            else:
                unmatched.add(index)
    return unmatched | set(open_at)


def _bibtex_name(name: str) -> str:
    """One author; a name BibTeX would split or reorder (it holds "and" or a comma) is
    braced whole."""
    escaped = bibtex_escape(name)
    return f"{{{escaped}}}" if "," in name or _AND_RE.search(name) else escaped


def bibtex_key(work: Work) -> str:
    surname = ""
    if work.authors:
        folded = unicodedata.normalize("NFKD", work.authors[0].split()[-1])
        surname = "".join(ch for ch in folded if ch.isascii() and ch.isalnum()).lower()
    year = str(work.year) if work.year else ""
    return f"{surname or 'arxiv'}{year}_{work.arxiv_id.replace('/', '_')}"


def bibtex(entries: Sequence[SavedPaper], *, list_name: str, exported_on: str) -> str:
    # Outside an entry "@" would start one: the server's name goes into the comment without it.
    name = _one_line(list_name).replace("@", "")
    lines = [f"% {name}: reading list exported by Paperboy on {exported_on}.",
             f"% {PARTIAL_AUTHORS}", ""]
    for work in works(entries):
        fields = [("title", bibtex_escape(work.title))]
        if work.authors:
            fields.append(("author", " and ".join(_bibtex_name(a) for a in work.authors)))
        if work.year:
            fields.append(("year", str(work.year)))
        fields += [("eprint", bibtex_escape(work.arxiv_id)), ("archivePrefix", "arXiv"),
                   ("url", work.url)]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        lines += [f"@misc{{{bibtex_key(work)},", body, "}", ""]
    return "\n".join(lines)


# --- RIS ---------------------------------------------------------------------------------------


def ris(entries: Sequence[SavedPaper], *, list_name: str, exported_on: str) -> str:
    accessed = exported_on.replace("-", "/") + "/"  # RIS dates are YYYY/MM/DD/
    lines = []
    for work in works(entries):
        note = (f"arXiv:{work.arxiv_id}. Saved to {_one_line(list_name)}'s reading list by"
                f" {work.saved_by_name} on {work.saved_on}. {PARTIAL_AUTHORS}")
        lines += ["TY  - ELEC", f"TI  - {work.title}"]
        lines += [f"AU  - {author}" for author in work.authors]
        if work.year:
            lines.append(f"PY  - {work.year}")
        lines += [f"UR  - {work.url}", f"DO  - 10.48550/arXiv.{work.arxiv_id}",
                  f"N1  - {note}", f"Y2  - {accessed}", "ER  - ", ""]
    return "\n".join(lines)


# --- Markdown ----------------------------------------------------------------------------------


def markdown_escape(text: str) -> str:
    return _MARKDOWN_RE.sub(r"\\\1", text)


def markdown(entries: Sequence[SavedPaper], *, list_name: str, exported_on: str) -> str:
    listed = works(entries)
    lines = [f"# Reading list of {markdown_escape(_one_line(list_name))}", "",
             f"{len(listed)} paper{'' if len(listed) == 1 else 's'}, newest first, exported on"
             f" {exported_on}. {PARTIAL_AUTHORS}", ""]
    for work in listed:
        line = f"- [{markdown_escape(work.title)}]({work.url})"
        if work.authors:
            shown = ", ".join(markdown_escape(a) for a in work.authors[:MARKDOWN_AUTHORS])
            line += f" — {shown}{' et al.' if len(work.authors) > MARKDOWN_AUTHORS else ''}"
        if work.year:
            line += f" ({work.year})"
        line += f" · saved by {markdown_escape(work.saved_by_name)} on {work.saved_on}"
        lines.append(line)
    return "\n".join(lines) + "\n"


class Exporter(Protocol):
    def __call__(self, entries: Sequence[SavedPaper], *, list_name: str,
                 exported_on: str) -> str: ...


# format name → (exporter, file extension)
FORMATS: dict[str, tuple[Exporter, str]] = {
    "bibtex": (bibtex, "bib"),
    "ris": (ris, "ris"),
    "markdown": (markdown, "md"),
}
