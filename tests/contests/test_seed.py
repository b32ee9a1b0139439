"""seed_contests: the best-practice contest and the «ПроЛог» championship, created once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from contests import prolog, regulations, selectors
from contests.management.commands.seed_contests import CONTEST_TITLE, FORUM_TITLE
from contests.models import Contest, ContestStage, JurorAssignment
from ideas.models import CaseSession, Forum, Stage

pytestmark = pytest.mark.django_db


def test_seed_contests_creates_the_championship_once_with_its_own_regulations() -> None:
    organiser = get_user_model().objects.create_user("tolyatti-org", password="x")  # noqa: S106
    forum = Forum.objects.create(title=FORUM_TITLE, city="Тольятти")
    forum.organisers.add(organiser)
    CaseSession.objects.create(forum=forum, title="Секция ТОС", question="?", stage=Stage.VOTING)
    hall = CaseSession.objects.create(forum=forum, title="Большой зал", question="?", stage=Stage.VOTING)
    for _ in range(2):
        call_command("seed_contests", stdout=StringIO())

    assert Contest.objects.filter(forum=forum, title=CONTEST_TITLE).count() == 1
    championship = Contest.objects.get(forum=forum, title=prolog.TITLE)
    assert Contest.objects.filter(forum=forum).count() == 2
    rules = championship.regulations
    assert regulations.validate(rules) == rules  # stored as validated
    assert [stage["stage"] for stage in rules["stages"]] == ["submissions", "selection", "defence", "results"]
    assert next(s for s in rules["stages"] if s["stage"] == "defence")["title"] == "Очная защита"
    assert [n["code"] for n in rules["nominations"]] == ["environment", "care", "community"]
    assert len(rules["criteria"]) == 6 and {c["weight"] for c in rules["criteria"]} == {1, 2, 3}
    for criterion in rules["criteria"]:
        assert len(criterion["levels"]) == 11
        assert all(level["ru"] and level["en"] for level in criterion["levels"])
        assert len({level["ru"] for level in criterion["levels"]}) == 11  # a sentence of its own per level
    assert rules["aggregation"] == {"rule": "trimmed_mean", "trim": 0.2, "normalise": True}
    assert championship.regulations_version == 1 and championship.stage == ContestStage.SELECTION
    assert championship.audience_session == hall
    assert championship.entries.count() == len(prolog.PROJECTS) == 6
    assert championship.jurors.count() == 5
    for row in selectors.progress(championship, championship.entries.all()):
        assert row["of"] >= rules["min_jurors"]
    assert JurorAssignment.objects.filter(entry__contest=championship).exists()


def test_the_championship_regulations_are_valid_as_written() -> None:
    document = prolog.regulations()
    assert regulations.validate(document)["stages"][2]["when"] == "16 мая, 10:00–13:00"


@pytest.mark.parametrize(
    "stages",
    [
        [{"stage": "defence", "title": "Защита"}, {"stage": "selection", "title": "Отбор"}],  # out of order
        [{"stage": "defence", "title": "Защита"}, {"stage": "defence", "title": "Ещё раз"}],  # twice
        [{"stage": "ceremony", "title": "Церемония"}],  # not a stage of a contest
        [{"stage": "defence", "title": ""}],  # no title
        "очная защита",
    ],
)
def test_wrong_stages_are_refused_in_words(stages: object) -> None:
    from django.utils import translation

    from ideas.errors import InvalidInput

    with translation.override("ru"), pytest.raises(InvalidInput) as refused:
        regulations.validate(prolog.regulations() | {"stages": stages})
    assert refused.value.code == "invalid_regulations" and str(refused.value.message)
