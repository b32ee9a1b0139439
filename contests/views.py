"""Contest pages: the public page, the juror's phone, the organiser's progress, the results, the big screen.

Views stay thin (as `forums.views`): find the contest, ask `contests.selectors` who may see
what, call `contests.operations`, render. A refused change shows the operation's translated
message (a 4xx page, nothing written). A contest this visitor may not see is a 404, like no
contest at all; a page of a visible contest they may not use is a 403 that says why.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contests import operations, selectors
from contests.forms import ConflictForm, FinaliseForm, PublicVoteForm, ScoreForm
from contests.models import (
    Contest,
    ContestArchive,
    ContestStage,
    Entry,
    EntryStatus,
    RegulationsVersion,
)
from contests.templatetags.contest_pages import (
    eligibility_in_words,
    localised,
    results_view,
    rule_in_words,
)
from contests.voters import participant_of
from ideas.errors import DomainError
from ideas.selectors import Viewer, join_code_visible, session_visible

SCREEN_POLL_SECONDS = 15  # the big screen's fallback refresh when no live message arrives


def _contest(request: HttpRequest, contest_id: int) -> Contest:
    contest = get_object_or_404(
        Contest.objects.select_related("forum", "audience_session"), pk=contest_id
    )
    if not selectors.contest_visible(contest, Viewer(request.user)):
        raise Http404
    return contest


def _refuse(
    request: HttpRequest, message: str, *, status: int = 403, contest: Contest | None = None
) -> HttpResponse:
    return render(
        request, "contests/refused.html", {"message": message, "contest": contest}, status=status
    )


def _nominations(contest: Contest) -> list[dict[str, Any]]:
    return [
        {"code": item["code"], "title": localised(item, "title")}
        for item in contest.regulations["nominations"]
    ]


# --- the public contest page --------------------------------------------------------------------


@require_GET
def contest_public(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _contest(request, contest_id)
    viewer = Viewer(request.user)
    # Admitted entries only, and never their contacts (the template has no contacts at all).
    entries = list(
        selectors.entries_visible_to(contest, viewer)
        .filter(status=EntryStatus.PUBLISHED)
        .order_by("id")
    )
    nominations = _nominations(contest)
    for nomination in nominations:
        nomination["entries"] = [
            entry for entry in entries if entry.nomination == nomination["code"]
        ]
    history = list(RegulationsVersion.objects.filter(contest=contest).order_by("-version"))
    return render(
        request,
        "contests/public.html",
        {
            "contest": contest,
            "rules": contest.regulations,
            "nominations": nominations,
            "criteria": contest.regulations["criteria"],
            "rule_text": rule_in_words(contest.regulations),
            "eligibility_text": eligibility_in_words(contest.regulations),
            "history": history,
            "organiser": selectors.organises(contest, viewer),
            "juror": selectors.juror_of(contest, viewer) is not None,
            "results_visible": selectors.results_visible(contest, viewer),
        },
    )


# --- the juror's phone --------------------------------------------------------------------------


def _juror_or_refusal(request: HttpRequest, contest: Contest) -> Any:
    juror = selectors.juror_of(contest, Viewer(request.user))
    if juror is None:
        return _refuse(
            request, _("Only the contest's jurors may open the scoring pages."), contest=contest
        )
    return juror


@login_required
@require_GET
def jury(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _contest(request, contest_id)
    juror = _juror_or_refusal(request, contest)
    if isinstance(juror, HttpResponse):
        return juror
    sheets = selectors.juror_sheets(juror)
    order = {code: index for index, code in enumerate(contest.nomination_codes())}
    sheets.sort(
        key=lambda sheet: (order.get(sheet["entry"].nomination, len(order)), sheet["entry"].pk)
    )
    active = [sheet for sheet in sheets if not sheet["recused"]]
    return render(
        request,
        "contests/jury.html",
        {
            "contest": contest,
            "juror": juror,
            "sheets": sheets,
            "done": sum(1 for sheet in active if sheet["submitted"]),
            "total": len(active),
            "scoring_open": contest.current_stage.allows_scoring(),
            "criteria_count": len(contest.regulations["criteria"]),
        },
    )


def _assigned_entry(contest: Contest, juror: Any, entry_id: int) -> Entry:
    for sheet in selectors.juror_sheets(juror):
        if sheet["entry"].pk == entry_id:
            return sheet["entry"]  # type: ignore[no-any-return]
    raise Http404


def _sheet_context(
    request: HttpRequest, contest: Contest, entry: Entry, **extra: Any
) -> dict[str, Any]:
    sheet = selectors.sheet_for(contest, entry, Viewer(request.user))
    assert sheet is not None  # the entry is assigned to this juror
    criteria = contest.regulations["criteria"]
    form = extra.pop("form", None) or ScoreForm(
        criteria=criteria, submitted=sheet["submitted"], scores=sheet["scores"]
    )
    others = sheet["others"] or {}
    return {
        "contest": contest,
        "entry": entry,
        "sheet": sheet,
        "form": form,
        "criteria_fields": [
            {"criterion": criterion, "field": form[f"score_{criterion['code']}"]}
            for criterion in criteria
        ],
        "others": sorted(others.items()),
        "criteria": criteria,
        "scoring_open": contest.current_stage.allows_scoring(),
        "conflict_form": extra.pop("conflict_form", None) or ConflictForm(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request: HttpRequest, contest_id: int, entry_id: int) -> HttpResponse:
    contest = _contest(request, contest_id)
    juror = _juror_or_refusal(request, contest)
    if isinstance(juror, HttpResponse):
        return juror
    entry = _assigned_entry(contest, juror, entry_id)
    if request.method == "GET":
        return render(request, "contests/sheet.html", _sheet_context(request, contest, entry))
    before = selectors.sheet_for(contest, entry, Viewer(request.user))
    assert before is not None
    form = ScoreForm(
        request.POST, criteria=contest.regulations["criteria"], submitted=before["submitted"]
    )
    status = 400
    if form.is_valid():
        submit = form.cleaned_data["action"] == "submit"
        try:
            operations.score_save(
                contest=contest,
                entry=entry,
                actor=request.user,
                scores=form.scores(),
                submit=submit,
                reason=form.cleaned_data.get("reason", ""),
            )
        except DomainError as error:
            form.place_error(error)
            status = error.status_code
        else:
            if before["submitted"]:
                messages.success(request, _("The changes are saved and logged with your reason."))
            elif submit:
                messages.success(request, _("Your scores are submitted. Thank you!"))
                return redirect("contests:jury", contest_id=contest.pk)
            else:
                messages.success(
                    request, _("The draft is saved. Submit it when every criterion is scored.")
                )
            return redirect("contests:sheet", contest_id=contest.pk, entry_id=entry.pk)
    return render(
        request,
        "contests/sheet.html",
        _sheet_context(request, contest, entry, form=form),
        status=status,
    )


@login_required
@require_POST
def conflict(request: HttpRequest, contest_id: int, entry_id: int) -> HttpResponse:
    contest = _contest(request, contest_id)
    juror = _juror_or_refusal(request, contest)
    if isinstance(juror, HttpResponse):
        return juror
    entry = _assigned_entry(contest, juror, entry_id)
    form = ConflictForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            operations.conflict_declare(
                contest=contest, entry=entry, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
            status = error.status_code
        else:
            messages.success(
                request, _("The conflict of interest is recorded: you are recused from this entry.")
            )
            return redirect("contests:jury", contest_id=contest.pk)
    return render(
        request,
        "contests/sheet.html",
        _sheet_context(request, contest, entry, conflict_form=form),
        status=status,
    )


# --- the organiser's progress page --------------------------------------------------------------


def _organiser_context(contest: Contest, **extra: Any) -> dict[str, Any]:
    progress = selectors.progress(contest, contest.entries.all())
    recusals = selectors.recusal_counts(contest)
    votes = selectors.public_vote_counts(contest)
    flagged = selectors.flagged_vote_counts(contest)
    statuses = dict(contest.entries.values_list("id", "status"))
    for row in progress:
        row["recused"] = recusals.get(row["entry"], 0)
        row["votes"] = votes.get(row["entry"], 0)
        row["flagged"] = flagged.get(row["entry"], 0)
        row["status"] = EntryStatus(statuses[row["entry"]]).label
        row["admitted"] = statuses[row["entry"]] == EntryStatus.PUBLISHED
    nominations = _nominations(contest)
    for nomination in nominations:
        nomination["rows"] = [row for row in progress if row["nomination"] == nomination["code"]]
        nomination["open"] = nomination["code"] in contest.open_votes
    order = ContestStage.order()
    current = contest.current_stage
    following = (
        order[order.index(current) + 1]
        if current not in (ContestStage.RESULTS, ContestStage.FINALISED)
        else None
    )
    disputed: list[dict[str, Any]] = []
    if current == ContestStage.RESULTS:
        results = selectors.results_for(contest)
        titles = dict(contest.entries.values_list("id", "title"))
        disputed = [
            {"entry": row.entry, "title": titles.get(row.entry, ""), "spread": row.spread}
            for row in results.entries
            if row.disputed
        ]
    return {
        "contest": contest,
        "stage_label": current.label,
        "next_stage": following,
        "nominations": nominations,
        "flagged_total": sum(flagged.values()),
        "votes_total": sum(votes.values()),
        "vote_stage": current.allows_public_vote(),
        "has_audience": contest.audience_session_id is not None,
        "disputed": disputed,
        "finalise_form": extra.pop("finalise_form", None) or FinaliseForm(disputed=disputed),
        "error": extra.pop("error", ""),
        "archive": ContestArchive.objects.filter(contest=contest).first(),
        **extra,
    }


def _organised(request: HttpRequest, contest_id: int) -> Contest | HttpResponse:
    contest = _contest(request, contest_id)
    if not selectors.organises(contest, Viewer(request.user)):
        return _refuse(
            request, _("Only the contest's organisers may open this page."), contest=contest
        )
    return contest


@login_required
@require_GET
def organise(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _organised(request, contest_id)
    if isinstance(contest, HttpResponse):
        return contest
    return render(request, "contests/organise.html", _organiser_context(contest))


def _organiser_action(
    request: HttpRequest, contest: Contest, change: Any, done: str, **extra: Any
) -> HttpResponse:
    try:
        change()
    except DomainError as error:
        contest.refresh_from_db()
        return render(
            request,
            "contests/organise.html",
            _organiser_context(contest, error=str(error.message), **extra),
            status=error.status_code,
        )
    messages.success(request, done)
    return redirect("contests:organise", contest_id=contest.pk)


@login_required
@require_POST
def organise_stage(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _organised(request, contest_id)
    if isinstance(contest, HttpResponse):
        return contest
    stage = request.POST.get("stage", "")
    label = ContestStage(stage).label if stage in ContestStage.values else stage
    return _organiser_action(
        request,
        contest,
        lambda: operations.contest_set_stage(contest=contest, actor=request.user, stage=stage),
        _("The contest moved to the stage: %(stage)s.") % {"stage": label},
    )


@login_required
@require_POST
def organise_vote(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _organised(request, contest_id)
    if isinstance(contest, HttpResponse):
        return contest
    nomination = request.POST.get("nomination", "")
    is_open = request.POST.get("open") == "1"
    return _organiser_action(
        request,
        contest,
        lambda: operations.public_vote_set_open(
            contest=contest, actor=request.user, nomination=nomination, is_open=is_open
        ),
        _("The public vote is open.") if is_open else _("The public vote is closed."),
    )


@login_required
@require_POST
def organise_finalise(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _organised(request, contest_id)
    if isinstance(contest, HttpResponse):
        return contest
    disputed = _organiser_context(contest)["disputed"]
    form = FinaliseForm(request.POST, disputed=disputed)
    if not form.is_valid():
        return render(
            request,
            "contests/organise.html",
            _organiser_context(contest, finalise_form=form),
            status=400,
        )
    return _organiser_action(
        request,
        contest,
        lambda: operations.contest_finalise(
            contest=contest, actor=request.user, discussed=form.discussed()
        ),
        _("The results are final and frozen in the archive."),
        finalise_form=form,
    )


# --- the results ---------------------------------------------------------------------------------


@require_GET
def results(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _contest(request, contest_id)
    if not selectors.results_visible(contest, Viewer(request.user)):
        return _refuse(request, _("The results are not published yet."), contest=contest)
    archive = (
        ContestArchive.objects.filter(contest=contest).first()
        if contest.stage == ContestStage.FINALISED
        else None
    )
    if archive is not None:
        document = json.loads(archive.snapshot)  # what was frozen, not a recomputation
    else:
        document = selectors.results_document(contest, selectors.results_for(contest))
    return render(
        request,
        "contests/results.html",
        {"contest": contest, "archive": archive, **results_view(document)},
    )


# --- the big screen ------------------------------------------------------------------------------


def _screen_context(request: HttpRequest, contest: Contest) -> dict[str, Any]:
    viewer = Viewer(request.user)
    entries = selectors.entries_visible_to(contest, viewer).filter(status=EntryStatus.PUBLISHED)
    progress = selectors.progress(contest, entries)  # counts only, never a score
    show_tallies = selectors.public_tallies_shown(contest) and contest.stage in (
        ContestStage.DEFENCE,
        ContestStage.RESULTS,
        ContestStage.FINALISED,
    )
    votes = selectors.public_vote_counts(contest) if show_tallies else {}
    nominations = _nominations(contest)
    for nomination in nominations:
        nomination["rows"] = [
            {**row, "votes": votes.get(row["entry"], 0)}
            for row in progress
            if row["nomination"] == nomination["code"]
        ]
        nomination["open"] = nomination["code"] in contest.open_votes
    return {
        "contest": contest,
        "stage_label": contest.current_stage.label,
        "nominations": [item for item in nominations if item["rows"]],
        "show_tallies": show_tallies,
        "audience": contest.audience_session if contest.open_votes else None,
        "entries_done": sum(1 for row in progress if row["of"] and row["scored"] >= row["of"]),
        "entries_total": len(progress),
    }


@require_GET
def screen(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _contest(request, contest_id)
    session = contest.audience_session
    # The live socket is the audience session's: only join it when this viewer may watch it.
    live_session = (
        session if session is not None and session_visible(session, Viewer(request.user)) else None
    )
    return render(
        request,
        "contests/screen.html",
        {
            **_screen_context(request, contest),
            "live_session": live_session,
            "poll_seconds": SCREEN_POLL_SECONDS,
        },
    )


@require_GET
def screen_live(request: HttpRequest, contest_id: int) -> HttpResponse:
    contest = _contest(request, contest_id)
    return render(request, "contests/_screen_live.html", _screen_context(request, contest))


# --- the participant's public vote (a phone page) ------------------------------------------------


def _ballot_context(
    request: HttpRequest, contest: Contest, ballot: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """Each nomination with its title in the reader's language, the entry voted for, the refusal."""
    refused_in = extra.pop("refused_in", "")
    nominations = []
    for item in ballot["nominations"]:
        chosen = next((e for e in item["entries"] if e.pk == item["my_vote"]), None)
        nominations.append(
            {
                **item,
                "title": localised(item, "title"),
                "chosen": chosen,
                "refusal": extra.get("refusal", "") if item["code"] == refused_in else "",
            }
        )
    return {
        "contest": contest,
        "nominations": nominations,
        "voted": sum(1 for item in nominations if item["my_vote"] is not None),
        "open_count": sum(1 for item in nominations if item["open"]),
        **extra,
    }


