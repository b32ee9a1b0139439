"""seed_demo: the Якутск demo stays as it was; the Тольятти forum comes with its programme."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from forums.models import EventKind, Hall, ProgrammeEvent
from ideas.models import CaseSession, Forum
from tests.forums.conftest import client_for

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_the_tolyatti_forum_beside_yakutsk_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert CaseSession.objects.get(join_code="YAKUTSK").forum.city == "Якутск"
    forum = Forum.objects.get(city="Тольятти")
    assert (forum.ends_on - forum.starts_on).days == 1
    assert Hall.objects.filter(forum=forum).count() == 3
    kinds = list(ProgrammeEvent.objects.filter(forum=forum).values_list("kind", flat=True))
    assert kinds.count(EventKind.SECTION) >= 3 and kinds.count(EventKind.CONTEST) == 2
    assert ProgrammeEvent.objects.filter(forum=forum, title__contains="ПроЛог").exists()
    assert ProgrammeEvent.objects.filter(forum=forum, session__join_code="TLTCASE").exists()
    assert Forum.objects.filter(city="Тольятти").count() == 1
    page = client_for().get(f"/f/{forum.pk}/").content.decode()
    assert "Аудитория 2" in page and "Церемония награждения" in page
    # the demo organiser is not staff and prepares the Тольятти forum
    organiser = forum.organisers.get(username="organiser")
    assert not organiser.is_staff
    assert client_for(organiser).get(f"/organise/forums/{forum.pk}/").status_code == 200
