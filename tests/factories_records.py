"""Factories for the programme's records: peers, offers, engagements, team places."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.roles import Role
from peers.models import Peer, PeerKind, PoliticalGroup, RoleCategory, TrainingRecord
from programmes.models import (
    ActivityDay,
    DayMode,
    Engagement,
    EngagementStatus,
    Offer,
    PlaceStatus,
    TeamPlace,
    TeamRole,
)
from tests.factories import CouncilFactory, UserFactory, _with_roles


class PeerUserFactory(UserFactory):
    roles = _with_roles(Role.PEER)


# How long before today (the frozen clock's, when a test freezes it) a member peer's peer
# training was: it counts for engagements up to about 2 years 9 months ahead, and for
# engagements that started in the 3 years before it.
TRAINED_DAYS_AGO = 100


class PeerFactory(factory.django.DjangoModelFactory):
    """An active member peer by default, with peer training that counts (a member peer)."""

    class Meta:
        model = Peer
        skip_postgeneration_save = True

    user = factory.SubFactory(PeerUserFactory)
    kind = PeerKind.MEMBER
    home_council = factory.SubFactory(CouncilFactory)
    political_group = PoliticalGroup.LABOUR
    job_title = "Leader of the council"
    role_category = RoleCategory.LEADER
    profile_confirmed_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def trained(self, create, extracted, **kwargs):
        """A member peer's training record TRAINED_DAYS_AGO days before today, unless
        ``trained=False``; ``trained=<date>`` records it on that day instead."""
        if not create or extracted is False or self.kind != PeerKind.MEMBER:
            return
        attended_on = (
            extracted
            if isinstance(extracted, date)
            else timezone.localdate() - timedelta(days=TRAINED_DAYS_AGO)
        )
        self.training_records.create(
            kind="training", course="Member peer training", attended_on=attended_on
        )


class OfficerPeerFactory(PeerFactory):
    kind = PeerKind.OFFICER
    political_group = ""
    job_title = "Chief executive"
    role_category = RoleCategory.CHIEF_EXECUTIVE


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    peer = factory.SubFactory(PeerFactory)
    kind = "training"
    course = "Member peer training"
    attended_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))


def offer(code: str) -> Offer:
    """A seeded offer (the data migration creates CPC, RRP, BRPS, RCHC, DIP, FPC, GPC, MENTOR)."""
    return Offer.objects.get(code=code)


class EngagementFactory(factory.django.DjangoModelFactory):
    """A requested engagement for one council, with no activity days yet."""

    class Meta:
        model = Engagement
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"TST-{n:05d}")
    offer = factory.LazyFunction(lambda: offer("BRPS"))
    title = factory.Sequence(lambda n: f"Peer support {n}")
    status = EngagementStatus.REQUESTED

    @factory.post_generation
    def councils(self, create, extracted, **kwargs):
        if create:
            self.councils.set(extracted or [CouncilFactory()])


class ScheduledEngagementFactory(EngagementFactory):
    """An engagement with activity days (start_date + days) and status scheduled."""

    status = EngagementStatus.SCHEDULED
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=2))

    @factory.post_generation
    def activity_days(self, create, extracted, **kwargs):
        if not create:
            return
        mode = extracted or DayMode.ONSITE
        day = self.start_date
        while day <= self.end_date:
            ActivityDay.objects.create(engagement=self, date=day, mode=mode)
            day += timedelta(days=1)


class DeliveredEngagementFactory(ScheduledEngagementFactory):
    status = EngagementStatus.DELIVERED
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))


class TeamPlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamPlace

    engagement = factory.SubFactory(ScheduledEngagementFactory)
    peer = factory.SubFactory(PeerFactory)
    role = TeamRole.MEMBER
    days = Decimal("3")
    status = PlaceStatus.INVITED
    invited_at = factory.LazyFunction(timezone.now)
    response_due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))


def a_date(year: int, month: int, day: int) -> date:
    return date(year, month, day)
