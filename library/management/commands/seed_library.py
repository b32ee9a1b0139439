"""`manage.py seed_library` (called by `seed_demo` after `seed_contests`): a few Тольятти practices.

Six admitted entries of the Тольятти best-practice contest go into the library with their team's
consent, then each team updates its card once with a fuller story (so every card shows a version
history). Everything goes through `library.operations`; running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from contests.management.commands.seed_contests import CONTEST_TITLE, FORUM_TITLE
from contests.models import Contest, EntryStatus
from library import operations
from library.models import Practice

# title → (public contacts, the team's fuller card: problem, what was done, resources, results)
PRACTICES: dict[str, tuple[str, dict[str, str]]] = {
    "Двор без границ": (
        "ТОС «Шлюзовой», председатель: shluzovoy@example.ru",
        {
            "problem": "Пять дворов разделяли заборы и стихийные парковки: детям негде было играть, "
            "соседи не знали друг друга, жалобы в управляющую компанию оставались без ответа.",
            "actions": "ТОС провёл опрос жителей и собрание, дети нарисовали проект площадки, заборы убрали, "
            "парковку перенесли к дороге, на освободившемся месте сделали детскую и спортивную площадки.",
            "resources": "Муниципальный грант 400 000 ₽, шесть субботников, техника управляющей компании.",
            "results": "Пять дворов стали одним пространством; каждый день там играют около 120 детей; "
            "за год прошло восемь праздников двора.",
        },
    ),
    "Каток всем двором": (
        "ТОС «Поволжский»: +7 900 000-00-01",
        {
            "problem": "Зимой детям и подросткам квартала некуда было пойти: ближайший каток в другом районе.",
            "actions": "Жители сами залили каток во дворе, установили освещение и раздевалку в бытовке, "
            "организовали бесплатный прокат коньков и дежурства родителей.",
            "resources": "Пожарный рукав от ТОС, коньки — от жителей и спортивного магазина, свет — от администрации.",
            "results": "Каток работает три зимы подряд, за сезон приходят более 400 человек, прошли турниры двора.",
        },
    ),
    "Школа волонтёров": (
        "АНО «Добрый Тольятти»: volunteers@example.ru",
        {
            "problem": "Некоммерческим организациям города не хватало подготовленных добровольцев, "
            "а желающие помогать не знали, с чего начать.",
            "actions": "Запустили бесплатную школу волонтёров: восемь занятий о помощи пожилым, детям и животным, "
            "стажировки в партнёрских НКО, наставники из опытных добровольцев.",
            "resources": "Президентский грант, помещение ресурсного центра СОНКО, 12 наставников.",
            "results": "Школу окончили 180 человек; 95 из них продолжают помогать в 14 организациях города.",
        },
    ),
    "Серебряный университет": (
        "НКО «Активное долголетие»: +7 900 000-00-02",
        {
            "problem": "Пожилые жители района оставались одни дома, не умели пользоваться госуслугами и смартфоном.",
            "actions": "Открыли курсы компьютерной грамотности, финансовой безопасности и здоровья для людей "
            "старшего возраста; занятия ведут студенты и волонтёры.",
            "resources": "Компьютерный класс библиотеки, волонтёры-студенты, субсидия области.",
            "results": "Обучено 260 пенсионеров; 70 % записываются к врачу через интернет сами; появился клуб выпускников.",
        },
    ),
    "Экотропа у Волги": (
        "Лицей № 57, учитель биологии: ecotrail@example.ru",
        {
            "problem": "Берег Волги у микрорайона был замусорен, а школьники почти не бывали на природе.",
            "actions": "Ученики лицея проложили экологическую тропу с табличками о растениях и птицах, "
            "провели уборку берега и проводят экскурсии для младших классов.",
            "resources": "Грант фонда «Тольяттинский», доски и краска от родителей, консультации учёных.",
            "results": "Тропа длиной 1,2 км; вывезено 3 тонны мусора; экскурсии прошли 900 школьников.",
        },
    ),
    "Уличная библиотека": (
        "Инициативная группа «Книговорот»: knigovorot@example.ru",
        {
            "problem": "В спальном районе не осталось библиотек, а у жителей копились ненужные книги.",
            "actions": "Во дворах поставили пять книжных шкафов-домиков, договорились с жителями об обмене книгами "
            "и раз в месяц проводим громкие чтения для детей.",
            "resources": "Старые шкафы и краска от жителей, мастерская колледжа, 30 000 ₽ собрали соседи.",
            "results": "Через шкафы прошло более 3 000 книг; на громкие чтения приходят 40–60 детей.",
        },
    ),
}


class Command(BaseCommand):
    help = "Put a few Тольятти contest entries into the library of practices (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        contest = Contest.objects.filter(forum__title=FORUM_TITLE, title=CONTEST_TITLE).first()
        if contest is None:
            self.stdout.write("No Тольятти contest: the library is not seeded.")
            return
        published = 0
        for entry in contest.entries.filter(title__in=PRACTICES, status=EntryStatus.PUBLISHED).order_by("id"):
            if Practice.objects.filter(entry=entry).exists():
                continue
            team = entry.submitted_by
            contacts, story = PRACTICES[entry.title]
            practice = operations.practice_publish(entry=entry, actor=team, public_contacts=contacts)
            operations.practice_update(
                practice=practice, actor=team, data=story, note="Команда дополнила описание после форума"
            )
            published += 1
        total = Practice.objects.filter(entry__contest=contest, withdrawn_at__isnull=True).count()
        self.stdout.write(
            self.style.SUCCESS(f"Library: {published} practices published now, {total} in all; pages /library/")
        )
