"""`manage.py seed_programme` (called by `seed_demo`): the Тольятти forum with its programme, and a
programme for the Якутск demo forum, so the organiser pages and the public forum page show something.

Idempotent: a forum already there is left as it is. Everything goes through the operations.
"""

from __future__ import annotations

import datetime
import os
import zoneinfo
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from forums import operations
from forums.models import EventKind
from ideas import operations as session_operations
from ideas.models import CaseSession, Forum, VotingMethod

TOLYATTI_TITLE = "Форум СОНКО и ТОС Тольятти"
TOLYATTI_CODE = "TLTCASE"
ORGANISER_USERNAME = "organiser"
ORGANISER_PASSWORD = "veche-demo-2032"  # noqa: S105 - a demo account on a local machine, printed on purpose
SAMARA = zoneinfo.ZoneInfo("Europe/Samara")
YAKUTSK = zoneinfo.ZoneInfo("Asia/Yakutsk")

TOLYATTI_SECTORS = [
    {"code": "government", "label": "Власть", "label_en": "Government"},
    {"code": "tos", "label": "ТОС", "label_en": "Neighbourhood council"},
    {"code": "ngo", "label": "СО НКО", "label_en": "Non-profit"},
    {"code": "business", "label": "Бизнес", "label_en": "Business"},
    {"code": "expert", "label": "Эксперт", "label_en": "Expert"},
]


def _at(day: datetime.date, hour: int, minute: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


class Command(BaseCommand):
    help = "Create the Тольятти demo forum and its programme (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        if staff is None:
            self.stdout.write("No staff account: run seed_demo first.")
            return
        organiser = self._organiser()
        if not Forum.objects.filter(title=TOLYATTI_TITLE).exists():
            self._tolyatti(staff, organiser)
            self.stdout.write(self.style.SUCCESS("Тольятти forum and programme created."))
        yakutsk = Forum.objects.filter(city="Якутск").order_by("pk").first()
        if yakutsk is not None and not yakutsk.events.exists():
            self._yakutsk(yakutsk, staff)
        forum = Forum.objects.get(title=TOLYATTI_TITLE)
        base = os.environ.get("VECHE_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
        self.stdout.write(f"Тольятти forum: {base}/f/{forum.pk}/   organiser pages: {base}/organise/")
        self.stdout.write(f"Organiser login (not staff): {ORGANISER_USERNAME} / {ORGANISER_PASSWORD}")

    def _organiser(self) -> Any:
        user, created = get_user_model().objects.get_or_create(
            username=ORGANISER_USERNAME, defaults={"first_name": "Организатор"}
        )
        if created:
            user.set_password(ORGANISER_PASSWORD)
            user.save()
        return user

    @transaction.atomic
    def _tolyatti(self, staff: Any, organiser: Any) -> None:
        first = datetime.date(2026, 10, 15)
        second = first + datetime.timedelta(days=1)
        forum = operations.forum_create(
            actor=staff,
            title=TOLYATTI_TITLE,
            city="Тольятти",
            starts_on=first,
            ends_on=second,
            time_zone="Europe/Samara",
            description="Форум социально ориентированных НКО и территориального общественного самоуправления: "
            "секции, чемпионат по социальному проектированию «ПроЛог», конкурс лучших практик ТОС.",
            age_rating="12+",
            is_public=True,
            sectors=TOLYATTI_SECTORS,
        )
        forum.organisers.add(organiser)
        big = operations.hall_create(forum=forum, actor=staff, name="Большой зал")
        hall_a = operations.hall_create(forum=forum, actor=staff, name="Аудитория 1")
        hall_b = operations.hall_create(forum=forum, actor=staff, name="Аудитория 2")
        session = session_operations.session_create(
            actor=organiser,
            forum=forum,
            title="Кейс-сессия власть–общество–бизнес",
            question="Каким должен стать Тольятти для жителей через пять лет?",
            join_code=TOLYATTI_CODE,
            voting_method=VotingMethod.SUPPORT,
        )
        plan = [
            (big, EventKind.CEREMONY, "Открытие форума", first, (10, 0), (10, 45), None),
            (big, EventKind.CASE_SESSION, session.title, first, (11, 0), (12, 30), session),
            (hall_a, EventKind.SECTION, "Секция «ТОС: благоустройство дворов»", first, (11, 0), (12, 30), None),
            (hall_b, EventKind.SECTION, "Секция «СО НКО: гранты и отчётность»", first, (11, 0), (12, 30), None),
            (big, EventKind.CONTEST, "Чемпионат по социальному проектированию «ПроЛог»: защита проектов", first, (14, 0), (17, 0), None),
            (hall_a, EventKind.SECTION, "Секция «Молодёжь в ТОС»", first, (14, 0), (15, 30), None),
            (hall_a, EventKind.CONTEST, "Конкурс лучших практик ТОС: очная защита", second, (10, 0), (13, 0), None),
            (hall_b, EventKind.SECTION, "Секция «Волонтёры и соседские центры»", second, (10, 0), (11, 30), None),
            (big, EventKind.ITEM, "Обед и нетворкинг", second, (13, 0), (14, 0), None),
            (big, EventKind.CEREMONY, "Церемония награждения", second, (16, 0), (17, 30), None),
        ]
        for hall, kind, title, day, start, end, linked in plan:
            operations.event_create(
                forum=forum, actor=staff, hall=hall, kind=kind, title=title, session=linked,
                starts_at=_at(day, *start, SAMARA), ends_at=_at(day, *end, SAMARA),
            )

    def _yakutsk(self, forum: Forum, staff: Any) -> None:
        if forum.starts_on is None:
            return
        hall = operations.hall_create(forum=forum, actor=staff, name="Конгресс-холл")
        session = CaseSession.objects.filter(forum=forum).order_by("pk").first()
        day = forum.starts_on
        operations.event_create(
            forum=forum, actor=staff, hall=hall, kind=EventKind.CEREMONY, title="Открытие форума",
            starts_at=_at(day, 10, 0, YAKUTSK), ends_at=_at(day, 11, 0, YAKUTSK),
        )
        if session is not None and not hasattr(session, "programme_event"):
            operations.event_create(
                forum=forum, actor=staff, hall=hall, title=session.title, session=session,
                starts_at=_at(day, 11, 30, YAKUTSK), ends_at=_at(day, 13, 0, YAKUTSK),
            )
        operations.event_create(
            forum=forum, actor=staff, hall=hall, kind=EventKind.SECTION, title="Школа ТОС",
            starts_at=_at(day + datetime.timedelta(days=1), 10, 0, YAKUTSK),
            ends_at=_at(day + datetime.timedelta(days=1), 13, 0, YAKUTSK),
        )
