"""A shelf: two contests (2026 in Тольятти, 2025 in Самара), teams, an organiser, a stranger.

Everything is made through `contests.operations` and `library.operations`. Public on the shelf:
«Каток всем двором», «Двор без границ», «Уличная библиотека» (2026) and «Зелёный квартал» (2025).
Never to be seen: «Серебряный университет» (published, then withdrawn) and «Тайный проект»
(its team never agreed). Search uses the project's real encoder (the packaged default).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from contests import operations as contest_operations
from contests import regulations
from contests.models import Contest, Entry, EntryStatus
from ideas.models import Forum
from library import operations
from library.models import Practice

PUBLIC_TITLES = ["Каток всем двором", "Двор без границ", "Уличная библиотека", "Зелёный квартал"]
HIDDEN_TITLES = ["Серебряный университет", "Тайный проект"]

ENTRIES = [
    # (contest, nomination, title, territory, problem, actions, results, submitted by)
    ("a", "tos", "Каток всем двором", "Центральный район",
     "Зимой подросткам квартала некуда пойти: ближайший каток в другом районе.",
     "Жители залили каток во дворе, поставили освещение и организовали бесплатный прокат коньков.",
     "За сезон приходят более 400 человек, прошли турниры двора.", "team"),
    ("a", "tos", "Двор без границ", "Комсомольский район",
     "Пять дворов разделяли заборы и стихийные парковки, детям негде было играть.",
     "Убрали заборы, перенесли парковку и построили детскую и спортивную площадки по рисункам детей.",
     "Каждый день во дворе играют около 120 детей.", "team"),
    ("a", "nko", "Уличная библиотека", "Автозаводский район",
     "В спальном районе не осталось библиотек, у жителей копились ненужные книги.",
     "Поставили во дворах книжные шкафы-домики для обмена книгами и проводим громкие чтения.",
     "Через шкафы прошло более 3 000 книг.", "team"),
    ("a", "nko", "Серебряный университет", "Центральный район",
     "Пенсионеры не умели пользоваться госуслугами и смартфоном.",
     "Открыли курсы компьютерной грамотности для людей старшего возраста.",
     "Обучено 260 пенсионеров.", "team"),
    ("a", "tos", "Тайный проект", "Центральный район",
     "Тайная проблема тайного квартала.",
     "Тайные работы, о которых команда не хочет рассказывать.",
     "Тайные результаты.", "other_team"),
    ("b", "tos", "Зелёный квартал", "Самара",
     "Во дворах квартала не было ни деревьев, ни клумб, летом стояла жара.",
     "Жители высадили 80 деревьев и разбили клумбы, ТОС организовал полив.",
     "Квартал озеленён, по весне проходят общие субботники.", "team"),
]


@dataclass
class Shelf:
    organiser: Any
    team: Any
    other_team: Any
    stranger: Any
    contests: dict[str, Contest]
    entries: dict[str, Entry]
    practices: dict[str, Practice] = field(default_factory=dict)

    def practice(self, title: str) -> Practice:
        return Practice.objects.get(entry=self.entries[title])


def make_contest(forum: Forum, organiser: Any, title: str) -> Contest:
    document = regulations.example([("tos", "Лучшая практика ТОС", "Best TOS practice"), ("nko", "Лучшая практика НКО", "Best NGO practice")])
    contest = contest_operations.contest_create(forum=forum, actor=organiser, title=title, regulations_document=document)
    contest_operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
    return contest


def submit(contest: Contest, actor: Any, organiser: Any, row: tuple[Any, ...], contacts: str = "тел. 8-900-000-00-00, только для жюри") -> Entry:
    _, nomination, title, territory, problem, actions, results, _who = row
    entry = contest_operations.entry_submit(
        contest=contest, actor=actor,
        data={
            "nomination": nomination, "title": title, "team_kind": "tos", "settlement": "urban",
            "organisation": f"ТОС «{title}»", "territory": territory, "problem": problem, "actions": actions,
            "resources": "Субботники и помощь соседей", "results": results, "contacts": contacts,
        },
    )
    if entry.status != EntryStatus.PUBLISHED:  # screening held it back: the organiser admits it
        entry = contest_operations.entry_screen(entry=entry, actor=organiser, status=EntryStatus.PUBLISHED)
    return entry


@pytest.fixture(autouse=True)
def _real_encoder_and_fresh_index(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The packaged default encoder (other suites switch to the lexical one), a fresh vector index."""
    from archive.search import reset_vector_indexes
    from ml import encoders

    monkeypatch.delenv(encoders.ENV_VARIABLE, raising=False)
    current = encoders._encoder
    if current is not None and not current.name.startswith("use-"):
        encoders.reset_encoder()
    reset_vector_indexes()  # row ids are reused after each test's rollback
    yield
    reset_vector_indexes()


@pytest.fixture
def bare_shelf(db: Any) -> Shelf:
    """Contests and entries, nothing in the library yet."""
    users = get_user_model().objects
    organiser = users.create_user("organiser", password="pw-for-tests-1")  # noqa: S106
    team = users.create_user("team", password="pw-for-tests-1")  # noqa: S106
    other_team = users.create_user("other_team", password="pw-for-tests-1")  # noqa: S106
    stranger = users.create_user("stranger", password="pw-for-tests-1")  # noqa: S106
    forum_a = Forum.objects.create(title="Форум СОНКО и ТОС Тольятти", city="Тольятти", starts_on=datetime.date(2026, 9, 10))
    forum_b = Forum.objects.create(title="Форум ТОС Самары", city="Самара", starts_on=datetime.date(2025, 6, 1))
    for forum in (forum_a, forum_b):
        forum.organisers.add(organiser)
    contests = {
        "a": make_contest(forum_a, organiser, "Конкурс лучших практик ТОС и НКО"),
        "b": make_contest(forum_b, organiser, "Конкурс практик Самары"),
    }
    actors = {"team": team, "other_team": other_team}
    entries = {row[2]: submit(contests[row[0]], actors[row[7]], organiser, row) for row in ENTRIES}
    return Shelf(organiser, team, other_team, stranger, contests, entries)


@pytest.fixture
def shelf(bare_shelf: Shelf) -> Shelf:
    """Four public practices, one withdrawn, one never consented (see the module docstring)."""
    for title in [*PUBLIC_TITLES, "Серебряный университет"]:
        bare_shelf.practices[title] = operations.practice_publish(
            entry=bare_shelf.entries[title], actor=bare_shelf.team, public_contacts=f"{title}: pochta@example.ru"
        )
    operations.practice_withdraw(practice=bare_shelf.practices["Серебряный университет"], actor=bare_shelf.team)
    return bare_shelf
