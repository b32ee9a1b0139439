"""Pages of the ceremony and the papers: the big screen, the audience's phones, the organiser's
control, the papers' list and PDFs, and the verification page a diploma's QR code opens.

Views check who asks (through `awards.selectors`), call `awards.operations` for changes and
render; a refusal is a page that says why, with a 4xx status, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from awards import documents, operations, selectors
from awards.models import Document, DocumentKind
from backend import links
from contests.models import Contest, ContestStage
from ideas.errors import DomainError
from ideas.selectors import Viewer

LIVE_VIEWS = ("screen", "phone", "control")


def refused(request: HttpRequest, message: str, status: int, *, title: str = "") -> HttpResponse:
    return render(request, "awards/refused.html", {"message": message, "title": title or _("Not available")},
                  status=status)


def _contest(request: HttpRequest, contest_id: str) -> Contest | HttpResponse:
    contest = Contest.objects.select_related("forum").filter(pk=contest_id).first()
    if contest is None or not selectors.may_watch(contest, Viewer(request.user)):
        return refused(request, _("No such contest."), 404)
    return contest


def _live_context(request: HttpRequest, contest: Contest, view: str) -> dict[str, Any]:
    organiser = selectors.may_conduct(contest, Viewer(request.user))
    ceremony = selectors.ceremony_view(contest, for_organiser=organiser and view != "phone")
    return {
        "contest": contest, "ceremony": ceremony, "organiser": organiser, "view": view,
        "state_url": reverse("awards-ceremony", kwargs={"contest_id": contest.pk}),
        "fragment_url": reverse("awards:ceremony_live", args=[contest.pk]) + f"?view={view}",
    }


def _page(request: HttpRequest, contest_id: str, view: str, template: str) -> HttpResponse:
    found = _contest(request, contest_id)
    if isinstance(found, HttpResponse):
        return found
    context = _live_context(request, found, view)
    if context["organiser"]:
        context.update({
            "start_url": reverse("awards-ceremony-start", kwargs={"contest_id": found.pk}),
            "step_url": reverse("awards-ceremony-step", kwargs={"contest_id": found.pk}),
            "back_url": reverse("awards-ceremony-back", kwargs={"contest_id": found.pk}),
        })
    return render(request, template, context)


@never_cache
def ceremony_phone(request: HttpRequest, contest_id: str) -> HttpResponse:
    return _page(request, contest_id, "phone", "awards/ceremony_phone.html")


@never_cache
def ceremony_screen(request: HttpRequest, contest_id: str) -> HttpResponse:
    return _page(request, contest_id, "screen", "awards/ceremony_screen.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ceremony_control(request: HttpRequest, contest_id: str) -> HttpResponse:
    found = _contest(request, contest_id)
    if isinstance(found, HttpResponse):
        return found
    if not selectors.may_conduct(found, Viewer(request.user)):
        return refused(request, _("Only the contest's organisers conduct the ceremony."), 403)
    if request.method == "POST":
        action = request.POST.get("action")
        operation = {"start": operations.ceremony_start, "step": operations.ceremony_step,
                     "back": operations.ceremony_back}.get(action or "")
        if operation is None:
            return refused(request, _("Unknown action."), 400)
        try:
            operation(contest=found, actor=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("awards:ceremony_control", found.pk)
    return _page(request, contest_id, "control", "awards/ceremony_control.html")


@never_cache
def ceremony_live(request: HttpRequest, contest_id: str) -> HttpResponse:
    """The live part of a ceremony page, rendered again when the state's version changes."""
    found = _contest(request, contest_id)
    if isinstance(found, HttpResponse):
        return found
    view = request.GET.get("view", "phone")
    if view not in LIVE_VIEWS:
        return refused(request, _("Unknown view."), 400)
    context = _live_context(request, found, view)
    if view == "control" and not context["organiser"]:
        return refused(request, _("Only the contest's organisers conduct the ceremony."), 403)
    return render(request, f"awards/_{view}_live.html", context)


# --- papers --------------------------------------------------------------------------------------


def _verify_url(request: HttpRequest | None, document: Document) -> str:
    return links.absolute(request, reverse("awards:verify", args=[document.number]))


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


NOT_FINAL = operations.NOT_FINAL_PAPERS  # marked for translation there


