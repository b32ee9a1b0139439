"""Organiser pages: the desk, forums, their programme, sessions from templates, invitations, posters.

Views stay thin: find the object, ask `forums.selectors` / `ideas.selectors` who may see it,
call `forums.operations` or `ideas.operations`, render. A refused change shows its
translated message next to the field (or at the top) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend import links
from forums import operations, posters, selectors
from forums.forms import (
    EventForm,
    ForumForm,
    HallForm,
    InvitationForm,
    ModeratorInvitationForm,
    SectorFormSet,
    SessionDuplicateForm,
    SessionEditForm,
    SessionNewForm,
)
from forums.models import Hall, Invitation, ProgrammeEvent, Role
from forums.session_templates import BY_KEY, TEMPLATES, voting_in_words
from ideas import operations as session_operations
from ideas.errors import DomainError
from ideas.models import CaseSession, Forum, Stage
from ideas.selectors import Viewer


class Refused(PermissionDenied):
    """403 with the reason in the user's language (rendered by `forums/403.html` via the handler)."""


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "forums/refused.html", {"message": message}, status=403)


def _place_error(form: Any, error: DomainError) -> None:
    placed = False
    for field, problems in (error.fields or {}).items():
        if field in form.fields:
            for problem in problems if isinstance(problems, list) else [problems]:
                form.add_error(field, str(problem))
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def _forum_for(request: HttpRequest, forum_id: int) -> Forum | HttpResponse:
    forum = get_object_or_404(Forum, pk=forum_id)
    if not selectors.may_organise(forum, Viewer(request.user)):
        return _refuse(request, _("Only this forum's organisers may change it."))
    return forum


def _session_for(request: HttpRequest, session_id: int) -> CaseSession | HttpResponse:
    session = get_object_or_404(CaseSession.objects.select_related("forum"), pk=session_id)
    viewer = Viewer(request.user)
    if not (session.is_moderator(request.user) or viewer.organises(session.forum)):
        return _refuse(request, _("Only the session's moderators and its forum's organisers may open this page."))
    return session


# --- the desk ---------------------------------------------------------------------------------------


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    viewer = Viewer(request.user)
    forums = list(selectors.forums_organised_by(viewer).order_by("-starts_on", "-id"))
    sessions = list(selectors.sessions_prepared_by(viewer).order_by("-created_at")[:50])
    return render(
        request,
        "forums/desk.html",
        {"forums": forums, "sessions": sessions, "may_create": selectors.may_create_forums(viewer)},
    )


# --- forums -----------------------------------------------------------------------------------------


def _forum_initial(forum: Forum | None) -> dict[str, Any]:
    if forum is None:
        return {"time_zone": timezone.get_default_timezone_name(), "is_public": True, "age_rating": "0+"}
    return {name: getattr(forum, name) for name in ForumForm.base_fields}


def _sectors_initial(forum: Forum | None) -> list[dict[str, str]]:
    if forum is None:
        return Forum().sectors
    return list(forum.sectors)


@login_required
@require_http_methods(["GET", "POST"])
def forum_edit(request: HttpRequest, forum_id: int | None = None) -> HttpResponse:
    forum: Forum | None = None
    if forum_id is not None:
        found = _forum_for(request, forum_id)
        if isinstance(found, HttpResponse):
            return found
        forum = found
    elif not selectors.may_create_forums(Viewer(request.user)):
        return _refuse(request, _("Only organisers may create forums. Ask for an invitation."))
    form = ForumForm(request.POST or None, initial=_forum_initial(forum))
    if request.method == "POST":
        sectors = SectorFormSet(request.POST, prefix="sectors")
    else:
        sectors = SectorFormSet(initial=_sectors_initial(forum), prefix="sectors")
    status = 200
    if request.method == "POST":
        if form.is_valid() and sectors.is_valid():
            fields = {**form.cleaned_data, "sectors": sectors.sectors()}
            try:
                if forum is None:
                    forum = operations.forum_create(actor=request.user, **fields)
                    messages.success(request, _("The forum is created. Now add halls and the programme."))
                else:
                    operations.forum_update(forum=forum, actor=request.user, **fields)
                    messages.success(request, _("The forum is saved."))
            except DomainError as error:
                _place_error(form, error)
            else:
                return redirect("forums:forum", forum_id=forum.pk)
        status = 400
    return render(
        request, "forums/forum_edit.html", {"forum": forum, "form": form, "sectors": sectors}, status=status
    )


def _forum_context(request: HttpRequest, forum: Forum, **extra: Any) -> dict[str, Any]:
    viewer = Viewer(request.user)
    sessions = list(CaseSession.objects.filter(forum=forum).order_by("-created_at"))
    with timezone.override(selectors.forum_zone(forum)):
        event_form = extra.pop("event_form", None) or EventForm(forum=forum)
    return {
        "forum": forum,
        "days": selectors.programme(forum, viewer),
        "halls": list(Hall.objects.filter(forum=forum)),
        "sessions": sessions,
        "hall_form": extra.pop("hall_form", None) or HallForm(),
        "event_form": event_form,
        "invitation_form": extra.pop("invitation_form", None) or InvitationForm(),
        "invitations": list(selectors.invitations_of(forum)[:30]),
        "zone": forum.time_zone,
        **extra,
    }


