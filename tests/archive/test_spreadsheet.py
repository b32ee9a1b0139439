"""The archive for people: a spreadsheet table that Excel and LibreOffice open as it is, times in the forum's zone."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from ideas import operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(session, make_participant, moderator):
    author = make_participant(session, sector="business")
    idea = operations.idea_post(session=session, text="=Тёплые остановки; с табло", author=author)
    for stage in ("voting", "results", "archived"):
        operations.session_set_stage(session=session, actor=moderator, stage=stage)
    session.refresh_from_db()
    return session, idea


def test_the_table_has_a_bom_semicolons_and_russian_headers(archived):
    session, idea = archived
    response = Client().get(f"/api/v1/archive/{session.archive.pk}/ideas-table.csv")
    assert response.status_code == 200
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the mark
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Место", "Номер идеи", "Заголовок", "Идея", "Сектор автора"]
    assert rows[1][1] == str(idea.pk)
    assert rows[1][3] == "'=Тёплые остановки; с табло"  # spreadsheet-safe, the ; kept inside its cell
    assert rows[1][4] == "Бизнес"  # the sector's name, not its code


def test_the_table_speaks_english_when_asked(archived):
    session, _ = archived
    text = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/api/v1/archive/{session.archive.pk}/ideas-table.csv").content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Place;Idea number;Title;Idea;Author's sector")


def test_polis_files_stay_as_they_are(archived):
    session, _ = archived
    votes = Client().get(f"/api/v1/archive/{session.archive.pk}/votes.csv").content
    assert votes.startswith(b"timestamp,datetime,comment-id,voter-id,vote\n")  # no BOM, commas, Polis headers


def test_the_timeline_is_in_the_forums_zone_and_names_it(archived, settings):
    session, _ = archived
    html = Client().get(f"/archive/{session.archive.pk}/").content.decode()
    zone = getattr(session.forum, "time_zone", "") or settings.TIME_ZONE
    assert f"часовом поясе форума: {zone}" in html
    assert " UTC</time>" not in html
