"""The daily digest, end to end through the local Discord: set up by an admin, posted once as a
header, a thread and one card per paper, resumed after crashes, new files picked up by
themselves, and refused where it cannot work."""

from __future__ import annotations

import asyncio
import shutil
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import Paperboy
from bot.config import load_settings
from bot.store import Store

from .cli_support import bot_env, run_bot
from .fake_discord import FakeDiscord, Perm, rest_channels
from .support import FIXTURE_DIGESTS

pytestmark = pytest.mark.asyncio(loop_scope="function")

NEWEST = "2025-01-06"  # a Monday with 6 papers; 2024-09-05 is older, 2025-01-11 is empty
NEWEST_CARDS = 6
ADMIN_PERMISSIONS = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.MANAGE_GUILD


class Killed(Exception):
    """Stands for the process dying at that line."""


class World:
    """A guild with a digest channel and an admin, the corpus folder, and the bot's settings."""

    def __init__(self, tmp_path: Path) -> None:
        self.corpus = tmp_path / "corpus"
        shutil.copytree(FIXTURE_DIGESTS, self.corpus)
        self.settings = load_settings({
            "PAPERS_DB": str(tmp_path / "papers.db"),
            "CORPUS_DIR": str(self.corpus),
            "DISCORD_TOKEN": "fake-token", "EMBED_MODEL": "off",
            "DIGEST_CHECK_SECONDS": "1",
            "CORPUS_POLL_SECONDS": "1",
            "CORPUS_STABLE_SECONDS": "0",
        })
        self.fake = FakeDiscord(bot_name="Paperboy")
        self.guild = self.fake.add_guild("Reading Group")
        self.channel = self.fake.add_text_channel(self.guild, "papers")
        self.admin = self.fake.add_member(self.guild, username="admin",
                                          permissions=ADMIN_PERMISSIONS)

    @asynccontextmanager
    async def bot(self):
        bot = Paperboy(self.settings)
        async with self.fake.run(bot):
            yield bot

    async def admin_slash(self, name: str, options: dict | None = None):
        return await self.fake.slash(name, options or {}, user=self.admin, channel=self.channel)

    def headers(self) -> list[dict]:
        return [m for m in self.fake.messages(self.channel)
                if m["embeds"] and m["embeds"][0].get("title", "").startswith("Papers for")]

    def threads_named(self, name: str) -> list:
        return [t for t in self.fake.threads if t.name == name]

    def cards_in(self, thread) -> list[str]:
        return [m["embeds"][0]["url"] for m in self.fake.messages(thread) if m["embeds"]]

    async def wait_for_cards(self, date: str, count: int, timeout: float = 10) -> list[str]:
        def done() -> bool:
            threads = self.threads_named(f"Papers for {date}")
            return len(threads) == 1 and len(self.cards_in(threads[0])) >= count

        await self.fake.wait_until(done, timeout, f"{count} cards for {date}")
        return self.cards_in(self.threads_named(f"Papers for {date}")[0])

    async def enable(self) -> None:
        # 00:00 in UTC: always past, so the test does not depend on the time of day.
        assert (await self.admin_slash("digest time", {"time": "00:00"})).ephemeral
        result = await self.admin_slash("digest channel", {"channel": self.channel})
        assert result.ephemeral and "Daily digest on" in result.callback_data["content"]


@pytest.fixture
async def world(tmp_path: Path):
    world = World(tmp_path)
    async with world.fake:
        yield world
    world.fake.assert_no_violations()


async def test_enabling_posts_the_newest_digest_as_header_thread_and_cards(world: World):
    async with world.bot():
        await world.enable()
        cards = await world.wait_for_cards(NEWEST, NEWEST_CARDS)
    assert len(cards) == len(set(cards)) == NEWEST_CARDS
    [header] = world.headers()
    assert header["embeds"][0]["title"] == f"Papers for {NEWEST}"
    assert "https://huggingface.co/papers/2501.00001" in header["embeds"][0]["description"]
    # Not the backlog: the older digest is not posted on first enablement.
    assert world.threads_named("Papers for 2024-09-05") == []
    for request in world.fake.requests_matching("POST", r"/channels/\d+/messages$"):
        assert request.json["allowed_mentions"] == {"parse": []}
        assert request.json.get("nonce") and request.json.get("enforce_nonce") is True


