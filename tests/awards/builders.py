"""A finalised contest built through `contests.operations`, as an organiser would run it.

Used by the awards tests, the ceremony browser test (in the e2e server's own database, through
`manage.py shell`) and `bench/contest_documents.py`. Two nominations by default; each entry's
jurors agree on a clear order (so places are known), one juror declares a conflict, and the
public votes for the *last* entry of each nomination, so the audience award differs from the
jury's first place.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from contests import operations, regulations, selectors
from ideas.models import CaseSession, Forum, Stage
from ideas.operations import participant_join

PASSWORD = "awards-test-pw-2032"
NOMINATIONS = [("tos", "Лучшая практика ТОС", "Best TOS practice"), ("nko", "Лучшая практика НКО", "Best NGO practice")]
TEAMS = ["ТОС «Шлюзовой»", "АНО «Добрый Тольятти»", "ТОС «Жигулёвское море»", "Фонд «Равные возможности»",
         "ТОС «Новый город»", "НКО «Рука помощи»"]
PRACTICES = ["Двор без границ", "Школа волонтёров", "Зелёный квартал", "Серебряный университет",
             "Соседский центр", "Продуктовый банк"]


def entry_data(n: int, nomination: str) -> dict[str, Any]:
    team = TEAMS[n % len(TEAMS)] + (f" {n // len(TEAMS) + 1}" if n >= len(TEAMS) else "")
    title = PRACTICES[n % len(PRACTICES)] + (f" {n // len(PRACTICES) + 1}" if n >= len(PRACTICES) else "")
    return {
        "nomination": nomination, "title": title, "team_kind": "tos", "settlement": "urban",
        "organisation": team, "territory": f"Район {n + 1}", "problem": "Нет двора для детей",
        "actions": "Построили площадку всем миром", "resources": "Субботники", "results": "Двор для 200 детей",
        "contacts": "председатель ТОС",
    }


def _scores(position: int, count: int) -> dict[str, int]:
    """Scores that rank a nomination's entries strictly in their order, for up to 61 entries.

    The example regulations weigh relevance 2, impact 3, replicability 1: a weighted sum from 60
    (all tens) down, one level per entry at least, split into three scores of 0–10.
    """
    total = 60 - round(position * 60 / max(count, 1))
    impact = min(10, total // 3)
    rest = total - 3 * impact
    relevance = min(10, rest // 2)
    return {"relevance": relevance, "impact": impact, "replicability": rest - 2 * relevance}


def build_contest(
    *, prefix: str = "aw", per_nomination: int = 4, jurors: int = 3, nominations: list[tuple[str, str, str]] | None = None,
    separate_award: bool = True, prizes: int | None = None, finalise: bool = True, voters: int = 3,
) -> dict[str, Any]:
    users = get_user_model().objects
    nominations = nominations or NOMINATIONS
    organiser = users.create_user(f"{prefix}-org", password=PASSWORD, first_name="Ольга", last_name="Устроитель")
    submitter = users.create_user(f"{prefix}-team", password=PASSWORD)
    forum = Forum.objects.create(title="Форум СОНКО и ТОС Тольятти", city="Тольятти")
    forum.organisers.add(organiser)
    session = CaseSession.objects.create(forum=forum, title="Зал", question="Голосуем за практики", stage=Stage.VOTING)
    document = regulations.example(nominations)
    if separate_award:
        document["combination"] = {"mode": "separate_award"}
    document["disagreement_threshold"] = 10
    if prizes is not None:
        document["prizes"] = prizes
    contest = operations.contest_create(
        forum=forum, actor=organiser, title="Конкурс лучших практик", regulations_document=document,
        audience_session=session,
    )
    panel = [
        operations.juror_add(
            contest=contest, actor=organiser,
            user=users.create_user(f"{prefix}-juror{i}", password=PASSWORD, first_name=f"Эксперт{i}", last_name="Жюри"),
            organisation=f"Фонд {i}", territory=f"Город {i}",
        )
        for i in range(jurors)
    ]
    operations.contest_set_stage(contest=contest, actor=organiser, stage="submissions")
    entries = []
    n = 0
    for code, _title, _title_en in nominations:
        for _k in range(per_nomination):
            entries.append(operations.entry_submit(contest=contest, actor=submitter, data=entry_data(n, code)))
            n += 1
    operations.contest_set_stage(contest=contest, actor=organiser, stage="selection")
    operations.conflict_declare(contest=contest, entry=entries[0], actor=panel[0].user, reason="Бывший член ТОС")
    operations.jury_assign(contest=contest, actor=organiser)
    for position, entry in enumerate(entries):
        scores = _scores(position % per_nomination, per_nomination)
        for juror in panel:
            if entry.assignments.filter(juror=juror, recused=False).exists():
                operations.score_save(contest=contest, entry=entry, actor=juror.user, scores=scores, submit=True)
    operations.contest_set_stage(contest=contest, actor=organiser, stage="defence")
    for code, _title, _title_en in nominations:
        operations.public_vote_set_open(contest=contest, actor=organiser, nomination=code, is_open=True)
    last = {code: [e for e in entries if e.nomination == code][-1] for code, _t, _e in nominations}
    for index in range(voters):
        voter = participant_join(code=session.join_code, display_name=f"Зритель {index}", sector=session.sector_codes[0]).participant
        for entry in last.values():
            operations.public_vote_cast(contest=contest, participant=voter, entry=entry)
    operations.contest_set_stage(contest=contest, actor=organiser, stage="results")
    if finalise:
        contest.refresh_from_db()
        operations.contest_finalise(contest=contest, actor=organiser, discussed=selectors.results_for(contest).disputed)
    contest.refresh_from_db()
    return {
        "contest": contest.pk, "organiser": organiser.get_username(), "password": PASSWORD,
        "jurors": [juror.user.get_username() for juror in panel], "entries": [entry.pk for entry in entries],
        "session": session.pk, "code": session.join_code, "forum": forum.pk,
    }
