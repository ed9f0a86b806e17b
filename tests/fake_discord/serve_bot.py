"""Run `python -m bot` in a process of its own against a FakeDiscord of the parent process.

    PAPERBOY_FAKE_API=http://127.0.0.1:PORT/api/v10 PAPERBOY_FAKE_GATEWAY=ws://127.0.0.1:PORT/…
    python -m tests.fake_discord.serve_bot

For tests that must kill the bot for real (SIGKILL) and start it again.
"""

from __future__ import annotations

import os
import sys

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def main() -> int:
    Route.BASE = os.environ["PAPERBOY_FAKE_API"]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["PAPERBOY_FAKE_GATEWAY"])
    from bot.cli import main as bot_main

    return bot_main([])


if __name__ == "__main__":
    sys.exit(main())