async def test_a_restart_posts_nothing_again(world: World):
    async with world.bot():
        await world.enable()
        await world.wait_for_cards(NEWEST, NEWEST_CARDS)
    sent = len(world.fake.requests_matching("POST", r"/channels/\d+/messages$"))
    async with world.bot() as bot:
        digest = bot.get_cog("DigestCog")
        await digest.post_due()
        await asyncio.sleep(1.5)  # and a scheduler tick or two
    assert len(world.fake.requests_matching("POST", r"/channels/\d+/messages$")) == sent
    assert len(world.headers()) == 1


async def test_a_new_digest_file_is_posted_within_the_poll_interval(world: World):
    async with world.bot():
        await world.enable()
        await world.wait_for_cards(NEWEST, NEWEST_CARDS)
        row = "| New {n} (Read more on [arXiv](https://arxiv.org/abs/2501.1000{n}))| A | S{n}. |"
        text = "## Papers for 2025-01-07\n\n| Title | Authors | Summary |\n|---|---|---|\n"
        text += "\n".join(row.format(n=n) for n in range(3)) + "\n"
        partial = world.corpus / ".2025-01-07.md.part"
        partial.write_text(text, "utf-8")
        partial.rename(world.corpus / "2025-01-07.md")
        cards = await world.wait_for_cards("2025-01-07", 3, timeout=10)
    assert cards == [f"https://huggingface.co/papers/2501.1000{n}" for n in range(3)]
    assert len(world.headers()) == 2


async def test_a_digest_ingested_by_another_process_is_indexed_and_posted(
        world: World, tmp_path: Path):
    """`python -m bot ingest` on the bot's database while it runs: the file's hash is then
    already stored when the watcher sees it, and the bot must still learn the new papers."""
    async with world.bot():
        await world.enable()
        await world.wait_for_cards(NEWEST, NEWEST_CARDS)
        row = "| Zebra {n} (Read more on [arXiv](https://arxiv.org/abs/2501.2000{n}))| A | S. |"
        text = "## Papers for 2025-01-07\n\n| Title | Authors | Summary |\n|---|---|---|\n"
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "2025-01-07.md").write_text(
            text + "\n".join(row.format(n=n) for n in range(2)) + "\n", "utf-8")
        env = bot_env(tmp_path, PAPERS_DB=str(world.settings.db_path))
        ingested = await asyncio.to_thread(run_bot, "ingest", str(elsewhere), env=env,
                                           cwd=tmp_path)
        assert ingested.returncode == 0, ingested.stderr
        cards = await world.wait_for_cards("2025-01-07", 2, timeout=10)
        search = await world.fake.slash("search", {"query": "zebra"}, channel=world.channel)
        found = await search.final_message(timeout=5)
    assert cards == [f"https://huggingface.co/papers/2501.2000{n}" for n in range(2)]
    assert "2501.20000" in str(found)


