"""Tests of the fake Discord (tests/fake_discord) with a tiny discord.py bot defined here."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

try:
    from tests.fake_discord import FakeDiscord, Perm, WaitTimeout, limits
except ImportError:  # tests/ itself is on sys.path (no tests/__init__.py)
    from fake_discord import FakeDiscord, Perm, WaitTimeout, limits

asyncio_test = pytest.mark.asyncio(loop_scope="function")


# The tiny bot ------------------------------------------------------------------------------


class PanelView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Refresh", custom_id="panel:refresh")
    async def refresh(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Refreshed", view=self)

    @discord.ui.select(
        custom_id="panel:pick",
        placeholder="Pick one",
        options=[
            discord.SelectOption(label="Alpha", value="a"),
            discord.SelectOption(label="Beta", value="b"),
        ],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="Your feedback", custom_id="feedback:text", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}")


class TinyBot(commands.Bot):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents)
        self.seen: list[discord.Message] = []
        self.errors: list[Exception] = []
        add_commands(self.tree, self)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        self.seen.append(message)
        if self.user in message.mentions:
            question = message.content.replace(self.user.mention, "").strip()
            await message.reply(f"You asked: {question}", mention_author=False)


def add_commands(tree: app_commands.CommandTree, bot: TinyBot) -> None:
    @tree.command(description="Show a paper")
    async def paper(interaction: discord.Interaction, query: str, count: int = 1) -> None:
        embed = discord.Embed(title=f"Paper: {query}", description=f"{count} result(s)")
        await interaction.response.send_message(
            embed=embed, allowed_mentions=discord.AllowedMentions.none()
        )

    @tree.command(description="Slow answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done thinking")
        await interaction.followup.send("one more thing")

    @tree.command(description="Search with autocomplete")
    async def search(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"searching {topic}")

    @search.autocomplete("topic")
    async def topic_complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        topics = ["attention", "diffusion", "transformers", "agents"]
        return [app_commands.Choice(name=t, value=t) for t in topics if current in t]

    @tree.command(description="A panel with components")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Pick something", view=PanelView())

    @tree.command(description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        interaction.response._response_type = None  # act as if a second handler answered too
        try:
            await interaction.response.send_message("second")
        except discord.HTTPException as exc:
            bot.errors.append(exc)

    @tree.command(description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("sorry I am late")
        except discord.HTTPException as exc:
            bot.errors.append(exc)

    @tree.command(description="Opens a modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @tree.command(description="Too many suggestions")
    async def many(interaction: discord.Interaction, item: str) -> None:
        await interaction.response.send_message(item)

    @many.autocomplete("item")
    async def many_complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"item {i}", value=str(i)) for i in range(30)]

    config = app_commands.Group(name="config", description="Settings")

    @config.command(name="set", description="Set a value")
    async def config_set(interaction: discord.Interaction, key: str, value: int) -> None:
        await interaction.response.send_message(f"{key}={value + 1}", ephemeral=True)

    tree.add_command(config)

    @tree.command(description="Points at a channel")
    async def where(
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        member: discord.Member | None = None,
    ) -> None:
        who = member.display_name if member else "nobody"
        await interaction.response.send_message(f"{channel.mention} for {who}")

    @tree.command(description="Sends a file")
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "report attached", file=discord.File(io.BytesIO(b"hello world"), filename="report.txt")
        )

    @tree.command(description="Makes a thread")
    async def discuss(interaction: discord.Interaction, title: str) -> None:
        await interaction.response.send_message(f"Discussion: {title}")
        message = await interaction.original_response()
        thread = await message.create_thread(name=title)
        await thread.send("Thread opened")


# Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeDiscord:
    fake = FakeDiscord(bot_name="Paperboy")
    guild = fake.add_guild("Papers Club")
    fake.add_text_channel(
        guild, "read-only", bot_permissions=Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY
    )
    fake.add_text_channel(guild, "hidden", bot_permissions=0)
    return fake


@pytest_asyncio.fixture(loop_scope="function")
async def bot(fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    tiny = TinyBot()
    async with fake.run(tiny):
        yield tiny


def channel_named(fake: FakeDiscord, name: str) -> Any:
    return next(c for c in fake.channels.values() if c.name == name)


# Start-up and gateway ------------------------------------------------------------------------


@asyncio_test
async def test_bot_starts_fast_and_sees_the_configured_guild(fake: FakeDiscord) -> None:
    tiny = TinyBot()
    started = time.monotonic()
    async with fake.run(tiny):
        elapsed = time.monotonic() - started
        assert elapsed < 1.0
        assert tiny.user is not None and tiny.user.id == fake.bot_user.id
        guild = tiny.get_guild(fake.guild().id)
        assert guild is not None and guild.name == "Papers Club"
        assert {c.name for c in guild.text_channels} == {"general", "read-only", "hidden"}
        assert guild.me.guild_permissions.send_messages
        hidden = guild.get_channel(channel_named(fake, "hidden").id)
        assert not hidden.permissions_for(guild.me).view_channel
    paths = [r.path for r in fake.requests]
    assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]
    events = [f.t for f in fake.gateway_frames if f.direction == "out" and f.op == 0]
    assert events[:2] == ["READY", "GUILD_CREATE"]
    identify = next(f.d for f in fake.gateway_frames if f.direction == "in" and f.op == 2)
    assert identify["intents"] == TinyBot().intents.value
    assert not fake.started


@asyncio_test
async def test_auto_sharded_bot_uses_gateway_bot_and_heartbeats_are_acked() -> None:
    fake = FakeDiscord(heartbeat_interval_ms=50)
    fake.add_guild()
    intents = discord.Intents.none()
    intents.guilds = True
    sharded = commands.AutoShardedBot(command_prefix="!", intents=intents)
    async with fake.run(sharded):
        await fake.wait_until(lambda: fake.gateway.heartbeats >= 3, 2.0, "heartbeats")
        assert sharded.shard_count == 1
        assert any(r.path == "/gateway/bot" for r in fake.requests)
        acks = [f for f in fake.gateway_frames if f.direction == "out" and f.op == 11]
        assert len(acks) >= 3
        assert sharded.latency < 1.0


@asyncio_test
async def test_gateway_drop_is_resumed(fake: FakeDiscord, bot: TinyBot) -> None:
    await fake.drop_connections(4000)
    await fake.wait_until(lambda: fake.gateway.resumes == 1, 3.0, "a RESUME")
    assert fake.gateway.identifies == 1
    result = await fake.slash("paper", {"query": "after resume"})
    assert result.callback_type == 4
    await fake.reconnect_clients()  # op 7
    await fake.wait_until(lambda: fake.gateway.resumes == 2, 3.0, "a second RESUME")
    assert fake.gateway.identifies == 1


@asyncio_test
async def test_dispatching_events_updates_the_bot_cache(fake: FakeDiscord, bot: TinyBot) -> None:
    doomed = fake.add_text_channel(name="doomed")
    await fake.wait_until(lambda: bot.get_channel(doomed.id) is not None, 2.0, "CHANNEL_CREATE")
    fake.delete_channel(doomed)
    await fake.wait_until(lambda: bot.get_channel(doomed.id) is None, 2.0, "CHANNEL_DELETE")
    with pytest.raises(discord.NotFound) as err:
        await bot.http.send_message(doomed.id, params=discord.http.handle_message_parameters("x"))
    assert err.value.code == 10003

    role = fake.guild().roles[fake.guild().bot_role_id]
    fake.update_role(role, permissions=Perm.ADMINISTRATOR)
    guild = bot.get_guild(fake.guild().id)
    await fake.wait_until(
        lambda: guild.me.guild_permissions.administrator, 2.0, "GUILD_ROLE_UPDATE"
    )


# Application commands ------------------------------------------------------------------------


@asyncio_test
async def test_sync_registers_commands_like_discord(fake: FakeDiscord, bot: TinyBot) -> None:
    synced = await bot.tree.sync()
    names = {c["name"] for c in fake.commands()}
    assert names == {
        "paper",
        "slow",
        "search",
        "panel",
        "twice",
        "late",
        "feedback",
        "discuss",
        "many",
        "config",
        "where",
        "report",
    }
    assert {c.name for c in synced} == names
    paper = fake.find_command("paper")
    assert paper is not None and paper["application_id"] == str(fake.application_id)
    assert [o["type"] for o in paper["options"]] == [3, 4]
    again = await bot.tree.sync()
    assert {c.id for c in again} == {c.id for c in synced}

    guild = discord.Object(fake.guild().id)
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    assert len(fake.commands(fake.guild())) == len(names)


@asyncio_test
async def test_slash_command_replies_with_an_embed_and_no_mentions(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    await bot.tree.sync()
    result = await fake.slash("paper", {"query": "attention", "count": "3"})
    assert result.callback_type == 4
    assert result.ack_latency is not None and result.ack_latency < 1.0
    assert result.callback_data["allowed_mentions"] == {"parse": []}
    message = await result.final_message()
    assert message["embeds"][0]["title"] == "Paper: attention"
    assert message["embeds"][0]["description"] == "3 result(s)"  # "3" was sent as an integer
    assert message["interaction_metadata"]["name"] == "paper"
    assert fake.messages()[-1]["id"] == message["id"]
    assert fake.allowed_mentions(message) == {"parse": []}
    fake.assert_no_violations()


@asyncio_test
async def test_deferred_command_is_completed_by_its_first_followup(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    result = await fake.slash("slow")
    assert result.callback_type == 5
    message = await result.final_message()
    assert message["content"] == "done thinking"
    followups = await result.wait_followups(1)
    assert [m["content"] for m in followups] == ["one more thing"]
    assert [m["content"] for m in fake.messages()] == ["done thinking", "one more thing"]


@asyncio_test
async def test_autocomplete_returns_choices(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync()
    choices = await fake.autocomplete("search", {"topic": "ion"})
    assert choices == [
        {"name": "attention", "value": "attention"},
        {"name": "diffusion", "value": "diffusion"},
    ]


@asyncio_test
async def test_button_and_select_on_a_view(fake: FakeDiscord, bot: TinyBot) -> None:
    panel = await (await fake.slash("panel")).final_message()
    clicked = await fake.click(panel, "panel:refresh")
    assert clicked.callback_type == 7
    assert (await clicked.final_message())["content"] == "Refreshed"
    assert fake.message(panel)["edited_timestamp"] is not None

    picked = await fake.select(panel, "panel:pick", ["b"])
    assert picked.callback_type == 4 and picked.ephemeral
    assert picked.original_message["content"] == "picked b"
    assert all(m["content"] != "picked b" for m in fake.messages())  # ephemeral

    with pytest.raises(ValueError):
        await fake.select(panel, "panel:pick", ["zzz"])


@asyncio_test
async def test_modal_round_trip(fake: FakeDiscord, bot: TinyBot) -> None:
    opened = await fake.slash("feedback")
    assert opened.callback_type == 9
    assert opened.modal["title"] == "Feedback"
    submitted = await fake.submit_modal(opened, {"feedback:text": "great bot"})
    assert (await submitted.final_message())["content"] == "thanks: great bot"


@asyncio_test
async def test_thread_created_from_a_command_reply(fake: FakeDiscord, bot: TinyBot) -> None:
    result = await fake.slash("discuss", {"title": "Attention is all you need"})
    reply = await result.final_message()
    opened = await fake.wait_for_message(predicate=lambda m: m["content"] == "Thread opened")
    [thread] = fake.threads
    assert thread.id == int(reply["id"])  # Discord reuses the message id for its thread
    assert thread.parent_id == fake.channel().id and thread.name == "Attention is all you need"
    assert opened["channel_id"] == str(thread.id)
    await fake.wait_until(lambda: bot.get_channel(thread.id) is not None, 2.0, "THREAD_CREATE")


# Interaction rules ---------------------------------------------------------------------------


@asyncio_test
async def test_answering_twice_is_refused(fake: FakeDiscord, bot: TinyBot) -> None:
    await fake.slash("twice")
    await fake.wait_until(lambda: bot.errors, 2.0, "the second answer to fail")
    [error] = bot.errors
    assert isinstance(error, discord.HTTPException) and error.status == 400 and error.code == 40060
    assert [v.code for v in fake.violations] == [40060]


@asyncio_test
async def test_answering_after_the_deadline_is_unknown_interaction(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    fake.interaction_timeout = 0.2
    result = await fake.slash("late", wait=False)
    await fake.wait_until(lambda: bot.errors, 2.0, "the late answer to fail")
    assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10062
    assert not result.acknowledged
    with pytest.raises(WaitTimeout):
        await result.wait_ack(timeout=0.05)


# Messages ------------------------------------------------------------------------------------


@asyncio_test
async def test_on_message_replies_to_a_mention(fake: FakeDiscord, bot: TinyBot) -> None:
    asked = await fake.user_message(content="what is attention?")
    reply = await fake.wait_for_reply(asked)
    assert reply["content"] == "You asked: what is attention?"
    assert reply["message_reference"]["message_id"] == asked["id"]
    assert reply["mentions"] == []  # mention_author=False

    # Without the message-content intent, other messages arrive with empty content.
    await fake.user_message(content="just chatting", mentions_bot=False)
    await fake.wait_until(lambda: len(bot.seen) == 2, 2.0, "the second message")
    assert bot.seen[1].content == ""


@asyncio_test
async def test_nonce_with_enforce_nonce_creates_one_message(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    channel = bot.get_channel(fake.channel().id)
    first = await channel.send("hello once", nonce=424242)
    second = await channel.send("hello once", nonce=424242)
    assert first.id == second.id
    assert [m["content"] for m in fake.messages()] == ["hello once"]
    posts = fake.requests_matching("POST", r"/channels/\d+/messages$")
    assert [p.json["enforce_nonce"] for p in posts] == [True, True]


@asyncio_test
async def test_missing_permissions_surface_as_forbidden(fake: FakeDiscord, bot: TinyBot) -> None:
    read_only = bot.get_channel(channel_named(fake, "read-only").id)
    with pytest.raises(discord.Forbidden) as err:
        await read_only.send("can I?")
    assert err.value.code == 50013
    hidden = bot.get_channel(channel_named(fake, "hidden").id)
    with pytest.raises(discord.Forbidden) as err:
        await hidden.send("anyone?")
    assert err.value.code == 50001  # Discord's "Missing Access" for a channel the bot cannot see
    assert fake.messages(read_only.id) == []


@asyncio_test
async def test_rate_limit_is_retried_by_discord_py(fake: FakeDiscord, bot: TinyBot) -> None:
    fake.fail_next("POST", r"/channels/\d+/messages$", 429, retry_after=0.05)
    message = await bot.get_channel(fake.channel().id).send("eventually")
    posts = fake.requests_matching("POST", r"/channels/\d+/messages$")
    assert [p.status for p in posts] == [429, 200]
    assert posts[0].injected and posts[0].response["retry_after"] == 0.05
    assert posts[1].time - posts[0].time >= 0.05
    assert fake.message(message.id)["content"] == "eventually"


@asyncio_test
async def test_oversized_embed_is_a_violation(fake: FakeDiscord, bot: TinyBot) -> None:
    embed = discord.Embed(title="t" * 300, description="ok")
    for i in range(26):
        embed.add_field(name=f"f{i}", value="v")
    with pytest.raises(discord.HTTPException) as err:
        await bot.get_channel(fake.channel().id).send(embed=embed)
    assert err.value.status == 400 and err.value.code == 50035
    [violation] = fake.violations
    assert violation.errors["embeds"]["0"]["title"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert "fields" in violation.errors["embeds"]["0"]
    with pytest.raises(discord.HTTPException) as err:
        await bot.http.send_message(
            fake.channel().id, params=discord.http.handle_message_parameters("")
        )
    assert err.value.code == 50006
    assert fake.messages() == []


@asyncio_test
async def test_history_and_unknown_routes(fake: FakeDiscord, bot: TinyBot) -> None:
    channel = bot.get_channel(fake.channel().id)
    for i in range(5):
        await channel.send(f"m{i}")
    newest_first = [m.content async for m in channel.history(limit=3)]
    assert newest_first == ["m4", "m3", "m2"]
    oldest_first = [m.content async for m in channel.history(limit=10, oldest_first=True)]
    assert oldest_first == ["m0", "m1", "m2", "m3", "m4"]

    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/no/such/route"))
    assert fake.requests[-1].path == "/no/such/route" and fake.requests[-1].status == 404


@asyncio_test
async def test_wait_for_request_and_raw_callback_rules(fake: FakeDiscord, bot: TinyBot) -> None:
    result = await fake.slash("paper", {"query": "x"})
    callback = await fake.wait_for_request(method="POST", path=r"/callback$")
    assert callback.query == {"with_response": "1"}
    url = f"{fake.api_base}/interactions/{result.id}/{result.token}/callback"
    payload = {"type": 4, "data": {"content": "again"}}
    async with aiohttp.ClientSession() as session, session.post(url, json=payload) as resp:
        assert resp.status == 400
        assert (await resp.json())["code"] == 40060


@asyncio_test
async def test_groups_and_resolved_options(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync()
    result = await fake.slash("config set", {"key": "limit", "value": 41})
    assert result.ephemeral and result.original_message["content"] == "limit=42"
    [group] = result.payload["data"]["options"]
    assert group["type"] == 1 and group["name"] == "set"
    with pytest.raises(ValueError):
        await fake.slash("config set", {"key": "limit"})  # a required option is missing

    reader = fake.add_member(username="reader", permissions=Perm.VIEW_CHANNEL)
    where = await fake.slash("where", {"channel": fake.channel(), "member": reader})
    message = await where.final_message()
    assert message["content"] == f"<#{fake.channel().id}> for reader"
    resolved = where.payload["data"]["resolved"]
    assert resolved["channels"][str(fake.channel().id)]["permissions"]
    assert str(reader.id) in resolved["members"]


@asyncio_test
async def test_files_are_parsed_from_multipart_payloads(fake: FakeDiscord, bot: TinyBot) -> None:
    result = await fake.slash("report")
    message = await result.final_message()
    assert message["content"] == "report attached"
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [("report.txt", 11)]
    callback = result.requests[0]
    assert callback.json["type"] == 4 and callback.files[0]["filename"] == "report.txt"

    sent = await bot.get_channel(fake.channel().id).send(
        "log", file=discord.File(io.BytesIO(b"12345"), filename="log.txt")
    )
    assert sent.attachments[0].filename == "log.txt" and sent.attachments[0].size == 5


@asyncio_test
async def test_too_many_autocomplete_choices_is_a_violation(
    fake: FakeDiscord, bot: TinyBot
) -> None:
    with pytest.raises(WaitTimeout):
        await fake.autocomplete("many", {"item": ""}, timeout=0.5)
    [violation] = fake.violations
    assert violation.code == 50035 and "choices" in violation.errors["data"]


def test_limits_follow_discord_rules() -> None:
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "same"}]}
    ok = {"content": "a" * 2000, "components": [row]}
    assert not limits.check_message(ok)
    assert limits.check_message({"content": "a" * 2001}).errors["content"]
    assert limits.check_message({"components": [row] * 6}).errors["components"]
    duplicated = limits.check_message({"components": [row, row]})
    assert "COMPONENT_CUSTOM_ID_DUPLICATED" in str(duplicated.errors)
    link = {"type": 2, "style": 5, "label": "go", "custom_id": "nope"}
    assert limits.check_message({"components": [{"type": 1, "components": [link]}]})
    six = {
        "type": 1,
        "components": [dict(row["components"][0], custom_id=str(i)) for i in range(6)],
    }
    assert limits.check_message({"components": [six]})
    big = [
        {
            "title": "t",
            "description": "d" * 4000,
            "fields": [{"name": "n", "value": "v" * 1000}] * 3,
        }
    ]
    assert "MAX_EMBED_SIZE_EXCEEDED" in str(limits.check_message({"embeds": big}).errors)
    empty_field = [{"fields": [{"name": "", "value": "v"}]}]
    assert limits.check_message({"embeds": empty_field})
    assert limits.is_empty_message({"content": "   ", "embeds": []})
    options = [{"label": "l", "value": str(i)} for i in range(26)]
    select = {"type": 3, "custom_id": "s", "options": options, "min_values": 1, "max_values": 1}
    assert limits.check_message({"components": [{"type": 1, "components": [select]}]})
    assert limits.check_autocomplete({"choices": [{"name": "x" * 101, "value": "v"}]})
    assert limits.check_modal({"title": "t" * 46, "custom_id": "m", "components": []})