@login_required
def forum_page(request: HttpRequest, forum_id: int) -> HttpResponse:
    found = _forum_for(request, forum_id)
    if isinstance(found, HttpResponse):
        return found
    with timezone.override(selectors.forum_zone(found)):
        return render(request, "forums/forum.html", _forum_context(request, found))


@login_required
@require_POST
def hall_add(request: HttpRequest, forum_id: int) -> HttpResponse:
    found = _forum_for(request, forum_id)
    if isinstance(found, HttpResponse):
        return found
    form = HallForm(request.POST)
    if form.is_valid():
        try:
            operations.hall_create(forum=found, actor=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            _place_error(form, error)
        else:
            messages.success(request, _("The hall is added."))
            return redirect(reverse("forums:forum", kwargs={"forum_id": found.pk}) + "#halls")
    with timezone.override(selectors.forum_zone(found)):
        return render(request, "forums/forum.html", _forum_context(request, found, hall_form=form), status=400)


@login_required
@require_POST
def hall_delete(request: HttpRequest, hall_id: int) -> HttpResponse:
    hall = get_object_or_404(Hall.objects.select_related("forum"), pk=hall_id)
    try:
        operations.hall_delete(hall=hall, actor=request.user)
    except DomainError as error:
        return _refuse(request, str(error.message))
    messages.success(request, _("The hall is removed; its events stay in the programme without a hall."))
    return redirect(reverse("forums:forum", kwargs={"forum_id": hall.forum_id}) + "#halls")


def _event_values(form: EventForm) -> dict[str, Any]:
    return {name: form.cleaned_data.get(name) for name in ("title", "kind", "hall", "starts_at", "ends_at", "session", "description")}


def _warn(request: HttpRequest, scheduled: operations.Scheduled) -> None:
    for warning in scheduled.warnings:
        messages.warning(request, _("Saved, but look: %(warning)s") % {"warning": warning})


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, forum_id: int, event_id: int | None = None) -> HttpResponse:
    found = _forum_for(request, forum_id)
    if isinstance(found, HttpResponse):
        return found
    forum = found
    event = get_object_or_404(ProgrammeEvent, pk=event_id, forum=forum) if event_id else None
    with timezone.override(selectors.forum_zone(forum)):
        initial = {}
        if event is not None:
            initial = {
                "title": event.title, "kind": event.kind, "hall": event.hall, "session": event.session,
                "description": event.description,
                "starts_at": timezone.localtime(event.starts_at), "ends_at": timezone.localtime(event.ends_at),
            }
        form = EventForm(request.POST or None, forum=forum, initial=initial)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    if event is None:
                        scheduled = operations.event_create(forum=forum, actor=request.user, **_event_values(form))
                    else:
                        scheduled = operations.event_update(event=event, actor=request.user, **_event_values(form))
                except DomainError as error:
                    _place_error(form, error)
                else:
                    messages.success(request, _("The programme is saved."))
                    _warn(request, scheduled)
                    return redirect(reverse("forums:forum", kwargs={"forum_id": forum.pk}) + "#programme")
            status = 400
        return render(request, "forums/event_edit.html", {"forum": forum, "event": event, "form": form}, status=status)


