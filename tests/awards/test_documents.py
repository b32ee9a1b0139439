"""The papers: diplomas per prize and certificates per entry, read back from the PDF; the jury's
protocol; the verification page for a valid, an unknown and a tampered paper; bad input in words."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from pypdf import PdfReader

from awards import operations
from awards.models import Document, DocumentKind
from contests.models import ContestArchive
from ideas.errors import Conflict, WrongStage
from tests.awards.conftest import page_client
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
A4_LANDSCAPE = (842, 595)


def _text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _issue(world) -> list[Document]:
    return operations.documents_issue(contest=world.contest, actor=world.organiser)


def test_papers_before_finalisation_are_refused_in_words(unfinalised):
    contest, organiser = unfinalised.contest, unfinalised.organiser
    with pytest.raises(WrongStage):
        operations.documents_issue(contest=contest, actor=organiser)
    response = client_for(organiser).post(f"/api/v1/contests/{contest.pk}/documents/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 409 and "документы выдаются после" in response.json()["detail"]
    entry = unfinalised.entries[0]
    response = client_for(organiser).post(f"/api/v1/contests/{contest.pk}/entries/{entry.pk}/documents/",
                                          {"kind": "diploma"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "not final yet" in response.json()["detail"]
    for url in (f"/c/{contest.pk}/papers/", f"/c/{contest.pk}/entries/{entry.pk}/diploma.pdf",
                f"/c/{contest.pk}/papers/protocol.pdf"):
        page = page_client(organiser).get(url)
        assert page.status_code == 409, url
        assert "Итоги ещё не окончательные" in page.content.decode(), url
    assert client_for().get(f"/api/v1/contests/{contest.pk}/documents/").status_code == 409
    assert not Document.objects.exists()


def test_a_diploma_for_an_entry_without_a_prize_is_refused_in_words(finalised):
    contest, organiser = finalised.contest, finalised.organiser
    fourth = finalised.entries[3]  # fourth in its nomination; three prizes
    with pytest.raises(Conflict, match="сертификат участника"):
        operations.document_issue(contest=contest, entry=fourth, kind=DocumentKind.DIPLOMA, actor=organiser)
    response = client_for(organiser).post(f"/api/v1/contests/{contest.pk}/entries/{fourth.pk}/documents/",
                                          {"kind": "diploma"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and response.json()["code"] == "no_prize"
    assert "did not win a prize" in response.json()["detail"]
    bad = client_for(organiser).post(f"/api/v1/contests/{contest.pk}/entries/{fourth.pk}/documents/",
                                     {"kind": "medal"}, format="json")
    assert bad.status_code == 400
    certificate = client_for(organiser).post(f"/api/v1/contests/{contest.pk}/entries/{fourth.pk}/documents/",
                                             {"kind": "certificate"}, format="json")
    assert certificate.status_code == 201 and certificate.json()["place"] is None
    page = page_client().get(f"/c/{contest.pk}/entries/{fourth.pk}/diploma.pdf")
    assert page.status_code == 409 and "не заняла призового места" in page.content.decode()
    assert not Document.objects.filter(kind=DocumentKind.DIPLOMA).exists()


def test_issuing_gives_a_diploma_per_prize_and_a_certificate_per_entry_once(finalised):
    issued = _issue(finalised)
    diplomas = sorted((d.nomination, d.place) for d in issued if d.kind == DocumentKind.DIPLOMA)
    assert diplomas == [("nko", 1), ("nko", 2), ("nko", 3), ("tos", 1), ("tos", 2), ("tos", 3)]
    assert sum(d.kind == DocumentKind.CERTIFICATE for d in issued) == len(finalised.entries) == 8
    sha = finalised.contest.archive.sha256
    assert {d.archive_sha256 for d in issued} == {sha}
    again = _issue(finalised)  # idempotent: the same numbers
    assert sorted(d.number for d in again) == sorted(d.number for d in issued)
    assert Document.objects.count() == 14
    listed = client_for().get(f"/api/v1/contests/{finalised.contest.pk}/documents/")
    assert listed.status_code == 200 and len(listed.json()) == 14


def test_a_diploma_pdf_states_forum_nomination_place_team_date_number_and_hash(finalised, settings, tmp_path):
    settings.VECHE_PUBLIC_URL = "https://veche.example.ru"
    _issue(finalised)
    first = finalised.entries[0]
    diploma = Document.objects.get(entry=first, kind=DocumentKind.DIPLOMA)
    response = page_client().get(f"/c/{finalised.contest.pk}/entries/{first.pk}/diploma.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader, text = _text(response.content)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_LANDSCAPE
    for expected in ("ФОРУМ СОНКО И ТОС ТОЛЬЯТТИ", "ДИПЛОМ", "I МЕСТО", "награждается", first.organisation,
                     f"за практику «{first.title}»", "в номинации «Лучшая практика ТОС»",
                     "конкурса «Конкурс лучших практик»", "Председатель жюри", "подпись", f"№ {diploma.number}",
                     f"veche.example.ru/d/{diploma.number}/", diploma.archive_sha256[:16], "Тольятти, "):
        assert expected in text, (expected, text)
    # The same paper by its number, and the second place says so.
    second = Document.objects.get(entry=finalised.entries[1], kind=DocumentKind.DIPLOMA)
    assert "II МЕСТО" in _text(page_client().get(f"/d/{second.number}/paper.pdf").content)[1]
    # Rendered: the QR code's corner is ink, the title's glyphs are ink, the paper is cream.
    image = pypdfium2.PdfDocument(response.content)[0].render(scale=2).to_pil().convert("L")
    width, height = image.size
    qr = image.crop((int(width * 0.80), int(height * 0.70), int(width * 0.92), int(height * 0.88))).histogram()
    dark = sum(qr[:64]) / sum(qr)
    assert 0.25 < dark < 0.75, dark
    title = image.crop((int(width * 0.3), int(height * 0.15), int(width * 0.7), int(height * 0.3))).histogram()
    assert sum(title[:128]) > 2000
    image.save(tmp_path / "diploma.png")


def test_a_certificate_pdf_says_participant_without_a_place(finalised):
    _issue(finalised)
    fourth = finalised.entries[3]
    certificate = Document.objects.get(entry=fourth, kind=DocumentKind.CERTIFICATE)
    response = page_client().get(f"/c/{finalised.contest.pk}/entries/{fourth.pk}/certificate.pdf")
    _reader, text = _text(response.content)
    assert "СЕРТИФИКАТ" in text and "УЧАСТНИКА КОНКУРСА" in text and "МЕСТО" not in text
    assert fourth.organisation in text and f"№ {certificate.number}" in text
    english = _text(page_client(language="en").get(f"/d/{certificate.number}/paper.pdf").content)[1]
    assert "CERTIFICATE" in english and "OF A CONTEST PARTICIPANT" in english


def test_the_protocol_has_version_scores_conflicts_rule_ranking_and_signatures(finalised, tmp_path):
    contest = finalised.contest
    response = page_client(finalised.organiser).get(f"/c/{contest.pk}/papers/protocol.pdf")
    assert response.status_code == 200
    reader, text = _text(response.content)
    for expected in ("ПРОТОКОЛ", "заседания жюри конкурса «Конкурс лучших практик»", "Положение, версия 1",
                     "1. Применённое правило", "медиана", "приз зрительских симпатий", "критерий «impact»",
                     "Эксперт0 Жюри", "Фонд 1", "3. Конфликты интересов и самоотводы", "Бывший член ТОС",
                     "Заявлен", "4. Оценки каждого члена жюри по критериям", "Актуальность", "Результаты",
                     "Тиражируемость", "5. Рейтинг", "Балл жюри", "6. Подписи", "подпись", "расшифровка подписи",
                     contest.archive.sha256[:32]):
        assert expected in text, expected
    # Each juror's own scores per criterion and entry: the first entry's row for J2 holds 10s.
    assert "Двор без границ J2 10 10 10" in text
    # The ranking row: rank, entry, jury score (the median of 10s), jurors counted, public votes, prize.
    assert "1 Двор без границ 10.00 2 0 I место" in text
    assert "Места жюри и зрительского голосования" not in text  # this contest gives a separate award
    # J1 declared a conflict with the first entry: no J1 row for it.
    assert "Двор без границ J1" not in text
    image = pypdfium2.PdfDocument(response.content)[0].render(scale=1).to_pil()
    image.save(tmp_path / "protocol.png")
    assert len(reader.pages) >= 2


def test_the_verification_page_confirms_a_valid_paper(finalised):
    _issue(finalised)
    diploma = Document.objects.get(entry=finalised.entries[0], kind=DocumentKind.DIPLOMA)
    response = page_client().get(f"/d/{diploma.number}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Подлинность подтверждена" in text and diploma.archive_sha256 in text
    assert finalised.entries[0].title in text and finalised.entries[0].organisation in text
    assert page_client().get(f"/d/{diploma.number.lower()}/").status_code == 200  # typed from paper
    api = client_for().get(f"/api/v1/documents/{diploma.number}/")
    assert api.status_code == 200 and api.json()["verified"] is True
    assert api.json()["archive_sha256_now"] == diploma.archive_sha256
    assert api.json()["record"]["combined_rank"] == 1


def test_an_unknown_number_is_said_to_be_unknown(finalised):
    response = page_client().get("/d/1-ZZZZZZZZ/")
    assert response.status_code == 404
    assert "Документ с номером 1-ZZZZZZZZ не выдавался" in response.content.decode()
    assert "Подлинность подтверждена" not in response.content.decode()
    api = client_for().get("/api/v1/documents/1-ZZZZZZZZ/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 404 and api.json()["code"] == "unknown_document"
    assert page_client().get("/d/1-ZZZZZZZZ/paper.pdf").status_code == 404


def test_a_tampered_record_is_said_to_be_changed(finalised):
    _issue(finalised)
    diploma = Document.objects.get(entry=finalised.entries[1], kind=DocumentKind.DIPLOMA)
    archive = finalised.contest.archive
    # Someone with database access moves the second place up; the stored hash stays as it was.
    forged = archive.snapshot.replace('"combined_rank":2', '"combined_rank":1', 1)
    assert forged != archive.snapshot
    ContestArchive.objects.filter(pk=archive.pk).update(snapshot=forged)
    response = page_client().get(f"/d/{diploma.number}/")
    text = response.content.decode()
    assert response.status_code == 409
    assert "Запись изменена" in text and "Подлинность подтверждена" not in text
    assert "изменили после утверждения" in text
    api = client_for().get(f"/api/v1/documents/{diploma.number}/")
    assert api.status_code == 409 and api.json()["verified"] is False and api.json()["code"] == "document_changed"
    assert api.json()["archive_sha256_now"] != diploma.archive_sha256
    # And no new paper is issued against a changed record.
    with pytest.raises(Conflict):
        operations.documents_issue(contest=finalised.contest, actor=finalised.organiser)


def test_a_record_rewritten_with_a_fresh_hash_still_differs_from_the_paper(finalised):
    """Even if the forger also rewrites the stored hash, the paper keeps the hash it was issued against."""
    from archive.services import sha256_text

    _issue(finalised)
    diploma = Document.objects.get(entry=finalised.entries[1], kind=DocumentKind.DIPLOMA)
    archive = finalised.contest.archive
    forged = archive.snapshot.replace('"combined_rank":2', '"combined_rank":1', 1)
    ContestArchive.objects.filter(pk=archive.pk).update(snapshot=forged, sha256=sha256_text(forged))
    api = client_for().get(f"/api/v1/documents/{diploma.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 409
    assert any("not the one this paper was issued against" in problem for problem in api.json()["problems"])


def test_the_papers_page_lists_them_with_plurals(finalised):
    contest = finalised.contest
    organiser = page_client(finalised.organiser)
    response = organiser.post(f"/c/{contest.pk}/papers/", follow=True)
    text = response.content.decode()
    assert "Выдано 14 документов." in text
    assert "6 дипломов" in text and "8 сертификатов участника" in text
    public = page_client().get(f"/c/{contest.pk}/papers/").content.decode()
    assert "6 дипломов" in public and "Протокол жюри" not in public
    english = page_client(language="en").get(f"/c/{contest.pk}/papers/").content.decode()
    assert "6 diplomas" in english and "8 participant certificates" in english


def test_the_printers_stack_has_every_paper_once_for_organisers_only(finalised):
    contest = finalised.contest
    url = f"/c/{contest.pk}/papers/all.pdf"
    assert page_client(finalised.organiser).get(url).status_code == 409  # nothing issued yet
    issued = _issue(finalised)
    response = page_client(finalised.organiser).get(url)
    reader, text = _text(response.content)
    assert len(reader.pages) == len(issued) == 14
    assert all(f"№ {paper.number}" in text for paper in issued)
    assert text.count("ДИПЛОМ") == 6 and text.count("СЕРТИФИКАТ") == 8
    assert page_client().get(url).status_code == 302
    assert page_client(finalised.jurors[0]).get(url).status_code == 403
