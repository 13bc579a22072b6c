"""Reads of programme records, scoped to what the user may see."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts import permissions
from programmes import workflow
from programmes.models import (
    DayCapException,
    Engagement,
    EngagementStatus,
    PlaceStatus,
    StatusChange,
    TeamPlace,
)
from programmes.periods import (  # noqa: F401 (financial years are read from here too)
    days_counted_q,
    financial_year_bounds,
    financial_year_of,
    years_before,
)


def peer_days_used(*, peer, financial_year: int, exclude_place_id: int | None = None) -> Decimal:
    """Days that count towards the peer's cap in the year (periods.days_counted_q)."""
    places = TeamPlace.objects.filter(days_counted_q(financial_year=financial_year), peer=peer)
    if exclude_place_id:
        places = places.exclude(pk=exclude_place_id)
    return places.aggregate(total=Sum("days"))["total"] or Decimal("0")


def peer_day_cap(*, peer, financial_year: int) -> Decimal:
    """The peer's cap for the year: the setting plus any approved exception."""
    extra = (
        DayCapException.objects.filter(peer=peer, financial_year=financial_year)
        .values_list("extra_days", flat=True)
        .first()
    )
    return Decimal(str(settings.PEER_DAY_CAP)) + (extra or Decimal("0"))


def peers_days_used_map(*, peer_ids, financial_year: int) -> dict[int, Decimal]:
    """Days used per peer for many peers in one query (for lists and matching)."""
    counted = days_counted_q(financial_year=financial_year)
    rows = (
        TeamPlace.objects.filter(counted, peer_id__in=peer_ids)
        .values("peer_id")
        .annotate(total=Sum("days"))
    )
    return {row["peer_id"]: row["total"] for row in rows}


def peers_day_cap_map(*, peer_ids, financial_year: int) -> dict[int, Decimal]:
    """Cap per peer (setting plus approved exception) for many peers in one query."""
    base = Decimal(str(settings.PEER_DAY_CAP))
    extras = dict(
        DayCapException.objects.filter(
            peer_id__in=peer_ids, financial_year=financial_year
        ).values_list("peer_id", "extra_days")
    )
    return {peer_id: base + extras.get(peer_id, Decimal("0")) for peer_id in peer_ids}


def peers_with_days_against_cap(peers: QuerySet, *, financial_year: int) -> QuerySet:
    """`peers` annotated with `used`, `extra` and `cap` for the year, in ONE grouped query.

    `used` counts days as peer_days_used does (periods.days_counted_q), `extra` is any
    approved exception and `cap` the setting plus `extra` (peer_day_cap). One LEFT JOIN and
    GROUP BY over the places instead of a subquery per peer. `peers` must not already join
    the places or exceptions.
    """
    days = DecimalField(max_digits=6, decimal_places=1)
    zero = Value(Decimal("0"), output_field=days)
    holding = days_counted_q(financial_year=financial_year, prefix="places__")
    return peers.annotate(
        # At most one exception per peer and year (a unique constraint): no double counting.
        this_year_exception=FilteredRelation(
            "cap_exceptions", condition=Q(cap_exceptions__financial_year=financial_year)
        ),
        used=Coalesce(Sum("places__days", filter=holding), zero, output_field=days),
        extra=Coalesce(Max("this_year_exception__extra_days"), zero, output_field=days),
    ).annotate(cap=Value(Decimal(str(settings.PEER_DAY_CAP)), output_field=days) + F("extra"))


def team_places_known_to_peer(*, peer) -> QuerySet[TeamPlace]:
    """The peer's places they have been told about, the one rule for the peer portal and
    the API: every place but a reserve never invited (a reserve, or a reserve withdrawn
    before being invited), which the peer does not know of until invited."""
    return (
        TeamPlace.objects.filter(peer=peer)
        .exclude(status=PlaceStatus.RESERVE)
        .exclude(status=PlaceStatus.WITHDRAWN, invited_at__isnull=True)
    )


def engagement_list_visible_to(*, user) -> QuerySet[Engagement]:
    """Engagements the user may see: managers all, council contacts their council's,
    peers those they hold a place on that they were invited to; everyone else none."""
    queryset = Engagement.objects.all()
    if permissions.is_manager(user):
        return queryset
    if permissions.is_council_contact(user):
        return queryset.filter(councils=user.council_id).distinct()
    if permissions.is_peer(user) and hasattr(user, "peer"):
        return queryset.filter(
            pk__in=team_places_known_to_peer(peer=user.peer).values("engagement_id")
        )
    return queryset.none()


def engagement_get_visible_to(*, user, pk=None, reference=None) -> Engagement:
    """One engagement the user may see; 404 both when missing and when forbidden."""
    lookup = Q(pk=pk) if pk is not None else Q(reference=reference)
    engagement = engagement_list_visible_to(user=user).filter(lookup).first()
    if engagement is None:
        raise Http404("No such engagement")
    return engagement


# Statuses at or past "team confirmed" on the main line of the workflow.
TEAM_SHOWN_STATUSES = tuple(workflow.ORDER[workflow.ORDER.index(EngagementStatus.TEAM_CONFIRMED) :])


def team_places_shown_to_councils() -> QuerySet[TeamPlace]:
    """The places a council may see of its engagements' teams, the one rule for the council
    portal and the API: accepted places, once the team is confirmed (the engagement reached
    "team confirmed", or was confirmed before being postponed), never on a cancelled one.

    Not scoped to a council: callers narrow it to engagements the user may see.
    """
    confirmed_once = StatusChange.objects.filter(
        engagement=OuterRef("engagement_id"), to_status=EngagementStatus.TEAM_CONFIRMED
    )
    return (
        TeamPlace.objects.filter(status=PlaceStatus.ACCEPTED)
        .filter(Q(engagement__status__in=TEAM_SHOWN_STATUSES) | Exists(confirmed_once))
        .exclude(engagement__status=EngagementStatus.CANCELLED)
    )


def team_place_list_visible_to_council(*, user) -> QuerySet[TeamPlace]:
    """The team places a council contact may see: their council's engagements only."""
    return team_places_shown_to_councils().filter(
        engagement__in=engagement_list_visible_to(user=user).values("pk")
    )


def cpc_entitlement_warning(*, council, offer, on: date) -> str | None:
    """Warn (never block) when a free-entitlement offer is requested within N years of the last."""
    if not offer.free_entitlement:
        return None
    years = settings.CPC_ENTITLEMENT_YEARS
    since = years_before(on, years)
    last = (
        Engagement.objects.filter(councils=council, offer=offer, start_date__gte=since)
        .exclude(status=EngagementStatus.CANCELLED)
        .order_by("-start_date")
        .values_list("reference", "start_date")
        .first()
    )
    if last is None:
        return None
    return (
        f"{council.name} had a {offer.code} ({last[0]}) starting {last[1]:%-d %B %Y}. "
        f"A free {offer.code} is usually offered every 3 to 4 years."
    )
