"""Seed the e2e server's own database; run as `python tests/e2e/seed.py` with the server's env.

Prints one JSON line: the sessions' ids and codes, so the tests need no guessing.
Every scenario gets its own session, so one test's stage change cannot disturb another.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from ideas import operations  # noqa: E402
from ideas.models import CaseSession, Forum, Stage, VotingMethod  # noqa: E402

PASSWORD = "e2e-moderator-pw-2032"  # noqa: S105 - a throwaway account in a throwaway database

IDEAS = [
    ("society", "Тёплые остановки общественного транспорта с подогревом и табло"),
    ("business", "Круглогодичный крытый рынок местных продуктов"),
    ("government", "Единое городское приложение для обращений жителей"),
    ("ngo", "Малые гранты ТОС на благоустройство дворов"),
    ("expert", "Датчики мониторинга вечной мерзлоты под домами"),
    ("society", "Набережная Лены с велодорожками и освещением"),
]

# Three clear topics, so the grouping pipeline has something to find, and one duplicate.
MODERATION_IDEAS = [
    ("society", "Тёплые остановки общественного транспорта с подогревом"),
    ("business", "Круглогодичный крытый рынок местных продуктов"),
    ("society", "Больше автобусов на городских маршрутах в час пик"),
    ("government", "Электробусы и новые автобусы на всех городских маршрутах"),
    ("expert", "Выделенные полосы для автобусов и общественного транспорта"),
    ("ngo", "Новые парки и скверы с деревьями в каждом районе"),
    ("society", "Зелёный парк у реки с деревьями и скамейками"),
    ("business", "Больше деревьев, скверов и зелёных парков во дворах"),
    ("government", "Городское мобильное приложение для обращений жителей"),
    ("expert", "Онлайн-запись в городские службы через мобильное приложение"),
    ("ngo", "Единый портал городских услуг и мобильное приложение"),
    ("society", "Тёплые остановки транспорта с подогревом зимой"),
]


def main() -> None:
    user_model = get_user_model()
    moderator, _ = user_model.objects.get_or_create(username="e2e-moderator", defaults={"is_staff": True})
    moderator.set_password(PASSWORD)
    moderator.save()
    forum = Forum.objects.create(title="Якутск 2032", city="Якутск", description="Форум для браузерных тестов")

    def make(code: str, title: str, *, method: str = VotingMethod.SUPPORT, ideas: list = IDEAS[:4], **flags: object) -> dict:
        session = CaseSession.objects.create(
            forum=forum, title=title, question="Каким вы видите Якутск в 2032 году?",
            join_code=code, voting_method=method, created_by=moderator, **flags,
        )
        session.moderators.add(moderator)
        operations.session_set_stage(session=session, actor=moderator, stage=Stage.IDEATION)
        posted = []
        for index, (sector, text) in enumerate(ideas):
            joined = operations.participant_join(code=code, display_name=f"Житель {index + 1}", sector=sector)
            posted.append(operations.idea_post(session=session, text=text, author=joined.participant).pk)
        return {"id": session.pk, "code": code, "ideas": posted}

    def hall(code: str, title: str, *, ideas: int, people: int, stage: str = Stage.DRAFT) -> dict:
        """A full hall, stored in bulk: the screen must look the same with 200 ideas and 2,000 people."""
        import hashlib
        import random

        from ideas.models import Idea, IdeaStatus, Participant, Vote

        session = CaseSession.objects.create(
            forum=forum, title=title, question="Каким вы видите Якутск в 2032 году? Что город должен сделать первым?",
            join_code=code, created_by=moderator,
        )
        session.moderators.add(moderator)
        sectors = [sector["code"] for sector in session.sectors]
        people_rows = Participant.objects.bulk_create(
            Participant(session=session, display_name=f"Житель {n}", sector=sectors[n % len(sectors)],
                        token_hash=hashlib.sha256(f"{code}-{n}".encode()).hexdigest())
            for n in range(people)
        )
        words = ["Тёплые остановки с табло прибытия и подогревом", "Набережная Лены с велодорожками, скамейками и освещением",
                 "Крытый рынок местных продуктов круглый год", "Датчики вечной мерзлоты под каждым многоэтажным домом",
                 "Городское приложение для обращений жителей с ответом за три дня", "Малые гранты ТОС на дворы и детские площадки"]
        idea_rows = Idea.objects.bulk_create(
            Idea(session=session, author=people_rows[n % len(people_rows)], text=f"{words[n % len(words)]} (№ {n + 1})",
                 status=IdeaStatus.PUBLISHED)
            for n in range(ideas)
        )
        rng = random.Random(7)
        Vote.objects.bulk_create(
            Vote(participant=person, idea=idea, value=1)
            for person in people_rows
            for idea in rng.sample(idea_rows, min(3, len(idea_rows)))
        )
        for target in Stage.order()[1:Stage.order().index(Stage(stage)) + 1]:
            operations.session_set_stage(session=session, actor=moderator, stage=target)
        return {"id": session.pk, "code": code, "ideas": [idea.pk for idea in idea_rows]}

    sessions = {
        "hall_1080": hall("HALLAAA", "Большой зал 1080", ideas=200, people=2000),
        "hall_720": hall("HALLBBB", "Большой зал 720", ideas=200, people=2000),
        "console": hall("CNSLCCC", "Пульт на 50 идей", ideas=50, people=60, stage=Stage.IDEATION),
        "order": hall("PRDRDDD", "Порядок идей", ideas=12, people=12, stage=Stage.VOTING),
        "phone": make("PHNAAA", "Сессия телефона"),
        "moderate": make("MDRBBB", "Сессия модерации", ideas=MODERATION_IDEAS),
        "offline": make("FFLCCC", "Сессия без связи", method=VotingMethod.DOTS),
        "stage": make("STGDDD", "Сессия этапов", method=VotingMethod.AGREE, voting_during_ideation=False),
        "axe": make("AXEEEE", "Сессия доступности"),
    }
    print(json.dumps({"moderator": {"username": moderator.username, "password": PASSWORD}, "sessions": sessions}))


if __name__ == "__main__":
    main()