@pytest.mark.parametrize("k", [0, 1, 3, NEWEST_CARDS - 1])
@pytest.mark.parametrize("window", ["nonce", "history"])
async def test_crash_after_discord_created_card_k_but_before_it_was_recorded(
        world: World, monkeypatch, k: int, window: str):
    """The bot dies between Discord creating card k and the database recording it; after a
    restart every card is in the thread exactly once. Within Discord's nonce window the resent
    card comes back as the same message; beyond it the thread's history is read."""
    crashed = asyncio.Event()
    original = Store.record_post_step

    async def dies_at_card_k(store, guild_id, date, step, message_id):
        if step.startswith("card:") and not crashed.is_set():
            done = sum(1 for s in await store.post_steps(guild_id, date) if s.startswith("card:"))
            if done == k:
                crashed.set()
                raise Killed  # nothing after this line of the post runs
        await original(store, guild_id, date, step, message_id)

    monkeypatch.setattr(Store, "record_post_step", dies_at_card_k)
    async with world.bot():
        await world.enable()
        await asyncio.wait_for(crashed.wait(), 10)
    monkeypatch.setattr(Store, "record_post_step", original)
    if window == "history":
        monkeypatch.setattr(rest_channels, "NONCE_WINDOW", 0.0)

    async with world.bot():
        cards = await world.wait_for_cards(NEWEST, NEWEST_CARDS)
        await asyncio.sleep(1.2)  # another scheduler tick must not add anything
        cards = world.cards_in(world.threads_named(f"Papers for {NEWEST}")[0])
    assert len(cards) == len(set(cards)) == NEWEST_CARDS
    assert len(world.headers()) == 1
    assert len(world.threads_named(f"Papers for {NEWEST}")) == 1


@pytest.mark.parametrize("step", ["header:0", "thread"])
async def test_crash_after_the_header_or_thread_was_created(world: World, monkeypatch, step):
    crashed = asyncio.Event()
    original = Store.record_post_step

    async def dies_at_step(store, guild_id, date, name, message_id):
        if name == step and not crashed.is_set():
            crashed.set()
            raise Killed
        await original(store, guild_id, date, name, message_id)

    monkeypatch.setattr(Store, "record_post_step", dies_at_step)
    async with world.bot():
        await world.enable()
        await asyncio.wait_for(crashed.wait(), 10)
    monkeypatch.setattr(Store, "record_post_step", original)
    async with world.bot():
        cards = await world.wait_for_cards(NEWEST, NEWEST_CARDS)
    assert len(cards) == len(set(cards)) == NEWEST_CARDS
    assert len(world.headers()) == 1
    assert len(world.threads_named(f"Papers for {NEWEST}")) == 1


async def test_digest_post_now_never_posts_twice(world: World):
    async with world.bot():
        await world.enable()
        await world.wait_for_cards(NEWEST, NEWEST_CARDS)
        result = await world.admin_slash("digest post", {"date": NEWEST})
        message = await result.final_message()
    assert result.ephemeral and "already posted" in message["content"]
    assert len(world.headers()) == 1


