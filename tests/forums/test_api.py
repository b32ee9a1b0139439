"""The organiser API: the same rules as the pages (organiser / other organiser / outsider / anonymous)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from forums.models import Hall, Invitation, ProgrammeEvent
from ideas.models import Forum

pytestmark = pytest.mark.django_db


def api(user=None, language="ru"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_schema_lists_forums_programme_invitations_and_templates():
    schema = api().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/organise/forums/", "/api/v1/halls/", "/api/v1/programme/", "/api/v1/invitations/", "/api/v1/session-templates/"):
        assert path in schema["paths"], path


def test_templates_are_public_and_say_how_people_vote():
    body = api().get("/api/v1/session-templates/").json()
    titles = [template["title"] for template in body]
    assert "Согласен / не согласен как в Polis" in titles
    assert all(template["voting_in_words"] for template in body)


def test_an_organiser_creates_a_forum_hall_and_events_and_sees_an_overlap_warning(organiser, forum):
    client = api(organiser)
    created = client.post("/api/v1/organise/forums/", {"title": "Новый форум", "starts_on": "2026-10-01", "ends_on": "2026-10-01", "time_zone": "Europe/Samara"}, format="json")
    assert created.status_code == 201
    new_forum = Forum.objects.get(pk=created.json()["id"])
    assert new_forum.organisers.filter(pk=organiser.pk).exists()
    hall = client.post("/api/v1/halls/", {"forum": new_forum.pk, "name": "Зал"}, format="json").json()
    event = {"forum": new_forum.pk, "hall": hall["id"], "title": "Секция", "kind": "section",
             "starts_at": "2026-10-01T10:00:00+04:00", "ends_at": "2026-10-01T11:00:00+04:00"}
    first = client.post("/api/v1/programme/", event, format="json")
    assert first.status_code == 201 and first.json()["warnings"] == []
    second = client.post("/api/v1/programme/", {**event, "title": "Другая"}, format="json")
    assert second.status_code == 201 and "Секция" in second.json()["warnings"][0]
    bad = client.post("/api/v1/programme/", {**event, "ends_at": "2026-10-01T09:00:00+04:00"}, format="json")
    assert bad.status_code == 400 and "заканчиваться позже" in str(bad.json())
    listed = api().get(f"/api/v1/programme/?forum={new_forum.pk}").json()
    assert len(listed["results"] if isinstance(listed, dict) else listed) == 2


def test_another_organiser_and_an_outsider_are_refused_and_nothing_changes(forum, organiser, other_organiser, outsider):
    hall = Hall.objects.create(forum=forum, name="Зал")
    event = {"forum": forum.pk, "title": "Чужое", "starts_at": "2026-10-01T10:00:00+04:00", "ends_at": "2026-10-01T11:00:00+04:00"}
    assert api(other_organiser).post("/api/v1/programme/", event, format="json").status_code == 403
    assert api(outsider).post("/api/v1/halls/", {"forum": forum.pk, "name": "Ещё"}, format="json").status_code == 403
    assert api().post("/api/v1/halls/", {"forum": forum.pk, "name": "Ещё"}, format="json").status_code == 401  # no credentials at all: sign in (DRF answers 401 with WWW-Authenticate)
    refused = api(other_organiser, "en").patch(f"/api/v1/organise/forums/{forum.pk}/", {"title": "Taken"}, format="json")
    assert refused.status_code == 403 and "organisers" in str(refused.json())
    assert api(other_organiser).delete(f"/api/v1/halls/{hall.pk}/").status_code == 403
    assert api(other_organiser).post("/api/v1/invitations/", {"role": "juror", "forum": forum.pk}, format="json").status_code == 403
    assert not ProgrammeEvent.objects.exists() and Hall.objects.count() == 1 and not Invitation.objects.exists()
    forum.refresh_from_db()
    assert forum.title != "Taken"
    assert api(other_organiser).get("/api/v1/organise/forums/").json()["results"][0]["id"] != forum.pk


def test_an_invitation_link_comes_back_once(forum, organiser):
    created = api(organiser).post("/api/v1/invitations/", {"role": "juror", "forum": forum.pk}, format="json")
    assert created.status_code == 201 and "/invite/vi_" in created.json()["link"]
    listed = api(organiser).get("/api/v1/invitations/").json()
    assert listed["results"][0]["link"] is None


def test_a_private_forums_programme_is_hidden_from_the_public(forum, organiser):
    forum.is_public = False
    forum.save()
    Hall.objects.create(forum=forum, name="Закрытый зал")
    body = api().get(f"/api/v1/halls/?forum={forum.pk}").json()
    assert (body["results"] if isinstance(body, dict) else body) == []
    body = api(organiser).get(f"/api/v1/halls/?forum={forum.pk}").json()
    assert len(body["results"] if isinstance(body, dict) else body) == 1


@pytest.mark.parametrize("raw", ["abc", "²", "٣", "36893488147419103231", "-1"])
def test_a_forum_filter_that_is_not_an_id_is_a_400_in_words(raw):
    answer = api(language="en").get("/api/v1/programme/", {"forum": raw})
    assert answer.status_code == 400
    assert "whole number" in str(answer.json())
