"""CSV exports of an archived session: our own `ideas.csv` and the Polis open-data layout.

Polis publishes each conversation as `comments.csv`
(`timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body`) and
`votes.csv` (`timestamp,datetime,comment-id,voter-id,vote`, 1 agree, -1 disagree,
0 pass). We write the same columns in the same order so tools built for Polis data
read our sessions unchanged. Mapping (also in docs/archive.md):
- comment-id is the idea's id; only published ideas are exported (moderated = 1);
- author-id and voter-id are the archive's pseudonymous voter numbers (0..n-1),
  empty for an idea a moderator posted;
- support and dots votes are agreements (vote 1); agree/pass/disagree map as in Polis;
- timestamp is milliseconds since the epoch, datetime the same instant in UTC
  written the way Polis writes it ("Sat Nov 17 05:09:36 UTC 2018").
Every archived vote is a final one, so each voter appears once per comment.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from archive.models import ArchivedVote, SessionArchive

COMMENTS_HEADER = ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body"]
VOTES_HEADER = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Spreadsheet programs run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class VoteRow(Protocol):
    idea_id: int
    voter: int
    value: int
    voted_at: datetime


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def polis_time(value: datetime) -> tuple[str, str]:
    """(milliseconds since the epoch, the Polis-style date) for an instant; locale-independent."""
    value = _utc(value)
    milliseconds = (value - _EPOCH) // timedelta(milliseconds=1)  # exact: no float rounding
    text = (
        f"{_DAYS[value.weekday()]} {_MONTHS[value.month - 1]} {value.day:02d} "
        f"{value:%H:%M:%S} UTC {value.year}"
    )
    return str(milliseconds), text


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading `'` (CSV injection, OWASP).

    Numbers stay numbers. Every CSV export writes through `_SafeWriter`, so no export
    can forget it; the votes export is numbers and fixed words only, so its bytes (and
    the hash the snapshot holds of them) are unchanged by it.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    """`csv.writer` with `\n` line ends that passes every cell through `spreadsheet_safe`."""

    def __init__(self, buffer: io.StringIO, **dialect: Any) -> None:
        self._writer = csv.writer(buffer, **{"lineterminator": "\n", **dialect})

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


SafeWriter = _SafeWriter  # the same writer for other apps' exports (the library of practices)


def _writer(buffer: io.StringIO) -> _SafeWriter:
    return _SafeWriter(buffer)


def polis_vote(value: int) -> int:
    """Support and any number of dots are agreements; agree/pass/disagree keep their sign."""
    return 1 if value > 0 else value


def votes_csv_from_rows(votes: Iterable[VoteRow]) -> str:
    """votes.csv for rows already in export order (voted_at, idea, voter).

    This exact text is hashed into the snapshot (`votes.sha256`), so it must not
    depend on anything but the rows: no locale, no time zone, `\\n` line ends.
    """
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow(VOTES_HEADER)
    for vote in votes:
        timestamp, text = polis_time(vote.voted_at)
        writer.writerow([timestamp, text, vote.idea_id, vote.voter, polis_vote(vote.value)])
    return buffer.getvalue()


def votes_csv(archive: SessionArchive) -> str:
    rows = ArchivedVote.objects.filter(archive=archive).order_by("voted_at", "idea_id", "voter")
    return votes_csv_from_rows(rows.iterator(chunk_size=5000))


def snapshot_of(archive: SessionArchive) -> dict[str, Any]:
    return dict(json.loads(archive.snapshot))


def comments_csv(archive: SessionArchive) -> str:
    document = snapshot_of(archive)
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow(COMMENTS_HEADER)
    for idea in sorted(document["ideas"], key=lambda row: row["id"]):
        created = datetime.strptime(idea["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        timestamp, text = polis_time(created)
        tally = idea["tally"]
        agrees = tally.get("agree", tally.get("supporters", 0))
        author = idea.get("author")
        writer.writerow(
            [timestamp, text, idea["id"], "" if author is None else author, agrees, tally.get("disagree", 0), 1, idea["text"]]
        )
    return buffer.getvalue()


COLUMN_PAIR = ("votes", "score")  # per published sector


def _idea_table(document: dict[str, Any], sector_name: Any = None) -> tuple[list[str], list[str], list[list[Any]]]:
    """ideas.csv's content, shared by both files: (column keys, sectors, rows in rank order).

    `sector_name` turns a sector code into what the cell shows (the code itself by default).
    """
    name = sector_name or (lambda code: code)
    method = document["session"]["voting_method"]
    counts = {"agree": ["agree", "pass", "disagree"], "dots": ["dots", "supporters"]}.get(method, ["supporters"])
    sectors = sorted({code for idea in document["ideas"] for code in idea["by_sector"]})
    groups = {group["id"]: group["title"] for group in document["groups"]}
    keys = ["rank", "id", "title", "text", "sector", "group", *counts, "votes", "score", "consensus"]
    rows = []
    for idea in document["ideas"]:
        tally = idea["tally"]
        rows.append(
            [
                idea["rank"],
                idea["id"],
                idea["title"],
                idea["text"],
                name(idea["sector"]) if idea["sector"] else "",
                groups.get(idea["group"], ""),
                *[tally.get(key, 0) for key in counts],
                tally["votes"],
                tally["score"],
                idea["consensus"] if idea["consensus"] is not None else "",
                *[idea["by_sector"].get(sector, {}).get(kind, 0) for sector in sectors for kind in COLUMN_PAIR],
            ]
        )
    return keys, sectors, rows


def ideas_csv(archive: SessionArchive) -> str:
    """One row per published idea, in rank order, with totals and a column pair per published sector."""
    keys, sectors, rows = _idea_table(snapshot_of(archive))
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow([*keys, *[f"{kind}_{sector}" for sector in sectors for kind in COLUMN_PAIR]])
    writer.writerows(rows)
    return buffer.getvalue()


# The table for people: UTF-8 with a byte-order mark (Excel reads the file as UTF-8 only then;
# LibreOffice takes it either way), `;` between cells and CRLF line ends (what Excel in a Russian
# locale opens on a double click), the request's language in the headers, sector names not codes.
SPREADSHEET_BOM = "\ufeff"


def ideas_table_csv(archive: SessionArchive, headers: dict[str, str], sector_names: dict[str, str]) -> str:
    """ideas.csv for a spreadsheet: the same rows, human headers (`headers` maps each column key)."""
    keys, sectors, rows = _idea_table(snapshot_of(archive), lambda code: sector_names.get(code, code))
    buffer = io.StringIO()
    buffer.write(SPREADSHEET_BOM)
    writer = _SafeWriter(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [headers[key] for key in keys]
        + [f"{headers[kind]}: {sector_names.get(sector, sector)}" for sector in sectors for kind in COLUMN_PAIR]
    )
    writer.writerows(rows)
    return buffer.getvalue()
