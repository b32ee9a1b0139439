"""`manage.py embed_ideas`: embed every idea that lacks a vector from the configured model.

Run after changing `VECHE_EMBEDDING_MODEL`, and when a worker starts (nothing a lost
worker left undone stays undone).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ideas.embeddings import current_encoder, embed_missing
from ideas.models import CaseSession


class Command(BaseCommand):
    help = "Embed ideas that have no vector from the configured model (back-fill and re-embed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--session", type=int, help="only this session's ideas")

    def handle(self, *args: Any, **options: Any) -> None:
        session = CaseSession.objects.get(pk=options["session"]) if options.get("session") else None
        started = time.perf_counter()
        done = embed_missing(session=session)
        encoder = current_encoder()
        self.stdout.write(
            f"embedded {done} ideas with {encoder.name} ({encoder.dim} dimensions) in {time.perf_counter() - started:.1f} s"
        )
