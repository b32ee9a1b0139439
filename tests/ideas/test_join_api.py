"""Joining by code: no sign-up, a token comes back once, guessing codes is throttled."""

from __future__ import annotations

import pytest

from ideas.models import Participant, Stage, hash_token

pytestmark = pytest.mark.django_db


def join(client, **body):
    payload = {"code": "", "display_name": "Айаал", "sector": "society"}
    payload.update(body)
    return client.post("/api/v1/join/", payload, format="json")


def test_unknown_code_is_404_with_a_message(api):
    response = join(api(None), code="NOPE99")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_code"
    assert response.json()["detail"]
    assert Participant.objects.count() == 0


def test_draft_and_archived_sessions_refuse_joining(api, session):
    for stage in (Stage.DRAFT, Stage.ARCHIVED):
        session.stage = stage
        session.save()
        assert join(api(None), code=session.join_code).status_code == 409
    assert Participant.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", ""),
        ("display_name", "   "),
        ("display_name", "x" * 10_000),
        ("display_name", "Имя\x00с нулём"),
        ("display_name", 42),
        ("sector", "pirates"),
        ("sector", None),
        ("code", 12345),
        ("code", ["A"]),
    ],
)
def test_bad_input_is_400_and_nothing_is_written(api, session, field, value):
    response = join(api(None), **{"code": session.join_code, field: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert field in body["fields"]
    assert Participant.objects.count() == 0


def test_join_gives_a_token_stored_only_hashed(api, session):
    response = join(api(None), code=session.join_code.lower(), display_name="  Сардана  ")
    assert response.status_code == 201
    body = response.json()
    participant = Participant.objects.get()
    assert participant.display_name == "Сардана"
    assert body["token"].startswith("vp_")
    assert participant.token_hash == hash_token(body["token"])
    assert body["token"] not in participant.token_hash
    assert body["session"]["id"] == session.pk
    assert body["session"]["join_code"] == session.join_code
    me = api(None)
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.get(f"/api/v1/sessions/{session.pk}/my-votes/").status_code == 200


def test_a_wrong_token_is_401(api, session):
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION="Bearer vp_not-a-real-token")
    assert client.get(f"/api/v1/sessions/{session.pk}/my-votes/").status_code == 401


def test_messages_follow_accept_language(api):
    english = api(None).post(
        "/api/v1/join/",
        {"code": "ZZZZZZ", "display_name": "A", "sector": "society"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    russian = api(None).post(
        "/api/v1/join/",
        {"code": "ZZZZZZ", "display_name": "A", "sector": "society"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert english.json()["detail"].startswith("No session has this join code")
    assert russian.json()["detail"] != english.json()["detail"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in russian.json()["detail"])


def test_guessing_codes_from_one_address_is_throttled(api, session, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "join_guess": "5/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = api(None)
    statuses = [join(client, code=f"WRONG{i}").status_code for i in range(7)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]
    assert join(client, code="WRONG9").json()["detail"]
    # The right code still joins: a venue's typos never lock out the people who read the screen.
    assert join(client, code=session.join_code).status_code == 201


def test_a_whole_hall_behind_one_address_can_join(api, session):
    """2,000 phones share the venue's address: honest joins are not limited per address."""
    client = api(None)
    for index in range(60):
        response = join(client, code=session.join_code, display_name=f"Участник {index}")
        assert response.status_code == 201
    assert Participant.objects.filter(session=session).count() == 60
