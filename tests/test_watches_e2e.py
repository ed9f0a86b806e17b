"""Personal watches end to end through the local Discord: `/watch add|list|remove|pause|
deliver`, the 30-day preview, and the matches of a new digest delivered exactly once, by DM or
as one mention in the day's digest thread, across restarts; closed DMs are not retried."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import Paperboy
from bot.config import load_settings
from bot.corpus.ingest import ingest_directory
from bot.store import Store
from bot.watch_delivery import WatchDeliverer

from .bot_support import all_text, assert_discord_would_accept
from .fake_discord import FakeDiscord, Perm, rest_channels
from .fake_discord.rest_dms import close_dms, dm_messages

pytestmark = pytest.mark.asyncio(loop_scope="function")

ADMIN_PERMISSIONS = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.MANAGE_GUILD
NEW_DAY = "2025-03-03"
HEADER = "## Papers for {day}\n\n| Title | Authors | Summary |\n|---|---|---|\n"
ROW = "| {title} (Read more on [arXiv](https://arxiv.org/abs/{id}))| {authors} | {summary} |"

OLD_DAYS = {
    "2025-01-10": [("2501.01001", "KV cache eviction, the early days", "Tri Dao", "Old.")],
    "2025-02-20": [("2502.02001", "Paged KV cache for serving", "Ann Bee", "Pages."),
                   ("2502.02002", "Sparse attention kernels", "Tri Dao", "Kernels.")],
    "2025-03-01": [("2503.01001", "Quantised KV cache", "Cy Dee", "Fewer bits."),
                   ("2503.01002", "Video diffusion in minutes", "Bo Li", "Frames.")],
}


class Killed(Exception):
    """Stands for the process dying at that line."""


def digest(day: str, rows: list[tuple[str, str, str, str]]) -> str:
    lines = [ROW.format(id=i, title=t, authors=a, summary=s) for i, t, a, s in rows]
    return HEADER.format(day=day) + "\n".join(lines) + "\n"


def kv_papers(count: int) -> list[tuple[str, str, str, str]]:
    """`count` papers on the KV cache (each with a long summary) and one that is not."""
    summary = "We shrink the KV cache of long-context models. " * 12
    rows = [(f"2503.03{n:03d}", f"KV cache trick number {n}", "Ann Bee", summary)
            for n in range(1, count + 1)]
    return [*rows, ("2503.03999", "Robots that fold laundry", "Tri Dao", "Folding.")]


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.corpus = tmp_path / "corpus"
        self.corpus.mkdir()
        for day, rows in OLD_DAYS.items():
            (self.corpus / f"{day}.md").write_text(digest(day, rows), "utf-8")
        self.settings = load_settings({
            "PAPERS_DB": str(tmp_path / "papers.db"), "CORPUS_DIR": str(self.corpus),
            "DISCORD_TOKEN": "fake-token", "EMBED_MODEL": "off",
            "DIGEST_CHECK_SECONDS": "1", "CORPUS_POLL_SECONDS": "3600",
            "CORPUS_STABLE_SECONDS": "0",
        })
        self.fake = FakeDiscord(bot_name="Paperboy")
        self.guild = self.fake.add_guild("Reading Group")
        self.channel = self.guild.text_channels[0]
        self.member = self.fake.tester
        self.other = self.fake.add_member(self.guild, username="other").user
        self.admin = self.fake.add_member(self.guild, username="admin",
                                          permissions=ADMIN_PERMISSIONS).user

    @asynccontextmanager
    async def bot(self):
        bot = Paperboy(self.settings)
        async with self.fake.run(bot):
            yield bot

    async def slash(self, name: str, options: dict | None = None, user=None):
        result = await self.fake.slash(name, options or {}, user=user or self.member,
                                       channel=self.channel)
        await result.final_message()
        return result

    async def new_digest(self, bot: Paperboy, rows, day: str = NEW_DAY) -> None:
        """The day's digest file arrives and the corpus watcher picks it up."""
        (self.corpus / f"{day}.md").write_text(digest(day, rows), "utf-8")
        await bot.get_cog("CorpusCog").watcher.poll_once()

    def dms(self, user=None) -> list[dict]:
        return dm_messages(self.fake, user or self.member)


