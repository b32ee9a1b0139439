"""Archive API: read-only records, their exports, search, and linked corrections.

Views check the shape of the request and who asks; the work is in
`archive.services`, `archive.exports` and `archive.search`.
"""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from archive import exports, services
from archive.models import ArchiveAddendum, SessionArchive
from archive.search import MAX_LIMIT, archive_search
from archive.selectors import archives_visible_to
from ideas.api.authentication import request_participant
from ideas.api.params import ID_PATTERN, POSITIVE_INT_SCHEMA, IdFilter, query_int
from ideas.errors import InvalidInput


class ArchiveFilter(django_filters.FilterSet):
    forum = IdFilter(field_name="forum_id")
    city = django_filters.CharFilter(method="filter_city")
    date_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")
    text = django_filters.CharFilter(method="filter_text", label="text in the title, question or forum")

    class Meta:
        model = SessionArchive
        fields = ["forum", "city", "date_from", "date_to", "text"]

    def filter_city(self, queryset: QuerySet[SessionArchive], name: str, value: str) -> QuerySet[SessionArchive]:
        value = value.strip()[:120].casefold()
        return queryset.filter(city_folded__contains=value) if value else queryset

    def filter_text(self, queryset: QuerySet[SessionArchive], name: str, value: str) -> QuerySet[SessionArchive]:
        value = value.strip()[:200].casefold()
        return queryset.filter(text_folded__contains=value) if value else queryset


class AddendumSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArchiveAddendum
        fields = ["id", "text", "created_at", "previous_sha256", "sha256"]


class ArchiveSerializer(serializers.ModelSerializer):
    forum_title = serializers.SerializerMethodField()

    class Meta:
        model = SessionArchive
        fields = [
            "id", "session", "forum", "forum_title", "title", "question", "city", "held_on",
            "archived_at", "ideas_count", "participants_count", "sha256",
        ]

    def get_forum_title(self, archive: SessionArchive) -> str | None:
        return archive.forum_title if archive.forum_id else None  # as it was when the session closed


class ArchiveDetailSerializer(ArchiveSerializer):
    snapshot = serializers.SerializerMethodField()
    addenda = AddendumSerializer(many=True, read_only=True)

    class Meta(ArchiveSerializer.Meta):
        fields = [*ArchiveSerializer.Meta.fields, "votes_sha256", "snapshot", "addenda"]

    def get_snapshot(self, archive: SessionArchive) -> dict[str, Any]:
        return dict(json.loads(archive.snapshot))


class AddendumCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.ADDENDUM_MAX, trim_whitespace=False)


def table_headers() -> dict[str, str]:
    """The spreadsheet's column names, in the active language."""
    return {
        "rank": str(_("Place")), "id": str(_("Idea number")), "title": str(_("Title")), "text": str(_("Idea")),
        "sector": str(_("Author's sector")), "group": str(_("Group")), "agree": str(_("Agree")),
        "pass": str(_("Pass")), "disagree": str(_("Disagree")), "dots": str(_("Dots")),
        "supporters": str(_("Supporters")), "votes": str(_("Votes")), "score": str(_("Score")),
        "consensus": str(_("Consensus")),
    }


