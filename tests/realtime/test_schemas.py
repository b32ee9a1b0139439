"""Every live message type has a schema, and docs/realtime.md lists the same types."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from realtime.schemas import CLIENT_MESSAGES, SERVER_MESSAGES, validator
from tests.realtime.schemas_check import check_client_message, check_server_message

DOC = (Path(__file__).resolve().parents[2] / "docs" / "realtime.md").read_text()


def _documented(section: str) -> set[str]:
    body = DOC.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    types: set[str] = set()
    for line in body.splitlines():
        if line.startswith("| `"):
            types |= set(re.findall(r"`([a-z.]+)`", line.split("|")[1]))
    return types


def test_every_documented_type_has_a_schema_and_every_schema_is_documented():
    assert _documented("Server → client") == set(SERVER_MESSAGES)
    assert _documented("Client → server") == set(CLIENT_MESSAGES)


@pytest.mark.parametrize("schema", [*SERVER_MESSAGES.values(), *CLIENT_MESSAGES.values()], ids=lambda s: s["title"])
def test_each_schema_is_a_valid_json_schema(schema):
    validator(schema).check_schema(schema)


def test_a_leaked_field_or_a_wrong_type_is_caught():
    check_server_message({"type": "presence", "seq": 3, "online": 2})
    with pytest.raises(AssertionError, match="presence"):
        check_server_message({"type": "presence", "seq": 3, "online": 2, "names": ["Аня"]})
    idea = {"id": 7, "title": "", "text": "т", "status": "published", "group": None, "merged_into": None,
            "created_at": "2026-09-08T10:01:02+09:00", "mine": False, "author": {"display_name": None, "sector": "ngo"}}
    check_server_message({"type": "idea.created", "seq": 4, "idea": idea})
    with pytest.raises(AssertionError, match="flagz"):
        check_server_message({"type": "idea.created", "seq": 4, "idea": {**idea, "flagz": []}})
    with pytest.raises(AssertionError, match="no schema"):
        check_server_message({"type": "surprise", "seq": 1})


def test_what_the_phone_page_sends_is_valid():
    check_client_message({"type": "vote", "idea": 7, "value": 1, "request_id": "a1b2"})
    check_client_message({"type": "vote", "idea": 7, "value": None, "request_id": "a1b3"})
    check_client_message({"type": "resume", "seq": 41})
    check_client_message({"type": "ping"})
    with pytest.raises(AssertionError):
        check_client_message({"type": "vote", "idea": "7", "value": 1})
