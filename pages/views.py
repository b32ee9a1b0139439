"""Pages people use: landing and join, the phone page, the big screen.

Views stay thin: find the session, check who is asking, call `ideas.operations`,
render. The moderator console lives in `pages.console`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend import links
from ideas import operations, selectors
from ideas.api.throttles import WrongCodeLimiter
from ideas.errors import DomainError
from ideas.models import (
    CaseSession,
    Forum,
    Idea,
    Participant,
    Stage,
    normalise_join_code,
)
from pages import access, display
from pages.forms import CodeForm, IdeaForm, JoinForm, apply_domain_error
from pages.screen_state import screen_state

OPEN_STAGES = (Stage.IDEATION, Stage.VOTING, Stage.RESULTS)


# --- landing and joining ---------------------------------------------------------------


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    sessions = selectors.public_sessions().order_by("starts_at", "id")
    forums = list(Forum.objects.filter(is_public=True, sessions__in=sessions).distinct())
    by_forum: dict[int | None, list[CaseSession]] = {}
    for session in sessions:
        by_forum.setdefault(session.forum_id, []).append(session)
    programme = [(forum, by_forum.get(forum.pk, [])) for forum in forums]
    return render(
        request,
        "pages/landing.html",
        {"programme": programme, "loose_sessions": by_forum.get(None, []), "form": CodeForm()},
    )


@require_POST
def join_by_code(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        code = normalise_join_code(form.cleaned_data["code"])
        if code:
            return redirect("pages:join", code=code)
        form.add_error("code", _("Enter the session's join code."))
    return render(request, "pages/landing.html", {"programme": [], "loose_sessions": [], "form": form}, status=400)


def _joinable(code: str) -> CaseSession:
    session = CaseSession.objects.select_related("forum").filter(join_code=normalise_join_code(code)).first()
    if session is None:
        raise Http404(_("No session has this join code. Check the code on the screen."))
    return session


@never_cache  # carries or sets the participant's token: never stored by a cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    # As the REST join: a valid code always works; past the address's limit, wrong codes get 429.
    limiter = WrongCodeLimiter()
    try:
        session = _joinable(code)
    except Http404:
        if limiter.refuse_miss(request) is not None:
            return render(request, "pages/join_blocked.html", status=429)
        return render(request, "pages/join_unknown.html", {"code": code, "form": CodeForm()}, status=404)
    if access.current_participant(request, session) is not None:
        return redirect("pages:phone", session_id=session.pk)
    form = JoinForm(request.POST or None, sectors=session.sectors, names_public=session.show_author_names)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                joined = operations.participant_join(
                    code=session.join_code,
                    display_name=form.cleaned_data["display_name"],
                    sector=form.cleaned_data["sector"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                limiter.note_join(request, session.pk)
                response = redirect("pages:phone", session_id=session.pk)
                access.remember_participant(response, request, session_id=session.pk, token=joined.token)
                return response
        status = 400
    return render(
        request,
        "pages/join.html",
        {"session": session, "form": form, "open": session.stage in OPEN_STAGES},
        status=status,
    )


# --- the participant's phone page ----------------------------------------------------------


class NotFoundPage(Http404):
    """A session this visitor may not read looks like no session at all (and never shows its code)."""


def _participant_or_redirect(request: HttpRequest, session_id: int) -> tuple[CaseSession, Participant | None]:
    """The session and this browser's participant; 404 when the visitor may not read the session."""
    session = get_object_or_404(CaseSession.objects.select_related("forum"), pk=session_id)
    participant = access.current_participant(request, session)
    if participant is None and not selectors.session_visible(session, access.viewer(request, session, participant)):
        raise NotFoundPage
    return session, participant


def _not_joined(request: HttpRequest, session: CaseSession) -> HttpResponse:
    """A reader of the session who has not joined it on this browser.

    Those who may read the code (its moderators) go to the join form; anyone else is asked
    for the code shown in the room: the page never gives it away.
    """
    if selectors.join_code_visible(session, access.viewer(request, session)):
        return redirect("pages:join", code=session.join_code)
    return render(
        request,
        "pages/join_code.html",
        {"session": session, "form": CodeForm(), "open": session.stage in OPEN_STAGES},
    )


def _phone_ideas(session: CaseSession, participant: Participant) -> list[Idea]:
    """Published ideas plus the participant's own that wait for (or failed) moderation."""
    ideas = selectors.ideas_visible_for(session, moderator=False, participant=participant)
    return list(ideas.select_related("author", "group"))


def phone_context(request: HttpRequest, session: CaseSession, participant: Participant) -> dict[str, Any]:
    ideas = _phone_ideas(session, participant)
    board = display.phone_board(session, participant, ideas)
    return {
        "session": session,
        "participant": participant,
        "sector_label": display.sector_label(session, participant.sector),
        "token": access.participant_token(request, session.pk),
        **board,
    }


