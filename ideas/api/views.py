"""REST views: validate the shape, check who asks, call the operation, shape the answer."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ideas import embeddings, grouping, operations, selectors, tallies
from ideas.api import serializers as s
from ideas.api.authentication import request_participant
from ideas.api.params import MAX_ID, BoundedLimitOffsetPagination, IdFilter, parse_int
from ideas.api.permissions import IsStaffOrReadOnly
from ideas.api.throttles import (
    JoinCodeThrottle,
    LoginThrottle,
    PostThrottle,
    SimilarThrottle,
    VoteThrottle,
    WrongCodeLimiter,
)
from ideas.errors import InvalidInput, NotFound
from ideas.models import ApiToken, CaseSession, Forum, Group, Idea, IdeaStatus, Vote


def _validated(
    serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any
) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _require_user(request: Request) -> None:
    if not (request.user and request.user.is_authenticated):
        if request_participant(request) is not None:
            # A participant's token is a valid credential, just not a moderator's: 403, not 401.
            raise PermissionDenied(_("Only the session's moderators may do this."))
        raise NotAuthenticated(_("Sign in as a moderator, or send your token."))


def _require_moderator(request: Request, session: CaseSession) -> None:
    _require_user(request)
    if not session.is_moderator(request.user):
        raise PermissionDenied(_("Only the session's moderators may do this."))


# Who may read what is decided in `ideas.selectors` (the one read rule); views only ask.


def idea_context(request: Request, session: CaseSession) -> dict[str, Any]:
    """What an idea's reader may see: tallies when results are visible, their own votes."""
    viewer = selectors.Viewer.of_request(request)
    participant = viewer.member_of(session)
    is_moderator = viewer.moderates(session)
    context: dict[str, Any] = {
        "request": request,
        "participant": participant,
        "is_moderator": is_moderator,
        "voting_method": session.voting_method,
        # Names stay in the room: the serializer shows one when the read rule allows it.
        "names_public": selectors.author_name_for(session, moderator=is_moderator, author=False),
    }
    if selectors.results_visible(session, viewer):
        context["tallies"] = tallies.idea_tallies(session)
    if participant is not None:
        context["my_votes"] = dict(
            Vote.objects.filter(participant=participant).values_list("idea_id", "value")
        )
    return context


# --- auth and joining ------------------------------------------------------------------------


