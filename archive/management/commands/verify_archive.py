"""`manage.py verify_archive`: recompute every archive's hashes and the copies derived from it; exit 1 on any mismatch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.services import archive_verify


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 of every archived snapshot, vote export and addendum, and compare every "
        "column and search row the public reads with the snapshot; fail on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="only these archive ids")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, mismatches = archive_verify(options["ids"] or None)
        for mismatch in mismatches:
            self.stderr.write(str(mismatch))
        if mismatches:
            broken = len({m.archive_id for m in mismatches})
            raise CommandError(f"{broken} of {checked} archives do not match their hashes")
        self.stdout.write(f"{checked} archives checked, all hashes match")
