"""The local Discord takes files as Discord does (multipart/form-data, payload_json and
files[n]) and refuses what Discord refuses: more than 10 files, a file over the upload limit,
an attachment that names no part."""

from __future__ import annotations

import json

import aiohttp
import pytest

from .fake_discord import FakeDiscord
from .fake_discord.uploads import FILE_SIZE_MAX, FILES_MAX, attachment_data


@pytest.fixture
async def fake():
    async with FakeDiscord(bot_name="Paperboy") as fake:
        fake.add_guild("Papers Club")
        yield fake


async def post_files(fake: FakeDiscord, files: list[tuple[str, bytes]],
                     attachments: list[dict] | None = None) -> tuple[int, dict]:
    """POST a message with `files` to #general the way discord.py does, without its own
    checks in the way."""
    form = aiohttp.FormData()
    payload = {"content": "files", "attachments": attachments if attachments is not None else [
        {"id": index, "filename": name} for index, (name, _) in enumerate(files)]}
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for index, (name, data) in enumerate(files):
        form.add_field(f"files[{index}]", data, filename=name,
                       content_type="application/octet-stream")
    channel = fake.guild(next(iter(fake.guilds))).text_channels[0]
    async with aiohttp.ClientSession() as session, session.post(
            f"{fake.api_base}/channels/{channel.id}/messages", data=form,
            headers={"Authorization": f"Bot {fake.token}"}) as response:
        return response.status, await response.json()


async def test_files_within_the_limits_arrive_with_their_bytes(fake):
    files = [(f"part-{n}.txt", f"content {n}".encode()) for n in range(FILES_MAX)]
    status, message = await post_files(fake, files)
    assert status == 200
    assert [a["filename"] for a in message["attachments"]] == [name for name, _ in files]
    assert [attachment_data(fake, a) for a in message["attachments"]] == [d for _, d in files]
    assert not fake.violations
    assert all("data" not in f for r in fake.requests for f in r.files)  # records stay small


async def test_more_than_ten_files_are_refused(fake):
    status, body = await post_files(fake, [(f"{n}.txt", b"x") for n in range(FILES_MAX + 1)])
    assert (status, body["code"]) == (400, 50035)
    assert body["errors"]["files"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert fake.violations


async def test_a_file_over_the_upload_limit_is_too_large(fake):
    status, body = await post_files(fake, [("big.bin", b"\0" * (FILE_SIZE_MAX + 1))])
    assert (status, body["code"]) == (413, 40005)
    assert fake.violations


async def test_an_attachment_must_name_a_file_that_was_sent(fake):
    status, body = await post_files(fake, [("a.txt", b"a")],
                                    attachments=[{"id": 3, "filename": "a.txt"}])
    assert (status, body["code"]) == (400, 50035)
    assert "attachments" in body["errors"]
