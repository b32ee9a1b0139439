"""Every message of the live protocol (docs/realtime.md), over WebsocketCommunicator."""

from __future__ import annotations

import pytest

from ideas import operations
from ideas.models import Stage, Vote, VotingMethod
from tests.conftest import IdeaFactory
from tests.realtime.conftest import run_sync, staff_token

pytestmark = pytest.mark.django_db(transaction=True)


def _ids(snapshot: dict) -> set[int]:
    return {idea["id"] for idea in snapshot["ideas"]}


# --- snapshot ------------------------------------------------------------------------------------


async def test_snapshot_shows_a_participant_what_they_may_see(connect, session, participant, make_participant):
    other = await run_sync(make_participant)(session)
    published = await run_sync(IdeaFactory)(session=session, author=other, text="Скверы")
    hidden = await run_sync(IdeaFactory)(session=session, author=other, status="hidden", hide_reason="insult", text="Секрет")
    pending = await run_sync(IdeaFactory)(session=session, author=other, status="pending", text="Ждёт")
    mine_pending = await run_sync(IdeaFactory)(session=session, author=participant, status="pending", text="Моя")
    await run_sync(operations.vote_cast)(participant=participant, idea_id=published.pk, value=1)

    client = await connect(session.pk, participant.token)
    snapshot = await client.until("snapshot")

    assert _ids(snapshot) == {published.pk}
    assert hidden.pk not in _ids(snapshot) and pending.pk not in _ids(snapshot)
    assert "Секрет" not in str(snapshot) and "Ждёт" not in str(snapshot)
    assert [idea["id"] for idea in snapshot["own_ideas"]] == [mine_pending.pk]
    assert snapshot["ideas"][0]["tally"] == {"supporters": 1, "votes": 1, "score": 1}
    assert snapshot["ideas"][0]["author"] == {"display_name": None, "sector": other.sector}
    assert snapshot["my_votes"] == {str(published.pk): 1}
    assert snapshot["session"]["id"] == session.pk and snapshot["stage"] == "ideation"
    assert snapshot["online"] >= 1 and isinstance(snapshot["seq"], int)
    assert "flags" not in snapshot["ideas"][0]


async def test_snapshot_has_no_tallies_when_results_are_not_live(connect, session, participant, moderator):
    session.live_results_visible = False
    await run_sync(session.save)()
    idea = await run_sync(IdeaFactory)(session=session, author=participant)
    client = await connect(session.pk, participant.token)
    snapshot = await client.until("snapshot")
    assert snapshot["results_visible"] is False
    assert all("tally" not in idea for idea in snapshot["ideas"])

    staff = await connect(session.pk, await run_sync(staff_token)(moderator))
    staff_snapshot = await staff.until("snapshot")
    assert staff_snapshot["results_visible"] is True
    assert staff_snapshot["ideas"][0]["tally"]["supporters"] == 0
    assert staff_snapshot["ideas"][0]["id"] == idea.pk


async def test_moderators_see_every_idea_with_flags_and_names(connect, session, participant, moderator):
    hidden = await run_sync(IdeaFactory)(session=session, author=participant, status="hidden", hide_reason="insult")
    pending = await run_sync(IdeaFactory)(session=session, author=participant, status="pending", flags=["link"])
    client = await connect(session.pk, await run_sync(staff_token)(moderator))
    snapshot = await client.until("snapshot")
    by_id = {idea["id"]: idea for idea in snapshot["ideas"]}
    assert set(by_id) == {hidden.pk, pending.pk}
    assert by_id[hidden.pk]["hide_reason"] == "insult"
    assert by_id[pending.pk]["flags"] == ["link"]
    assert by_id[pending.pk]["author"]["display_name"] == participant.display_name


# --- votes ---------------------------------------------------------------------------------------


async def test_vote_is_acknowledged_and_reaches_every_client_as_a_tally(connect, session, participant, post_idea):
    idea = await run_sync(post_idea)(session, participant)
    phone = await connect(session.pk, participant.token)
    screen = await connect(session.pk)
    first = (await phone.until("snapshot"))["seq"]
    await screen.until("snapshot")

    await phone.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "r-1"})
    ack = await phone.until("vote.ack")
    assert ack["request_id"] == "r-1" and ack["idea"] == idea.pk and ack["value"] == 1 and ack["changed"] is True

    counted = lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 1  # noqa: E731
    on_screen = await screen.until("tally", counted)
    on_phone = await phone.until("tally", counted)
    assert on_screen["seq"] == on_phone["seq"] > first
    assert await run_sync(Vote.objects.filter(idea=idea).count)() == 1

    await phone.send({"type": "vote", "idea": idea.pk, "value": None, "request_id": "r-2"})
    ack = await phone.until("vote.ack")
    assert ack["value"] is None and ack["changed"] is True
    await screen.until("tally", lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 0)


