"""The read rules of contests, awards and the library, walked: every read, eight actors, five contests.

`TABLE` is the second permission table of docs/read-rules.md (the test fails when they differ).
Each row is one read; each column a contest; each cell the outcome for the actors of `ACTORS`:
- anonymous: nobody signed in, no token;
- member: a participant of the contest's audience session (a token over REST, the cookie on pages);
- stranger: a participant of another session;
- outsider: a signed-in user with no part in the contest;
- juror: a juror of the contest assigned to the entry read (it submitted its sheet);
- foreign: a juror of another contest only;
- recused: a juror of the contest who declared a conflict with the entry read;
- organiser: an organiser of the contest's forum.
A cell is a status code, or "+" / "-": 200 and the contest (the practice) is / is not listed;
"·": the read does not apply (a draft has no entries; papers exist once finalised).

Contests: `draft`; `selection` (one juror submitted its sheet, another only saved one); `results`
(every sheet submitted, the public voted); `finalised` (archived, papers issued); `private` (as
finalised, in a private forum). Each has an admitted entry (contacts, a photo), a rejected one
(with a photo). The library holds the finalised contest's admitted entry (consent recorded), a
withdrawn practice, and an admitted entry nobody consented to publish.

Besides the table, every 200 an actor gets is checked (`leaks`): contacts only for organisers; the
rejected entry only for organisers; no score, per-juror row or sheet before the results stage
except a juror's own sheet (and, once submitted, the pseudonymised others on that entry); the
protocol (jurors' names) only for organisers; no withdrawn or unconsented card anywhere.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from awards import operations as award_operations
from awards.models import Document
from contests import operations, regulations
from contests.models import Contest, Entry, EntryPhoto
from ideas.models import CaseSession, Forum, Participant, Stage
from ideas.operations import participant_join
from library import operations as library_operations
from library.models import Practice
from tests.conftest import client_for
from tests.pages.conftest import phone_cookie
from tests.realtime.conftest import connect, live_settings, run_sync, staff_token  # noqa: F401 - fixtures

ACTORS = ("anonymous", "member", "stranger", "outsider", "juror", "foreign", "recused", "organiser")
KINDS = ("draft", "selection", "results", "finalised", "private")

# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str]] = {
    # read                                           draft / selection / results / finalised / private
    'GET /api/v1/contests/': ('- - - - + - + +', '+ + + + + + + +', '+ + + + + + + +', '+ + + + + + + +', '- - - - + - + +'),
    'GET /api/v1/contests/{c}/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /api/v1/contests/{c}/entries/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    # entry photos: as the entry (a rejected one only for organisers; a recused juror still sees its entry, marked)
    'GET /api/v1/contests/{c}/entries/{e}/photos/{p}/': ('·', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /api/v1/contests/{c}/entries/{r}/photos/{q}/': ('·', '404 404 404 404 404 404 404 200', '404 404 404 404 404 404 404 200', '404 404 404 404 404 404 404 200', '404 404 404 404 404 404 404 200'),
    # the sheet: the juror's own (others' scores, pseudonymised, only after submitting); organisers do not score
    'GET /api/v1/contests/{c}/entries/{e}/sheet/': ('·', '401 403 403 403 200 403 200 403', '401 403 403 403 200 403 200 403', '401 403 403 403 200 403 200 403', '401 403 403 404 200 404 200 403'),
    # a sheet nobody has (the rejected entry): a participant's token is refused before any look-up
    'GET /api/v1/contests/{c}/entries/{r}/sheet/': ('·', '401 403 403 404 404 404 404 403', '401 403 403 404 404 404 404 403', '401 403 403 404 404 404 404 403', '401 403 403 404 404 404 404 403'),
    # counts only («оценили 1 из 2»), never a score: public with the contest
    'GET /api/v1/contests/{c}/progress/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /api/v1/contests/{c}/ballot/': ('404 404 404 404 403 404 403 403', '403 200 403 403 403 403 403 403', '403 200 403 403 403 403 403 403', '403 200 403 403 403 403 403 403', '404 404 404 404 403 404 403 403'),
    # organisers only: the burst-flagged votes and the per-entry counts
    'GET /api/v1/contests/{c}/public-vote/': ('401 403 403 404 403 404 403 200', '401 403 403 403 403 403 403 200', '401 403 403 403 403 403 403 200', '401 403 403 403 403 403 403 200', '401 403 403 404 403 404 403 200'),
    'GET /api/v1/contests/{c}/duplicates/': ('401 403 403 404 403 404 403 200', '401 403 403 403 403 403 403 200', '401 403 403 403 403 403 403 200', '401 403 403 403 403 403 403 200', '401 403 403 404 403 404 403 200'),
    'GET /api/v1/contests/{c}/jurors/': ('401 403 403 404 403 404 403 200', '401 403 403 403 403 403 403 200', '401 403 403 403 403 403 403 200', '401 403 403 403 403 403 403 200', '401 403 403 404 403 404 403 200'),
    # no score before the results stage, for anyone; from it the jury and organisers; finalised: everyone who sees the contest
    'GET /api/v1/contests/{c}/results/': ('404 404 404 404 403 404 403 403', '403 403 403 403 403 403 403 403', '403 403 403 403 200 403 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    # the ceremony shows what was revealed so far (nothing before it starts)
    'GET /api/v1/contests/{c}/ceremony/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    # papers exist once finalised (409 before): public with the finalised contest
    'GET /api/v1/contests/{c}/documents/': ('404 404 404 404 409 404 409 409', '409 409 409 409 409 409 409 409', '409 409 409 409 409 409 409 409', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /api/v1/contests/{c}/entries/{e}/documents/': ('·', '405 405 405 405 405 405 405 405', '405 405 405 405 405 405 405 405', '405 405 405 405 405 405 405 405', '405 405 405 405 405 405 405 405'),
    # verification: the random number printed on the paper is the key, whatever the forum (by design)
    'GET /api/v1/documents/{n}/': ('·', '·', '·', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200'),
    # pages: who is not signed in is sent to sign in where only a role could open the page
    'GET /c/{c}/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/jury/': ('302 302 302 404 200 404 200 403', '302 302 302 403 200 403 200 403', '302 302 302 403 200 403 200 403', '302 302 302 403 200 403 200 403', '302 302 302 404 200 404 200 403'),
    'GET /c/{c}/jury/{e}/': ('·', '302 302 302 403 200 403 200 403', '302 302 302 403 200 403 200 403', '302 302 302 403 200 403 200 403', '302 302 302 404 200 404 200 403'),
    'GET /c/{c}/organise/': ('302 302 302 404 403 404 403 200', '302 302 302 403 403 403 403 200', '302 302 302 403 403 403 403 200', '302 302 302 403 403 403 403 200', '302 302 302 404 403 404 403 200'),
    'GET /c/{c}/vote/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/results/': ('404 404 404 404 403 404 403 403', '403 403 403 403 403 403 403 403', '403 403 403 403 200 403 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/screen/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/screen/live': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/ceremony/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/ceremony/screen/': ('404 404 404 404 200 404 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/ceremony/control/': ('302 302 302 404 403 404 403 200', '302 302 302 403 403 403 403 200', '302 302 302 403 403 403 403 200', '302 302 302 403 403 403 403 200', '302 302 302 404 403 404 403 200'),
    'GET /c/{c}/papers/': ('404 404 404 404 409 404 409 409', '409 409 409 409 409 409 409 409', '409 409 409 409 409 409 409 409', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    # the protocol (jurors' names, scores, recusals) and the print-all stack: organisers only
    'GET /c/{c}/papers/protocol.pdf': ('302 302 302 404 403 404 403 409', '302 302 302 403 403 403 403 409', '302 302 302 403 403 403 403 409', '302 302 302 403 403 403 403 200', '302 302 302 404 403 404 403 200'),
    'GET /c/{c}/papers/all.pdf': ('302 302 302 404 403 404 403 409', '302 302 302 403 403 403 403 409', '302 302 302 403 403 403 403 409', '302 302 302 403 403 403 403 200', '302 302 302 404 403 404 403 200'),
    'GET /c/{c}/entries/{e}/diploma.pdf': ('·', '409 409 409 409 409 409 409 409', '409 409 409 409 409 409 409 409', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /c/{c}/entries/{e}/certificate.pdf': ('·', '409 409 409 409 409 409 409 409', '409 409 409 409 409 409 409 409', '200 200 200 200 200 200 200 200', '404 404 404 404 200 404 200 200'),
    'GET /d/{n}/': ('·', '·', '·', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200'),
    'GET /d/{n}/paper.pdf': ('·', '·', '·', '200 200 200 200 200 200 200 200', '200 200 200 200 200 200 200 200'),
    # the live stream of the audience session (/ws/sessions/{audience}/), the private contest in selection: a contest
    # out of draft in a public forum tells everyone on the socket; otherwise only the session's moderators
    'WS contest.updated: the regulations change': ('- - - - - - - +', '+ + + + + + + +', '·', '·', 'x - x x x x x +'),
    'WS contest.progress: a juror submits a sheet': ('·', '+ + + + + + + +', '·', '·', 'x - x x x x x +'),
}
LIBRARY_TABLE: dict[str, tuple[str, str, str]] = {
    # read                                           consented / withdrawn / unconsented
    'GET /library/': ('+ + +', '- - -', '- - -'),
    'GET /library/?q=площадку': ('+ + +', '- - -', '- - -'),
    'GET /library/{l}/': ('200 200 200', '404 404 404', '·'),
    'GET /library/{l}/photos/{lp}.jpg': ('200 200 200', '404 404 404', '·'),
    'GET /library/practices.csv': ('+ + +', '- - -', '- - -'),
    'GET /library/practices.json': ('+ + +', '- - -', '- - -'),
    'GET /api/v1/library/': ('+ + +', '- - -', '- - -'),
    'GET /api/v1/library/?q=площадку': ('+ + +', '- - -', '- - -'),
    'GET /api/v1/library/{l}/': ('200 200 200', '404 404 404', '·'),
}
# fmt: on

PASSWORD = "read-rules-pw-2032"
SCORES = {"relevance": 7, "impact": 8, "replicability": 6}
SCORE_KEYS = {"scores", "by_juror", "others", "weighted", "total", "mean", "z", "what_if"}


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class Built:
    contest: Contest
    session: CaseSession
    member: Participant
    jurors: list[Any]  # users: assigned (submitted), recused, third
    entry: Entry | None = None  # admitted, the recused juror's conflict
    rejected: Entry | None = None
    photo: EntryPhoto | None = None
    rejected_photo: EntryPhoto | None = None
    number: str = ""


@dataclass
class World:
    organiser: Any
    outsider: Any
    foreign: Any
    stranger: Participant
    contests: dict[str, Built] = field(default_factory=dict)
    practices: dict[str, Practice] = field(default_factory=dict)
    unconsented: Entry | None = None


def joined(session: CaseSession, name: str) -> Participant:
    result = participant_join(
        code=session.join_code, display_name=name, sector=session.sector_codes[0]
    )
    result.participant.token = result.token  # type: ignore[attr-defined]  # what client_for sends
    return result.participant


def marker(kind: str, what: str) -> str:
    return f"{what}-{kind}-qz"


def build_contest(world: World, kind: str, forum: Forum, stage: str) -> Built:
    users = get_user_model().objects
    organiser = world.organiser
    session = CaseSession.objects.create(
        forum=forum, title=f"Зал {kind}", question="Голосуем", stage=Stage.VOTING
    )
    member = joined(session, f"Зритель {kind}")
    document = regulations.example([("tos", "ТОС", "TOS")])
    document["min_jurors"] = 2
    contest = operations.contest_create(
        forum=forum,
        actor=organiser,
        title=f"Конкурс {kind}",
        regulations_document=document,
        audience_session=session,
    )
    jurors = [users.create_user(f"rr-{kind}-juror{i}", password=PASSWORD) for i in range(3)]
    for user in jurors:
        operations.juror_add(contest=contest, actor=organiser, user=user)
    built = Built(contest, session, member, jurors)
    if stage == "draft":
        return built
    operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
    team = users.create_user(f"rr-{kind}-team", password=PASSWORD)

    def submit(what: str, n: int) -> Entry:
        data = {
            "nomination": "tos",
            "title": marker(kind, what),
            "team_kind": "tos",
            "settlement": "urban",
            "organisation": f"ТОС {what} {kind}",
            "territory": f"Район {n}",
            "problem": "Нет двора",
            "actions": "Построили площадку",
            "resources": "Субботники",
            "results": "Двор для детей",
            "contacts": marker(kind, "CONTACT" + what),
        }
        return operations.entry_submit(contest=contest, actor=team, data=data)

    built.entry, second, built.rejected = (
        submit("ADMITTED", 1),
        submit("SECOND", 2),
        submit("REJECTED", 3),
    )
    built.photo = operations.entry_photo_add(entry=built.entry, actor=team, data=jpeg())
    operations.entry_photo_add(entry=second, actor=team, data=jpeg())
    built.rejected_photo = operations.entry_photo_add(entry=built.rejected, actor=team, data=jpeg())
    operations.entry_screen(
        entry=built.rejected, actor=organiser, status="rejected", note="не по теме"
    )
    operations.contest_set_stage(contest=contest, actor=organiser, stage="selection")
    operations.jury_assign(contest=contest, actor=organiser)
    assigned, recused, third = jurors
    operations.conflict_declare(
        contest=contest, entry=built.entry, actor=recused, reason="бывший член ТОС"
    )
    operations.jury_assign(contest=contest, actor=organiser)
    operations.score_save(
        contest=contest, entry=built.entry, actor=assigned, scores=SCORES, submit=True
    )
    operations.score_save(
        contest=contest, entry=built.entry, actor=third, scores=SCORES, submit=False
    )
    if stage == "selection":
        return built
    for entry in (built.entry, second):
        for assignment in entry.assignments.filter(
            recused=False, submitted_at__isnull=True
        ).select_related("juror__user"):
            operations.score_save(
                contest=contest,
                entry=entry,
                actor=assignment.juror.user,
                scores=SCORES,
                submit=True,
            )
    operations.contest_set_stage(contest=contest, actor=organiser, stage="defence")
    operations.public_vote_set_open(
        contest=contest, actor=organiser, nomination="tos", is_open=True
    )
    operations.public_vote_cast(contest=contest, participant=member, entry=second)
    operations.contest_set_stage(contest=contest, actor=organiser, stage="results")
    if stage == "results":
        return built
    contest.refresh_from_db()
    operations.contest_finalise(contest=contest, actor=organiser, discussed=[])
    contest.refresh_from_db()
    award_operations.documents_issue(contest=contest, actor=organiser)
    built.number = (
        Document.objects.filter(contest=contest, entry=built.entry)
        .values_list("number", flat=True)
        .first()
        or ""
    )
    return built


def build_world() -> World:
    users = get_user_model().objects
    organiser = users.create_user(
        "rr-org", password=PASSWORD, first_name="Ольга", last_name="Устроительница"
    )
    world_forum = Forum.objects.create(title="Форум открытый", city="Тольятти")
    private_forum = Forum.objects.create(title="Форум закрытый", city="Тольятти", is_public=False)
    for forum in (world_forum, private_forum):
        forum.organisers.add(organiser)
    other = CaseSession.objects.create(
        forum=world_forum, title="Другой зал", question="?", stage=Stage.VOTING
    )
    stranger = joined(other, "Чужой")
    world = World(
        organiser=organiser,
        outsider=users.create_user("rr-outsider", password=PASSWORD),
        foreign=users.create_user("rr-foreign", password=PASSWORD),
        stranger=stranger,
    )
    elsewhere = operations.contest_create(
        forum=world_forum,
        actor=organiser,
        title="Другой конкурс",
        regulations_document=regulations.example([("tos", "ТОС", "TOS")]),
    )
    operations.juror_add(contest=elsewhere, actor=organiser, user=world.foreign)
    for kind in KINDS:
        forum = private_forum if kind == "private" else world_forum
        world.contests[kind] = build_contest(
            world, kind, forum, "finalised" if kind == "private" else kind
        )
    final = world.contests["finalised"]
    assert final.entry is not None
    world.practices["consented"] = library_operations.practice_publish(
        entry=final.entry,
        actor=organiser,
        public_contacts=marker("lib", "PUBLICCONTACT"),
        note="письмо от 12 мая",
    )
    withdrawn_entry = Entry.objects.get(contest=final.contest, title=marker("finalised", "SECOND"))
    world.practices["withdrawn"] = library_operations.practice_publish(
        entry=withdrawn_entry, actor=organiser, note="письмо"
    )
    library_operations.practice_withdraw(
        practice=world.practices["withdrawn"], actor=organiser, reason="команда просит"
    )
    world.unconsented = world.contests["private"].entry
    return world


# --- actors ---------------------------------------------------------------------------------------


def user_of(world: World, kind: str, actor: str) -> Any:
    built = world.contests[kind]
    return {
        "outsider": world.outsider,
        "juror": built.jurors[0],
        "foreign": world.foreign,
        "recused": built.jurors[1],
        "organiser": world.organiser,
    }.get(actor)


def http_client(world: World, kind: str, actor: str, *, page: bool) -> Any:
    participant = {"member": world.contests[kind].member, "stranger": world.stranger}.get(actor)
    if not page:
        client = client_for(participant) if participant is not None else client_for(None)
        user = user_of(world, kind, actor)
        if user is not None:
            client.force_authenticate(user)
        return client
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    if participant is not None:
        name, value = phone_cookie(participant)
        client.cookies[name] = value
    user = user_of(world, kind, actor)
    if user is not None:
        client.force_login(user)
    return client


# --- what an actor must never read ---------------------------------------------------------------

PSEUDONYM = re.compile(r'"J[0-9]+"|>J[0-9]+<')


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def leaks(world: World, kind: str, actor: str, read: str, body: str) -> list[str]:
    problems = []
    built = world.contests[kind]
    if actor != "organiser":
        if marker(kind, "CONTACTADMITTED") in body or marker(kind, "CONTACTREJECTED") in body:
            problems.append("shows contacts")
        if marker(kind, "REJECTED") in body:
            problems.append("shows the rejected entry")
        if "Устроительница" in body and "protocol" in read:
            problems.append("shows the protocol")
    # scores: for everyone who sees a finalised contest; at the results stage for its jury and organisers
    scores_open = (
        kind in ("finalised", "private")
        or kind == "results"
        and actor in ("juror", "recused", "organiser")
    )
    sheet = "sheet" in read or read.startswith("GET /c/{c}/jury/{e}/")
    if sheet and actor == "recused" and read.startswith("GET /api/"):
        own = json.loads(body)  # a recused juror's sheet: marked, empty, nobody else's scores
        if not own["recused"] or own["scores"] or own["others"]:
            problems.append(f"a recused juror's sheet shows scores: {own}")
    if sheet and actor == "juror" and read.startswith("GET /api/") and kind == "selection":
        own = json.loads(
            body
        )  # submitted; the only other sheet on this entry is saved, not submitted
        if own["others"] != {}:
            problems.append(f"a juror's sheet shows a sheet not submitted: {own['others']}")
    if not scores_open and not sheet and actor != "organiser":
        if read.startswith("GET /api/") and body[:1] in ("[", "{"):
            found = _keys(json.loads(body)) & SCORE_KEYS
            if found:
                problems.append(f"shows scores ({sorted(found)})")
        if PSEUDONYM.search(body):
            problems.append("shows a juror's pseudonym")
    if (
        not scores_open
        and actor == "organiser"
        and read.startswith("GET /api/")
        and body[:1] in ("[", "{")
    ):
        found = _keys(json.loads(body)) & {"scores", "by_juror", "others"}
        if found:
            problems.append(f"shows scores to an organiser before the results ({sorted(found)})")
    capability = read.startswith(
        ("GET /d/", "GET /api/v1/documents/")
    )  # the paper's random number is the key
    if (
        not built.contest.forum.is_public
        and not capability
        and actor not in ("juror", "recused", "organiser")
    ):
        if built.contest.title in body:
            problems.append("shows the private contest")
    return problems


# --- one read ------------------------------------------------------------------------------------


def path_of(world: World, kind: str, read: str) -> str | None:
    built = world.contests[kind]
    values: dict[str, Any] = {"c": built.contest.pk, "n": built.number or "none"}
    if "{e}" in read or "{p}" in read or "{r}" in read or "{q}" in read:
        if built.entry is None:
            return None
        values.update(
            e=built.entry.pk,
            p=built.photo.pk if built.photo else 0,
            r=built.rejected.pk if built.rejected else 0,
            q=built.rejected_photo.pk if built.rejected_photo else 0,
        )
    if "{n}" in read and not built.number:
        return None
    return read.split(" ", 1)[1].format(**values)


LIST_READS = {"GET /api/v1/contests/"}


def http_outcome(world: World, kind: str, actor: str, read: str) -> tuple[str, list[str]] | None:
    path = path_of(world, kind, read)
    if path is None:
        return None
    client = http_client(world, kind, actor, page=not path.startswith("/api/"))
    response = client.get(path)
    content = response.getvalue() if response.streaming else response.content
    status = str(response.status_code)
    if response.status_code != 200:
        return status, []
    if response.get("Content-Type", "").startswith("application/pdf"):
        body = pdf_text(content)
    elif response.get("Content-Type", "").startswith("image/"):
        body = ""
    else:
        body = content.decode()
    if read in LIST_READS:
        rows = json.loads(body)
        status = "+" if any(row["id"] == world.contests[kind].contest.pk for row in rows) else "-"
    return status, leaks(world, kind, actor, read, body)


HTTP_READS = [read for read in TABLE if not read.startswith("WS ")]


# --- the library ----------------------------------------------------------------------------------

LIBRARY_ACTORS = ("anonymous", "outsider", "organiser")
LIBRARY_COLUMNS = ("consented", "withdrawn", "unconsented")
LIBRARY_READS = list(LIBRARY_TABLE)
LIBRARY_LISTINGS = {read for read in LIBRARY_READS if "{l}" not in read}


def library_entry(world: World, column: str) -> Entry:
    if column == "unconsented":
        assert world.unconsented is not None
        return world.unconsented
    return world.practices[column].entry


def library_outcome(
    world: World, column: str, actor: str, read: str
) -> tuple[str, list[str]] | None:
    if "{l}" in read and column == "unconsented":
        return None  # no consent, no card: nothing to address
    values: dict[str, Any] = {}
    if column != "unconsented":
        practice = world.practices[column]
        photos = practice.current_version.photos if practice.current_version else []
        values = {"l": practice.pk, "lp": photos[0]["id"] if photos else 0}
    path = read.split(" ", 1)[1].format(**values)
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    user = {"outsider": world.outsider, "organiser": world.organiser}.get(actor)
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    content = response.getvalue() if response.streaming else response.content
    status = str(response.status_code)
    if response.status_code != 200:
        return status, []
    body = "" if response.get("Content-Type", "").startswith("image/") else content.decode()
    title = library_entry(world, column).title
    if read in LIBRARY_LISTINGS:
        status = "+" if title in body else "-"
    problems = []
    for hidden in ("withdrawn", "unconsented"):
        if library_entry(world, hidden).title in body:
            problems.append(f"shows the {hidden} card")
    if "CONTACT" in body.replace(marker("lib", "PUBLICCONTACT"), ""):
        problems.append("shows the entry's contacts")
    return status, problems


@pytest.fixture(autouse=True)
def _media_and_encoder(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from ml import encoders

    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setenv(encoders.ENV_VARIABLE, "lexical")
    encoders.reset_encoder()
    yield
    encoders.reset_encoder()


def expected(
    table: Mapping[str, tuple[str, ...]],
    columns: tuple[str, ...],
    actors: tuple[str, ...],
    read: str,
    column: str,
) -> dict[str, str] | None:
    cell = table[read][columns.index(column)]
    if cell == "·":
        return None
    outcomes = cell.split()
    assert len(outcomes) == len(actors), (
        f"{read} [{column}]: {len(outcomes)} outcomes for {len(actors)} actors"
    )
    return dict(zip(actors, outcomes, strict=True))


def score_controls(world: World) -> None:
    """The leak checks can see a score: the jury's results document has them, the public page shows pseudonyms."""
    built = world.contests["results"]
    body = (
        http_client(world, "results", "juror", page=False)
        .get(f"/api/v1/contests/{built.contest.pk}/results/")
        .json()
    )
    assert _keys(body) & SCORE_KEYS
    page = http_client(world, "finalised", "anonymous", page=True).get(
        f"/c/{world.contests['finalised'].contest.pk}/results/"
    )
    assert PSEUDONYM.search(page.content.decode())


