"""«ПроЛог», the Тольятти championship of social design: its regulations and demo projects.

Data for `seed_contests` (and a worked example of regulations for organisers): nominations for
projects, the stages with the in-person defence, six weighted criteria each with eleven described
score levels in Russian and English, trimmed mean with per-juror normalisation (jurors of a
championship differ in strictness), jury and hall combined by rank 0.8 / 0.2, tallies shown live.
"""

from __future__ import annotations

from typing import Any

TITLE = "Чемпионат по социальному проектированию «ПроЛог»"
DESCRIPTION = (
    "Команды ТОС, НКО, школ и инициативных групп защищают социальные проекты для Тольятти и области: "
    "заочный отбор по заявкам, затем очная защита на форуме перед жюри и залом."
)

NOMINATIONS = [
    {"code": "environment", "title": "Комфортная среда", "title_en": "Comfortable environment"},
    {"code": "care", "title": "Социальная забота", "title_en": "Social care"},
    {"code": "community", "title": "Сообщество и культура", "title_en": "Community and culture"},
]

STAGES = [
    {"stage": "submissions", "title": "Приём проектов", "title_en": "Project submissions",
     "when": "1–30 апреля", "description": "Команда подаёт проект: проблема, решение, ресурсы, ожидаемые результаты."},
    {"stage": "selection", "title": "Заочный отбор", "title_en": "Remote selection",
     "when": "1–10 мая", "description": "Не меньше трёх экспертов оценивают каждый проект по критериям, не видя оценок друг друга."},
    {"stage": "defence", "title": "Очная защита", "title_en": "Defence in person",
     "when": "16 мая, 10:00–13:00", "description": "Финалисты защищают проекты на форуме: 5 минут выступления, 5 минут вопросов жюри; зал голосует."},
    {"stage": "results", "title": "Награждение", "title_en": "Awards",
     "when": "16 мая, 17:00", "description": "Итоги объявляются по номинациям на церемонии закрытия форума."},
]

# Per criterion: what a score of 0, 1–2, 3–4, 5–6, 7–8 and 9–10 means (ru, en).
_BANDS: dict[str, list[tuple[str, str]]] = {
    "problem": [
        ("Проблема не названа", "The problem is not stated"),
        ("Проблема названа общими словами, без данных", "The problem is named in general terms, without data"),
        ("Проблема описана, данные случайны или устарели", "The problem is described; the data are anecdotal or outdated"),
        ("Проблема подтверждена данными о территории", "The problem is backed by data about the territory"),
        ("Проблема подтверждена данными и голосами благополучателей", "The problem is backed by data and by the beneficiaries' own voices"),
        ("Проблема доказана исследованием с участием жителей, видны её причины", "The problem is proven by research with residents, and its causes are shown"),
    ],
    "solution": [
        ("Решения нет", "There is no solution"),
        ("Решение не связано с проблемой", "The solution does not address the problem"),
        ("Решение связано с проблемой, но придумано без благополучателей", "The solution addresses the problem but was designed without the beneficiaries"),
        ("Решение проверено на благополучателях хотя бы в беседе", "The solution was tested with beneficiaries, at least in conversation"),
        ("Решение создано вместе с благополучателями и проверено прототипом", "The solution was co-designed with the beneficiaries and tested with a prototype"),
        ("Решение создано с благополучателями, проверено, доработано и ново для территории", "Co-designed, tested, improved and new to the territory"),
    ],
    "feasibility": [
        ("План и ресурсы не описаны", "No plan and no resources are described"),
        ("План нереалистичен, ресурсов явно не хватит", "The plan is unrealistic; resources clearly fall short"),
        ("План есть, сроки и бюджет приблизительны", "There is a plan; dates and budget are rough"),
        ("План и бюджет реалистичны, команда названа", "The plan and budget are realistic; the team is named"),
        ("План, бюджет и партнёры подтверждены, риски названы", "Plan, budget and partners are confirmed; risks are named"),
        ("Всё подтверждено, у рисков есть ответы, команда уже делала похожее", "Everything is confirmed, risks have answers, the team has done similar work"),
    ],
    "impact": [
        ("Результаты не названы", "No results are stated"),
        ("Результаты названы как действия («проведём»)", "Results are stated as activities (“we will hold”)"),
        ("Результаты измеримы, но не связаны с проблемой", "Results are measurable but not linked to the problem"),
        ("Измеримые результаты уменьшают проблему", "Measurable results reduce the problem"),
        ("Результаты измеримы, есть способ их проверить и базовая линия", "Results are measurable, with a way to check them and a baseline"),
        ("Измеримый социальный эффект для многих людей, проверяемый независимо", "A measurable social effect for many people, independently verifiable"),
    ],
    "sustainability": [
        ("Проект кончится вместе с деньгами", "The project ends with the money"),
        ("Продолжение только на словах", "Continuation is promised in words only"),
        ("Есть мысли о продолжении, без источников", "There are ideas for continuing, without sources"),
        ("Названы источники продолжения", "Sources for continuing are named"),
        ("Продолжение обеспечено, проект можно повторить по описанию", "Continuation is secured; the project can be repeated from its description"),
        ("Проект уже повторяют или готовы повторить другие территории", "Other territories already repeat it or are ready to"),
    ],
    "pitch": [
        ("Команда не защищала проект", "The team did not defend the project"),
        ("Выступление не раскрыло проект", "The pitch did not explain the project"),
        ("Проект понятен, ответы на вопросы слабые", "The project is clear; the answers to questions are weak"),
        ("Ясное выступление, ответы по существу", "A clear pitch and answers to the point"),
        ("Убедительная защита, команда знает детали", "A convincing defence; the team knows the details"),
        ("Защита вдохновляет зал, на любой вопрос есть ответ с фактами", "The defence inspires the hall; every question gets an answer with facts"),
    ],
}


