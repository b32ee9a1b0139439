"""Accounts without staff status: sign-in, password reset, sign-up by invitation (expiring, single use)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from forums import operations
from forums.models import Invitation, Juror, Role
from ideas.errors import Conflict, Forbidden, NotFound
from ideas.models import CaseSession, Stage
from tests.conftest import UserFactory
from tests.forums.conftest import client_for

pytestmark = pytest.mark.django_db
User = get_user_model()


def _session(forum, **fields):
    return CaseSession.objects.create(forum=forum, title="Сессия", question="Каким будет город?", **fields)


def test_a_non_staff_moderator_signs_in_on_our_page_and_reaches_the_console(forum):
    session = _session(forum, stage=Stage.IDEATION)
    user = UserFactory(username="moderator-1")
    session.moderators.add(user)
    anonymous = client_for()
    response = anonymous.get(f"/s/{session.pk}/moderate")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = anonymous.get(response["Location"])
    assert page.status_code == 200 and "Войти" in page.content.decode()
    signed = anonymous.post(
        "/accounts/login/?next=" + f"/s/{session.pk}/moderate",
        {"username": "moderator-1", "password": "pw-for-tests-1", "next": f"/s/{session.pk}/moderate"},
    )
    assert signed.status_code == 302 and signed["Location"] == f"/s/{session.pk}/moderate"
    assert anonymous.get(f"/s/{session.pk}/moderate").status_code == 200


def test_a_wrong_password_is_refused_in_russian():
    UserFactory(username="someone")
    response = client_for().post("/accounts/login/", {"username": "someone", "password": "nope"})
    assert response.status_code == 200
    assert "правильные имя пользователя и пароль" in response.content.decode()


def test_logout_is_a_post_and_password_change_works(organiser):
    client = client_for(organiser)
    changed = client.post(
        "/accounts/password/change/",
        {"old_password": "pw-for-tests-1", "new_password1": "veche-new-pass-77", "new_password2": "veche-new-pass-77"},
    )
    assert changed.status_code == 302
    organiser.refresh_from_db()
    assert organiser.check_password("veche-new-pass-77")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/organise/").status_code == 302


def test_password_reset_sends_a_letter_through_the_configured_backend(organiser, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    organiser.email = "org@example.org"
    organiser.save()
    response = client_for().post("/accounts/password/reset/", {"email": "org@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/" in mail.outbox[0].body


def test_an_organiser_invites_a_moderator_who_signs_up_by_the_link(
    forum, organiser, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    session = _session(forum)
    client = client_for(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/organise/sessions/{session.pk}/invitations", {"email": "mod@example.org"})
    assert response.status_code == 200
    link = response.context["new_link"]
    assert "/invite/vi_" in link
    # the letter went out after the transaction committed, with the same link
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    path = link.split("testserver", 1)[1]
    newcomer = client_for()
    page = newcomer.get(path)
    assert page.status_code == 200 and "Приглашение" in page.content.decode()
    accepted = newcomer.post(
        path, {"username": "mod-new", "email": "", "password1": "veche-moder-2032", "password2": "veche-moder-2032"}
    )
    assert accepted.status_code == 302 and accepted["Location"] == f"/organise/sessions/{session.pk}/"
    user = User.objects.get(username="mod-new")
    assert not user.is_staff and session.is_moderator(user)
    assert newcomer.get(f"/s/{session.pk}/moderate").status_code == 200
    # single use: the same link again is refused, in words
    again = client_for().get(path)
    assert again.status_code == 409 and "уже использовано" in again.content.decode()


def test_an_expired_invitation_is_refused_and_creates_nobody(forum, organiser):
    invited = operations.invitation_create(actor=organiser, role=Role.JUROR, forum=forum)
    Invitation.objects.filter(pk=invited.invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client_for().post(
        invited.path, {"username": "late", "password1": "veche-moder-2032", "password2": "veche-moder-2032"}
    )
    assert response.status_code == 409 and "истёк" in response.content.decode()
    assert not User.objects.filter(username="late").exists()
    english = client_for(language="en").get(invited.path)
    assert "expired" in english.content.decode()


def test_a_reused_invitation_is_refused_by_the_operation(forum, organiser):
    invited = operations.invitation_create(actor=organiser, role=Role.JUROR, forum=forum)
    first = operations.invitation_accept(token=invited.token, username="juror-1", password="veche-juror-2032")
    assert Juror.objects.filter(forum=forum, user=first).exists()
    with pytest.raises(Conflict):
        operations.invitation_accept(token=invited.token, username="juror-2", password="veche-juror-2032")
    assert not User.objects.filter(username="juror-2").exists()
    with pytest.raises(NotFound):
        operations.invitation_find("vi_not-a-real-token")


def test_a_weak_password_or_a_taken_name_is_refused_next_to_the_field(forum, organiser):
    invited = operations.invitation_create(actor=organiser, role=Role.ORGANISER, forum=forum)
    response = client_for().post(invited.path, {"username": "organiser", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get("password1") or form.errors.get("username")
    assert Invitation.objects.get(pk=invited.invitation.pk).accepted_at is None


def test_a_signed_in_user_accepts_an_organiser_invitation_without_signing_up(forum, organiser, outsider):
    invited = operations.invitation_create(actor=organiser, role=Role.ORGANISER, forum=forum)
    response = client_for(outsider).post(invited.path)
    assert response.status_code == 302
    assert forum.organisers.filter(pk=outsider.pk).exists()


def test_only_organisers_invite_and_only_staff_invite_forum_creators(forum, organiser, other_organiser, outsider, staff):
    with pytest.raises(Forbidden):
        operations.invitation_create(actor=other_organiser, role=Role.ORGANISER, forum=forum)
    with pytest.raises(Forbidden):
        operations.invitation_create(actor=outsider, role=Role.MODERATOR, session=_session(forum))
    with pytest.raises(Forbidden):
        operations.invitation_create(actor=organiser, role=Role.ORGANISER)
    invited = operations.invitation_create(actor=staff, role=Role.ORGANISER)
    creator = operations.invitation_accept(token=invited.token, username="creator", password="veche-create-2032")
    creator = User.objects.get(pk=creator.pk)  # permissions are cached per instance
    assert creator.has_perm("ideas.add_forum") and not creator.is_staff
    created = client_for(creator).get("/organise/forums/new")
    assert created.status_code == 200


def test_the_console_says_in_words_when_phones_cannot_reach_the_address(forum, settings):
    session = _session(forum, stage=Stage.IDEATION)
    user = UserFactory(username="moderator-2")
    session.moderators.add(user)
    client = client_for(user)
    settings.VECHE_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["*"]
    page = client.get(f"/s/{session.pk}/moderate", HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "Телефоны в зале не смогут открыть http://127.0.0.1:8000/join/" in page
    assert "public-address-warning" not in client.get(f"/s/{session.pk}/moderate", HTTP_HOST="10.0.0.5:8000").content.decode()
    settings.VECHE_PUBLIC_URL = "https://veche.example.ru"
    page = client.get(f"/s/{session.pk}/moderate", HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "public-address-warning" not in page
    screen = client.get(f"/s/{session.pk}/screen", HTTP_HOST="127.0.0.1:8000").content.decode()
    assert f"https://veche.example.ru/join/{session.join_code}" in screen


def test_the_phone_shows_the_moderators_timer(forum, settings):
    from ideas import operations as session_operations
    from ideas.operations import participant_join
    from tests.pages.conftest import phone_cookie

    session = _session(forum, stage=Stage.IDEATION)
    moderator = UserFactory(username="moderator-3", is_staff=True)
    session_operations.session_set_timer(session=session, actor=moderator, seconds=300)
    joined = participant_join(code=session.join_code, display_name="Анна", sector="society")
    client = client_for()
    joined.participant.token = joined.token
    name, value = phone_cookie(joined.participant)
    client.cookies[name] = value
    page = client.get(f"/s/{session.pk}/").content.decode()
    assert 'role="timer"' in page and "data-timer-ends" in page and "pages/countdown.js" in page
