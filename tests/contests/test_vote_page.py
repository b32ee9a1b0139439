"""The public vote's phone page /c/<id>/vote/ through Django's test client: joined by the pages'
cookie, each participant's own order, one vote per nomination, refusals in words (ru first, en),
nothing written; how to join for the others; the link from the session's phone page; the
organiser's forum page links the contests; finalising names disputed entries by title; the admin
is read-only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.signing import get_cookie_signer
from django.test import Client

from contests import operations, selectors, voters
from contests.models import Contest, PublicVote
from contests.ordering import ballot_order
from ideas.errors import Conflict
from pages import access
from tests.contests.conftest import World, join
from tests.contests.test_operations import score_everything, to_selection

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return str(response.content.decode())


def phone(world: World, name: str = "Зритель", language: str = "ru") -> tuple[Client, Any]:
    """A browser joined to the audience session as the pages' join does it (the signed cookie)."""
    joined = join(world.session, name)
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    cookie = access.cookie_name(world.session.pk)
    browser.cookies[cookie] = get_cookie_signer(salt=cookie + access.COOKIE_SALT).sign(joined.token)
    return browser, joined.participant


@pytest.fixture
def voting(world: World) -> World:
    """At the defence, the public vote open in «ТОС» (4 entries), closed in «НКО» (2 entries)."""
    to_selection(world)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="defence")
    operations.public_vote_set_open(
        contest=world.contest, actor=world.organiser, nomination="tos", is_open=True
    )
    world.contest.refresh_from_db()
    return world


def url(world: World) -> str:
    return f"/c/{world.contest.pk}/vote/"


def tos_ids(world: World) -> list[int]:
    return [entry.pk for entry in world.entries if entry.nomination == "tos"]


def test_the_cookie_is_the_pages_cookie() -> None:
    # contests may not import pages (import contract): the repeated name and salt must stay equal.
    assert voters.PARTICIPANT_COOKIE_SALT == access.COOKIE_SALT
    assert voters.participant_cookie_name(42) == access.cookie_name(42)


def test_a_joined_phone_sees_its_own_order_and_the_closed_nomination(voting: World) -> None:
    orders = []
    for name in ("Аня", "Борис", "Вера"):
        browser, participant = phone(voting, name)
        page = text(browser.get(url(voting)))
        expected = ballot_order(
            tos_ids(voting), contest_id=voting.contest.pk, participant_id=participant.pk
        )
        shown = [int(pk) for pk in re.findall(r'name="entry" value="(\d+)"', page)]
        assert shown == expected  # only the open nomination has buttons, in this phone's order
        assert text(browser.get(url(voting))).count('name="entry"') == 4  # the same on reload
        orders.append(tuple(shown))
        assert "Голосование открыто: выберите одну из 4 работ." in page
        assert "Вы проголосовали в 0 из 2 номинаций." in page
        assert "Голосование открыто в 1 номинации." in page
        assert "Голосование в этой номинации закрыто." in page  # «НКО»
        assert "2 работы" in page  # the closed nomination's entries, folded
        assert "председатель ТОС" not in page  # never the contacts
    assert len(set(orders)) > 1


def test_one_vote_the_choice_is_shown_and_a_second_is_refused_in_words(voting: World) -> None:
    browser, participant = phone(voting)
    first, second = tos_ids(voting)[:2]
    done = browser.post(url(voting), {"entry": first})
    assert done.status_code == 302 and done["Location"].endswith("?voted=tos#nomination-tos")
    page = text(browser.get(done["Location"]))
    title = next(entry.title for entry in voting.entries if entry.pk == first)
    assert f"Ваш голос учтён: «{title}». Спасибо!" in page
    assert re.search(r"Ваш голос:</strong>\s*" + re.escape(title), page)
    assert "Вы проголосовали в 1 из 2 номинаций." in page
    assert 'name="entry"' not in page  # no more buttons in the nomination voted in
    again = browser.post(url(voting), {"entry": second})  # a stale second tab, a double tap
    assert again.status_code == 409
    assert "Вы уже проголосовали в этой номинации. Ничего не изменено." in text(again)
    assert list(PublicVote.objects.values_list("participant_id", "entry_id")) == [
        (participant.pk, first)
    ]
    english, _ = phone(voting, "Dan", language="en")
    assert english.post(url(voting), {"entry": first}).status_code == 302
    refused = english.post(url(voting), {"entry": second})
    assert refused.status_code == 409 and "You have already voted in this nomination." in text(
        refused
    )
    assert "You voted in 1 of 2 nominations." in text(refused)


def test_refusals_write_nothing(voting: World) -> None:
    browser, _ = phone(voting)
    nko = next(entry for entry in voting.entries if entry.nomination == "nko")
    closed = browser.post(url(voting), {"entry": nko.pk})
    assert closed.status_code == 409
    assert "Зрительское голосование в этой номинации закрыто." in text(closed)
    assert browser.post(url(voting), {}).status_code == 400
    assert browser.post(url(voting), {"entry": "abc"}).status_code == 400
    assert browser.post(url(voting), {"entry": "9" * 30}).status_code == 400
    assert browser.post(url(voting), {"entry": 2**31 - 1}).status_code == 404
    stranger = Client()
    refused = stranger.post(url(voting), {"entry": tos_ids(voting)[0]})
    assert refused.status_code == 403 and "Зрительское голосование" in text(refused)
    forged = Client()
    forged.cookies[access.cookie_name(voting.session.pk)] = "vp_forged"
    assert forged.post(url(voting), {"entry": tos_ids(voting)[0]}).status_code == 403
    assert not PublicVote.objects.exists()