async def test_a_resent_vote_with_the_same_request_id_is_applied_once(connect, session, participant, post_idea):
    session.voting_method = VotingMethod.AGREE
    await run_sync(session.save)()
    idea = await run_sync(post_idea)(session, participant)
    phone = await connect(session.pk, participant.token)
    await phone.until("snapshot")

    await phone.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "same"})
    first = await phone.until("vote.ack")
    # The phone timed out and resends; a different value proves the resend is not applied.
    await phone.send({"type": "vote", "idea": idea.pk, "value": -1, "request_id": "same"})
    second = await phone.until("vote.ack", lambda m: m["request_id"] == "same" and m["duplicate_request"])
    assert first["duplicate_request"] is False and first["value"] == 1
    assert second["value"] == 1 and second["changed"] is False
    assert await run_sync(lambda: list(Vote.objects.filter(idea=idea).values_list("value", flat=True)))() == [1]


async def test_votes_sent_at_once_are_stored_together_and_each_acknowledged(
    connect, session, participant, make_participant, post_idea
):
    import asyncio

    from realtime.intake import current_intake

    idea = await run_sync(post_idea)(session, participant)
    voters = [await run_sync(make_participant)(session) for _ in range(12)]
    phones = [await connect(session.pk, voter.token) for voter in voters]
    for phone in phones:
        await phone.until("snapshot")
    screen = await connect(session.pk)
    await screen.until("snapshot")
    batches_before = current_intake().batches

    await asyncio.gather(
        *(phone.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": f"r{n}"}) for n, phone in enumerate(phones))
    )
    acks = [await phone.until("vote.ack") for phone in phones]

    assert [ack["request_id"] for ack in acks] == [f"r{n}" for n in range(12)]
    assert all(ack["changed"] and ack["value"] == 1 for ack in acks)
    assert current_intake().batches - batches_before < 12  # stored together, not one transaction each
    assert await run_sync(Vote.objects.filter(idea=idea, value=1).count)() == 12
    await screen.until("tally", lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 12)


async def test_vote_errors_carry_the_request_id_and_the_reason_in_the_client_language(
    connect, session, participant, post_idea
):
    idea = await run_sync(post_idea)(session, participant)
    session.stage = Stage.RESULTS
    await run_sync(session.save)()
    english = await connect(session.pk, participant.token, query="lang=en")
    await english.until("snapshot")
    await english.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "late"})
    error = await english.until("error")
    assert error["request_id"] == "late" and error["code"] == "wrong_stage" and error["status"] == 409
    assert error["message"] == "Voting is not open in this stage."

    russian = await connect(session.pk, participant.token, headers=((b"accept-language", b"ru-RU,ru;q=0.9"),))
    await russian.until("snapshot")
    await russian.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "late"})
    error = await russian.until("error")
    assert error["code"] == "wrong_stage" and "голосован" in error["message"].lower()
    assert await run_sync(Vote.objects.count)() == 0


async def test_vote_input_errors(connect, session, participant, make_participant, post_idea):
    idea = await run_sync(post_idea)(session, participant)
    other_session_idea = await run_sync(IdeaFactory)()
    phone = await connect(session.pk, participant.token, query="lang=en")
    await phone.until("snapshot")
    cases = [
        ({"idea": "x", "value": 1}, "invalid"),
        ({"idea": idea.pk, "value": 2}, "invalid"),
        ({"idea": idea.pk, "value": True}, "invalid"),
        ({"idea": other_session_idea.pk, "value": 1}, "not_found"),
        ({"idea": idea.pk}, "invalid"),
    ]
    for number, (fields, code) in enumerate(cases):
        await phone.send({"type": "vote", "request_id": f"bad-{number}", **fields})
        error = await phone.until("error")
        assert (error["request_id"], error["code"]) == (f"bad-{number}", code), error
    assert await run_sync(Vote.objects.count)() == 0