def _not_joined(request: HttpRequest, contest: Contest, *, status: int = 200) -> HttpResponse:
    """How to join the audience session; its title and code only for those who may read them."""
    session = contest.audience_session
    viewer = Viewer(request.user)
    visible = session is not None and session_visible(session, viewer)
    code_visible = visible and session is not None and join_code_visible(session, viewer)
    return render(
        request,
        "contests/vote_join.html",
        {
            "contest": contest,
            "session": session if visible else None,
            "has_audience": session is not None,
            "join_code": session.join_code if code_visible and session is not None else "",
        },
        status=status,
    )


@never_cache  # one participant's ballot and vote: never stored by a cache
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The audience's phone: open nominations, entries in this participant's own order, one vote each.

    Works without JavaScript: one small form per entry. A refused vote (closed nomination, a
    second vote) shows the operation's message by its nomination, with its 4xx status.
    """
    contest = get_object_or_404(
        Contest.objects.select_related("forum", "audience_session"), pk=contest_id
    )
    participant = participant_of(request, contest.audience_session)
    viewer = Viewer(request.user, participant)
    if not selectors.contest_visible(contest, viewer):
        raise Http404
    ballot = selectors.ballot_for(contest, viewer)
    if ballot is None:
        return _not_joined(request, contest, status=403 if request.method == "POST" else 200)
    if request.method == "GET":
        context = _ballot_context(request, contest, ballot)
        voted_in = request.GET.get("voted", "")
        thanked = next(
            (
                item
                for item in context["nominations"]
                if item["code"] == voted_in and item["chosen"]
            ),
            None,
        )
        if thanked is not None:
            context["thanks"] = _("Your vote is counted: “%(title)s”. Thank you!") % {
                "title": thanked["chosen"].title
            }
        return render(request, "contests/vote.html", context)
    form = PublicVoteForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "contests/vote.html",
            _ballot_context(request, contest, ballot, form_error=_("Choose an entry to vote for.")),
            status=400,
        )
    entry = Entry.objects.filter(contest=contest, pk=form.cleaned_data["entry"]).first()
    if entry is None:
        raise Http404
    try:
        operations.public_vote_cast(
            contest=contest,
            participant=participant,
            entry=entry,
            address=request.META.get("REMOTE_ADDR", ""),
        )
    except DomainError as error:
        ballot = selectors.ballot_for(contest, viewer) or ballot  # as it is now, after the refusal
        return render(
            request,
            "contests/vote.html",
            _ballot_context(
                request, contest, ballot, refusal=str(error.message), refused_in=entry.nomination
            ),
            status=error.status_code,
        )
    # The thanks are shown from the stored vote (`?voted=`), not a flash message: the vote is
    # the page's own state, and a reload says the same.
    return redirect(f"{request.path}?voted={entry.nomination}#nomination-{entry.nomination}")