class AuthTokenView(APIView):
    """Staff sign-in: username and password give a bearer token."""

    authentication_classes: list[Any] = []
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
        data = _validated(s.TokenRequestSerializer, request)
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            return Response(
                {"detail": _("Wrong username or password."), "code": "authentication_failed"},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        api_token = ApiToken(user=user)
        token = api_token.issue_token()
        api_token.save()
        return Response({"token": token}, status=status.HTTP_201_CREATED)


class JoinView(APIView):
    """Join a session by its code: a display name and a sector, no sign-up."""

    authentication_classes: list[Any] = []
    throttle_classes = [JoinCodeThrottle]

    @extend_schema(
        request=s.JoinSerializer,
        responses={
            201: inline_serializer(
                "Joined",
                {
                    "participant": s.ParticipantSerializer(),
                    "token": serializers.CharField(),
                    "session": s.SessionSerializer(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        # A valid code always joins, however many wrong ones this address sent (a venue shares
        # one address); only further wrong codes are refused with 429 (see WrongCodeLimiter).
        limiter = WrongCodeLimiter()
        data = _validated(s.JoinSerializer, request)
        try:
            joined = operations.participant_join(
                code=data["code"], display_name=data["display_name"], sector=data["sector"]
            )
        except NotFound:
            wait = limiter.refuse_miss(request)
            if wait is not None:
                raise Throttled(
                    wait=wait, detail=_("Too many wrong codes from this network. Wait a minute.")
                ) from None
            raise
        limiter.note_join(request, joined.participant.session_id)
        request.auth = joined.participant
        return Response(
            {
                "participant": s.ParticipantSerializer(joined.participant).data,
                "token": joined.token,
                "session": s.SessionSerializer(
                    joined.participant.session, context={"request": request}
                ).data,
            },
            status=status.HTTP_201_CREATED,
        )


# --- forums and sessions ------------------------------------------------------------------------


class ForumFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Forum
        fields = ["city", "is_public"]


class ForumViewSet(viewsets.ModelViewSet):
    serializer_class = s.ForumSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = ForumFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Forum]:
        forums = Forum.objects.all()
        user = self.request.user
        if not (user and user.is_authenticated and user.is_staff):
            forums = forums.filter(is_public=True)
        return forums

    def perform_create(self, serializer: Any) -> None:
        forum = serializer.save()
        forum.organisers.add(self.request.user)

    def perform_destroy(self, instance: Forum) -> None:
        if instance.sessions.exists():
            from ideas.errors import Conflict

            raise Conflict(_("This forum has sessions; delete or move them first."))
        instance.delete()


class SessionFilter(django_filters.FilterSet):
    forum = IdFilter(field_name="forum_id")

    class Meta:
        model = CaseSession
        fields = ["forum", "stage"]


class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.SessionSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = SessionFilter
    http_method_names = ["get", "post", "patch", "head", "options", "put", "delete"]

    def get_queryset(self) -> QuerySet[CaseSession]:
        return selectors.sessions_visible_to(selectors.Viewer.of_request(self.request))

    def get_permissions(self) -> list[Any]:
        # Participants act inside a session (ideas, votes); staff run sessions.
        if self.action in {
            "ideas",
            "my_votes",
            "results",
            "groups",
            "stage",
            "timer",
            "partial_update",
            "update",
        }:
            return []
        return super().get_permissions()

    def perform_create(self, serializer: Any) -> None:
        session = serializer.save(created_by=self.request.user)
        session.moderators.add(self.request.user)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            return Response(
                {"detail": _("Use PATCH to change a session."), "code": "method_not_allowed"},
                status=status.HTTP_405_METHOD_NOT_ALLOWED,
            )
        session = self.get_object()
        _require_moderator(request, session)
        serializer = self.get_serializer(session, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        session = operations.session_update(
            session=session, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(session).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {
                "detail": _("Sessions are never deleted; archive them."),
                "code": "method_not_allowed",
            },
            status=status.HTTP_405_METHOD_NOT_ALLOWED,
        )

    @extend_schema(request=s.StageSerializer, responses=s.SessionSerializer)
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        _require_moderator(request, session)
        data = _validated(s.StageSerializer, request)
        session = operations.session_set_stage(
            session=session, actor=request.user, stage=data["stage"]
        )
        return Response(self.get_serializer(session).data)

    @extend_schema(request=s.TimerSerializer, responses=s.SessionSerializer)
    @action(detail=True, methods=["post"])
    def timer(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        _require_moderator(request, session)
        data = _validated(s.TimerSerializer, request)
        session = operations.session_set_timer(
            session=session, actor=request.user, seconds=data["seconds"]
        )
        return Response(self.get_serializer(session).data)

    # --- ideas in a session

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter(
                "status", str, description="published, pending, hidden, merged (moderators)"
            ),
            OpenApiParameter("group", str, description="a group id, or `none` for ungrouped ideas"),
            OpenApiParameter("ordering", str, enum=["created", "-created", "score", "-score"]),
        ],
        responses=s.IdeaSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"], request=s.IdeaCreateSerializer, responses={201: s.IdeaSerializer}
    )
    @action(
        detail=True, methods=["get", "post"], throttle_classes=[PostThrottle], filter_backends=[]
    )
    def ideas(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        if request.method == "POST":
            participant = request_participant(request)
            if participant is None:
                _require_user(request)
            data = _validated(s.IdeaCreateSerializer, request)
            idea = operations.idea_post(
                session=session,
                text=data["text"],
                title=data.get("title", ""),
                author=participant,
                author_user=request.user if participant is None else None,
            )
            context = idea_context(request, session)
            return Response(
                s.IdeaSerializer(idea, context=context).data, status=status.HTTP_201_CREATED
            )
        context = idea_context(request, session)
        ideas = selectors.ideas_visible_to(session, selectors.Viewer.of_request(request))
        ideas = ideas.select_related("author")
        if context["is_moderator"]:
            wanted = request.query_params.get("status")
            if wanted:
                if wanted not in IdeaStatus.values:
                    raise InvalidInput(
                        _("Unknown status."), fields={"status": [_("Unknown status.")]}
                    )
                ideas = ideas.filter(status=wanted)
        group = request.query_params.get("group")
        if group:
            if group == "none":
                ideas = ideas.filter(group__isnull=True)
            elif (group_id := parse_int(group, min_value=1, max_value=MAX_ID)) is not None:
                ideas = ideas.filter(group_id=group_id)
            else:
                raise InvalidInput(
                    _("Give a group id or “none”."),
                    fields={"group": [_("Give a group id or “none”.")]},
                )
        ordering = request.query_params.get("ordering", "created")
        if ordering not in {"created", "-created", "score", "-score"}:
            message = _("Order by created, -created, score or -score.")
            raise InvalidInput(message, fields={"ordering": [message]})
        rows = list(ideas.order_by("created_at", "id"))
        if ordering == "-created":
            rows.reverse()
        elif ordering in {"score", "-score"}:
            if "tallies" not in context:
                raise InvalidInput(
                    _("Results are not visible yet, so ideas cannot be ordered by score.")
                )
            from ideas.tallies import Tally

            def score(idea: Idea) -> int:
                return context["tallies"].get(idea.pk, Tally()).score(session.voting_method)

            rows.sort(key=score, reverse=ordering == "-score")
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(
            s.IdeaSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        responses=inline_serializer(
            "MyVotes",
            {
                "voting_method": serializers.CharField(),
                "votes": serializers.ListField(child=serializers.DictField()),
                "dots_budget": serializers.IntegerField(allow_null=True),
                "dots_left": serializers.IntegerField(allow_null=True),
                "dots_max_per_idea": serializers.IntegerField(allow_null=True),
                "spent": serializers.IntegerField(allow_null=True),
            },
        )
    )
    @action(detail=True, methods=["get"], url_path="my-votes")
    def my_votes(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        participant = request_participant(request)
        if participant is None:
            raise NotAuthenticated(_("Join the session to see your votes."))
        if participant.session_id != session.pk:
            raise PermissionDenied(_("You joined another session."))
        return Response(tallies.participant_votes(participant))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        if not selectors.results_visible(session, selectors.Viewer.of_request(request)):
            raise PermissionDenied(_("Results are shown when the moderators open them."))
        return Response(tallies.session_results(session))

    @extend_schema(methods=["GET"], responses=s.GroupSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.GroupWriteSerializer, responses={201: s.GroupSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def groups(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        if request.method == "POST":
            _require_moderator(request, session)
            data = _validated(s.GroupWriteSerializer, request)
            if "title" not in data:
                raise InvalidInput(
                    _("Give the group a title."), fields={"title": [_("This field is required.")]}
                )
            group = operations.group_create(
                session=session,
                actor=request.user,
                title=data["title"],
                keywords=data.get("keywords"),
                idea_ids=data.get("ideas"),
            )
            return Response(s.GroupSerializer(group).data, status=status.HTTP_201_CREATED)
        groups = Group.objects.filter(session=session).prefetch_related("ideas")
        visible = selectors.group_members_visible(session, selectors.Viewer.of_request(request))
        return Response(
            s.GroupSerializer(groups, many=True, context={"visible_idea_ids": visible}).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "text", str, required=True, description="what the participant is typing"
            ),
            OpenApiParameter("limit", int, description="1 to 20, default 5"),
            OpenApiParameter(
                "exclude", int, description="an idea to leave out (the one being merged)"
            ),
        ],
        responses=s.SimilarIdeaSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        throttle_classes=[SimilarThrottle],
        pagination_class=None,
        filter_backends=[],
    )
    def similar(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        viewer = selectors.Viewer.of_request(request)
        if not selectors.similar_allowed(session, viewer):
            raise NotAuthenticated(_("Join the session to see similar ideas."))
        query = s.SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = embeddings.similar_ideas(
            session,
            query.validated_data["text"],
            limit=query.validated_data["limit"],
            exclude=query.validated_data.get("exclude"),
            exclude_author=viewer.participant,  # never one's own ideas
        )
        # Only ideas this reader may see, whatever the similarity index holds.
        ideas = (
            selectors.ideas_visible_to(session, viewer)
            .select_related("author")
            .in_bulk([item.idea_id for item in found])
        )
        context = idea_context(request, session)
        return Response(
            [
                {
                    "idea": s.IdeaSerializer(ideas[item.idea_id], context=context).data,
                    "score": item.score,
                    "duplicate": item.duplicate,
                }
                for item in found
                if item.idea_id in ideas
            ]
        )

    @extend_schema(request=None, responses={202: s.GroupSuggestionSerializer})
    @action(detail=True, methods=["post"], url_path="groups/suggest")
    def groups_suggest(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        _require_moderator(request, session)
        suggestion = grouping.suggestion_request(session=session, actor=request.user)
        return Response(
            s.GroupSuggestionSerializer(suggestion).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(responses=s.GroupSuggestionSerializer)
    @action(detail=True, methods=["get"], url_path="groups/suggestion")
    def groups_suggestion(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        _require_moderator(request, session)
        suggestion = grouping.latest_suggestion(session)
        if suggestion is None:
            raise NotFound(_("No group suggestion yet: ask for one first."))
        return Response(s.GroupSuggestionSerializer(suggestion).data)

    @extend_schema(request=None, responses=s.GroupSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="groups/suggestion/apply")
    def groups_suggestion_apply(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        _require_moderator(request, session)
        grouping.suggestion_apply(session=session, actor=request.user)
        groups = Group.objects.filter(session=session).prefetch_related("ideas")
        return Response(s.GroupSerializer(groups, many=True).data)


# --- single ideas -----------------------------------------------------------------------------------


class IdeaViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.IdeaSerializer
    permission_classes: list[Any] = []
    http_method_names = ["get", "patch", "put", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Idea]:
        return Idea.objects.select_related("session", "session__forum", "author")

    def get_object(self) -> Idea:
        idea = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not self._may_see(idea):
            raise NotFound(_("No such idea."))
        return idea

    def _may_see(self, idea: Idea) -> bool:
        return selectors.idea_visible(idea, selectors.Viewer.of_request(self.request))

    def _context(self, idea: Idea) -> dict[str, Any]:
        return idea_context(self.request, idea.session)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        idea = self.get_object()
        return Response(s.IdeaSerializer(idea, context=self._context(idea)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            return Response(
                {"detail": _("Use PATCH to moderate an idea."), "code": "method_not_allowed"},
                status=status.HTTP_405_METHOD_NOT_ALLOWED,
            )
        idea = self.get_object()
        _require_moderator(request, idea.session)
        data = _validated(s.IdeaModerateSerializer, request)
        if "status" in data or "reason" in data or "note" in data:
            operations.idea_moderate(
                idea=idea,
                actor=request.user,
                status=data.get("status", idea.status),
                reason=data.get("reason", idea.hide_reason),
                note=data.get("note", ""),
            )
        if "group" in data:
            group = None
            if data["group"] is not None:
                group = Group.objects.filter(pk=data["group"], session=idea.session).first()
                if group is None:
                    message = _("Choose a group of this session.")
                    raise InvalidInput(message, fields={"group": [message]})
            operations.idea_set_group(
                session=idea.session, actor=request.user, idea_ids=[idea.pk], group=group
            )
        idea.refresh_from_db()
        return Response(s.IdeaSerializer(idea, context=self._context(idea)).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(request=s.MergeSerializer, responses=s.IdeaSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        duplicate = self.get_object()
        _require_moderator(request, duplicate.session)
        data = _validated(s.MergeSerializer, request)
        target = Idea.objects.filter(pk=data["into"], session=duplicate.session).first()
        if target is None:
            message = _("Choose an idea of this session to merge into.")
            raise InvalidInput(message, fields={"into": [message]})
        duplicate = operations.idea_merge(duplicate=duplicate, target=target, actor=request.user)
        return Response(s.IdeaSerializer(duplicate, context=self._context(duplicate)).data)

    @extend_schema(request=None, responses=s.IdeaSerializer)
    @action(detail=True, methods=["post"])
    def unmerge(self, request: Request, pk: str | None = None) -> Response:
        duplicate = self.get_object()
        _require_moderator(request, duplicate.session)
        duplicate = operations.idea_unmerge(duplicate=duplicate, actor=request.user)
        return Response(s.IdeaSerializer(duplicate, context=self._context(duplicate)).data)

    @extend_schema(methods=["PUT"], request=s.VoteSerializer, responses=s.VoteOutcomeSerializer)
    @extend_schema(
        methods=["DELETE"], request=s.VoteWithdrawSerializer, responses=s.VoteOutcomeSerializer
    )
    @action(detail=True, methods=["put", "delete"], throttle_classes=[VoteThrottle])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        participant = request_participant(request)
        if participant is None:
            if request.user and request.user.is_authenticated:
                raise PermissionDenied(_("Only participants vote; join the session with its code."))
            raise NotAuthenticated(_("Join the session to vote."))
        if not str(pk).isdigit():
            raise NotFound(_("No such idea in your session."))
        # The hottest endpoint: the operation checks the values itself (types included),
        # so no serializer pass runs here; the shapes are documented by the serializers above.
        body = request.data if isinstance(request.data, dict) else None
        if body is None and (request.method != "DELETE" or request.data):
            raise InvalidInput(_("Send a JSON object."))
        body = body or {}
        if request.method == "DELETE":
            outcome = operations.vote_withdraw(
                participant=participant, idea_id=int(str(pk)), request_id=body.get("request_id")
            )
        else:
            if "value" not in body:
                raise InvalidInput(
                    _("This field is required."), fields={"value": [_("This field is required.")]}
                )
            outcome = operations.vote_cast(
                participant=participant,
                idea_id=int(str(pk)),
                value=body["value"],
                request_id=body.get("request_id"),
            )
        return Response(
            {
                "idea": outcome.idea_id,
                "value": outcome.value,
                "changed": outcome.changed,
                "duplicate_request": outcome.duplicate_request,
                "dots_left": outcome.dots_left,
            }
        )


class GroupViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.GroupSerializer
    permission_classes: list[Any] = []
    http_method_names = ["get", "patch", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Group]:
        return Group.objects.select_related("session", "session__forum").prefetch_related("ideas")

    def get_object(self) -> Group:
        group = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not selectors.group_visible(group, selectors.Viewer.of_request(self.request)):
            raise NotFound(_("No such group."))
        return group

    def _members(self, group: Group) -> dict[str, Any]:
        """Serializer context: the members this reader may see (hidden ideas never listed)."""
        viewer = selectors.Viewer.of_request(self.request)
        return {"visible_idea_ids": selectors.group_members_visible(group.session, viewer)}

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        group = self.get_object()
        return Response(s.GroupSerializer(group, context=self._members(group)).data)

    @extend_schema(request=s.GroupWriteSerializer, responses=s.GroupSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        group = self.get_object()
        _require_moderator(request, group.session)
        data = _validated(s.GroupWriteSerializer, request)
        group = operations.group_update(
            group=group,
            actor=request.user,
            title=data.get("title"),
            keywords=data.get("keywords"),
            order=data.get("order"),
        )
        if "ideas" in data:
            operations.idea_set_group(
                session=group.session, actor=request.user, idea_ids=data["ideas"], group=group
            )
        return Response(s.GroupSerializer(group).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        group = self.get_object()
        _require_moderator(request, group.session)
        operations.group_delete(group=group, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.GroupMergeSerializer, responses=s.GroupSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        group = self.get_object()
        _require_moderator(request, group.session)
        data = _validated(s.GroupMergeSerializer, request)
        into = Group.objects.filter(pk=data["into"], session=group.session).first()
        if into is None:
            message = _("Choose another group of the same session.")
            raise InvalidInput(message, fields={"into": [message]})
        into = operations.group_merge(group=group, into=into, actor=request.user)
        return Response(s.GroupSerializer(into).data)
