"""Reads for the staff pages (managers see every engagement): a constant number of queries."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from councils.models import Council
from peers.models import Peer, PeerKind
from programmes import workflow
from programmes.models import (
    HOLDING_STATUSES,
    Engagement,
    EngagementStatus,
    PlaceStatus,
    StatusChange,
    TeamPlace,
)
from programmes.periods import financial_year_of
from programmes.selectors import (
    engagement_list_visible_to,
    peers_day_cap_map,
    peers_days_used_map,
)


def _team_size() -> Coalesce:
    """Places held on the outer engagement, counted for that row alone.

    A correlated subquery rather than Count over a join: with a join every engagement is
    grouped before the page is sorted and cut; this way only the rows shown are counted,
    and the list's count query does not touch the places at all.
    """
    held = (
        TeamPlace.objects.filter(engagement=OuterRef("pk"), status__in=HOLDING_STATUSES)
        .order_by()
        .values("engagement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


def _with_list_columns(queryset: QuerySet[Engagement]) -> QuerySet[Engagement]:
    return (
        queryset.select_related("offer")
        .prefetch_related(Prefetch("councils", queryset=Council.objects.only("pk", "name")))
        .annotate(team_size=_team_size())
    )


def manager_dashboard(*, user, today: date) -> dict:
    """Counts by status, the newest requests and the engagements coming up (five queries)."""
    engagements = engagement_list_visible_to(user=user)
    counts = dict(
        engagements.order_by()
        .values_list("status")
        .annotate(total=Count("id"))
        .values_list("status", "total")
    )
    status_counts = [
        (status, label, counts.get(status, 0)) for status, label in EngagementStatus.choices
    ]
    new_requests = list(
        _with_list_columns(
            engagements.filter(status=EngagementStatus.REQUESTED).order_by("-created_at", "-pk")
        )[:10]
    )
    upcoming = list(
        _with_list_columns(
            engagements.filter(status__in=workflow.OPEN_STATES, start_date__gte=today)
            .exclude(status=EngagementStatus.REQUESTED)
            .order_by("start_date", "pk")
        )[:10]
    )
    return {
        "status_counts": status_counts,
        "total": sum(counts.values()),
        "new_requests": new_requests,
        "upcoming": upcoming,
    }


def engagement_list_filtered(
    *,
    user,
    offer=None,
    status: str = "",
    council: str = "",
    region: str = "",
    starts_from: date | None = None,
    starts_to: date | None = None,
) -> QuerySet[Engagement]:
    """Engagements the user may see, filtered; newest activity first."""
    queryset = engagement_list_visible_to(user=user)
    if offer:
        queryset = queryset.filter(offer=offer)
    if status:
        queryset = queryset.filter(status=status)
    # Council filters go through a subquery: a join would repeat rows and inflate team counts.
    if council:
        matching = Council.objects.filter(Q(name__icontains=council) | Q(gss_code__iexact=council))
        queryset = queryset.filter(
            pk__in=Engagement.objects.filter(councils__in=matching).values("pk")
        )
    if region:
        queryset = queryset.filter(
            pk__in=Engagement.objects.filter(councils__region=region).values("pk")
        )
    if starts_from:
        queryset = queryset.filter(start_date__gte=starts_from)
    if starts_to:
        queryset = queryset.filter(start_date__lte=starts_to)
    return _with_list_columns(queryset).order_by("-start_date", "-created_at", "-pk")


@dataclass
class TeamRow:
    place: TeamPlace
    days_used: Decimal | None
    day_cap: Decimal | None

    @property
    def days_remaining(self) -> Decimal | None:
        if self.day_cap is None:
            return None
        return self.day_cap - (self.days_used or Decimal("0"))


def engagement_detail(*, user, pk: int) -> dict:
    """One engagement with councils, days, team (days used and left), timeline and milestones."""
    from programmes.selectors import engagement_get_visible_to

    engagement = engagement_get_visible_to(user=user, pk=pk)
    engagement = (
        Engagement.objects.select_related("offer", "manager")
        .prefetch_related(
            "councils",
            "activity_days",
            "milestones",
            "themes",
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by")),
            Prefetch(
                "places",
                queryset=TeamPlace.objects.select_related(
                    "peer__user", "peer__home_council"
                ).order_by("status", "reserve_rank", "role", "pk"),
            ),
        )
        .get(pk=engagement.pk)
    )
    places = list(engagement.places.all())
    member_ids = [p.peer_id for p in places if p.peer.kind == PeerKind.MEMBER]
    used, caps = {}, {}
    if engagement.start_date and member_ids:
        year = financial_year_of(engagement.start_date)
        used = peers_days_used_map(peer_ids=member_ids, financial_year=year)
        caps = peers_day_cap_map(peer_ids=member_ids, financial_year=year)
    team = [
        TeamRow(
            place=p,
            days_used=used.get(p.peer_id, Decimal("0")) if p.peer_id in caps else None,
            day_cap=caps.get(p.peer_id),
        )
        for p in places
    ]
    return {
        "engagement": engagement,
        "team": [row for row in team if row.place.status != PlaceStatus.RESERVE],
        "reserves": [row for row in team if row.place.status == PlaceStatus.RESERVE],
        "financial_year": financial_year_of(engagement.start_date)
        if engagement.start_date
        else None,
        "allowed_transitions": sorted(
            workflow.allowed_transitions(engagement.status),
            key=lambda s: list(EngagementStatus.values).index(s),
        ),
        "day_cap_setting": Decimal(str(settings.PEER_DAY_CAP)),
    }


def peer_find(*, text: str) -> list[Peer]:
    """Peers whose email is `text`, else whose full name is `text` (for the standalone check)."""
    text = text.strip()
    peers = Peer.objects.select_related("user", "home_council")
    by_email = list(peers.filter(user__email__iexact=text)[:2])
    if by_email:
        return by_email
    parts = text.split()
    if len(parts) < 2:
        return list(peers.filter(user__last_name__iexact=text)[:5])
    return list(
        peers.filter(
            user__first_name__iexact=" ".join(parts[:-1]), user__last_name__iexact=parts[-1]
        )[:5]
    )


def council_find(*, text: str) -> list[Council]:
    """Councils whose ONS code is `text`, else whose name is or contains `text`."""
    text = text.strip()
    by_code = list(Council.objects.filter(gss_code__iexact=text)[:1])
    if by_code:
        return by_code
    exact = list(Council.objects.filter(name__iexact=text)[:2])
    if exact:
        return exact
    return list(Council.objects.filter(name__icontains=text).order_by("name")[:6])
