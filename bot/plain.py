"""Plain-text results, written once for the CLI (where the format is a contract) and the
console."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .digest.models import hf_paper_url

if TYPE_CHECKING:
    from .digest import PaperRecord
    from .search import Hit
    from .search.answers import Answer
    from .search.authors import AuthorResult


def hits_text(hits: list[Hit]) -> str:
    if not hits:
        return "no papers found"
    return "\n".join(f"{rank:2d}. {hit.title}\n    {hit.arxiv_id}  {hit.latest_date}  {hit.hf_url}"
                     + (f"  score {hit.score:.2f}" if hit.score else "")
                     for rank, hit in enumerate(hits, 1))


def answer_text(answer: Answer) -> str:
    if not answer.answer or answer.arxiv_id is None:
        return "no answer found"
    if answer.kind == "list":
        return answer.answer + "\n" + "\n".join(
            f"{rank:2d}. {line.title} ({line.arxiv_id})  {hf_paper_url(line.arxiv_id)}\n"
            f"    {line.sentence}" for rank, line in enumerate(answer.papers, 1))
    return (f"{answer.answer}\n\n-- {answer.title} ({answer.arxiv_id})"
            f"  {hf_paper_url(answer.arxiv_id)}")


def author_text(result: AuthorResult | None, hits: list[Hit]) -> str:
    if result is None or (not hits and not result.candidates):
        return "no author found"
    if result.ambiguous:
        head = f"{result.query!r} is ambiguous: {', '.join(result.candidates)}"
    else:
        head = f"{result.name}: {len(hits)} papers"
    return f"{head}\n{hits_text(hits)}"


def paper_text(paper: PaperRecord, summary: str) -> str:
    """`summary`: the stored one (CLI) or the cleaned one (console)."""
    return (f"{paper.title}\n{', '.join(paper.authors)}\n{', '.join(paper.dates)}"
            f"  {paper.hf_url}\n\n{summary}")
