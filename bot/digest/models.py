"""Records produced by the digest parser."""

from __future__ import annotations

from dataclasses import dataclass, field


def hf_paper_url(arxiv_id: str) -> str:
    """The paper's Hugging Face page: every caller builds it here."""
    return f"https://huggingface.co/papers/{arxiv_id}"


@dataclass(frozen=True, slots=True)
class Paper:
    """One row of a digest: a paper as it appeared on one day (`source`: "file:line")."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    summary: str
    date: str
    source: str


@dataclass(frozen=True, slots=True)
class ParseWarning:
    source: str  # "file:line"
    message: str
    excerpt: str = ""

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" + (f": {self.excerpt!r}" if self.excerpt else "")


@dataclass(slots=True)
class Digest:
    """A parsed digest file: its date, papers in table order, and what could not be read."""

    date: str | None
    papers: list[Paper] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    heading_date: str | None = None  # the first "Papers for" heading's date
    table_rows: int = 0  # rows of the papers table, read or not: len(papers) if all were
    # The text ends inside a table row: it does not end with `|`, or has fewer cells than
    # the table's header (upstream rows never do; a body cut at a cell border does).
    ends_mid_row: bool = False


class Dated:
    """What a paper known with its digest dates offers: `PaperRecord` and the search's `Hit`."""

    __slots__ = ()
    arxiv_id: str
    dates: tuple[str, ...]  # oldest first

    @property
    def latest_date(self) -> str:
        return self.dates[-1]

    @property
    def hf_url(self) -> str:
        return hf_paper_url(self.arxiv_id)


@dataclass(frozen=True, slots=True)
class PaperRecord(Dated):
    """A paper as stored: the fields of its newest appearance and every digest date."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    summary: str
    dates: tuple[str, ...]
    source: str

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"
