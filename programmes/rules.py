"""The programme's placement rules, written once and used by every way in.

Each check returns plain-English reasons; the services refuse with them, the matching
engine counts them, and the "can this peer work with this council?" check shows them.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from councils.models import Council
from peers.models import Peer, PeerKind, PeerStatus, WorkMode
from programmes import periods
from programmes.models import (
    HOLDING_STATUSES,
    MEMBER_ROLES,
    OFFICER_ROLES,
    DayMode,
    DeliveryMode,
    Engagement,
    EngagementStatus,
    TeamPlace,
)
from programmes.selectors import peer_day_cap, peer_days_used


@dataclass(frozen=True)
class Breach:
    """One rule a placement would break."""

    # role, inactive, own_council, two_tier, conflict, clash, unavailable, day_cap, onsite,
    # training
    code: str
    message: str


def role_breach(*, peer: Peer, role: str) -> Breach | None:
    """Lead member and member places are for member peers; officer places for the others."""
    if role in MEMBER_ROLES and peer.kind != PeerKind.MEMBER:
        return Breach("role", f"{peer} is not a member peer, so cannot take a member peer place.")
    if role in OFFICER_ROLES and peer.kind == PeerKind.MEMBER:
        return Breach("role", f"{peer} is a member peer, so cannot take an officer peer place.")
    return None


def council_breaches(*, peer: Peer, councils: list[Council]) -> list[Breach]:
    """A peer never reviews their own council, its two-tier area, or a declared conflict."""
    breaches = []
    home = peer.home_council
    conflicts = {c.pk for c in peer.conflicts.all()}
    for council in councils:
        if council.pk == home.pk:
            breaches.append(Breach("own_council", f"{council} is {peer}'s own council."))
        elif home.pk in council.two_tier_area_ids():
            breaches.append(
                Breach(
                    "two_tier",
                    f"{council} is in the same two-tier area as {peer}'s council, {home}.",
                )
            )
        if council.pk in conflicts:
            breaches.append(
                Breach("conflict", f"{peer} declared a conflict of interest with {council}.")
            )
    return breaches


def date_breaches(
    *, peer: Peer, start: date | None, end: date | None, exclude_engagement_id=None
) -> list[Breach]:
    """No two held places on overlapping engagements; nothing inside unavailability."""
    if start is None:
        return []
    end = end or start
    breaches = []
    clashes = (
        TeamPlace.objects.filter(
            peer=peer,
            status__in=HOLDING_STATUSES,
            engagement__start_date__lte=end,
        )
        .filter(
            Q(engagement__end_date__gte=start)
            | Q(engagement__end_date__isnull=True, engagement__start_date__gte=start)
        )
        .exclude(engagement__status=EngagementStatus.CANCELLED)
        .select_related("engagement")
    )
    if exclude_engagement_id:
        clashes = clashes.exclude(engagement_id=exclude_engagement_id)
    for place in clashes:
        breaches.append(
            Breach(
                "clash",
                f"{peer} already has a place on {place.engagement.reference} "
                f"({place.engagement.start_date:%-d %b %Y} to "
                f"{(place.engagement.end_date or place.engagement.start_date):%-d %b %Y}), "
                "which overlaps these dates.",
            )
        )
    for period in peer.unavailability.filter(starts_on__lte=end, ends_on__gte=start):
        breaches.append(
            Breach(
                "unavailable",
                f"{peer} is unavailable from {period.starts_on:%-d %b %Y} "
                f"to {period.ends_on:%-d %b %Y}.",
            )
        )
    return breaches


def _days(value: Decimal) -> str:
    """44.0 → "44", 40.5 → "40.5" (PostgreSQL sums keep their decimal places)."""
    return format(Decimal(value).normalize(), "f")


def day_cap_breach(
    *, peer: Peer, start: date | None, days: Decimal, exclude_place_id=None
) -> Breach | None:
    """A member peer's held days in a financial year never exceed the cap (plus exception)."""
    if peer.kind != PeerKind.MEMBER or start is None or not days:
        return None
    year = periods.financial_year_of(start)
    used = peer_days_used(peer=peer, financial_year=year, exclude_place_id=exclude_place_id)
    cap = peer_day_cap(peer=peer, financial_year=year)
    if used + Decimal(days) > cap:
        return Breach(
            "day_cap",
            f"{peer} would have {_days(used + Decimal(days))} days in "
            f"{periods.financial_year_label(year)}, over the cap of {_days(cap)}. "
            "The Director of Improvement can approve an exception.",
        )
    return None


