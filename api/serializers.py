"""What the API shows and accepts. Validation of shape only: the services apply the rules."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.selectors import MAX_ID
from councils.models import Council, Region
from peers.models import EqualitiesAnswers, Expertise, Peer, RoleCategory, WorkMode, WorkRegion
from programmes import workflow
from programmes.models import (
    DeliveryMode,
    Engagement,
    EngagementStatus,
    Offer,
    OfferMilestone,
    OfferTeamRole,
    PlaceStatus,
    TeamPlace,
    TeamRole,
)
from programmes.selectors import engagement_list_visible_to


class CodeRelatedField(serializers.SlugRelatedField):
    """A related object named by its code (ONS code, offer code, slug), checked before any query."""

    default_error_messages = {
        "does_not_exist": _("There is no {slug_name} “{value}”."),
        "invalid": _("Enter a valid code."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > 120 or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id that is checked to be a whole number a database could hold before it is looked up."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_ID:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


# --- Councils and offers --------------------------------------------------------------


# The model serializers below are for answers only (writes go through the request
# serializers and the services); their fields stay "writable" so that the schema keeps
# each field's blank and null choices.


class CouncilSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="gss_code", read_only=True, allow_null=True)
    successor = serializers.SlugRelatedField(slug_field="gss_code", read_only=True, allow_null=True)

    class Meta:
        model = Council
        fields = [
            "id",
            "gss_code",
            "name",
            "council_type",
            "region",
            "county",
            "abolished_on",
            "successor",
            "political_control",
            "nsap_funded",
        ]


class OfferTeamRoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfferTeamRole
        fields = ["role", "count", "preferred_role_category"]


class OfferMilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfferMilestone
        fields = ["code", "name", "anchor", "offset_days", "window_days"]


class OfferSerializer(serializers.ModelSerializer):
    team_roles = OfferTeamRoleSerializer(many=True, read_only=True)
    milestones = OfferMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "code",
            "name",
            "description",
            "delivery_mode",
            "onsite_required",
            "typical_days",
            "typical_hours",
            "serves_group",
            "open_to_councils",
            "free_entitlement",
            "is_active",
            "team_roles",
            "milestones",
        ]


# --- Engagements ----------------------------------------------------------------------


class EngagementSerializer(serializers.ModelSerializer):
    offer = serializers.SlugRelatedField(slug_field="code", read_only=True)
    councils = serializers.SlugRelatedField(slug_field="gss_code", many=True, read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    effective_delivery = serializers.ChoiceField(choices=DeliveryMode.choices, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    # Blank when unpublished, so not described as a URI.
    published_report_url = serializers.CharField(read_only=True)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "reference",
            "offer",
            "councils",
            "title",
            "focus",
            "scope",
            "themes",
            "funding",
            "status",
            "delivery",
            "effective_delivery",
            "start_date",
            "end_date",
            "requested_days",
            "published_report_url",
            "created_at",
            "updated_at",
            "allowed_transitions",
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=EngagementStatus.choices))
    )
    def get_allowed_transitions(self, engagement) -> list[str]:
        return sorted(workflow.allowed_transitions(engagement.status))


class EngagementRequestResultSerializer(EngagementSerializer):
    """The engagement a request recorded, with the warnings the council portal shows."""

    warnings = serializers.SerializerMethodField()

    class Meta(EngagementSerializer.Meta):
        fields = [*EngagementSerializer.Meta.fields, "warnings"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, engagement) -> list[str]:
        return list((engagement.request_details or {}).get("warnings", []))


class EngagementRequestSerializer(serializers.Serializer):
    """A request for peer support: the council portal's request, as JSON.

    Shape only. councils.services.engagement_request_submit (the portal's request service)
    applies every rule, in the portal's words: a council contact requests for their own
    council an offer open to councils; a CPC needs `acknowledged`; an onsite offer is never
    fully remote; the earliest start is in the future and the latest not before it.
    """

    offer = CodeRelatedField(
        slug_field="code",
        queryset=Offer.objects.filter(is_active=True),
        help_text=_("The offer's code, for example CPC."),
    )
    councils = serializers.ListField(
        child=CodeRelatedField(slug_field="gss_code", queryset=Council.objects.all()),
        required=False,
        allow_empty=False,
        max_length=50,
        help_text=_(
            "ONS codes of the councils. A council contact may leave it out (their council) "
            "or name only their own; a programme manager names the councils."
        ),
    )
    title = serializers.CharField(
        max_length=200,
        required=False,
        help_text=_("Defaults to the offer and the councils, as on the portal."),
    )
    focus = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("What the support should focus on (the portal's focus, issue or panel note)."),
    )
    scope = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    themes = serializers.ListField(
        child=CodeRelatedField(slug_field="slug", queryset=Expertise.objects.all()),
        required=False,
        max_length=50,
        help_text=_("Slugs of the themes (the expertise vocabulary)."),
    )
    delivery = serializers.ChoiceField(
        choices=DeliveryMode.choices, required=False, allow_blank=True, default=""
    )
    requested_days = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("99"),
        required=False,
        allow_null=True,
        default=None,
    )
    acknowledged = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "For a CPC: you understand the challenge always covers the five core components."
        ),
    )
    preferred_from = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        input_formats=["%Y-%m-%d"],
        help_text=_("Earliest start date (YYYY-MM-DD)."),
    )
    preferred_to = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        input_formats=["%Y-%m-%d"],
        help_text=_("Latest start date (YYYY-MM-DD)."),
    )
    scoping_availability = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("When the leader and chief executive could meet for a scoping meeting."),
    )
    preferred_dates = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For remote support: the dates and times that would suit you."),
    )
    pattern = serializers.ChoiceField(
        choices=[("consecutive", _("Consecutive days")), ("spread", _("Spread out"))],
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For bespoke remote support: consecutive days or spread out."),
    )
    preferred_panel_dates = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For a panel: the panel dates that would suit you."),
    )

    def answers(self) -> dict:
        """The request as the portal's answers (JSON-ready, named as its questions)."""
        from councils.services import request_focus_answer

        data = self.validated_data
        answers = {}
        if data["focus"]:
            answers[request_focus_answer(data["offer"])] = data["focus"]
        if data.get("themes"):
            answers["themes"] = [theme.slug for theme in data["themes"]]
        if data["acknowledged"]:
            answers["acknowledged"] = True
        for name in ("preferred_from", "preferred_to"):
            if data[name] is not None:
                answers[name] = data[name].isoformat()
        for name in ("scoping_availability", "preferred_dates", "pattern", "preferred_panel_dates"):
            if data[name]:
                answers[name] = data[name]
        days = data["requested_days"]
        if days is not None:
            answers["days"] = int(days) if days == days.to_integral_value() else float(days)
        if data["delivery"]:
            answers["delivery"] = data["delivery"]
        return answers


class EngagementTransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=EngagementStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Go ahead although the conditions for the new status are not met (managers "
        "only); recorded on the timeline.",
    )


# --- Team places ----------------------------------------------------------------------


class TeamPlaceSerializer(serializers.ModelSerializer):
    engagement_reference = serializers.CharField(source="engagement.reference", read_only=True)
    peer_name = serializers.CharField(source="peer.name", read_only=True)

    class Meta:
        model = TeamPlace
        fields = [
            "id",
            "engagement",
            "engagement_reference",
            "peer",
            "peer_name",
            "role",
            "days",
            "status",
            "invited_at",
            "response_due",
            "responded_at",
            "reserve_rank",
        ]


class TeamPlaceCreateSerializer(serializers.Serializer):
    engagement = BoundedPrimaryKeyRelatedField(queryset=Engagement.objects.none())
    peer = BoundedPrimaryKeyRelatedField(queryset=Peer.objects.all())
    role = serializers.ChoiceField(choices=TeamRole.choices)
    days = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0"), max_value=Decimal("99")
    )
    status = serializers.ChoiceField(
        choices=[
            (PlaceStatus.INVITED, PlaceStatus.INVITED.label),
            (PlaceStatus.ACCEPTED, PlaceStatus.ACCEPTED.label),
            (PlaceStatus.RESERVE, PlaceStatus.RESERVE.label),
        ],
        default=PlaceStatus.INVITED,
    )
    reserve_rank = serializers.IntegerField(
        min_value=1, max_value=32767, required=False, allow_null=True, default=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["engagement"].queryset = engagement_list_visible_to(user=request.user)


class TeamPlaceRespondSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    no_conflict_declared = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Required to accept: you have no conflict of interest with the council."),
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text=_("If declining.")
    )


