"""Archive search: Russian and English word forms, meaning, one fused ranking, public only."""

from __future__ import annotations

import numpy as np
import pytest

from archive.models import ArchivedIdea
from archive.search import archive_search
from ideas import operations
from ideas.models import Idea, Stage
from tests.conftest import SessionFactory

pytestmark = pytest.mark.django_db


def archived_with(moderator, make_participant, texts: list[str], embed: bool = False, **session_fields):
    session = SessionFactory(**session_fields)
    session.moderators.add(moderator)
    person = make_participant(session)
    ideas = [operations.idea_post(session=session, text=text, author=person) for text in texts]
    if embed:
        from ml.encoders import get_encoder

        encoder = get_encoder()
        vectors = encoder.encode(texts)
        for idea, vector in zip(ideas, vectors, strict=True):
            Idea.objects.filter(pk=idea.pk).update(
                embedding=vector.astype(np.float32).tobytes(), embedding_model=encoder.name, embedding_dim=encoder.dim
            )
    for stage in (Stage.VOTING, Stage.RESULTS, Stage.ARCHIVED):
        operations.session_set_stage(session=session, actor=moderator, stage=stage)
    session.refresh_from_db()
    return session.archive


def texts_of(hits) -> list[str]:
    return [hit.idea.text for hit in hits]


def test_russian_word_form_finds_the_stored_form(moderator, make_participant, api):
    archived_with(moderator, make_participant, ["Новый парк на набережной", "Тёплые остановки", "Ремонт дорог во дворах"])
    assert texts_of(archive_search("парки", semantic=False)) == ["Новый парк на набережной"]
    assert texts_of(archive_search("парками", semantic=False)) == ["Новый парк на набережной"]
    assert texts_of(archive_search("дорога", semantic=False)) == ["Ремонт дорог во дворах"]
    body = api(None).get("/api/v1/archive/search/", {"q": "парки"}).json()
    assert [row["text"] for row in body["results"]][0] == "Новый парк на набережной"
    assert "words" in body["results"][0]["channels"]


def test_english_word_forms(moderator, make_participant):
    archived_with(moderator, make_participant, ["More parks along the river", "Warm bus stops"])
    assert texts_of(archive_search("park", semantic=False)) == ["More parks along the river"]


def test_more_matching_words_rank_first(moderator, make_participant):
    archived_with(moderator, make_participant, ["Парк у школы", "Парк и фонтан у реки", "Фонтан"])
    assert texts_of(archive_search("парк фонтан", semantic=False))[0] == "Парк и фонтан у реки"


def test_a_query_with_a_word_found_nowhere_still_finds_the_other_words(moderator, make_participant):
    """As on every search box: rows with only some of the words come after those with all of them."""
    archived_with(moderator, make_participant, ["Парк у школы", "Парк и фонтан у реки", "Тёплые остановки"])
    found = texts_of(archive_search("парк фонтан небоскрёб", semantic=False))
    assert found[0] == "Парк и фонтан у реки"
    assert sorted(found) == ["Парк и фонтан у реки", "Парк у школы"]
    assert texts_of(archive_search("небоскрёб дирижабль", semantic=False)) == []


def test_meaning_channel_and_fusion(moderator, make_participant):
    archive = archived_with(
        moderator, make_participant, ["Новый парк на набережной", "Тёплые остановки автобусов"], embed=True
    )
    assert ArchivedIdea.objects.filter(archive=archive).exclude(embedding=None).count() == 2
    hits = archive_search("парки")
    assert hits[0].idea.text == "Новый парк на набережной"
    assert hits[0].channels == ["words", "meaning"]
    assert hits[0].score > hits[-1].score


def test_search_filters_and_privacy(moderator, make_participant):
    public = archived_with(moderator, make_participant, ["Парк в центре"])
    archived_with(moderator, make_participant, ["Парк секретный"], is_public=False)
    assert texts_of(archive_search("парк", semantic=False)) == ["Парк в центре"]
    assert texts_of(archive_search("парк", archive_id=public.pk + 1, semantic=False)) == []
    assert texts_of(archive_search("парк", forum_id=public.forum_id, semantic=False)) == ["Парк в центре"]


def test_search_api_input_checks(api, db):
    client = api(None)
    assert client.get("/api/v1/archive/search/").status_code == 400
    assert client.get("/api/v1/archive/search/", {"q": "   "}).status_code == 400
    assert client.get("/api/v1/archive/search/", {"q": "x" * 201}).status_code == 400
    assert client.get("/api/v1/archive/search/", {"q": "парк", "limit": "abc"}).status_code == 400
    for query in ("'", "\\", "!!&|", "<script>", "парк & | !", "%_"):
        response = client.get("/api/v1/archive/search/", {"q": query})
        assert response.status_code == 200, query
        assert response.json()["results"] == []