@pytest.mark.django_db
def test_every_contest_read_follows_the_table() -> None:
    world = build_world()
    score_controls(world)
    mismatches = []
    for read in HTTP_READS:
        for kind in KINDS:
            cell = expected(TABLE, KINDS, ACTORS, read, kind)
            if cell is None:
                continue
            for actor in ACTORS:
                got = http_outcome(world, kind, actor, read)
                assert got is not None, f"{read} [{kind}] does not apply: mark it ·"
                if got[0] != cell[actor] or got[1]:
                    mismatches.append(
                        f"{read} [{kind}, {actor}]: expected {cell[actor]}, got {got[0]} {got[1]}"
                    )
    mismatches += library_mismatches(world)
    assert not mismatches, "\n".join(mismatches)


def library_mismatches(world: World) -> list[str]:
    mismatches = []
    for read in LIBRARY_READS:
        for column in LIBRARY_COLUMNS:
            cell = expected(LIBRARY_TABLE, LIBRARY_COLUMNS, LIBRARY_ACTORS, read, column)
            if cell is None:
                continue
            for actor in LIBRARY_ACTORS:
                got = library_outcome(world, column, actor, read)
                assert got is not None
                if got[0] != cell[actor] or got[1]:
                    mismatches.append(
                        f"{read} [{column}, {actor}]: expected {cell[actor]}, got {got[0]} {got[1]}"
                    )
    return mismatches


