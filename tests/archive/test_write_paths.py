"""After archiving nothing changes: every write path is refused, and the rows stay as they were.

Failure cases only. Each REST write answers 409 with a message; the admin shows
the message and leaves the rows alone; the archive records accept no writes at all.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from archive.models import SessionArchive
from ideas.models import CaseSession, Group, Idea, Participant, Vote
from tests.conftest import UserFactory

pytestmark = pytest.mark.django_db


def fingerprint(session: CaseSession) -> tuple:
    """Everything about a session that a write could change."""
    session = CaseSession.objects.get(pk=session.pk)
    return (
        session.stage, session.title, session.question, session.voting_method, session.timer_ends_at,
        session.updated_at,
        tuple(Idea.objects.filter(session=session).order_by("pk").values_list(
            "pk", "text", "title", "status", "hide_reason", "moderator_note", "merged_into", "group", "updated_at")),
        tuple(Vote.objects.filter(idea__session=session).order_by("pk").values_list("pk", "idea", "participant", "value", "updated_at")),
        tuple(Group.objects.filter(session=session).order_by("pk").values_list("pk", "title", "keywords", "order", "origin")),
        Participant.objects.filter(session=session).count(),
        session.actions.count(),
        SessionArchive.objects.get(session=session).sha256,
    )


def assert_refused(response, before, session, code="archived"):
    assert response.status_code == 409, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == code
    assert body["detail"]  # a human-readable reason
    assert fingerprint(session) == before


# --- REST ------------------------------------------------------------------------------------


def test_participant_writes_are_refused(built, api):
    session, person = built.session, built.participants[0]
    park, stops = built.ideas["park"], built.ideas["stops"]
    client = api(person)
    before = fingerprint(session)
    assert_refused(client.post(f"/api/v1/sessions/{session.pk}/ideas/", {"text": "Ещё одна идея про парки"}), before, session)
    assert_refused(client.put(f"/api/v1/ideas/{stops.pk}/vote/", {"value": 1}), before, session)
    assert_refused(client.put(f"/api/v1/ideas/{park.pk}/vote/", {"value": -1, "request_id": "late-1"}), before, session)
    assert_refused(client.delete(f"/api/v1/ideas/{park.pk}/vote/"), before, session)


def test_joining_an_archived_session_is_refused(built, api):
    before = fingerprint(built.session)
    response = api(None).post(
        "/api/v1/join/", {"code": built.session.join_code, "display_name": "Новичок", "sector": "society"}
    )
    assert_refused(response, before, built.session, code="wrong_stage")


def test_moderator_idea_writes_are_refused(built, api, moderator):
    session = built.session
    park, stops, again = built.ideas["park"], built.ideas["stops"], built.ideas["park_again"]
    client = api(moderator)
    before = fingerprint(session)
    assert_refused(client.patch(f"/api/v1/ideas/{park.pk}/", {"status": "hidden", "reason": "insult"}), before, session)
    assert_refused(client.patch(f"/api/v1/ideas/{park.pk}/", {"note": "поправка"}), before, session)
    assert_refused(client.patch(f"/api/v1/ideas/{park.pk}/", {"group": None}), before, session)
    assert_refused(client.patch(f"/api/v1/ideas/{stops.pk}/", {"group": built.extra["group"].pk}), before, session)
    assert_refused(client.post(f"/api/v1/ideas/{stops.pk}/merge/", {"into": park.pk}), before, session)
    assert_refused(client.post(f"/api/v1/ideas/{again.pk}/unmerge/"), before, session)
    assert_refused(client.post(f"/api/v1/sessions/{session.pk}/ideas/", {"text": "Идея модератора"}), before, session)


def test_moderator_group_writes_are_refused(built, api, moderator):
    session, group, transport = built.session, built.extra["group"], built.extra["transport"]
    client = api(moderator)
    before = fingerprint(session)
    assert_refused(client.post(f"/api/v1/sessions/{session.pk}/groups/", {"title": "Новая группа"}), before, session)
    assert_refused(client.patch(f"/api/v1/groups/{group.pk}/", {"title": "Другое имя"}), before, session)
    assert_refused(client.patch(f"/api/v1/groups/{group.pk}/", {"ideas": [built.ideas["stops"].pk]}), before, session)
    assert_refused(client.delete(f"/api/v1/groups/{group.pk}/"), before, session)
    assert_refused(client.post(f"/api/v1/groups/{transport.pk}/merge/", {"into": group.pk}), before, session)


def test_moderator_session_writes_are_refused(built, api, moderator):
    session = built.session
    client = api(moderator)
    before = fingerprint(session)
    for stage in ("results", "voting", "ideation", "draft", "archived"):
        assert_refused(client.post(f"/api/v1/sessions/{session.pk}/stage/", {"stage": stage}), before, session)
    assert_refused(client.patch(f"/api/v1/sessions/{session.pk}/", {"title": "Переименовано"}), before, session)
    assert_refused(client.patch(f"/api/v1/sessions/{session.pk}/", {"question": "Другой вопрос?"}), before, session)
    assert_refused(client.post(f"/api/v1/sessions/{session.pk}/timer/", {"seconds": 60}), before, session)
    assert_refused(client.post(f"/api/v1/sessions/{session.pk}/timer/", {"seconds": None}), before, session)


def test_archive_records_accept_no_api_writes(built, api, moderator, outsider):
    url = f"/api/v1/archive/{built.archive.pk}/"
    before = fingerprint(built.session)
    snapshot = built.archive.snapshot
    for who in (None, outsider, moderator, built.participants[0]):
        client = api(who)
        assert client.put(url, {"title": "x"}).status_code == 405
        assert client.patch(url, {"title": "x"}).status_code == 405
        assert client.delete(url).status_code == 405
        assert client.post("/api/v1/archive/", {"title": "x"}).status_code == 405
        assert client.post(f"{url}ideas.csv", {}).status_code == 405
    assert SessionArchive.objects.get().snapshot == snapshot
    assert fingerprint(built.session) == before


def test_corrections_only_by_moderators_and_only_as_addenda(built, api, outsider):
    url = f"/api/v1/archive/{built.archive.pk}/addenda/"
    assert api(None).post(url, {"text": "x"}).status_code == 401
    assert api(outsider).post(url, {"text": "x"}).status_code == 403
    assert api(built.participants[0]).post(url, {"text": "x"}).status_code == 403
    assert built.archive.addenda.count() == 0


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


ARCHIVED_MESSAGE = re.compile(r"archived|архив", re.IGNORECASE)


def test_admin_stage_actions_are_refused(built, admin_client):
    before = fingerprint(built.session)
    for stage in ("results", "draft", "archived"):
        response = admin_client.post(
            "/admin/ideas/casesession/",
            {"action": f"move_to_{stage}", "_selected_action": [built.session.pk]},
            follow=True,
        )
        assert response.status_code == 200
        assert ARCHIVED_MESSAGE.search(messages_of(response)), messages_of(response)
    assert fingerprint(built.session) == before


def _session_form(session: CaseSession, **changes) -> dict:
    data = {
        "forum": session.forum_id or "",
        "title": session.title,
        "question": session.question,
        "description": session.description,
        "voting_method": session.voting_method,
        "dots_budget": session.dots_budget,
        "dots_max_per_idea": session.dots_max_per_idea,
        "join_code": session.join_code,
        "initial-join_code": session.join_code,  # the callable default's hidden initial
        "moderators": [u.pk for u in session.moderators.all()],
        "starts_at_0": "",
        "starts_at_1": "",
        "created_by": session.created_by_id or "",
        "is_public": "on",
        "voting_during_ideation": "on",
        "live_results_visible": "on",
    }
    data.update(changes)
    return data


def test_admin_session_change_is_refused(built, admin_client):
    before = fingerprint(built.session)
    response = admin_client.post(
        f"/admin/ideas/casesession/{built.session.pk}/change/",
        _session_form(built.session, title="Переименовано в админке", question="Другой?"),
        follow=True,
    )
    assert response.status_code == 200
    assert ARCHIVED_MESSAGE.search(messages_of(response)), messages_of(response)
    assert fingerprint(built.session) == before


def test_admin_idea_actions_are_refused(built, admin_client):
    park = built.ideas["park"]
    before = fingerprint(built.session)
    for action in ("approve", "hide_insult", "hide_off_topic"):
        response = admin_client.post(
            "/admin/ideas/idea/", {"action": action, "_selected_action": [park.pk, built.ideas["rude"].pk]}, follow=True
        )
        assert response.status_code == 200
        assert ARCHIVED_MESSAGE.search(messages_of(response)), messages_of(response)
    assert fingerprint(built.session) == before


def test_admin_idea_note_change_is_refused(built, admin_client):
    park = built.ideas["park"]
    before = fingerprint(built.session)
    response = admin_client.post(
        f"/admin/ideas/idea/{park.pk}/change/", {"moderator_note": "правка задним числом", "group_set_manually": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert ARCHIVED_MESSAGE.search(messages_of(response)), messages_of(response)
    assert fingerprint(built.session) == before


def test_admin_group_change_and_delete_are_refused(built, admin_client):
    group = built.extra["group"]
    before = fingerprint(built.session)
    response = admin_client.post(
        f"/admin/ideas/group/{group.pk}/change/",
        {"session": built.session.pk, "title": "Переименовано", "keywords": '["x"]', "origin": "manual", "order": 5},
        follow=True,
    )
    assert response.status_code == 200
    assert ARCHIVED_MESSAGE.search(messages_of(response)), messages_of(response)
    response = admin_client.post(f"/admin/ideas/group/{group.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200  # the admin's redirect, followed, with the refusal message
    assert ARCHIVED_MESSAGE.search(messages_of(response)), messages_of(response)
    response = admin_client.post(
        "/admin/ideas/group/", {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"}, follow=True
    )
    assert fingerprint(built.session) == before


def test_admin_archive_records_are_read_only(built, admin_client):
    archive = built.archive
    assert admin_client.get(f"/admin/archive/sessionarchive/{archive.pk}/change/").status_code == 200
    assert admin_client.get("/admin/archive/sessionarchive/add/").status_code == 403
    response = admin_client.post(
        f"/admin/archive/sessionarchive/{archive.pk}/change/", {"title": "x", "snapshot": "{}"}
    )
    assert response.status_code == 403
    assert admin_client.post(f"/admin/archive/sessionarchive/{archive.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SessionArchive.objects.get().snapshot == archive.snapshot


def test_admin_adds_a_chained_addendum(built, admin_client):
    from archive.services import archive_verify

    for text in ("Исправлена опечатка в вопросе", "Вторая поправка"):
        response = admin_client.post(
            "/admin/archive/archiveaddendum/add/", {"archive": built.archive.pk, "text": text}, follow=True
        )
        assert response.status_code == 200
    first, second = built.archive.addenda.order_by("id")
    assert second.previous_sha256 == first.sha256
    assert archive_verify() == (1, [])
    assert admin_client.post(f"/admin/archive/archiveaddendum/{first.pk}/change/", {"text": "x"}).status_code == 403
