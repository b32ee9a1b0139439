"""Every awards endpoint as an outsider: anonymous, a participant of the audience session, a signed-in
outsider, a juror of this contest and a juror of another contest. Nobody but the organisers conducts the
ceremony, issues papers or reads the protocol; the reveal, the papers and their verification are public
once the results are final; a contest in a private forum shows nothing to outsiders."""

from __future__ import annotations

from typing import Any

import pytest

from awards import operations
from awards.models import CeremonyState, Document, DocumentKind
from contests.models import ContestStage
from ideas.operations import participant_join
from tests.awards.conftest import page_client
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "participant", "outsider", "juror", "unassigned_juror")


def _actor(world: Any, name: str) -> Any:
    if name == "participant":
        session = world.contest.audience_session
        joined = participant_join(code=session.join_code, display_name="Зритель", sector=session.sector_codes[0])
        joined.participant.token = joined.token  # what tests.conftest.client_for sends as the bearer
        return joined.participant
    return {"anonymous": None, "outsider": world.outsider, "juror": world.jurors[0],
            "unassigned_juror": world.unassigned_juror}[name]


@pytest.fixture
def ready(finalised):
    operations.ceremony_start(contest=finalised.contest, actor=finalised.organiser)
    operations.documents_issue(contest=finalised.contest, actor=finalised.organiser)
    return finalised


@pytest.mark.parametrize("name", ACTORS)
def test_organiser_actions_are_refused_to_outsiders_over_the_api(ready, name):
    contest = ready.contest
    actor = _actor(ready, name)
    client = client_for(actor)
    before = (CeremonyState.objects.get(contest=contest).version, Document.objects.count())
    signed_in = name not in ("anonymous", "participant")
    for url, data in (
        (f"/api/v1/contests/{contest.pk}/ceremony/start/", None),
        (f"/api/v1/contests/{contest.pk}/ceremony/step/", None),
        (f"/api/v1/contests/{contest.pk}/ceremony/back/", None),
        (f"/api/v1/contests/{contest.pk}/documents/", None),
        (f"/api/v1/contests/{contest.pk}/entries/{ready.entries[3].pk}/documents/", {"kind": "certificate"}),
    ):
        response = client.post(url, data, format="json", HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == (403 if signed_in else 401), (url, response.content)
        assert response.json()["detail"], url  # in words
    assert (CeremonyState.objects.get(contest=contest).version, Document.objects.count()) == before


@pytest.mark.parametrize("name", ACTORS)
def test_the_public_reads_are_open_to_everyone_once_final(ready, name):
    contest = ready.contest
    client = client_for(_actor(ready, name))
    number = Document.objects.filter(kind=DocumentKind.DIPLOMA).first().number
    for url in (f"/api/v1/contests/{contest.pk}/ceremony/", f"/api/v1/contests/{contest.pk}/documents/",
                f"/api/v1/documents/{number}/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("name", ["anonymous", "outsider", "juror", "unassigned_juror"])
def test_pages_for_organisers_are_refused_and_public_pages_open(ready, name):
    contest = ready.contest
    actor = _actor(ready, name)
    client = page_client(actor)
    entry = ready.entries[0]
    number = Document.objects.get(entry=entry, kind=DocumentKind.DIPLOMA).number
    for url in (f"/c/{contest.pk}/ceremony/", f"/c/{contest.pk}/ceremony/screen/",
                f"/c/{contest.pk}/ceremony/live/?view=screen", f"/c/{contest.pk}/ceremony/live/?view=phone",
                f"/c/{contest.pk}/papers/", f"/c/{contest.pk}/entries/{entry.pk}/diploma.pdf",
                f"/c/{contest.pk}/entries/{entry.pk}/certificate.pdf", f"/d/{number}/", f"/d/{number}/paper.pdf"):
        assert client.get(url).status_code == 200, url
    for url in (f"/c/{contest.pk}/ceremony/control/", f"/c/{contest.pk}/papers/protocol.pdf",
                f"/c/{contest.pk}/papers/all.pdf"):
        response = client.get(url)
        assert response.status_code == (302 if actor is None else 403), url
    assert client.get(f"/c/{contest.pk}/ceremony/live/?view=control").status_code == 403
    assert client.post(f"/c/{contest.pk}/papers/").status_code == 403
    if actor is not None:
        assert "Протокол жюри доступен только организаторам" in client.get(
            f"/c/{contest.pk}/papers/protocol.pdf").content.decode()
    # The screen never offers the keyboard's step to someone who may not step.
    assert b"data-step-url" not in client.get(f"/c/{contest.pk}/ceremony/screen/").content


def test_a_contest_in_a_private_forum_shows_nothing_to_outsiders(ready):
    contest = ready.contest
    contest.forum.is_public = False
    contest.forum.save(update_fields=["is_public"])
    for actor in (None, ready.outsider, ready.unassigned_juror):
        api = client_for(actor)
        assert api.get(f"/api/v1/contests/{contest.pk}/ceremony/").status_code == 404
        assert api.get(f"/api/v1/contests/{contest.pk}/documents/").status_code == 404
        pages = page_client(actor)
        for url in (f"/c/{contest.pk}/ceremony/", f"/c/{contest.pk}/ceremony/screen/", f"/c/{contest.pk}/papers/",
                    f"/c/{contest.pk}/entries/{ready.entries[0].pk}/diploma.pdf"):
            assert pages.get(url).status_code == 404, url
    # Its own organisers and jurors still see it.
    assert client_for(ready.organiser).get(f"/api/v1/contests/{contest.pk}/ceremony/").status_code == 200
    assert client_for(ready.jurors[0]).get(f"/api/v1/contests/{contest.pk}/documents/").status_code == 200


def test_ids_out_of_range_are_not_found_not_errors(finalised):
    assert page_client().get("/c/99999999999999999999999/ceremony/").status_code == 404
    assert client_for().get("/api/v1/contests/999999999999999999/ceremony/").status_code == 404
    assert page_client().get("/d/%D0%96/").status_code == 404
    assert finalised.contest.stage == ContestStage.FINALISED


def test_the_schema_lists_the_ceremony_and_papers_with_their_refusals(db):
    schema = client_for().get("/api/schema/?format=json").json()
    paths = schema["paths"]
    step = paths["/api/v1/contests/{contest_id}/ceremony/step/"]["post"]
    assert {"200", "401", "403", "404", "409"} <= set(step["responses"])
    assert "/api/v1/contests/{contest_id}/ceremony/start/" in paths
    assert "/api/v1/contests/{contest_id}/ceremony/back/" in paths
    assert "/api/v1/contests/{contest_id}/ceremony/" in paths
    assert "post" in paths["/api/v1/contests/{contest_id}/documents/"]
    assert "/api/v1/contests/{contest_id}/entries/{entry_id}/documents/" in paths
    assert "/api/v1/documents/{number}/" in paths
