"""Factories and helpers for the peer portal tests."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from peers.models import EqualitiesAnswers, Unavailability
from programmes.models import DayCapException, PlaceStatus
from tests.factories import DirectorFactory
from tests.factories_records import PeerFactory, PeerUserFactory, TeamPlaceFactory


class NewPeerUserFactory(PeerUserFactory):
    """A peer's account as imported by a manager: no usable password yet."""

    @factory.post_generation
    def without_password(self, create, extracted, **kwargs):
        if create:
            self.set_unusable_password()
            self.save(update_fields=["password"])


class NewPeerFactory(PeerFactory):
    user = factory.SubFactory(NewPeerUserFactory)
    profile_confirmed_on = None


class UnavailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unavailability

    peer = factory.SubFactory(PeerFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=20))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=6))
    reason = "Holiday"


class EqualitiesAnswersFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EqualitiesAnswers

    peer = factory.SubFactory(PeerFactory)
    consent_given_at = factory.LazyFunction(timezone.now)
    sex = "female"
    ethnic_group = "white"
    disability = "no"
    age_band = "45_54"
    sexual_orientation = "prefer_not_to_say"


class AcceptedPlaceFactory(TeamPlaceFactory):
    status = PlaceStatus.ACCEPTED
    responded_at = factory.LazyFunction(timezone.now)


class DayCapExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DayCapException

    peer = factory.SubFactory(PeerFactory)
    financial_year = 2025
    extra_days = Decimal("5")
    reason = "Very experienced peer needed for a complex challenge"
    approved_by = factory.SubFactory(DirectorFactory)
    approved_at = factory.LazyFunction(timezone.now)


def assert_constant_queries(client, url, add, assert_num_queries, *, most: int) -> int:
    """Given N rows then 3N rows (``add(n)`` adds n), the page runs the same number of queries.

    The figure is measured rather than fixed, because sign-in middleware (sessions, OTP
    devices, roles) adds its own; ``most`` bounds the total. Returns the figure.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add(1)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    count = len(small.captured_queries)
    assert count <= most, f"{url}: {count} queries, expected at most {most}"
    add(2)
    with assert_num_queries(count):
        assert client.get(url).status_code == 200
    return count
