"""The one read rule: who may see a session, an idea, a group, the results, an author's name.

Every surface asks here: the REST views, the live stream (snapshot, events, who may
connect), the pages, similar ideas, the archive (which builds its own rules on
`sessions_visible_to`) and its exports and search. The permission table these
functions implement is written out in docs/read-rules.md and walked, endpoint by
endpoint, by tests/test_read_rules.py.

A reader is a `Viewer`: a user (staff, a named moderator, a signed-in outsider or
anonymous) and, when they joined a session, the participant they joined it as. The
rules, from the session down:
- a session is *public* when it is public, started (not a draft) and its forum (if
  any) is public; anyone may read a public session; its moderators (staff moderate
  everything), its forum's organisers and its own participants may read it whatever
  it is (drafts included);
- a session's join code is for its moderators and its participants (and the room:
  the big screen shows it, see docs/read-rules.md);
- in a readable session, moderators see every idea; others see published ideas, and
  the author also sees their own pending or hidden ones (a merged idea lives on in
  its target);
- group members, for others than moderators, are the group's published ideas;
- tallies and results: moderators always; others when the session shows results live
  or has reached its results;
- an author's name: moderators and the author; others only when the session shows
  names (`show_author_names`), else they see the sector.

The role-level functions (`*_for(moderator=…, author=…)`) serve the live stream,
which shapes one message per kind of reader rather than per reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ideas.models import CaseSession, Forum, Group, Idea, IdeaStatus, Participant, Stage

# What an author sees of their own ideas beyond the published ones (never a merged one).
OWN_UNPUBLISHED = (IdeaStatus.PENDING, IdeaStatus.HIDDEN)
RESULT_STAGES = (Stage.RESULTS, Stage.ARCHIVED)


@dataclass(frozen=True)
class Viewer:
    """Who reads: a user (maybe anonymous) and the participant they joined a session as."""

    user: Any = None
    participant: Participant | None = None

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls()

    @classmethod
    def of_request(cls, request: Any) -> Viewer:
        """A DRF request: the user, and the participant when a participant's token signed it."""
        auth = getattr(request, "auth", None)
        return cls(getattr(request, "user", None), auth if isinstance(auth, Participant) else None)

    @property
    def is_staff(self) -> bool:
        user = self.user
        return bool(
            user is not None
            and getattr(user, "is_authenticated", False)
            and (user.is_staff or user.is_superuser)
        )

    @property
    def is_signed_in(self) -> bool:
        return bool(self.user is not None and getattr(self.user, "is_authenticated", False))

    def moderates(self, session: CaseSession) -> bool:
        return session.is_moderator(self.user)

    def organises(self, forum: Forum | None) -> bool:
        """Staff, or one of the forum's organisers (they prepare its sessions, drafts included)."""
        if forum is None or not self.is_signed_in:
            return False
        return self.is_staff or forum.organisers.filter(pk=self.user.pk).exists()

    def member_of(self, session: CaseSession | int) -> Participant | None:
        """The participant this viewer joined `session` as, or None."""
        session_id = session if isinstance(session, int) else session.pk
        if self.participant is not None and self.participant.session_id == session_id:
            return self.participant
        return None

    def is_author(self, idea: Idea) -> bool:
        return self.participant is not None and idea.author_id == self.participant.pk


# --- sessions ------------------------------------------------------------------------------------


def public_sessions_q(prefix: str = "") -> Q:
    """Public, started, in a public forum or none (a lookup prefix such as "session__")."""
    return (
        Q(**{f"{prefix}is_public": True})
        & ~Q(**{f"{prefix}stage": Stage.DRAFT})
        & (Q(**{f"{prefix}forum__isnull": True}) | Q(**{f"{prefix}forum__is_public": True}))
    )


def public_sessions() -> QuerySet[CaseSession]:
    return CaseSession.objects.filter(public_sessions_q())


def session_public(session: CaseSession) -> bool:
    """Anyone may read it: the landing, the big screen, the archive, a read-only live stream."""
    forum = session.forum
    return (
        session.is_public
        and session.stage != Stage.DRAFT
        and (forum is None or forum.is_public)
    )


def sessions_visible_to(viewer: Viewer) -> QuerySet[CaseSession]:
    """Public sessions for everyone; others for their moderators (staff: all) and participants."""
    sessions = CaseSession.objects.select_related("forum")
    if viewer.is_staff:
        return sessions
    visible = public_sessions_q()
    if viewer.is_signed_in:
        visible |= Q(moderators=viewer.user) | Q(forum__organisers=viewer.user)
    if viewer.participant is not None:
        visible |= Q(pk=viewer.participant.session_id)
    return sessions.filter(visible).distinct()


def session_visible(session: CaseSession, viewer: Viewer) -> bool:
    return (
        session_public(session)
        or viewer.member_of(session) is not None
        or viewer.moderates(session)
        or viewer.organises(session.forum)
    )


