"""Every change to forums, their programme and people's roles goes through here.

Pages, the API and `seed_demo` call these functions; each checks who is asking,
validates, and writes inside one transaction, so a refused change leaves nothing
half-written. Errors are `ideas.errors.DomainError`s with a translated message (and the
field it concerns), which pages show next to the field and the API maps to 4xx.
Case sessions themselves are created through `ideas.operations.session_create`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forums import selectors
from forums.models import (
    EventKind,
    Hall,
    Invitation,
    Juror,
    ProgrammeEvent,
    Role,
    hash_invitation_token,
    new_invitation_token,
)
from ideas.errors import Conflict, Forbidden, InvalidInput, NotFound
from ideas.models import CaseSession, Forum, Stage, validate_sectors, validate_time_zone
from ideas.selectors import Viewer
from ideas.text import clean_text

FORUM_FIELDS = (
    "title",
    "city",
    "starts_on",
    "ends_on",
    "time_zone",
    "description",
    "age_rating",
    "is_public",
    "sectors",
)


def _field_error(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field_name: [message]})


def _ensure_organiser(forum: Forum, actor: Any) -> None:
    if not selectors.may_organise(forum, Viewer(actor)):
        raise Forbidden(_("Only this forum's organisers may change it."))


# --- forums ------------------------------------------------------------------------------------


def _checked_forum_fields(fields: dict[str, Any], current: Forum | None = None) -> dict[str, Any]:
    unknown = set(fields) - set(FORUM_FIELDS)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    checked = dict(fields)
    if "title" in checked or current is None:
        checked["title"] = clean_text(checked.get("title", ""), field="title", max_length=200)
    if "city" in checked:
        checked["city"] = clean_text(checked["city"], field="city", max_length=120, required=False)
    if "description" in checked:
        checked["description"] = clean_text(
            checked["description"], field="description", max_length=5000, required=False
        )
    if "sectors" in checked:
        try:
            checked["sectors"] = validate_sectors(checked["sectors"])
        except ValidationError as error:
            raise _field_error("sectors", " ".join(error.messages)) from None
    if "time_zone" in checked:
        try:
            validate_time_zone(checked["time_zone"])
        except ValidationError as error:
            raise _field_error("time_zone", " ".join(error.messages)) from None
    starts = checked.get("starts_on", getattr(current, "starts_on", None))
    ends = checked.get("ends_on", getattr(current, "ends_on", None))
    if starts and ends and ends < starts:
        raise _field_error("ends_on", _("The forum cannot end before it starts."))
    return checked


def forum_create(*, actor: Any, **fields: Any) -> Forum:
    """A new forum; its creator organises it."""
    if not selectors.may_create_forums(Viewer(actor)):
        raise Forbidden(_("Only organisers may create forums. Ask for an invitation."))
    checked = _checked_forum_fields(fields)
    with transaction.atomic():
        forum = Forum.objects.create(**checked)
        forum.organisers.add(actor)
    return forum


def forum_update(*, forum: Forum, actor: Any, **fields: Any) -> Forum:
    _ensure_organiser(forum, actor)
    checked = _checked_forum_fields(fields, current=forum)
    with transaction.atomic():
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
        for name, value in checked.items():
            setattr(forum, name, value)
        if forum.starts_on and forum.ends_on:
            outside = _events_outside(forum)
            if outside:
                raise _field_error(
                    "starts_on",
                    _("%(count)d programme events would fall outside the forum's days; move them first.")
                    % {"count": outside},
                )
        forum.save()
    return forum


def _events_outside(forum: Forum) -> int:
    zone = selectors.forum_zone(forum)
    count = 0
    for event in ProgrammeEvent.objects.filter(forum=forum):
        if not _within_days(forum, event.starts_at, event.ends_at, zone):
            count += 1
    return count


# --- programme -----------------------------------------------------------------------------------


def _hall_taken(forum: Forum, name: str, exclude: int | None = None) -> bool:
    # Compared in Python: SQLite's iexact folds only ASCII, and hall names are Russian.
    names = Hall.objects.filter(forum=forum).exclude(pk=exclude).values_list("name", flat=True)
    return name.casefold() in {each.casefold() for each in names}


def hall_create(*, forum: Forum, actor: Any, name: str) -> Hall:
    _ensure_organiser(forum, actor)
    cleaned = clean_text(name, field="name", max_length=120)
    if _hall_taken(forum, cleaned):
        raise _field_error("name", _("This forum already has a hall called “%(name)s”.") % {"name": cleaned})
    order = Hall.objects.filter(forum=forum).count()
    return Hall.objects.create(forum=forum, name=cleaned, order=order)


def hall_rename(*, hall: Hall, actor: Any, name: str) -> Hall:
    _ensure_organiser(hall.forum, actor)
    cleaned = clean_text(name, field="name", max_length=120)
    if _hall_taken(hall.forum, cleaned, exclude=hall.pk):
        raise _field_error("name", _("This forum already has a hall called “%(name)s”.") % {"name": cleaned})
    hall.name = cleaned
    hall.save(update_fields=["name"])
    return hall


def hall_delete(*, hall: Hall, actor: Any) -> None:
    _ensure_organiser(hall.forum, actor)
    hall.delete()  # its events stay in the programme, without a hall


@dataclass
class Scheduled:
    """An event as saved, and what the organiser should look at (overlaps: a warning, not a refusal)."""

    event: ProgrammeEvent
    warnings: list[str] = field(default_factory=list)


def _within_days(forum: Forum, starts: datetime.datetime, ends: datetime.datetime, zone: Any) -> bool:
    if forum.starts_on is None:
        return True
    first = forum.starts_on
    last = forum.ends_on or forum.starts_on
    start_day = timezone.localtime(starts, zone).date()
    # An event ending exactly at midnight belongs to the day before.
    end_day = timezone.localtime(ends - datetime.timedelta(microseconds=1), zone).date()
    return first <= start_day and end_day <= last


def _checked_event(forum: Forum, values: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    checked["title"] = clean_text(values.get("title", ""), field="title", max_length=200)
    checked["description"] = clean_text(
        values.get("description", ""), field="description", max_length=5000, required=False
    )
    kind = values.get("kind") or EventKind.ITEM
    if kind not in EventKind.values:
        raise _field_error("kind", _("Unknown kind of event."))
    checked["kind"] = kind
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts, datetime.datetime):
        raise _field_error("starts_at", _("Give the start date and time."))
    if not isinstance(ends, datetime.datetime):
        raise _field_error("ends_at", _("Give the end date and time."))
    if timezone.is_naive(starts) or timezone.is_naive(ends):
        zone = selectors.forum_zone(forum)
        starts = timezone.make_aware(starts, zone) if timezone.is_naive(starts) else starts
        ends = timezone.make_aware(ends, zone) if timezone.is_naive(ends) else ends
    if ends <= starts:
        raise _field_error("ends_at", _("The event must end after it starts."))
    if not _within_days(forum, starts, ends, selectors.forum_zone(forum)):
        first = forum.starts_on
        last = forum.ends_on or forum.starts_on
        raise _field_error(
            "starts_at",
            _("The event is outside the forum's days (%(first)s – %(last)s).")
            % {"first": f"{first:%d.%m.%Y}", "last": f"{last:%d.%m.%Y}"},
        )
    checked["starts_at"], checked["ends_at"] = starts, ends
    hall = values.get("hall")
    if hall is not None and hall.forum_id != forum.pk:
        raise _field_error("hall", _("This hall belongs to another forum."))
    checked["hall"] = hall
    session = values.get("session")
    if session is not None:
        if session.forum_id != forum.pk:
            raise _field_error("session", _("This session belongs to another forum."))
        taken = ProgrammeEvent.objects.filter(session=session)
        if values.get("_pk"):
            taken = taken.exclude(pk=values["_pk"])
        if taken.exists():
            raise _field_error("session", _("This session is already in the programme."))
        checked["kind"] = EventKind.CASE_SESSION
    checked["session"] = session
    return checked


def _overlap_warnings(event: ProgrammeEvent) -> list[str]:
    zone = selectors.forum_zone(event.forum)
    return [
        _("“%(other)s” is in the same hall at the same time (%(start)s–%(end)s).")
        % {
            "other": other.title,
            "start": f"{timezone.localtime(other.starts_at, zone):%H:%M}",
            "end": f"{timezone.localtime(other.ends_at, zone):%H:%M}",
        }
        for other in selectors.overlapping(event)
    ]


def event_create(*, forum: Forum, actor: Any, **values: Any) -> Scheduled:
    _ensure_organiser(forum, actor)
    checked = _checked_event(forum, values)
    with transaction.atomic():
        event = ProgrammeEvent.objects.create(forum=forum, **checked)
    return Scheduled(event, _overlap_warnings(event))


def event_update(*, event: ProgrammeEvent, actor: Any, **values: Any) -> Scheduled:
    forum = event.forum
    _ensure_organiser(forum, actor)
    checked = _checked_event(forum, {**values, "_pk": event.pk})
    with transaction.atomic():
        for name, value in checked.items():
            setattr(event, name, value)
        event.save()
    return Scheduled(event, _overlap_warnings(event))


def event_delete(*, event: ProgrammeEvent, actor: Any) -> None:
    _ensure_organiser(event.forum, actor)
    event.delete()  # a case session it showed stays; only its slot in the programme goes


# --- invitations and accounts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    token: str  # shown once: only its hash is stored

    @property
    def path(self) -> str:
        return f"/invite/{self.token}"


def _may_invite(actor: Any, role: str, forum: Forum | None, session: CaseSession | None) -> bool:
    viewer = Viewer(actor)
    if not viewer.is_signed_in:
        return False
    if role == Role.MODERATOR and session is not None:
        return session.is_moderator(actor) or viewer.organises(session.forum)
    if forum is None:
        return viewer.is_staff  # an organiser who may create forums of their own
    return viewer.organises(forum)


def invitation_create(
    *,
    actor: Any,
    role: str,
    forum: Forum | None = None,
    session: CaseSession | None = None,
    email: str = "",
    link_base: str = "",
) -> Invited:
    """An invitation link; with an e-mail, also sent there through Django's mail backend."""
    if role not in Role.values:
        raise _field_error("role", _("Unknown role."))
    if role == Role.MODERATOR:
        if session is None:
            raise _field_error("session", _("Choose the session to moderate."))
        forum = None
    elif session is not None:
        raise _field_error("session", _("Only moderators are invited to a session."))
    if role == Role.JUROR and forum is None:
        raise _field_error("forum", _("Choose the forum whose contests the juror will judge."))
    if not _may_invite(actor, role, forum, session):
        raise Forbidden(_("Only this forum's organisers may invite people to it."))
    if session is not None and session.stage == Stage.ARCHIVED:
        raise Conflict(_("This session is archived: nobody can moderate it any more."))
    email = (email or "").strip()
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise _field_error("email", _("Enter a valid e-mail address.")) from None
    token = new_invitation_token()
    days = int(getattr(settings, "VECHE_INVITATION_DAYS", 7))
    with transaction.atomic():
        invitation = Invitation.objects.create(
            role=role,
            forum=forum,
            session=session,
            email=email,
            token_hash=hash_invitation_token(token),
            created_by=actor,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
    invited = Invited(invitation, token)
    if email:
        _send_invitation(invited, link_base, actor)
    return invited


def _send_invitation(invited: Invited, link_base: str, actor: Any) -> None:
    invitation = invited.invitation
    link = f"{link_base}{invited.path}"
    subject = _("Invitation to Veche: %(role)s") % {"role": invitation.get_role_display()}
    body = _(
        "%(who)s invites you to Veche as %(role)s: %(target)s.\n\n"
        "Open this link to accept and set your password:\n%(link)s\n\n"
        "The link works once and expires on %(expires)s."
    ) % {
        "who": actor.get_full_name() or actor.get_username(),
        "role": invitation.get_role_display().lower(),
        "target": invitation.target_title or _("forums of your own"),
        "link": link,
        "expires": f"{timezone.localtime(invitation.expires_at):%d.%m.%Y %H:%M}",
    }
    # Sent after commit: a mail server that is down never undoes the invitation (its link is shown too).
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [invitation.email], fail_silently=True)
    )


