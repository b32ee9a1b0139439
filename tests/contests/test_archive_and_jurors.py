"""verify_archive covers the contests' frozen results; a forum's invited juror is available to its contests."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from archive.services import canonical_json, sha256_text
from contests import operations, selectors
from contests.models import ContestArchive
from forums import operations as forum_operations
from tests.contests.conftest import World
from tests.contests.test_operations import score_everything, to_selection


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_archive", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def finalised(world: World) -> ContestArchive:
    to_selection(world)
    score_everything(world)
    for stage in ("defence", "results"):
        operations.contest_set_stage(contest=world.contest, actor=world.organiser, stage=stage)
    results = selectors.results_for(world.contest)
    return operations.contest_finalise(contest=world.contest, actor=world.organiser, discussed=results.disputed)


def test_a_clean_contest_archive_verifies(finalised: ContestArchive) -> None:
    output = verify()
    assert "1 contest archives checked, all hashes match" in output
    assert "1 contest archives checked" in verify("--contest", str(finalised.contest_id))


def test_a_tampered_contest_snapshot_is_reported(finalised: ContestArchive) -> None:
    document = json.loads(finalised.snapshot)
    row = document["results"]["entries"][0]
    row["combined_rank"] = row["combined_rank"] + 1  # someone moves an entry one place
    ContestArchive.objects.filter(pk=finalised.pk).update(snapshot=canonical_json(document))
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 1 contest archives"):
        call_command("verify_archive", stdout=out, stderr=out)
    assert f"contest archive {finalised.pk}" in out.getvalue() and "SHA-256" in out.getvalue()


def test_a_rehashed_but_rewritten_snapshot_is_reported(finalised: ContestArchive) -> None:
    document = json.loads(finalised.snapshot)
    document["contest"]["id"] = finalised.contest_id + 1000
    text = json.dumps(document, ensure_ascii=False, indent=1)  # not canonical either
    ContestArchive.objects.filter(pk=finalised.pk).update(snapshot=text, sha256=sha256_text(text))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_archive", stdout=out, stderr=out)
    assert "not this contest's record" in out.getvalue() and "canonical" in out.getvalue()


def test_a_forum_juror_invited_by_link_is_available_and_linked(world: World) -> None:
    invited = forum_operations.invitation_create(actor=world.organiser, role="juror", forum=world.forum)
    user = forum_operations.invitation_accept(token=invited.token, username="new-juror", password="long-enough-pass-2032")
    organiser = APIClient()
    organiser.force_authenticate(world.organiser)
    base = f"/api/v1/contests/{world.contest.pk}/jurors/"
    overview = organiser.get(base).json()
    assert [row["user"] for row in overview["available"]] == [user.pk]
    assert len(overview["jurors"]) == 4 and not any(row["from_forum"] for row in overview["jurors"])

    assert organiser.post(base, {"user": user.pk, "organisation": "Вуз"}, format="json").status_code == 201
    after = organiser.get(base).json()
    assert after["available"] == []
    added = next(row for row in after["jurors"] if row["user"] == user.pk)
    assert added["from_forum"] is True and added["pseudonym"] == "J5"

    juror = APIClient()
    juror.force_authenticate(user)
    assert juror.get(base).status_code == 403
    assert APIClient().get(base).status_code in (401, 403)