def _levels(code: str) -> list[dict[str, str]]:
    """Eleven sentences: 0, then each band's lower level «partly» and its upper one «fully»."""
    bands = _BANDS[code]
    levels = [{"ru": f"{bands[0][0]}.", "en": f"{bands[0][1]}."}]
    for ru, en in bands[1:]:
        levels.append({"ru": f"{ru}: частично.", "en": f"{en}: partly."})
        levels.append({"ru": f"{ru}: в полной мере.", "en": f"{en}: fully."})
    return levels


CRITERIA = [
    ("problem", "Актуальность и обоснованность проблемы", "Relevance of the problem", 2),
    ("solution", "Качество решения и участие благополучателей", "Quality of the solution, co-design", 3),
    ("feasibility", "Реалистичность плана и ресурсов", "Feasibility of the plan and resources", 2),
    ("impact", "Социальный эффект и измеримые результаты", "Social impact, measurable results", 3),
    ("sustainability", "Устойчивость и тиражируемость", "Sustainability and replicability", 1),
    ("pitch", "Очная защита", "The defence in person", 1),
]


def regulations() -> dict[str, Any]:
    return {
        "nominations": NOMINATIONS,
        "eligibility": {"team_kinds": ["tos", "nko", "school", "initiative"], "settlements": ["urban", "rural"]},
        "criteria": [
            {"code": code, "title": title, "title_en": title_en, "weight": weight, "levels": _levels(code)}
            for code, title, title_en, weight in CRITERIA
        ],
        "aggregation": {"rule": "trimmed_mean", "trim": 0.2, "normalise": True},
        "combination": {"mode": "rank_weighted", "jury_weight": 0.8, "public_weight": 0.2},
        "tie_breaks": ["criterion:impact", "criterion:solution", "public_votes"],
        "min_jurors": 3,
        "disagreement_threshold": 3,
        "show_public_tallies": True,
        "stages": STAGES,
    }


# (nomination, team kind, settlement, title, organisation, territory, problem, actions, results)
PROJECTS = [
    ("environment", "tos", "urban", "Тропа здоровья в Портпоселке", "ТОС «Портпоселок»", "Комсомольский район",
     "Пожилым жителям негде безопасно гулять: тротуары разбиты, освещения нет.",
     "Провели опрос 300 жителей, вместе с ними спроектировали освещённую тропу со скамейками и тренажёрами.",
     "Тропа 1,2 км, гуляют 400 человек в неделю, падений зимой стало меньше."),
    ("environment", "initiative", "rural", "Остановка, где тепло", "Инициативная группа села Васильевка", "Ставропольский район",
     "Дети ждут школьный автобус на открытой обочине в мороз.",
     "Школьники нарисовали проект остановки, жители собрали её из бруса на субботнике.",
     "45 детей ждут автобус под крышей и при свете."),
    ("care", "nko", "urban", "Соседская помощь 65+", "АНО «Серебряная нить»", "Центральный район",
     "Одинокие пожилые не знают, к кому обратиться за бытовой помощью.",
     "Создали сеть соседей-помощников по подъездам и горячую линию с волонтёрами.",
     "180 пожилых получают помощь, 60 соседей-помощников."),
    ("care", "school", "urban", "Инклюзивный класс робототехники", "Школа № 86", "Автозаводский район",
     "Дети с инвалидностью не попадают в технические кружки.",
     "Адаптировали программу кружка, обучили педагогов и родителей-наставников.",
     "24 ребёнка с инвалидностью занимаются вместе со сверстниками."),
    ("community", "tos", "urban", "Театр во дворе", "ТОС «Шлюзовой»", "Комсомольский район",
     "Соседи не знакомы друг с другом, молодёжи нечем заняться вечером.",
     "Собрали дворовый театр: репетиции в подъезде, спектакли во дворе для всего квартала.",
     "4 спектакля, 600 зрителей, в труппе 30 соседей от 9 до 70 лет."),
    ("community", "nko", "rural", "Музей одного села", "НКО «Память Жигулей»", "Ставропольский район",
     "История села уходит вместе со старожилами.",
     "Школьники записали 50 интервью со старожилами и собрали экспозицию в клубе.",
     "Музей открыт по выходным, приезжают школы района."),
]
