"""Group suggestions: computed in the background over the visible ideas, applied by a moderator.

Applying a suggestion never undoes a moderator's manual work: groups a moderator made
or renamed stay, and ideas a moderator placed by hand stay where they are.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas import events, operations
from ideas.embeddings import current_encoder, embed_missing, grouping_vectors, idea_text
from ideas.errors import Conflict, NotFound
from ideas.models import CaseSession, Group, GroupSuggestion, Idea, IdeaStatus

logger = logging.getLogger("veche.grouping")

MIN_IDEAS = 3


def suggestion_request(*, session: CaseSession, actor: Any) -> GroupSuggestion:
    """Ask for a new suggestion (202): the work happens in the background."""
    operations._ensure_moderator(session, actor)
    operations._ensure_grouping(session)
    visible = Idea.objects.filter(session=session, status=IdeaStatus.PUBLISHED).count()
    if visible < MIN_IDEAS:
        raise Conflict(
            _("At least %(n)d published ideas are needed to suggest groups.") % {"n": MIN_IDEAS},
            code="too_few_ideas",
        )
    with transaction.atomic():
        suggestion = GroupSuggestion.objects.create(session=session, requested_by=actor)
        transaction.on_commit(lambda: _enqueue(suggestion.pk))
        events.suggestion_updated(session.pk, suggestion.pk, GroupSuggestion.Status.PENDING)
    return suggestion


def _enqueue(suggestion_id: int) -> None:
    from ideas.tasks import compute_group_suggestion

    try:
        compute_group_suggestion.enqueue(suggestion_id)
    except Exception:
        logger.exception("could not enqueue group suggestion %s", suggestion_id)
        GroupSuggestion.objects.filter(pk=suggestion_id).update(
            status=GroupSuggestion.Status.FAILED,
            error="could not start",
            finished_at=timezone.now(),
        )


def suggestion_compute(suggestion_id: int) -> str:
    """Run the clustering pipeline for one suggestion and store its result (the task body)."""
    from ml.cluster import suggest_groups

    suggestion = GroupSuggestion.objects.select_related("session").filter(pk=suggestion_id).first()
    if suggestion is None or suggestion.status != GroupSuggestion.Status.PENDING:
        return "skipped"
    session = suggestion.session
    GroupSuggestion.objects.filter(pk=suggestion_id).update(status=GroupSuggestion.Status.RUNNING)
    # Outside a transaction, events go at once: the moderator sees the progress live.
    events.suggestion_updated(session.pk, suggestion_id, GroupSuggestion.Status.RUNNING)
    try:
        embed_missing(
            session=session
        )  # vectors the background missed (a lost worker, a model change)
        events.suggestion_progress(session.pk, suggestion_id, 1, 2)
        rows = list(
            Idea.objects.filter(
                session=session,
                status=IdeaStatus.PUBLISHED,
                embedding__isnull=False,
                embedding_model=current_encoder().name,  # never mix vectors of two models
            )
            .order_by("pk")
            .values_list("pk", "title", "text", "embedding")
        )
        ids = [pk for pk, *_rest in rows]
        texts = [idea_text(title, text) for _pk, title, text, _blob in rows]
        vectors = np.vstack(
            [np.frombuffer(bytes(blob or b""), dtype=np.float32) for *_rest, blob in rows]
        )
        # The stronger second encoder (e5) adds its view where it is installed; computed here,
        # in the background, and never required: without it the stored vectors suffice.
        second = grouping_vectors(ids, texts)
        result = suggest_groups(texts, vectors, second_vectors=second[1] if second else None)
        payload = {
            "groups": [
                {
                    "title": group.label
                    or ", ".join(group.keywords[:3])
                    or _("Group %(n)d") % {"n": number + 1},
                    "keywords": group.keywords,
                    "ideas": [ids[i] for i in group.members],
                    "representative": ids[group.representative],
                }
                for number, group in enumerate(result.groups)
            ],
            "ungrouped": [ids[i] for i in result.ungrouped],
            "coordinates": {
                str(ids[i]): [round(x, 4), round(y, 4)]
                for i, (x, y) in enumerate(result.coordinates)
            },
            "info": {**result.info, "grouping_encoder": second[0] if second else ""},
        }
        GroupSuggestion.objects.filter(pk=suggestion_id).update(
            status=GroupSuggestion.Status.DONE, result=payload, finished_at=timezone.now()
        )
        outcome = GroupSuggestion.Status.DONE
    except Exception as error:  # the moderator sees a failed suggestion, never a hung one
        logger.exception("group suggestion %s failed", suggestion_id)
        GroupSuggestion.objects.filter(pk=suggestion_id).update(
            status=GroupSuggestion.Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        outcome = GroupSuggestion.Status.FAILED
    events.suggestion_updated(session.pk, suggestion_id, outcome)
    return str(outcome)


def latest_suggestion(session: CaseSession) -> GroupSuggestion | None:
    return GroupSuggestion.objects.filter(session=session).order_by("-created_at", "-id").first()


def suggestion_apply(
    *, session: CaseSession, actor: Any, suggestion: GroupSuggestion | None = None
) -> list[Group]:
    """Turn the latest finished suggestion into groups, keeping every manual placement."""
    operations._ensure_moderator(session, actor)
    with transaction.atomic():
        session = operations._locked_session(session.pk)
        operations._ensure_grouping(session)
        suggestion = suggestion or latest_suggestion(session)
        if suggestion is None:
            raise NotFound(_("No group suggestion yet: ask for one first."))
        suggestion = GroupSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if suggestion.status != GroupSuggestion.Status.DONE:
            raise Conflict(
                _("This suggestion is not ready (status: %(s)s).")
                % {"s": suggestion.get_status_display()}
            )
        # Earlier suggested groups go, unless a moderator placed an idea in them by hand.
        stale = Group.objects.filter(session=session, origin=Group.Origin.SUGGESTED).exclude(
            ideas__group_set_manually=True
        )
        Idea.objects.filter(group__in=stale, group_set_manually=False).update(group=None)
        stale.delete()
        movable = set(
            Idea.objects.filter(
                session=session, status=IdeaStatus.PUBLISHED, group_set_manually=False
            ).values_list("pk", flat=True)
        )
        created = []
        order = (
            Group.objects.filter(session=session)
            .order_by("-order")
            .values_list("order", flat=True)
            .first()
            or 0
        ) + 1
        for proposal in suggestion.result.get("groups", []):
            members = [pk for pk in proposal["ideas"] if pk in movable]
            if not members:
                continue
            group = Group.objects.create(
                session=session,
                title=proposal["title"][:200],
                keywords=proposal["keywords"][:20],
                origin=Group.Origin.SUGGESTED,
                order=order,
            )
            order += 1
            Idea.objects.filter(pk__in=members).update(group=group)
            created.append(group)
        suggestion.status = GroupSuggestion.Status.APPLIED
        suggestion.save(update_fields=["status"])
        events.suggestion_updated(session.pk, suggestion.pk, GroupSuggestion.Status.APPLIED)
        operations._log(
            session,
            actor=actor,
            action="groups.apply_suggestion",
            data={"suggestion": suggestion.pk, "groups": [g.pk for g in created]},
        )
        events.groups_updated(session.pk)
    return created
