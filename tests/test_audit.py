"""Who did it (issue 17, item 7): every change in the history names its actor — the user a
service was called with, "system: <task>" for Celery tasks, "import: <file>" for importers —
and changes to an engagement's councils and themes and a peer's conflicts are in the history.
"""

from datetime import date
from pathlib import Path

import pytest
from celery import shared_task
from django.core.management import call_command
from django.urls import reverse

from councils.reference import councils_load_reference
from peers.models import Peer
from programmes import services
from programmes.models import Engagement, PlaceStatus, TeamPlace
from tests.factories import CouncilFactory, ManagerFactory
from tests.factories_records import (
    OfficerPeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def _place():
    engagement = ScheduledEngagementFactory(start_date=date(2030, 6, 3))
    return TeamPlaceFactory(
        engagement=engagement,
        peer=OfficerPeerFactory(),
        role="officer",
        status=PlaceStatus.ACCEPTED,
    )


def test_a_service_called_outside_a_request_records_the_user_it_was_given():
    manager = ManagerFactory(first_name="Priya", last_name="Shah")
    place = _place()
    services.team_place_withdraw(place=place, user=manager)
    latest = place.history.latest()
    assert latest.history_user == manager
    assert latest.status == PlaceStatus.WITHDRAWN


@shared_task(name="tests.withdraw_place")
def _withdraw_place(place_id):
    services.team_place_withdraw(place=TeamPlace.objects.get(pk=place_id))


def test_a_task_is_recorded_as_the_system_with_its_name():
    place = _place()
    _withdraw_place.apply(args=[place.pk])
    latest = place.history.latest()
    assert latest.history_user is None
    assert latest.history_change_reason.startswith("system: tests.withdraw_place")


def test_an_import_is_recorded_with_its_file_name():
    councils_load_reference()
    call_command("import_peers", str(EXAMPLES / "peers.csv"))
    reasons = set(Peer.history.values_list("history_change_reason", flat=True))
    assert reasons and all(r.startswith("import: peers.csv") for r in reasons)


def test_changing_an_engagements_councils_is_in_its_history_with_who_did_it():
    manager = ManagerFactory()
    engagement = ScheduledEngagementFactory(start_date=date(2030, 6, 3))
    before = engagement.councils.get()
    after = CouncilFactory(name="Hartlepool")
    services.engagement_update(engagement=engagement, councils=[after], user=manager)
    latest = engagement.history.latest()
    assert latest.history_user == manager
    assert [c.council_id for c in latest.councils.all()] == [after.pk]
    earlier = engagement.history.earliest()
    assert before.pk not in [c.council_id for c in latest.councils.all()]
    assert earlier is not latest


def test_a_peers_conflicts_are_in_the_history():
    peer = OfficerPeerFactory()
    council = CouncilFactory()
    from peers.services import peer_conflict_add

    peer_conflict_add(peer=peer, council=council, user=peer.user)
    latest = peer.history.latest()
    assert [c.council_id for c in latest.conflicts.all()] == [council.pk]
    assert latest.history_user == peer.user


def test_the_admin_history_names_the_actor(client):
    manager = ManagerFactory(first_name="Priya", last_name="Shah")
    engagement = ScheduledEngagementFactory(start_date=date(2030, 6, 3))
    services.engagement_update(engagement=engagement, title="Renamed", user=manager)
    client.force_login(ManagerFactory())
    page = client.get(reverse("admin:programmes_engagement_history", args=[engagement.pk]))
    assert page.status_code == 200
    assert "Priya Shah" in page.content.decode()
    assert Engagement.objects.get(pk=engagement.pk).title == "Renamed"
