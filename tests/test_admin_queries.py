"""Admin pages keep a constant number of queries as rows grow (no N+1)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peers.models import Unavailability
from programmes.models import ActivityDay, DayMode, ImprovementAction, StatusChange
from tests.factories import CouncilFactory, DistrictFactory, ManagerFactory
from tests.factories_records import (
    OfficerPeerFactory,
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(ManagerFactory())
    return client


def _queries(client, url) -> int:
    client.get(url)  # warm caches (content types, sessions) so both counts compare alike
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _engagements(n):
    for _ in range(n):
        engagement = ScheduledEngagementFactory(councils=[CouncilFactory(), DistrictFactory()])
        TeamPlaceFactory(engagement=engagement)
        engagement.themes.set([])


def _peers(n):
    for _ in range(n):
        peer = PeerFactory()
        peer.conflicts.add(CouncilFactory())
        TrainingRecordFactory(peer=peer)


def _places(n):
    for _ in range(n):
        TeamPlaceFactory()


def _councils(n):
    for _ in range(n):
        DistrictFactory()


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("admin:programmes_engagement_changelist", _engagements),
        ("admin:peers_peer_changelist", _peers),
        ("admin:programmes_teamplace_changelist", _places),
        ("admin:councils_council_changelist", _councils),
        ("admin:programmes_daycapexception_changelist", _peers),
        ("admin:programmes_statuschange_changelist", _engagements),
        ("admin:peers_trainingrecord_changelist", _peers),
    ],
)
def test_changelist_queries_stay_constant(manager_client, url_name, make):
    url = reverse(url_name)
    make(3)
    few = _queries(manager_client, url)
    make(6)
    many = _queries(manager_client, url)
    assert few == many


def test_new_requests_queue_queries_stay_constant(manager_client):
    url = reverse("admin:programmes_engagement_changelist") + "?status__exact=requested"
    _engagements(2)
    few = _queries(manager_client, url)
    _engagements(4)
    assert _queries(manager_client, url) == few


def _fill(engagement, n, start):
    """n places (member and officer peers), n activity days and timeline entries, n actions."""
    for index in range(n):
        PeerFactory_ = PeerFactory if index % 2 else OfficerPeerFactory
        place = TeamPlaceFactory(
            engagement=engagement,
            peer=PeerFactory_(),
            role="member" if index % 2 else "officer",
            days=Decimal("1"),
        )
        Unavailability.objects.create(
            peer=place.peer, starts_on=start - timedelta(days=300), ends_on=start - timedelta(1)
        )
        ActivityDay.objects.get_or_create(
            engagement=engagement,
            date=start + timedelta(days=10 + index),
            defaults={"mode": DayMode.REMOTE},
        )
        StatusChange.objects.create(
            engagement=engagement,
            from_status="scoping",
            to_status="scheduled",
            changed_by=ManagerFactory(),
            changed_at=timezone.now(),
        )
        ImprovementAction.objects.create(engagement=engagement, recommendation=f"Do {index}")


def test_engagement_change_page_queries_stay_constant(manager_client):
    engagement = ScheduledEngagementFactory()
    url = reverse("admin:programmes_engagement_change", args=[engagement.pk])
    _fill(engagement, 3, engagement.start_date)
    few = _queries(manager_client, url)
    _fill(engagement, 6, engagement.start_date + timedelta(days=20))
    many = _queries(manager_client, url)
    assert few == many


def test_peer_change_page_queries_stay_constant(manager_client):
    peer = PeerFactory()
    url = reverse("admin:peers_peer_change", args=[peer.pk])
    for _ in range(3):
        TrainingRecordFactory(peer=peer)
    few = _queries(manager_client, url)
    for _ in range(6):
        TrainingRecordFactory(peer=peer)
        peer.conflicts.add(CouncilFactory())
    assert _queries(manager_client, url) == few
