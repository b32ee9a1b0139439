"""The read rules of the ceremony and the papers, and what they show, read from the frozen archive.

Who sees what:
- the ceremony (screen and phones) follows the contest's own visibility (`contests.selectors`):
  anyone who may see the contest sees what has been revealed so far, and only that; only the
  contest's organisers conduct it (start, step, back);
- diplomas and participant certificates are public once the contest is finalised and visible
  (they say what the published results already say: the team, the nomination, the place);
- the jury's protocol, with each juror's name and scores, conflicts and recusals, is for the
  organisers only;
- a verification page (`/d/<number>/`) answers for any issued number: the number is random,
  printed on the paper, and the page shows only the entry's public archive record.
Everything a paper states comes from the archive snapshot, so a paper, its verification page
and the archive's SHA-256 always speak of the same record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation

from contests import selectors as contest_selectors
from contests.models import (
    ConflictDeclaration,
    Contest,
    ContestArchive,
    ContestJuror,
    ContestStage,
    JurorAssignment,
)
from ideas.selectors import Viewer

DEFAULT_PRIZES = 3  # places per nomination when the regulations do not say ("prizes")


# --- who may --------------------------------------------------------------------------------------


def may_conduct(contest: Contest, viewer: Viewer) -> bool:
    return contest_selectors.organises(contest, viewer)


def may_watch(contest: Contest, viewer: Viewer) -> bool:
    return contest_selectors.contest_visible(contest, viewer)


def papers_public(contest: Contest, viewer: Viewer) -> bool:
    return contest.stage == ContestStage.FINALISED and contest_selectors.contest_visible(contest, viewer)


# --- the archive ----------------------------------------------------------------------------------


def sha256_of(text: str) -> str:
    from archive.services import sha256_text

    return sha256_text(text)


def archive_of(contest: Contest) -> ContestArchive | None:
    if contest.stage != ContestStage.FINALISED:
        return None
    return ContestArchive.objects.filter(contest=contest).first()


def snapshot_of(archive: ContestArchive) -> dict[str, Any]:
    try:
        document = json.loads(archive.snapshot)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def as_number(value: Any) -> float | None:
    """A number from the snapshot: canonical JSON writes non-integers as fixed six-decimal strings."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def prizes_in(regulations: dict[str, Any], nomination: str) -> int:
    """How many places a nomination awards: `prizes` as a number for all, or per nomination code."""
    prizes = regulations.get("prizes", DEFAULT_PRIZES)
    if isinstance(prizes, dict):
        prizes = prizes.get(nomination, DEFAULT_PRIZES)
    if isinstance(prizes, bool) or not isinstance(prizes, int) or prizes < 0:
        return DEFAULT_PRIZES
    return int(prizes)


def _title(item: dict[str, Any]) -> str:
    if translation.get_language() == "en" and item.get("title_en"):
        return str(item["title_en"])
    return str(item.get("title", ""))


@dataclass(frozen=True)
class Winner:
    entry: int
    place: int
    title: str
    team: str
    territory: str


@dataclass
class NominationPlan:
    code: str
    title: str
    slots: list[Winner]  # in the order of the reveal: the last prize first


@dataclass
class AudienceAward:
    nomination: str
    winners: list[Winner]


@dataclass
class Plan:
    """The ceremony's script, from the archive: prizes per nomination and the audience award."""

    nominations: list[NominationPlan]
    audience: list[AudienceAward] = field(default_factory=list)

    @property
    def has_audience_award(self) -> bool:
        return any(award.winners for award in self.audience)

    def counts(self) -> list[int]:
        return [len(nomination.slots) for nomination in self.nominations]


