"""The read rule, walked: every read endpoint, page and live message, four actors, five sessions.

`TABLE` is the permission table (also in docs/read-rules.md). Each row is one read; each
column a session; each cell the outcome for the four actors, in the order of `ACTORS`:
- anonymous: nobody signed in, no token;
- member: a participant of this session (the author of its "own-…" ideas);
- stranger: a participant of another (public) session;
- moderator: a named moderator of the session (not staff).
A cell is a status code; "+" / "-": 200 and the session (its archive) is / is not listed;
"ok": the live stream opens; "4403": it is refused; for live events "+" (received, with
the text), "-" (nothing), "stub" (only `{id, visible: false}`), "x" (cannot connect);
"·": the read does not apply (a live session has no archive; a finished one no live events).

Besides the table, every answer an actor gets is checked (`leaks`): no text of an idea the
rule hides from them (another's hidden or pending idea, a merged one), no author's name
but their own (the session does not show names), no join code unless they moderate or
joined the session (the big screen, the room's display, shows it to whoever may watch),
and the listings they may read show every idea they may see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from archive.models import SessionArchive
from ideas import operations
from ideas.models import CaseSession, Group, Idea, IdeaStatus, Participant, Stage, Vote
from tests.conftest import ParticipantFactory, SessionFactory, UserFactory, client_for
from tests.pages.conftest import phone_cookie
from tests.realtime.conftest import connect, live_settings, run_sync, staff_token  # noqa: F401 - fixtures

ACTORS = ("anonymous", "member", "stranger", "moderator")
KINDS = ("public", "private", "draft", "archived", "archived_private")

# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str]] = {
    # read                                        public            private           draft             archived          archived_private
    "GET /api/v1/sessions/":                      ("+ + + +",       "- + - +",        "- + - +",        "+ + + +",        "- + - +"),
    "GET /api/v1/sessions/{s}/":                  ("200 200 200 200", "404 200 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    "GET /api/v1/sessions/{s}/ideas/":            ("200 200 200 200", "404 200 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    "GET /api/v1/ideas/{published}/":             ("200 200 200 200", "404 200 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    "GET /api/v1/ideas/{own_pending}/":           ("404 200 404 200", "404 200 404 200", "404 200 404 200", "404 200 404 200", "404 200 404 200"),
    "GET /api/v1/ideas/{hidden}/":                ("404 404 404 200", "404 404 404 200", "404 404 404 200", "404 404 404 200", "404 404 404 200"),
    "GET /api/v1/ideas/{merged}/":                ("404 404 404 200", "404 404 404 200", "404 404 404 200", "404 404 404 200", "404 404 404 200"),
    "GET /api/v1/sessions/{s}/groups/":           ("200 200 200 200", "404 200 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    "GET /api/v1/groups/{g}/":                    ("200 200 200 200", "404 200 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    # the private session does not show results live: its participants wait for the results stage
    "GET /api/v1/sessions/{s}/results/":          ("200 200 200 200", "404 403 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    "GET /api/v1/sessions/{s}/similar/?text=park": ("401 200 401 200", "404 200 404 200", "404 200 404 200", "401 200 401 200", "404 200 404 200"),
    "GET /api/v1/sessions/{s}/my-votes/":         ("401 200 403 401", "404 200 404 401", "404 200 404 401", "401 200 403 401", "404 200 404 401"),
    # the archive is the city's public record: users read it, a participant's token opens nothing more
    "GET /api/v1/archive/":                       ("- - - -",       "- - - -",        "- - - -",        "+ + + +",        "- - - +"),
    "GET /api/v1/archive/{a}/":                   ("·",             "·",              "·",              "200 200 200 200", "404 404 404 200"),
    "GET /api/v1/archive/{a}/snapshot.json":      ("·",             "·",              "·",              "200 200 200 200", "404 404 404 200"),
    "GET /api/v1/archive/{a}/ideas.csv":          ("·",             "·",              "·",              "200 200 200 200", "404 404 404 200"),
    "GET /api/v1/archive/{a}/comments.csv":       ("·",             "·",              "·",              "200 200 200 200", "404 404 404 200"),
    "GET /api/v1/archive/{a}/votes.csv":          ("·",             "·",              "·",              "200 200 200 200", "404 404 404 200"),
    "GET /api/v1/archive/search/?q={word}":       ("- - - -",       "- - - -",        "- - - -",        "+ + + +",        "- - - +"),
    # pages: without a cookie a readable session asks for the code; its moderators go to the join form
    "GET /s/{s}/":                                ("200 200 200 302", "404 200 404 302", "404 200 404 302", "200 200 200 302", "404 200 404 302"),
    "GET /s/{s}/live":                            ("403 200 403 403", "404 200 404 403", "404 200 404 403", "403 200 403 403", "404 200 404 403"),
    "GET /s/{s}/screen":                          ("200 200 200 200", "404 200 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    "GET /s/{s}/screen/live":                     ("200 200 200 200", "404 200 404 200", "404 200 404 200", "200 200 200 200", "404 200 404 200"),
    # the console: anonymous visitors (a phone is anonymous) are sent to the staff login first
    "GET /s/{s}/moderate":                        ("302 302 302 200", "302 302 302 200", "302 302 302 200", "302 302 302 200", "302 302 302 200"),
    "GET /s/{s}/moderate/live":                   ("403 403 403 200", "403 403 403 200", "403 403 403 200", "403 403 403 200", "403 403 403 200"),
    # the URL carries the code (the QR): the join form, or the phone page for one who joined
    "GET /join/{code}":                           ("200 302 200 200", "200 302 200 200", "200 302 200 200", "200 302 200 200", "200 302 200 200"),
    "GET /":                                      ("+ + + +",       "- - - -",        "- - - -",        "+ + + +",        "- - - -"),
    "GET /archive/":                              ("- - - -",       "- - - -",        "- - - -",        "+ + + +",        "- - - +"),
    "GET /archive/{a}/":                          ("·",             "·",              "·",              "200 200 200 200", "404 404 404 200"),
    "GET /archive/search/?q={word}":              ("- - - -",       "- - - -",        "- - - -",        "+ + + +",        "- - - +"),
    # the live stream (/ws/sessions/{s}/)
    "WS snapshot":                                ("ok ok ok ok",   "4403 ok 4403 ok", "4403 ok 4403 ok", "ok ok ok ok",   "4403 ok 4403 ok"),
    "WS idea.created: another's published idea":  ("+ + + +",       "x + x +",        "·",              "·",              "·"),
    "WS idea.created: another's pending idea":    ("- - - +",       "x - x +",        "·",              "·",              "·"),
    "WS idea.created: the member's pending idea": ("- + - +",       "x + x +",        "·",              "·",              "·"),
    "WS idea.updated: a published idea hidden":   ("stub stub stub +", "x stub x +",  "·",              "·",              "·"),
    "WS groups.updated: a hidden idea grouped":   ("- - - +",       "x - x +",        "·",              "·",              "·"),
    "WS tally: a vote on a published idea":       ("+ + + +",       "x - x +",        "·",              "·",              "·"),
}
# fmt: on

LIVE_EVENT_KINDS = ("public", "private")
# Which of a session's ideas each actor may read (labels of `World.ideas`).
VISIBLE = {
    "anonymous": {"published", "own_published"},
    "stranger": {"published", "own_published"},
    "member": {"published", "own_published", "own_pending", "own_hidden"},
    "moderator": {"published", "own_published", "own_pending", "own_hidden", "pending", "hidden", "merged"},
}
# Reads that list the session's ideas (for these actors): every idea they may see must be there.
LISTINGS = {
    "GET /api/v1/sessions/{s}/ideas/": set(ACTORS),
    "GET /s/{s}/": {"member"},  # the phone page; others are asked for the code
    "WS snapshot": set(ACTORS),
}
# The room's display shows the code to whoever may watch it; a URL that came with it may too.
SHOWS_CODE = {"GET /s/{s}/screen", "GET /s/{s}/screen/live", "GET /join/{code}"}  # the room's display
GROUP_READS = {"GET /api/v1/sessions/{s}/groups/", "GET /api/v1/groups/{g}/"}
# Reads whose cells say whether the session (its archive) is listed.
LIST_READS = {
    "GET /api/v1/sessions/", "GET /api/v1/archive/", "GET /api/v1/archive/search/?q={word}",
    "GET /", "GET /archive/", "GET /archive/search/?q={word}",
}
WORDS = {"public": "alpha", "private": "bravo", "draft": "charlie", "archived": "delta", "archived_private": "echo"}


def expected(read: str, kind: str) -> dict[str, str] | None:
    cell = TABLE[read][KINDS.index(kind)]
    if cell == "·":
        return None
    return dict(zip(ACTORS, cell.split(), strict=True))


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    chair: Any
    stranger: Participant
    sessions: dict[str, CaseSession] = field(default_factory=dict)
    members: dict[str, Participant] = field(default_factory=dict)
    others: dict[str, Participant] = field(default_factory=dict)
    ideas: dict[str, dict[str, Idea]] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    archives: dict[str, SessionArchive] = field(default_factory=dict)

    def text(self, kind: str, label: str) -> str:
        return marker(kind, label)

    def name(self, kind: str, who: str) -> str:
        return f"Name{who.capitalize()}{KINDS.index(kind)}zq"


def marker(kind: str, label: str) -> str:
    return f"[{kind}:{label}]"


def build_world() -> World:
    """Five sessions (support voting), each with a member, another author, ideas of every status."""
    chair = UserFactory(username="chair")  # a named moderator, not staff
    elsewhere = SessionFactory(title="Elsewhere", stage=Stage.VOTING)
    world = World(chair=chair, stranger=ParticipantFactory(session=elsewhere, display_name="Stranger"))
    settings = {
        "public": {"stage": Stage.IDEATION},  # posting open, voting during ideation on
        "private": {"stage": Stage.IDEATION, "is_public": False, "live_results_visible": False},
        "draft": {"stage": Stage.DRAFT},
        "archived": {"stage": Stage.RESULTS},
        "archived_private": {"stage": Stage.RESULTS, "is_public": False},
    }
    for kind in KINDS:
        session = SessionFactory(title=f"Session {kind} zq", **settings[kind])
        session.moderators.add(chair)
        member = ParticipantFactory(session=session, display_name=world.name(kind, "member"), sector="business")
        other = ParticipantFactory(session=session, display_name=world.name(kind, "other"), sector="society")
        word = WORDS[kind]

        def idea(label: str, author: Participant, status: str = IdeaStatus.PUBLISHED, **extra: Any) -> Idea:
            return Idea.objects.create(
                session=session, author=author, status=status,  # noqa: B023 - used at once
                text=f"Idea {marker(kind, label)} {word} park by the river", **extra,  # noqa: B023
            )

        ideas = {
            "own_published": idea("own_published", member),
            "own_pending": idea("own_pending", member, IdeaStatus.PENDING),
            "own_hidden": idea("own_hidden", member, IdeaStatus.HIDDEN, hide_reason="off_topic"),
            "published": idea("published", other),
            "pending": idea("pending", other, IdeaStatus.PENDING),
            "hidden": idea("hidden", other, IdeaStatus.HIDDEN, hide_reason="insult"),
        }
        ideas["merged"] = operations.idea_merge(
            duplicate=idea("merged", other), target=ideas["published"], actor=chair
        )
        group = Group.objects.create(session=session, title=f"Group {kind}")
        Idea.objects.filter(pk__in=[ideas["published"].pk, ideas["hidden"].pk]).update(group=group)
        for voter in (member, other):
            Vote.objects.create(participant=voter, idea=ideas["published"], value=1)
        if kind.startswith("archived"):
            operations.session_set_stage(session=session, actor=chair, stage=Stage.ARCHIVED)
            world.archives[kind] = SessionArchive.objects.get(session=session)
        world.sessions[kind], world.members[kind], world.others[kind] = session, member, other
        world.ideas[kind], world.groups[kind] = ideas, group
    return world


@pytest.fixture(autouse=True)
def _lexical_encoder(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Similar ideas and archive search with the small lexical encoder (no model to load)."""
    from archive.search import reset_vector_indexes
    from ml import encoders

    monkeypatch.setenv(encoders.ENV_VARIABLE, "lexical")
    encoders.reset_encoder()
    reset_vector_indexes()
    yield
    encoders.reset_encoder()
    reset_vector_indexes()


