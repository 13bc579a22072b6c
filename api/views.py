"""The API's resources under /api/v1/: thin views over the selectors and services."""

import re
import uuid

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, selectors, serializers
from api.exceptions import django_validation_error_as_drf
from api.models import IntegrationToken
from api.permissions import (
    ManagersOnly,
    ReadsAggregates,
    ReadsPeers,
    ReadsRecords,
    RequestsEngagements,
)
from api.services import api_write_record
from councils import services as council_services
from programmes import services as programme_services


class ApiViewMixin:
    """Audits every write call and finds single objects through the scoped selectors."""

    filterset_class = None
    ordering_fields: list[str] = []
    lookup_value_regex = "[^/]+"  # every id reaches the view, which answers 404 in JSON
    object_getter = None  # selector(*, user, pk) -> object, raising Http404 outside scope

    def get_object(self):
        obj = type(self).object_getter(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            user = getattr(request, "_user", None)
            token = getattr(request, "_auth", None)
            api_write_record(
                token=token if isinstance(token, IntegrationToken) else None,
                user=user,
                method=request.method,
                path=request.get_full_path(),
                status_code=response.status_code,
            )
        return response


class CouncilViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Councils (reference data: every signed-in caller may read them)."""

    serializer_class = serializers.CouncilSerializer
    filterset_class = filters.CouncilFilter
    ordering_fields = ["name", "gss_code", "region"]
    ordering = ["name", "id"]
    object_getter = staticmethod(lambda *, user, pk: _get_or_404(selectors.council_list(), pk=pk))

    def get_queryset(self):
        return selectors.council_list()


class OfferViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Offers (engagement types) with their default team and milestones."""

    serializer_class = serializers.OfferSerializer
    ordering_fields = ["code", "name"]
    ordering = ["code"]
    object_getter = staticmethod(lambda *, user, pk: _get_or_404(selectors.offer_list(), pk=pk))

    def get_queryset(self):
        return selectors.offer_list()


def _get_or_404(queryset, *, pk):
    from django.http import Http404

    obj = queryset.filter(pk=selectors.parse_id(pk)).first()
    if obj is None:
        raise Http404("Not found.")
    return obj


IDEMPOTENCY_KEY = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[!-~]{1,255}")  # visible ASCII, no spaces
# Keys are the caller's: the same key from two users names two requests.
IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0c5e2e-8f1f-4d0b-9a51-0d6c1c7f4a11")
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_KEY,
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key you choose for this request (for example a UUID), to make a retry safe: a "
        "retry with the same key and the same request returns the engagement the first one "
        "recorded, creates nothing and sends no second email. The same key with a different "
        "request is refused. Keys are yours alone: another caller's key never matches."
    ),
)


def _request_token(request) -> uuid.UUID:
    """The request's submission token: from the caller's Idempotency-Key, or a new one."""
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return uuid.uuid4()
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            {IDEMPOTENCY_KEY: [_("Send a key of 1 to 255 visible ASCII characters, no spaces.")]}
        )
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{request.user.pk}:{key}")


def _run(service, **kwargs):
    """Call a service; its django ValidationError becomes a 400 with the same words."""
    from django.core.exceptions import ValidationError

    try:
        return service(**kwargs)
    except ValidationError as error:
        raise django_validation_error_as_drf(error) from None