# --- the live stream -------------------------------------------------------------------------------

WS_KINDS = {"draft": "draft", "selection": "selection", "private": "selection"}


def build_live_world() -> World:
    users = get_user_model().objects
    organiser = users.create_user("rr-org", password=PASSWORD)
    public_forum = Forum.objects.create(title="Форум открытый", city="Тольятти")
    private_forum = Forum.objects.create(title="Форум закрытый", city="Тольятти", is_public=False)
    for forum in (public_forum, private_forum):
        forum.organisers.add(organiser)
    other = CaseSession.objects.create(
        forum=public_forum, title="Другой зал", question="?", stage=Stage.VOTING
    )
    world = World(
        organiser=organiser,
        outsider=users.create_user("rr-outsider", password=PASSWORD),
        foreign=users.create_user("rr-foreign", password=PASSWORD),
        stranger=joined(other, "Чужой"),
    )
    elsewhere = operations.contest_create(
        forum=public_forum,
        actor=organiser,
        title="Другой конкурс",
        regulations_document=regulations.example([("tos", "ТОС", "TOS")]),
    )
    operations.juror_add(contest=elsewhere, actor=organiser, user=world.foreign)
    for kind, stage in WS_KINDS.items():
        world.contests[kind] = build_contest(
            world, kind, private_forum if kind == "private" else public_forum, stage
        )
        world.contests[kind].session.moderators.add(organiser)  # the organiser runs the hall
    return world


