from .models import Digest, Paper, PaperRecord, ParseWarning
from .parser import date_from_filename, normalize_arxiv_id, parse_digest

__all__ = [
    "Digest",
    "Paper",
    "PaperRecord",
    "ParseWarning",
    "date_from_filename",
    "normalize_arxiv_id",
    "parse_digest",
]
