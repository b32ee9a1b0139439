"""The library as files: `practices.csv` for a spreadsheet and `practices.json` for programs.

Both take the same filters as the page and the API and read only through the read rule
(`library.selectors`). With a search query they hold the search's ranked hits, otherwise
every public practice matching the filters (newest year first). The CSV is written by the
archive's spreadsheet-safe writer (`archive.exports.SafeWriter`: a cell a spreadsheet would
run as a formula gets a leading `'`), in the layout of the archive's table for people:
UTF-8 with a byte-order mark, `;` between cells, CRLF, headers in the reader's language.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from archive.exports import SPREADSHEET_BOM, SafeWriter
from library.models import Practice
from library.search import library_search
from library.selectors import LibraryFilters, nomination_label, public_practices

FORMAT = "veche.library/1"
COLUMNS = (
    "id", "title", "nomination", "year", "territory", "organisation", "problem", "actions", "resources",
    "results", "contacts", "prizes", "contest", "forum", "version", "updated_at", "url",
)


def practices_for(filters: LibraryFilters) -> list[Practice]:
    """What an export holds: the search's hits for a query, else every public practice filtered."""
    if filters.query:
        return [hit.practice for hit in library_search(filters, limit=50)]
    return list(filters.apply(public_practices()).select_related("current_version").order_by("-year", "-id"))


def prize_label(prize: dict[str, Any]) -> str:
    if prize.get("kind") == "audience":
        return _("Audience award")
    place = int(prize.get("place", 0))
    return _("Place %(place)d") % {"place": place}


def prizes_text(practice: Practice) -> str:
    return ", ".join(prize_label(prize) for prize in practice.prizes)


def practice_document(practice: Practice, *, base_url: str = "") -> dict[str, Any]:
    """One practice as the API and the JSON export show it (the current version's texts)."""
    version = practice.current_version
    assert version is not None  # public_practices() has a version by definition
    return {
        "id": practice.pk,
        "url": f"{base_url}/library/{practice.pk}/",
        "title": version.title,
        "organisation": version.organisation,
        "territory": version.territory,
        "problem": version.problem,
        "actions": version.actions,
        "resources": version.resources,
        "results": version.results,
        "contacts": version.contacts,
        "photos": [
            {**photo, "url": f"{base_url}/library/{practice.pk}/photos/{photo['id']}.jpg"} for photo in version.photos
        ],
        "nomination": practice.nomination,
        "nomination_title": nomination_label(practice),
        "year": practice.year,
        "contest": practice.contest_title,
        "forum": practice.forum_title,
        "prizes": [{**prize, "label": prize_label(prize)} for prize in practice.prizes],
        "version": version.number,
        "updated_at": version.created_at.isoformat(),
        "consent_at": practice.consent_at.isoformat(),
    }


def headers() -> list[str]:
    names = {
        "id": _("Number"), "title": _("Title"), "nomination": _("Nomination"), "year": _("Year"),
        "territory": _("Territory"), "organisation": _("Organisation"), "problem": _("Problem"),
        "actions": _("What was done"), "resources": _("Resources"), "results": _("Results"),
        "contacts": _("Contacts"), "prizes": _("Prizes"), "contest": _("Contest"), "forum": _("Forum"),
        "version": _("Version"), "updated_at": _("Updated"), "url": _("Address"),
    }
    return [str(names[column]) for column in COLUMNS]


def _row(practice: Practice, base_url: str) -> list[Any]:
    document = practice_document(practice, base_url=base_url)
    version = practice.current_version
    assert version is not None
    cells = {
        **document,
        "nomination": document["nomination_title"],
        "prizes": prizes_text(practice),
        "updated_at": timezone.localtime(version.created_at).strftime("%Y-%m-%d %H:%M"),
    }
    return [cells[column] for column in COLUMNS]


def practices_csv(practices: Iterable[Practice], *, base_url: str = "") -> str:
    buffer = io.StringIO()
    buffer.write(SPREADSHEET_BOM)
    writer = SafeWriter(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    writer.writerows(_row(practice, base_url) for practice in practices)
    return buffer.getvalue()


def practices_json(practices: Iterable[Practice], filters: LibraryFilters, *, base_url: str = "") -> str:
    items = [practice_document(practice, base_url=base_url) for practice in practices]
    document = {"format": FORMAT, "filters": filters.as_params(), "count": len(items), "practices": items}
    return json.dumps(document, ensure_ascii=False, indent=1)
