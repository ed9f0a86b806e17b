"""Search and answers over the stored papers (Discord-free core)."""

from .answers import Answer
from .authors import AuthorResult
from .engine import FieldWeights, Hit, SearchEngine, SearchError, parse_date
from .index import BM25Index, BM25Params
from .tokenize import fold, tokenize

__all__ = [
    "Answer", "AuthorResult", "BM25Index", "BM25Params", "FieldWeights", "Hit", "SearchEngine",
    "SearchError", "fold", "parse_date", "tokenize",
]
