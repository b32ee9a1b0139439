"""The regulations' optional keys: places per nomination ("prizes"), read by the ceremony and the papers."""

from __future__ import annotations

import pytest
from django.utils import translation

from contests import regulations
from ideas.errors import InvalidInput


def test_prizes_for_all_or_per_nomination_are_kept() -> None:
    document = regulations.example()
    codes = [item["code"] for item in document["nominations"]]
    assert "prizes" not in regulations.validate(document)  # absent: the papers' default applies
    assert regulations.validate({**document, "prizes": 2})["prizes"] == 2
    assert regulations.validate({**document, "prizes": {codes[0]: 1}})["prizes"] == {codes[0]: 1}


@pytest.mark.parametrize("prizes", [0, 11, True, "3", 2.5, {}, {"no-such-nomination": 1}, [3]])
def test_wrong_prizes_are_refused_in_words(prizes: object) -> None:
    with translation.override("ru"), pytest.raises(InvalidInput) as refused:
        regulations.validate({**regulations.example(), "prizes": prizes})
    assert "мест" in str(refused.value.message)
