"""Groups by hand: create, rename, move ideas, merge, delete."""

from __future__ import annotations

import pytest

from ideas.models import Group, Idea, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ideas(session, participant, post_idea):
    return [post_idea(session, participant, f"Идея {n}") for n in range(4)]


def test_permissions(api, session, ideas, participant, outsider):
    url = f"/api/v1/sessions/{session.pk}/groups/"
    body = {"title": "Транспорт"}
    assert api(None).post(url, body, format="json").status_code == 401
    assert api(participant).post(url, body, format="json").status_code == 403
    assert api(outsider).post(url, body, format="json").status_code == 403
    assert Group.objects.count() == 0
    assert api(participant).get(url).status_code == 200


def test_refused_in_draft_and_bad_input(api, session, ideas, moderator):
    url = f"/api/v1/sessions/{session.pk}/groups/"
    assert api(moderator).post(url, {}, format="json").status_code == 400
    assert api(moderator).post(url, {"title": "  "}, format="json").status_code == 400
    assert (
        api(moderator).post(url, {"title": "T", "ideas": [999999]}, format="json").status_code
        == 400
    )
    assert (
        api(moderator).post(url, {"title": "T", "keywords": "не список"}, format="json").status_code
        == 400
    )
    session.stage = Stage.DRAFT
    session.save()
    assert api(moderator).post(url, {"title": "T"}, format="json").status_code == 409
    assert Group.objects.count() == 0


def test_create_rename_move_merge_delete(api, session, ideas, moderator):
    client = api(moderator)
    url = f"/api/v1/sessions/{session.pk}/groups/"
    first = client.post(
        url, {"title": "Транспорт", "ideas": [ideas[0].pk, ideas[1].pk]}, format="json"
    ).json()
    second = client.post(
        url, {"title": "Дворы", "keywords": ["двор"], "ideas": [ideas[2].pk]}, format="json"
    ).json()
    assert first["ideas"] == [ideas[0].pk, ideas[1].pk]
    renamed = client.patch(
        f"/api/v1/groups/{first['id']}/", {"title": "Общественный транспорт"}, format="json"
    )
    assert renamed.json()["title"] == "Общественный транспорт"
    moved = client.patch(f"/api/v1/ideas/{ideas[3].pk}/", {"group": second["id"]}, format="json")
    assert moved.json()["group"] == second["id"]
    assert Idea.objects.get(pk=ideas[3].pk).group_set_manually is True
    merged = client.post(
        f"/api/v1/groups/{second['id']}/merge/", {"into": first["id"]}, format="json"
    )
    assert sorted(merged.json()["ideas"]) == sorted(i.pk for i in ideas)
    assert not Group.objects.filter(pk=second["id"]).exists()
    assert (
        client.post(
            f"/api/v1/groups/{first['id']}/merge/", {"into": first["id"]}, format="json"
        ).status_code
        == 400
    )
    assert client.delete(f"/api/v1/groups/{first['id']}/").status_code == 204
    assert Idea.objects.filter(group__isnull=False).count() == 0
    assert Idea.objects.count() == 4  # ideas survive their group


def test_hidden_ideas_are_not_listed_in_groups_for_the_public(api, session, ideas, moderator):
    from ideas import operations

    group = operations.group_create(
        session=session, actor=moderator, title="Т", idea_ids=[ideas[0].pk, ideas[1].pk]
    )
    operations.idea_moderate(idea=ideas[1], actor=moderator, status="hidden", reason="insult")
    public = api(None).get(f"/api/v1/sessions/{session.pk}/groups/").json()
    assert public[0]["ideas"] == [ideas[0].pk]
    staff = api(moderator).get(f"/api/v1/sessions/{session.pk}/groups/").json()
    assert sorted(staff[0]["ideas"]) == [ideas[0].pk, ideas[1].pk]
    assert group.pk == public[0]["id"]
