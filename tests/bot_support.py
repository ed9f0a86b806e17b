"""Run the real Paperboy against the fake Discord, on a temporary database.

    async with running_bot(tmp_path) as (fake, bot):
        result = await fake.slash("search", {"query": "retrieval"})
        ...
        assert_discord_would_accept(fake)

* The database is `tmp_path / "paperboy.db"`, filled from `corpus` (digest folders; by default
  the parser fixtures and the richer bot fixture corpus) before the bot starts. Ingest is
  idempotent, so a second `running_bot` on the same `tmp_path` restarts on the same database.
* Pass `fake=` to keep one fake Discord (its guilds, members and synced commands) across bots:
  open it with `async with FakeDiscord(...) as fake:` so it outlives each bot.
  A restart on the same database, with the commands Discord already has:

      async with FakeDiscord(bot_name="Paperboy") as fake:
          fake.add_guild("Papers Club")
          async with running_bot(tmp_path, fake=fake) as first:
              ...
          async with running_bot(tmp_path, fake=fake) as second:  # same DB, no sync
              ...

* `env` adds or overrides settings variables (`DEV_GUILD_ID`, `DIGEST_CHECK_SECONDS`, ...); the
  settings go through `bot.config.load_settings` like in production.
* The yielded `BotRun` also has `guild` (the first server; `guild.text_channels[0]` is
  #general), `db_path` and `settings`. `command(fake, name, options)` runs a slash command
  and returns (result, final message) after checking it was acknowledged within 3 s.
* `assert_discord_would_accept(fake)` checks every message the bot sent or edited: the fake's
  own rules (Discord's limits), no live mentions in the text, `allowed_mentions` = none, and
  nobody pinged by any message the fake stored.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import Paperboy
from bot.config import Settings, load_settings
from bot.corpus.ingest import ingest_directory
from bot.store import Store

from .fake_discord import FakeDiscord, FakeGuild, RequestRecord
from .support import FIXTURE_DIGESTS, FIXTURES

BOT_CORPUS = FIXTURES / "bot_corpus"
DEFAULT_CORPUS: tuple[Path, ...] = (FIXTURE_DIGESTS, BOT_CORPUS)
DB_NAME = "paperboy.db"
EPHEMERAL = 64

log = logging.getLogger(__name__)


# --- the database and settings ----------------------------------------------------------------


async def prepare_db(db_path: Path, corpus: Sequence[Path] = DEFAULT_CORPUS) -> Path:
    """Ingest the digest folders `corpus` into `db_path` (created if needed; idempotent)."""
    async with await Store.open(db_path) as store:
        for directory in corpus:
            await ingest_directory(store, Path(directory))
    return db_path


def bot_settings(db_path: Path, env: dict[str, str] | None = None, *,
                 token: str = "fake-token") -> Settings:
    """Settings as `load_settings` reads them from an environment pointing at `db_path`."""
    values = {
        "PAPERS_DB": str(db_path),
        "CORPUS_DIR": str(db_path.parent / "corpus"),
        "DISCORD_TOKEN": token,
        "LOG_LEVEL": "INFO",
        "EMBED_MODEL": "off",  # tests that want the model name EMBED_MODEL_PATH
    }
    values.update(env or {})
    return load_settings(values)


# --- running the bot --------------------------------------------------------------------------


@dataclass
class BotRun:
    """What `running_bot` yields; unpacks as `(fake, bot)`."""

    fake: FakeDiscord
    bot: Paperboy
    guild: FakeGuild
    db_path: Path
    settings: Settings

    def __iter__(self) -> Iterator[Any]:
        return iter((self.fake, self.bot))


def default_fake() -> FakeDiscord:
    """A fake Discord with one server ("Papers Club": #general, the tester)."""
    fake = FakeDiscord(bot_name="Paperboy")
    fake.add_guild("Papers Club")
    return fake


@contextlib.asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    corpus: Sequence[Path] = DEFAULT_CORPUS,
    env: dict[str, str] | None = None,
    fake: FakeDiscord | None = None,
    force_sync: bool = False,
    sync_guild: int | None = None,
    ready_timeout: float = 10.0,
) -> AsyncIterator[BotRun]:
    """Start the real Paperboy against `fake` (default: a new one with one server) on the
    database `tmp_path / "paperboy.db"` (filled from `corpus`); close it on exit."""
    db_path = await prepare_db(Path(tmp_path) / DB_NAME, corpus)
    fake = fake or default_fake()
    if not fake.guilds:
        fake.add_guild("Papers Club")
    settings = bot_settings(db_path, env, token=fake.token)
    bot = Paperboy(settings, force_sync=force_sync, sync_guild=sync_guild)
    guild = fake.guild(next(iter(fake.guilds)))
    async with fake.run(bot, ready_timeout=ready_timeout):
        yield BotRun(fake, bot, guild, db_path, settings)


# --- what Discord received --------------------------------------------------------------------

# Requests that create or edit a message, and where their message body is.
_MESSAGE_ROUTES = (
    ("POST", re.compile(r"^/interactions/\d+/[^/]+/callback$")),
    ("POST", re.compile(r"^/webhooks/\d+/[^/]+$")),
    ("PATCH", re.compile(r"^/webhooks/\d+/[^/]+/messages/[^/]+$")),
    ("POST", re.compile(r"^/channels/\d+/messages$")),
    ("PATCH", re.compile(r"^/channels/\d+/messages/\d+$")),
)


