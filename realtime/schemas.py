"""JSON Schemas (draft 2020-12) of every live message, both ways (docs/realtime.md).

`SERVER_MESSAGES[type]` is what the server may send, `CLIENT_MESSAGES[type]` what the server
understands from a client. The tests validate every message they receive or send against
these (`tests/realtime/schemas_check.py`, used by the test clients), so a field added to a
builder in `realtime/events.py` without its schema fails the tests, and so does a schema
that promises a field the server does not send.

Objects are closed (`additionalProperties: false`) where the server builds them itself, so a
field that leaks (a name, a hidden idea's text) is caught; `session.sectors` is open, it is
the forum's configuration.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_INT = {"type": "integer"}
_COUNT = {"type": "integer", "minimum": 0}
_ID = {"type": "integer", "minimum": 1}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_NULLABLE_ID = {"type": ["integer", "null"]}
_STAGE = {"enum": ["draft", "ideation", "voting", "results", "archived"]}


def _object(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
        "additionalProperties": False,
    }


# One idea's votes, per voting method (ideas.tallies.Tally.as_dict).
TALLY: Schema = {
    "oneOf": [
        _object({"supporters": _COUNT, "votes": _COUNT, "score": _INT}),
        _object({"agree": _COUNT, "pass": _COUNT, "disagree": _COUNT, "votes": _COUNT, "score": _INT}),
        _object({"dots": _COUNT, "supporters": _COUNT, "votes": _COUNT, "score": _INT}),
    ]
}

AUTHOR: Schema = {
    "oneOf": [
        {"type": "null"},
        _object({"display_name": {"type": ["string", "null"]}, "sector": _STR}),
    ]
}

IDEA: Schema = _object(
    {
        "id": _ID,
        "title": _STR,
        "text": _STR,
        "status": {"enum": ["pending", "published", "hidden", "merged"]},
        "group": _NULLABLE_ID,
        "merged_into": _NULLABLE_ID,
        "created_at": {"type": "string", "format": "date-time"},
        "mine": _BOOL,
        "author": AUTHOR,
    },
    {
        "hide_reason": _STR,  # moderators, and the author of their own idea
        "flags": {"type": "array", "items": _STR},  # moderators only
        "moderator_note": _STR,  # moderators only
        "tally": TALLY,  # in snapshots, when results are visible to the reader
    },
)

REMOVED_IDEA: Schema = _object({"id": _ID, "visible": {"const": False}})

GROUP: Schema = _object(
    {
        "id": _ID,
        "title": _STR,
        "keywords": {"type": "array", "items": _STR},
        "origin": _STR,
        "order": _INT,
        "ideas": {"type": "array", "items": _ID},
    }
)

SESSION: Schema = _object(
    {
        "id": _ID,
        "title": _STR,
        "question": _STR,
        "description": _STR,
        "stage": _STAGE,
        "voting_method": {"enum": ["support", "agree", "dots"]},
        "dots_budget": {"type": ["integer", "null"]},
        "dots_max_per_idea": {"type": ["integer", "null"]},
        "voting_open": _BOOL,
        "posting_open": _BOOL,
        "live_results_visible": _BOOL,
        "results_visible": _BOOL,
        "is_public": _BOOL,
        "timer_ends_at": {"type": ["string", "null"], "format": "date-time"},
        "sectors": {"type": "array", "items": {"type": "object"}},
    },
    {"show_author_names": _BOOL},
)

PARTICIPANT: Schema = _object({"id": _ID, "display_name": _STR, "sector": _STR})


def _message(kind: str, fields: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """A server message: its `type`, its `seq`, its fields."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": kind,
        **_object({"type": {"const": kind}, "seq": _COUNT, **fields}, optional),
    }


_CONTEST_STAGE = {"enum": ["draft", "submissions", "selection", "defence", "results", "finalised"]}