@never_cache  # carries or sets the participant's token: never stored by a cache
@require_GET
def phone(request: HttpRequest, session_id: int) -> HttpResponse:
    session, participant = _participant_or_redirect(request, session_id)
    if participant is None:
        return _not_joined(request, session)
    context = phone_context(request, session, participant)
    context["idea_form"] = IdeaForm()
    return render(request, "pages/phone.html", context)


@never_cache  # carries or sets the participant's token: never stored by a cache
@require_GET
def phone_live(request: HttpRequest, session_id: int) -> HttpResponse:
    """The changing part of the phone page, fetched by live.js after a live event."""
    session, participant = _participant_or_redirect(request, session_id)
    if participant is None:
        return HttpResponse(status=403)
    return render(request, "pages/_phone_live.html", phone_context(request, session, participant))


@require_POST
def post_idea(request: HttpRequest, session_id: int) -> HttpResponse:
    session, participant = _participant_or_redirect(request, session_id)
    if participant is None:
        return redirect("pages:phone", session_id=session.pk)
    form = IdeaForm(request.POST)
    posted: Idea | None = None
    if form.is_valid():
        try:
            posted = operations.idea_post(session=session, text=form.cleaned_data["text"], author=participant)
        except DomainError as error:
            apply_domain_error(form, error)
    if not request.htmx:
        if posted is not None:
            messages.success(request, display.posted_message(posted))
        elif form.errors:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        return redirect("pages:phone", session_id=session.pk)
    session.refresh_from_db()
    response = render(
        request,
        "pages/_idea_form.html",
        {
            "session": session,
            "idea_form": IdeaForm() if posted else form,
            "posted_message": display.posted_message(posted) if posted else "",
        },
    )
    if posted is not None:
        # The list refreshes at once for the author; everyone else hears it from the live stream.
        response["HX-Trigger"] = "veche-refresh"
    return response


@require_POST
def vote(request: HttpRequest, session_id: int, idea_id: int) -> HttpResponse:
    """The no-script fallback for voting; live.js votes through the API with a request_id."""
    session, participant = _participant_or_redirect(request, session_id)
    if participant is None:
        return redirect("pages:phone", session_id=session.pk)
    raw = request.POST.get("value", "")
    try:
        if raw == "withdraw":
            operations.vote_withdraw(participant=participant, idea_id=idea_id)
        else:
            try:
                value = int(raw)
            except ValueError:
                return HttpResponseBadRequest(_("The vote must be a whole number."))
            operations.vote_cast(participant=participant, idea_id=idea_id, value=value)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your vote is saved."))
    return redirect(reverse("pages:phone", kwargs={"session_id": session.pk}) + f"#idea-{idea_id}")


@require_POST
def leave(request: HttpRequest, session_id: int) -> HttpResponse:
    """Forget this phone's participant (a shared device): the vote record stays."""
    session = get_object_or_404(CaseSession.objects.select_related("forum"), pk=session_id)
    # Back to the session's page (which asks for the code) when it stays readable, else home.
    if selectors.session_visible(session, selectors.Viewer(request.user)):
        response = redirect("pages:phone", session_id=session.pk)
    else:
        response = redirect("pages:landing")
    response.delete_cookie(access.cookie_name(session.pk))
    return response


# --- the big screen ------------------------------------------------------------------------------


def _watchable(request: HttpRequest, session_id: int) -> CaseSession:
    session = get_object_or_404(CaseSession.objects.select_related("forum"), pk=session_id)
    if not access.may_watch(request, session):
        raise NotFoundPage
    return session


def _archive_of(session: CaseSession) -> Any:
    from archive.models import SessionArchive

    return SessionArchive.objects.filter(session=session).only("pk", "sha256").first()


def screen_context(request: HttpRequest, session: CaseSession) -> dict[str, Any]:
    state = screen_state(session.pk)
    board = display.screen_board(session, join_shown=state.join, reveal=state.reveal)
    context: dict[str, Any] = {"session": session, **board}
    if board["mode"] == "archived":
        archive = _archive_of(session)
        if archive is not None:
            archive_url = links.absolute(request, reverse("archive:detail", kwargs={"pk": archive.pk}))
            context.update({"archive": archive, "archive_url": archive_url, "archive_qr": display.qr_svg(archive_url)})
    else:
        join_url = links.absolute(request, reverse("pages:join", kwargs={"code": session.join_code}))
        context.update({"join_url": join_url, "qr_svg": display.qr_svg(join_url)})
    return context


@require_GET
def screen(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _watchable(request, session_id)
    return render(request, "pages/screen.html", screen_context(request, session))


@require_GET
def screen_live(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _watchable(request, session_id)
    return render(request, "pages/_screen_live.html", screen_context(request, session))