# --- Peers ----------------------------------------------------------------------------


class PeerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    home_council = serializers.SlugRelatedField(slug_field="gss_code", read_only=True)
    expertise = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    regions = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Peer
        fields = [
            "id",
            "name",
            "first_name",
            "last_name",
            "email",
            "kind",
            "home_council",
            "political_group",
            "job_title",
            "role_category",
            "phone",
            "expertise",
            "regions",
            "work_mode",
            "status",
            "profile_confirmed_on",
            "training_waived",
        ]


class EqualitiesSerializer(serializers.ModelSerializer):
    class Meta:
        model = EqualitiesAnswers
        fields = [
            "consent_given_at",
            "sex",
            "ethnic_group",
            "disability",
            "age_band",
            "sexual_orientation",
        ]


class PeerWithEqualitiesSerializer(PeerSerializer):
    """For holders of peers.view_equalities only: the answers the peer chose to share."""

    equalities = serializers.SerializerMethodField()

    class Meta(PeerSerializer.Meta):
        fields = [*PeerSerializer.Meta.fields, "equalities"]

    @extend_schema_field(EqualitiesSerializer(allow_null=True))
    def get_equalities(self, peer):
        answers = getattr(peer, "equalities", None)
        return EqualitiesSerializer(answers).data if answers else None