async def test_votes_are_throttled_per_connection(connect, live_settings, session, participant, post_idea):
    live_settings.REST_FRAMEWORK = {
        **live_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**live_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "participant_vote": "2/min"},
    }
    idea = await run_sync(post_idea)(session, participant)
    phone = await connect(session.pk, participant.token)
    await phone.until("snapshot")
    for number in range(3):
        await phone.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": f"t{number}"})
    replies = [await phone.until("vote.ack"), await phone.until("vote.ack"), await phone.until("error")]
    assert replies[2]["code"] == "throttled" and replies[2]["status"] == 429


async def test_many_votes_make_few_tallies(connect, session, make_participant, post_idea):
    """Coalescing: 30 votes in a burst are shown in a handful of tallies, never one per vote."""
    author = await run_sync(make_participant)(session)
    idea = await run_sync(post_idea)(session, author)
    screen = await connect(session.pk)
    await screen.until("snapshot")
    voters = [await run_sync(make_participant)(session) for _ in range(30)]

    def vote_all() -> None:
        for voter in voters:
            operations.vote_cast(participant=voter, idea_id=idea.pk, value=1)

    await run_sync(vote_all)()
    await screen.until("tally", lambda m: m["tallies"].get(str(idea.pk), {}).get("supporters") == 30)
    tallies = [m for m in screen.received if m["type"] == "tally"]
    assert 1 <= len(tallies) < 30


# --- events --------------------------------------------------------------------------------------


async def test_idea_created_reaches_only_those_who_may_see_it(
    connect, session, participant, make_participant, moderator, post_idea
):
    author = await run_sync(make_participant)(session)
    phone = await connect(session.pk, participant.token)
    author_phone = await connect(session.pk, author.token)
    screen = await connect(session.pk)
    staff = await connect(session.pk, await run_sync(staff_token)(moderator))
    for client in (phone, author_phone, screen, staff):
        await client.until("snapshot")

    # A flagged idea waits for a moderator: only moderators and its author hear of it.
    pending = await run_sync(post_idea)(session, author, "Подробнее на http://spam.example")
    visible = await run_sync(post_idea)(session, author, "Тёплые остановки")
    assert pending.status == "pending"

    on_screen = await screen.until("idea.created")
    assert on_screen["idea"]["id"] == visible.pk and on_screen["idea"]["author"]["display_name"] is None
    assert (await phone.until("idea.created"))["idea"]["id"] == visible.pk
    mine = await author_phone.until("idea.created")
    assert mine["idea"]["id"] == pending.pk and mine["idea"]["mine"] is True and mine["idea"]["status"] == "pending"
    staffs = await staff.until("idea.created")
    assert staffs["idea"]["id"] == pending.pk and staffs["idea"]["flags"]
    assert "spam.example" not in str(screen.received) + str(phone.received)


async def test_hiding_an_idea_removes_it_without_leaking_it(connect, session, participant, moderator, post_idea):
    idea = await run_sync(post_idea)(session, participant, "Спорная идея")
    screen = await connect(session.pk)
    staff = await connect(session.pk, await run_sync(staff_token)(moderator))
    author = await connect(session.pk, participant.token)
    for client in (screen, staff, author):
        await client.until("snapshot")
    await run_sync(operations.idea_moderate)(idea=idea, actor=moderator, status="hidden", reason="off_topic")

    gone = await screen.until("idea.updated")
    assert gone["idea"] == {"id": idea.pk, "visible": False}
    full = await staff.until("idea.updated")
    assert full["idea"]["status"] == "hidden" and full["idea"]["hide_reason"] == "off_topic"
    own = await author.until("idea.updated")
    assert own["idea"]["status"] == "hidden" and own["idea"]["mine"] is True


async def test_groups_updated_lists_only_visible_members(connect, session, participant, moderator, post_idea):
    shown = await run_sync(post_idea)(session, participant, "Парки")
    hidden = await run_sync(IdeaFactory)(session=session, author=participant, status="hidden", hide_reason="other")
    screen = await connect(session.pk)
    staff = await connect(session.pk, await run_sync(staff_token)(moderator))
    await screen.until("snapshot")
    await staff.until("snapshot")
    await run_sync(operations.group_create)(session=session, actor=moderator, title="Зелень", idea_ids=[shown.pk, hidden.pk])
    public = await screen.until("groups.updated")
    assert public["groups"][0]["title"] == "Зелень" and public["groups"][0]["ideas"] == [shown.pk]
    assert sorted((await staff.until("groups.updated"))["groups"][0]["ideas"]) == sorted([shown.pk, hidden.pk])


