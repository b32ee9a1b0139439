"""REST API of the library under `/api/v1/library/`: read through `library.selectors`, write
through `library.operations` (refusals are translated 4xx by the project's exception handler).

- `GET /library/?q=&nomination=&territory=&year=`: public practices; with `q`, the ranked search
  hits (words and meaning, at most 50), otherwise the filtered list, paginated (limit/offset);
- `GET /library/{id}/`: one card with its versions and similar practices (404 unless public);
- `POST /library/` `{entry, public_contacts, note}`: publish an entry with its team's consent;
- `PATCH /library/{id}/` `{title, …, note}`: the team's update, a new version;
- `POST /library/{id}/withdraw/` `{reason}`: take it out of the library.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from backend.links import base as public_base
from contests.models import Entry
from ideas.api.params import ID_PATTERN, IdField
from ideas.errors import InvalidInput, NotFound
from library import exports, operations, selectors
from library.models import Practice, PracticeVersion
from library.search import library_search, similar_practices

FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description="words or a description, matched by words and by meaning"),
    OpenApiParameter("nomination", str, description="a nomination code, e.g. `tos`"),
    OpenApiParameter("territory", str, description="the territory exactly as the card names it"),
    OpenApiParameter("year", int, description="the contest's year (four digits)"),
]


class PrizeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["place", "audience"])
    place = serializers.IntegerField(required=False)
    label = serializers.CharField()


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class PracticeSerializer(serializers.Serializer):
    """A card: the current version's texts and the contest's facts (`library.exports.practice_document`)."""

    id = serializers.IntegerField()
    url = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField()
    territory = serializers.CharField()
    problem = serializers.CharField()
    actions = serializers.CharField()
    resources = serializers.CharField(allow_blank=True)
    results = serializers.CharField()
    contacts = serializers.CharField(allow_blank=True)
    photos = PhotoSerializer(many=True)
    nomination = serializers.CharField()
    nomination_title = serializers.CharField()
    year = serializers.IntegerField()
    contest = serializers.CharField()
    forum = serializers.CharField()
    prizes = PrizeSerializer(many=True)
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    consent_at = serializers.DateTimeField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return exports.practice_document(instance, base_url=self.context.get("base_url", ""))


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PracticeVersion
        fields = [
            "number", "title", "organisation", "territory", "problem", "actions", "resources", "results",
            "contacts", "note", "created_at",
        ]


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    territory = serializers.CharField()
    similarity = serializers.FloatField()


class PracticeDetailSerializer(PracticeSerializer):
    versions = VersionSerializer(many=True)
    similar = SimilarSerializer(many=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        document = super().to_representation(instance)
        document["versions"] = VersionSerializer(selectors.versions_of(instance), many=True).data
        document["similar"] = [
            {"id": other.pk, "title": other.current_version.title, "territory": other.current_version.territory,
             "similarity": round(score, 4)}
            for other, score in similar_practices(instance)
        ]
        return document


class PublishSerializer(serializers.Serializer):
    entry = IdField()
    public_contacts = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class UpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    organisation = serializers.CharField(max_length=200, required=False)
    territory = serializers.CharField(max_length=200, required=False)
    problem = serializers.CharField(max_length=5000, required=False)
    actions = serializers.CharField(max_length=5000, required=False)
    resources = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    results = serializers.CharField(max_length=5000, required=False)
    contacts = serializers.CharField(max_length=500, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _require_sign_in(request: Request) -> None:
    if not (request.user and request.user.is_authenticated):
        raise NotAuthenticated(_("Sign in as the entry's team or an organiser of the contest."))


def _json_object(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    return dict(request.data)


class PracticeViewSet(viewsets.GenericViewSet):
    """The library of practices: public cards of contest entries whose teams agreed."""

    lookup_value_regex = ID_PATTERN
    permission_classes: list[Any] = []
    serializer_class = PracticeSerializer

    def get_queryset(self) -> QuerySet[Practice]:
        return selectors.public_practices().select_related("current_version").order_by("-year", "-id")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "base_url": public_base(self.request)}

    def _public(self, pk: str | None) -> Practice:
        practice = selectors.practice_public(int(pk or 0))
        if practice is None:
            raise NotFound(_("No such practice in the library."))
        return practice

    @extend_schema(parameters=FILTER_PARAMETERS, responses=PracticeSerializer(many=True))
    def list(self, request: Request) -> Response:
        filters = selectors.filters_from(request.query_params)
        context = self.get_serializer_context()
        if filters.query:
            hits = library_search(filters, limit=50)
            data = PracticeSerializer([hit.practice for hit in hits], many=True, context=context).data
            return Response({"count": len(data), "next": None, "previous": None, "results": data})
        page = self.paginate_queryset(filters.apply(self.get_queryset()))
        return self.get_paginated_response(PracticeSerializer(page, many=True, context=context).data)

    @extend_schema(responses=PracticeDetailSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        practice = self._public(pk)
        return Response(PracticeDetailSerializer(practice, context=self.get_serializer_context()).data)

    @extend_schema(request=PublishSerializer, responses={201: PracticeSerializer})
    def create(self, request: Request) -> Response:
        """Publish an entry: its team agrees, or an organiser records the team's written consent (note)."""
        _require_sign_in(request)
        serializer = PublishSerializer(data=_json_object(request))
        serializer.is_valid(raise_exception=True)
        entry = Entry.objects.filter(pk=serializer.validated_data["entry"]).select_related("contest__forum").first()
        if entry is None:
            raise NotFound(_("No such contest entry."))
        practice = operations.practice_publish(
            entry=entry, actor=request.user, public_contacts=serializer.validated_data["public_contacts"],
            note=serializer.validated_data["note"],
        )
        practice = selectors.public_practices().select_related("current_version").get(pk=practice.pk)
        return Response(
            PracticeSerializer(practice, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=UpdateSerializer, responses=PracticeDetailSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """The team's update: a new version with the fields sent; earlier versions are kept."""
        _require_sign_in(request)
        practice = self._public(pk)
        serializer = UpdateSerializer(data=_json_object(request))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        note = data.pop("note", "")
        operations.practice_update(practice=practice, actor=request.user, data=data, note=note)
        return Response(PracticeDetailSerializer(self._public(pk), context=self.get_serializer_context()).data)

    @extend_schema(request=WithdrawSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take the card out of the library: it disappears from every page, search and export."""
        _require_sign_in(request)
        practice = self._public(pk)
        serializer = WithdrawSerializer(data=_json_object(request))
        serializer.is_valid(raise_exception=True)
        operations.practice_withdraw(practice=practice, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

