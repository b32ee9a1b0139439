"""Numbers that arrive as text: ids in paths, integers in query strings.

One reading for the whole API, so no view parses a number its own way. Only ASCII digits
count (`"²".isdigit()` is true, `int("²")` is an error) and every number is bounded: an id
beyond a 64-bit integer cannot exist in any table, and the databases refuse to compare one.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.routers import DefaultRouter

from ideas.errors import InvalidInput

MAX_ID = 2**63 - 1  # the largest value a BigAutoField can hold
# Path ids: ASCII digits, at most 18 of them (every 18-digit number fits in 64 bits), so a path
# with letters, Unicode digits or a number beyond any table answers 404 before a view runs.
ID_PATTERN = r"[0-9]{1,18}"
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
# What `query_int` takes by default, for `OpenApiParameter(type=...)`.
POSITIVE_INT_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}


def parse_int(raw: Any, *, min_value: int, max_value: int) -> int | None:
    """The integer `raw` spells in ASCII digits, if it is within the bounds; otherwise None."""
    text = str(raw).strip()
    if not _ASCII_INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if min_value <= value <= max_value else None


def whole_number_message(min_value: int, max_value: int) -> str:
    if max_value >= MAX_ID:  # "up to 9223372036854775807" tells a person nothing
        return _("Give a whole number, at least %(min)d.") % {"min": min_value}
    return _("Give a whole number from %(min)d to %(max)d.") % {"min": min_value, "max": max_value}


def query_int(
    params: Any,
    name: str,
    *,
    default: int | None = None,
    min_value: int = 1,
    max_value: int = MAX_ID,
) -> int | None:
    """An integer query parameter: `default` when absent or empty, 400 when it is not a number in range."""
    raw = params.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    value = parse_int(raw, min_value=min_value, max_value=max_value)
    if value is None:
        message = whole_number_message(min_value, max_value)
        raise InvalidInput(message, fields={name: [message]})
    return value


class IdConverter:
    """`<id:pk>` in URL patterns: the same ids the routers accept."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(value)


class _IdBounds:
    """What every id field shares: 1 … 2**63 - 1, and one message for anything else."""

    default_error_messages = {"invalid": gettext_lazy("Give the id as a whole number.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdField(_IdBounds, serializers.IntegerField):
    """An id in a JSON body: a true integer (not a boolean, not text) that can exist in a table."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class QueryIdField(_IdBounds, serializers.IntegerField):
    """An id in a query string (text by nature): ASCII digits within 64 bits."""

    def to_internal_value(self, data: Any) -> int:
        value = parse_int(data, min_value=-MAX_ID, max_value=MAX_ID)
        if value is None:
            self.fail("invalid")
        return int(super().to_internal_value(value))


class IdFormField(_IdBounds, forms.IntegerField):
    """django-filter's form field for an id: ASCII digits, 64-bit range."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        parsed = parse_int(value, min_value=-MAX_ID, max_value=MAX_ID)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class IdFilter(django_filters.NumberFilter):
    """Filter by a related record's id (`?forum=3`): garbage and out-of-range ids answer 400."""

    field_class = IdFormField


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset pages, read strictly: ASCII whole numbers, `limit` capped at 1,000.

    DRF reads anything `int()` reads (`?offset=36893488147419103231`), and a number the database
    cannot take answered 500. Here a number out of range or not a number answers 400; a limit
    above the cap is cut to it, as DRF documents.
    """

    max_limit = 1000
    max_offset = 2**31 - 1

    def get_limit(self, request: Any) -> int | None:
        limit = query_int(request.query_params, self.limit_query_param, default=self.default_limit)
        return None if limit is None else min(limit, self.max_limit)

    def get_offset(self, request: Any) -> int:
        offset = query_int(
            request.query_params,
            self.offset_query_param,
            default=0,
            min_value=0,
            max_value=self.max_offset,
        )
        return offset or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": MAX_ID},
            self.offset_query_param: {"minimum": 0, "maximum": self.max_offset},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class IdRouter(DefaultRouter):
    """Detail routes take ASCII ids that fit in 64 bits (`ideas.api.params.ID_PATTERN`).

    DRF's default (`[^/.]+`) let `/ideas/abc/` and `/ideas/²/vote/` reach the views, where
    `int()` or the database failed with a 500; now such paths are a plain 404.
    """

    def get_lookup_regex(self, viewset: Any, lookup_prefix: str = "") -> str:
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(
            viewset, "lookup_field", "pk"
        )
        value = getattr(viewset, "lookup_value_regex", ID_PATTERN)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{value})"