async def test_stage_change_and_results_becoming_visible(connect, session, participant, moderator, post_idea):
    session.live_results_visible = False
    await run_sync(session.save)()
    idea = await run_sync(post_idea)(session, participant)
    await run_sync(operations.vote_cast)(participant=participant, idea_id=idea.pk, value=1)
    phone = await connect(session.pk, participant.token)
    first = await phone.until("snapshot")
    assert "tally" not in first["ideas"][0]

    await run_sync(operations.session_set_stage)(session=session, actor=moderator, stage="voting")
    stage = await phone.until("stage")
    assert stage["stage"] == "voting" and stage["session"]["voting_open"] is True

    await run_sync(operations.session_set_stage)(session=session, actor=moderator, stage="results")
    assert (await phone.until("stage"))["stage"] == "results"
    # Results are now visible to participants: their view is rebuilt with tallies.
    again = await phone.until("snapshot")
    assert again["results_visible"] is True and again["ideas"][0]["tally"]["supporters"] == 1


async def test_timer_is_a_session_update(connect, session, moderator):
    screen = await connect(session.pk)
    await screen.until("snapshot")
    await run_sync(operations.session_set_timer)(session=session, actor=moderator, seconds=90)
    update = await screen.until("session.updated")
    assert update["session"]["timer_ends_at"]


async def test_presence_counts_the_participants_online(connect, session, participant, make_participant):
    # "Online now" is people in the room: the screen (and a console) are not counted.
    screen = await connect(session.pk)
    await screen.until("snapshot")
    phone = await connect(session.pk, participant.token)
    await phone.until("snapshot")
    await screen.until("presence", lambda m: m["online"] == 1)
    other = await run_sync(make_participant)(session)
    second = await connect(session.pk, other.token)
    await second.until("snapshot")
    await screen.until("presence", lambda m: m["online"] == 2)
    await phone.close()
    await screen.until("presence", lambda m: m["online"] == 1)


# --- resume, ping, junk ----------------------------------------------------------------------------


async def test_resume_gives_a_snapshot_only_when_something_was_missed(connect, session, participant, post_idea):
    screen = await connect(session.pk)
    seq = (await screen.until("snapshot"))["seq"]
    await screen.send({"type": "resume", "seq": seq})
    await screen.send({"type": "ping"})
    pong = await screen.until("pong")
    assert [m["type"] for m in screen.received].count("snapshot") == 1  # none before the pong
    assert pong["seq"] >= seq

    await run_sync(post_idea)(session, participant)
    created = await screen.until("idea.created")
    # A reconnecting client that last saw `seq` missed the idea: it gets a fresh snapshot.
    late = await connect(session.pk)
    await late.until("snapshot")
    await late.send({"type": "resume", "seq": seq})
    await late.send({"type": "ping"})
    await late.until("pong")
    assert [m["type"] for m in late.received].count("snapshot") == 1  # its connect snapshot is newer
    await screen.send({"type": "resume", "seq": seq})
    fresh = await screen.until("snapshot")
    assert fresh["seq"] >= created["seq"] and created["idea"]["id"] in _ids(fresh)


async def test_junk_gets_an_error_and_the_stream_goes_on(connect, session):
    screen = await connect(session.pk, query="lang=en")
    await screen.until("snapshot")
    await screen.communicator.send_to(text_data="not json")
    assert (await screen.until("error"))["code"] == "invalid"
    await screen.send({"type": "dance"})
    assert (await screen.until("error"))["code"] == "unknown_type"
    await screen.communicator.send_to(text_data="x" * 10_000)
    assert (await screen.until("error"))["code"] == "invalid"
    await screen.send({"type": "resume", "seq": "x"})
    assert (await screen.until("error"))["code"] == "invalid"
    await screen.communicator.send_to(bytes_data=b"\x00")
    assert (await screen.until("error"))["code"] == "invalid"
    await screen.send({"type": "ping"})
    assert (await screen.until("pong"))["type"] == "pong"


async def test_seq_never_decreases_for_a_client(connect, session, participant, moderator, post_idea):
    phone = await connect(session.pk, participant.token)
    await phone.until("snapshot")
    idea = await run_sync(post_idea)(session, participant)
    await phone.send({"type": "vote", "idea": idea.pk, "value": 1, "request_id": "s1"})
    await run_sync(operations.group_create)(session=session, actor=moderator, title="Г", idea_ids=[idea.pk])
    await phone.until("groups.updated")
    await phone.until("tally")
    seqs = [m["seq"] for m in phone.received]
    assert seqs == sorted(seqs)