@pytest.fixture
async def world(tmp_path: Path):
    world = World(tmp_path)
    async with world.fake:
        yield world
    world.fake.assert_no_violations()


def text_of(result) -> str:
    return all_text(result.callback_data) + "\n".join(all_text(m) for m in result.followups)


async def test_add_list_pause_and_remove_a_watch(world: World):
    async with world.bot():
        added = await world.slash("watch add", {"query": "kv cache"})
        await world.slash("watch add", {"query": "author:Tri Dao"})
        twice = await world.slash("watch add", {"query": "kv   cache"})
        listed = await world.slash("watch list")
        choices = await world.fake.autocomplete("watch pause", {"watch": "tri"},
                                                focused="watch", user=world.member)
        others = await world.fake.autocomplete("watch remove", {"watch": ""}, focused="watch",
                                               user=world.other)
        paused = await world.slash("watch pause", {"watch": choices[0]["value"]})
        listed_paused = await world.slash("watch list")
        resumed = await world.slash("watch pause", {"watch": choices[0]["value"]})
        stranger = await world.slash("watch remove", {"watch": choices[0]["value"]},
                                     user=world.other)
        removed = await world.slash("watch remove", {"watch": choices[0]["value"]})
        after = await world.slash("watch list")
    assert added.ephemeral and "Watching `kv cache` (1/25)" in text_of(added)
    assert "already watch" in text_of(twice)
    assert "1. `kv cache`" in text_of(listed) and "2. `author:Tri Dao`" in text_of(listed)
    assert "2/25 · matches come by DM" in text_of(listed)
    assert [c["name"] for c in choices] == ["author:Tri Dao"]
    assert others == []  # nobody is offered another member's watches
    assert "Paused" in text_of(paused) and "(paused)" in text_of(listed_paused)
    assert "Resumed" in text_of(resumed)
    assert "not one of your watches" in text_of(stranger)
    assert "Removed the watch `author:Tri Dao`" in text_of(removed)
    assert "author:Tri Dao" not in text_of(after) and "kv cache" in text_of(after)
    assert assert_discord_would_accept(world.fake) > 0


async def test_at_most_25_watches_a_member_and_server(world: World):
    async with world.bot():
        for n in range(25):
            result = await world.slash("watch add", {"query": f"topic{n} models"})
            assert "Watching" in text_of(result), text_of(result)
        refused = await world.slash("watch add", {"query": "one too many"})
        someone_else = await world.slash("watch add", {"query": "one too many"},
                                         user=world.other)
    assert "25 watches here" in text_of(refused)
    assert "Watching `one too many` (1/25)" in text_of(someone_else)


async def test_adding_shows_what_the_watch_matched_in_the_last_30_days(world: World):
    async with world.bot() as bot:
        words = await world.slash("watch add", {"query": "kv cache"})
        author = await world.slash("watch add", {"query": "author:Tri Dao"})
        unknown_paper = await world.slash("watch add", {"query": "like:2409.99999"})
        (world.corpus / "2025-03-02.md").write_text(digest("2025-03-02", [
            ("2503.02001", "Another paper", "Ann Lee", "Text."),
            ("2503.02002", "One more", "Bo Lee", "Text.")]), "utf-8")
        await bot.get_cog("CorpusCog").watcher.poll_once()
        ambiguous = await world.slash("watch add", {"query": "author:Lee"})
    preview = text_of(words)
    # 2025-03-01 and 2025-02-20 are within 30 days of the newest digest; 2025-01-10 is not.
    assert "Quantised KV cache" in preview and "Paged KV cache" in preview
    assert "early days" not in preview
    assert preview.index("Quantised") < preview.index("Paged")  # newest first
    assert "words: kv cache" in preview and "2 papers would have matched" in preview
    assert "Sparse attention kernels" in text_of(author)
    assert "author: Tri Dao" in text_of(author)
    assert "don't know a paper 2409.99999" in text_of(unknown_paper)
    assert "could be several people (Ann Lee, Bo Lee)" in text_of(ambiguous)


