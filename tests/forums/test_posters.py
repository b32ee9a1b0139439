"""The QR poster and table cards: A4 PDFs whose Cyrillic is real text and whose QR a phone can read."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from pypdf import PdfReader

from ideas import operations as session_operations
from tests.forums.conftest import client_for

pytestmark = pytest.mark.django_db
A4_POINTS = (595.28, 841.89)


@pytest.fixture
def session(forum, organiser):
    return session_operations.session_create(
        actor=organiser, forum=forum, title="Кейс-сессия", question="Каким вы видите Тольятти в 2030 году?", join_code="TLTZ26"
    )


def _text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("kind", ["poster", "cards"])
def test_the_pdf_is_a4_with_the_question_the_code_and_the_short_address(session, organiser, settings, kind):
    settings.VECHE_PUBLIC_URL = "https://veche.example.ru"
    response = client_for(organiser).get(f"/organise/sessions/{session.pk}/{kind}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader, text = _text(response.content)
    width, height = (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height))
    assert (round(width), round(height)) == (round(A4_POINTS[0]), round(A4_POINTS[1]))
    flat = " ".join(text.split())
    assert "Каким вы видите Тольятти в 2030 году?" in flat
    assert "Код: TLTZ26" in flat
    assert "veche.example.ru/join/TLTZ26" in flat
    if kind == "cards":
        assert flat.count("Код: TLTZ26") == 4


def test_a_rendered_poster_has_ink_where_the_qr_is(session, organiser, tmp_path):
    data = client_for(organiser).get(f"/organise/sessions/{session.pk}/poster.pdf").content
    document = pypdfium2.PdfDocument(data)
    image = document[0].render(scale=1).to_pil().convert("L")
    width, height = image.size
    # The QR sits in the middle of the page: a square of black and white modules.
    middle = image.crop((width // 4, height // 3, 3 * width // 4, 2 * height // 3))
    histogram = middle.histogram()
    dark = sum(histogram[:64]) / sum(histogram)
    assert 0.25 < dark < 0.75, dark
    # And the top of the page carries the question's glyphs (rendered from the embedded Cyrillic font).
    top = image.crop((0, 0, width, height // 6)).histogram()
    assert sum(top[:128]) > 200
    image.save(tmp_path / "poster.png")


def test_the_english_poster_speaks_english(session, organiser):
    response = client_for(organiser, "en").get(f"/organise/sessions/{session.pk}/poster.pdf")
    assert "Code: TLTZ26" in " ".join(_text(response.content)[1].split())


def test_only_moderators_and_organisers_get_the_poster(session, outsider, other_organiser):
    assert client_for().get(f"/organise/sessions/{session.pk}/poster.pdf").status_code == 302
    assert client_for(outsider).get(f"/organise/sessions/{session.pk}/poster.pdf").status_code == 403
    assert client_for(other_organiser).get(f"/organise/sessions/{session.pk}/cards.pdf").status_code == 403
