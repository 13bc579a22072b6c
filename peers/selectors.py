"""Reads for the peer portal, always scoped to the signed-in peer's own records.

Every function takes the peer (found from the signed-in user by ``peer_get_for_user``)
and never another peer's id, so a peer can only ever read their own records; objects
that are not theirs answer 404 exactly like objects that do not exist.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from councils.models import Council
from notifications.models import Notification
from peers.models import EqualitiesAnswers, Peer, PeerStatus
from programmes import periods
from programmes.models import (
    ActivityDay,
    DayCapException,
    EngagementStatus,
    PlaceStatus,
    TeamPlace,
)
from programmes.selectors import team_places_known_to_peer


def peer_get_for_user(*, user) -> Peer:
    """The signed-in user's own peer record; 404 for anyone without one."""
    if not permissions.is_peer(user):
        raise Http404("No peer profile")
    peer = (
        Peer.objects.select_related("user", "home_council")
        .filter(user=user)
        .exclude(status=PeerStatus.LEFT)
        .first()
    )
    if peer is None:
        raise Http404("No peer profile")
    return peer


def peer_profile_get(*, peer: Peer) -> Peer:
    """The peer with everything the profile page shows, in a fixed number of queries.

    The peer comes from peer_get_for_user (user and home council joined), so only the lists
    are loaded here, onto that same object, rather than reading the peer a second time.
    """
    prefetch_related_objects(
        [peer], "expertise", "regions", "conflicts", "unavailability", "training_records"
    )
    return peer


def peer_profile_is_stale(*, peer: Peer, today: date | None = None) -> bool:
    """True when the profile was never confirmed, or PROFILE_STALE_MONTHS or more ago."""
    return periods.profile_is_stale(
        confirmed_on=peer.profile_confirmed_on, today=today or timezone.localdate()
    )


@dataclass(frozen=True)
class TrainingStatus:
    """Whether the peer's training expectation is met on a day (member peers only)."""

    applies: bool
    waived: bool
    last_attended: date | None
    valid_until: date | None
    valid: bool
    years: int


def peer_training_status(*, peer: Peer, today: date | None = None) -> TrainingStatus:
    """The peer's training against the expectation on `today` (programmes.periods).

    Reads the training records prefetched by peer_profile_get when they are there.
    """
    today = today or timezone.localdate()
    last = max((record.attended_on for record in peer.training_records.all()), default=None)
    return TrainingStatus(
        applies=peer.is_member_peer,
        waived=peer.training_waived,
        last_attended=last,
        valid_until=periods.training_valid_until(last) if last else None,
        valid=periods.training_is_valid(last_attended=last, on=today),
        years=settings.TRAINING_VALID_YEARS,
    )


def conflict_choices_for(*, peer: Peer) -> QuerySet[Council]:
    """Councils the peer may declare a conflict with: existing ones not already declared."""
    return (
        Council.objects.filter(abolished_on__isnull=True)
        .exclude(pk__in=peer.conflicts.values("pk"))
        .order_by("name")
    )


def _places(peer: Peer) -> QuerySet[TeamPlace]:
    # Never a reserve place the peer was not invited to: they do not know of it yet.
    return (
        team_places_known_to_peer(peer=peer)
        .select_related("engagement__offer")
        .prefetch_related("engagement__councils")
    )


def peer_invitation_list(*, peer: Peer) -> QuerySet[TeamPlace]:
    """The peer's invitations still waiting for an answer, the most urgent first."""
    return (
        _places(peer)
        .filter(status=PlaceStatus.INVITED)
        .exclude(engagement__status__in=(EngagementStatus.CANCELLED, EngagementStatus.CLOSED))
        .order_by("response_due", "id")
    )


def peer_place_get(*, peer: Peer, pk: int) -> TeamPlace:
    """One of the peer's own team places (any status); 404 for anyone else's."""
    place = (
        _places(peer)
        .prefetch_related(Prefetch("engagement__activity_days", queryset=ActivityDay.objects.all()))
        .filter(pk=pk)
        .first()
    )
    if place is None:
        raise Http404("No such invitation")
    return place


