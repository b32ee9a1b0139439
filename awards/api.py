"""REST API for the ceremony and the papers: read through `awards.selectors`, write through
`awards.operations` (refusals become translated 4xx in the project's exception handler).

- `GET  /api/v1/contests/{id}/ceremony/`: what is revealed now (anyone who may see the contest);
- `POST /api/v1/contests/{id}/ceremony/start|step|back/`: the organisers conduct it;
- `GET  /api/v1/contests/{id}/documents/`: the issued diplomas and certificates (public once
  finalised); `POST` issues them all (organisers);
- `POST /api/v1/contests/{id}/entries/{entry}/documents/`: one paper for one entry (organisers);
- `GET  /api/v1/documents/{number}/`: a paper checked against the archive (anyone with the number).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from awards import operations, selectors
from awards.models import CeremonyState, Document, DocumentKind
from backend import links
from contests.models import Contest
from ideas.errors import Forbidden, InvalidInput, NotFound, WrongStage
from ideas.selectors import Viewer

# --- serializers ---------------------------------------------------------------------------------


class WinnerSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    place = serializers.IntegerField()
    title = serializers.CharField()
    team = serializers.CharField()
    territory = serializers.CharField()


class PlaceSerializer(serializers.Serializer):
    place = serializers.IntegerField()
    revealed = serializers.BooleanField()
    winner = WinnerSerializer(allow_null=True)


class NominationNowSerializer(serializers.Serializer):
    title = serializers.CharField()
    number = serializers.IntegerField()
    of = serializers.IntegerField()


class AudienceAwardSerializer(serializers.Serializer):
    nomination = serializers.CharField()
    winners = WinnerSerializer(many=True)


class CeremonySerializer(serializers.Serializer):
    contest = serializers.IntegerField()
    finalised = serializers.BooleanField()
    started = serializers.BooleanField()
    version = serializers.IntegerField(help_text="Grows with every step: poll and redraw when it changes.")
    phase = serializers.ChoiceField(choices=["not_final", "waiting", "nomination", "audience"])
    nomination = NominationNowSerializer(allow_null=True)
    places = PlaceSerializer(many=True, help_text="The first place first; a hidden place has no winner yet.")
    audience_award = AudienceAwardSerializer(many=True)
    step = serializers.IntegerField()
    steps = serializers.IntegerField()


class DocumentSerializer(serializers.ModelSerializer):
    pdf = serializers.SerializerMethodField()
    verify = serializers.SerializerMethodField()
    title = serializers.CharField(source="entry.title")
    team = serializers.CharField(source="entry.organisation")

    class Meta:
        model = Document
        fields = ["number", "kind", "entry", "title", "team", "nomination", "place", "archive_sha256", "issued_at",
                  "pdf", "verify"]

    def get_pdf(self, document: Document) -> str:
        return links.absolute(self.context.get("request"), reverse("awards:paper_pdf", args=[document.number]))

    def get_verify(self, document: Document) -> str:
        return links.absolute(self.context.get("request"), reverse("awards:verify", args=[document.number]))


class DocumentIssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)


class VerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "changed"])
    verified = serializers.BooleanField()
    document = DocumentSerializer()
    record = serializers.DictField(help_text="The entry's row in the contest's archive record.")
    archive_sha256_at_issue = serializers.CharField()
    archive_sha256_now = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())


ERROR = OpenApiResponse(description="Refused, with the reason in words: {detail, code}.")


# --- helpers -------------------------------------------------------------------------------------


def _contest(request: Request, contest_id: str) -> Contest:
    contest = Contest.objects.select_related("forum").filter(pk=contest_id).first()
    if contest is None or not selectors.may_watch(contest, Viewer.of_request(request)):
        raise NotFound(_("No such contest."))
    return contest


def _signed_in(request: Request) -> None:
    if not (request.user and request.user.is_authenticated):
        raise NotAuthenticated(_("Sign in as the contest's organiser first."))


def _ceremony(contest: Contest, viewer: Viewer) -> dict[str, Any]:
    return selectors.ceremony_view(contest, for_organiser=selectors.may_conduct(contest, viewer)).as_dict()


# --- views ---------------------------------------------------------------------------------------


class UnchangedSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    changed = serializers.BooleanField()


class CeremonyView(APIView):
    @extend_schema(
        operation_id="contest_ceremony", summary="What the ceremony has revealed so far (nothing not yet revealed)",
        parameters=[OpenApiParameter("since", int, description=(
            "The version the page shows: if it is still the current one, only {version, changed: false} comes "
            "back (one indexed read), so a hall of phones can poll cheaply."))],
        responses={200: PolymorphicProxySerializer("CeremonyOrUnchanged", [CeremonySerializer, UnchangedSerializer],
                                                   resource_type_field_name=None), 404: ERROR},
    )
    def get(self, request: Request, contest_id: str) -> Response:
        contest = _contest(request, contest_id)
        since = request.query_params.get("since", "")
        if since.isdigit() and len(since) < 12:
            current = CeremonyState.objects.filter(contest=contest).values_list("version", flat=True).first() or 0
            if current == int(since):
                return Response({"version": current, "changed": False})
        return Response(_ceremony(contest, Viewer.of_request(request)))


class CeremonyActionView(APIView):
    """One step of the ceremony (start, step, back): organisers only, refused before results are final."""

    operation = staticmethod(operations.ceremony_step)

    def act(self, request: Request, contest_id: str) -> Response:
        _signed_in(request)
        contest = _contest(request, contest_id)
        self.operation(contest=contest, actor=request.user)
        return Response(_ceremony(contest, Viewer.of_request(request)))


ACTION_RESPONSES = {200: CeremonySerializer, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}


class CeremonyStartView(CeremonyActionView):
    operation = staticmethod(operations.ceremony_start)

    @extend_schema(operation_id="contest_ceremony_start", request=None, responses=ACTION_RESPONSES,
                   summary="Start (or restart) the ceremony: organisers; 409 before the results are final")
    def post(self, request: Request, contest_id: str) -> Response:
        return self.act(request, contest_id)


class CeremonyStepView(CeremonyActionView):
    operation = staticmethod(operations.ceremony_step)

    @extend_schema(operation_id="contest_ceremony_step", request=None, responses=ACTION_RESPONSES,
                   summary="Reveal the next place (the last prize first), nomination or the audience award")
    def post(self, request: Request, contest_id: str) -> Response:
        return self.act(request, contest_id)


class CeremonyBackView(CeremonyActionView):
    operation = staticmethod(operations.ceremony_back)

    @extend_schema(operation_id="contest_ceremony_back", request=None, responses=ACTION_RESPONSES,
                   summary="Undo the last reveal: organisers")
    def post(self, request: Request, contest_id: str) -> Response:
        return self.act(request, contest_id)


class DocumentsView(APIView):
    @extend_schema(operation_id="contest_documents", responses={200: DocumentSerializer(many=True), 404: ERROR,
                                                                409: ERROR},
                   summary="The issued diplomas and participant certificates (public once finalised)")
    def get(self, request: Request, contest_id: str) -> Response:
        contest = _contest(request, contest_id)
        if not selectors.papers_public(contest, Viewer.of_request(request)):
            raise WrongStage(_("The results are not final yet: there are no papers."), code="not_final")
        documents = Document.objects.filter(contest=contest).select_related("entry")
        return Response(DocumentSerializer(documents, many=True, context={"request": request}).data)

    @extend_schema(operation_id="contest_documents_issue", request=None,
                   responses={201: DocumentSerializer(many=True), 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Issue a diploma per prize and a certificate per entry (organisers; idempotent)")
    def post(self, request: Request, contest_id: str) -> Response:
        _signed_in(request)
        contest = _contest(request, contest_id)
        documents = operations.documents_issue(contest=contest, actor=request.user)
        return Response(DocumentSerializer(documents, many=True, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class EntryDocumentView(APIView):
    @extend_schema(operation_id="contest_entry_document_issue", request=DocumentIssueSerializer,
                   responses={201: DocumentSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Issue one paper for one entry (organisers); a diploma needs a prize (409)")
    def post(self, request: Request, contest_id: str, entry_id: str) -> Response:
        _signed_in(request)
        contest = _contest(request, contest_id)
        if not isinstance(request.data, dict):
            raise InvalidInput(_("Send a JSON object."))
        serializer = DocumentIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not selectors.may_conduct(contest, Viewer.of_request(request)):
            raise Forbidden(_("Only the contest's organisers may do this."))
        entry = contest.entries.filter(pk=entry_id).first()
        if entry is None:
            raise NotFound(_("No such entry in this contest."))
        document = operations.document_issue(contest=contest, entry=entry, kind=serializer.validated_data["kind"],
                                             actor=request.user)
        return Response(DocumentSerializer(document, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class VerifyView(APIView):
    @extend_schema(operation_id="document_verify", responses={200: VerificationSerializer, 404: ERROR, 409: ERROR},
                   summary="Check a paper against the archive: 404 unknown number, 409 the record was changed")
    def get(self, request: Request, number: str) -> Response:
        found = selectors.verify(number)
        if found.status == "unknown":
            raise NotFound(_("No paper with this number was issued."), code="unknown_document")
        assert found.document is not None
        body = {
            "status": found.status,
            "verified": found.status == "valid",
            "document": DocumentSerializer(found.document, context={"request": request}).data,
            "record": found.record,
            "archive_sha256_at_issue": found.document.archive_sha256,
            "archive_sha256_now": found.sha256_now,
            "problems": found.problems,
        }
        if found.status != "valid":
            body = {"detail": str(_("The archive record was changed after this paper was issued.")),
                    "code": "document_changed", **body}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(body)