def engagement_has_onsite(engagement: Engagement, onsite_days: int | None = None) -> bool:
    """Onsite days planned, or (before days are set) an onsite or blended delivery."""
    if onsite_days is None:
        onsite_days = engagement.activity_days.filter(mode=DayMode.ONSITE).count()
        if not onsite_days and engagement.activity_days.exists():
            return False
    if onsite_days:
        return True
    if engagement.start_date:
        return False
    return engagement.effective_delivery != DeliveryMode.REMOTE


def reference_date(engagement: Engagement) -> date:
    """The day the rules are judged on: the first activity day, else today."""
    return engagement.start_date or timezone.localdate()


def onsite_breach(*, peer: Peer, engagement: Engagement) -> Breach | None:
    """A peer who works remotely only is not placed on an engagement with onsite days."""
    if peer.work_mode == WorkMode.REMOTE and engagement_has_onsite(engagement):
        return Breach(
            "onsite",
            f"{peer} works remotely only, and this engagement has onsite days. "
            "Choose a peer who can work onsite, or update their profile if that has changed.",
        )
    return None


def training_breach(*, peer: Peer, engagement: Engagement) -> Breach | None:
    """A member peer has training or a conference that counts on the engagement's first day
    (today before it has dates; programmes.periods' training validity), unless a manager or
    the Director recorded a training waiver."""
    if peer.kind != PeerKind.MEMBER or peer.training_waived:
        return None
    on = reference_date(engagement)
    last = peer.training_records.aggregate(last=Max("attended_on"))["last"]
    if periods.training_is_valid(last_attended=last, on=on):
        return None
    years = settings.TRAINING_VALID_YEARS
    waiver = "Record a training waiver to place them anyway."
    if last is None:
        return Breach(
            "training",
            f"{peer} has no peer training or member peer conference recorded (training lasts "
            f"{years} years). {waiver}",
        )
    starts = (
        f" and this engagement starts on {engagement.start_date:%-d %B %Y}"
        if engagement.start_date
        else ""
    )
    return Breach(
        "training",
        f"{peer}'s peer training expired after {periods.training_valid_until(last):%-d %B %Y} "
        f"(it lasts {years} years){starts}. {waiver}",
    )


def placement_breaches(
    *,
    peer: Peer,
    engagement: Engagement,
    role: str,
    days: Decimal,
    place: TeamPlace | None = None,
) -> list[Breach]:
    """Every rule the placement of `peer` on `engagement` would break (empty when allowed)."""
    breaches = []
    if peer.status != PeerStatus.ACTIVE:
        breaches.append(Breach("inactive", f"{peer} is not active in the peer pool."))
    breach = role_breach(peer=peer, role=role)
    if breach:
        breaches.append(breach)
    breaches += council_breaches(peer=peer, councils=list(engagement.councils.all()))
    breaches += date_breaches(
        peer=peer,
        start=engagement.start_date,
        end=engagement.end_date,
        exclude_engagement_id=engagement.pk,
    )
    breach = day_cap_breach(
        peer=peer,
        start=engagement.start_date,
        days=days,
        exclude_place_id=place.pk if place else None,
    )
    if breach:
        breaches.append(breach)
    for breach in (
        onsite_breach(peer=peer, engagement=engagement),
        training_breach(peer=peer, engagement=engagement),
    ):
        if breach:
            breaches.append(breach)
    return breaches


def peer_council_check(*, peer: Peer, council: Council) -> list[Breach]:
    """Can this peer work with this council, and if not, why? (The standalone check.)"""
    breaches = []
    if peer.status != PeerStatus.ACTIVE:
        breaches.append(Breach("inactive", f"{peer} is not active in the peer pool."))
    return breaches + council_breaches(peer=peer, councils=[council])