def message_bodies(fake: FakeDiscord) -> list[tuple[RequestRecord, dict[str, Any]]]:
    """(request, message body) for every request by which the bot sent or edited a message
    (interaction callbacks with data, follow-ups, webhook and channel message edits)."""
    found = []
    for request in fake.requests:
        if not any(request.method == m and p.search(request.path) for m, p in _MESSAGE_ROUTES):
            continue
        body = request.json if isinstance(request.json, dict) else {}
        if request.path.endswith("/callback"):
            body = body.get("data") or {}
            if "choices" in body:  # autocomplete results carry no message
                continue
        found.append((request, body))
    return found


# Text that Discord shows as a mention: @everyone/@here, <@1>, <@!1>, <@&1>, <#1>, </cmd:1>.
LIVE_MENTION_RE = re.compile(r"@(?:everyone|here)|<@[!&]?\d+>|<#\d+>|</[^>]+:\d+>", re.IGNORECASE)


def _sends_text(body: dict[str, Any]) -> bool:
    return bool(body.get("content") or body.get("embeds"))


def message_problems(fake: FakeDiscord, *, mentions: bool = True) -> list[str]:
    """Everything Discord would refuse or that could ping someone, over every message the bot
    sent or edited. `mentions=False` allows mention syntax in the text (e.g. a deliberate
    channel mention) but still requires `allowed_mentions` to be none."""
    problems = [f"fake Discord refused: {v!r}" for v in fake.violations]
    for request, body in message_bodies(fake):
        where = f"{request.method} {request.path}"
        if _sends_text(body):
            if mentions:
                problems += [f"{where}: mention {m!r} in the text"
                             for m in LIVE_MENTION_RE.findall(all_text(body))]
            allowed = body.get("allowed_mentions")
            if not allowed or allowed.get("parse") != [] or allowed.get("users") or (
                    allowed.get("roles") or allowed.get("replied_user")):
                problems.append(f"{where}: allowed_mentions is {allowed!r}, not none")
    bot_id = str(fake.bot_user.id)
    for stored in fake.stored.values():
        data = stored.data
        if data["author"]["id"] == bot_id and (
                data["mentions"] or data["mention_roles"] or data["mention_everyone"]):
            problems.append(f"message {data['id']} pinged: {data['mentions']!r},"
                            f" roles {data['mention_roles']!r}, everyone"
                            f" {data['mention_everyone']}")
    return problems


def assert_discord_would_accept(fake: FakeDiscord, *, mentions: bool = True) -> int:
    """Fail with every problem `message_problems` finds; returns how many messages were
    checked (so a test can assert it checked something)."""
    problems = message_problems(fake, mentions=mentions)
    assert not problems, "\n".join(problems)
    return sum(_sends_text(body) for _, body in message_bodies(fake))


def identify_intents(fake: FakeDiscord) -> list[int]:
    """The intents of every IDENTIFY the bot sent."""
    return [frame.d["intents"] for frame in fake.gateway_frames
            if frame.direction == "in" and frame.op == 2]


def command_syncs(fake: FakeDiscord, since: int = 0) -> list[RequestRecord]:
    """Bulk command overwrites (global or per server) from index `since` of `fake.requests`."""
    return [r for r in fake.requests[since:]
            if r.method == "PUT" and re.search(r"/applications/\d+(/guilds/\d+)?/commands$",
                                               r.path)]


def embeds_of(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((message or {}).get("embeds") or [])


def components_of(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every component of a message, action rows flattened."""
    out: list[dict[str, Any]] = []
    for row in (message or {}).get("components") or []:
        out.extend(row.get("components") or [row])
    return out


def button(message: dict[str, Any] | None, label: str) -> dict[str, Any]:
    """The button whose label contains `label` (AssertionError if none)."""
    for component in components_of(message):
        if component.get("type") == 2 and label in (component.get("label") or ""):
            return component
    labels = [c.get("label") for c in components_of(message)]
    raise AssertionError(f"no button {label!r} on the message (has {labels})")


def select_menu(message: dict[str, Any] | None) -> dict[str, Any]:
    for component in components_of(message):
        if component.get("type") == 3:
            return component
    raise AssertionError("the message has no select menu")


async def opened_search_card(fake: FakeDiscord, query: str = "retrieval"
                             ) -> tuple[str, dict[str, Any]]:
    """(arXiv id, private card) of the first paper in /search's menu, as a member opens it."""
    _, results = await command(fake, "search", {"query": query})
    chosen = select_menu(results)["options"][0]["value"]
    opened = await fake.select(results, select_menu(results)["custom_id"], [chosen])
    card = await opened.final_message()
    assert card["flags"] & EPHEMERAL
    return chosen, card


def all_text(message: dict[str, Any] | None) -> str:
    """Content and every embed text of a message, joined (for `in` checks)."""
    message = message or {}
    parts = [message.get("content") or ""]
    for embed in embeds_of(message):
        parts += [embed.get("title") or "", embed.get("description") or "",
                  (embed.get("footer") or {}).get("text") or "",
                  (embed.get("author") or {}).get("name") or ""]
        for field in embed.get("fields") or []:
            parts += [field.get("name") or "", field.get("value") or ""]
    return "\n".join(parts)


# --- driving commands -------------------------------------------------------------------------

ACK_LIMIT = 3.0  # Discord's deadline for the first response to an interaction


async def command(fake: FakeDiscord, name: str, options: dict[str, Any] | None = None,
                  *, timeout: float = 5.0, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """Run `/name` and return (InteractionResult, the final response message), after checking
    it was acknowledged within Discord's 3 seconds."""
    result = await fake.slash(name, options or {}, timeout=timeout, **kwargs)
    assert result.ack_latency is not None and result.ack_latency < ACK_LIMIT, result
    message = await result.final_message(timeout=timeout)
    return result, message


def footer(embed: dict) -> str:
    return (embed.get("footer") or {}).get("text") or ""
