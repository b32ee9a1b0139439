"""Library pages: the shelf (search and filters), a card, the exports, and the team's forms.

Thin views: what may be read comes from `library.selectors`, search from `library.search`,
every change from `library.operations`; a refusal is shown in the reader's language with
its 4xx status, and nothing is written.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.links import base as public_base
from contests.models import Entry
from ideas.errors import DomainError, InvalidInput
from library import exports, operations, selectors
from library.models import Practice
from library.search import library_search, similar_practices

PAGE_SIZE = 20


def _filters_or_error(request: HttpRequest) -> tuple[selectors.LibraryFilters, str]:
    try:
        return selectors.filters_from(request.GET), ""
    except InvalidInput as problem:
        return selectors.LibraryFilters(), str(problem.message)


def library_list(request: HttpRequest) -> HttpResponse:
    filters, error = _filters_or_error(request)
    hits: list[Any] = []
    page = None
    if not error:
        if filters.query:
            hits = library_search(filters)
        else:
            practices = filters.apply(selectors.public_practices()).select_related("current_version")
            page = Paginator(practices.order_by("-year", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "choices": selectors.filter_choices(),
        "hits": hits,
        "page": page,
        "error": error,
        "query_string": urlencode(filters.as_params()),
    }
    return render(request, "library/list.html", context, status=400 if error else 200)


def _public_or_404(pk: int) -> Practice:
    practice = selectors.practice_public(pk)
    if practice is None:
        raise Http404(_("No such practice in the library."))
    return practice


def library_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _public_or_404(pk)
    versions = list(selectors.versions_of(practice))
    context = {
        "practice": practice,
        "version": practice.current_version,
        "nomination": selectors.nomination_label(practice),
        "prizes": [exports.prize_label(prize) for prize in practice.prizes],
        "earlier": versions[1:],
        "similar": similar_practices(practice),
        "may_edit": operations.may_edit(practice, request.user),
    }
    return render(request, "library/detail.html", context)


def library_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    """A photo of a public card: served under the library's read rule, whatever the contest's."""
    practice = _public_or_404(pk)
    version = practice.current_version
    if version is None or photo_id not in {photo.get("id") for photo in version.photos}:
        raise Http404(_("No such photo."))
    photo = practice.entry.photos.filter(pk=photo_id).first()
    if photo is None or not photo.image:
        raise Http404(_("No such photo."))
    try:
        handle = photo.image.open("rb")
    except OSError:
        raise Http404(_("No such photo.")) from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _download(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_filters(request: HttpRequest) -> selectors.LibraryFilters | HttpResponse:
    filters, error = _filters_or_error(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    return filters


def library_csv(request: HttpRequest) -> HttpResponse:
    filters = _export_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    text = exports.practices_csv(exports.practices_for(filters), base_url=public_base(request))
    return _download(text, "text/csv", "veche-library.csv")


def library_json(request: HttpRequest) -> HttpResponse:
    filters = _export_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    text = exports.practices_json(exports.practices_for(filters), filters, base_url=public_base(request))
    return _download(text, "application/json", "veche-library.json")


# --- the team's forms ---------------------------------------------------------------------------


EDIT_FIELDS = ("title", "organisation", "territory", "problem", "actions", "resources", "results", "contacts")
MULTILINE = {"problem", "actions", "resources", "results"}


def _edit_labels() -> list[tuple[str, str]]:
    labels = {
        "title": _("Title"), "organisation": _("Organisation"), "territory": _("Territory"), "problem": _("Problem"),
        "actions": _("What was done"), "resources": _("Resources"), "results": _("Results"),
        "contacts": _("Contacts to show on the card"),
    }
    return [(name, str(labels[name])) for name in EDIT_FIELDS]


@require_http_methods(["GET", "POST"])
def library_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The team changes its card (a new version) or withdraws it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    practice = _public_or_404(pk)
    version = practice.current_version
    values = {name: getattr(version, name) for name in EDIT_FIELDS}
    error, fields_errors, status = "", {}, 200
    if not operations.may_edit(practice, request.user):
        error, status = _("Only the practice's team or an organiser of its contest may change it."), 403
    elif request.method == "POST":
        try:
            if request.POST.get("withdraw"):
                operations.practice_withdraw(practice=practice, actor=request.user, reason=request.POST.get("reason", ""))
                return redirect("library:list")
            values = {name: request.POST.get(name, "") for name in EDIT_FIELDS}
            changed = {name: value for name, value in values.items() if value != getattr(version, name)}
            operations.practice_update(practice=practice, actor=request.user, data=changed or values, note=request.POST.get("note", ""))
            return redirect("library:detail", pk=practice.pk)
        except DomainError as problem:
            error, fields_errors, status = str(problem.message), problem.fields, problem.status_code
    fields = [(name, label, name in MULTILINE, values[name]) for name, label in _edit_labels()]
    context = {"practice": practice, "fields": fields, "error": error, "field_errors": fields_errors, "allowed": status != 403}
    return render(request, "library/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def library_publish(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The entry's team agrees to publish it (or an organiser records the team's written consent)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    entry = get_object_or_404(Entry.objects.select_related("contest__forum"), pk=entry_id)
    team = operations.is_team(entry, request.user)
    allowed = team or operations.is_organiser(entry, request.user)
    error, status = "", 200
    values = {"public_contacts": "", "note": ""}
    if not allowed:
        # Not the team, not an organiser: the entry itself stays private (no title shown).
        error, status = _("Only the entry's team may agree to publish it, or an organiser recording the team's written consent."), 403
    elif request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        if not request.POST.get("agree"):
            error, status = _("Tick the box to confirm the team's consent."), 400
        else:
            try:
                practice = operations.practice_publish(entry=entry, actor=request.user, **values)
                return redirect("library:detail", pk=practice.pk)
            except DomainError as problem:
                error, status = str(problem.message), problem.status_code
    context = {"entry": entry if allowed else None, "team": team, "values": values, "error": error}
    return render(request, "library/publish.html", context, status=status)
