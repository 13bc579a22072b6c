"""Factories and helpers for the matching tests: peers ready to be matched, dated engagements."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from peers.models import EqualitiesAnswers, Expertise, PeerKind, RoleCategory, Unavailability
from programmes.models import ActivityDay, DayMode, Engagement, EngagementStatus
from tests.factories import CouncilFactory
from tests.factories_records import EngagementFactory, OfficerPeerFactory, PeerFactory, offer


class MatchablePeerFactory(PeerFactory):
    """An active member peer, trained recently, able to work onsite (a leader by default)."""


class MatchableOfficerFactory(OfficerPeerFactory):
    kind = PeerKind.OFFICER
    role_category = RoleCategory.CHIEF_EXECUTIVE


class UnavailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unavailability

    peer = factory.SubFactory(MatchablePeerFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=5))


def expertise(name: str) -> Expertise:
    """A vocabulary term (seeded or new)."""
    from django.utils.text import slugify

    return Expertise.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]


def dated_engagement(
    *,
    start: date | None = None,
    days: int = 3,
    mode: str = DayMode.REMOTE,
    code: str = "BRPS",
    councils=None,
    status: str = EngagementStatus.SCHEDULED,
    **fields,
) -> Engagement:
    """An engagement with `days` consecutive activity days from `start` (60 days ahead)."""
    start = start or timezone.localdate() + timedelta(days=60)
    engagement = EngagementFactory(
        offer=offer(code),
        status=status,
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        councils=councils or [CouncilFactory()],
        **fields,
    )
    ActivityDay.objects.bulk_create(
        [
            ActivityDay(engagement=engagement, date=start + timedelta(days=n), mode=mode)
            for n in range(days)
        ]
    )
    return engagement


def equalities(peer, **answers) -> EqualitiesAnswers:
    return EqualitiesAnswers.objects.create(peer=peer, consent_given_at=timezone.now(), **answers)
