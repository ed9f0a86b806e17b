"""Discord's size limits, and checks that report every violation of them in a message.

The checks accept `discord.Embed`s or their `to_dict()` payloads, so tests anywhere in the
project (and fake-Discord payloads) can use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import discord

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
MESSAGE_TOTAL_LIMIT = 6000  # title + description + fields + footer + author, all embeds
MESSAGE_EMBEDS_LIMIT = 10
CONTENT_LIMIT = 2000
SELECT_OPTIONS_LIMIT = 25
SELECT_TEXT_LIMIT = 100  # option label, value and description
PLACEHOLDER_LIMIT = 150
BUTTON_LABEL_LIMIT = 80
CHOICE_NAME_LIMIT = 100  # autocomplete choice name

EmbedLike = discord.Embed | Mapping[str, Any]

# Text that would ping or resolve: @everyone/@here, <@1>, <@!1>, <@&1>, <#1>, </cmd:1>.
_MENTION_RE = re.compile(r"@(?:everyone|here)|<@[!&]?\d+>|<#\d+>|</[^>]+:\d+>", re.IGNORECASE)


def _payload(embed: EmbedLike) -> Mapping[str, Any]:
    return embed.to_dict() if isinstance(embed, discord.Embed) else embed


def embed_texts(embed: EmbedLike) -> Iterator[tuple[str, str]]:
    """(part, text) for every part of an embed that counts towards the 6,000 characters."""
    data = _payload(embed)
    for key in ("title", "description"):
        if data.get(key) is not None:
            yield key, str(data[key])
    for index, field in enumerate(data.get("fields") or (), 1):
        yield f"field {index} name", str(field.get("name") or "")
        yield f"field {index} value", str(field.get("value") or "")
    if (data.get("footer") or {}).get("text") is not None:
        yield "footer", str(data["footer"]["text"])
    if (data.get("author") or {}).get("name") is not None:
        yield "author", str(data["author"]["name"])


def message_size(embeds: Sequence[EmbedLike]) -> int:
    """The characters a message's embeds count towards Discord's 6,000."""
    return sum(len(text) for embed in embeds for _, text in embed_texts(embed))


_PART_LIMITS = {"title": TITLE_LIMIT, "description": DESCRIPTION_LIMIT, "footer": FOOTER_LIMIT,
                "author": AUTHOR_LIMIT}


def check_message_limits(embeds: Sequence[EmbedLike], content: str | None = None) -> list[str]:
    """Every way the message breaks Discord's limits ([] when it can be sent)."""
    problems: list[str] = []
    if not embeds and not content:
        problems.append("message has neither content nor embeds")
    if len(embeds) > MESSAGE_EMBEDS_LIMIT:
        problems.append(f"{len(embeds)} embeds (limit {MESSAGE_EMBEDS_LIMIT})")
    if content is not None and len(content) > CONTENT_LIMIT:
        problems.append(f"content has {len(content)} characters (limit {CONTENT_LIMIT})")
    for number, embed in enumerate(embeds, 1):
        fields = _payload(embed).get("fields") or ()
        if len(fields) > FIELD_COUNT_LIMIT:
            problems.append(f"embed {number}: {len(fields)} fields (limit {FIELD_COUNT_LIMIT})")
        for part, text in embed_texts(embed):
            if part.endswith("name") and part.startswith("field"):
                limit = FIELD_NAME_LIMIT
            elif part.endswith("value"):
                limit = FIELD_VALUE_LIMIT
            else:
                limit = _PART_LIMITS[part]
            if len(text) > limit:
                problems.append(f"embed {number}: {part} has {len(text)} characters "
                                f"(limit {limit})")
            if part.startswith("field") and not text.strip():
                problems.append(f"embed {number}: {part} is empty")
    total = message_size(embeds)
    if total > MESSAGE_TOTAL_LIMIT:
        problems.append(f"embeds total {total} characters (limit {MESSAGE_TOTAL_LIMIT})")
    return problems


def check_mentions(embeds: Sequence[EmbedLike], content: str | None = None) -> list[str]:
    """Every mention that would ping or resolve in the message's text ([] when none)."""
    texts = [("content", content or "")]
    for number, embed in enumerate(embeds, 1):
        texts += [(f"embed {number} {part}", text) for part, text in embed_texts(embed)]
    return [f"{where}: {match.group(0)!r}" for where, text in texts
            for match in _MENTION_RE.finditer(text)]


def check_select_options(options: Sequence[discord.SelectOption],
                         placeholder: str | None = None) -> list[str]:
    """Every way a select menu breaks Discord's limits ([] when it can be sent)."""
    problems: list[str] = []
    if not 1 <= len(options) <= SELECT_OPTIONS_LIMIT:
        problems.append(f"{len(options)} options (1 to {SELECT_OPTIONS_LIMIT})")
    if placeholder is not None and len(placeholder) > PLACEHOLDER_LIMIT:
        problems.append(f"placeholder has {len(placeholder)} characters "
                        f"(limit {PLACEHOLDER_LIMIT})")
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        problems.append("option values are not unique")
    for number, option in enumerate(options, 1):
        for part in ("label", "value", "description"):
            text = getattr(option, part) or ""
            if len(text) > SELECT_TEXT_LIMIT:
                problems.append(f"option {number}: {part} has {len(text)} characters "
                                f"(limit {SELECT_TEXT_LIMIT})")
        if not option.label.strip():
            problems.append(f"option {number}: label is empty")
        for match in _MENTION_RE.finditer(f"{option.label} {option.description or ''}"):
            problems.append(f"option {number}: mention {match.group(0)!r}")
    return problems
