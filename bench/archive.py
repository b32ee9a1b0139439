"""Archive benchmark: archiving a 2,000-idea session, and search over 100,000 archived ideas.

    .venv/bin/python bench/archive.py                # PostgreSQL at 127.0.0.1, database veche_bench_archive
    .venv/bin/python bench/archive.py --queries 300  # more queries
    .venv/bin/python bench/archive.py --reset        # drop the filler and build it again

Targets (issue 6): archiving 2,000 ideas ≤ 5 s; search p95 ≤ 200 ms over 100,000 ideas.

Filler: the 20,000 real reports in ../shared/data/ru-appeals/corpus.jsonl, replicated
with small variations (a house number, a district, a prefix) to reach 100,000 rows.
Embeddings: the configured encoder encodes `--encode` distinct reports; every other
row takes the vector of its base report plus a little noise (renormalised). Search
latency does not depend on the vectors' values, only on their number and dimension,
and encoding 100,000 texts would take most of an hour on this machine.

The web process should run with VECHE_EMBEDDING_THREADS=1 (set here): encoding one
short query with the default thread count spends ~160 ms in thread hand-offs on a
busy 2-core host, ~2 ms with one thread.

Skips cleanly (exit 0) when the corpus or PostgreSQL is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from _machine import machine
from _postgres import ensure_database

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "ru-appeals" / "corpus.jsonl"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/veche_bench_archive"
DISTRICTS = [
    "Адмиралтейский",
    "Василеостровский",
    "Выборгский",
    "Калининский",
    "Кировский",
    "Колпинский",
    "Красногвардейский",
    "Московский",
    "Невский",
    "Петроградский",
    "Приморский",
    "Фрунзенский",
]
PREFIXES = ["", "Повторно: ", "Жители просят: ", "Срочно! ", "Обращение: "]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def variation(text: str, n: int, rng: random.Random) -> str:
    if n == 0:
        return text
    return (
        f"{rng.choice(PREFIXES)}{text} ({rng.choice(DISTRICTS)} район, дом {rng.randint(1, 200)})"
    )


def encode_filler(texts: list[str], distinct: int, rng: random.Random) -> tuple[str, list[bytes]]:
    """Real vectors for `distinct` base texts; noisy copies of them for the rest."""
    import numpy as np

    from ml.encoders import get_encoder

    encoder = get_encoder()
    started = time.perf_counter()
    base = encoder.encode(texts[:distinct])
    print(
        f"  encoded {distinct} distinct texts with {encoder.name} in {time.perf_counter() - started:.1f} s"
    )
    noise = np.random.default_rng(0)
    vectors = []
    for index in range(len(texts)):
        vector = base[index % distinct]
        if index >= distinct:
            vector = vector + noise.normal(0, 0.02, vector.shape).astype(np.float32)
            vector = vector / np.linalg.norm(vector)
        vectors.append(vector.astype(np.float32).tobytes())
    return encoder.name, vectors


def build_session_to_archive(texts: list[str], rng: random.Random) -> object:
    """A 2,000-idea session in `results`, with 400 participants, votes, groups, merges, hidden ideas."""
    import numpy as np
    from django.contrib.auth import get_user_model

    from ideas.models import (
        CaseSession,
        Forum,
        Group,
        Idea,
        IdeaStatus,
        ModerationAction,
        Participant,
        Stage,
        Vote,
    )

    user, _ = get_user_model().objects.get_or_create(
        username="bench-moderator", defaults={"is_staff": True}
    )
    forum = Forum.objects.create(title="Бенчмарк-форум", city="Санкт-Петербург")
    session = CaseSession.objects.create(
        forum=forum,
        title="Сессия на 2000 идей",
        question="Что улучшить в городе?",
        stage=Stage.RESULTS,
        voting_method="agree",
    )
    sectors = ["government", "society", "business", "ngo", "expert"]
    people = Participant.objects.bulk_create(
        [
            Participant(
                session=session,
                display_name=f"p{i}",
                sector=sectors[i % 5],
                token_hash=f"bench{session.pk}-{i}",
            )
            for i in range(400)
        ]
    )
    groups = Group.objects.bulk_create(
        [Group(session=session, title=f"Тема {g}", keywords=["двор", "дорога"]) for g in range(20)]
    )
    dim = 768
    vectors = np.random.default_rng(1).normal(size=(2000, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ideas = Idea.objects.bulk_create(
        [
            Idea(
                session=session,
                author=people[i % 400],
                text=texts[i][:1000],
                group=groups[i % 20],
                embedding=vectors[i].tobytes(),
                embedding_model="bench-random-768",
                embedding_dim=dim,
            )
            for i in range(2000)
        ]
    )
    votes = []
    for person in people:
        for idea in rng.sample(ideas, 30):
            votes.append(Vote(participant=person, idea=idea, value=rng.choice([1, 1, 0, -1])))
    Vote.objects.bulk_create(votes, batch_size=5000)
    for idea in ideas[-40:-20]:
        Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.HIDDEN, hide_reason="off_topic")
    for duplicate, target in zip(ideas[-20:], ideas[:20], strict=True):
        Vote.objects.filter(idea=duplicate).delete()
        Idea.objects.filter(pk=duplicate.pk).update(status=IdeaStatus.MERGED, merged_into=target)
        ModerationAction.objects.create(
            session=session,
            actor=user,
            action="idea.merge",
            idea=duplicate,
            data={"into": target.pk, "moved_votes": [], "dropped_votes": []},
        )
    session.moderators.add(user)
    return session, user, len(votes)


def populate_filler(target: int, encode: int, rng: random.Random, corpus: list[str]) -> None:
    from django.db import transaction

    from archive.models import ArchivedIdea, SessionArchive
    from archive.services import update_search_vectors
    from ideas.models import CaseSession, Forum, Stage

    have = ArchivedIdea.objects.count()
    if have >= target:
        print(f"  filler present: {have} archived ideas")
        return
    missing = target - have
    per_archive = 2000
    texts = [
        variation(corpus[i % len(corpus)], i // len(corpus), rng)[:1000] for i in range(missing)
    ]
    model, vectors = encode_filler(texts, min(encode, len(texts)), rng)
    started = time.perf_counter()
    forum = Forum.objects.create(
        title="Наш Санкт-Петербург (архив обращений)", city="Санкт-Петербург"
    )
    from django.utils import timezone

    with transaction.atomic():
        for start in range(0, missing, per_archive):
            session = CaseSession.objects.create(
                forum=forum,
                title=f"Обращения, часть {start // per_archive + 1}",
                question="Что нужно исправить?",
                stage=Stage.ARCHIVED,
            )
            archive = SessionArchive.objects.create(
                session=session,
                forum=forum,
                title=session.title,
                question=session.question,
                city=forum.city,
                city_folded=forum.city.casefold(),
                text_folded=session.title.casefold(),
                held_on=timezone.localdate(),
                snapshot="{}",
                sha256="filler",
                votes_sha256="filler",
                archived_at=timezone.now(),
            )
            chunk = range(start, min(start + per_archive, missing))
            ArchivedIdea.objects.bulk_create(
                [
                    ArchivedIdea(
                        archive=archive,
                        idea_id=i,
                        text=texts[i],
                        sector=rng.choice(["society", "business"]),
                        score=rng.randint(0, 50),
                        votes=rng.randint(0, 80),
                        embedding=vectors[i],
                        embedding_model=model,
                    )
                    for i in chunk
                ],
                batch_size=2000,
            )
        update_search_vectors(ArchivedIdea.objects.filter(search_vector__isnull=True))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_archivedidea")
    print(
        f"  inserted {missing} filler ideas with search vectors in {time.perf_counter() - started:.1f} s"
    )


def queries(corpus: list[str], count: int, rng: random.Random) -> list[str]:
    """Fixed residents' queries plus words and word pairs drawn from the reports (other forms included)."""
    from archive.text import search_terms

    fixed = [
        "парки",
        "ремонт дороги",
        "мусор во дворе",
        "не работает освещение",
        "ямы на дорогах",
        "детская площадка",
        "граффити на стене",
        "протечка крыши",
        "уборка снега",
        "парковка машин",
    ]
    drawn = []
    while len(drawn) < count - len(fixed):
        words = [
            w for w in corpus[rng.randrange(len(corpus))].split() if len(w) > 4 and w.isalpha()
        ]
        if not words or not search_terms(" ".join(words)):
            continue
        start = rng.randrange(len(words))
        drawn.append(" ".join(words[start : start + rng.choice([1, 2, 3])]).lower())
    return fixed + drawn


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument(
        "--encode", type=int, default=3000, help="distinct texts encoded with the real model"
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        return 0
    if not ensure_database(args.database_url):
        return 0
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("VECHE_EMBEDDING_THREADS", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("VECHE_VAR_DIR", str(ROOT / "var" / "bench"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print(f"machine: {machine()} · PostgreSQL {pg_version}")
    rng = random.Random(0)
    corpus = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8") if line.strip()]

    from archive.models import ArchivedIdea, ArchivedVote, SessionArchive
    from archive.search import archive_search
    from ideas import operations

    if args.reset:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE archive_archivedidea, archive_archivedvote, archive_archiveaddendum, "
                "archive_sessionarchive RESTART IDENTITY CASCADE"
            )

    # 1. Archiving a 2,000-idea session through the real operation.
    session, moderator, vote_count = build_session_to_archive(corpus, rng)
    started = time.perf_counter()
    operations.session_set_stage(session=session, actor=moderator, stage="archived")
    freeze_seconds = time.perf_counter() - started
    archive = SessionArchive.objects.get(session=session)
    print(
        f"archive 2,000-idea session ({vote_count} votes, 400 participants): {freeze_seconds:.2f} s "
        f"(snapshot {len(archive.snapshot.encode()) / 1e6:.1f} MB, "
        f"{ArchivedIdea.objects.filter(archive=archive).count()} search rows, "
        f"{ArchivedVote.objects.filter(archive=archive).count()} votes)  target ≤ 5 s"
    )

    # 2. Filler up to --ideas archived ideas.
    populate_filler(args.ideas, args.encode, rng, corpus)
    total = ArchivedIdea.objects.count()

    # 3. Search latency: the first query loads the model and the vector matrix (reported apart).
    sample = queries(corpus, args.queries, rng)
    started = time.perf_counter()
    archive_search("разогрев кэша: парки")
    cold = time.perf_counter() - started
    timings, words_only, empty = [], [], 0
    for query in sample:
        started = time.perf_counter()
        hits = archive_search(query, limit=20)
        timings.append((time.perf_counter() - started) * 1000)
        empty += not hits
    for query in sample[:50]:
        started = time.perf_counter()
        archive_search(query, limit=20, semantic=False)
        words_only.append((time.perf_counter() - started) * 1000)
    print(
        f"search over {total} archived ideas, {len(timings)} queries (words + meaning, RRF, top 20): "
        f"p50 {statistics.median(timings):.1f} ms · p95 {percentile(timings, 0.95):.1f} ms · "
        f"max {max(timings):.1f} ms · {empty} queries without hits  target p95 ≤ 200 ms"
    )
    print(
        f"  words only (50 queries): p50 {statistics.median(words_only):.1f} ms · "
        f"p95 {percentile(words_only, 0.95):.1f} ms"
    )
    print(f"  first query (loads the encoder and {total} vectors): {cold:.2f} s")
    hits = archive_search("парки", limit=5)
    print("  «парки» →", " | ".join(hit.idea.text[:50] for hit in hits[:3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