def test_not_joined_explains_how_to_join_and_never_gives_the_code_away(voting: World) -> None:
    session = voting.session
    page = text(Client().get(url(voting)))
    assert "присоединитесь к сессии зала по коду с большого экрана" in page
    assert 'action="/join/"' in page and 'name="code"' in page
    assert session.join_code not in page and f"Сессия зала: {session.title}" in page
    organiser = Client()
    organiser.force_login(voting.organiser)  # may read the code (the QR poster): a direct link
    assert f'href="/join/{session.join_code}"' in text(organiser.get(url(voting)))
    session.is_public = False
    session.save(update_fields=["is_public"])
    hidden = text(Client().get(url(voting)))
    assert "Сессия зала:" not in hidden and session.join_code not in hidden
    assert 'action="/join/"' in hidden
    english = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(url(voting)))
    assert "join the audience session with the code shown on the big screen" in english


def test_a_participant_of_another_session_is_not_a_voter(voting: World) -> None:
    from ideas.models import CaseSession, Stage

    other = CaseSession.objects.create(
        forum=voting.forum, title="Другой зал", question="?", stage=Stage.VOTING
    )
    joined = join(other)
    browser = Client()
    cookie = access.cookie_name(voting.session.pk)  # a token of another session under this cookie
    browser.cookies[cookie] = get_cookie_signer(salt=cookie + access.COOKIE_SALT).sign(joined.token)
    assert browser.post(url(voting), {"entry": tos_ids(voting)[0]}).status_code == 403
    assert not PublicVote.objects.exists()


def test_draft_contests_and_contests_without_an_audience(world: World) -> None:
    world.contest.audience_session = None
    world.contest.save(update_fields=["audience_session"])
    page = Client().get(url(world))
    assert page.status_code == 200 and "В этом конкурсе нет зрительского голосования." in text(page)
    draft = Contest.objects.filter(pk=world.contest.pk)
    draft.update(stage="draft", regulations_version=0)
    assert Client().get(url(world)).status_code == 404
    assert Client().get(f"/c/{'9' * 30}/vote/").status_code == 404


def test_the_sessions_phone_links_the_vote_while_it_is_open(voting: World) -> None:
    browser, _ = phone(voting)
    link = f'href="/c/{voting.contest.pk}/vote/"'
    page = text(browser.get(f"/s/{voting.session.pk}/"))
    assert link in page and "Идёт зрительское голосование: Лучшие практики" in page
    operations.public_vote_set_open(
        contest=voting.contest, actor=voting.organiser, nomination="tos", is_open=False
    )
    assert link not in text(browser.get(f"/s/{voting.session.pk}/"))


def test_the_organisers_forum_page_links_each_contests_organiser_page(world: World) -> None:
    browser = Client()
    browser.force_login(world.organiser)
    page = text(browser.get(f"/organise/forums/{world.forum.pk}/"))
    assert f'href="/c/{world.contest.pk}/organise/"' in page and world.contest.title in page


def test_finalising_names_the_disputed_entries_by_title(world: World) -> None:
    to_selection(world)
    score_everything(world, {0: 1, 1: 9, 2: 5, 3: 5})
    for stage in ("defence", "results"):
        operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage=stage)
    disputed = selectors.results_for(world.contest).disputed
    assert disputed
    with pytest.raises(Conflict) as refused:
        operations.contest_finalise(contest=world.contest, actor=world.organiser)
    message = str(refused.value.message)
    titles = {entry.pk: entry.title for entry in world.entries}
    for pk in disputed:
        assert f"«{titles[pk]}»" in message
    assert not re.search(r"заявкам [\d, ]+:", message)  # no bare ids


def test_the_admin_is_read_only_and_never_shows_scores(voting: World) -> None:
    staff = get_user_model().objects.create_superuser("root", password="x")  # noqa: S106
    browser = Client()
    browser.force_login(staff)
    listing = browser.get("/admin/contests/contest/")
    assert listing.status_code == 200 and voting.contest.title in text(listing)
    entries = browser.get("/admin/contests/entry/?q=" + voting.entries[0].title)
    assert entries.status_code == 200 and voting.entries[0].title in text(entries)
    assert browser.get("/admin/contests/contest/add/").status_code == 403
    change = browser.get(f"/admin/contests/contest/{voting.contest.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in text(change)
    entry_page = text(browser.get(f"/admin/contests/entry/{voting.entries[0].pk}/change/"))
    assert "председатель ТОС" not in entry_page  # contacts are for the organiser's pages
    assert (
        browser.post(
            f"/admin/contests/contest/{voting.contest.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Contest.objects.filter(pk=voting.contest.pk).exists()
    assert browser.get("/admin/contests/score/").status_code == 404