async def test_a_channel_without_permissions_gets_a_clear_reply(world: World):
    muted = world.fake.add_text_channel(world.guild, "muted",
                                        bot_permissions=Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
    async with world.bot():
        result = await world.admin_slash("digest channel", {"channel": muted})
    text = result.callback_data["content"]
    assert result.ephemeral and "missing" in text
    assert "Embed Links" in text and "Create Public Threads" in text


async def test_members_without_manage_server_are_refused(world: World):
    async with world.bot():
        for name, options in [("digest channel", {"channel": world.channel}),
                              ("digest time", {"time": "10:00"}), ("digest off", {}),
                              ("digest post", {})]:
            result = await world.fake.slash(name, options, channel=world.channel,
                                            user=world.fake.tester)
            assert result.ephemeral, name
            assert "Manage Server" in result.callback_data["content"], name
        status = await world.fake.slash("digest status", {}, user=world.fake.tester,
                                        channel=world.channel)
    assert "not set up" in status.callback_data["content"]
    assert world.headers() == []


async def test_status_names_the_days_with_no_papers_or_unread_rows(world: World):
    async with world.bot():
        await world.enable()
        await world.wait_for_cards(NEWEST, NEWEST_CARDS)
        status = await world.admin_slash("digest status")
    assert status.callback_data["content"].endswith(
        "\nIncomplete digests: 2025-01-11 (no papers), 2025-01-06 (6 of 7 rows read)")


async def test_lost_permission_pauses_posting_and_status_says_why(world: World):
    async with world.bot():
        await world.admin_slash("digest time", {"time": "00:00"})
        await world.fake.slash("digest off", {}, user=world.admin, channel=world.channel)
        result = await world.admin_slash("digest channel", {"channel": world.channel})
        assert result.ephemeral
        # Discord refuses the header (the role lost its rights after the setting was made).
        world.fake.fail_next("POST", rf"/channels/{world.channel.id}/messages$", 403,
                             json={"message": "Missing Permissions", "code": 50013}, times=50)
        await world.fake.wait_until(lambda: bool(world.fake.errors), 10,
                                    "a refused post")
        await asyncio.sleep(1.5)
        refused = len([e for e in world.fake.errors if e.status == 403])
        status = await world.admin_slash("digest status")
    assert refused == 1  # paused: no retry loop
    assert "paused" in status.callback_data["content"]


async def test_time_and_timezone_are_checked(world: World):
    async with world.bot():
        bad_time = await world.admin_slash("digest time", {"time": "25:00"})
        bad_zone = await world.admin_slash("digest time", {"time": "09:00",
                                                           "timezone": "Mars/Olympus"})
        good = await world.admin_slash("digest time", {"time": "9:30",
                                                       "timezone": "europe/berlin"})
        zones = await world.fake.autocomplete("digest time", {"time": "09:00", "timezone": "berl"},
                                              focused="timezone", user=world.admin)
    assert "HH:MM" in bad_time.callback_data["content"]
    assert "IANA" in bad_zone.callback_data["content"]
    assert "09:30 (Europe/Berlin)" in good.callback_data["content"]
    assert [c["value"] for c in zones] == ["Europe/Berlin"]


async def test_preview_shows_the_header_only_to_the_asker(world: World):
    async with world.bot():
        result = await world.fake.slash("digest preview", {}, user=world.fake.tester,
                                        channel=world.channel)
        bad = await world.fake.slash("digest preview", {"date": "2025-02-30"},
                                     user=world.fake.tester, channel=world.channel)
    assert result.ephemeral
    assert result.callback_data["embeds"][0]["title"] == f"Papers for {NEWEST}"
    assert "YYYY-MM-DD" in bad.callback_data["content"]
    assert world.headers() == []


async def test_rate_limits_and_server_errors_mid_post_are_retried_without_duplicates(world: World):
    cards_route = r"/channels/\d+/messages$"
    world.fake.fail_next("POST", cards_route, 429, retry_after=0.05, times=2)
    async with world.bot():
        await world.admin_slash("digest time", {"time": "00:00"})
        world.fake.fail_next("POST", cards_route, 502, times=1)
        await world.admin_slash("digest channel", {"channel": world.channel})
        cards = await world.wait_for_cards(NEWEST, NEWEST_CARDS, timeout=15)
    assert len(cards) == len(set(cards)) == NEWEST_CARDS
    assert len(world.headers()) == 1
    assert {e.status for e in world.fake.errors} >= {429, 502}


async def test_a_deleted_channel_pauses_posting_and_status_says_so(world: World):
    async with world.bot() as bot:
        await world.enable()
        await world.wait_for_cards(NEWEST, NEWEST_CARDS)
        world.fake.delete_channel(world.channel)
        await world.fake.wait_until(lambda: bot.get_channel(world.channel.id) is None, 5,
                                    "the bot to see the deletion")
        (world.corpus / "2025-01-07.md").write_text(
            "## Papers for 2025-01-07\n| T (Read more on [arXiv](https://arxiv.org/abs/2501.10001))"
            "| A | S. |\n", "utf-8")
        await bot.get_cog("CorpusCog").watcher.poll_once()
        await bot.get_cog("DigestCog").post_due()
        other = world.fake.add_text_channel(world.guild, "elsewhere")
        status = await world.fake.slash("digest status", {}, user=world.admin, channel=other)
    assert "paused" in status.callback_data["content"]
    assert "no longer exists" in status.callback_data["content"]
