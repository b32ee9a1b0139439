"""Library benchmark: search by words and meaning over 10,000 practices (target p95 ≤ 200 ms).

    .venv/bin/python bench/library.py                 # PostgreSQL at 127.0.0.1, database veche_bench_library
    .venv/bin/python bench/library.py --queries 400   # more queries
    .venv/bin/python bench/library.py --reset         # drop the library and build it again
    .venv/bin/python bench/library.py --database-url sqlite   # the embedded SQLite (a file under var/bench)

Practices: synthesised Russian cards. The problem of each is a real resident's report from
../shared/data/ru-appeals/corpus.jsonl; what was done, the resources and the results are drawn
from phrase lists by a seeded random generator; 40 territories, 3 nominations, 5 years. One in
ten practices has a second version (the index holds old versions too, as it does in life), one
in twenty is withdrawn (the read rule filters it out of every query).
Rows are written in bulk (the filler); a few practices go through `library.operations` first to
check the path end to end. Embeddings: the configured encoder encodes `--encode` distinct cards;
every other card takes the vector of its base plus a little noise (renormalised), as
bench/archive.py does: search latency depends on the number and dimension of the vectors, not
on their values, and encoding 10,000 whole cards takes a long while on this machine.

Measured: `library.search.library_search` (the words channel in the database, the meaning
channel over the in-memory matrix, the read rule and the filters) for `--queries` queries, a
quarter of them with a filter; and the same through the API (`GET /api/v1/library/?q=…`,
serialisation included) for 50 queries.

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
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/veche_bench_library"
YEARS = [2022, 2023, 2024, 2025, 2026]
NOMINATIONS = [("tos", "Лучшая практика ТОС", "Best TOS practice"), ("nko", "Лучшая практика НКО", "Best NGO practice"),
               ("youth", "Молодёжная инициатива", "Youth initiative")]
TERRITORIES = [
    f"{city}, {district}"
    for city in ("Тольятти", "Якутск", "Самара", "Казань", "Пермь", "Томск", "Вологда", "Сызрань")
    for district in ("Центральный район", "Северный район", "Заречье", "Новый город", "Старый город")
]
SUBJECTS = ["двор", "сквер", "детская площадка", "спортивная площадка", "подъезд", "берег реки", "школьный двор",
            "библиотека", "дом культуры", "остановка", "каток", "огород", "парк", "набережная", "пустырь"]
ACTIONS = [
    "Жители провели собрание и опрос, составили план работ и распределили обязанности.",
    "ТОС договорился с управляющей компанией и администрацией района о помощи техникой.",
    "Провели серию субботников, вывезли мусор, покрасили ограждения и лавочки.",
    "Подготовили заявку на грант, получили финансирование и наняли подрядчика.",
    "Школьники и студенты-волонтёры сделали проект, жители проголосовали за лучший вариант.",
    "Открыли клуб по интересам, занятия ведут сами жители и приглашённые специалисты.",
    "Организовали дежурства соседей, установили освещение и камеры.",
    "Высадили деревья и кустарники, разбили клумбы, организовали полив.",
    "Провели праздник двора, ярмарку и мастер-классы для детей и пожилых.",
    "Создали чат дома, завели общую кассу и отчитываются о расходах каждый месяц.",
]
RESOURCES = ["Муниципальный грант", "Президентский грант", "Средства жителей", "Помощь местного бизнеса",
             "Субботники и труд волонтёров", "Субсидия области", "Техника управляющей компании"]
RESULTS = [
    "В мероприятиях участвуют более {n} жителей.",
    "Благоустроено {n} квадратных метров территории.",
    "Регулярно приходят около {n} детей и подростков.",
    "Жалоб в управляющую компанию стало на {n} % меньше.",
    "Проведено {n} общих мероприятий за год.",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def card(problem: str, rng: random.Random) -> dict[str, str]:
    subject = rng.choice(SUBJECTS)
    words = problem.split()
    return {
        "title": f"{subject.capitalize()}: {' '.join(words[:5])}"[:200],
        "organisation": f"ТОС «{rng.choice(['Рассвет', 'Надежда', 'Соседи', 'Волжский', 'Северный', 'Дружба'])}-{rng.randint(1, 99)}»",
        "territory": rng.choice(TERRITORIES),
        "problem": problem[:5000],
        "actions": " ".join(rng.sample(ACTIONS, 3)) + f" Главным местом работ стал {subject}.",
        "resources": ", ".join(rng.sample(RESOURCES, 2)) + ".",
        "results": " ".join(template.format(n=rng.randint(10, 900)) for template in rng.sample(RESULTS, 2)),
        "contacts": f"tos{rng.randint(1, 9999)}@example.ru",
    }


def build_library(total: int, distinct: int, corpus: list[str], rng: random.Random) -> None:
    """Contests per year, admitted entries, practices with versions, vectors and search fields."""
    import numpy as np
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from archive.text import lemma_field
    from contests import operations as contest_operations
    from contests import regulations
    from contests.models import Entry, EntryStatus
    from ideas.models import Forum
    from library import operations
    from library.models import ConsentKind, Practice, PracticeVersion
    from ml.encoders import get_encoder

    organiser, _ = get_user_model().objects.get_or_create(username="bench-library-organiser")
    contests = {}
    for year in YEARS:
        forum = Forum.objects.create(title=f"Форум практик {year}", city="Тольятти", starts_on=f"{year}-09-01")
        forum.organisers.add(organiser)
        contest = contest_operations.contest_create(
            forum=forum, actor=organiser, title=f"Конкурс практик {year}",
            regulations_document=regulations.example(NOMINATIONS),
        )
        contest_operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
        contests[year] = contest
    cards = [card(corpus[index % len(corpus)], rng) for index in range(total)]
    # End to end first: three practices through the real operations (consent, version, update).
    for index in range(3):
        data = {**cards[index], "nomination": "tos", "team_kind": "tos", "settlement": "urban"}
        entry = contest_operations.entry_submit(contest=contests[2026], actor=organiser, data=data)
        if entry.status != EntryStatus.PUBLISHED:
            entry = contest_operations.entry_screen(entry=entry, actor=organiser, status=EntryStatus.PUBLISHED)
        practice = operations.practice_publish(entry=entry, actor=organiser, public_contacts=cards[index]["contacts"])
        operations.practice_update(practice=practice, actor=organiser, data={"results": cards[index]["results"] + " Обновлено."})
    encoder = get_encoder()
    started = time.perf_counter()
    texts = [PracticeVersion(**{k: v for k, v in c.items()}).search_text() for c in cards[:distinct]]
    base = encoder.encode(texts)
    print(f"  encoded {distinct} distinct cards with {encoder.name} in {time.perf_counter() - started:.1f} s")
    noise = np.random.default_rng(0)
    started = time.perf_counter()
    filler = range(3, total)
    with transaction.atomic():
        entries = Entry.objects.bulk_create(
            [
                Entry(
                    contest=contests[YEARS[index % len(YEARS)]], nomination=NOMINATIONS[index % 3][0], team_kind="tos",
                    settlement="urban", status=EntryStatus.PUBLISHED, submitted_by=organiser,
                    **{k: v for k, v in cards[index].items()},
                )
                for index in filler
            ],
            batch_size=1000,
        )
        practices = Practice.objects.bulk_create(
            [
                Practice(
                    entry=entry, consent_kind=ConsentKind.TEAM, consent_by=organiser, consent_at=timezone.now(),
                    contest_title=entry.contest.title, forum_title=entry.contest.forum.title,
                    nomination=entry.nomination, nomination_title=dict((c, t) for c, t, _ in NOMINATIONS)[entry.nomination],
                    year=YEARS[index % len(YEARS)],
                    withdrawn_at=timezone.now() if index % 20 == 0 else None,
                )
                for index, entry in zip(filler, entries, strict=True)
            ],
            batch_size=1000,
        )
        versions = []
        for index, practice in zip(filler, practices, strict=True):
            numbers = (1, 2) if index % 10 == 0 else (1,)
            for number in numbers:
                fields = dict(cards[index])
                if number == 2:
                    fields["results"] += " Команда дополнила итоги."
                vector = base[index % distinct]
                if index >= distinct or number == 2:
                    vector = vector + noise.normal(0, 0.02, vector.shape).astype(np.float32)
                    vector = vector / np.linalg.norm(vector)
                draft = PracticeVersion(practice=practice, number=number, created_by=organiser, **fields)
                draft.lemmas = "" if settings.DATABASE_IS_POSTGRES else lemma_field(draft.search_text())
                draft.embedding = np.asarray(vector, dtype=np.float32).tobytes()
                draft.embedding_model = encoder.name
                versions.append(draft)
        PracticeVersion.objects.bulk_create(versions, batch_size=1000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE library_practice SET current_version_id = ("
                " SELECT v.id FROM library_practiceversion v WHERE v.practice_id = library_practice.id"
                " ORDER BY v.number DESC LIMIT 1) WHERE current_version_id IS NULL"
            )
        if settings.DATABASE_IS_POSTGRES:
            from django.contrib.postgres.search import SearchVector

            columns = ("title", "problem", "actions", "resources", "results", "territory")
            PracticeVersion.objects.filter(search_vector__isnull=True).update(
                search_vector=SearchVector(*columns, config="russian") + SearchVector(*columns, config="english")
            )
    print(f"  wrote {len(practices)} practices, {len(versions)} versions in {time.perf_counter() - started:.1f} s")


def queries(corpus: list[str], count: int, rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    """Short queries a resident would type (3–6 words of other reports), a quarter with a filter."""
    picked = []
    for _ in range(count):
        words = rng.choice(corpus).split()
        start = rng.randint(0, max(0, len(words) - 6))
        query = " ".join(words[start : start + rng.randint(3, 6)])
        filters: dict[str, str] = {}
        roll = rng.random()
        if roll < 0.1:
            filters["year"] = str(rng.choice(YEARS))
        elif roll < 0.18:
            filters["nomination"] = rng.choice(NOMINATIONS)[0]
        elif roll < 0.25:
            filters["territory"] = rng.choice(TERRITORIES)
        picked.append((query, filters))
    return picked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--practices", type=int, default=10_000)
    parser.add_argument("--encode", type=int, default=2000, help="distinct cards encoded with the real model")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        return 0
    sqlite = args.database_url == "sqlite"
    if sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("VECHE_VAR_DIR", str(ROOT / "var" / "bench-library"))
    else:
        if not ensure_database(args.database_url, fresh=args.reset):
            return 0
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("VECHE_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("VECHE_EMBEDDING_THREADS", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    Path(os.environ["VECHE_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"machine: {machine()} · database {connection.vendor}")
    rng = random.Random(0)
    corpus = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8") if line.strip()]
    rng.shuffle(corpus)

    from django.test import Client

    from library.models import Practice
    from library.search import library_search
    from library.selectors import filters_from, public_practices

    if sqlite and args.reset:
        Path(os.environ["VECHE_VAR_DIR"], "db.sqlite3").unlink(missing_ok=True)
    if Practice.objects.count() < args.practices:
        build_library(args.practices, args.encode, corpus[: len(corpus) // 2], rng)
    total, public = Practice.objects.count(), public_practices().count()
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; without statistics the planner guesses 5 rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE library_practice, library_practiceversion")

    sample = queries(corpus[len(corpus) // 2 :], args.queries, rng)  # reports no card was made from
    started = time.perf_counter()
    library_search(filters_from({"q": "разогрев: детская площадка во дворе"}))
    cold = time.perf_counter() - started
    timings, filtered, empty = [], [], 0
    for query, extra in sample:
        filters = filters_from({"q": query, **extra})
        started = time.perf_counter()
        hits = library_search(filters)
        elapsed = (time.perf_counter() - started) * 1000
        (filtered if extra else timings).append(elapsed)
        empty += not hits
    every = timings + filtered
    print(
        f"library search over {total} practices ({public} public), {len(every)} queries (words + meaning, RRF, top 20): "
        f"p50 {statistics.median(every):.1f} ms · p95 {percentile(every, 0.95):.1f} ms · max {max(every):.1f} ms · "
        f"{empty} without hits  target p95 ≤ 200 ms"
    )
    print(
        f"  unfiltered {len(timings)}: p50 {statistics.median(timings):.1f} ms · p95 {percentile(timings, 0.95):.1f} ms; "
        f"with a filter {len(filtered)}: p50 {statistics.median(filtered):.1f} ms · p95 {percentile(filtered, 0.95):.1f} ms"
    )
    client, api = Client(), []
    for query, extra in sample[:50]:
        started = time.perf_counter()
        response = client.get("/api/v1/library/", {"q": query, **extra}, HTTP_HOST="127.0.0.1")
        api.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:200]
    print(f"  through the API (50 queries, JSON included): p50 {statistics.median(api):.1f} ms · p95 {percentile(api, 0.95):.1f} ms")
    print(f"  first query (loads the encoder and the vectors): {cold:.2f} s")
    hits = library_search(filters_from({"q": "детская площадка во дворе"}), limit=3)
    print("  «детская площадка во дворе» →", " | ".join(hit.practice.current_version.title[:40] for hit in hits))  # type: ignore[union-attr]
    print(f"command: .venv/bin/python bench/library.py {' '.join(sys.argv[1:])}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
