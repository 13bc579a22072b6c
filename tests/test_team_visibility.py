"""What a council may see of a team: one selector, the same answer on the portal and the API.

programmes.selectors.team_places_shown_to_councils: accepted places, once the team is
confirmed (or was, before a postponement), never on a cancelled engagement. The API used to
list accepted places with names on a merely scheduled (or a cancelled) engagement.
"""

import pytest
from django.urls import reverse

from programmes.models import PlaceStatus
from tests import factories
from tests.factories_api import client_for
from tests.factories_council_portal import status_history
from tests.factories_records import PeerFactory, ScheduledEngagementFactory, TeamPlaceFactory

pytestmark = pytest.mark.django_db

HISTORIES = {
    "scheduled": (("requested", "scoping", "scheduled"), False),
    "team_confirmed": (("requested", "scoping", "scheduled", "team_confirmed"), True),
    "delivered": (
        ("requested", "scoping", "scheduled", "team_confirmed", "in_delivery", "delivered"),
        True,
    ),
    "postponed_after_confirmation": (
        ("requested", "scoping", "scheduled", "team_confirmed", "postponed"),
        True,
    ),
    "postponed_before_confirmation": (("requested", "scoping", "scheduled", "postponed"), False),
    "cancelled_when_scheduled": (("requested", "scoping", "scheduled", "cancelled"), False),
    "cancelled_after_confirmation": (
        ("requested", "scoping", "scheduled", "team_confirmed", "cancelled"),
        False,
    ),
}


@pytest.mark.parametrize("history", list(HISTORIES))
def test_the_api_shows_a_council_exactly_the_team_its_portal_shows(client, history):
    statuses, shown = HISTORIES[history]
    council = factories.CouncilFactory()
    contact = factories.CouncilContactFactory(council=council)
    engagement = ScheduledEngagementFactory(councils=[council])
    peer = PeerFactory(user__first_name="Ada", user__last_name="Lovelace")
    accepted = TeamPlaceFactory(engagement=engagement, peer=peer, status=PlaceStatus.ACCEPTED)
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.INVITED)  # never shown
    status_history(engagement, *statuses)

    client.force_login(contact)
    page = client.get(reverse("councils:engagement_detail", args=[engagement.reference]))
    api = client_for(contact)
    listed = api.get("/api/v1/team-places/", {"engagement": engagement.pk}).json()["results"]
    one = api.get(f"/api/v1/team-places/{accepted.pk}/")

    assert ("Ada Lovelace" in page.content.decode()) is shown
    assert [place["id"] for place in listed] == ([accepted.pk] if shown else [])
    assert one.status_code == (200 if shown else 404)