# --- what an actor must never read ---------------------------------------------------------------


def leaks(world: World, kind: str, actor: str, read: str, body: str) -> list[str]:
    """What this body shows that the read rule hides from the actor (and listings that miss ideas)."""
    problems = []
    visible = VISIBLE[actor]
    if "/archive/" in read:
        # The archive's merge history shows a duplicate's text when it was public before the merge.
        visible = visible | {"merged"}
    listing = actor in LISTINGS.get(read, ())
    for label in VISIBLE["moderator"]:
        shown = marker(kind, label) in body
        if shown and label not in visible:
            problems.append(f"shows the {label} idea")
        if listing and label in visible and not shown:
            problems.append(f"misses the {label} idea")
    if actor != "moderator":
        if world.name(kind, "other") in body:
            problems.append("shows another author's name")
        if actor != "member" and world.name(kind, "member") in body:
            problems.append("shows the member's name")
    elif listing and world.name(kind, "other") not in body:
        problems.append("hides a name from a moderator")
    if actor not in ("member", "moderator") and read not in SHOWS_CODE:
        if world.sessions[kind].join_code in body:
            problems.append("shows the join code")
    return problems


# --- REST, pages, archive -------------------------------------------------------------------------


def http_client(world: World, kind: str, actor: str, *, page: bool) -> Any:
    member = world.members[kind]
    if not page:
        who = {"anonymous": None, "member": member, "stranger": world.stranger, "moderator": world.chair}[actor]
        return client_for(who)
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    if actor in ("member", "stranger"):
        participant = member if actor == "member" else world.stranger
        name, value = phone_cookie(participant)
        client.cookies[name] = value
    elif actor == "moderator":
        client.force_login(world.chair)
    return client