async def test_a_new_digest_sends_each_member_one_dm_with_every_match_and_why(world: World):
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        await world.slash("watch add", {"query": "author:Tri Dao"})
        await world.slash("watch add", {"query": "laundry"}, user=world.other)
        await world.new_digest(bot, kv_papers(3))
        await world.fake.wait_until(lambda: world.dms() and world.dms(world.other), 10,
                                    "both DMs")
        await asyncio.sleep(1.5)  # a delivery tick or two add nothing
    async with world.bot():  # nor does a restart
        await asyncio.sleep(1.5)
    [dm] = world.dms()
    assert dm["content"] == (f"4 papers in the {NEW_DAY} digest matched your watches in"
                             " Reading Group.")
    titles = [e["title"] for e in dm["embeds"]]
    assert titles == [f"KV cache trick number {n}" for n in (1, 2, 3)] + [
        "Robots that fold laundry"]
    assert "Matched words: kv cache" in dm["embeds"][0]["description"]
    assert "Matched author: Tri Dao" in dm["embeds"][3]["description"]
    assert dm["embeds"][-1]["footer"]["text"] == f"Reading Group · your watches · {NEW_DAY} · 1/1"
    [theirs] = world.dms(world.other)
    assert [e["title"] for e in theirs["embeds"]] == ["Robots that fold laundry"]
    sends = world.fake.requests_matching("POST", r"/channels/\d+/messages$")
    assert all(r.json["nonce"] and r.json["enforce_nonce"] for r in sends)
    assert assert_discord_would_accept(world.fake) > 0


async def test_a_paused_watch_sends_nothing(world: World):
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        choices = await world.fake.autocomplete("watch pause", {"watch": ""}, focused="watch",
                                                user=world.member)
        await world.slash("watch pause", {"watch": choices[0]["value"]})
        await world.new_digest(bot, kv_papers(2))
        await asyncio.sleep(1.5)
    assert world.dms() == []


async def test_many_matches_are_split_into_messages_of_10_embeds_within_6000(world: World):
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        await world.new_digest(bot, kv_papers(23))
        await world.fake.wait_until(lambda: len(world.dms()) >= 3, 10, "three DMs")
        await asyncio.sleep(1.2)
    messages = world.dms()
    embeds = [e for m in messages for e in m["embeds"]]
    assert len(embeds) == 23 and all(len(m["embeds"]) <= 10 for m in messages)
    assert [m["embeds"][-1]["footer"]["text"][-3:] for m in messages] == ["1/3", "2/3", "3/3"]
    assert messages[0]["content"].startswith("23 papers") and not messages[1]["content"]
    assert assert_discord_would_accept(world.fake) == 3 + 1  # the DMs and the reply to add