def _contest_relayed(kind: str) -> Schema:
    """A contest event relayed as emitted (its payload is the emitter's): the contest id at least."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": kind,
        "type": "object",
        "properties": {"type": {"const": kind}, "seq": _COUNT, "contest": _ID},
        "required": ["contest", "seq", "type"],
    }


SERVER_MESSAGES: dict[str, Schema] = {
    "snapshot": _message(
        "snapshot",
        {
            "session": SESSION,
            "stage": _STAGE,
            "results_visible": _BOOL,
            "ideas": {"type": "array", "items": IDEA},
            "groups": {"type": "array", "items": GROUP},
            "online": _COUNT,
        },
        {
            # participants only
            "participant": PARTICIPANT,
            "own_ideas": {"type": "array", "items": IDEA},
            "my_votes": {"type": "object", "patternProperties": {"^[0-9]+$": _INT}, "additionalProperties": False},
            "dots_left": {"type": ["integer", "null"]},
        },
    ),
    "tally": _message(
        "tally",
        {"tallies": {"type": "object", "patternProperties": {"^[0-9]+$": TALLY}, "additionalProperties": False}},
    ),
    "idea.created": _message("idea.created", {"idea": IDEA}),
    "idea.updated": _message("idea.updated", {"idea": {"oneOf": [IDEA, REMOVED_IDEA]}}),
    "groups.updated": _message("groups.updated", {"groups": {"type": "array", "items": GROUP}}),
    "stage": _message("stage", {"stage": _STAGE, "session": SESSION}),
    "session.updated": _message("session.updated", {"stage": _STAGE, "session": SESSION}),
    "presence": _message("presence", {"online": _COUNT}),
    "suggestion.updated": _message("suggestion.updated", {"suggestion": _ID}, {"status": _STR}),
    "suggestion.progress": _message("suggestion.progress", {"suggestion": _ID, "done": _COUNT, "total": _COUNT}),
    "vote.ack": _message(
        "vote.ack",
        {
            "request_id": {"type": ["string", "integer", "null"]},
            "idea": _ID,
            "value": {"type": ["integer", "null"]},
            "changed": _BOOL,
            "duplicate_request": _BOOL,
            "dots_left": {"type": ["integer", "null"]},
        },
    ),
    "error": _message(
        "error",
        {"code": _STR, "message": _STR},
        {
            "status": {"type": "integer", "minimum": 400, "maximum": 599},  # absent only on a refused connect
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": _STR}},
            "request_id": {"type": ["string", "integer"]},
        },
    ),
    "pong": _message("pong", {}),
    # Contests on their audience session's socket (realtime/contest_stream.py): counts, never scores.
    "contest.updated": _message(
        "contest.updated", {"contest": _ID, "stage": _CONTEST_STAGE, "open_votes": {"type": "array", "items": _STR}}
    ),
    "contest.stage": _message("contest.stage", {"contest": _ID, "from": _CONTEST_STAGE, "to": _CONTEST_STAGE}),
    "contest.progress": _message(
        "contest.progress",
        {
            "contest": _ID,
            "progress": {
                "type": "array",
                "items": _object({"entry": _ID, "nomination": _STR, "scored": _COUNT, "of": _COUNT}),
            },
        },
    ),
    "contest.tally": _message(
        "contest.tally",
        {"contest": _ID, "nomination": _STR, "voters": _COUNT},
        # only when the regulations show the public tallies
        {"tallies": {"type": "object", "patternProperties": {"^[0-9]+$": _COUNT}, "additionalProperties": False}},
    ),
    # Emitted by the apps built on contests (awards) through contests.events.emit: open, they own it.
    "contest.ceremony": _contest_relayed("contest.ceremony"),
}


def _client(kind: str, fields: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": kind,
        "type": "object",
        "properties": {"type": {"const": kind}, **fields, **(optional or {})},
        "required": ["type", *sorted(fields)],
    }


# What the server understands from a client (extra fields are ignored, so these are open).
CLIENT_MESSAGES: dict[str, Schema] = {
    "vote": _client(
        "vote",
        {"idea": _ID, "value": {"type": ["integer", "null"]}},
        {"request_id": {"type": ["string", "integer"], "maxLength": 64}},
    ),
    "resume": _client("resume", {"seq": _COUNT}),
    "ping": _client("ping", {}),
}


def validator(schema: Schema) -> Any:
    """A jsonschema validator (imported lazily: only tests and tools validate at run time)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