def rows_of(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    results = snapshot.get("results")
    rows = results.get("entries") if isinstance(results, dict) else None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def prize_place(snapshot: dict[str, Any], row: dict[str, Any]) -> int | None:
    """The row's prize place, or None: ranked within the regulations' prizes, with a jury score."""
    regulations = snapshot.get("regulations") or {}
    rank = row.get("combined_rank")
    if not isinstance(rank, int) or row.get("jury_score") is None:
        return None
    return rank if rank <= prizes_in(regulations, str(row.get("nomination", ""))) else None


def plan_for(contest: Contest, snapshot: dict[str, Any]) -> Plan:
    teams = {
        pk: (organisation, territory)
        for pk, organisation, territory in contest.entries.values_list("id", "organisation", "territory")
    }

    def winner(row: dict[str, Any], place: int) -> Winner:
        team, territory = teams.get(int(row["entry"]), ("", ""))
        return Winner(int(row["entry"]), place, str(row.get("title", "")), team, territory)

    rows = rows_of(snapshot)
    regulations = snapshot.get("regulations") or {}
    nominations = []
    for item in regulations.get("nominations", []):
        code = item["code"]
        prized = [(prize_place(snapshot, row), row) for row in rows if row.get("nomination") == code]
        slots = [winner(row, place) for place, row in prized if place is not None]
        slots.sort(key=lambda slot: (-slot.place, slot.entry))
        nominations.append(NominationPlan(code, _title(item), slots))
    audience = []
    results = snapshot.get("results") or {}
    if results.get("combination") == "separate_award":
        by_entry = {int(row["entry"]): row for row in rows}
        for item in regulations.get("nominations", []):
            ids = (results.get("audience_award") or {}).get(item["code"], [])
            winners = [winner(by_entry[pk], 1) for pk in ids if pk in by_entry]
            if winners:
                audience.append(AudienceAward(_title(item), winners))
    return Plan(nominations, audience)


# --- the ceremony's positions: (nomination, revealed, audience) --------------------------------------


Position = tuple[int, int, bool]


def next_position(counts: list[int], has_audience: bool, position: Position) -> Position | None:
    index, revealed, audience = position
    if audience:
        return None
    if revealed < counts[index]:
        return (index, revealed + 1, False)
    if index + 1 < len(counts):
        return (index + 1, 0, False)
    if has_audience:
        return (index, revealed, True)
    return None


def previous_position(counts: list[int], position: Position) -> Position | None:
    index, revealed, audience = position
    if audience:
        return (index, revealed, False)
    if revealed > 0:
        return (index, revealed - 1, False)
    if index > 0:
        return (index - 1, counts[index - 1], False)
    return None


def step_number(counts: list[int], position: Position) -> int:
    """1-based: the frame the audience sees, among `steps_total`."""
    index, revealed, audience = position
    return sum(count + 1 for count in counts[:index]) + revealed + (1 if audience else 0) + 1


def steps_total(counts: list[int], has_audience: bool) -> int:
    return sum(count + 1 for count in counts) + (1 if has_audience else 0)


@dataclass
class CeremonyView:
    """What the screen, the phones and the control page show now; nothing not yet revealed."""

    contest: Contest
    finalised: bool
    started: bool
    version: int
    phase: str  # "not_final" | "waiting" | "nomination" | "audience"
    nomination_title: str = ""
    nomination_number: int = 0
    nominations_total: int = 0
    # (place, winner or None while hidden), the first place on top.
    rows: list[tuple[int, Winner | None]] = field(default_factory=list)
    revealed: int = 0
    prizes: int = 0
    audience: list[AudienceAward] = field(default_factory=list)
    step: int = 0
    steps: int = 0
    can_step: bool = False
    can_back: bool = False
    next_hint: str = ""  # the organiser's preview of the next reveal (control page only)

    def as_dict(self) -> dict[str, Any]:
        def person(winner: Winner) -> dict[str, Any]:
            return {"entry": winner.entry, "place": winner.place, "title": winner.title,
                    "team": winner.team, "territory": winner.territory}

        return {
            "contest": self.contest.pk,
            "finalised": self.finalised,
            "started": self.started,
            "version": self.version,
            "phase": self.phase,
            "nomination": {"title": self.nomination_title, "number": self.nomination_number,
                           "of": self.nominations_total} if self.phase == "nomination" else None,
            "places": [
                {"place": place, "revealed": winner is not None, "winner": person(winner) if winner else None}
                for place, winner in self.rows
            ] if self.phase == "nomination" else [],
            "audience_award": [
                {"nomination": award.nomination, "winners": [person(w) for w in award.winners]}
                for award in self.audience
            ] if self.phase == "audience" else [],
            "step": self.step,
            "steps": self.steps,
        }


def ceremony_view(contest: Contest, *, for_organiser: bool = False) -> CeremonyView:
    from awards.models import CeremonyState

    archive = archive_of(contest)
    if archive is None:
        return CeremonyView(contest, finalised=False, started=False, version=0, phase="not_final")
    state = CeremonyState.objects.filter(contest=contest).first()
    plan = plan_for(contest, snapshot_of(archive))
    counts = plan.counts()
    if state is None or not counts:
        return CeremonyView(
            contest, finalised=True, started=False, version=0, phase="waiting",
            steps=steps_total(counts, plan.has_audience_award), can_step=for_organiser and bool(counts),
        )
    index = min(state.nomination_index, len(counts) - 1)
    position: Position = (index, min(state.revealed, counts[index]), state.audience_revealed)
    nomination = plan.nominations[index]
    shown = nomination.slots[: position[1]]
    hidden = nomination.slots[position[1]:]
    rows: list[tuple[int, Winner | None]] = [(slot.place, slot) for slot in shown]
    rows += [(slot.place, None) for slot in hidden]
    rows.sort(key=lambda row: (row[0], row[1] is None, row[1].entry if row[1] else 0))
    view = CeremonyView(
        contest, finalised=True, started=True, version=state.version,
        phase="audience" if position[2] else "nomination",
        nomination_title=nomination.title, nomination_number=index + 1, nominations_total=len(counts),
        rows=rows, revealed=position[1], prizes=len(nomination.slots),
        audience=plan.audience if position[2] else [],
        step=step_number(counts, position), steps=steps_total(counts, plan.has_audience_award),
    )
    if for_organiser:
        following = next_position(counts, plan.has_audience_award, position)
        view.can_step = following is not None
        view.can_back = previous_position(counts, position) is not None
        view.next_hint = _hint(plan, position, following)
    return view


def _hint(plan: Plan, position: Position, following: Position | None) -> str:
    from django.utils.translation import gettext as _

    if following is None:
        return str(_("Everything is revealed."))
    index, revealed, audience = following
    if audience:
        return str(_("Next: the audience award."))
    nomination = plan.nominations[index]
    if index != position[0]:
        return str(_("Next: the nomination «%(title)s».") % {"title": nomination.title})
    slot = nomination.slots[revealed - 1]
    return str(_("Next: place %(place)s — «%(title)s».") % {"place": slot.place, "title": slot.title})


# --- papers ---------------------------------------------------------------------------------------


@dataclass
class PaperFacts:
    """What a diploma or certificate prints, from the archive and the entry."""

    number: str
    kind: str
    forum: str
    city: str
    contest: str
    nomination: str
    place: int | None
    title: str
    team: str
    territory: str
    date: str
    archive_sha256: str


def local_date(contest: Contest, when: Any) -> str:
    from django.utils.formats import date_format

    if when is None:
        return ""
    try:
        from zoneinfo import ZoneInfo

        when = timezone.localtime(when, ZoneInfo(contest.forum.time_zone))
    except Exception:  # noqa: BLE001, S110 - an unknown zone falls back to the server's
        pass
    return date_format(when, "DATE_FORMAT")


def paper_facts(document: Any, snapshot: dict[str, Any]) -> PaperFacts:
    contest = document.contest
    regulations = snapshot.get("regulations") or {}
    nomination: dict[str, Any] = next(
        (item for item in regulations.get("nominations", []) if item.get("code") == document.nomination), {}
    )
    row = next((row for row in rows_of(snapshot) if row.get("entry") == document.entry_id), {})
    return PaperFacts(
        number=document.number,
        kind=document.kind,
        forum=contest.forum.title,
        city=contest.forum.city,
        contest=str((snapshot.get("contest") or {}).get("title", contest.title)),
        nomination=_title(nomination) if nomination else document.nomination,
        place=document.place,
        title=str(row.get("title", document.entry.title)),
        team=document.entry.organisation,
        territory=document.entry.territory,
        date=local_date(contest, contest.finalised_at),
        archive_sha256=document.archive_sha256,
    )


@dataclass
class Verification:
    status: str  # "valid" | "unknown" | "changed"
    document: Any = None
    facts: PaperFacts | None = None
    record: dict[str, Any] = field(default_factory=dict)
    sha256_now: str = ""
    problems: list[str] = field(default_factory=list)


def verify(number: str) -> Verification:
    """Recompute the archive's hash and compare it with the stored one and the paper's; check the row."""
    from django.utils.translation import gettext as _

    from awards.models import Document, DocumentKind

    document = Document.objects.select_related("contest__forum", "entry").filter(number=number.upper()).first()
    if document is None:
        return Verification("unknown")
    archive = ContestArchive.objects.filter(contest=document.contest).first()
    if archive is None:
        return Verification("changed", document, problems=[str(_("The contest's archive record is missing."))])
    now = sha256_of(archive.snapshot)
    problems = []
    if now != archive.sha256:
        problems.append(str(_("The archive record no longer matches its own SHA-256: it was changed after it was frozen.")))
    if now != document.archive_sha256:
        problems.append(str(_("The archive record is not the one this paper was issued against.")))
    snapshot = snapshot_of(archive)
    row = next((row for row in rows_of(snapshot) if row.get("entry") == document.entry_id), None)
    if row is None:
        problems.append(str(_("The archive record has no row for this entry.")))
    elif document.kind == DocumentKind.DIPLOMA and prize_place(snapshot, row) != document.place:
        problems.append(str(_("The place in the archive differs from the place on the paper.")))
    record = {}
    if row is not None:
        record = {key: row.get(key) for key in ("entry", "title", "nomination", "jury_rank", "public_votes",
                                                "combined_rank")}
        record["jury_score"] = as_number(row.get("jury_score"))
    return Verification(
        "changed" if problems else "valid", document, paper_facts(document, snapshot), record, now, problems
    )


# --- the protocol ---------------------------------------------------------------------------------


@dataclass
class ProtocolFacts:
    contest: Contest
    snapshot: dict[str, Any]
    archive_sha256: str
    jurors: list[tuple[str, str, str]]  # pseudonym, name, organisation
    conflicts: list[tuple[str, str, str, str]]  # pseudonym, entry title, source label, reason
    recusals: list[tuple[str, str]]  # pseudonym, entry title


def protocol_facts(contest: Contest, archive: ContestArchive) -> ProtocolFacts:
    jurors = [
        (juror.pseudonym, juror.user.get_full_name() or juror.user.get_username(), juror.organisation)
        for juror in ContestJuror.objects.filter(contest=contest).select_related("user").order_by("id")
    ]
    conflicts = [
        (item.juror.pseudonym, item.entry.title, str(item.get_source_display()), item.reason)
        for item in ConflictDeclaration.objects.filter(juror__contest=contest)
        .select_related("juror", "entry").order_by("juror_id", "entry_id")
    ]
    recusals = [
        (item.juror.pseudonym, item.entry.title)
        for item in JurorAssignment.objects.filter(entry__contest=contest, recused=True)
        .select_related("juror", "entry").order_by("juror_id", "entry_id")
    ]
    return ProtocolFacts(contest, snapshot_of(archive), archive.sha256, jurors, conflicts, recusals)
