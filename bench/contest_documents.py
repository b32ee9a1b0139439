"""The ceremony's papers at forum scale: every diploma and participant certificate for 200 entries.

    .venv/bin/python bench/contest_documents.py [--entries 200] [--nominations 4] [--db sqlite|postgres]

A contest is built and finalised through `contests.operations` as an organiser would run it
(`tests/awards/builders.py`: jurors score, one declares a conflict, the hall votes), then:
1. `awards.operations.documents_issue` issues a diploma per prize and a certificate per entry;
2. the whole stack is drawn as one PDF, a page per paper (what goes to the printer);
3. a sample of papers is drawn again one by one, as a download of `/d/<number>/paper.pdf` does
   (the latency of one paper: each PDF parses and subsets its fonts again).
Each PDF is read back with pypdf (page count, the number on the page), so a broken paper
cannot pass as a fast one. Target: all papers for 200 entries in ≤ 30 s: issuing them and drawing the stack (`/c/<id>/papers/all.pdf`).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the project: bench/contests.py must not shadow the app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--nominations", type=int, default=4)
    parser.add_argument("--sample", type=int, default=20, help="papers drawn one by one for the latency")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/veche_bench_documents")
    args = parser.parse_args()

    os.environ.pop("REDIS_URL", None)
    os.environ["VECHE_VAR_DIR"] = tempfile.mkdtemp(prefix="veche-bench-documents-")
    os.environ.setdefault("VECHE_EMBEDDING_MODEL", "lexical")
    if args.db == "postgres":
        from _postgres import ensure_database

        if not ensure_database(args.postgres_url, fresh=True):
            return
        os.environ["DATABASE_URL"] = args.postgres_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import translation
    from pypdf import PdfReader

    from awards import documents, operations, selectors
    from awards.models import DocumentKind
    from contests.models import Contest
    from tests.awards.builders import build_contest

    call_command("migrate", verbosity=0)
    nominations = [(f"n{i}", f"Номинация {i + 1}", f"Nomination {i + 1}") for i in range(args.nominations)]
    started = time.perf_counter()
    built = build_contest(prefix="bench", per_nomination=args.entries // args.nominations, jurors=6,
                          nominations=nominations, voters=5)
    print(f"setup: {args.entries} entries finalised in {time.perf_counter() - started:.1f} s ({args.db})")
    contest = Contest.objects.select_related("forum", "archive").get(pk=built["contest"])
    organiser = contest.organisers.get()

    with translation.override("ru"):
        started = time.perf_counter()
        issued = operations.documents_issue(contest=contest, actor=organiser)
        issue_seconds = time.perf_counter() - started
        diplomas = sum(paper.kind == DocumentKind.DIPLOMA for paper in issued)

        started = time.perf_counter()
        snapshot = selectors.snapshot_of(contest.archive)
        papers = list(contest.documents.select_related("contest__forum", "entry"))
        items = [(selectors.paper_facts(paper, snapshot), f"https://veche.example.ru/d/{paper.number}/")
                 for paper in papers]
        stack = documents.papers(items)
        stack_seconds = time.perf_counter() - started
        total_seconds = issue_seconds + stack_seconds

        sample = items[:: max(1, len(items) // max(1, args.sample))][: args.sample]
        started = time.perf_counter()
        singles = [documents.paper(facts, url) for facts, url in sample]
        single_seconds = (time.perf_counter() - started) / max(1, len(singles))

    reader = PdfReader(io.BytesIO(stack))
    assert len(reader.pages) == len(papers), (len(reader.pages), len(papers))
    assert papers[-1].number in reader.pages[-1].extract_text()
    for data, (facts, _url) in zip(singles, sample, strict=True):
        assert facts.number in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    print(f"papers: {diplomas} diplomas + {len(papers) - diplomas} certificates = {len(papers)} "
          f"for {args.entries} entries")
    print(f"issue (numbers, archive hash): {issue_seconds:.2f} s")
    print(f"one PDF, a page each (the printer's stack): {stack_seconds:.2f} s, {len(stack) / 1e6:.1f} MB, "
          f"{stack_seconds / len(papers) * 1000:.0f} ms a page")
    print(f"one paper on its own (a download; {len(singles)} drawn): {single_seconds * 1000:.0f} ms, "
          f"{sum(map(len, singles)) / max(1, len(singles)) / 1e3:.0f} kB")
    verdict = "ok" if total_seconds <= 30 else "OVER"
    print(f"documents: all {len(papers)} papers for {args.entries} entries issued and drawn in {total_seconds:.1f} s "
          f"(target ≤ 30 s: {verdict})")


if __name__ == "__main__":
    main()
