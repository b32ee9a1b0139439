"""Possible duplicates between entries, with the real encoder the ideas use (USE v3 by default)."""

from __future__ import annotations

import numpy as np
import pytest
from rest_framework.test import APIClient

from contests import operations, regulations
from contests.duplicates import pairs_above
from contests.models import Entry
from tests.contests.conftest import World

pytestmark = pytest.mark.slow  # loads the real model

ENTRIES = [
    ("Двор без границ", "Во дворе на улице Мира не было места для игр детей и отдыха пожилых жителей.",
     "Жители сами построили детскую площадку, поставили скамейки и посадили деревья на средства гранта.",
     "Площадкой каждый день пользуются около двухсот детей, соседи стали чаще общаться."),
    # the same practice submitted a second time, reworded
    ("Двор без границ на улице Мира",
     "Во дворе на улице Мира не было места, где могли бы играть дети и отдыхать пожилые жители.",
     "Жители своими силами построили детскую площадку, установили скамейки и посадили деревья на деньги гранта.",
     "Площадкой ежедневно пользуются около 200 детей, соседи стали больше общаться."),
    ("Школа волонтёров", "Одиноким пожилым людям в районе некому помочь с покупками и лекарствами.",
     "НКО обучила сорок школьников и студентов, как помогать пожилым, и организовала дежурства.",
     "Помощь получают 120 пенсионеров, волонтёры работают уже второй год."),
    ("Продуктовый банк", "Многодетные семьи и малоимущие жители испытывают нехватку продуктов.",
     "Организовали сбор продуктов в магазинах и их распределение через пункт выдачи при ТОС.",
     "За год выдано двенадцать тонн продуктов пятистам семьям."),
    ("Экотропа у Волги", "Берег Волги у лицея был замусорен, школьники не знали природу края.",
     "Лицеисты убрали берег, проложили экологическую тропу с табличками о растениях и птицах.",
     "По тропе прошли экскурсии для тысячи школьников города."),
]


def test_pairs_above_is_symmetric_and_sorted() -> None:
    matrix = np.array([[1, 0], [0.995, 0.0998], [0, 1], [0.6, 0.8]], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    pairs = pairs_above([40, 10, 30, 20], matrix, 0.9)
    assert [(p.first, p.second) for p in pairs] == [(10, 40)]
    assert pairs_above([1], matrix[:1], 0.5) == []


def test_near_identical_entries_are_shown_to_the_organiser_and_different_ones_are_not(world: World) -> None:
    contest = operations.contest_create(
        forum=world.forum, actor=world.organiser, title="Практики дворов", regulations_document=regulations.example()
    )
    operations.contest_set_stage(contest=contest, actor=world.organiser, stage="submissions")
    ids = []
    for n, (title, problem, actions, results) in enumerate(ENTRIES):
        entry = operations.entry_submit(
            contest=contest, actor=world.outsider,
            data={"nomination": "tos", "title": title, "team_kind": "tos", "settlement": "urban",
                  "organisation": f"ТОС {n}", "territory": "Тольятти", "problem": problem, "actions": actions,
                  "results": results, "contacts": "тел."},
        )
        ids.append(entry.pk)
    organiser = APIClient()
    organiser.force_authenticate(world.organiser)
    report = organiser.get(f"/api/v1/contests/{contest.pk}/duplicates/")
    assert report.status_code == 200, report.json()
    body = report.json()
    assert [(pair["first"]["id"], pair["second"]["id"]) for pair in body["pairs"]] == [(ids[0], ids[1])]
    assert body["pairs"][0]["similarity"] >= body["threshold"]
    assert body["pairs"][0]["first"]["title"] == "Двор без границ"
    # the vectors are stored with the model's name: the next report encodes nothing new
    assert Entry.objects.filter(contest=contest, embedding_model="").count() == 0
    assert organiser.get(f"/api/v1/contests/{contest.pk}/duplicates/").json() == body

    juror = APIClient()
    juror.force_authenticate(world.juror_user(0))
    for client, expected in ((juror, (403, 404)), (APIClient(), (401, 404))):
        assert client.get(f"/api/v1/contests/{contest.pk}/duplicates/").status_code in expected
