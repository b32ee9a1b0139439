"""REST API for organisers (`/api/v1/organise/…`), the programme, invitations and session templates.

The same rules as the pages: reads ask `forums.selectors`, writes call `forums.operations`
(which refuse with a translated 4xx through the project's exception handler).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from backend import links
from forums import operations, selectors
from forums.models import EventKind, Hall, Invitation, ProgrammeEvent, Role
from forums.session_templates import TEMPLATES
from ideas.api.params import query_int
from ideas.models import AgeRating, CaseSession, Forum
from ideas.selectors import Viewer


class SignedIn(permissions.IsAuthenticated):
    message = "Sign in first."


# --- serializers --------------------------------------------------------------------------------------


class ForumSectorSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    label = serializers.CharField(max_length=80)
    label_en = serializers.CharField(max_length=80, required=False, allow_blank=True)


class OrganisedForumSerializer(serializers.ModelSerializer):
    sectors = ForumSectorSerializer(many=True, required=False)
    age_rating = serializers.ChoiceField(choices=AgeRating.choices, required=False)

    class Meta:
        model = Forum
        fields = [
            "id", "title", "city", "starts_on", "ends_on", "time_zone", "description",
            "age_rating", "is_public", "sectors", "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class HallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hall
        fields = ["id", "forum", "name", "order"]
        read_only_fields = ["id", "order"]


class ProgrammeEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EventKind.choices, required=False)
    hall = serializers.PrimaryKeyRelatedField(queryset=Hall.objects.all(), allow_null=True, required=False)
    session = serializers.PrimaryKeyRelatedField(queryset=CaseSession.objects.all(), allow_null=True, required=False)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = ProgrammeEvent
        fields = ["id", "forum", "hall", "kind", "title", "description", "starts_at", "ends_at", "session", "warnings"]
        read_only_fields = ["id"]

    def get_warnings(self, event: ProgrammeEvent) -> list[str]:
        return list(self.context.get("warnings", []))


class InvitationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    forum = serializers.PrimaryKeyRelatedField(queryset=Forum.objects.all(), allow_null=True, required=False)
    session = serializers.PrimaryKeyRelatedField(queryset=CaseSession.objects.all(), allow_null=True, required=False)
    link = serializers.SerializerMethodField(help_text="The invitation link: returned once, when it is created.")

    class Meta:
        model = Invitation
        fields = ["id", "role", "forum", "session", "email", "created_at", "expires_at", "accepted_at", "link"]
        read_only_fields = ["id", "created_at", "expires_at", "accepted_at"]

    def get_link(self, invitation: Invitation) -> str | None:
        return self.context.get("link")


class SessionTemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    voting_in_words = serializers.CharField()
    voting_method = serializers.CharField()
    settings = serializers.DictField()


# --- views ------------------------------------------------------------------------------------------------


class OrganisedForumViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Forums the caller organises (staff: all); create and change them as on the organiser pages."""

    serializer_class = OrganisedForumSerializer
    permission_classes = [SignedIn]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Forum]:
        return selectors.forums_organised_by(Viewer(self.request.user)).order_by("-starts_on", "-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        forum = operations.forum_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(forum).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        forum = get_object_or_404(Forum, pk=kwargs["pk"])
        serializer = self.get_serializer(forum, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        forum = operations.forum_update(forum=forum, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(forum).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


def _forum_param(request: Request) -> Forum | None:
    forum_id = query_int(request.query_params, "forum")
    if forum_id is None:
        return None
    return get_object_or_404(Forum, pk=forum_id)


FORUM_PARAM = OpenApiParameter("forum", int, description="The forum's id", required=False)


class HallViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """A forum's halls: everyone reads a public forum's; its organisers add and remove them."""

    serializer_class = HallSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_queryset(self) -> QuerySet[Hall]:
        if getattr(self, "swagger_fake_view", False):
            return Hall.objects.none()
        viewer = Viewer(self.request.user)
        halls = Hall.objects.select_related("forum")
        forum = _forum_param(self.request)
        if forum is not None:
            halls = halls.filter(forum=forum)
        visible = [hall.pk for hall in halls if selectors.forum_visible(hall.forum, viewer)]
        return Hall.objects.filter(pk__in=visible)

    @extend_schema(parameters=[FORUM_PARAM])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hall = operations.hall_create(
            forum=serializer.validated_data["forum"], actor=request.user, name=serializer.validated_data["name"]
        )
        return Response(self.get_serializer(hall).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        hall = get_object_or_404(Hall.objects.select_related("forum"), pk=kwargs["pk"])
        operations.hall_delete(hall=hall, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProgrammeEventViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, viewsets.GenericViewSet,
):
    """Programme items: read as the public forum page shows them; written by the forum's organisers.

    An overlap with another event in the same hall is saved and reported in `warnings`.
    """

    serializer_class = ProgrammeEventSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[ProgrammeEvent]:
        if getattr(self, "swagger_fake_view", False):
            return ProgrammeEvent.objects.none()
        viewer = Viewer(self.request.user)
        forum = _forum_param(self.request)
        forums = [forum] if forum is not None else list(Forum.objects.all())
        visible: list[int] = []
        for each in forums:
            if selectors.forum_visible(each, viewer):
                visible += [event.pk for event in selectors.events_visible_to(each, viewer)]
        return ProgrammeEvent.objects.filter(pk__in=visible).order_by("starts_at", "id")

    @extend_schema(parameters=[FORUM_PARAM])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        forum = values.pop("forum")
        scheduled = operations.event_create(forum=forum, actor=request.user, **values)
        data = ProgrammeEventSerializer(scheduled.event, context={"warnings": scheduled.warnings}).data
        return Response(data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = get_object_or_404(ProgrammeEvent.objects.select_related("forum"), pk=kwargs["pk"])
        serializer = self.get_serializer(event, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = {
            name: getattr(event, name)
            for name in ("title", "kind", "hall", "starts_at", "ends_at", "session", "description")
        }
        values.update({key: value for key, value in serializer.validated_data.items() if key != "forum"})
        scheduled = operations.event_update(event=event, actor=request.user, **values)
        return Response(ProgrammeEventSerializer(scheduled.event, context={"warnings": scheduled.warnings}).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = get_object_or_404(ProgrammeEvent.objects.select_related("forum"), pk=kwargs["pk"])
        operations.event_delete(event=event, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Invitations to the forums the caller organises; the link comes back once, on creation."""

    serializer_class = InvitationSerializer
    permission_classes = [SignedIn]

    def get_queryset(self) -> QuerySet[Invitation]:
        forums = selectors.forums_organised_by(Viewer(self.request.user))
        from django.db.models import Q

        return Invitation.objects.filter(Q(forum__in=forums) | Q(session__forum__in=forums)).order_by("-created_at")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invited = operations.invitation_create(
            actor=request.user, role=data["role"], forum=data.get("forum"), session=data.get("session"),
            email=data.get("email", ""), link_base=links.base(request),
        )
        link = links.absolute(request, invited.path)
        return Response(
            InvitationSerializer(invited.invitation, context={"link": link}).data, status=status.HTTP_201_CREATED
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invitation = get_object_or_404(Invitation.objects.select_related("forum", "session"), pk=kwargs["pk"])
        operations.invitation_revoke(invitation=invitation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionTemplateViewSet(viewsets.ViewSet):
    """The kinds of case session an organiser starts from, with their voting method in words."""

    permission_classes = [permissions.AllowAny]
    serializer_class = SessionTemplateSerializer

    @extend_schema(responses=SessionTemplateSerializer(many=True))
    def list(self, request: Request) -> Response:
        data = [
            {
                "key": template.key,
                "title": str(template.title),
                "summary": str(template.summary),
                "voting_in_words": str(template.voting_in_words),
                "voting_method": template.voting_method,
                "settings": {key: str(value) if hasattr(value, "label") else value for key, value in template.settings.items()},
            }
            for template in TEMPLATES
        ]
        return Response(SessionTemplateSerializer(data, many=True).data)
