"""Ideas: posting (screened, never deleted), moderation, merging and unmerging duplicates."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas import events
from ideas.embeddings import on_commit_embed
from ideas.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    WrongStage,
)
from ideas.models import (
    IDEA_TEXT_MAX,
    IDEA_TITLE_MAX,
    CaseSession,
    HideReason,
    Idea,
    IdeaStatus,
    ModerationAction,
    Participant,
    Vote,
    VotingMethod,
)
from ideas.operations._shared import _ensure_moderator, _ensure_not_archived, _locked_session, _log
from ideas.operations.votes import _dots_spent
from ideas.text import clean_text

# --- ideas ---------------------------------------------------------------------------------


def idea_post(
    *,
    session: CaseSession,
    text: Any,
    title: Any = "",
    author: Participant | None = None,
    author_user: Any = None,
) -> Idea:
    """Post an idea. Screening never deletes: flagged ideas wait for a moderator."""
    from ml.screening import screen

    text = clean_text(text, field="text", max_length=IDEA_TEXT_MAX)
    title = clean_text(title, field="title", max_length=IDEA_TITLE_MAX, required=False)
    if author is not None and author.session_id != session.pk:
        raise Forbidden(_("You joined another session."))
    if author is None and not session.is_moderator(author_user):
        raise Forbidden(_("Join the session to post ideas."))
    flags = screen(f"{title}\n{text}" if title else text)
    with transaction.atomic():
        session = _locked_session(session.pk)
        _ensure_not_archived(session)
        if not session.current_stage.allows_posting():
            raise WrongStage(_("Ideas can be posted only during ideation."))
        status = IdeaStatus.PENDING if (flags or session.premoderation) else IdeaStatus.PUBLISHED
        idea = Idea.objects.create(
            session=session,
            author=author,
            author_user=author_user if getattr(author_user, "is_authenticated", False) else None,
            title=title,
            text=text,
            status=status,
            flags=flags,
        )
        if flags:
            _log(session, actor=None, action="idea.flagged", idea=idea, reason=", ".join(flags))
        events.idea_created(idea.pk, session.pk)
        on_commit_embed(idea.pk)
    return idea


def _locked_idea(idea_id: int) -> Idea:
    return (
        Idea.objects.select_for_update(no_key=True, of=("self",))
        .select_related("session")
        .get(pk=idea_id)
    )


def idea_moderate(*, idea: Idea, actor: Any, status: str, reason: str = "", note: str = "") -> Idea:
    """Approve (published), hide with a reason, or send back to pending."""
    _ensure_moderator(idea.session, actor)
    if status not in (IdeaStatus.PUBLISHED, IdeaStatus.HIDDEN, IdeaStatus.PENDING):
        message = _(
            "A moderator may set the status to published, pending or hidden; use merge for duplicates."
        )
        raise InvalidInput(message, fields={"status": [message]})
    if status == IdeaStatus.HIDDEN and reason not in HideReason.values:
        message = _("Give the reason for hiding: %(reasons)s.") % {
            "reasons": ", ".join(HideReason.values)
        }
        raise InvalidInput(message, fields={"reason": [message]})
    note = clean_text(note, field="note", max_length=500, required=False)
    with transaction.atomic():
        idea = _locked_idea(idea.pk)
        _ensure_not_archived(idea.session)
        if not idea.session.current_stage.allows_moderation():
            raise WrongStage(_("Ideas cannot be moderated in this stage."))
        if idea.status == IdeaStatus.MERGED:
            raise Conflict(_("This idea was merged into another; unmerge it first."))
        previous = idea.status
        idea.status = status
        idea.hide_reason = reason if status == IdeaStatus.HIDDEN else ""
        idea.moderator_note = note
        idea.save(update_fields=["status", "hide_reason", "moderator_note", "updated_at"])
        action = {"published": "idea.approve", "hidden": "idea.hide", "pending": "idea.pending"}[
            status
        ]
        _log(
            idea.session,
            actor=actor,
            action=action,
            idea=idea,
            reason=reason or note,
            data={"from": previous, "to": status},
        )
        events.idea_updated(idea.pk, idea.session_id)
        if previous != status:
            events.votes_changed(idea.session_id, [idea.pk])
    return idea


def idea_merge(*, duplicate: Idea, target: Idea, actor: Any) -> Idea:
    """Merge a duplicate into its target; votes follow without counting anyone twice.

    The duplicate keeps its text and author (status `merged`, linked). A vote
    on the duplicate moves to the target when its participant has none there;
    otherwise the participant's vote on the target stands and the duplicate's
    is dropped. Both are recorded so `idea_unmerge` can restore them.
    """
    _ensure_moderator(duplicate.session, actor)
    if duplicate.pk == target.pk:
        raise InvalidInput(
            _("An idea cannot be merged into itself."), fields={"into": [_("Choose another idea.")]}
        )
    if duplicate.session_id != target.session_id:
        raise InvalidInput(
            _("Both ideas must belong to the same session."),
            fields={"into": [_("Choose an idea of this session.")]},
        )
    with transaction.atomic():
        # Lock both ideas in id order, so two crossing merges cannot deadlock.
        first, second = sorted([duplicate.pk, target.pk])
        locked = {
            i.pk: i
            for i in Idea.objects.select_for_update(of=("self",))
            .select_related("session")
            .filter(pk__in=[first, second])
            .order_by("pk")
        }
        duplicate, target = locked[duplicate.pk], locked[target.pk]
        session = duplicate.session
        _ensure_not_archived(session)
        if not session.current_stage.allows_moderation():
            raise WrongStage(_("Ideas cannot be merged in this stage."))
        if duplicate.status == IdeaStatus.MERGED:
            raise Conflict(_("This idea is already merged."))
        if target.status in (IdeaStatus.MERGED, IdeaStatus.HIDDEN):
            raise Conflict(_("Merge into a visible idea, not a hidden or merged one."))
        moved: list[int] = []
        dropped: list[dict[str, int]] = []
        target_voters = set(
            Vote.objects.filter(idea=target).values_list("participant_id", flat=True)
        )
        for vote in Vote.objects.select_for_update().filter(idea=duplicate).order_by("pk"):
            if vote.participant_id in target_voters:
                dropped.append({"participant": vote.participant_id, "value": vote.value})
                vote.delete()
            else:
                moved.append(vote.pk)
        Vote.objects.filter(pk__in=moved).update(idea=target, updated_at=timezone.now())
        previous_status = duplicate.status
        duplicate.status = IdeaStatus.MERGED
        duplicate.merged_into = target
        duplicate.save(update_fields=["status", "merged_into", "updated_at"])
        _log(
            session,
            actor=actor,
            action="idea.merge",
            idea=duplicate,
            data={
                "into": target.pk,
                "moved_votes": moved,
                "dropped_votes": dropped,
                "previous_status": previous_status,
            },
        )
        events.idea_updated(duplicate.pk, session.pk)
        events.votes_changed(session.pk, [duplicate.pk, target.pk])
    return duplicate


def idea_unmerge(*, duplicate: Idea, actor: Any) -> Idea:
    """Undo a merge: the duplicate comes back with the votes it brought."""
    _ensure_moderator(duplicate.session, actor)
    with transaction.atomic():
        duplicate = _locked_idea(duplicate.pk)
        session = duplicate.session
        _ensure_not_archived(session)
        if duplicate.status != IdeaStatus.MERGED:
            raise Conflict(_("This idea is not merged."))
        record = (
            ModerationAction.objects.filter(idea=duplicate, action="idea.merge")
            .order_by("-created_at", "-id")
            .first()
        )
        data = record.data if record else {}
        target_id = duplicate.merged_into_id
        affected = {duplicate.pk, target_id}
        restored_moved = 0
        for vote in Vote.objects.select_for_update().filter(pk__in=data.get("moved_votes", [])):
            # The vote may have moved on (a later merge) or been changed: it still
            # belongs to this participant and came from the duplicate, so it goes back.
            if not Vote.objects.filter(idea=duplicate, participant_id=vote.participant_id).exists():
                affected.add(vote.idea_id)
                vote.idea = duplicate
                vote.save(update_fields=["idea", "updated_at"])
                restored_moved += 1
        restored_dropped = 0
        for entry in data.get("dropped_votes", []):
            participant = (
                Participant.objects.select_for_update().filter(pk=entry["participant"]).first()
            )
            if (
                participant is None
                or Vote.objects.filter(idea=duplicate, participant=participant).exists()
            ):
                continue
            if session.voting_method == VotingMethod.DOTS:
                spent = _dots_spent(participant.pk)
                if spent + entry["value"] > session.dots_budget:
                    continue  # the participant spent those dots since; never exceed a budget
            Vote.objects.create(participant=participant, idea=duplicate, value=entry["value"])
            restored_dropped += 1
        duplicate.status = data.get("previous_status", IdeaStatus.PUBLISHED)
        if duplicate.status == IdeaStatus.MERGED:
            duplicate.status = IdeaStatus.PUBLISHED
        duplicate.merged_into = None
        duplicate.save(update_fields=["status", "merged_into", "updated_at"])
        _log(
            session,
            actor=actor,
            action="idea.unmerge",
            idea=duplicate,
            data={
                "from": target_id,
                "restored_moved": restored_moved,
                "restored_dropped": restored_dropped,
            },
        )
        events.idea_updated(duplicate.pk, session.pk)
        events.votes_changed(session.pk, [i for i in affected if i])
    return duplicate


