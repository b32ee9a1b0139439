"""Numbers meet nouns in Russian grammar (1 поддерживает, 2 поддерживают, 5 точек, 21 точка), server and script alike."""

from __future__ import annotations

import json

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from pages.templatetags.veche import noun

pytestmark = pytest.mark.django_db

EXPECTED = {
    "supporters": {1: "поддерживает", 2: "поддерживают", 5: "поддерживают", 21: "поддерживает"},
    "dots": {1: "точка", 2: "точки", 5: "точек", 21: "точка"},
    "people": {1: "человек", 2: "человека", 5: "человек", 21: "человек"},
    "votes": {1: "голос", 2: "голоса", 5: "голосов", 21: "голос"},
    "participants": {1: "участник", 2: "участника", 5: "участников", 21: "участник"},
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_russian_forms_for_1_2_5_21(key):
    with translation.override("ru"):
        assert {n: noun(key, n) for n in (1, 2, 5, 21)} == EXPECTED[key]


def test_the_tally_renders_the_noun_and_its_forms_for_the_script():
    template = Template('{% load veche %}{% count_noun "dots" 21 %}')
    with translation.override("ru"):
        html = template.render(Context())
    assert '<span data-count="dots">21</span>' in html
    assert ">точка</span>" in html and 'data-one="dot" data-other="dots"' in html


def test_the_script_catalogue_has_the_russian_plural_rule_and_forms():
    body = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/jsi18n/").content.decode()
    assert "pluralidx" in body
    assert json.dumps("tally\x04dot", ensure_ascii=False)[1:-1].replace("\\u0004", "\\u0004") in body or "tally\\u0004dot" in body
    assert "точек" in body or "\\u0442\\u043e\\u0447\\u0435\\u043a" in body


def test_english_keeps_english_plurals():
    with translation.override("en"):
        assert [noun("supporters", n) for n in (1, 2, 21)] == ["supporter", "supporters", "supporters"]
