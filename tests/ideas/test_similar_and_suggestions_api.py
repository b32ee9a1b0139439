"""Similar ideas as you type and group suggestions, through the API, with the real default encoder."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from ideas import operations
from ideas.embeddings import forget_cached_vectors
from ideas.models import Group, GroupSuggestion, Idea

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TOPICS = {
    "transport": [
        "Тёплые остановки общественного транспорта с подогревом",
        "Больше автобусов по утрам, сейчас не уехать на работу",
        "Электробусы вместо старых автобусов на всех маршрутах",
        "Выделенные полосы для автобусов в центре города",
        "Табло с временем прибытия автобуса на каждой остановке",
    ],
    "yards": [
        "Детские площадки во дворах, которые работают и зимой",
        "Отремонтировать дворы и сделать парковки для жителей",
        "Освещение во дворах, сейчас там темно и страшно",
        "Лавочки и цветы во дворах многоэтажек",
        "Спортивные площадки для подростков в каждом дворе",
    ],
    "ecology": [
        "Раздельный сбор мусора в каждом районе",
        "Высадить деревья вдоль дорог, чтобы было меньше пыли",
        "Снизить выбросы котельных, зимой в городе смог",
        "Убрать свалки на окраинах города",
        "Экологические субботники с жителями весной",
    ],
}


@pytest.fixture
def ideas(session, make_participant, django_capture_on_commit_callbacks):
    forget_cached_vectors()
    created = {}
    author = make_participant(session)  # not `participant`: nobody is shown their own ideas
    with django_capture_on_commit_callbacks(execute=True):  # embeddings are computed at commit
        for topic, texts in TOPICS.items():
            created[topic] = [
                operations.idea_post(session=session, text=t, author=author) for t in texts
            ]
    return created


def test_ideas_are_embedded_in_the_background_with_the_models_name(ideas):
    idea = Idea.objects.get(pk=ideas["transport"][0].pk)
    assert idea.embedding is not None
    assert idea.embedding_model
    assert idea.embedding_dim == len(bytes(idea.embedding)) // 4


def test_similar_finds_the_same_idea_in_other_words(api, session, participant, ideas):
    response = api(participant).get(
        f"/api/v1/sessions/{session.pk}/similar/",
        {"text": "остановки с обогревом для ожидания автобуса"},
    )
    assert response.status_code == 200
    found = response.json()
    assert found[0]["idea"]["id"] == ideas["transport"][0].pk
    assert found[0]["score"] >= found[-1]["score"]
    # Only ideas above the calibrated relevance: no yard or ecology idea makes the list.
    transport = {idea.pk for idea in ideas["transport"]}
    assert {row["idea"]["id"] for row in found} <= transport


def test_similar_shows_nothing_when_nothing_is_close_and_never_ones_own(
    api, session, participant, ideas
):
    url = f"/api/v1/sessions/{session.pk}/similar/"
    assert api(participant).get(url, {"text": "Кошки любят молоко и мягкие диваны"}).json() == []
    own = operations.idea_post(
        session=session, text="Тёплые остановки с подогревом у школы", author=participant
    )
    Idea.objects.filter(pk=own.pk).update(
        embedding=Idea.objects.get(pk=ideas["transport"][0].pk).embedding,
        embedding_model=Idea.objects.get(pk=ideas["transport"][0].pk).embedding_model,
        embedding_dim=Idea.objects.get(pk=ideas["transport"][0].pk).embedding_dim,
        status="published",
    )
    found = api(participant).get(url, {"text": "тёплые остановки с подогревом"}).json()
    assert found and own.pk not in [row["idea"]["id"] for row in found]


def test_a_near_copy_is_flagged_as_a_possible_duplicate(api, session, participant, ideas):
    response = api(participant).get(
        f"/api/v1/sessions/{session.pk}/similar/",
        {"text": "Тёплые остановки общественного транспорта с подогревом!", "limit": 2},
    )
    top = response.json()[0]
    assert top["idea"]["id"] == ideas["transport"][0].pk
    assert top["duplicate"] is True
    assert all(row["duplicate"] is False for row in response.json()[1:])


def test_similar_never_shows_hidden_ideas(api, session, participant, moderator, ideas):
    hidden = ideas["ecology"][3]
    operations.idea_moderate(idea=hidden, actor=moderator, status="hidden", reason="other")
    found = (
        api(participant)
        .get(f"/api/v1/sessions/{session.pk}/similar/", {"text": "свалки на окраинах", "limit": 20})
        .json()
    )
    assert hidden.pk not in [row["idea"]["id"] for row in found]


def test_similar_refusals(api, session, participant, outsider, make_participant, ideas):
    from tests.conftest import SessionFactory

    url = f"/api/v1/sessions/{session.pk}/similar/"
    assert api(None).get(url, {"text": "автобус"}).status_code == 401
    assert api(make_participant(SessionFactory())).get(url, {"text": "автобус"}).status_code == 401
    assert api(participant).get(url).status_code == 400
    assert api(participant).get(url, {"text": "автобус", "limit": 500}).status_code == 400
    assert api(participant).get(url, {"text": "а" * 5000}).status_code == 400


def test_suggest_apply_and_keep_manual_work(
    api, session, moderator, participant, ideas, django_capture_on_commit_callbacks
):
    manual = operations.group_create(
        session=session, actor=moderator, title="Мои дворы", idea_ids=[ideas["yards"][0].pk]
    )
    client = api(moderator)
    assert api(participant).post(f"/api/v1/sessions/{session.pk}/groups/suggest/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"/api/v1/sessions/{session.pk}/groups/suggest/")
    assert accepted.status_code == 202
    suggestion = client.get(f"/api/v1/sessions/{session.pk}/groups/suggestion/").json()
    assert suggestion["status"] == "done", suggestion["error"]
    result = suggestion["result"]
    assert len(result["groups"]) >= 2
    assert all(group["keywords"] for group in result["groups"])
    assert set(result["coordinates"]) == {str(i.pk) for topic in ideas.values() for i in topic}
    # Each topic lands mostly in one suggested group.
    group_of = {pk: n for n, group in enumerate(result["groups"]) for pk in group["ideas"]}
    for topic in ideas.values():
        labels = [group_of.get(i.pk) for i in topic]
        assert max(labels.count(label) for label in set(labels) if label is not None) >= 3

    applied = client.post(f"/api/v1/sessions/{session.pk}/groups/suggestion/apply/")
    assert applied.status_code == 200
    manual.refresh_from_db()
    assert manual.origin == Group.Origin.MANUAL
    assert Idea.objects.get(pk=ideas["yards"][0].pk).group_id == manual.pk  # placed by hand, stays
    assert Group.objects.filter(session=session, origin=Group.Origin.SUGGESTED).exists()
    assert GroupSuggestion.objects.get(pk=suggestion["id"]).status == "applied"
    # The same suggestion cannot be applied twice.
    assert client.post(f"/api/v1/sessions/{session.pk}/groups/suggestion/apply/").status_code == 409


def test_suggestion_needs_ideas(api, session, moderator):
    response = api(moderator).post(f"/api/v1/sessions/{session.pk}/groups/suggest/")
    assert response.status_code == 409
    assert (
        api(moderator).get(f"/api/v1/sessions/{session.pk}/groups/suggestion/").status_code == 404
    )


def test_embed_ideas_back_fills(session, participant):
    idea = operations.idea_post(session=session, text="Набережная для прогулок", author=participant)
    assert Idea.objects.get(pk=idea.pk).embedding is None  # the commit never happened in this test
    call_command("embed_ideas")
    assert Idea.objects.get(pk=idea.pk).embedding is not None