def live_events(world: World, kind: str, read: str) -> None:
    """What happens on the stream for this row (through the operations, as an organiser or juror would)."""
    built = world.contests[kind]
    if read.startswith("WS contest.updated"):
        operations.regulations_update(
            contest=built.contest,
            actor=world.organiser,
            regulations_document=built.contest.regulations | {"show_public_tallies": True},
            reason="табло в зале",
        )
    else:
        assert built.entry is not None
        operations.score_save(
            contest=built.contest,
            entry=built.entry,
            actor=built.jurors[2],
            scores=SCORES,
            submit=True,
        )


@pytest.mark.django_db(transaction=True)
async def test_contest_messages_on_the_live_stream_follow_the_table(connect: Any) -> None:  # noqa: F811
    from ideas import operations as idea_operations

    world = await run_sync(build_live_world)()
    mismatches = []
    for read in [read for read in TABLE if read.startswith("WS ")]:
        for kind in WS_KINDS:
            cell = expected(TABLE, KINDS, ACTORS, read, kind)
            if cell is None:
                continue
            built = world.contests[kind]
            clients = {}
            for actor in ACTORS:
                participant = {"member": built.member, "stranger": world.stranger}.get(actor)
                user = user_of(world, kind, actor)
                token = (
                    participant.token
                    if participant is not None
                    else (await run_sync(staff_token)(user) if user else None)
                )
                client = await connect(built.session.pk, token)
                first = await client.next() if client.close_code is None else {"type": "refused"}
                clients[actor] = client if first["type"] == "snapshot" else None
            await run_sync(live_events)(world, kind, read)
            session = await run_sync(idea_operations.session_set_timer)(
                session=built.session, actor=world.organiser, seconds=600
            )
            ends = session.timer_ends_at.isoformat()  # a new instant: this very barrier
            wanted = read.split()[1].rstrip(":")
            for actor, client in clients.items():
                got = "x"
                if client is not None:
                    await client.until(
                        "session.updated", lambda m, e=ends: m["session"]["timer_ends_at"] == e
                    )
                    found = [
                        m
                        for m in client.unmatched
                        if m["type"] == wanted and m.get("contest") == built.contest.pk
                    ]
                    client.unmatched.clear()
                    got = "+" if found else "-"
                    scored = sorted(_keys(found) & SCORE_KEYS)
                    if scored:
                        mismatches.append(
                            f"{read} [{kind}, {actor}]: a score on the stream {scored}"
                        )
                    await client.close()
                if got != cell[actor]:
                    mismatches.append(
                        f"{read} [{kind}, {actor}]: expected {cell[actor]}, got {got}"
                    )
    assert not mismatches, "\n".join(mismatches)


# --- the documentation ------------------------------------------------------------------------------


def markdown_table(table: Mapping[str, tuple[str, ...]], columns: tuple[str, ...]) -> str:
    lines = ["| read | " + " | ".join(columns) + " |", "| --- |" + " --- |" * len(columns)]
    for read, cells in table.items():
        lines.append(
            f"| `{read}` | " + " | ".join(" / ".join(cell.split()) for cell in cells) + " |"
        )
    return "\n".join(lines)


def test_the_documented_tables_are_the_tested_ones() -> None:
    document = (Path(__file__).resolve().parent.parent / "docs" / "read-rules.md").read_text(
        encoding="utf-8"
    )
    for table, columns in ((TABLE, KINDS), (LIBRARY_TABLE, LIBRARY_COLUMNS)):
        assert markdown_table(table, columns) in document, (
            "docs/read-rules.md: paste tests.test_read_rules_contests.markdown_table(…)"
        )