@pytest.mark.parametrize("window", ["nonce", "history"])
async def test_a_crash_after_discord_sent_a_dm_but_before_it_was_recorded(
        world: World, monkeypatch, window: str):
    """The bot dies between Discord creating the second message and the database recording it;
    after a restart every message is in the DM exactly once."""
    crashed = asyncio.Event()
    original = Store.record_watch_delivery_step

    async def dies_at_message_1(store, guild_id, user_id, date, step, value):
        if step == "message:1" and not crashed.is_set():
            crashed.set()
            raise Killed  # nothing after this line of the delivery runs
        await original(store, guild_id, user_id, date, step, value)

    monkeypatch.setattr(Store, "record_watch_delivery_step", dies_at_message_1)
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        await world.new_digest(bot, kv_papers(23))
        await asyncio.wait_for(crashed.wait(), 10)
    monkeypatch.setattr(Store, "record_watch_delivery_step", original)
    assert len(world.dms()) == 2  # the crash came after Discord took message 2 of 3
    if window == "history":
        monkeypatch.setattr(rest_channels, "NONCE_WINDOW", 0.0)
    async with world.bot():
        await world.fake.wait_until(lambda: len(world.dms()) >= 3, 10, "the rest of the DMs")
        await asyncio.sleep(1.2)
    footers = [m["embeds"][-1]["footer"]["text"][-3:] for m in world.dms()]
    assert footers == ["1/3", "2/3", "3/3"]


async def test_closed_dms_are_tried_once_and_the_member_is_told_next_time(world: World):
    close_dms(world.fake, world.member)
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        await world.new_digest(bot, kv_papers(2))
        await world.fake.wait_until(lambda: any(e.error_code == 50007
                                                for e in world.fake.errors), 10, "a refusal")
        await world.new_digest(bot, kv_papers(3), day="2025-03-04")
        await asyncio.sleep(2.2)  # ticks and the next digest try nothing more
        refusals = [e for e in world.fake.errors if e.error_code == 50007]
        listed = await world.slash("watch list")
        told = await listed.wait_followups(1)
        again = await world.slash("watch list")
    assert len(refusals) == 1
    assert listed.ephemeral and "(waiting: your DMs are closed)" in text_of(listed)
    assert told[0]["flags"] & 64 and "couldn't DM you" in told[0]["content"]
    assert "/watch deliver where:dm" in told[0]["content"]
    assert again.followups == []  # told once


async def test_deliver_dm_again_after_opening_dms(world: World):
    close_dms(world.fake, world.member)
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        await world.new_digest(bot, kv_papers(2))
        await world.fake.wait_until(lambda: bool(world.fake.errors), 10, "a refusal")
        world.fake.closed_dms.clear()
        answer = await world.slash("watch deliver", {"where": "dm"})
        await world.new_digest(bot, kv_papers(3), day="2025-03-04")
        await world.fake.wait_until(lambda: bool(world.dms()), 10, "a DM")
    assert "come by DM" in text_of(answer) and answer.followups == []
    assert [m["content"] for m in world.dms()] == [
        "3 papers in the 2025-03-04 digest matched your watches in Reading Group."]


async def test_thread_delivery_mentions_only_that_member_in_the_digest_thread(world: World):
    async with world.bot() as bot:
        await world.fake.slash("digest time", {"time": "00:00"}, user=world.admin,
                               channel=world.channel)
        await world.fake.slash("digest channel", {"channel": world.channel}, user=world.admin,
                               channel=world.channel)
        await world.slash("watch add", {"query": "kv cache"})
        chose = await world.slash("watch deliver", {"where": "thread"})
        await world.slash("watch add", {"query": "kv cache"}, user=world.other)  # by DM
        await world.new_digest(bot, kv_papers(2))
        thread_name = f"Papers for {NEW_DAY}"

        def mention():
            threads = [t for t in world.fake.threads if t.name == thread_name]
            return threads and [m for m in world.fake.messages(threads[0]) if m["content"]]

        await world.fake.wait_until(mention, 15, "the mention in the thread")
        await world.fake.wait_until(lambda: bool(world.dms(world.other)), 10, "the other DM")
        await asyncio.sleep(1.5)
        [message] = mention()
    assert "mention of you in the day's digest thread" in text_of(chose)
    assert message["content"] == (f"<@{world.member.id}> 2 papers in the {NEW_DAY} digest"
                                  " matched your watches.")
    assert [u["id"] for u in message["mentions"]] == [str(world.member.id)]
    assert world.fake.allowed_mentions(message) == {"parse": [], "users": [world.member.id]}
    assert world.dms() == []
    pinged = [m["id"] for m in world.fake.all_messages
              if m["author"]["id"] == str(world.fake.bot_user.id) and m["mentions"]]
    assert pinged == [message["id"]]  # nothing else the bot sent pinged anyone