def peer_engagement_places(*, peer: Peer, today: date | None = None) -> dict[str, list]:
    """The peer's accepted places split into upcoming and past (by the engagement's last day)."""
    today = today or timezone.localdate()
    places = (
        _places(peer)
        .filter(status=PlaceStatus.ACCEPTED)
        .prefetch_related("engagement__activity_days")
        .order_by("engagement__start_date", "id")
    )
    upcoming, past = [], []
    for place in places:
        end = place.engagement.end_date or place.engagement.start_date
        if end is not None and end < today:
            past.append(place)
        else:
            upcoming.append(place)
    past.reverse()
    return {"upcoming": upcoming, "past": past}


def peer_calendar_places(*, peer: Peer) -> QuerySet[TeamPlace]:
    """Accepted places with activity days for the calendar feed (not cancelled)."""
    return (
        _places(peer)
        .filter(status=PlaceStatus.ACCEPTED, engagement__start_date__isnull=False)
        .exclude(engagement__status=EngagementStatus.CANCELLED)
        .prefetch_related("engagement__activity_days")
        .order_by("engagement__start_date", "id")
    )


def calendar_token_hash(token: str) -> str:
    """The stored form of a calendar feed token (SHA-256; the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def peer_get_by_calendar_token(*, token: str) -> Peer:
    """The peer whose calendar feed this token opens; 404 when unknown, revoked or left."""
    if not token or len(token) > 100:
        raise Http404("No such calendar")
    peer = (
        Peer.objects.filter(calendar_token=calendar_token_hash(token))
        .exclude(calendar_token="")
        .exclude(status=PeerStatus.LEFT)
        .first()
    )
    if peer is None:
        raise Http404("No such calendar")
    return peer


@dataclass(frozen=True)
class DaysSummary:
    financial_year: int
    label: str
    invited: Decimal
    accepted: Decimal
    delivered: Decimal
    used: Decimal
    base_cap: Decimal
    exception: DayCapException | None
    applies: bool

    @property
    def cap(self) -> Decimal:
        return self.base_cap + (self.exception.extra_days if self.exception else Decimal("0"))

    @property
    def remaining(self) -> Decimal:
        return max(self.cap - self.used, Decimal("0"))


def peer_days_summary(*, peer: Peer, today: date | None = None) -> DaysSummary:
    """This financial year's days: invited, accepted (still to deliver), delivered, and the cap.

    Counted like the cap rule (periods.days_sums): places on engagements starting in the
    year, not cancelled; "used" is invited plus accepted plus delivered.
    """
    today = today or timezone.localdate()
    year = periods.financial_year_of(today)
    totals = TeamPlace.objects.filter(peer=peer).aggregate(**periods.days_sums(financial_year=year))
    used, invited, accepted, delivered = (
        totals[key] or Decimal("0") for key in ("used", "invited", "accepted", "delivered")
    )
    exception = (
        DayCapException.objects.filter(peer=peer, financial_year=year)
        .select_related("approved_by")
        .first()
    )
    return DaysSummary(
        financial_year=year,
        label=f"{year} to {year + 1}",
        invited=invited,
        accepted=accepted,
        delivered=delivered,
        used=used,
        base_cap=Decimal(str(settings.PEER_DAY_CAP)),
        exception=exception,
        applies=peer.is_member_peer,
    )


def stale_profile_list(*, user, today: date | None = None) -> list[Peer]:
    """Peers (not left) whose profile was last confirmed PROFILE_STALE_MONTHS or more ago.

    Managers only (others get an empty list). Each peer carries ``prompted_on`` and
    ``reminded_on`` from the notification ledger (the profile-review planner's emails).
    """
    if not permissions.is_manager(user):
        return []
    today = today or timezone.localdate()
    peers = list(
        Peer.objects.exclude(status=PeerStatus.LEFT)
        .filter(periods.profile_stale_q(today=today))
        .select_related("user", "home_council")
        .order_by("profile_confirmed_on", "user__last_name", "id")
    )
    sent = (
        Notification.objects.filter(
            kind__in=("profile_review", "profile_review_reminder"),
            about_content_type__app_label="peers",
            about_content_type__model="peer",
            about_object_id__in=[str(peer.pk) for peer in peers],
        )
        .values("about_object_id", "kind")
        .annotate(last=Max("created_at"))
    )
    last_sent = {(row["about_object_id"], row["kind"]): row["last"] for row in sent}
    for peer in peers:
        prompted = last_sent.get((str(peer.pk), "profile_review"))
        reminded = last_sent.get((str(peer.pk), "profile_review_reminder"))
        peer.prompted_on = timezone.localdate(prompted) if prompted else None
        peer.reminded_on = timezone.localdate(reminded) if reminded else None
    return peers


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def peer_data_export(*, peer: Peer) -> dict:
    """Everything the programme holds about the peer, as JSON-ready data (subject access).

    Includes the account, profile, conflicts, unavailability, training, equalities answers
    (their own), team places with the engagements' dates, day-cap exceptions and the
    emails sent to them. Nothing about other people beyond names of councils and engagements.
    """
    peer = peer_profile_get(peer=peer)
    user = peer.user
    places = (
        TeamPlace.objects.filter(peer=peer)
        .select_related("engagement__offer")
        .prefetch_related("engagement__councils")
        .order_by("created_at", "id")
    )
    equalities = EqualitiesAnswers.objects.filter(peer=peer).first()
    exceptions = DayCapException.objects.filter(peer=peer).order_by("financial_year")
    emails = Notification.objects.filter(user=user).order_by("created_at", "id")
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "profile": {
            "kind": peer.get_kind_display(),
            "home_council": peer.home_council.name,
            "political_group": peer.get_political_group_display(),
            "job_title": peer.job_title,
            "role_category": peer.get_role_category_display(),
            "phone": peer.phone,
            "work_mode": peer.get_work_mode_display(),
            "status": peer.get_status_display(),
            "profile_confirmed_on": _iso(peer.profile_confirmed_on),
            "training_waived": peer.training_waived,
            "training_waiver_reason": peer.training_waiver_reason,
            "training_waiver_approved_at": _iso(peer.training_waiver_approved_at),
            "calendar_feed_enabled": bool(peer.calendar_token),
            "created_at": _iso(peer.created_at),
            "updated_at": _iso(peer.updated_at),
            "expertise": [e.name for e in peer.expertise.all()],
            "regions": [r.get_name_display() for r in peer.regions.all()],
        },
        "declared_conflicts": [c.name for c in peer.conflicts.all()],
        "unavailability": [
            {"starts_on": _iso(u.starts_on), "ends_on": _iso(u.ends_on), "reason": u.reason}
            for u in peer.unavailability.all()
        ],
        "training_records": [
            {"kind": t.get_kind_display(), "course": t.course, "attended_on": _iso(t.attended_on)}
            for t in peer.training_records.all()
        ],
        "equalities": (
            {
                "consent_given_at": _iso(equalities.consent_given_at),
                "sex": equalities.get_sex_display(),
                "ethnic_group": equalities.get_ethnic_group_display(),
                "disability": equalities.get_disability_display(),
                "age_band": equalities.get_age_band_display(),
                "sexual_orientation": equalities.get_sexual_orientation_display(),
            }
            if equalities
            else None
        ),
        "team_places": [
            {
                "engagement": place.engagement.reference,
                "title": place.engagement.title,
                "offer": place.engagement.offer.name,
                "councils": [c.name for c in place.engagement.councils.all()],
                "start_date": _iso(place.engagement.start_date),
                "end_date": _iso(place.engagement.end_date),
                "role": place.get_role_display(),
                "days": str(place.days),
                "status": place.get_status_display(),
                "invited_at": _iso(place.invited_at),
                "response_due": _iso(place.response_due),
                "responded_at": _iso(place.responded_at),
                "decline_reason": place.decline_reason,
                "no_conflict_declared_at": _iso(place.no_conflict_declared_at),
            }
            for place in places
        ],
        "day_cap_exceptions": [
            {
                "financial_year": e.financial_year,
                "extra_days": str(e.extra_days),
                "reason": e.reason,
                "approved_at": _iso(e.approved_at),
            }
            for e in exceptions
        ],
        "emails_sent": [
            {
                "subject": n.subject,
                "kind": n.kind,
                "status": n.get_status_display(),
                "created_at": _iso(n.created_at),
                "sent_at": _iso(n.sent_at),
            }
            for n in emails
        ],
    }
