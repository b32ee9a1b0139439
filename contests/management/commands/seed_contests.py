"""`manage.py seed_contests` (called by `seed_demo`): the Тольятти contests (idempotent).

The best-practice contest: three nominations, twelve entries, five jurors (two of whom declare a
conflict), jurors assigned, the selection under way with a few sheets submitted. The social-design
championship «ПроЛог» (`contests.prolog`): its own regulations (project nominations, stages with
the in-person defence, six weighted criteria with described levels), six projects, the same five
jurors, assigned, in the selection. Everything goes through `contests.operations`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from contests import operations, prolog, regulations
from contests.models import Contest, JurorAssignment
from ideas.models import CaseSession, Forum

FORUM_TITLE = "Форум СОНКО и ТОС Тольятти"
CONTEST_TITLE = "Конкурс лучших практик ТОС и НКО"
JUROR_PASSWORD = "veche-juror-2032"  # noqa: S105 - demo accounts only
NOMINATIONS = [
    ("tos", "Лучшая практика ТОС", "Best TOS practice"),
    ("nko", "Лучшая практика НКО", "Best NGO practice"),
    ("youth", "Молодёжная инициатива", "Youth initiative"),
]
ENTRIES = [
    ("tos", "tos", "Двор без границ", "ТОС «Шлюзовой»", "Комсомольский район"),
    ("tos", "tos", "Зелёный квартал", "ТОС «Жигулёвское море»", "Комсомольский район"),
    ("tos", "tos", "Соседский центр в подвале", "ТОС «Новый город»", "Автозаводский район"),
    ("tos", "tos", "Каток всем двором", "ТОС «Поволжский»", "Центральный район"),
    ("nko", "nko", "Школа волонтёров", "АНО «Добрый Тольятти»", "Центральный район"),
    ("nko", "nko", "Серебряный университет", "НКО «Активное долголетие»", "Автозаводский район"),
    ("nko", "nko", "Инклюзивная мастерская", "Фонд «Равные возможности»", "Центральный район"),
    ("nko", "nko", "Продуктовый банк", "НКО «Рука помощи»", "Комсомольский район"),
    ("youth", "school", "Школьный медиацентр", "Школа № 93", "Автозаводский район"),
    ("youth", "initiative", "Квест по истории города", "Инициативная группа «Ставрополь»", "Центральный район"),
    ("youth", "school", "Экотропа у Волги", "Лицей № 57", "Комсомольский район"),
    ("youth", "initiative", "Уличная библиотека", "Инициативная группа «Книговорот»", "Автозаводский район"),
]
JURORS = [
    ("juror1", "Ирина", "Общественная палата Тольятти", "Самара"),
    ("juror2", "Олег", "Фонд «Равные возможности»", "Сызрань"),  # same organisation as an entry: auto-recused
    ("juror3", "Марина", "Ресурсный центр СОНКО", "Самара"),
    ("juror4", "Артём", "Университет", "Новокуйбышевск"),
    ("juror5", "Светлана", "Администрация области", "Самара"),
]

# What each team says of its practice (problem, what was done, resources, results): distinct
# texts, so the demo reads like a real contest and the duplicate finder has nothing to flag.
STORIES = {
    "Двор без границ": (
        "Три соседних двора разделяли заборы и парковки, детям негде было играть.",
        "Жители договорились снести заборы, вместе с управляющей компанией спроектировали общий двор с площадкой и тропинками.",
        "Субсидия ТОС, 140 часов работы жителей, плитка от местного завода.",
        "Общий двор на 600 жителей, три праздника за лето, ни одного конфликта из-за парковки за год.",
    ),
    "Зелёный квартал": (
        "Вдоль улицы не осталось деревьев, летом асфальт раскалялся.",
        "Провели перепись деревьев, высадили 220 саженцев и закрепили каждое за семьёй, которая его поливает.",
        "Саженцы от лесхоза, полив из собранной дождевой воды, помощь школьников.",
        "Прижилось 204 дерева из 220, улица попала в городскую программу озеленения.",
    ),
    "Соседский центр в подвале": (
        "В микрорайоне не было места, где соседи могут собраться зимой.",
        "Отремонтировали заброшенный подвал дома, открыли клуб с библиотекой, мастерской и кружками.",
        "Помещение от администрации по договору безвозмездного пользования, ремонт силами жителей.",
        "12 кружков, около 90 посетителей в неделю, центр работает пятый год.",
    ),
    "Каток всем двором": (
        "Зимой дети уходили играть на проезжую часть, ближайший каток в трёх километрах.",
        "Жители заливают каток на пустыре, по графику дежурят и чистят лёд, по выходным проводят турниры.",
        "Пожарный гидрант по согласованию, коньки из пункта проката, собранного соседями.",
        "Каток работает три зимы, 40 детей в хоккейной секции двора.",
    ),
    "Школа волонтёров": (
        "Молодёжь хотела помогать, но не знала, с чего начать и куда идти.",
        "Запустили трёхмесячную школу: лекции, практика в приютах и больницах, наставники из опытных волонтёров.",
        "Президентский грант, помещение библиотеки, 15 наставников.",
        "320 выпускников, из них 110 остались в постоянных волонтёрских проектах города.",
    ),
    "Серебряный университет": (
        "Пожилые жители оставались одни дома и не умели пользоваться госуслугами.",
        "Открыли курсы компьютерной грамотности, английского и скандинавской ходьбы для людей старше 60 лет.",
        "Компьютерный класс колледжа, преподаватели-волонтёры, субсидия области.",
        "850 слушателей за три года, 70 % записались к врачу онлайн самостоятельно.",
    ),
    "Инклюзивная мастерская": (
        "Молодым людям с инвалидностью после школы негде учиться ремеслу и работать.",
        "Создали столярную и керамическую мастерские с сопровождением, изделия продаются на городских ярмарках.",
        "Оборудование от фонда, мастера-наставники, площадка на рынке.",
        "24 постоянных участника, шестеро трудоустроены, выручка покрывает материалы.",
    ),
    "Продуктовый банк": (
        "Магазины выбрасывали продукты с истекающим сроком, а многодетные семьи нуждались в еде.",
        "Договорились с сетями о передаче продуктов, волонтёры развозят наборы по адресам из списка соцзащиты.",
        "Пять торговых сетей-партнёров, склад-холодильник, автомобиль от бизнеса.",
        "Более 40 тонн продуктов за год, помощь получают 380 семей.",
    ),
    "Школьный медиацентр": (
        "Школьники не знали, что происходит в районе, и не умели проверять новости.",
        "Ученики выпускают газету и подкаст о районе, учатся у журналистов проверять факты.",
        "Техника из гранта, куратор-журналист, эфир на районном радио.",
        "30 выпусков, два материала подхватили городские СМИ, шесть выпускников поступили на журналистику.",
    ),
    "Квест по истории города": (
        "Молодые жители почти ничего не знали о Ставрополе-на-Волге, затопленном при строительстве ГЭС.",
        "Придумали уличный квест по местам старого города с заданиями по архивным фотографиям.",
        "Архив краеведческого музея, призы от кафе-партнёров, карта в мессенджере.",
        "1 500 участников за лето, маршрут вошёл в программу школьных экскурсий.",
    ),
    "Экотропа у Волги": (
        "Берег у лицея зарос мусором, туда перестали ходить.",
        "Лицеисты расчистили берег, проложили экологическую тропу с табличками о растениях и птицах.",
        "Мешки и перчатки от администрации, таблички сделаны на школьных уроках технологии.",
        "Вывезено 9 тонн мусора, по тропе проходят уроки биологии для пяти школ.",
    ),
    "Уличная библиотека": (
        "В районе закрылась библиотека, а книги у жителей пылились дома.",
        "Поставили на остановках и во дворах шкафы для обмена книгами, за каждым следит семья-хранитель.",
        "Шкафы из списанной мебели, роспись от художественной школы.",
        "18 шкафов, около 4 000 книг в обороте, читательский клуб по субботам.",
    ),
}


class Command(BaseCommand):
    help = "Create the Тольятти best-practice contest (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        forum = Forum.objects.filter(title=FORUM_TITLE).first()
        if forum is None:
            self.stdout.write("No Тольятти forum: the contest is not seeded.")
            return
        contest = Contest.objects.filter(forum=forum, title=CONTEST_TITLE).first()
        if contest is None:
            contest = self._create(forum)
            self.stdout.write(self.style.SUCCESS("Тольятти contest created."))
        self.stdout.write(
            f"Contest: «{contest.title}» (id {contest.pk}), stage {contest.stage}; "
            f"jurors juror1…juror5 / {JUROR_PASSWORD}; API /api/v1/contests/{contest.pk}/"
        )
        self.stdout.write(
            f"Contest pages: /c/{contest.pk}/ (public), /c/{contest.pk}/jury/ (a juror's phone), "
            f"/c/{contest.pk}/organise/, /c/{contest.pk}/screen/, /c/{contest.pk}/results/"
        )
        championship = Contest.objects.filter(forum=forum, title=prolog.TITLE).first()
        if championship is None:
            championship = self._create_championship(forum)
            self.stdout.write(self.style.SUCCESS("«ПроЛог» championship created."))
        self.stdout.write(
            f"Championship: «{championship.title}» (id {championship.pk}), stage {championship.stage}; "
            f"API /api/v1/contests/{championship.pk}/"
        )

    @transaction.atomic
    def _create_championship(self, forum: Forum) -> Contest:
        users = get_user_model().objects
        organiser = forum.organisers.order_by("pk").first() or users.filter(is_superuser=True).order_by("pk").first()
        sessions = list(CaseSession.objects.filter(forum=forum).order_by("pk")[:2])
        championship = operations.contest_create(
            forum=forum, actor=organiser, title=prolog.TITLE, description=prolog.DESCRIPTION,
            regulations_document=prolog.regulations(), audience_session=sessions[-1] if sessions else None,
        )
        for username, name, organisation, territory in JURORS:
            user, created = users.get_or_create(username=username, defaults={"first_name": name})
            if created:
                user.set_password(JUROR_PASSWORD)
                user.save()
            operations.juror_add(
                contest=championship, actor=organiser, user=user, organisation=organisation, territory=territory
            )
        operations.contest_set_stage(contest=championship, actor=organiser, stage="submissions")
        for nomination, kind, settlement, title, organisation, territory, problem, actions, results in prolog.PROJECTS:
            operations.entry_submit(
                contest=championship, actor=organiser,
                data={
                    "nomination": nomination, "team_kind": kind, "settlement": settlement, "title": title,
                    "organisation": organisation, "territory": territory, "problem": problem, "actions": actions,
                    "resources": "Грант, волонтёры, партнёры из бизнеса.", "results": results,
                    "contacts": "через организаторов форума",
                },
            )
        operations.jury_assign(contest=championship, actor=organiser)
        operations.contest_set_stage(contest=championship, actor=organiser, stage="selection")
        championship.refresh_from_db()
        return championship

    @transaction.atomic
    def _create(self, forum: Forum) -> Contest:
        users = get_user_model().objects
        organiser = forum.organisers.order_by("pk").first() or users.filter(is_superuser=True).order_by("pk").first()
        audience = CaseSession.objects.filter(forum=forum).order_by("pk").first()
        contest = operations.contest_create(
            forum=forum, actor=organiser, title=CONTEST_TITLE,
            description="Практики территориального общественного самоуправления и некоммерческих организаций.",
            regulations_document=regulations.example(NOMINATIONS), audience_session=audience,
        )
        jurors = []
        for username, name, organisation, territory in JURORS:
            user, created = users.get_or_create(username=username, defaults={"first_name": name})
            if created:
                user.set_password(JUROR_PASSWORD)
                user.save()
            jurors.append(
                operations.juror_add(contest=contest, actor=organiser, user=user, organisation=organisation, territory=territory)
            )
        operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
        entries = []
        for nomination, kind, title, organisation, territory in ENTRIES:
            entries.append(
                operations.entry_submit(
                    contest=contest, actor=organiser,
                    data={
                        "nomination": nomination, "team_kind": kind, "settlement": "urban", "title": title,
                        "organisation": organisation, "territory": territory,
                        "problem": STORIES[title][0],
                        "actions": STORIES[title][1],
                        "resources": STORIES[title][2],
                        "results": STORIES[title][3],
                        "contacts": "через организаторов форума",
                    },
                )
            )
        operations.jury_assign(contest=contest, actor=organiser)
        operations.contest_set_stage(contest=contest, actor=organiser, stage="selection")
        # Juror 4 declares a conflict on one of their entries (juror 2's was detected automatically).
        first = JurorAssignment.objects.filter(juror=jurors[3], recused=False).order_by("entry_id").first()
        if first is not None:
            operations.conflict_declare(contest=contest, entry=first.entry, actor=jurors[3].user, reason="Консультировал команду")
            operations.jury_assign(contest=contest, actor=organiser)  # the recused place is filled again
        # A few sheets submitted: the progress shows «оценили 1 из 2».
        for index, juror in enumerate(jurors[:3]):
            for assignment in JurorAssignment.objects.filter(juror=juror, recused=False).order_by("entry_id")[:2]:
                operations.score_save(
                    contest=contest, entry=assignment.entry, actor=juror.user,
                    scores={"relevance": 6 + index, "impact": 7, "replicability": 5 + index}, submit=True,
                )
        contest.refresh_from_db()
        return contest
