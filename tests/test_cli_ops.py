"""Operating commands: no command (bot or console), sync, backup, fetch and backfill."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot import cli

from .cli_support import bot_env, run_bot
from .support import FIXTURE_DIGESTS

DAY_ONE = (FIXTURE_DIGESTS / "2025-01-06.md").read_bytes()  # six papers


def digest(day: str, *ids: str) -> bytes:
    rows = "".join(f"| Paper {i} (Read more on [arXiv](https://arxiv.org/abs/{i}))| Ann Lee"
                   f" | Summary of {i}. |\n" for i in ids)
    return f"## Papers for {day}\n\n| Title | Authors | Summary |\n|---|---|---|\n{rows}".encode()


# -- no command ----------------------------------------------------------------------------


def test_without_a_token_the_console_opens_with_a_notice(tmp_path: Path) -> None:
    result = run_bot(env=bot_env(tmp_path), cwd=tmp_path, stdin="/today\n/search minimax\n/quit\n")
    assert result.returncode == 0, result.stderr
    notice = [line for line in result.stderr.splitlines() if "DISCORD_TOKEN" in line]
    assert len(notice) == 1 and ".env" in notice[0] and "console" in notice[0]
    assert "Papers for 2025-03-07" in result.stdout  # CORPUS_DIR was ingested first
    assert "PokéChamp" in result.stdout


def test_with_a_token_the_bot_runs_and_logs_to_stdout(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.app

    seen = {}

    async def fake_run_bot(settings) -> None:
        logging.getLogger("bot.app").warning("bot running")
        seen["token"] = settings.token
        seen["stream"] = logging.getLogger().handlers[0].stream

    monkeypatch.setattr(bot.app, "run_bot", fake_run_bot)
    monkeypatch.chdir(tmp_path)
    for name, value in bot_env(tmp_path, DISCORD_TOKEN="secret").items():
        monkeypatch.setenv(name, value)
    assert cli.main([]) == 0
    assert seen == {"token": "secret", "stream": sys.stdout}


# -- sync ----------------------------------------------------------------------------------


def test_sync_without_a_token_refuses(tmp_path: Path) -> None:
    result = run_bot("sync", "--guild", "123", env=bot_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "DISCORD_TOKEN" in result.stderr


@pytest.mark.parametrize(("argv", "env", "expected"), [
    (["sync", "--guild", "42"], {}, ("synced commands to guild 42", 42)),
    (["sync"], {}, ("synced commands globally", None)),
    (["sync"], {"DEV_GUILD_ID": "7"}, ("synced commands to guild 7", None)),
])
def test_sync_says_where_it_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], argv: list[str],
                                   env: dict[str, str], expected: tuple[str, int | None]) -> None:
    import bot.app

    calls = []

    async def fake_sync_only(settings, guild_id) -> None:
        calls.append(guild_id)

    monkeypatch.setattr(bot.app, "sync_only", fake_sync_only)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEV_GUILD_ID", raising=False)
    for name, value in bot_env(tmp_path, DISCORD_TOKEN="secret", **env).items():
        monkeypatch.setenv(name, value)
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == expected[0] + "\n" and calls == [expected[1]]


# -- backup --------------------------------------------------------------------------------


def test_backup_copies_the_database_and_refuses_the_live_one(tmp_path: Path) -> None:
    env = bot_env(tmp_path)
    assert run_bot("ingest", str(FIXTURE_DIGESTS), env=env, cwd=tmp_path).returncode == 0
    copy = tmp_path / "backups" / "copy.db"
    result = run_bot("backup", str(copy), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and str(copy) in result.stdout
    assert f"{copy.stat().st_size:,} bytes" in result.stdout
    live_stats = run_bot("stats", "--json", env=env, cwd=tmp_path).stdout
    copy_stats = run_bot("stats", "--json", env={**env, "PAPERS_DB": str(copy)},
                         cwd=tmp_path).stdout
    assert json.loads(copy_stats) == json.loads(live_stats) and json.loads(live_stats)["papers"]

    live = Path(env["PAPERS_DB"])
    for target in (live, live.parent / ".." / "data" / live.name,
                   live.with_name(live.name + "-wal"), tmp_path / "backups"):
        refused = run_bot("backup", str(target), env=env, cwd=tmp_path)
        assert refused.returncode == 2 and refused.stdout == "", target
        assert len(refused.stderr.strip().splitlines()) == 1
    assert json.loads(run_bot("stats", "--json", env=env, cwd=tmp_path).stdout) == json.loads(
        live_stats)


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    result = run_bot("backup", str(tmp_path / "copy.db"), env=bot_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "no database" in result.stderr
    assert not (tmp_path / "copy.db").exists()


# -- fetch and backfill --------------------------------------------------------------------


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[str, dict[str, web.Response]]]:
    """A digest archive on 127.0.0.1: `pages[day]` answers for that day, else 404."""
    pages: dict[str, web.Response] = {}

    async def handle(request: web.Request) -> web.StreamResponse:
        day = "{yyyy}-{mm}-{dd}".format(**request.match_info)
        return pages.get(day) or web.Response(status=404, text="not found")

    app = web.Application()
    app.router.add_get("/archive/{yyyy}/{mm}/{dd}.md", handle)
    async with TestServer(app, host="127.0.0.1") as server:
        yield f"http://127.0.0.1:{server.port}/archive/{{yyyy}}/{{mm}}/{{dd}}.md", pages


async def run_async(*args: str, env: dict[str, str], cwd: Path):
    """`run_bot` in a thread, so that the server in this event loop can answer it."""
    return await asyncio.to_thread(run_bot, *args, env=env, cwd=cwd, timeout=60)


async def test_backfill_saves_the_days_and_ingests_them(tmp_path: Path, upstream) -> None:
    template, pages = upstream
    pages["2025-01-06"] = web.Response(body=DAY_ONE)
    pages["2025-01-08"] = web.Response(body=digest("2025-01-08", "2501.10001", "2501.10002"))
    corpus = tmp_path / "fetched"
    env = bot_env(tmp_path, CORPUS_DIR=str(corpus), DIGEST_URL_TEMPLATE=template)
    result = await run_async("backfill", "--since", "2025-01-06", "--until", "2025-01-08",
                             "--delay", "0", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in corpus.iterdir()) == ["2025-01-06.md", "2025-01-08.md"]
    assert (corpus / "2025-01-06.md").read_bytes() == DAY_ONE
    summary, ingested = result.stdout.splitlines()
    assert summary.startswith("2 saved, 1 missing, 0 errors, 0 skipped in ")
    assert ingested.startswith("ingested 2 digests (2 new, 0 changed, 0 unchanged): 8 papers")
    bars = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert len(bars) == 3 and bars[-1].startswith("[" + "#" * 30 + "] 3/3 ")
    stats = json.loads(run_bot("stats", "--json", env=env, cwd=tmp_path).stdout)
    assert (stats["digests"], stats["papers"]) == (2, 8)

    # Again: the complete day is skipped, the short one (a row without a link) is asked again
    # and found unchanged; a day that fails makes the exit status 1.
    pages["2025-01-06"] = web.Response(body=DAY_ONE)
    pages["2025-01-09"] = web.Response(status=403, text="no")
    again = await run_async("backfill", "--since", "2025-01-06", "--until", "2025-01-09",
                            "--delay", "0", "--concurrency", "1", env=env, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stdout.splitlines()[0].startswith("0 saved, 1 missing, 1 errors, 2 skipped")
    assert "nothing changed: 2 digests unchanged" in again.stdout


async def test_fetch_one_day(tmp_path: Path, upstream) -> None:
    template, pages = upstream
    pages["2025-01-08"] = web.Response(body=digest("2025-01-08", "2501.10001"))
    env = bot_env(tmp_path, CORPUS_DIR=str(tmp_path / "fetched"), DIGEST_URL_TEMPLATE=template)
    result = await run_async("fetch", "2025-01-08", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2025-01-08 saved (1 papers)"
    assert "1 new" in result.stdout.splitlines()[1]
    missing = await run_async("fetch", "2025-01-07", env=env, cwd=tmp_path)
    assert missing.returncode == 0 and missing.stdout.startswith("2025-01-07 missing")


@pytest.mark.parametrize("args", [["fetch"], ["backfill", "--since", "2025-01-01"]])
def test_fetching_without_a_template_refuses(tmp_path: Path, args: list[str]) -> None:
    result = run_bot(*args, env=bot_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DIGEST_URL_TEMPLATE" in result.stderr


@pytest.mark.parametrize("args", [["fetch", "2025-02-30"], ["backfill", "--since", "yesterday"],
                                  ["backfill", "--since", "2025-02-02", "--until", "2025-02-01"],
                                  ["backfill", "--since", "2025-02-01", "--concurrency", "0"]])
def test_bad_fetch_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    env = bot_env(tmp_path, DIGEST_URL_TEMPLATE="http://127.0.0.1:9/{date}.md")
    result = run_bot(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