class PeerUpdateSerializer(serializers.Serializer):
    """The fields a peer keeps up to date themselves (the same as the profile page).

    Any other field is refused by name rather than silently ignored.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            others = sorted(str(key) for key in data if key not in self.fields)
            if others:
                raise serializers.ValidationError(
                    {key: [_("This field cannot be changed here.")] for key in others}
                )
        return super().to_internal_value(data)

    # Blank values reach peers.services.peer_profile_update, which refuses a blank name,
    # job title, role or work mode in the profile pages' words.
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role_category = serializers.ChoiceField(
        choices=RoleCategory.choices, required=False, allow_blank=True
    )
    work_mode = serializers.ChoiceField(choices=WorkMode.choices, required=False, allow_blank=True)
    expertise = serializers.ListField(
        child=CodeRelatedField(slug_field="slug", queryset=Expertise.objects.all()),
        required=False,
        max_length=100,
        help_text=_("Slugs of the areas of expertise (replaces the current ones)."),
    )
    regions = serializers.ListField(
        child=CodeRelatedField(slug_field="name", queryset=WorkRegion.objects.all()),
        required=False,
        max_length=20,
        help_text=_("Regions willing to work in (replaces the current ones; at least one)."),
    )


# --- Aggregates (board members and managers) ------------------------------------------


class BoundedDateField(serializers.DateField):
    """A YYYY-MM-DD date within the years the programme's figures can cover."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not 1990 <= day.year <= 2999:
            raise serializers.ValidationError(_("Enter a date between 1990 and 2999."))
        return day


class QuerySerializer(serializers.Serializer):
    """Query parameters: one given with no value is refused, not taken as left out."""

    def to_internal_value(self, data):
        values = data.lists() if hasattr(data, "lists") else []
        empty = sorted(name for name, given in values if name in self.fields and "" in given)
        if empty:
            raise serializers.ValidationError(
                {name: [_("Enter a value, or leave it out.")] for name in empty}
            )
        return super().to_internal_value(data)


class PeriodQuerySerializer(QuerySerializer):
    period_from = BoundedDateField(required=False, help_text=_("First day (YYYY-MM-DD)."))
    period_to = BoundedDateField(required=False, help_text=_("Last day (YYYY-MM-DD)."))

    def validate(self, attrs):
        given = [name for name in ("period_from", "period_to") if name in attrs]
        if len(given) == 1:
            missing = "period_to" if given == ["period_from"] else "period_from"
            raise serializers.ValidationError(
                {missing: [_("Enter both dates of the period, or neither.")]}
            )
        if given and attrs["period_to"] < attrs["period_from"]:
            raise serializers.ValidationError(
                {"period_to": [_("The end of the period must be the same as or after its start")]}
            )
        return attrs