async def test_a_digest_stored_while_the_bot_was_down_is_delivered_at_start(world: World):
    """The process died between an ingest and its plan (or another process ingested): the
    delivery loop plans the recent days it has not planned."""
    async with world.bot():
        await world.slash("watch add", {"query": "kv cache"})
    (world.corpus / f"{NEW_DAY}.md").write_text(digest(NEW_DAY, kv_papers(2)), "utf-8")
    async with await Store.open(world.settings.db_path) as store:
        await ingest_directory(store, world.corpus)
    async with world.bot():
        await world.fake.wait_until(lambda: bool(world.dms()), 10, "the DM")
        await asyncio.sleep(1.2)
    assert [m["content"][:8] for m in world.dms()] == ["2 papers"]


async def test_rate_limits_and_server_errors_on_a_dm_are_retried_without_duplicates(
        world: World):
    world.fake.fail_next("POST", r"/channels/\d+/messages$", 429, retry_after=0.05, times=2)
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        world.fake.fail_next("POST", r"/channels/\d+/messages$", 502, times=1)
        await world.new_digest(bot, kv_papers(12))
        await world.fake.wait_until(lambda: len(world.dms()) >= 2, 15, "two DMs")
        await asyncio.sleep(1.2)
    assert [m["embeds"][-1]["footer"]["text"][-3:] for m in world.dms()] == ["1/2", "2/2"]
    assert {e.status for e in world.fake.errors} >= {429, 502}


async def test_thread_delivery_without_a_digest_post_in_the_server_comes_by_dm(world: World):
    async with world.bot() as bot:
        await world.slash("watch add", {"query": "kv cache"})
        chose = await world.slash("watch deliver", {"where": "thread"})
        await world.new_digest(bot, kv_papers(1))
        await world.fake.wait_until(lambda: bool(world.dms()), 10, "the DM")
    assert "come by DM until it does" in text_of(chose)
    assert world.dms()[0]["content"].startswith("1 paper in")


async def test_a_deleted_digest_thread_is_not_retried_and_the_member_is_told(
        world: World, monkeypatch):
    async def later(self):  # the delivery waits until the thread is gone
        return None

    original = WatchDeliverer.deliver_pending
    monkeypatch.setattr(WatchDeliverer, "deliver_pending", later)
    async with world.bot() as bot:
        await world.fake.slash("digest time", {"time": "00:00"}, user=world.admin,
                               channel=world.channel)
        await world.fake.slash("digest channel", {"channel": world.channel}, user=world.admin,
                               channel=world.channel)
        await world.slash("watch add", {"query": "kv cache"})
        await world.slash("watch deliver", {"where": "thread"})
        await world.new_digest(bot, kv_papers(1))

        def thread():
            found = [t for t in world.fake.threads if t.name == f"Papers for {NEW_DAY}"]
            return found[0] if found and world.fake.messages(found[0]) else None

        await world.fake.wait_until(thread, 10, "the digest thread and its card")
        world.fake.delete_channel(thread())
        await world.fake.wait_until(lambda: not bot.get_guild(world.guild.id).threads, 5,
                                    "the bot to see the deletion")
        monkeypatch.setattr(WatchDeliverer, "deliver_pending", original)
        deliverer = bot.get_cog("WatchesCog").deliverer
        await deliverer.catch_up()
        await deliverer.catch_up()
        listed = await world.slash("watch list")
        told = await listed.wait_followups(1)
    refused = [e for e in world.fake.errors if e.method == "GET" and e.status == 404]
    assert len(refused) == 1  # looked for once, then not again
    assert "couldn't post the papers your watches matched" in told[0]["content"]
    assert world.dms() == []