def sector_display_name(sector: dict[str, str]) -> str:
    """A sector in the active language: `label_en` for English readers when the record has one."""
    if not (get_language() or "ru").startswith("ru") and sector.get("label_en"):
        return sector["label_en"]
    return sector["label"]


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ArchiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Archived sessions. Nothing here changes a record; corrections are linked addenda."""

    serializer_class = ArchiveSerializer
    lookup_value_regex = ID_PATTERN
    filterset_class = ArchiveFilter
    permission_classes: list[Any] = []

    def get_queryset(self) -> QuerySet[SessionArchive]:
        archives = archives_visible_to(self.request.user)
        if self.action == "retrieve":
            archives = archives.prefetch_related("addenda")
        return archives

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ArchiveDetailSerializer if self.action == "retrieve" else ArchiveSerializer

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def snapshot_json(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The stored bytes themselves: `sha256sum` of this body equals the archive's sha256."""
        archive = self.get_object()
        response = HttpResponse(archive.snapshot.encode("utf-8"), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="veche-archive-{archive.pk}.json"'
        return response

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def ideas_csv(self, request: Request, pk: str | None = None) -> HttpResponse:
        archive = self.get_object()
        return _csv(exports.ideas_csv(archive), f"veche-archive-{archive.pk}-ideas.csv")

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def ideas_table_csv(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The ideas for a spreadsheet: UTF-8 with BOM, `;`, headers in the request's language."""
        archive = self.get_object()
        document = exports.snapshot_of(archive)
        names = {sector["code"]: sector_display_name(sector) for sector in document.get("sectors", [])}
        text = exports.ideas_table_csv(archive, table_headers(), names)
        return _csv(text, f"veche-archive-{archive.pk}-ideas-table.csv")

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def comments_csv(self, request: Request, pk: str | None = None) -> HttpResponse:
        """Polis open-data layout: one row per published idea."""
        archive = self.get_object()
        return _csv(exports.comments_csv(archive), f"veche-archive-{archive.pk}-comments.csv")

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def votes_csv(self, request: Request, pk: str | None = None) -> HttpResponse:
        """Polis open-data layout: one row per final vote, pseudonymous voters."""
        archive = self.get_object()
        return _csv(exports.votes_csv(archive), f"veche-archive-{archive.pk}-votes.csv")

    @extend_schema(request=AddendumCreateSerializer, responses={201: AddendumSerializer})
    @action(detail=True, methods=["post"])
    def addenda(self, request: Request, pk: str | None = None) -> Response:
        """Add a correction (the session's moderators); the record itself never changes."""
        if not (request.user and request.user.is_authenticated):
            if request_participant(request) is not None:
                # A participant's token is a valid credential, just not a moderator's: 403, not 401.
                raise PermissionDenied(_("Only the session's moderators may add a correction."))
            raise NotAuthenticated(_("Sign in as a moderator to add a correction."))
        archive = self.get_object()
        if not isinstance(request.data, dict):
            raise InvalidInput(_("Send a JSON object."))
        serializer = AddendumCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        addendum = services.archive_add_addendum(
            archive=archive, actor=request.user, text=serializer.validated_data["text"]
        )
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


class SearchHitSerializer(serializers.Serializer):
    archive = serializers.IntegerField(source="idea.archive_id")
    session_title = serializers.CharField(source="idea.archive.title")
    idea = serializers.IntegerField(source="idea.idea_id")
    title = serializers.CharField(source="idea.title")
    text = serializers.CharField(source="idea.text")
    sector = serializers.CharField(source="idea.sector")
    group = serializers.CharField(source="idea.group_title")
    votes = serializers.IntegerField(source="idea.votes")
    score = serializers.IntegerField(source="idea.score")
    relevance = serializers.FloatField(source="score")
    channels = serializers.ListField(child=serializers.CharField())


def search_params(params: Any) -> dict[str, Any]:
    """Validate the search query string (shared by the API and the search page)."""
    query = str(params.get("q", "")).strip()
    if len(query) > 200:
        message = _("Search for at most 200 characters.")
        raise InvalidInput(message, fields={"q": [message]})
    # A limit above MAX_LIMIT is cut to it; what is not a whole number in range answers 400.
    limit = query_int(params, "limit", default=20)
    parsed: dict[str, Any] = {"query": query, "limit": min(limit or 20, MAX_LIMIT)}
    for name, key in (("archive_id", "archive"), ("forum_id", "forum")):
        value = query_int(params, key)
        if value is not None:
            parsed[name] = value
    return parsed


class ArchiveSearchView(APIView):
    """Search every public archived idea by words and by meaning, one ranking."""

    permission_classes: list[Any] = []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="words to find (any word form)"),
            OpenApiParameter(
                "limit", POSITIVE_INT_SCHEMA, description=f"default 20; more than {MAX_LIMIT} counts as {MAX_LIMIT}"
            ),
            OpenApiParameter("archive", POSITIVE_INT_SCHEMA, description="only this archive"),
            OpenApiParameter("forum", POSITIVE_INT_SCHEMA, description="only this forum"),
        ],
        responses=inline_serializer(
            "ArchiveSearchResults",
            {"query": serializers.CharField(), "results": SearchHitSerializer(many=True)},
        ),
    )
    def get(self, request: Request) -> Response:
        params = search_params(request.query_params)
        if not params["query"]:
            message = _("Enter something to search for.")
            raise InvalidInput(message, fields={"q": [message]})
        hits = archive_search(
            params["query"], limit=params["limit"], archive_id=params.get("archive_id"),
            forum_id=params.get("forum_id"), user=request.user,
        )
        return Response({"query": params["query"], "results": SearchHitSerializer(hits, many=True).data})