def listed(read: str, world: World, kind: str, body: str) -> bool:
    session, archive = world.sessions[kind], world.archives.get(kind)
    if read == "GET /api/v1/sessions/":
        rows = json.loads(body)
        rows = rows["results"] if isinstance(rows, dict) else rows
        return any(row["id"] == session.pk for row in rows)
    if read == "GET /":
        return session.title in body
    if archive is None:
        return False
    if read == "GET /api/v1/archive/":
        return any(row["id"] == archive.pk for row in json.loads(body)["results"])
    if read == "GET /api/v1/archive/search/?q={word}":
        return any(hit["archive"] == archive.pk for hit in json.loads(body)["results"])
    return f"/archive/{archive.pk}/" in body


def http_outcome(world: World, kind: str, actor: str, read: str) -> tuple[str, list[str]]:
    session, ideas, archive = world.sessions[kind], world.ideas[kind], world.archives.get(kind)
    path = read.split(" ", 1)[1].format(
        s=session.pk, g=world.groups[kind].pk, a=archive.pk if archive else 0, code=session.join_code,
        word=WORDS[kind], **{label: idea.pk for label, idea in ideas.items()},
    )
    client = http_client(world, kind, actor, page=not path.startswith("/api/"))
    response = client.get(path)
    body = response.content.decode()
    status = str(response.status_code)
    if status == "200" and read in LIST_READS:
        status = "+" if listed(read, world, kind, body) else "-"
    problems = leaks(world, kind, actor, read, body) if response.status_code == 200 else []
    if response.status_code == 200 and read in GROUP_READS:
        problems += group_leaks(world, kind, actor, json.loads(body))
    return status, problems


