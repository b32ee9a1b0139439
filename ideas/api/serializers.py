"""Shapes of the API: input checks for types, output for each kind of reader.

Business rules live in `ideas.operations`; serializers only check that the
input has the right shape and present records to the reader who may see them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ideas import selectors
from ideas.api.params import IdField, QueryIdField
from ideas.models import (
    IDEA_TEXT_MAX,
    IDEA_TITLE_MAX,
    AgeRating,
    CaseSession,
    Forum,
    Group,
    GroupSuggestion,
    HideReason,
    Idea,
    IdeaStatus,
    Participant,
    Stage,
    VotingMethod,
    validate_sectors,
)

SESSION_YEARS = (2000, 2100)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and lists instead of quietly turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses booleans and strings."""

    default_error_messages = {"invalid": _("A whole number is required.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class SectorSerializer(serializers.Serializer):
    """The documented shape of one sector; `ideas.models.validate_sectors` is what checks it."""

    code = serializers.RegexField(r"^[a-z0-9_-]{1,32}$")
    label = StrictCharField(max_length=80)
    label_en = StrictCharField(max_length=80, required=False, help_text="the English label, if any")


@extend_schema_field(SectorSerializer(many=True))
class SectorsField(serializers.JSONField):
    """A forum's sectors, checked whole by the model's own rule (`ideas.models.validate_sectors`).

    Not a nested serializer: under PATCH DRF makes nested fields partial too, so a sector without
    a label passed, was stored, and broke every page and list that shows the forum.
    """

    def to_internal_value(self, data: Any) -> list[dict[str, str]]:
        try:
            return validate_sectors(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class ForumSerializer(serializers.ModelSerializer):
    sectors = SectorsField(required=False)
    age_rating = serializers.ChoiceField(choices=AgeRating.choices, required=False)

    class Meta:
        model = Forum
        fields = [
            "id",
            "title",
            "city",
            "starts_on",
            "ends_on",
            "description",
            "age_rating",
            "sectors",
            "is_public",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and ends < starts:
            raise serializers.ValidationError(
                {"ends_on": [_("The forum cannot end before it starts.")]}
            )
        return attrs


class SessionSerializer(serializers.ModelSerializer):
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    voting_method = serializers.ChoiceField(choices=VotingMethod.choices, required=False)
    sectors = serializers.SerializerMethodField()
    join_code = serializers.SerializerMethodField()
    forum = serializers.PrimaryKeyRelatedField(
        queryset=Forum.objects.all(), required=False, allow_null=True
    )
    title = StrictCharField(max_length=200)
    question = StrictCharField(max_length=500)
    description = StrictCharField(required=False, allow_blank=True, max_length=5000)
    dots_budget = StrictIntegerField(required=False, min_value=1, max_value=100)
    dots_max_per_idea = StrictIntegerField(required=False, min_value=1, max_value=10)

    class Meta:
        model = CaseSession
        fields = [
            "id",
            "forum",
            "title",
            "question",
            "description",
            "stage",
            "voting_method",
            "dots_budget",
            "dots_max_per_idea",
            "voting_during_ideation",
            "live_results_visible",
            "premoderation",
            "is_public",
            "show_author_names",
            "starts_at",
            "timer_ends_at",
            "stage_changed_at",
            "sectors",
            "join_code",
            "created_at",
        ]
        read_only_fields = ["id", "stage", "timer_ends_at", "stage_changed_at", "created_at"]

    @extend_schema_field(SectorSerializer(many=True))
    def get_sectors(self, session: CaseSession) -> list[dict[str, str]]:
        return session.sectors

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_join_code(self, session: CaseSession) -> str | None:
        """The code is for the room (big screen, moderators), and for those already in."""
        request = self.context.get("request")
        if request is None:
            return None
        if selectors.join_code_visible(session, selectors.Viewer.of_request(request)):
            return session.join_code
        return None

    def validate_starts_at(self, value: Any) -> Any:
        # Before 1920 Yakutsk kept local mean time (+08:38:58): such a date comes back with an
        # offset in seconds, which is no RFC 3339 date-time. No session is held then anyway.
        if value is not None and not (SESSION_YEARS[0] <= value.year <= SESSION_YEARS[1]):
            raise serializers.ValidationError(
                _("Give a start between the years %(first)d and %(last)d.")
                % {"first": SESSION_YEARS[0], "last": SESSION_YEARS[1]}
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        budget = attrs.get("dots_budget", getattr(self.instance, "dots_budget", 5))
        per_idea = attrs.get("dots_max_per_idea", getattr(self.instance, "dots_max_per_idea", 3))
        if per_idea > budget:
            raise serializers.ValidationError(
                {"dots_max_per_idea": [_("Dots per idea cannot exceed the dots per participant.")]}
            )
        return attrs


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)


class TimerSerializer(serializers.Serializer):
    seconds = StrictIntegerField(min_value=1, max_value=24 * 3600, allow_null=True)


class JoinSerializer(serializers.Serializer):
    code = StrictCharField(max_length=32)
    display_name = StrictCharField(max_length=200, trim_whitespace=False)
    sector = StrictCharField(max_length=32)


class ParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Participant
        fields = ["id", "display_name", "sector", "session", "created_at"]


class TokenRequestSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=128, trim_whitespace=False)


class IdeaCreateSerializer(serializers.Serializer):
    # Lengths are checked by the domain after trimming; these caps only stop abuse.
    text = StrictCharField(max_length=IDEA_TEXT_MAX * 4, trim_whitespace=False)
    title = StrictCharField(
        max_length=IDEA_TITLE_MAX * 4, required=False, allow_blank=True, trim_whitespace=False
    )


class IdeaModerateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[IdeaStatus.PUBLISHED, IdeaStatus.PENDING, IdeaStatus.HIDDEN], required=False
    )
    reason = serializers.ChoiceField(choices=HideReason.choices, required=False, allow_blank=True)
    note = StrictCharField(max_length=500, required=False, allow_blank=True)
    group = IdField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send a status, a reason or a group to change."))
        return attrs


class MergeSerializer(serializers.Serializer):
    into = IdField()


class VoteSerializer(serializers.Serializer):
    value = StrictIntegerField()
    request_id = StrictCharField(max_length=64, required=False, allow_blank=True)


class VoteWithdrawSerializer(serializers.Serializer):
    request_id = StrictCharField(max_length=64, required=False, allow_blank=True)


class VoteOutcomeSerializer(serializers.Serializer):
    idea = serializers.IntegerField(source="idea_id")
    value = serializers.IntegerField(allow_null=True)
    changed = serializers.BooleanField()
    duplicate_request = serializers.BooleanField()
    dots_left = serializers.IntegerField(allow_null=True)


class AuthorSerializer(serializers.Serializer):
    display_name = serializers.CharField(allow_null=True)
    sector = serializers.CharField(allow_null=True)


class IdeaSerializer(serializers.ModelSerializer):
    """An idea as its reader may see it: tallies only when results are visible to them."""

    author = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()
    my_vote = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()

    class Meta:
        model = Idea
        fields = [
            "id",
            "session",
            "title",
            "text",
            "status",
            "hide_reason",
            "flags",
            "merged_into",
            "group",
            "author",
            "mine",
            "tally",
            "my_vote",
            "created_at",
        ]

    def _is_moderator(self) -> bool:
        return bool(self.context.get("is_moderator"))

    def to_representation(self, idea: Idea) -> dict[str, Any]:
        data = super().to_representation(idea)
        if not self._is_moderator():
            data.pop("flags", None)
            if not data.get("mine"):
                data.pop("hide_reason", None)
        return data

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, idea: Idea) -> dict[str, Any] | None:
        if idea.author_id is None:
            return None
        author = idea.author
        assert author is not None
        # Names stay in the room (ideas.selectors.author_name_for): moderators and the
        # author see them; others see the sector unless the session shows names.
        if self.context.get("names_public") or self._is_moderator() or self.get_mine(idea):
            return {"display_name": author.display_name, "sector": author.sector}
        return {"display_name": None, "sector": author.sector}

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField(), allow_null=True))
    def get_tally(self, idea: Idea) -> dict[str, int] | None:
        tallies = self.context.get("tallies")
        if tallies is None:
            return None
        from ideas.tallies import Tally

        return tallies.get(idea.pk, Tally()).as_dict(self.context["voting_method"])

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_my_vote(self, idea: Idea) -> int | None:
        votes = self.context.get("my_votes")
        return votes.get(idea.pk) if votes is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_mine(self, idea: Idea) -> bool:
        participant = self.context.get("participant")
        return participant is not None and idea.author_id == participant.pk


class GroupSerializer(serializers.ModelSerializer):
    ideas = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["id", "session", "title", "keywords", "origin", "order", "ideas", "created_at"]
        read_only_fields = ["id", "session", "origin", "created_at"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_ideas(self, group: Group) -> list[int]:
        visible = self.context.get("visible_idea_ids")
        ids = [idea.pk for idea in group.ideas.all()]
        return [i for i in ids if visible is None or i in visible]


class GroupWriteSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)
    keywords = serializers.ListField(
        child=StrictCharField(max_length=60), max_length=20, required=False
    )
    order = StrictIntegerField(min_value=0, required=False)
    ideas = serializers.ListField(child=IdField(), max_length=5000, required=False)


class GroupMergeSerializer(serializers.Serializer):
    into = IdField()


class SimilarQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=IDEA_TEXT_MAX, trim_whitespace=True)
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)
    exclude = QueryIdField(required=False)


class SimilarIdeaSerializer(serializers.Serializer):
    idea = IdeaSerializer()
    score = serializers.FloatField()
    duplicate = serializers.BooleanField(
        help_text="above the calibrated possible-duplicate threshold"
    )


class GroupSuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupSuggestion
        fields = ["id", "session", "status", "error", "result", "created_at", "finished_at"]