@extend_schema_view(
    list=extend_schema(summary="List the engagements you may see"),
    retrieve=extend_schema(summary="One engagement"),
)
class EngagementViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Engagements, scoped exactly as on the pages: managers all, council contacts their
    council's, peers those they have a place on."""

    serializer_class = serializers.EngagementSerializer
    filterset_class = filters.EngagementFilter
    ordering_fields = ["created_at", "updated_at", "start_date", "end_date", "reference"]
    ordering = ["-created_at", "-id"]
    object_getter = staticmethod(selectors.engagement_get_for_api)

    def get_permissions(self):
        if self.action == "create":
            return [*super().get_permissions(), RequestsEngagements()]
        if self.action == "transition":
            return [*super().get_permissions(), ManagersOnly()]
        return [*super().get_permissions(), ReadsRecords()]

    def get_queryset(self):
        return selectors.engagement_list_for_api(user=self.request.user)

    @extend_schema(
        summary="Request an engagement",
        description=(
            "The council portal's request: the same checks in the same words, the same "
            "warnings (returned in `warnings`), the same confirmation to the council contact "
            "and alert to the programme managers. Send an `Idempotency-Key` to make retries "
            "safe."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=serializers.EngagementRequestSerializer,
        responses={
            201: OpenApiResponse(
                serializers.EngagementRequestResultSerializer,
                description="The request is recorded, with any warnings.",
            ),
            200: OpenApiResponse(
                serializers.EngagementRequestResultSerializer,
                description=(
                    "A retry with an Idempotency-Key already used for this request: the "
                    "engagement the first request recorded (nothing new was created). The "
                    "answer carries `Idempotent-Replayed: true`."
                ),
            ),
        },
    )
    def create(self, request):
        token = _request_token(request)
        form = serializers.EngagementRequestSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            engagement, created = council_services.engagement_request_submit(
                user=request.user,
                offer=data["offer"],
                answers=form.answers(),
                token=token,
                councils=data.get("councils"),
                title=data.get("title", ""),
                scope=data["scope"],
                source="api",
            )
        except DjangoValidationError as error:
            if getattr(error, "code", None) == council_services.REQUEST_TOKEN_REUSED:
                raise ValidationError({IDEMPOTENCY_KEY: error.messages}) from None
            raise django_validation_error_as_drf(error) from None
        engagement = selectors.engagement_get_for_api(user=request.user, pk=engagement.pk)
        answer = serializers.EngagementRequestResultSerializer(
            engagement, context=self.get_serializer_context()
        ).data
        if created:
            return Response(answer, status=status.HTTP_201_CREATED)
        return Response(answer, headers={"Idempotent-Replayed": "true"})

    @extend_schema(
        summary="Move an engagement to another status (managers)",
        request=serializers.EngagementTransitionSerializer,
        responses={200: serializers.EngagementSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        engagement = self.get_object()
        form = serializers.EngagementTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        _run(
            programme_services.engagement_transition,
            engagement=engagement,
            to_status=form.validated_data["to_status"],
            note=form.validated_data["note"],
            override_reason=form.validated_data["override_reason"],
            user=request.user,
        )
        engagement = selectors.engagement_get_for_api(user=request.user, pk=engagement.pk)
        return Response(self.get_serializer(engagement).data)


@extend_schema_view(
    list=extend_schema(summary="List the team places you may see"),
    retrieve=extend_schema(summary="One team place"),
)
class TeamPlaceViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Team places: managers all; peers their own; council contacts their council's teams."""

    serializer_class = serializers.TeamPlaceSerializer
    filterset_class = filters.TeamPlaceFilter
    ordering_fields = ["invited_at", "response_due", "id"]
    object_getter = staticmethod(selectors.team_place_get_visible_to)

    def get_permissions(self):
        if self.action in ("create", "confirm", "invite", "withdraw"):
            return [*super().get_permissions(), ManagersOnly()]
        return [*super().get_permissions(), ReadsRecords()]

    def get_queryset(self):
        return selectors.team_place_list_visible_to(user=self.request.user)

    def _answer(self, place, code=status.HTTP_200_OK):
        place = selectors.team_place_get_visible_to(user=self.request.user, pk=place.pk)
        return Response(self.get_serializer(place).data, status=code)

    @extend_schema(
        summary="Put a peer on a team (managers)",
        request=serializers.TeamPlaceCreateSerializer,
        responses={201: serializers.TeamPlaceSerializer},
    )
    def create(self, request):
        form = serializers.TeamPlaceCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        place = _run(programme_services.team_place_add, user=request.user, **form.validated_data)
        return self._answer(place, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm a place on the peer's behalf (managers)",
        request=None,
        responses={200: serializers.TeamPlaceSerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        place = _run(
            programme_services.team_place_confirm, place=self.get_object(), user=request.user
        )
        return self._answer(place)

    @extend_schema(
        summary="Invite a reserve or withdrawn place (managers)",
        request=None,
        responses={200: serializers.TeamPlaceSerializer},
    )
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        place = _run(
            programme_services.team_place_invite, place=self.get_object(), user=request.user
        )
        return self._answer(place)

    @extend_schema(
        summary="Withdraw a place (managers)",
        request=None,
        responses={200: serializers.TeamPlaceSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        place = _run(
            programme_services.team_place_withdraw, place=self.get_object(), user=request.user
        )
        return self._answer(place)

    @extend_schema(
        summary="Answer your own invitation (the peer)",
        request=serializers.TeamPlaceRespondSerializer,
        responses={200: serializers.TeamPlaceSerializer},
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        place = self.get_object()
        if not (hasattr(request.user, "peer") and place.peer_id == request.user.peer.pk):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(_("Only the invited peer can answer an invitation."))
        form = serializers.TeamPlaceRespondSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        place = _run(
            programme_services.team_place_respond,
            place=place,
            user=request.user,
            accept=data["accept"],
            no_conflict_declared=data["no_conflict_declared"],
            reason=data["reason"],
        )
        return self._answer(place)


@extend_schema_view(
    list=extend_schema(summary="List peers (managers: all; a peer: themselves)"),
    retrieve=extend_schema(summary="One peer"),
)
class PeerViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The peer pool. Equalities answers only for holders of peers.view_equalities."""

    filterset_class = filters.PeerFilter
    ordering_fields = ["id", "updated_at", "profile_confirmed_on"]
    ordering = ["user__last_name", "user__first_name", "id"]
    object_getter = staticmethod(selectors.peer_get_visible_to)

    def get_permissions(self):
        return [*super().get_permissions(), ReadsPeers()]

    def get_queryset(self):
        return selectors.peer_list_visible_to(user=self.request.user)

    def get_serializer_class(self):
        if self.request is not None and self.request.user.has_perm("peers.view_equalities"):
            return serializers.PeerWithEqualitiesSerializer
        return serializers.PeerSerializer

    @extend_schema(
        summary="Update a peer's own details (the peer, or a manager)",
        request=serializers.PeerUpdateSerializer,
        responses={200: serializers.PeerSerializer},
    )
    def partial_update(self, request, pk=None):
        from peers.services import peer_profile_update

        peer = self.get_object()
        form = serializers.PeerUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        with transaction.atomic():
            _run(peer_profile_update, peer=peer, user=request.user, **fields)
        peer = selectors.peer_get_visible_to(user=request.user, pk=peer.pk)
        return Response(self.get_serializer(peer).data)


class AggregateView(ApiViewMixin, APIView):
    """Figures only: board members and managers (never rows about people)."""

    def get_permissions(self):
        return [*super().get_permissions(), ReadsAggregates()]

    def read_query(self, serializer_class):
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data


class SurveyResultsView(AggregateView):
    @extend_schema(
        summary="Survey results as aggregates (board members and managers)",
        parameters=[serializers.SurveyResultsQuerySerializer],
        responses={200: serializers.SurveyResultsSerializer},
    )
    def get(self, request):
        from surveys.selectors import survey_results

        query = self.read_query(serializers.SurveyResultsQuerySerializer)
        period = (query["period_from"], query["period_to"]) if "period_from" in query else None
        results = _run(
            survey_results,
            audience=query["audience"],
            purpose=query["purpose"],
            offer=query.get("offer"),
            region=query.get("region"),
            period=period,
        )
        return Response(serializers.SurveyResultsSerializer(results).data)


class StocktakeView(AggregateView):
    @extend_schema(
        summary="The stocktake for a period, as JSON (board members and managers)",
        parameters=[serializers.StocktakeQuerySerializer],
        responses={200: serializers.StocktakeSerializer},
    )
    def get(self, request):
        from reports.stocktake import stocktake_compute

        query = self.read_query(serializers.StocktakeQuerySerializer)
        document = _run(
            stocktake_compute,
            period_from=query["period_from"],
            period_to=query["period_to"],
            planned_until=query.get("planned_until"),
            offers=query.get("offers") or None,
        )
        return Response(document)


class ApiDocsView(SpectacularSwaggerSplitView):
    """The interactive docs, for signed-in users (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]):
    a browser with neither a session nor a token is sent to sign in and brought back."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated and "HTTP_AUTHORIZATION" not in request.META:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)