def group_leaks(world: World, kind: str, actor: str, body: Any) -> list[str]:
    """Groups list idea ids, not texts: the hidden member's id is for moderators only."""
    groups = body if isinstance(body, list) else [body]
    members = {idea_id for group in groups for idea_id in group["ideas"]}
    hidden, published = world.ideas[kind]["hidden"].pk, world.ideas[kind]["published"].pk
    problems = [] if published in members else ["a group misses its published idea"]
    if (hidden in members) != (actor == "moderator"):
        problems.append("a group lists its hidden idea" if hidden in members else "hides a member from a moderator")
    return problems


HTTP_READS = [read for read in TABLE if not read.startswith("WS ")]


@pytest.mark.django_db
def test_every_http_read_follows_the_table() -> None:
    world = build_world()
    mismatches = []
    for read in HTTP_READS:
        for kind in KINDS:
            cell = expected(read, kind)
            if cell is None:
                continue
            for actor in ACTORS:
                got, problems = http_outcome(world, kind, actor, read)
                if got != cell[actor] or problems:
                    mismatches.append(f"{read} [{kind}, {actor}]: expected {cell[actor]}, got {got} {problems}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.django_db
def test_a_session_that_shows_names_shows_them_everywhere(api: Any) -> None:
    world = build_world()
    session = world.sessions["public"]
    operations.session_update(session=session, actor=world.chair, show_author_names=True)
    name = world.name("public", "other")
    assert name in api(None).get(f"/api/v1/sessions/{session.pk}/ideas/").content.decode()
    assert name in Client().get(f"/s/{session.pk}/screen").content.decode()
    assert name in http_client(world, "public", "member", page=True).get(f"/s/{session.pk}/").content.decode()
    # and it is a moderator's setting, not anyone's
    refused = client_for(world.members["public"]).patch(
        f"/api/v1/sessions/{session.pk}/", {"show_author_names": False}, format="json"
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_names_stay_in_the_room_by_default_on_the_join_form() -> None:
    world = build_world()
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/join/{world.sessions['public'].join_code}").content.decode()
    assert "other people see only your sector" in html


# --- the live stream ------------------------------------------------------------------------------


async def _clients(world: World, kind: str, connect: Any) -> dict[str, Any]:  # noqa: F811
    session = world.sessions[kind]
    tokens = {
        "anonymous": None,
        "member": world.members[kind].token,
        "stranger": world.stranger.token,
        "moderator": await run_sync(staff_token)(world.chair),
    }
    clients = {}
    for actor, token in tokens.items():
        client = await connect(session.pk, token)
        first = await client.next()
        clients[actor] = (client, first)
    return clients


def _received(messages: list[dict[str, Any]], kind: str, idea_id: int | None = None) -> list[dict[str, Any]]:
    found = [m for m in messages if m["type"] == kind]
    if idea_id is not None:
        found = [m for m in found if m.get("idea", {}).get("id") == idea_id]
    return found


@pytest.mark.django_db(transaction=True)
async def test_the_live_snapshot_follows_the_table(connect: Any) -> None:  # noqa: F811
    world = await run_sync(build_world)()
    mismatches = []
    for kind in KINDS:
        cell = expected("WS snapshot", kind)
        assert cell is not None
        clients = await _clients(world, kind, connect)
        for actor, (client, first) in clients.items():
            got = "ok"
            if first["type"] != "snapshot":
                with pytest.raises(ConnectionError):
                    await client.next()
                got = str(client.close_code)
            problems = leaks(world, kind, actor, "WS snapshot", json.dumps(first, ensure_ascii=False)) if got == "ok" else []
            if got != cell[actor] or problems:
                mismatches.append(f"WS snapshot [{kind}, {actor}]: expected {cell[actor]}, got {got} {problems}")
            await client.close()
    assert not mismatches, "\n".join(mismatches)


async def _barrier(world: World, kind: str, clients: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Everything each connected client got up to a `session.updated` everyone receives."""
    session = await run_sync(operations.session_set_timer)(session=world.sessions[kind], actor=world.chair, seconds=600)
    ends = session.timer_ends_at.isoformat()  # a new instant each time: this very event
    got = {}
    for actor, (client, first) in clients.items():
        if first["type"] != "snapshot":
            continue
        await client.until("session.updated", lambda m, e=ends: m["session"]["timer_ends_at"] == e)
        got[actor] = list(client.unmatched)
        client.unmatched.clear()
    return got


def _event_cell(messages: list[dict[str, Any]] | None, kind: str, text: str, idea_id: int | None = None) -> str:
    if messages is None:
        return "x"
    found = _received(messages, kind, idea_id)
    if not found:
        return "-"
    if kind.startswith("idea.") and all(m["idea"].get("visible") is False for m in found):
        return "stub"
    return "+"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", LIVE_EVENT_KINDS)
async def test_live_events_follow_the_table(connect: Any, kind: str) -> None:  # noqa: F811
    world = await run_sync(build_world)()
    session, member, other = world.sessions[kind], world.members[kind], world.others[kind]
    clients = await _clients(world, kind, connect)
    await _barrier(world, kind, clients)  # the stream is settled: only what follows counts
    chair = world.chair
    outcomes: dict[str, dict[str, str]] = {}
    leaked: list[str] = []

    async def step(
        read: str, action: Any, message_kind: str, idea_of: Any = None, check: Any = None, settle: Any = None
    ) -> None:
        result = await run_sync(action)()
        if settle is not None:
            # Tallies leave on the next tick, after the barrier maybe: wait until the moderator
            # (who always gets them) has it; the same fan-out reached everyone else before.
            moderator = clients["moderator"][0]
            moderator.unmatched.append(await moderator.until(message_kind, settle))
        got = await _barrier(world, kind, clients)
        idea_id = idea_of(result) if idea_of else None
        outcomes[read] = {}
        for actor in ACTORS:
            messages = got.get(actor)
            outcomes[read][actor] = check(messages) if check else _event_cell(messages, message_kind, "", idea_id)
            if messages is not None:
                problems = leaks(world, kind, actor, read, json.dumps(messages, ensure_ascii=False))
                leaked.extend(f"{read} [{kind}, {actor}]: {p}" for p in problems)

    def post(author: Participant, label: str) -> Any:
        return lambda: operations.idea_post(session=session, text=f"Idea {marker(kind, label)} new", author=author)

    await step("WS idea.created: another's published idea", post(other, "published"), "idea.created", lambda i: i.pk)
    await run_sync(operations.session_update)(session=session, actor=chair, premoderation=True)
    await _barrier(world, kind, clients)
    await step("WS idea.created: another's pending idea", post(other, "pending"), "idea.created", lambda i: i.pk)
    await step("WS idea.created: the member's pending idea", post(member, "own_pending"), "idea.created", lambda i: i.pk)
    target = world.ideas[kind]["published"]  # another's idea: its author is not connected

    def hide() -> Idea:
        return operations.idea_moderate(idea=target, actor=chair, status=IdeaStatus.HIDDEN, reason="off_topic")

    await step("WS idea.updated: a published idea hidden", hide, "idea.updated", lambda _: target.pk)
    hidden = world.ideas[kind]["hidden"]

    def regroup() -> None:
        operations.group_update(group=world.groups[kind], actor=chair, title="Renamed group")

    def hidden_member(messages: list[dict[str, Any]] | None) -> str:
        if messages is None:
            return "x"
        lists = [g["ideas"] for m in _received(messages, "groups.updated") for g in m["groups"]]
        assert lists, "groups.updated reached everyone connected"
        return "+" if any(hidden.pk in ideas for ideas in lists) else "-"

    await step("WS groups.updated: a hidden idea grouped", regroup, "groups.updated", check=hidden_member)
    published = world.ideas[kind]["own_published"]  # still published (the other one is hidden now)

    def tallied(messages: list[dict[str, Any]] | None) -> str:
        if messages is None:
            return "x"
        return "+" if any(str(published.pk) in m["tallies"] for m in _received(messages, "tally")) else "-"

    await step("WS tally: a vote on a published idea", lambda: operations.vote_cast(
        participant=other, idea_id=published.pk, value=1), "tally", check=tallied,
        settle=lambda m: str(published.pk) in m["tallies"])
    mismatches = [
        f"{read} [{kind}, {actor}]: expected {expected(read, kind)[actor]}, got {got}"  # type: ignore[index]
        for read, row in outcomes.items()
        for actor, got in row.items()
        if got != expected(read, kind)[actor]  # type: ignore[index]
    ]
    assert not mismatches + leaked, "\n".join(mismatches + leaked)


# --- the documentation ------------------------------------------------------------------------------


def markdown_table() -> str:
    """TABLE as the markdown permission table of docs/read-rules.md."""
    head = "| read | " + " | ".join(kind.replace("_", " ") for kind in KINDS) + " |"
    lines = [head, "| --- |" + " --- |" * len(KINDS)]
    for read, cells in TABLE.items():
        shown = [" / ".join(cell.split()) for cell in cells]
        lines.append(f"| `{read}` | " + " | ".join(shown) + " |")
    return "\n".join(lines)


def test_the_documented_table_is_the_tested_one() -> None:
    from pathlib import Path

    document = (Path(__file__).resolve().parent.parent / "docs" / "read-rules.md").read_text(encoding="utf-8")
    assert markdown_table() in document, "docs/read-rules.md: paste tests.test_read_rules.markdown_table()"