def join_code_visible(session: CaseSession, viewer: Viewer) -> bool:
    """The code opens the session: its moderators, its forum's organisers (the QR poster) and
    those already in it may read it."""
    return (
        viewer.member_of(session) is not None
        or viewer.moderates(session)
        or viewer.organises(session.forum)
    )


# --- forums --------------------------------------------------------------------------------------


def forums_organised_by(viewer: Viewer) -> QuerySet[Forum]:
    """The forums this viewer prepares: all for staff, their own for organisers, none otherwise."""
    if viewer.is_staff:
        return Forum.objects.all()
    if not viewer.is_signed_in:
        return Forum.objects.none()
    return Forum.objects.filter(organisers=viewer.user)


def forum_visible(forum: Forum, viewer: Viewer) -> bool:
    """A public forum's page is for everyone; a private one for its organisers."""
    return bool(forum.is_public) or viewer.organises(forum)


def similar_allowed(session: CaseSession, viewer: Viewer) -> bool:
    """As-you-type similar ideas are for those who post: participants and moderators."""
    return viewer.member_of(session) is not None or viewer.moderates(session)


# --- ideas ---------------------------------------------------------------------------------------


def status_visible_for(status: str, *, moderator: bool, author: bool) -> bool:
    """The idea-level rule, for a reader of a session they may read."""
    if moderator or status == IdeaStatus.PUBLISHED:
        return True
    return author and status in OWN_UNPUBLISHED


def idea_visible_for(idea: Idea, *, moderator: bool, author: bool) -> bool:
    return status_visible_for(idea.status, moderator=moderator, author=author)


def ideas_visible_for(
    session: CaseSession | int, *, moderator: bool, participant: Participant | None = None
) -> QuerySet[Idea]:
    """The idea-level rule as a query, for a reader of a session they may read."""
    ideas = Idea.objects.filter(session=session)
    if moderator:
        return ideas
    visible = Q(status=IdeaStatus.PUBLISHED)
    if participant is not None:
        visible |= Q(author=participant, status__in=OWN_UNPUBLISHED)
    return ideas.filter(visible)


def own_merged_ideas(session: CaseSession | int, participant: Participant) -> QuerySet[Idea]:
    """The participant's own ideas merged into a published one: the author is told where each went.

    The merged text itself stays the author's (it is theirs); the target is public already.
    """
    return Idea.objects.filter(
        session=session,
        author=participant,
        status=IdeaStatus.MERGED,
        merged_into__status=IdeaStatus.PUBLISHED,
    ).select_related("merged_into")


def ideas_visible_to(session: CaseSession, viewer: Viewer) -> QuerySet[Idea]:
    """The session's ideas this viewer may read (none when the session itself is hidden)."""
    if not session_visible(session, viewer):
        return Idea.objects.none()
    return ideas_visible_for(
        session, moderator=viewer.moderates(session), participant=viewer.member_of(session)
    )


def idea_visible(idea: Idea, viewer: Viewer) -> bool:
    session = idea.session
    if not session_visible(session, viewer):
        return False
    return idea_visible_for(
        idea, moderator=viewer.moderates(session), author=viewer.is_author(idea)
    )


def published_idea_ids(session: CaseSession | int) -> set[int]:
    return set(
        Idea.objects.filter(session=session, status=IdeaStatus.PUBLISHED).values_list(
            "pk", flat=True
        )
    )


# --- groups --------------------------------------------------------------------------------------


def groups_visible_to(viewer: Viewer) -> QuerySet[Group]:
    """Groups of the sessions this viewer may read."""
    return Group.objects.filter(session__in=sessions_visible_to(viewer).values("pk"))


def group_visible(group: Group, viewer: Viewer) -> bool:
    return session_visible(group.session, viewer)


def group_members_for(session: CaseSession | int, *, moderator: bool) -> set[int] | None:
    """Which idea ids a group may list: None means every member (moderators)."""
    return None if moderator else published_idea_ids(session)


def group_members_visible(session: CaseSession, viewer: Viewer) -> set[int] | None:
    """The ids group listings may show this viewer (None: all, for moderators)."""
    if not session_visible(session, viewer):
        return set()
    return group_members_for(session, moderator=viewer.moderates(session))


# --- results and names ---------------------------------------------------------------------------


def results_public(session: CaseSession) -> bool:
    """May readers other than moderators see tallies? (live results, or the results stage)."""
    return bool(session.live_results_visible) or session.stage in RESULT_STAGES


def results_visible(session: CaseSession, viewer: Viewer) -> bool:
    if not session_visible(session, viewer):
        return False
    return viewer.moderates(session) or results_public(session)


def author_name_for(session: CaseSession, *, moderator: bool, author: bool) -> bool:
    """Names stay in the room: others see the sector unless the session shows names."""
    return moderator or author or bool(session.show_author_names)


def author_name_visible(idea: Idea, viewer: Viewer) -> bool:
    session = idea.session
    return author_name_for(
        session, moderator=viewer.moderates(session), author=viewer.is_author(idea)
    )
