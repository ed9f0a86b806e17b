"""The local Discord's polls refuse what Discord refuses (its documented limits)."""

from __future__ import annotations

import pytest

from .fake_discord import ApiError, FakeDiscord, polls
from .fake_discord.limits import FormErrors
from .fake_discord.messages import apply_edit, build_message


def poll(answers=2, *, question="Which paper?", text="A paper", duration=24):
    return {"question": {"text": question}, "duration": duration, "layout_type": 1,
            "allow_multiselect": False,
            "answers": [{"poll_media": {"text": text}} for _ in range(answers)]}


def errors_of(request) -> dict:
    errors = FormErrors()
    polls.check_poll(errors, request)
    return errors.errors


def test_a_poll_within_the_limits_is_accepted():
    assert errors_of(poll(10, question="q" * 300, text="a" * 55, duration=768)) == {}
    assert errors_of(poll(duration=24.0)) == {}  # discord.py sends the hours as a float


@pytest.mark.parametrize(("request_", "field"), [
    (poll(11), "answers"),
    (poll(0), "answers"),
    (poll(text="a" * 56), "answers"),
    (poll(text=""), "answers"),
    (poll(question="q" * 301), "question"),
    (poll(question=""), "question"),
    (poll(duration=769), "duration"),
    (poll(duration=0), "duration"),
    (poll(duration=1.5), "duration"),
])
def test_a_poll_beyond_the_limits_is_refused(request_, field):
    assert field in errors_of(request_)["poll"]


def new_poll_message(fake: FakeDiscord):
    guild = fake.add_guild("Club")
    return build_message(fake, channel_id=guild.text_channels[0].id, guild_id=guild.id,
                         author=fake.bot_user, payload={"poll": poll(3)})


async def test_votes_count_once_per_member_and_the_end_names_the_winner():
    fake = FakeDiscord()
    stored = new_poll_message(fake)
    assert [a["answer_id"] for a in stored.data["poll"]["answers"]] == [1, 2, 3]
    member = fake.add_member(username="a")
    await polls.vote(fake, stored.id, 2, user=member)
    await polls.vote(fake, stored.id, 2, user=member)  # the same vote again: no change
    with pytest.raises(ValueError, match="one vote per member"):
        await polls.vote(fake, stored.id, 1, user=member)
    result = polls.end(fake, stored.id)
    fields = {f["name"]: f["value"] for f in result["embeds"][0]["fields"]}
    assert result["type"] == polls.POLL_RESULT
    assert result["message_reference"]["message_id"] == str(stored.id)
    assert fields["victor_answer_id"] == "2" and fields["victor_answer_votes"] == "1"
    assert fields["total_votes"] == "1"
    assert stored.data["poll"]["results"]["is_finalized"]
    with pytest.raises(ValueError, match="ended"):
        await polls.vote(fake, stored.id, 1, user=fake.add_member(username="b"))
    with pytest.raises(ApiError) as ended:
        polls.end(fake, stored.id)
    assert ended.value.code == polls.POLL_EXPIRED


async def test_a_tie_has_no_winner():
    fake = FakeDiscord()
    stored = new_poll_message(fake)
    await polls.vote(fake, stored.id, 1, user=fake.add_member(username="a"))
    await polls.vote(fake, stored.id, 3, user=fake.add_member(username="b"))
    fields = {f["name"] for f in polls.end(fake, stored.id)["embeds"][0]["fields"]}
    assert "victor_answer_id" not in fields and "total_votes" in fields


def test_a_poll_cannot_be_edited():
    fake = FakeDiscord()
    stored = new_poll_message(fake)
    with pytest.raises(ApiError) as refused:
        apply_edit(fake, stored, {"poll": poll(2)})
    assert refused.value.code == polls.CANNOT_EDIT_POLL
