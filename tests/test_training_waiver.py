"""Training waivers: a manager or the Director records who approved one and why.

With a waiver a member peer may be placed without training that counts (the placement rule
is tested in test_placement_training_onsite.py); the peer's history keeps every change.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peers.services import peer_training_waiver_set
from programmes import services
from programmes.models import TeamRole
from tests.factories import CouncilContactFactory, DirectorFactory, ManagerFactory
from tests.factories_admin import admin_form_data
from tests.factories_records import PeerFactory, ScheduledEngagementFactory

pytestmark = pytest.mark.django_db

START = date(2026, 7, 6)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))):
        yield


def _engagement():
    return ScheduledEngagementFactory(start_date=START, end_date=START + timedelta(days=2))


def _untrained(**fields):
    return PeerFactory(trained=False, user__first_name="Sam", user__last_name="Jones", **fields)


def test_a_recorded_waiver_lets_an_untrained_member_peer_be_placed():
    engagement = _engagement()
    peer = _untrained()
    director = DirectorFactory()

    peer_training_waiver_set(peer=peer, waived=True, reason="Former LGA chair", user=director)

    peer.refresh_from_db()
    assert peer.training_waived
    assert peer.training_waiver_approved_by == director
    assert peer.training_waiver_approved_at is not None
    place = services.team_place_add(
        engagement=engagement, peer=peer, role=TeamRole.MEMBER, days=Decimal("3")
    )
    assert place.pk
    latest = peer.history.latest()
    assert latest.history_user == director
    assert latest.history_change_reason == "Training waiver recorded: Former LGA chair"


def test_a_waiver_needs_a_reason_and_a_manager_or_the_director():
    peer = _untrained()
    with pytest.raises(ValidationError, match="Enter why the training expectation is waived."):
        peer_training_waiver_set(peer=peer, waived=True, reason="  ", user=ManagerFactory())
    with pytest.raises(PermissionDenied):
        peer_training_waiver_set(
            peer=peer, waived=True, reason="Experienced", user=CouncilContactFactory()
        )
    peer.refresh_from_db()
    assert not peer.training_waived


def test_withdrawing_a_waiver_clears_who_approved_it():
    peer = _untrained()
    manager = ManagerFactory()
    peer_training_waiver_set(peer=peer, waived=True, reason="Experienced", user=manager)
    peer_training_waiver_set(peer=peer, waived=False, user=manager)
    peer.refresh_from_db()
    assert (peer.training_waived, peer.training_waiver_reason) == (False, "")
    assert peer.training_waiver_approved_by is None
    assert peer.history.latest().history_change_reason == "Training waiver withdrawn"


def test_the_peer_admin_records_a_waiver_with_its_approver(client):
    manager = ManagerFactory()
    client.force_login(manager)
    peer = _untrained()
    url = reverse("admin:peers_peer_change", args=[peer.pk])
    data = admin_form_data(client.get(url))

    data["training_waived"] = "on"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Enter why the training expectation is waived." in refused.content.decode()
    peer.refresh_from_db()
    assert not peer.training_waived

    data["training_waiver_reason"] = "Twenty years as a council leader"
    assert client.post(url, data).status_code == 302
    peer.refresh_from_db()
    assert peer.training_waived
    assert peer.training_waiver_reason == "Twenty years as a council leader"
    assert peer.training_waiver_approved_by == manager