def invitation_find(token: str) -> Invitation:
    """The invitation for a link, or a translated refusal (unknown, expired, used)."""
    if not isinstance(token, str) or not token:
        raise NotFound(_("This invitation link is not valid. Ask the organiser for a new one."))
    invitation = (
        Invitation.objects.select_related("forum", "session")
        .filter(token_hash=hash_invitation_token(token))
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Ask the organiser for a new one."))
    _ensure_usable(invitation)
    return invitation


def _ensure_usable(invitation: Invitation) -> None:
    if invitation.is_used:
        raise Conflict(
            _("This invitation has already been used. Sign in, or ask the organiser for a new one."),
            code="invitation_used",
        )
    if invitation.is_expired:
        raise Conflict(
            _("This invitation has expired. Ask the organiser for a new one."), code="invitation_expired"
        )


def _grant(invitation: Invitation, user: Any) -> None:
    if invitation.role == Role.MODERATOR and invitation.session is not None:
        invitation.session.moderators.add(user)
    elif invitation.role == Role.JUROR and invitation.forum is not None:
        Juror.objects.get_or_create(forum=invitation.forum, user=user)
    elif invitation.role == Role.ORGANISER:
        if invitation.forum is not None:
            invitation.forum.organisers.add(user)
        else:
            user.user_permissions.add(Permission.objects.get(codename="add_forum", content_type__app_label="ideas"))


def invitation_accept(
    *,
    token: str,
    user: Any = None,
    username: str = "",
    password: str = "",
    email: str = "",
) -> Any:
    """Take the invitation's role: as the signed-in `user`, or as a new account (username, password).

    Single use even when two tabs accept at once: the invitation row is locked and checked again.
    """
    invitation = invitation_find(token)
    new_account = user is None or not getattr(user, "is_authenticated", False)
    if new_account:
        user_model = get_user_model()
        username = (username or "").strip()
        if not username:
            raise _field_error("username", _("Choose a user name."))
        candidate = user_model(username=username, email=(email or invitation.email or "").strip())
        try:
            user_model.username_validator(username)
        except ValidationError as error:
            raise _field_error("username", " ".join(error.messages)) from None
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            raise _field_error("password1", " ".join(error.messages)) from None
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _ensure_usable(locked)
        if new_account:
            if user_model.objects.filter(username__iexact=username).exists():
                raise _field_error("username", _("This user name is taken. Choose another."))
            try:
                with transaction.atomic():
                    candidate.set_password(password)
                    candidate.save()
            except IntegrityError:
                raise _field_error("username", _("This user name is taken. Choose another.")) from None
            user = candidate
        _grant(locked, user)
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
    return user


def invitation_revoke(*, invitation: Invitation, actor: Any) -> None:
    forum = invitation.forum or (invitation.session.forum if invitation.session else None)
    if not _may_invite(actor, invitation.role, forum, invitation.session):
        raise Forbidden(_("Only this forum's organisers may invite people to it."))
    if invitation.is_used:
        raise Conflict(_("This invitation has already been used."))
    invitation.delete()
