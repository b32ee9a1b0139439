"""The moderator console: stage, timer, moderation queue, merges, the grouping board.

Every action is a small form posted here (htmx or plain); each view checks the
moderator, calls the one domain operation and answers with a status line. The
board itself refreshes from the live stream, so every console stays in step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from archive.models import SessionArchive
from archive.services import archive_add_addendum
from ideas import operations, selectors, tallies
from ideas.errors import DomainError, InvalidInput, NotFound, WrongStage
from ideas.models import (
    CaseSession,
    Group,
    GroupSuggestion,
    HideReason,
    Idea,
    IdeaStatus,
    ModerationAction,
    Stage,
)
from pages import access, display, screen_state
from pages.forms import TimerForm

REVEAL_LABELS = [_lazy("top ideas"), _lazy("the leading idea of each sector"), _lazy("ideas supported by every sector")]


def _session(request: HttpRequest, session_id: int) -> tuple[CaseSession | None, HttpResponse | None]:
    """The session for its moderator; else why not, without telling outsiders what exists.

    Anonymous visitors are sent to the staff login before anything is looked up; a signed-in
    reader who may not read the session gets 404 (as on every page), one who may gets 403.
    """
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    session = get_object_or_404(CaseSession.objects.select_related("forum"), pk=session_id)
    if not selectors.session_visible(session, access.viewer(request, session)):
        raise Http404
    return session, access.moderator_refusal(request, session)


def console_context(session: CaseSession) -> dict[str, Any]:
    ideas = list(
        Idea.objects.filter(session=session).select_related("author", "group", "merged_into").order_by("-created_at", "-id")
    )
    totals = tallies.idea_tallies(session)
    method = session.voting_method
    for idea in ideas:
        idea.counts = totals.get(idea.pk, tallies.Tally()).as_dict(method)  # type: ignore[attr-defined]
        idea.suggested_reason = display.suggested_hide_reason(idea.flags)  # type: ignore[attr-defined]
        idea.flag_words = display.flag_words(idea.flags)  # type: ignore[attr-defined]
    published = [idea for idea in ideas if idea.status == IdeaStatus.PUBLISHED]
    groups = list(Group.objects.filter(session=session).order_by("order", "id"))
    members: dict[int | None, list[Idea]] = {}
    for idea in published:
        members.setdefault(idea.group_id, []).append(idea)
    board = [(group, members.get(group.pk, [])) for group in groups]
    recent_actions = list(
        ModerationAction.objects.filter(session=session).select_related("actor").order_by("-created_at", "-id")[:8]
    )
    for action in recent_actions:
        action.text = display.action_text(action)  # type: ignore[attr-defined]
    current = session.current_stage
    stages = [(stage, stage.label, current.may_move_to(stage)) for stage in Stage.order()]
    return {
        "session": session,
        "method": method,
        "stages": stages,
        "queue": [idea for idea in ideas if idea.status == IdeaStatus.PENDING],
        "published": published,
        "hidden": [idea for idea in ideas if idea.status == IdeaStatus.HIDDEN],
        "merged": [idea for idea in ideas if idea.status == IdeaStatus.MERGED],
        "groups": groups,
        "board": board,
        "ungrouped": members.get(None, []),
        "hide_reasons": HideReason.choices,
        "participants_count": session.participants.aggregate(n=Count("id"))["n"],
        "timer_form": TimerForm(),
        "recent_actions": recent_actions,
        "grouping_allowed": current.allows_grouping(),
        "screen": screen_state.screen_state(session.pk),
        "reveal_steps": list(enumerate(REVEAL_LABELS)),
        "archive": SessionArchive.objects.filter(session=session).first() if session.stage == Stage.ARCHIVED else None,
        "addenda": [],
        "has_suggestion": GroupSuggestion.objects.filter(session=session).exists(),
        "moderation_allowed": current.allows_moderation(),
    }


@require_GET
def console(request: HttpRequest, session_id: int) -> HttpResponse:
    session, refusal = _session(request, session_id)
    if refusal or session is None:
        return refusal or HttpResponse(status=403)
    return render(request, "pages/console.html", console_context(session))


@require_GET
def console_live(request: HttpRequest, session_id: int) -> HttpResponse:
    session, refusal = _session(request, session_id)
    if refusal or session is None:
        return HttpResponse(status=403)
    return render(request, "pages/_console_live.html", console_context(session))


# --- actions ------------------------------------------------------------------------------------


def _int(request: HttpRequest, name: str) -> int:
    raw = request.POST.get(name, "").strip().lstrip("#№")
    if not raw.isdigit():
        raise InvalidInput(_("Give a number."), fields={name: [_("Give a number.")]})
    return int(raw)


def _idea(session: CaseSession, request: HttpRequest, name: str = "idea") -> Idea:
    idea = Idea.objects.select_related("session").filter(session=session, pk=_int(request, name)).first()
    if idea is None:
        raise NotFound(_("No such idea in this session."))
    return idea


def _group(session: CaseSession, request: HttpRequest, name: str = "group") -> Group:
    group = Group.objects.select_related("session").filter(session=session, pk=_int(request, name)).first()
    if group is None:
        raise NotFound(_("No such group in this session."))
    return group


def _stage(request: HttpRequest, session: CaseSession) -> str:
    operations.session_set_stage(session=session, actor=request.user, stage=request.POST.get("stage", ""))
    session.refresh_from_db()
    return _("Stage: %(stage)s.") % {"stage": session.get_stage_display()}


def _timer(request: HttpRequest, session: CaseSession) -> str:
    if request.POST.get("clear"):
        operations.session_set_timer(session=session, actor=request.user, seconds=None)
        return _("Timer cleared.")
    form = TimerForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Give the timer in minutes, from 1 to 1440."))
    minutes = form.cleaned_data["minutes"]
    operations.session_set_timer(session=session, actor=request.user, seconds=minutes * 60)
    return _("Timer started: %(minutes)d min.") % {"minutes": minutes}


def _approve(request: HttpRequest, session: CaseSession) -> str:
    idea = _idea(session, request)
    operations.idea_moderate(idea=idea, actor=request.user, status=IdeaStatus.PUBLISHED)
    return _("Idea %(number)d is published.") % {"number": idea.pk}


def _hide(request: HttpRequest, session: CaseSession) -> str:
    idea = _idea(session, request)
    if request.POST.get("reason", "") not in HideReason.values:
        # No default: a quick click must not record a reason the moderator did not choose.
        raise InvalidInput(_("Choose why the idea is hidden."), fields={"reason": [_("Choose why the idea is hidden.")]})
    operations.idea_moderate(
        idea=idea,
        actor=request.user,
        status=IdeaStatus.HIDDEN,
        reason=request.POST.get("reason", ""),
        note=request.POST.get("note", ""),
    )
    return _("Idea %(number)d is hidden.") % {"number": idea.pk}


def _merge(request: HttpRequest, session: CaseSession) -> str:
    duplicate = _idea(session, request)
    target = _idea(session, request, "into")
    operations.idea_merge(duplicate=duplicate, target=target, actor=request.user)
    return _("Idea %(duplicate)d is merged into idea %(target)d; its votes moved along.") % {
        "duplicate": duplicate.pk,
        "target": target.pk,
    }


def _unmerge(request: HttpRequest, session: CaseSession) -> str:
    idea = _idea(session, request)
    operations.idea_unmerge(duplicate=idea, actor=request.user)
    return _("Idea %(number)d is separate again.") % {"number": idea.pk}


def _group_create(request: HttpRequest, session: CaseSession) -> str:
    group = operations.group_create(session=session, actor=request.user, title=request.POST.get("title", ""))
    return _("Group “%(title)s” created.") % {"title": group.title}


def _group_rename(request: HttpRequest, session: CaseSession) -> str:
    group = operations.group_update(group=_group(session, request), actor=request.user, title=request.POST.get("title", ""))
    return _("Group renamed to “%(title)s”.") % {"title": group.title}


def _group_merge(request: HttpRequest, session: CaseSession) -> str:
    group = _group(session, request)
    into = operations.group_merge(group=group, into=_group(session, request, "into"), actor=request.user)
    return _("Group “%(group)s” merged into “%(into)s”.") % {"group": group.title, "into": into.title}


def _group_delete(request: HttpRequest, session: CaseSession) -> str:
    group = _group(session, request)
    operations.group_delete(group=group, actor=request.user)
    return _("Group “%(title)s” deleted; its ideas are ungrouped.") % {"title": group.title}


def _idea_group(request: HttpRequest, session: CaseSession) -> str:
    idea = _idea(session, request)
    group = _group(session, request) if request.POST.get("group") else None
    operations.idea_set_group(session=session, actor=request.user, idea_ids=[idea.pk], group=group)
    if group is None:
        return _("Idea %(number)d is ungrouped.") % {"number": idea.pk}
    return _("Idea %(number)d moved to “%(title)s”.") % {"number": idea.pk, "title": group.title}


def _screen_join(request: HttpRequest, session: CaseSession) -> str:
    shown = request.POST.get("shown") == "1"
    screen_state.set_join(session.pk, shown)
    return _("The big screen shows the join invitation.") if shown else _("The big screen follows the stage again.")


def _screen_reveal(request: HttpRequest, session: CaseSession) -> str:
    if session.stage != Stage.RESULTS:
        raise WrongStage(_("Results are revealed on the big screen during the results stage."))
    state = screen_state.set_reveal(session.pk, _int(request, "step"))
    return _("The big screen shows: %(step)s.") % {"step": REVEAL_LABELS[state.reveal]}


def _addendum(request: HttpRequest, session: CaseSession) -> str:
    archive = SessionArchive.objects.filter(session=session).first()
    if archive is None:
        raise WrongStage(_("A correction can be added once the session is archived."))
    archive_add_addendum(archive=archive, actor=request.user, text=request.POST.get("text", ""))
    return _("The correction is published beside the archive record.")


ACTIONS: dict[str, Callable[[HttpRequest, CaseSession], str]] = {
    "screen-join": _screen_join,
    "screen-reveal": _screen_reveal,
    "addendum": _addendum,
    "stage": _stage,
    "timer": _timer,
    "approve": _approve,
    "hide": _hide,
    "merge": _merge,
    "unmerge": _unmerge,
    "group-create": _group_create,
    "group-rename": _group_rename,
    "group-merge": _group_merge,
    "group-delete": _group_delete,
    "idea-group": _idea_group,
}


@require_POST
def act(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    session, refusal = _session(request, session_id)
    if refusal or session is None:
        return refusal or HttpResponse(status=403)
    handler = ACTIONS.get(action)
    if handler is None:
        return HttpResponse(status=404)
    try:
        message, ok = handler(request, session), True
    except DomainError as error:
        message, ok = str(error.message), False
    if not request.htmx:
        (messages.success if ok else messages.error)(request, message)
        return redirect("pages:moderate", session_id=session.pk)
    # 200 even for a refused action: htmx swaps only successful answers, and the
    # moderator must read why (wrong stage, bad input) in the status line.
    response = render(request, "pages/_console_status.html", {"message": message, "ok": ok})
    if ok:
        response["HX-Trigger"] = "veche-refresh"
    return response
