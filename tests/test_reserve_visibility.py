"""A reserve never invited does not see the engagement: not in the API, not on the portal.

programmes.selectors.team_places_known_to_peer is the one rule (every place but a reserve
never invited), read by engagement_list_visible_to, the API's team places and the peer
portal. A peer who was only a reserve used to read the engagement through the API.
"""

import pytest
from django.urls import reverse

from programmes.models import PlaceStatus
from tests.factories_api import client_for
from tests.factories_records import PeerFactory, ScheduledEngagementFactory, TeamPlaceFactory

pytestmark = pytest.mark.django_db


def _what_the_peer_sees(peer, engagement, place, client) -> dict:
    api = client_for(peer.user)
    client.force_login(peer.user)
    return {
        "engagement_listed": engagement.pk
        in {row["id"] for row in api.get("/api/v1/engagements/").json()["results"]},
        "engagement": api.get(f"/api/v1/engagements/{engagement.pk}/").status_code,
        "place_listed": place.pk
        in {row["id"] for row in api.get("/api/v1/team-places/").json()["results"]},
        "place": api.get(f"/api/v1/team-places/{place.pk}/").status_code,
        "portal": client.get(reverse("peers:invitation_detail", args=[place.pk])).status_code,
    }


NOTHING = {
    "engagement_listed": False,
    "engagement": 404,
    "place_listed": False,
    "place": 404,
    "portal": 404,
}


@pytest.mark.parametrize(
    "status", [PlaceStatus.RESERVE, PlaceStatus.WITHDRAWN], ids=["reserve", "withdrawn_reserve"]
)
def test_a_reserve_never_invited_sees_nothing_of_the_engagement(client, status):
    peer = PeerFactory()
    engagement = ScheduledEngagementFactory(title="Confidential review")
    place = TeamPlaceFactory(
        engagement=engagement, peer=peer, status=status, invited_at=None, response_due=None
    )

    assert _what_the_peer_sees(peer, engagement, place, client) == NOTHING


def test_once_invited_the_reserve_sees_it(client):
    from programmes.services import team_place_invite

    peer = PeerFactory()
    engagement = ScheduledEngagementFactory()
    place = TeamPlaceFactory(
        engagement=engagement,
        peer=peer,
        status=PlaceStatus.RESERVE,
        invited_at=None,
        response_due=None,
    )
    team_place_invite(place=place)

    assert _what_the_peer_sees(peer, engagement, place, client) == {
        "engagement_listed": True,
        "engagement": 200,
        "place_listed": True,
        "place": 200,
        "portal": 200,
    }
