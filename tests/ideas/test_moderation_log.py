"""The moderation log reads in words in the console and in the admin alike, never as codes."""

from __future__ import annotations

import pytest
from django.utils import translation

from ideas import moderation_log, operations
from ideas.models import ModerationAction

pytestmark = pytest.mark.django_db


def test_a_stage_change_and_a_hide_read_in_words_with_the_stage_names(session, moderator, make_participant, post_idea):
    idea = post_idea(session, make_participant(session), "Тёплые остановки")
    operations.idea_moderate(idea=idea, actor=moderator, status="hidden", reason="off_topic")
    operations.session_set_stage(session=session, actor=moderator, stage="voting")
    with translation.override("ru"):
        lines = [moderation_log.action_text(action) for action in ModerationAction.objects.order_by("pk")]
        kinds = [moderation_log.action_kind(action.action) for action in ModerationAction.objects.order_by("pk")]
    assert lines[0] == f"скрыта идея №{idea.pk}: Не по теме", lines
    assert "Голосование" in lines[-1], lines
    assert kinds == ["Идея скрыта", "Этап сменён"]


def test_the_admin_log_lists_what_was_done_in_words(admin_client, session, moderator):
    operations.session_set_stage(session=session, actor=moderator, stage="voting")
    page = admin_client.get("/admin/ideas/moderationaction/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Голосование" in page  # the line names the stage
    assert "Этап сменён" in page  # the filter names the kind
    assert ">session.stage<" not in page