@login_required
@require_POST
def event_delete(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(ProgrammeEvent.objects.select_related("forum"), pk=event_id)
    try:
        operations.event_delete(event=event, actor=request.user)
    except DomainError as error:
        return _refuse(request, str(error.message))
    messages.success(request, _("The event is removed from the programme."))
    return redirect(reverse("forums:forum", kwargs={"forum_id": event.forum_id}) + "#programme")


# --- sessions -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, forum_id: int) -> HttpResponse:
    found = _forum_for(request, forum_id)
    if isinstance(found, HttpResponse):
        return found
    forum = found
    earlier = selectors.sessions_prepared_by(Viewer(request.user)).order_by("-created_at")
    new_form = SessionNewForm(request.POST if request.POST.get("form") == "template" else None)
    copy_form = SessionDuplicateForm(
        request.POST if request.POST.get("form") == "duplicate" else None, sessions=earlier
    )
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "duplicate" and copy_form.is_valid():
                session = session_operations.session_duplicate(
                    actor=request.user, source=copy_form.cleaned_data["source"], forum=forum,
                    title=copy_form.cleaned_data["title"] or None,
                )
                messages.success(request, _("The session is copied as a draft with a new join code."))
                return redirect("forums:session", session_id=session.pk)
            if request.POST.get("form") == "template" and new_form.is_valid():
                template = BY_KEY[new_form.cleaned_data["template"]]
                session = session_operations.session_create(
                    actor=request.user,
                    forum=forum,
                    title=new_form.cleaned_data["title"] or str(template.title),
                    question=new_form.cleaned_data["question"],
                    join_code=new_form.cleaned_data["join_code"] or None,
                    **template.settings,
                )
                messages.success(request, _("The session is ready as a draft. Open the big screen to show its QR code."))
                return redirect("forums:session", session_id=session.pk)
        except DomainError as error:
            _place_error(copy_form if request.POST.get("form") == "duplicate" else new_form, error)
        status = 400
    return render(
        request,
        "forums/session_new.html",
        {"forum": forum, "form": new_form, "copy_form": copy_form, "templates": TEMPLATES, "has_earlier": earlier.exists()},
        status=status,
    )


def _session_context(request: HttpRequest, session: CaseSession, **extra: Any) -> dict[str, Any]:
    join_path = reverse("pages:join", kwargs={"code": session.join_code})
    return {
        "session": session,
        "join_url": links.absolute(request, join_path),
        "loopback": links.unreachable_from_phones(request),
        "voting_words": voting_in_words(
            session.voting_method, dots_budget=session.dots_budget, dots_max_per_idea=session.dots_max_per_idea
        ),
        "archived": session.stage == Stage.ARCHIVED,
        "edit_form": extra.pop("edit_form", None)
        or SessionEditForm(initial={name: getattr(session, name) for name in SessionEditForm.FIELDS}),
        "invite_form": extra.pop("invite_form", None) or ModeratorInvitationForm(),
        "moderators": list(session.moderators.all()),
        "invitations": list(Invitation.objects.filter(session=session)[:20]),
        "event": getattr(session, "programme_event", None) if hasattr(session, "programme_event") else None,
        **extra,
    }


@login_required
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _session_for(request, session_id)
    if isinstance(found, HttpResponse):
        return found
    return render(request, "forums/session.html", _session_context(request, found))


@login_required
@require_POST
def session_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _session_for(request, session_id)
    if isinstance(found, HttpResponse):
        return found
    form = SessionEditForm(request.POST)
    if form.is_valid():
        try:
            session_operations.session_update(session=found, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _place_error(form, error)
        else:
            messages.success(request, _("The session is saved."))
            return redirect("forums:session", session_id=found.pk)
    found.refresh_from_db()
    return render(request, "forums/session.html", _session_context(request, found, edit_form=form), status=400)


@login_required
@require_POST
def session_invite(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _session_for(request, session_id)
    if isinstance(found, HttpResponse):
        return found
    form = ModeratorInvitationForm(request.POST)
    if form.is_valid():
        try:
            invited = operations.invitation_create(
                actor=request.user, role=Role.MODERATOR, session=found, email=form.cleaned_data["email"],
                link_base=links.base(request),
            )
        except DomainError as error:
            _place_error(form, error)
        else:
            return render(
                request, "forums/session.html",
                _session_context(request, found, new_link=links.absolute(request, invited.path), new_invitation=invited.invitation),
            )
    return render(request, "forums/session.html", _session_context(request, found, invite_form=form), status=400)


@login_required
@require_POST
def forum_invite(request: HttpRequest, forum_id: int) -> HttpResponse:
    found = _forum_for(request, forum_id)
    if isinstance(found, HttpResponse):
        return found
    form = InvitationForm(request.POST)
    with timezone.override(selectors.forum_zone(found)):
        if form.is_valid():
            try:
                invited = operations.invitation_create(
                    actor=request.user, role=form.cleaned_data["role"], forum=found,
                    email=form.cleaned_data["email"], link_base=links.base(request),
                )
            except DomainError as error:
                _place_error(form, error)
            else:
                return render(
                    request, "forums/forum.html",
                    _forum_context(request, found, new_link=links.absolute(request, invited.path), new_invitation=invited.invitation),
                )
        return render(request, "forums/forum.html", _forum_context(request, found, invitation_form=form), status=400)


# --- posters ---------------------------------------------------------------------------------------------


def _poster_response(request: HttpRequest, session_id: int, kind: str) -> HttpResponse:
    found = _session_for(request, session_id)
    if isinstance(found, HttpResponse):
        return found
    join_url = links.absolute(request, reverse("pages:join", kwargs={"code": found.join_code}))
    if kind == "poster":
        data = posters.poster(found, join_url)
    else:
        data = posters.table_cards(found, join_url)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="veche-{kind}-{found.join_code}.pdf"'
    return response


@login_required
def session_poster(request: HttpRequest, session_id: int) -> HttpResponse:
    return _poster_response(request, session_id, "poster")


@login_required
def session_cards(request: HttpRequest, session_id: int) -> HttpResponse:
    return _poster_response(request, session_id, "cards")


def not_found() -> None:
    raise Http404
