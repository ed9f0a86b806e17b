"""Discord rendering of papers: pure functions from records to embeds, within Discord's limits.

`text` makes untrusted text safe (escaped markdown, broken mentions, cut without breaking an
escape), `limits` holds Discord's limits, `embeds` builds the cards.
"""

from .embeds import (
    CARD_SUMMARY_LIMIT,
    COLOUR_ANSWER,
    COLOUR_DIGEST,
    COLOUR_INFO,
    COLOUR_PAPER,
    COLOUR_SEARCH,
    LIST_TITLE_LIMIT,
    NO_SUMMARY,
    RESULTS_PER_PAGE,
    SNIPPET_LIMIT,
    PaperCard,
    PaperLike,
    about_embed,
    ambiguous_author_embed,
    answer_card,
    author_pages,
    autocomplete_name,
    button_label,
    compact_card,
    day_url,
    digest_header_messages,
    format_uptime,
    full_summary_embeds,
    list_answer_card,
    paper_card,
    paper_select_options,
    paper_url,
    search_footer,
    search_page,
    today_pages,
)
from .text import (
    ELLIPSIS,
    ZWSP,
    authors_line,
    break_mentions,
    cut_at_sentence,
    escape,
    highlight_snippet,
    normalize,
    plain,
    readable_latex,
    sentence_ends,
    truncate,
)

__all__ = [
    "CARD_SUMMARY_LIMIT", "COLOUR_ANSWER", "COLOUR_DIGEST", "COLOUR_INFO", "COLOUR_PAPER",
    "COLOUR_SEARCH", "ELLIPSIS", "LIST_TITLE_LIMIT", "NO_SUMMARY", "RESULTS_PER_PAGE",
    "SNIPPET_LIMIT", "ZWSP", "PaperCard", "PaperLike", "about_embed", "ambiguous_author_embed",
    "answer_card", "author_pages", "authors_line", "autocomplete_name", "break_mentions",
    "button_label", "compact_card", "cut_at_sentence", "day_url", "digest_header_messages",
    "escape", "format_uptime", "full_summary_embeds", "highlight_snippet", "list_answer_card",
    "normalize", "paper_card", "paper_select_options", "paper_url", "plain", "readable_latex",
    "search_footer", "search_page", "sentence_ends", "today_pages", "truncate",
]
