"""`manage.py embed_ideas`: embed every idea that lacks a vector from the configured models.

Run after changing `VECHE_EMBEDDING_MODEL` or `VECHE_GROUPING_MODEL`, and when a worker starts
(nothing a lost worker left undone stays undone). The fast vectors (similar ideas as you type)
come first; then the grouping vectors (multilingual-e5-small), unless `--no-grouping`.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ideas.embeddings import (
    current_encoder,
    current_grouping_encoder,
    embed_missing,
    embed_missing_for_grouping,
)
from ideas.models import CaseSession


class Command(BaseCommand):
    help = "Embed ideas that have no vector from the configured model (back-fill and re-embed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--session", type=int, help="only this session's ideas")
        parser.add_argument(
            "--no-grouping", action="store_true", help="skip the grouping encoder's vectors"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        session = CaseSession.objects.get(pk=options["session"]) if options.get("session") else None
        started = time.perf_counter()
        done = embed_missing(session=session)
        encoder = current_encoder()
        self.stdout.write(
            f"embedded {done} ideas with {encoder.name} ({encoder.dim} dimensions) in {time.perf_counter() - started:.1f} s"
        )
        grouping = None if options.get("no_grouping") else current_grouping_encoder()
        if grouping is not None:
            started = time.perf_counter()
            done = embed_missing_for_grouping(session=session)
            self.stdout.write(
                f"embedded {done} ideas for grouping with {grouping.name} in {time.perf_counter() - started:.1f} s"
            )
