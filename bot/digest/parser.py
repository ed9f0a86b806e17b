"""Parse a Hugging Face daily-papers digest (markdown tables) into `Paper` records.

Pure functions: text in, records out. Every variant seen upstream is handled:
wrapped rows (continuation lines start with white space), the 4-column
`| Title | Authors | Summary | [Read more](…) |` form, `- read more on […]` without
parentheses, unescaped `|` inside summaries, escaped `\\|`, empty author cells.
"""

from __future__ import annotations

import re

from ..values import BadValue, parse_date
from .models import Digest, Paper, ParseWarning

HEADING_RE = re.compile(r"^#{1,6}\s*Papers\s+for\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
FILENAME_DATE_RE = re.compile(r"(\d{4})[-/](\d{2})[-/](\d{2})(?:\.md)?$")
# New-style ids (2503.04598) and old-style ones (hep-th/9901001).
_ID = r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
ID_IN_URL_RE = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/papers/|arxiv:)" + _ID, re.IGNORECASE
)
BARE_ID_RE = re.compile(r"^\s*" + _ID + r"\s*$", re.IGNORECASE)
# "(Read more on [arXiv](…) or [HuggingFace](…))" and "- read more on [arXiv](…) or […](…)".
# Possessive quantifiers (*+) keep these linear on hostile cells (1 MB of spaces or brackets).
READ_MORE_RE = re.compile(
    r"(?:\(\s*+|-\s+)?read\s+more\s+on\s+\[[^\]]*\]\([^)]*\)"
    r"(?:\s*or\s*\[[^\]]*\]\([^)]*\))?\s*+\)?\s*+$",
    re.IGNORECASE,
)
LINK_ONLY_RE = re.compile(r"^\s*\[[^\]]*\]\(([^)]*)\)\s*$")
MD_LINK_RE = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
SEPARATOR_RE = re.compile(r"^\|?\s*+:?-{2,}+:?\s*+(?:\|\s*+:?-{2,}+:?\s*+)*+\|?\s*+$")
HEADER_RE = re.compile(r"^\|\s*Title\s*\|\s*Authors\s*\|", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")
# Upstream cells are far shorter (titles < 200, summaries < 2,500 characters): longer ones
# are a broken upstream or a hostile file, cut so that they are never stored or shown whole.
MAX_TITLE_CHARS = 1_000
MAX_AUTHORS_CHARS = 5_000
MAX_SUMMARY_CHARS = 20_000
_PIPE_SPLIT_RE = re.compile(r"(?<!\\)\|")


def normalize_arxiv_id(text: str) -> str | None:
    """The bare arXiv id in an id, `arXiv:` reference or arXiv/HF URL, without version."""
    match = ID_IN_URL_RE.search(text) or BARE_ID_RE.match(text)
    return match.group(1) if match else None


def date_from_filename(name: str) -> str | None:
    """`2025-03-07.md` or `…/2025/03/07.md` → `2025-03-07`; None for other names and for
    days that are not on the calendar (`2025-02-30.md`)."""
    match = FILENAME_DATE_RE.search(name.replace("\\", "/"))
    if not match:
        return None
    day = "-".join(match.groups())
    return day if _on_calendar(day) else None


def _on_calendar(day: str) -> bool:
    try:
        parse_date(day)
    except BadValue:
        return False
    return True


def collapse(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


def _split_cells(row: str) -> list[str]:
    body = row.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.replace("\\|", "|") for cell in _PIPE_SPLIT_RE.split(body)]


def _logical_rows(lines: list[str]) -> list[tuple[int, str]]:
    """Join wrapped table rows; returns (1-based first line, text) for each table row."""
    rows: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(lines, 1):
        if line.startswith("|"):
            if current is not None:
                rows.append((start, " ".join(current)))
            current, start = [line], number
        elif current is not None and line[:1] in (" ", "\t") and line.strip():
            current.append(line.strip())
        else:
            if current is not None:
                rows.append((start, " ".join(current)))
            current = None
            rows.append((number, line))  # non-table lines (headings) are kept for dates
    if current is not None:
        rows.append((start, " ".join(current)))
    return rows


def _cut(text: str, limit: int) -> str:
    return text[: limit - 1].rstrip() + "…"


def _first_names(names: list[str], limit: int) -> list[str]:
    kept, size = [], 0
    for name in names:
        size += len(name)
        if size > limit:
            break
        kept.append(name)
    return kept


def _parse_row(cells: list[str]) -> tuple[str | None, str, list[str], str]:
    """(id, title, authors, summary) from a row's cells."""
    cells = [cell.strip() for cell in cells]
    link_cell = None
    if len(cells) >= 4:
        match = LINK_ONLY_RE.match(cells[-1])
        if match and normalize_arxiv_id(match.group(1)):
            link_cell = cells.pop()
    # The title cell is the one that carries the "read more" links; cells before it (an
    # unescaped pipe in a title) belong to the title, cells after the authors to the summary.
    title_end = 0
    if link_cell is None:
        for index, cell in enumerate(cells[:-2]):
            if READ_MORE_RE.search(cell):
                title_end = index
                break
    title_raw = " | ".join(cells[: title_end + 1])
    authors_raw = cells[title_end + 1] if len(cells) > title_end + 1 else ""
    summary_raw = " | ".join(cells[title_end + 2 :])
    arxiv_id = normalize_arxiv_id(link_cell or title_raw)
    title = collapse(MD_LINK_RE.sub(r"\1", READ_MORE_RE.sub("", title_raw)))
    authors = [collapse(name) for name in authors_raw.split(",")]
    return arxiv_id, title, [name for name in authors if name], collapse(summary_raw)


def _ends_mid_row(rows: list[tuple[int, str]]) -> bool:
    texts = [row for _, row in rows]
    while texts and not texts[-1].strip():
        texts.pop()
    if not texts or not texts[-1].startswith("|"):
        return False  # the text ends outside a table
    last = texts.pop().rstrip()
    if not last.endswith("|"):
        return True
    header = next((row for row in reversed(texts) if HEADER_RE.match(row)), None)
    return header is not None and len(_split_cells(last)) < len(_split_cells(header))


def parse_digest(text: str, source: str = "<digest>", default_date: str | None = None) -> Digest:
    """Parse one digest's text. `source` names the file in warnings and `Paper.source`."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    date = default_date
    digest = Digest(date=default_date)  # a file's name is its key; headings only without one
    rows = _logical_rows(text.split("\n"))
    digest.ends_mid_row = _ends_mid_row(rows)
    for number, row in rows:
        heading = HEADING_RE.match(row)
        if heading:
            named = heading.group(1)
            digest.heading_date = digest.heading_date or named
            problem = None
            if not _on_calendar(named):
                problem = f"the heading's day {named} is not on the calendar"
            elif default_date is not None and named != default_date:
                problem = f"the heading names {named}; the file name's day {default_date} is used"
            elif default_date is None:
                date = named
                digest.date = digest.date or named
            if problem:
                digest.warnings.append(ParseWarning(f"{source}:{number}", problem, row[:80]))
            continue
        if not row.startswith("|") or SEPARATOR_RE.match(row) or HEADER_RE.match(row):
            continue
        digest.table_rows += 1
        where = f"{source}:{number}"
        excerpt = collapse(row)[:80]
        if "\x00" in row:
            digest.warnings.append(ParseWarning(where, "binary data in row", excerpt))
            continue
        cells = _split_cells(row)
        if len(cells) < 2:
            digest.warnings.append(ParseWarning(where, "too few cells", excerpt))
            continue
        arxiv_id, title, authors, summary = _parse_row(cells)
        if arxiv_id is None:
            digest.warnings.append(ParseWarning(where, "no arXiv id", excerpt))
            continue
        if not title:
            digest.warnings.append(ParseWarning(where, "empty title", excerpt))
            continue
        if date is None:
            digest.warnings.append(ParseWarning(where, "row before any dated heading", excerpt))
            continue
        if len(title) > MAX_TITLE_CHARS:
            title = _cut(title, MAX_TITLE_CHARS)
            digest.warnings.append(ParseWarning(
                where, f"title longer than {MAX_TITLE_CHARS:,} characters; cut", excerpt))
        if sum(map(len, authors)) > MAX_AUTHORS_CHARS:
            authors = _first_names(authors, MAX_AUTHORS_CHARS)
            digest.warnings.append(ParseWarning(
                where, f"authors longer than {MAX_AUTHORS_CHARS:,} characters; cut", excerpt))
        if len(summary) > MAX_SUMMARY_CHARS:
            summary = _cut(summary, MAX_SUMMARY_CHARS)
            digest.warnings.append(ParseWarning(
                where, f"summary longer than {MAX_SUMMARY_CHARS:,} characters; cut", excerpt))
        digest.papers.append(Paper(arxiv_id, title, tuple(authors), summary, date, where))
    return digest