@never_cache
@require_http_methods(["GET", "POST"])
def documents_page(request: HttpRequest, contest_id: str) -> HttpResponse:
    found = _contest(request, contest_id)
    if isinstance(found, HttpResponse):
        return found
    organiser = selectors.may_conduct(found, Viewer(request.user))
    if request.method == "POST":
        if not organiser:
            return refused(request, _("Only the contest's organisers may do this."), 403)
        try:
            issued = operations.documents_issue(contest=found, actor=request.user)
            messages.success(request, ngettext("%(count)s paper issued.", "%(count)s papers issued.", len(issued))
                             % {"count": len(issued)})
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("awards:documents", found.pk)
    if found.stage != ContestStage.FINALISED:
        return refused(request, _(NOT_FINAL), 409, title=_("Papers"))
    papers = list(Document.objects.filter(contest=found).select_related("entry"))
    diplomas = [paper for paper in papers if paper.kind == DocumentKind.DIPLOMA]
    certificates = [paper for paper in papers if paper.kind == DocumentKind.CERTIFICATE]
    return render(request, "awards/documents.html", {
        "contest": found, "organiser": organiser, "diplomas": diplomas, "certificates": certificates,
    })


@login_required
def protocol_pdf(request: HttpRequest, contest_id: str) -> HttpResponse:
    found = _contest(request, contest_id)
    if isinstance(found, HttpResponse):
        return found
    if not selectors.may_conduct(found, Viewer(request.user)):
        return refused(request, _("The jury's protocol is for the contest's organisers only."), 403)
    archive = selectors.archive_of(found)
    if archive is None:
        return refused(request, _("The results are not final yet: the protocol is made from the finalised results."),
                       409)
    return _pdf(documents.protocol(selectors.protocol_facts(found, archive)), f"protocol-{found.pk}.pdf")


@login_required
def papers_pdf(request: HttpRequest, contest_id: str) -> HttpResponse:
    """Every issued paper as one PDF, a page each: the organisers' file for the printer."""
    found = _contest(request, contest_id)
    if isinstance(found, HttpResponse):
        return found
    if not selectors.may_conduct(found, Viewer(request.user)):
        return refused(request, _("Only the contest's organisers may do this."), 403)
    archive = selectors.archive_of(found)
    if archive is None:
        return refused(request, _(NOT_FINAL), 409)
    papers = list(Document.objects.filter(contest=found).select_related("contest__forum", "entry"))
    if not papers:
        return refused(request, _("No papers have been issued yet."), 409)
    snapshot = selectors.snapshot_of(archive)
    stack = documents.papers([(selectors.paper_facts(paper, snapshot), _verify_url(request, paper)) for paper in papers])
    return _pdf(stack, f"papers-{found.pk}.pdf")


def _paper_response(request: HttpRequest, document: Document) -> HttpResponse:
    archive = selectors.archive_of(document.contest)
    if archive is None:
        return refused(request, _(NOT_FINAL), 409)
    facts = selectors.paper_facts(document, selectors.snapshot_of(archive))
    return _pdf(documents.paper(facts, _verify_url(request, document)), f"{document.kind}-{document.number}.pdf")


def entry_paper_pdf(request: HttpRequest, contest_id: str, entry_id: str, kind: str) -> HttpResponse:
    found = _contest(request, contest_id)
    if isinstance(found, HttpResponse):
        return found
    if not selectors.papers_public(found, Viewer(request.user)):
        return refused(request, _(NOT_FINAL), 409)
    entry = found.entries.filter(pk=entry_id).first()
    if entry is None:
        return refused(request, _("No such entry in this contest."), 404)
    document = Document.objects.select_related("contest__forum", "entry").filter(entry=entry, kind=kind).first()
    if document is None:
        if kind == DocumentKind.DIPLOMA:
            snapshot = selectors.snapshot_of(selectors.archive_of(found))  # type: ignore[arg-type]
            row = next((row for row in selectors.rows_of(snapshot) if row.get("entry") == entry.pk), None)
            if row is None or selectors.prize_place(snapshot, row) is None:
                return refused(request, _("This entry did not win a prize: it gets a participant certificate, "
                                          "not a diploma."), 409)
        return refused(request, _("This paper has not been issued yet: the organisers issue the papers."), 404)
    return _paper_response(request, document)


def paper_pdf(request: HttpRequest, number: str) -> HttpResponse:
    document = Document.objects.select_related("contest__forum", "entry").filter(number=number.upper()).first()
    if document is None:
        return refused(request, _("No paper with this number was issued."), 404)
    return _paper_response(request, document)


@never_cache
def verify_page(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.verify(number)
    status = {"valid": 200, "unknown": 404, "changed": 409}[found.status]
    return render(request, "awards/verify.html", {"found": found, "number": number}, status=status)
