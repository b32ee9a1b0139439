"""`manage.py seed_demo`: a Russian demo forum and a live case session, so a newcomer sees something at once.

Idempotent: a second run finds the demo and only prints how to get in.
"""

from __future__ import annotations

import datetime
import os
import random
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from ideas import operations
from ideas.models import CaseSession, Forum, Stage

DEMO_CODE = "YAKUTSK"
DEMO_USERNAME = "moderator"
DEMO_PASSWORD = "veche-demo-2032"  # noqa: S105 - a demo account on a local machine, printed on purpose

IDEAS = [
    (
        "society",
        "Крытые пешеходные галереи между остановками и школами, чтобы зимой дети не мёрзли",
    ),
    (
        "society",
        "Тёплые остановки общественного транспорта с подогревом и табло прибытия автобусов",
    ),
    ("business", "Круглогодичный крытый рынок местных продуктов: строганина, ягоды, рыба из Лены"),
    ("government", "Единое городское приложение для обращений жителей с картой и сроками ответа"),
    ("ngo", "Поддержка ТОС: малые гранты на благоустройство дворов по решению жителей"),
    ("expert", "Мониторинг вечной мерзлоты под домами: датчики и открытые данные о деформациях"),
    ("society", "Набережная Лены как главное общественное пространство с велодорожками"),
    ("business", "Технопарк для IT-компаний и стартапов, работающих на Арктику"),
    (
        "society",
        "Больше детских площадок, которые можно использовать и зимой: горки, лабиринты из снега",
    ),
    ("government", "Переход городского транспорта на газ и электробусы, чтобы зимой не было смога"),
    ("expert", "Борьба с ледяным туманом: снизить выбросы от котельных и автомобилей"),
    ("ngo", "Центр национальных ремёсел и языков народов Якутии для молодёжи"),
    ("society", "Освещение всех улиц и дворов: зимой темнеет в три часа дня"),
    ("business", "Туристический маршрут «Полюс холода» с круглогодичным фестивалем"),
    ("society", "Доступная среда: пандусы и подогреваемые пешеходные дорожки без гололёда"),
    ("government", "Открытый бюджет города: жители видят, на что тратятся деньги района"),
    ("expert", "Зелёный пояс вокруг города из лиственницы и сосны, защищающий от пыли летом"),
    ("ngo", "Соседские центры в каждом микрорайоне: кружки, консультации, волонтёры"),
    ("society", "Больше тёплых остановок и крытых переходов для пешеходов зимой"),
    ("business", "Льготная аренда муниципальных помещений для малого бизнеса на первых этажах"),
    ("society", "Парк развлечений под куполом, работающий при минус пятидесяти"),
    ("government", "Цифровой двойник города для планирования дорог и коммуникаций"),
    ("expert", "Энергоэффективные дома на сваях с рекуперацией тепла"),
    ("ngo", "Экологическое просвещение: раздельный сбор мусора во всех дворах"),
    ("society", "Ремонт дворов с участием жителей: голосование за проекты благоустройства"),
    ("business", "Городской коворкинг и библиотека нового типа, открытые до полуночи"),
    ("society", "Велодорожки и прокат велосипедов летом, лыжные трассы зимой в каждом районе"),
    ("government", "Онлайн-запись во все городские службы без очередей"),
    ("expert", "Ливневая канализация, чтобы весной улицы не заливало талой водой"),
    ("ngo", "Программа наставничества для подростков от ветеранов и предпринимателей"),
]


class Command(BaseCommand):
    help = "Create the demo forum, session, moderator and ideas (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        moderator, created = user_model.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "first_name": "Модератор"},
        )
        if created:
            moderator.set_password(DEMO_PASSWORD)
            moderator.save()
        session = CaseSession.objects.filter(join_code=DEMO_CODE).first()
        if session is None:
            session = self._create(moderator)
            self.stdout.write(self.style.SUCCESS("Demo forum and session created."))
        base = os.environ.get(
            "VECHE_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        )
        self.stdout.write(f"Session: «{session.title}» (id {session.pk}), stage {session.stage}")
        self.stdout.write(
            f"Join code: {session.join_code}   phone page: {base}/join/{session.join_code}"
        )
        self.stdout.write(f"Staff login: {DEMO_USERNAME} / {DEMO_PASSWORD}   admin: {base}/admin/")
        self.stdout.write(f"API docs: {base}/api/docs/   big screen: {base}/s/{session.pk}/screen")
        # The Тольятти forum and the programmes live in the forums app (ideas does not import it).
        if apps.is_installed("forums"):
            call_command("seed_programme", stdout=self.stdout._out)
        if apps.is_installed("contests"):  # the Тольятти contest, in the forum seeded just above
            call_command("seed_contests", stdout=self.stdout._out)
        if apps.is_installed("library"):  # practices published from the contest's entries
            call_command("seed_library", stdout=self.stdout._out)

    @transaction.atomic
    def _create(self, moderator: Any) -> CaseSession:
        forum = Forum.objects.create(
            title="Якутск 2032: город будущего",
            city="Якутск",
            starts_on=datetime.date(2026, 9, 8),
            ends_on=datetime.date(2026, 9, 11),
            description="Форум жителей, власти и бизнеса о будущем Якутска.",
        )
        forum.organisers.add(moderator)
        session = CaseSession.objects.create(
            forum=forum,
            title="Кейс-сессия «Город будущего»",
            question="Каким вы видите Якутск в 2032 году?",
            description="Предлагайте идеи, поддерживайте идеи других участников.",
            join_code=DEMO_CODE,
            created_by=moderator,
        )
        session.moderators.add(moderator)
        session = operations.session_set_stage(
            session=session, actor=moderator, stage=Stage.IDEATION
        )
        rng = random.Random(2032)  # noqa: S311 - demo data, not security
        names = ["Айаал", "Сардана", "Николай", "Туйаара", "Елена", "Михаил", "Нюргун", "Анна"]
        participants = []
        for index, (sector, text) in enumerate(IDEAS):
            joined = operations.participant_join(
                code=DEMO_CODE,
                display_name=f"{names[index % len(names)]} {index + 1}",
                sector=sector,
            )
            participants.append(joined.participant)
            operations.idea_post(session=session, text=text, author=joined.participant)
        ideas = list(session.ideas.all())
        for participant in participants:
            for idea in rng.sample(ideas, k=rng.randint(2, 8)):
                operations.vote_cast(participant=participant, idea_id=idea.pk, value=1)
        return session
