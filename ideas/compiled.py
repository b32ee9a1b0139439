"""Querysets compiled once and run many times with new lists of ids (the vote path's reads).

A batch of votes runs the same four reads every time; only the lists of ids change. Building
and compiling each queryset (`filter`, `as_sql`) cost more CPU than the database spent on it
(issue 16). With `in_list`, a list travels as ONE parameter (`= ANY(%s::bigint[])` on
PostgreSQL, `IN (SELECT value FROM json_each(%s))` on SQLite), so the SQL text does not
depend on the list's length: it is compiled by the ORM on first use, kept, and later runs
only pass the lists. Rows come back as plain tuples, as `values_list` gives them, without
the ORM's converters: use it for columns whose raw value is what the caller needs
(ids, text, integers, booleans read by truth).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.db.models import Lookup, QuerySet


class InList(Lookup[Any]):
    """`field__in_list=[...]`: membership with the whole list as one parameter."""

    lookup_name = "in_list"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(list(self.rhs))]  # noqa: S608

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        element = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{element}[])", [*lhs_params, list(self.rhs)]


# Foreign keys keep lookups of their own, apart from other fields'.
models.Field.register_lookup(InList)
models.ForeignKey.register_lookup(InList)


class CompiledQuery:
    """`build(*lists)` → a `values_list` queryset filtering with `in_list` on each list, in order.

    `suffix` is appended to the SQL (`FOR SHARE`, which Django cannot say) where the backend
    takes it (`suffix_vendors`).
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[Any, Any]],
        *,
        suffix: str = "",
        suffix_vendors: Iterable[str] = ("postgresql",),
    ) -> None:
        self.build = build
        self.suffix = suffix
        self.suffix_vendors = frozenset(suffix_vendors)
        self._compiled: dict[str, tuple[str, list[int]]] = {}

    def _compile(self, arity: int) -> tuple[str, list[int]]:
        vendor = connection.vendor
        found = self._compiled.get(vendor)
        if found is None:
            # Distinct marker lists tell where each list's parameter landed in the SQL.
            markers = [[-(position + 1)] for position in range(arity)]
            sql, params = self.build(*markers).query.sql_with_params()
            encoded = [json.dumps(marker) if vendor != "postgresql" else marker for marker in markers]
            slots = [encoded.index(param) for param in params]
            if self.suffix and vendor in self.suffix_vendors:
                sql = f"{sql} {self.suffix}"
            found = self._compiled[vendor] = (sql, slots)
        return found

    def rows(self, *lists: Iterable[Any]) -> list[tuple[Any, ...]]:
        sql, slots = self._compile(len(lists))
        values = [list(values) for values in lists]
        if connection.vendor == "postgresql":
            params: list[Any] = [values[slot] for slot in slots]
        else:
            params = [json.dumps(values[slot]) for slot in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found: list[tuple[Any, ...]] = cursor.fetchall()
        return found
