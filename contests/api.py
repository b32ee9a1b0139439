"""REST API for contests under `/api/v1/contests/`: read through `contests.selectors`, write through
`contests.operations` (refusals become translated 4xx in the project's exception handler)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from contests import operations, selectors
from contests.models import (
    Contest,
    ContestStage,
    Entry,
    EntryPhoto,
    EntryStatus,
    RegulationsVersion,
    Settlement,
    TeamKind,
)
from contests.ordering import ballot_order
from contests.photos import UPLOAD_MAX_BYTES, too_large
from ideas.api.authentication import request_participant
from ideas.errors import Forbidden, InvalidInput, NotFound
from ideas.models import CaseSession, Forum
from ideas.selectors import Viewer

# --- serializers --------------------------------------------------------------------------------


class RegulationsVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegulationsVersion
        fields = ["version", "reason", "created_at", "regulations"]


class ContestSerializer(serializers.ModelSerializer):
    history = serializers.SerializerMethodField()

    class Meta:
        model = Contest
        fields = [
            "id", "forum", "title", "description", "stage", "regulations", "regulations_version",
            "audience_session", "open_votes", "finalised_at", "history",
        ]

    def get_history(self, contest: Contest) -> list[dict[str, Any]]:
        versions = contest.regulation_versions.order_by("version")
        return RegulationsVersionSerializer(versions, many=True).data  # type: ignore[return-value]


class ContestCreateSerializer(serializers.Serializer):
    forum = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    regulations = serializers.JSONField()
    audience_session = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class EntryPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = EntryPhoto
        fields = ["id", "position", "width", "height", "size", "url"]

    def get_url(self, photo: EntryPhoto) -> str:
        return photo_url(photo)


class EntrySerializer(serializers.ModelSerializer):
    photos = EntryPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id", "nomination", "title", "team_kind", "settlement", "organisation", "territory",
            "problem", "actions", "resources", "results", "status", "created_at", "photos",
        ]


class EntryOrganiserSerializer(EntrySerializer):
    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "contacts", "flags", "screening_note"]


class ContestEntrySubmitSerializer(serializers.Serializer):
    nomination = serializers.CharField(max_length=32)
    title = serializers.CharField(max_length=200)
    team_kind = serializers.ChoiceField(choices=TeamKind.choices)
    settlement = serializers.ChoiceField(choices=Settlement.choices)
    organisation = serializers.CharField(max_length=200)
    territory = serializers.CharField(max_length=200)
    problem = serializers.CharField(max_length=5000)
    actions = serializers.CharField(max_length=5000)
    resources = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    results = serializers.CharField(max_length=5000)
    contacts = serializers.CharField(max_length=500)


class ContestPhotoUploadSerializer(serializers.Serializer):
    photo = serializers.FileField(help_text="A JPEG, PNG, WebP or GIF image of at most 8 MB; stored re-encoded, without EXIF.")


def photo_url(photo: EntryPhoto) -> str:
    return f"/api/v1/contests/{photo.entry.contest_id}/entries/{photo.entry_id}/photos/{photo.pk}/"


class ContestRegulationsUpdateSerializer(serializers.Serializer):
    regulations = serializers.JSONField()
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ContestStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=ContestStage.choices)


class ContestJurorSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    territory = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ContestScreenSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EntryStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ContestConflictSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ContestSheetSerializer(serializers.Serializer):
    scores = serializers.DictField(child=serializers.JSONField(), allow_empty=True)
    submit = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ContestVoteSerializer(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1)


class ContestOpenVoteSerializer(serializers.Serializer):
    nomination = serializers.CharField(max_length=32)
    open = serializers.BooleanField()


class ContestFinaliseSerializer(serializers.Serializer):
    discussed = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=10000)


class BallotNominationSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    open = serializers.BooleanField()
    my_vote = serializers.IntegerField(allow_null=True)
    entries = EntrySerializer(many=True)


class BallotSerializer(serializers.Serializer):
    contest = serializers.IntegerField()
    nominations = BallotNominationSerializer(many=True)


PUBLIC_VOTE_SUMMARY = inline_serializer(
    "ContestPublicVoteSummary",
    {
        "nomination": serializers.CharField(), "open": serializers.BooleanField(),
        "votes": serializers.IntegerField(), "flagged": serializers.IntegerField(),
        "entries": inline_serializer(
            "ContestPublicVoteEntry",
            {"entry": serializers.IntegerField(), "votes": serializers.IntegerField(), "flagged": serializers.IntegerField()},
            many=True,
        ),
    },
    many=True,
)
_DUPLICATE_ENTRY = inline_serializer(
    "ContestDuplicateEntry",
    {
        "id": serializers.IntegerField(), "title": serializers.CharField(), "nomination": serializers.CharField(),
        "organisation": serializers.CharField(), "status": serializers.CharField(),
    },
)
DUPLICATES = inline_serializer(
    "ContestDuplicates",
    {
        "threshold": serializers.FloatField(),
        "pairs": inline_serializer(
            "ContestDuplicatePair",
            {"first": _DUPLICATE_ENTRY, "second": _DUPLICATE_ENTRY, "similarity": serializers.FloatField()},
            many=True,
        ),
    },
)
JURORS = inline_serializer(
    "ContestJurors",
    {
        "jurors": inline_serializer(
            "ContestJurorRow",
            {
                "id": serializers.IntegerField(), "pseudonym": serializers.CharField(), "user": serializers.IntegerField(),
                "username": serializers.CharField(), "name": serializers.CharField(allow_blank=True),
                "organisation": serializers.CharField(allow_blank=True), "territory": serializers.CharField(allow_blank=True),
                "from_forum": serializers.BooleanField(),
            },
            many=True,
        ),
        "available": inline_serializer(
            "ContestAvailableJuror",
            {"user": serializers.IntegerField(), "username": serializers.CharField(), "name": serializers.CharField(allow_blank=True)},
            many=True,
        ),
    },
)
PROGRESS = inline_serializer(
    "ContestProgress",
    {
        "entry": serializers.IntegerField(), "nomination": serializers.CharField(), "title": serializers.CharField(),
        "scored": serializers.IntegerField(), "of": serializers.IntegerField(),
    },
    many=True,
)
ANY = OpenApiTypes.OBJECT
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and headers around the photo in a multipart body


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _signed_in(request: Request) -> None:
    if not (request.user and request.user.is_authenticated):
        if request_participant(request) is not None:
            raise Forbidden(_("Only the contest's organisers and jurors may do this."))
        raise NotAuthenticated(_("Sign in first."))


# --- views --------------------------------------------------------------------------------------


class ContestViewSet(viewsets.GenericViewSet):
    """Contests: regulations (frozen when published, versioned), entries, jury, public vote, results."""

    serializer_class = ContestSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Contest]:
        return selectors.contests_visible_to(Viewer.of_request(self.request)).order_by("-id")

    def _contest(self) -> Contest:
        contest = get_object_or_404(Contest.objects.select_related("forum"), pk=self.kwargs["pk"])
        if not selectors.contest_visible(contest, Viewer.of_request(self.request)):
            raise NotFound(_("No such contest."))
        return contest

    def _entry(self, contest: Contest, entry_id: str) -> Entry:
        entry = selectors.entries_visible_to(contest, Viewer.of_request(self.request)).filter(pk=int(entry_id)).first()
        if entry is None:
            raise NotFound(_("No such entry in this contest."))
        return entry

    def list(self, request: Request) -> Response:
        return Response(ContestSerializer(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ContestSerializer(self._contest()).data)

    @extend_schema(request=ContestCreateSerializer, responses={201: ContestSerializer})
    def create(self, request: Request) -> Response:
        _signed_in(request)
        data = _validated(ContestCreateSerializer, request)
        forum = Forum.objects.filter(pk=data["forum"]).first()
        if forum is None:
            raise NotFound(_("No such forum."))
        session = None
        if data.get("audience_session"):
            session = CaseSession.objects.filter(pk=data["audience_session"]).first()
            if session is None:
                raise NotFound(_("No such session."))
        contest = operations.contest_create(
            forum=forum, actor=request.user, title=data["title"], description=data.get("description", ""),
            regulations_document=data["regulations"], audience_session=session,
        )
        return Response(ContestSerializer(contest).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContestRegulationsUpdateSerializer, responses=ContestSerializer)
    @action(detail=True, methods=["post"])
    def regulations(self, request: Request, pk: str) -> Response:
        _signed_in(request)
        data = _validated(ContestRegulationsUpdateSerializer, request)
        contest = operations.regulations_update(
            contest=self._contest(), actor=request.user, regulations_document=data["regulations"],
            reason=data.get("reason", ""),
        )
        return Response(ContestSerializer(contest).data)

    @extend_schema(request=ContestStageSerializer, responses=ContestSerializer)
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: str) -> Response:
        _signed_in(request)
        data = _validated(ContestStageSerializer, request)
        contest = operations.contest_set_stage(contest=self._contest(), actor=request.user, stage=data["stage"])
        return Response(ContestSerializer(contest).data)

    @extend_schema(methods=["get"], responses=JURORS)
    @extend_schema(methods=["post"], request=ContestJurorSerializer, responses={201: ANY})
    @action(detail=True, methods=["get", "post"])
    def jurors(self, request: Request, pk: str) -> Response:
        """Organisers: GET the jury and the forum's invited jurors available to it; POST adds a juror."""
        _signed_in(request)
        if request.method == "GET":
            contest = self._contest()
            if not selectors.organises(contest, Viewer.of_request(request)):
                raise Forbidden(_("Only the contest's organisers may do this."))
            return Response(selectors.jurors_overview(contest))
        data = _validated(ContestJurorSerializer, request)
        user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
        if user is None:
            raise NotFound(_("No such user."))
        juror = operations.juror_add(
            contest=self._contest(), actor=request.user, user=user,
            organisation=data.get("organisation", ""), territory=data.get("territory", ""),
        )
        return Response({"id": juror.pk, "pseudonym": juror.pseudonym}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ANY)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        _signed_in(request)
        return Response(operations.jury_assign(contest=self._contest(), actor=request.user))

    @extend_schema(methods=["get"], responses=EntrySerializer(many=True))
    @extend_schema(methods=["post"], request=ContestEntrySubmitSerializer, responses={201: EntrySerializer})
    @action(detail=True, methods=["get", "post"])
    def entries(self, request: Request, pk: str) -> Response:
        contest = self._contest()
        viewer = Viewer.of_request(request)
        if request.method == "POST":
            _signed_in(request)
            data = _validated(ContestEntrySubmitSerializer, request)
            entry = operations.entry_submit(contest=contest, actor=request.user, data=data)
            return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)
        entries = list(selectors.entries_visible_to(contest, viewer).order_by("nomination", "id").prefetch_related("photos"))
        voter = selectors.voter_of(contest, viewer)
        if voter is not None:  # a voter sees each nomination's entries in their own order
            order = {
                entry_id: index
                for index, entry_id in enumerate(ballot_order([e.pk for e in entries], contest_id=contest.pk, participant_id=voter.pk))
            }
            entries.sort(key=lambda entry: (entry.nomination, order[entry.pk]))
        serializer = EntryOrganiserSerializer if selectors.contacts_visible(contest, viewer) else EntrySerializer
        return Response(serializer(entries, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ContestPhotoUploadSerializer},
        responses={201: EntryPhotoSerializer},
    )
    @action(
        detail=True, methods=["post"], url_path=r"entries/(?P<entry_id>[0-9]{1,18})/photos",
        parser_classes=[MultiPartParser],
    )
    def photos(self, request: Request, pk: str, entry_id: str) -> Response:
        """Add a photo to an entry (multipart, field `photo`): at most 5, 8 MB each, re-encoded, EXIF removed."""
        _signed_in(request)
        contest = self._contest()
        entry = self._entry(contest, entry_id)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD:
            raise too_large()  # refused before the body is read
        upload = request.FILES.get("photo")
        if upload is None:
            message = _("Attach the photo as the form field “photo”.")
            raise InvalidInput(message, fields={"photo": [message]})
        if upload.size is not None and upload.size > UPLOAD_MAX_BYTES:
            raise too_large()
        photo = operations.entry_photo_add(entry=entry, actor=request.user, data=upload.read(UPLOAD_MAX_BYTES + 1))
        return Response(EntryPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @extend_schema(methods=["delete"], responses={204: None})
    @action(
        detail=True, methods=["get", "delete"],
        url_path=r"entries/(?P<entry_id>[0-9]{1,18})/photos/(?P<photo_id>[0-9]{1,18})",
    )
    def photo(self, request: Request, pk: str, entry_id: str, photo_id: str) -> HttpResponse:
        """One photo of an entry, as stored (JPEG); DELETE removes it (the team while submitting, organisers)."""
        contest = self._contest()
        entry = self._entry(contest, entry_id)
        photo = EntryPhoto.objects.select_related("entry").filter(entry=entry, pk=int(photo_id)).first()
        if photo is None:
            raise NotFound(_("No such photo."))
        if request.method == "DELETE":
            _signed_in(request)
            operations.entry_photo_remove(photo=photo, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            handle = photo.image.open("rb")
        except FileNotFoundError:
            raise NotFound(_("No such photo.")) from None
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(request=ContestScreenSerializer, responses=EntryOrganiserSerializer)
    @action(detail=True, methods=["post"], url_path=r"entries/(?P<entry_id>[0-9]{1,18})/screen")
    def screen(self, request: Request, pk: str, entry_id: str) -> Response:
        _signed_in(request)
        contest = self._contest()
        data = _validated(ContestScreenSerializer, request)
        entry = operations.entry_screen(
            entry=self._entry(contest, entry_id), actor=request.user, status=data["status"], note=data.get("note", "")
        )
        return Response(EntryOrganiserSerializer(entry).data)

    @extend_schema(request=ContestConflictSerializer, responses={201: ANY})
    @action(detail=True, methods=["post"], url_path=r"entries/(?P<entry_id>[0-9]{1,18})/conflict")
    def conflict(self, request: Request, pk: str, entry_id: str) -> Response:
        _signed_in(request)
        contest = self._contest()
        data = _validated(ContestConflictSerializer, request)
        declaration = operations.conflict_declare(
            contest=contest, entry=self._entry(contest, entry_id), actor=request.user, reason=data.get("reason", "")
        )
        return Response({"entry": declaration.entry_id, "recused": True}, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=ANY)
    @extend_schema(methods=["put"], request=ContestSheetSerializer, responses=ANY)
    @action(detail=True, methods=["get", "put"], url_path=r"entries/(?P<entry_id>[0-9]{1,18})/sheet")
    def sheet(self, request: Request, pk: str, entry_id: str) -> Response:
        """A juror's score sheet for an entry (others' scores only after submitting one's own)."""
        _signed_in(request)
        contest = self._contest()
        entry = self._entry(contest, entry_id)
        viewer = Viewer.of_request(request)
        if request.method == "PUT":
            data = _validated(ContestSheetSerializer, request)
            operations.score_save(
                contest=contest, entry=entry, actor=request.user, scores=data["scores"],
                submit=data["submit"], reason=data.get("reason", ""),
            )
        sheet = selectors.sheet_for(contest, entry, viewer)
        if sheet is None:
            raise Forbidden(_("This entry is not assigned to you."))
        return Response(sheet)

    @extend_schema(responses=PROGRESS)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        """Per entry «scored by k of n»: counts only, never a score."""
        contest = self._contest()
        return Response(selectors.progress(contest, selectors.entries_visible_to(contest, Viewer.of_request(request))))

    @extend_schema(request=ContestVoteSerializer, responses={201: ANY})
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str) -> Response:
        """A participant of the audience session votes for one entry in its nomination (once)."""
        # Light on purpose (a hall votes at once): the operation reads the contest itself, and a
        # voter must belong to its audience session, which says more than the contest's visibility.
        data = _validated(ContestVoteSerializer, request)
        entry = Entry.objects.only("id", "contest_id", "nomination", "status").filter(pk=data["entry"], contest_id=int(pk)).first()
        if entry is None:
            raise NotFound(_("No such entry in this contest."))
        vote = operations.public_vote_cast(
            contest=int(pk), participant=request_participant(request), entry=entry,
            address=request.META.get("REMOTE_ADDR", ""),
        )
        return Response({"nomination": vote.nomination, "entry": vote.entry_id}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: BallotSerializer})
    @action(detail=True, methods=["get"])
    def ballot(self, request: Request, pk: str) -> Response:
        """A voter's ballot: the nominations, which are open, their vote, the entries in their own order."""
        contest = self._contest()
        ballot = selectors.ballot_for(contest, Viewer.of_request(request))
        if ballot is None:
            raise Forbidden(_("Join the contest's audience session to vote."))
        return Response(BallotSerializer(ballot).data)

    @extend_schema(methods=["get"], responses=PUBLIC_VOTE_SUMMARY)
    @extend_schema(methods=["post"], request=ContestOpenVoteSerializer, responses=ContestSerializer)
    @action(detail=True, methods=["get", "post"], url_path="public-vote")
    def public_vote(self, request: Request, pk: str) -> Response:
        """GET (organisers): votes and burst-flagged votes per nomination; POST: open or close a nomination."""
        _signed_in(request)
        if request.method == "GET":
            contest = self._contest()
            if not selectors.organises(contest, Viewer.of_request(request)):
                raise Forbidden(_("Only the contest's organisers may do this."))
            return Response(selectors.public_vote_summary(contest))
        data = _validated(ContestOpenVoteSerializer, request)
        contest = operations.public_vote_set_open(
            contest=self._contest(), actor=request.user, nomination=data["nomination"], is_open=data["open"]
        )
        return Response(ContestSerializer(contest).data)

    @extend_schema(responses=DUPLICATES)
    @action(detail=True, methods=["get"])
    def duplicates(self, request: Request, pk: str) -> Response:
        """Organisers: pairs of entries that are possibly the same practice (the ideas' embeddings)."""
        _signed_in(request)
        contest = self._contest()
        if not selectors.organises(contest, Viewer.of_request(request)):
            raise Forbidden(_("Only the contest's organisers may do this."))
        return Response(selectors.duplicates_report(contest))

    @extend_schema(responses=ANY)
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str) -> Response:
        """The explainable results: per-criterion scores by pseudonymised juror, ranks, what-if, disputes."""
        contest = self._contest()
        if not selectors.results_visible(contest, Viewer.of_request(request)):
            raise Forbidden(_("The results are not published yet."), code="not_yet")
        archive = getattr(contest, "archive", None) if contest.stage == ContestStage.FINALISED else None
        if archive is not None:
            import json

            return Response({**json.loads(archive.snapshot), "sha256": archive.sha256})
        return Response(selectors.results_document(contest, selectors.results_for(contest)))

    @extend_schema(request=ContestFinaliseSerializer, responses=ANY)
    @action(detail=True, methods=["post"])
    def finalise(self, request: Request, pk: str) -> Response:
        _signed_in(request)
        data = _validated(ContestFinaliseSerializer, request)
        archive = operations.contest_finalise(
            contest=self._contest(), actor=request.user, discussed=data.get("discussed", [])
        )
        return Response({"sha256": archive.sha256, "archived_at": archive.archived_at})
