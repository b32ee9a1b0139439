"""Public archive pages: the list, one outcome per session (printable), and search.

Thin views: visibility comes from `archive.selectors`, search from `archive.search`,
the outcome from the stored snapshot itself, so the page shows exactly what was hashed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from archive.api import ArchiveFilter, search_params
from archive.search import archive_search
from archive.selectors import archives_visible_to
from ideas.errors import InvalidInput
from ideas.models import HideReason, Stage, VotingMethod

PAGE_SIZE = 25


def archive_list(request: HttpRequest) -> HttpResponse:
    archives = archives_visible_to(request.user)
    filters = ArchiveFilter(request.GET, queryset=archives)
    rows = filters.qs if filters.is_valid() else archives.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "archive/list.html", {"page": page, "filters": filters})


def _sector_labels(document: dict[str, Any]) -> dict[str, str]:
    return {sector["code"]: sector["label"] for sector in document.get("sectors", [])}


def _label(choices: Any, code: str | None) -> str:
    """The translated label of a stored code; unknown codes (an older format) show as they are."""
    try:
        return str(choices(code).label)
    except ValueError:
        return code or ""


def _forum_zone(archive: Any) -> ZoneInfo:
    """The forum's own time zone (Якутск: UTC+9), else the server's: the record stores UTC."""
    forum = getattr(archive.session, "forum", None)
    name = getattr(forum, "time_zone", "") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _local(stamp: str, zone: ZoneInfo) -> datetime:
    """An ISO instant from the record ("2032-09-08T03:09:00Z") in the forum's zone."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(zone)


def archive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    archive = get_object_or_404(archives_visible_to(request.user), pk=pk)
    document = json.loads(archive.snapshot)
    labels = _sector_labels(document)
    groups = {group["id"]: group for group in document["groups"]}
    ideas = document["ideas"]
    for idea in ideas:
        idea["group_title"] = groups.get(idea["group"], {}).get("title", "")
        idea["sector_label"] = labels.get(idea["sector"] or "", idea["sector"] or "")
        idea["sector_rows"] = [
            {"label": labels.get(code, code), **block} for code, block in sorted(idea["by_sector"].items())
        ]
    by_id = {idea["id"]: idea for idea in ideas}
    zone = _forum_zone(archive)
    context = {
        "archive": archive,
        "document": document,
        "ideas": ideas,
        "top_ideas": [by_id[pk] for pk in document["top_ideas"] if pk in by_id],
        "consensus_ideas": [by_id[pk] for pk in document["consensus_ideas"] if pk in by_id],
        "groups": [
            {**group, "members": [by_id[pk] for pk in group["ideas"] if pk in by_id]} for group in document["groups"]
        ],
        "turnout_sectors": [
            {"label": labels.get(code, code), **row} for code, row in sorted(document["turnout"]["by_sector"].items())
        ],
        "method": document["session"]["voting_method"],
        "timeline": [
            {"at": entry["at"], "local": _local(entry["at"], zone), "stage": _label(Stage, entry["to"])}
            for entry in document["timeline"]
        ],
        "archived_local": _local(document["archived_at"], zone),
        "time_zone": zone.key,
        "hidden_by_reason": [
            {"reason": _label(HideReason, code), "count": count}
            for code, count in sorted(document["moderation"]["hidden_by_reason"].items())
        ],
        "method_label": _label(VotingMethod, document["session"]["voting_method"]),
        "addenda": archive.addenda.all(),
    }
    return render(request, "archive/detail.html", context)


def archive_search_page(request: HttpRequest) -> HttpResponse:
    error = ""
    hits: list[Any] = []
    query = ""
    try:
        params = search_params(request.GET)
        query = params["query"]
        if query:
            hits = archive_search(
                query, limit=params["limit"], forum_id=params.get("forum_id"), user=request.user
            )
    except InvalidInput as problem:
        error = str(problem.message)
    status = 400 if error else 200
    return render(request, "archive/search.html", {"query": query, "hits": hits, "error": error}, status=status)