class SurveyResultsQuerySerializer(PeriodQuerySerializer):
    audience = serializers.ChoiceField(
        choices=[("council", _("Council")), ("peer", _("Peer"))], default="council"
    )
    purpose = serializers.ChoiceField(
        choices=[("feedback", _("Feedback")), ("pre_panel", _("Before a panel"))],
        default="feedback",
    )
    offer = serializers.CharField(max_length=12, required=False, help_text=_("An offer code."))
    region = serializers.ChoiceField(choices=Region.choices, required=False)


class SurveyChoiceCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class SurveyQuestionResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    type = serializers.CharField()
    answered = serializers.IntegerField()
    choices = serializers.DictField(child=SurveyChoiceCountSerializer(), required=False)
    mean = serializers.DecimalField(
        max_digits=12, decimal_places=1, allow_null=True, required=False, coerce_to_string=False
    )


class SurveyQuoteSerializer(serializers.Serializer):
    text = serializers.CharField()
    council_type = serializers.CharField(allow_blank=True)
    council_type_label = serializers.CharField(allow_blank=True)
    offer = serializers.CharField(allow_null=True)
    offer_name = serializers.CharField(allow_null=True)


class SurveyResultsSerializer(serializers.Serializer):
    """surveys.selectors.survey_results: percentages of those who answered each question,
    or, for a group too small to show, nothing but the message."""

    audience = serializers.CharField()
    respondents = serializers.IntegerField(
        allow_null=True, help_text=_("None when the group is withheld.")
    )
    withheld = serializers.BooleanField(
        help_text=_(
            "True when fewer than 5 answered in this group, or when its figures would let a "
            "smaller group be worked out: then there are no figures, questions or quotes."
        )
    )
    message = serializers.CharField(
        allow_blank=True, help_text=_("Why the results are withheld (blank when shown).")
    )
    headline = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text=_("respondents, and satisfied, would_recommend… as whole percentages."),
    )
    questions = serializers.DictField(child=SurveyQuestionResultSerializer())
    quotes = SurveyQuoteSerializer(many=True)


class StocktakeQuerySerializer(QuerySerializer):
    period_from = BoundedDateField(help_text=_("First day of the period (YYYY-MM-DD)."))
    period_to = BoundedDateField(help_text=_("Last day of the period (YYYY-MM-DD)."))
    planned_until = BoundedDateField(
        required=False,
        help_text=_("Count planned engagements up to this day (default: 31 March after)."),
    )
    offers = serializers.ListField(
        child=serializers.CharField(max_length=12),
        required=False,
        max_length=20,
        help_text=_("Offer codes to include (all when none)."),
    )


class StocktakeSerializer(serializers.Serializer):
    """The stocktake document (the same dict the board's reports are rendered from)."""

    schema_version = serializers.IntegerField()
    title = serializers.CharField()
    period = serializers.DictField(child=serializers.CharField())
    offers_chosen = serializers.ListField(child=serializers.CharField())
    offers = serializers.DictField(child=serializers.DictField())
    totals = serializers.DictField(child=serializers.IntegerField())
    regions = serializers.DictField(child=serializers.DictField())
    council_types = serializers.DictField(child=serializers.IntegerField())
    council_survey = serializers.DictField()
    peer_survey = serializers.DictField()
    survey_counts = serializers.DictField()
    themes = serializers.DictField(child=serializers.IntegerField())
    theme_names = serializers.DictField(child=serializers.CharField())
    quotes = serializers.ListField(child=serializers.DictField())
    good_practice = serializers.ListField(child=serializers.DictField())
    recommendations = serializers.ListField(child=serializers.CharField())
    data_checks = serializers.ListField(child=serializers.DictField())
    definitions = serializers.ListField(child=serializers.DictField())
    meta = serializers.DictField()
