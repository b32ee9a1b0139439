"""`manage.py verify_archive`: recompute every archive's hashes and the copies derived from it; exit 1 on any mismatch.

Session archives (`archive.services.archive_verify`) and the contests' frozen results
(`contests.operations.archives_verify`: canonical JSON and its SHA-256) alike.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.services import archive_verify
from contests.operations import archives_verify as contest_archives_verify


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 of every archived snapshot, vote export and addendum, and compare every "
        "column and search row the public reads with the snapshot; the same for contests' frozen results; "
        "fail on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="only these archive ids")
        parser.add_argument("--contest", type=int, action="append", default=[], help="only this contest's archive (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        only_contests = bool(options["contest"]) and not options["ids"]
        checked, mismatches = (0, []) if only_contests else archive_verify(options["ids"] or None)
        contest_checked, contest_problems = (0, []) if options["ids"] and not options["contest"] else (
            contest_archives_verify(options["contest"] or None)
        )
        for mismatch in mismatches:
            self.stderr.write(str(mismatch))
        for problem in contest_problems:
            self.stderr.write(problem)
        if mismatches or contest_problems:
            broken = len({m.archive_id for m in mismatches})
            broken_contests = len({problem.split(":", 1)[0] for problem in contest_problems})
            raise CommandError(
                f"{broken} of {checked} archives and {broken_contests} of {contest_checked} contest archives "
                "do not match their hashes"
            )
        self.stdout.write(f"{checked} archives checked, all hashes match")
        self.stdout.write(f"{contest_checked} contest archives checked, all hashes match")
