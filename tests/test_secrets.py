"""The bot token never leaves the process except as the Authorization it is meant for: not in
logs (any logger, DEBUG level), not in error messages or tracebacks, not in anything the bot
sends to Discord, not in `repr(settings)`, not on the terminal when a setting is bad; and the
files where a token lives (`.env`) stay out of git and out of the Docker image.

The real bot runs against the local fake Discord with a recognisable fake token while things
fail: a command raises, Discord answers 500 and 503, the login is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import traceback
from pathlib import Path

import discord
import pytest

from bot.app import Paperboy, run_bot
from bot.cli import cmd_run
from bot.config import load_settings
from bot.corpus.ingest import ingest_directory
from bot.replies import FRIENDLY_ERROR
from bot.search import SearchEngine
from bot.store import Store

from .cli_support import bot_env
from .cli_support import run_bot as run_cli
from .fake_discord import FakeDiscord, pointed_at
from .support import FIXTURE_DIGESTS, ROOT

TOKEN = "MTIz.SECRET-TOKEN-DO-NOT-LOG.abc"
# Pieces that would still give the token away if it were cut or split when logged.
TELLTALES = (TOKEN, "SECRET-TOKEN-DO-NOT-LOG", "MTIz.SECRET")


def assert_no_token(text: str, where: str) -> None:
    for telltale in TELLTALES:
        assert telltale not in text, f"the token ({telltale!r}) appears in {where}"


# --- the bot, its logs and what it sent -------------------------------------------------------


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    path = tmp_path / "papers.db"
    async with await Store.open(path) as store:
        await ingest_directory(store, FIXTURE_DIGESTS)
    return path


def settings_for(db: Path, **extra: str):
    return load_settings({"DISCORD_TOKEN": TOKEN, "EMBED_MODEL": "off", "PAPERS_DB": str(db),
                          "CORPUS_DIR": str(FIXTURE_DIGESTS), "LOG_LEVEL": "DEBUG", **extra})


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture):
    """Everything every logger says, DEBUG and up; returns a function giving all of it as text."""
    caplog.set_level(logging.DEBUG)
    for name in ("discord", "discord.http", "discord.gateway", "aiohttp", "asyncio", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def text() -> str:
        lines = [caplog.text]
        for record in caplog.records:
            lines.append(formatter.format(record))  # message, traceback and stack included
            lines.append(repr(record.args))
        return "\n".join(lines)

    return text


def sent_payloads(fake: FakeDiscord) -> str:
    """Every REST request the bot made, without its headers: paths, queries, JSON, files."""
    return "\n".join(
        f"{r.method} {r.path} {json.dumps(r.query)} {json.dumps(r.json, default=str)}"
        f" {json.dumps(r.files, default=str)}"
        for r in fake.requests
    )


async def reply_text(fake: FakeDiscord, name: str, options: dict) -> str:
    result = await fake.slash(name, options)
    message = await result.final_message(timeout=10)
    return json.dumps(message, default=str)


async def test_failures_while_running_never_log_or_send_the_token(db, logs, capsys, monkeypatch):
    settings = settings_for(db)
    fake = FakeDiscord(bot_name="Paperboy", token=TOKEN)
    fake.add_guild("Papers Club")
    bot = Paperboy(settings)
    async with fake.run(bot):
        # 1. A command that raises, with the settings in its message (as a careless log might).
        def explode(self, *args, **kwargs):
            raise RuntimeError(f"search exploded; settings were {settings!r} / {settings}")

        monkeypatch.setattr(SearchEngine, "search", explode)
        assert FRIENDLY_ERROR in await reply_text(fake, "search", {"query": "standard"})
        monkeypatch.undo()

        # 2. Discord answers 500 once (discord.py retries after 1 s).
        fake.fail_next("POST", r"/interactions/\d+/[^/]+/callback$", 500)
        assert "Standard Row" in await reply_text(fake, "search", {"query": "standard row"})
        # 3. Discord answers 503 to the reply to a question by mention: DiscordServerError.
        fake.fail_next("POST", r"/channels/\d+/messages$", 503)
        await fake.user_message(None, "what is the standard form?")
        await fake.wait_until(lambda: any(r.status == 503 for r in fake.requests), 5, "a 503")
        await asyncio.sleep(0.1)  # for the bot to log it

    log_text = logs()
    assert "RuntimeError: search exploded" in log_text and "Traceback" in log_text
    assert "has returned 503" in log_text  # discord.py's own DEBUG line about the failure
    assert_no_token(log_text, "the logs")
    assert_no_token(sent_payloads(fake), "what the bot sent to Discord")
    captured = capsys.readouterr()
    assert_no_token(captured.out + captured.err, "stdout/stderr")
    # Not vacuous: the bot did use this very token, where it belongs.
    assert all(r.headers.get("Authorization") == f"Bot {TOKEN}" for r in fake.requests
               if not r.path.startswith(("/interactions/", "/webhooks/")))
    identify = [f for f in fake.gateway_frames if f.direction == "in" and f.op == 2]
    assert identify and identify[0].d["token"] == TOKEN


@pytest.mark.parametrize("refusal", ["401 from /users/@me", "another token registered"])
async def test_a_refused_login_names_no_token(db, logs, capsys, refusal):
    settings = settings_for(db)
    if refusal == "401 from /users/@me":
        fake = FakeDiscord(bot_name="Paperboy", token=TOKEN)
        fake.fail_next("GET", r"^/users/@me$", 401)
    else:  # the token was reset on the developer portal
        fake = FakeDiscord(bot_name="Paperboy", token="MTIz.the-new-token.xyz")
    fake.add_guild("Papers Club")
    async with fake:
        with pointed_at(fake), pytest.raises(discord.LoginFailure) as failure:
            await run_bot(settings)  # the production entry point: re-raises the login failure
    error_text = "".join(traceback.format_exception(failure.value))
    assert "Improper token" in error_text
    assert_no_token(error_text, "the login error and its traceback")
    assert_no_token(logs(), "the logs")
    captured = capsys.readouterr()
    assert_no_token(captured.out + captured.err, "stdout/stderr")
    assert fake.requests[0].headers.get("Authorization") == f"Bot {TOKEN}"


async def test_python_m_bot_with_a_refused_token_prints_no_token(db, logs, capsys):
    """`python -m bot` (the CLI's default command, in process) against a Discord that refuses
    the token: an error line and a non-zero exit, no token."""
    fake = FakeDiscord(bot_name="Paperboy", token="MTIz.the-new-token.xyz")
    fake.add_guild("Papers Club")
    async with fake:
        with pointed_at(fake):
            code = await cmd_run(argparse.Namespace(), settings_for(db))
    captured = capsys.readouterr()
    assert code != 0 and captured.err.strip()
    assert_no_token(captured.out + captured.err, "the output of `python -m bot`")
    assert_no_token(logs(), "the logs")


# --- settings and the command line ------------------------------------------------------------


def test_settings_repr_and_str_hide_the_token(tmp_path):
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "PAPERS_DB": str(tmp_path / "p.db")})
    assert settings.token == TOKEN
    assert_no_token(repr(settings), "repr(settings)")
    assert_no_token(str(settings), "str(settings)")
    assert_no_token(f"{settings}", "an f-string of the settings")


@pytest.mark.parametrize("bad", [
    {"LOG_LEVEL": "LOUD"},
    {"DEV_GUILD_ID": "not-a-number"},
    {"DIGEST_FETCH_AFTER": "25:99"},
    {"DIGEST_URL_TEMPLATE": f"https://example.com/{TOKEN}/digest.md"},  # no placeholder
    {"PAPERS_DB": "."},  # a directory
])
def test_python_m_bot_with_a_bad_setting_prints_no_token(tmp_path, bad):
    result = run_cli(env=bot_env(tmp_path, DISCORD_TOKEN=TOKEN, **bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "bad setting" in result.stderr  # it did fail on the setting, with one line
    assert_no_token(result.stdout + result.stderr, "the output of `python -m bot`")


def test_offline_commands_with_debug_logging_print_no_token(tmp_path):
    env = bot_env(tmp_path, DISCORD_TOKEN=TOKEN, LOG_LEVEL="DEBUG")
    for args in (("ingest", str(FIXTURE_DIGESTS)), ("stats", "--json"), ("paper", "2501.00001")):
        result = run_cli(*args, env=env, cwd=tmp_path)
        assert_no_token(result.stdout + result.stderr, f"`python -m bot {' '.join(args)}`")


def test_the_env_file_is_ignored_by_git_and_docker():
    gitignore = (ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert ".env" in [line.strip() for line in gitignore]
    dockerignore = (ROOT / ".dockerignore").read_text("utf-8").splitlines()
    assert ".env" in [line.strip() for line in dockerignore]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments out."""
    lines = [line for line in (ROOT / "Dockerfile").read_text("utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
            for line in joined.splitlines() if line.strip()]


def test_the_docker_image_bakes_in_no_token():
    instructions = dockerfile_instructions()
    assert ("CMD", '["python", "-m", "bot"]') in instructions
    for instruction, arguments in instructions:
        if instruction in ("ENV", "ARG", "LABEL"):
            assert "TOKEN" not in arguments.upper(), (instruction, arguments)
        if instruction in ("COPY", "ADD"):
            assert ".env" not in arguments.split(), (instruction, arguments)
            assert "." not in arguments.split()[:-1], "COPY . would take whatever is in the folder"
