"""Every form is protected against cross-site posting."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_join_without_the_csrf_token_is_refused(session):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/join/{session.join_code}", {"display_name": "Анна", "sector": "society"})
    assert response.status_code == 403
    assert not session.participants.exists()


def test_posting_an_idea_without_the_csrf_token_is_refused(session, participant, phone_client):
    client = phone_client(participant, enforce_csrf_checks=True)
    response = client.post(f"/s/{session.pk}/ideas", {"text": "Идея без токена"})
    assert response.status_code == 403
    assert not session.ideas.exists()


def test_moderator_action_without_the_csrf_token_is_refused(session, moderator, user_client):
    client = user_client(moderator, enforce_csrf_checks=True)
    response = client.post(f"/s/{session.pk}/moderate/stage", {"stage": "voting"})
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.stage == "ideation"


def test_forms_carry_the_csrf_token(session, participant, phone_client):
    html = phone_client(participant).get(f"/s/{session.pk}/").content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 3  # language, idea, leave (and every vote form)
    assert '"X-CSRFToken"' in html  # htmx sends it as a header


def test_with_the_token_the_join_works(session):
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/join/{session.join_code}")
    token = page.cookies["csrftoken"].value
    response = client.post(
        f"/join/{session.join_code}",
        {"display_name": "Анна", "sector": "society", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
