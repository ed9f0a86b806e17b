"""Search and answers over the stored papers (Discord-free core)."""

from .engine import Hit, SearchEngine, SearchError, parse_date

__all__ = ["Hit", "SearchEngine", "SearchError", "parse_date"]
