"""The store's record of server settings and of each post's steps."""

from __future__ import annotations

from pathlib import Path

from bot.store import Store


async def test_first_enablement_fixes_since_date_and_later_changes_keep_it(db_path: Path):
    async with await Store.open(db_path) as store:
        first = await store.set_digest_channel(1, 10, "2025-03-07")
        assert (first.channel_id, first.enabled, first.since_date) == (10, True, "2025-03-07")
        assert (first.post_time, first.timezone) == ("09:00", "UTC")
        await store.disable_digest(1)
        again = await store.set_digest_channel(1, 11, "2025-04-01")
        assert (again.channel_id, again.enabled, again.since_date) == (11, True, "2025-03-07")


async def test_broken_servers_are_not_scheduled_until_a_channel_is_set_again(db_path: Path):
    async with await Store.open(db_path) as store:
        await store.set_digest_channel(1, 10, None)
        await store.mark_digest_broken(1, "missing permissions")
        assert await store.enabled_guild_digests() == []
        assert (await store.guild_digest(1)).broken_reason == "missing permissions"
        await store.set_digest_channel(1, 10, None)
        assert [s.guild_id for s in await store.enabled_guild_digests()] == [1]


async def test_time_can_be_set_before_the_channel(db_path: Path):
    async with await Store.open(db_path) as store:
        setting = await store.set_digest_time(2, "18:30", "Europe/Berlin")
        assert (setting.post_time, setting.timezone, setting.enabled) == (
            "18:30", "Europe/Berlin", False)
        assert await store.enabled_guild_digests() == []


async def test_post_steps_survive_a_reopen_and_finishing_marks_the_date_done(db_path: Path):
    async with await Store.open(db_path) as store:
        assert await store.begin_post(1, "2025-03-07", 10) == {}
        await store.record_post_step(1, "2025-03-07", "header:0", 100)
        await store.record_post_step(1, "2025-03-07", "thread", 100)
    async with await Store.open(db_path) as store:
        assert await store.post_status(1, "2025-03-07") == "posting"
        assert await store.unfinished_posts(1) == [("2025-03-07", 10)]
        assert await store.begin_post(1, "2025-03-07", 10) == {"header:0": 100, "thread": 100}
        await store.finish_post(1, "2025-03-07")
        assert await store.post_status(1, "2025-03-07") == "done"
        assert await store.last_posted_date(1) == "2025-03-07"
        assert await store.unfinished_posts(1) == []
