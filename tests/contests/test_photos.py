"""Entry photos over the API: a real JPEG with GPS EXIF goes in, a JPEG without any EXIF is stored.

Files go to a temporary MEDIA_ROOT of each test (never into the checkout). Refusals (not an
image, too large, a sixth photo, not the team's entry) answer in words and store nothing:
neither a row nor a file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from contests import operations, photos
from contests.models import EntryPhoto
from tests.contests.conftest import World


def jpeg_with_gps(width: int = 3000, height: int = 2000) -> bytes:
    """A real camera-like JPEG: make, orientation (rotate 90°) and a GPS position in its EXIF."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    for x in range(0, width, 50):  # some detail, so it is not a flat colour
        image.paste((20, 60, 200), (x, 0, x + 10, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (53.0, 30.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (49.0, 25.0, 7.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def team_client(world: World) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.outsider)  # the conftest's entries were submitted by `outsider`
    return client


def upload(client: APIClient, world: World, data: bytes, name: str = "photo.jpg", language: str = "en") -> Any:
    entry = world.entries[0]
    return client.post(
        f"/api/v1/contests/{world.contest.pk}/entries/{entry.pk}/photos/",
        {"photo": SimpleUploadedFile(name, data, content_type="image/jpeg")},
        format="multipart", HTTP_ACCEPT_LANGUAGE=language,
    )


def test_a_photo_is_stored_re_encoded_without_exif_or_gps(world: World, media: Path) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the GPS is there to begin with
    response = upload(team_client(world), world, original)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["width"], body["height"]) == (1067, 1600)  # turned upright by the EXIF orientation, bounded

    photo = EntryPhoto.objects.get(pk=body["id"])
    files = stored_files(media)
    assert len(files) == 1 and files[0].suffix == ".jpg" and "photo" not in files[0].name
    stored = files[0].read_bytes()
    assert b"Exif" not in stored and b"GPS" not in stored and b"Canon" not in stored
    reread = Image.open(io.BytesIO(stored))
    assert reread.format == "JPEG"
    assert dict(reread.getexif()) == {} and not reread.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in reread.info and "icc_profile" not in reread.info
    assert photo.size == len(stored) and photo.sha256 == photos.Reencoded(stored, 0, 0).sha256

    # served back through the API, the same bytes, to whoever may see the entry: the team now,
    # the public once the selection begins
    assert APIClient().get(body["url"]).status_code == 404
    assert team_client(world).get(body["url"]).status_code == 200
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="selection")
    served = APIClient().get(body["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == stored
    listed = APIClient().get(f"/api/v1/contests/{world.contest.pk}/entries/").json()
    assert [p["id"] for row in listed if row["id"] == world.entries[0].pk for p in row["photos"]] == [photo.pk]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_file_that_is_not_an_image_is_refused_and_nothing_stored(world: World, media: Path, language: str) -> None:
    fake = b"\xff\xd8\xff\xe0" + b"not really a jpeg, a script perhaps " * 100
    for data, name in ((fake, "photo.jpg"), (b"%PDF-1.7\n1 0 obj\n", "photo.jpg"), (jpeg_with_gps()[:2000], "cut.jpg")):
        response = upload(team_client(world), world, data, name, language)
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "not_an_image"
        assert ("не фотография" if language == "ru" else "not a photo") in response.json()["detail"]
    assert not EntryPhoto.objects.exists() and not stored_files(media)


def test_an_oversized_photo_is_refused_in_words(world: World, media: Path) -> None:
    big = jpeg_with_gps(400, 300) + b"\0" * (photos.UPLOAD_MAX_BYTES + 1)
    response = upload(team_client(world), world, big, language="ru")
    assert response.status_code == 413
    assert "8 МБ" in response.json()["detail"]
    assert not EntryPhoto.objects.exists() and not stored_files(media)


def test_at_most_five_photos_per_entry(world: World, media: Path, django_capture_on_commit_callbacks: Any) -> None:
    client = team_client(world)
    small = jpeg_with_gps(640, 480)
    for _ in range(photos.PHOTOS_MAX):
        assert upload(client, world, small).status_code == 201
    sixth = upload(client, world, small, language="ru")
    assert sixth.status_code == 409 and "не больше 5" in sixth.json()["detail"]
    assert EntryPhoto.objects.count() == photos.PHOTOS_MAX and len(stored_files(media)) == photos.PHOTOS_MAX
    # removing one frees a place (and its file)
    first = EntryPhoto.objects.order_by("position").first()
    assert first is not None
    url = f"/api/v1/contests/{world.contest.pk}/entries/{world.entries[0].pk}/photos/{first.pk}/"
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        assert client.delete(url).status_code == 204
    assert len(stored_files(media)) == photos.PHOTOS_MAX - 1
    assert upload(client, world, small).status_code == 201
    assert sorted(EntryPhoto.objects.values_list("position", flat=True)) == list(range(photos.PHOTOS_MAX))


def test_only_the_team_and_organisers_add_photos_and_only_while_submitting(world: World, media: Path) -> None:
    stranger = APIClient()
    stranger.force_authenticate(world.juror_user(0))
    assert upload(stranger, world, jpeg_with_gps(64, 64)).status_code in (403, 404)
    assert upload(APIClient(), world, jpeg_with_gps(64, 64)).status_code == 401
    organiser = APIClient()
    organiser.force_authenticate(world.organiser)
    operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage="selection")
    late = upload(team_client(world), world, jpeg_with_gps(64, 64), language="ru")
    assert late.status_code in (403, 404, 409)
    assert EntryPhoto.objects.count() == 0 and not stored_files(media)
    assert upload(organiser, world, jpeg_with_gps(64, 64)).status_code == 201
