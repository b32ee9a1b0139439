"""JSON from clients, refused politely when it is nested too deeply.

Python's JSON reader recurses once per level: 1,000 nested brackets (2 KB) raise
RecursionError, which no handler expected (500 over REST, close 1011 over the socket).
Nothing Veche reads is deeper than a few levels, so deeper input is refused before parsing.
The live socket reads its messages with `loads_bounded` too.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32

# A JSON string literal, written as an "unrolled loop" so it never backtracks.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeep(ValueError):
    """The text nests arrays and objects deeper than the limit."""


def too_deep(text: str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text` nests `[` and `{` (outside strings) deeper than `max_depth`."""
    if text.count("[") + text.count("{") <= max_depth:
        return False  # every real request: too few brackets to be too deep
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def too_deep_message(max_depth: int = MAX_JSON_DEPTH) -> str:
    return _("The JSON is nested too deeply: at most %(depth)d levels.") % {"depth": max_depth}


def loads_bounded(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, raising `TooDeep` (a ValueError) for input nested deeper than `max_depth`."""
    if too_deep(text, max_depth):
        raise TooDeep(too_deep_message(max_depth))
    try:
        return json.loads(text)
    except RecursionError as error:  # belt and braces: the scan above should make this unreachable
        raise TooDeep(too_deep_message(max_depth)) from error


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser (strict: no NaN), refusing too-deep input with a 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = codecs.decode(raw, encoding)
            if too_deep(text):
                raise ParseError(too_deep_message())
            return json.loads(text, parse_constant=json_strict_constant)
        except RecursionError as error:
            raise ParseError(too_deep_message()) from error
        except (LookupError, ValueError) as error:
            raise ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": error}
            ) from error


def json_strict_constant(name: str) -> None:
    """NaN and Infinity are not JSON (DRF's strict mode refuses them the same way)."""
    raise ValueError(f"{name} is not valid JSON")
