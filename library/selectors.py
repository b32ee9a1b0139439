"""The one read rule of the library, and the filters every surface shares.

A practice is public when its team's consent is recorded and it is not withdrawn; nothing
else is ever shown. An entry without consent has no `Practice` at all, and a withdrawn one
is filtered out here, so the page, the API, search, similar practices and both exports
answer 404 or leave it out, for everyone (organisers included: the library is a public
shelf; organisers see entries in the contest itself). Every surface reads through
`public_practices()` and `public_versions()`; nothing else queries the models for readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ideas.errors import InvalidInput
from library.models import Practice, PracticeVersion

QUERY_MAX = 200
_YEAR = re.compile(r"\d{4}")


def public_practices() -> QuerySet[Practice]:
    """Consented, not withdrawn, with a version to show."""
    return Practice.objects.filter(withdrawn_at__isnull=True, current_version__isnull=False)


def public_versions(filters: LibraryFilters | None = None) -> QuerySet[PracticeVersion]:
    """The current version of every public practice, filtered (what search and similar practices read).

    One join through `current_of` (a version is current exactly when a practice points at it),
    and no default ordering: the search asks for ids, and the planner should see nothing more.
    """
    versions = PracticeVersion.objects.filter(current_of__withdrawn_at__isnull=True).order_by()
    return filters.apply_to_versions(versions) if filters is not None else versions


def practice_public(pk: int) -> Practice | None:
    return public_practices().select_related("current_version").filter(pk=pk).first()


def versions_of(practice: Practice) -> QuerySet[PracticeVersion]:
    """A public practice's history, newest first (the card lists every earlier version)."""
    return practice.versions.order_by("-number")


@dataclass(frozen=True)
class LibraryFilters:
    query: str = ""
    nomination: str = ""
    territory: str = ""
    year: int | None = None

    def apply(self, practices: QuerySet[Practice]) -> QuerySet[Practice]:
        return practices.filter(**self._lookups(nomination="nomination", territory="current_version__territory", year="year"))

    def apply_to_versions(self, versions: QuerySet[PracticeVersion]) -> QuerySet[PracticeVersion]:
        return versions.filter(**self._lookups(nomination="current_of__nomination", territory="territory", year="current_of__year"))

    def _lookups(self, **fields: str) -> dict[str, Any]:
        lookups: dict[str, Any] = {}
        if self.nomination:
            lookups[fields["nomination"]] = self.nomination
        if self.territory:
            lookups[fields["territory"]] = self.territory
        if self.year is not None:
            lookups[fields["year"]] = self.year
        return lookups

    @property
    def narrowed(self) -> bool:
        return bool(self.nomination or self.territory or self.year is not None)

    def as_params(self) -> dict[str, str]:
        params = {"q": self.query, "nomination": self.nomination, "territory": self.territory}
        params["year"] = "" if self.year is None else str(self.year)
        return {key: value for key, value in params.items() if value}


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def filters_from(params: Any) -> LibraryFilters:
    """Read `q`, `nomination`, `territory`, `year` from a query string (pages, API and exports alike)."""
    query = str(params.get("q", "") or "").strip()
    if len(query) > QUERY_MAX:
        raise _invalid("q", _("Search for at most %(count)d characters.") % {"count": QUERY_MAX})
    nomination = str(params.get("nomination", "") or "").strip()[:32]
    territory = str(params.get("territory", "") or "").strip()[:200]
    year_text = str(params.get("year", "") or "").strip()
    year = None
    if year_text:
        if not _YEAR.fullmatch(year_text):
            raise _invalid("year", _("The year is four digits, for example 2026."))
        year = int(year_text)
    return LibraryFilters(query=query, nomination=nomination, territory=territory, year=year)


def nomination_label(practice: Practice) -> str:
    """The nomination in the reader's language (Russian unless an English title exists)."""
    if not (get_language() or "ru").startswith("ru") and practice.nomination_title_en:
        return practice.nomination_title_en
    return practice.nomination_title


def filter_choices() -> dict[str, list[Any]]:
    """What the filters offer: only values some public practice has."""
    practices = public_practices()
    nominations: dict[str, str] = {}
    english = not (get_language() or "ru").startswith("ru")
    for code, title, title_en in practices.values_list("nomination", "nomination_title", "nomination_title_en").distinct():
        nominations.setdefault(code, title_en if english and title_en else title)
    territories = sorted(set(practices.values_list("current_version__territory", flat=True)))
    years = sorted(set(practices.values_list("year", flat=True)), reverse=True)
    return {
        "nominations": sorted(nominations.items(), key=lambda item: item[1]),
        "territories": territories,
        "years": years,
    }
