"""The busiest lists stay quick as the programme grows, and show the same things as before.

The admin's engagement and peer lists, the staff engagement list, the council portal's
list and the peer's profile: flat query counts (also when filtered across councils,
regions or expertise, or searched), no repeated rows, and the markup the faster paths
replace (the admin's action checkbox) unchanged.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from councils.models import Region
from peers.models import Expertise, Peer, WorkRegion
from programmes.models import Engagement, EngagementStatus, PlaceStatus
from tests.factories import CouncilContactFactory, CouncilFactory, ManagerFactory
from tests.factories_records import (
    EngagementFactory,
    PeerFactory,
    PeerUserFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db

ENGAGEMENTS = reverse("admin:programmes_engagement_changelist")
PEERS = reverse("admin:peers_peer_changelist")


@pytest.fixture
def manager_client(client):
    client.force_login(ManagerFactory())
    return client


def _queries(client, url, params=None) -> int:
    client.get(url, params)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def _london_engagements(n):
    """Engagements for two London councils each (a join would list each one twice)."""
    for _ in range(n):
        engagement = ScheduledEngagementFactory(
            councils=[
                CouncilFactory(region=Region.LONDON, name="Camden Borough"),
                CouncilFactory(region=Region.LONDON),
            ]
        )
        TeamPlaceFactory(engagement=engagement)


def _peers_in_london_with_expertise(n):
    london = WorkRegion.objects.get(name=Region.LONDON)
    finance = Expertise.objects.order_by("pk").first()
    for _ in range(n):
        peer = PeerFactory()
        peer.regions.add(london, WorkRegion.objects.exclude(pk=london.pk).first())
        peer.expertise.add(finance, Expertise.objects.exclude(pk=finance.pk).first())
        TrainingRecordFactory(peer=peer)


def _listed(response) -> list:
    return list(response.context["cl"].result_list)


# --- Admin: the engagement list -------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"councils__region__exact": Region.LONDON},
        {"q": "Camden"},
        {"status__exact": EngagementStatus.SCHEDULED, "o": "5"},
    ],
)
def test_engagement_changelist_queries_stay_constant_when_filtered(manager_client, params):
    _london_engagements(2)
    few = _queries(manager_client, ENGAGEMENTS, params)
    _london_engagements(5)
    assert _queries(manager_client, ENGAGEMENTS, params) == few


def test_filtering_engagements_by_region_lists_each_engagement_once(manager_client):
    _london_engagements(3)
    ScheduledEngagementFactory(councils=[CouncilFactory(region=Region.NORTH_WEST)])

    response = manager_client.get(ENGAGEMENTS, {"councils__region__exact": Region.LONDON})

    listed = _listed(response)
    assert len(listed) == len({e.pk for e in listed}) == 3
    assert response.context["cl"].result_count == 3


def test_engagement_search_matches_reference_title_council_name_and_code(manager_client):
    kent = CouncilFactory(name="Kent County Council", gss_code="E10000016")
    by_council = EngagementFactory(councils=[kent, CouncilFactory(name="Kent Fire")])
    by_reference = EngagementFactory(reference="CPC-2031-0007")
    by_title = EngagementFactory(title="Finance review for Kentish Town")
    EngagementFactory(title="Something else")

    def found(term):
        return {e.pk for e in _listed(manager_client.get(ENGAGEMENTS, {"q": term}))}

    assert found("kent") == {by_council.pk, by_title.pk}
    assert found("E10000016") == {by_council.pk}
    assert found("cpc-2031") == {by_reference.pk}
    # Every word must match somewhere, as in Django's own search; quotes keep words together.
    assert found("kent finance") == {by_title.pk}
    assert found('"Kent County"') == {by_council.pk}


def test_engagement_changelist_pages_by_fifty_and_counts_once(manager_client):
    for _ in range(51):
        EngagementFactory()

    with CaptureQueriesContext(connection) as context:
        response = manager_client.get(ENGAGEMENTS)

    assert len(_listed(response)) == 50
    assert response.context["cl"].result_count == 51
    counts = [q for q in context.captured_queries if 'COUNT(*) AS "__count"' in q["sql"]]
    assert len(counts) == 1  # show_full_result_count is off: no second count of every row


def test_engagement_changelist_keeps_its_columns_and_filters(manager_client):
    EngagementFactory()
    model_admin = admin.site._registry[Engagement]

    assert model_admin.list_display == [
        "reference",
        "title",
        "offer_code",
        "council_names",
        "status",
        "start_date",
        "end_date",
        "manager",
        "created_at",
    ]
    html = manager_client.get(ENGAGEMENTS).content.decode()
    for heading in ("By status", "By offer", "By funding", "By region", "By start date"):
        assert heading in html


# --- Admin: the peer list -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"regions__id__exact": "REGION"},
        {"expertise__id__exact": "EXPERTISE", "status__exact": "active"},
        {"q": "Leader"},
    ],
)
def test_peer_changelist_queries_stay_constant_when_filtered(manager_client, params):
    region = WorkRegion.objects.get(name=Region.LONDON)
    expertise = Expertise.objects.order_by("pk").first()
    values = {"REGION": str(region.pk), "EXPERTISE": str(expertise.pk)}
    params = {key: values.get(value, value) for key, value in params.items()}
    _peers_in_london_with_expertise(2)
    few = _queries(manager_client, PEERS, params)
    _peers_in_london_with_expertise(5)
    assert _queries(manager_client, PEERS, params) == few


def test_filtering_peers_by_region_and_expertise_lists_each_peer_once(manager_client):
    _peers_in_london_with_expertise(3)
    PeerFactory()
    london = WorkRegion.objects.get(name=Region.LONDON)
    finance = Expertise.objects.order_by("pk").first()

    by_region = manager_client.get(PEERS, {"regions__id__exact": london.pk})
    by_both = manager_client.get(
        PEERS, {"regions__id__exact": london.pk, "expertise__id__exact": finance.pk}
    )

    for response in (by_region, by_both):
        listed = _listed(response)
        assert len(listed) == len({p.pk for p in listed}) == 3
        assert response.context["cl"].result_count == 3


def test_peer_changelist_is_ordered_by_name(manager_client):
    for first, last in (("Ann", "Zeta"), ("Bob", "Alpha"), ("Cat", "Alpha")):
        PeerFactory(user=PeerUserFactory(first_name=first, last_name=last))

    listed = _listed(manager_client.get(PEERS))

    assert [str(p) for p in listed] == ["Bob Alpha", "Cat Alpha", "Ann Zeta"]


# --- Admin: the action checkbox -------------------------------------------------------------


@pytest.mark.parametrize("model", [Engagement, Peer])
def test_action_checkbox_markup_is_djangos(model):
    if model is Engagement:
        obj = EngagementFactory(title='Review <b>"quoted"</b> & more')
    else:
        obj = PeerFactory(user=PeerUserFactory(first_name="O'Brien", last_name="<Smith>"))
    model_admin = admin.site._registry[model]

    assert model_admin.action_checkbox(obj) == ModelAdmin.action_checkbox(model_admin, obj)


# --- Staff engagement list ------------------------------------------------------------------


def test_staff_list_team_size_counts_invited_and_accepted_places_only(manager_client):
    today = timezone.localdate()
    engagement = ScheduledEngagementFactory(start_date=today + timedelta(days=30))
    for status in (PlaceStatus.INVITED, PlaceStatus.ACCEPTED, PlaceStatus.ACCEPTED):
        TeamPlaceFactory(engagement=engagement, status=status)
    for status in (PlaceStatus.DECLINED, PlaceStatus.WITHDRAWN, PlaceStatus.RESERVE):
        TeamPlaceFactory(engagement=engagement, status=status)
    empty = ScheduledEngagementFactory(start_date=today + timedelta(days=20))

    response = manager_client.get(reverse("programmes:engagement_list"))

    sizes = {e.pk: e.team_size for e in response.context["engagements"]}
    assert sizes == {engagement.pk: 3, empty.pk: 0}


def test_staff_list_queries_stay_constant_with_filters(manager_client):
    url = reverse("programmes:engagement_list")
    params = {"filter": "1", "region": Region.LONDON, "status": EngagementStatus.SCHEDULED}
    _london_engagements(2)
    few = _queries(manager_client, url, params)
    _london_engagements(5)
    assert _queries(manager_client, url, params) == few


# --- Council portal and peer profile --------------------------------------------------------


def test_council_list_shows_status_words_and_keeps_a_flat_query_count(client):
    council = CouncilFactory()
    client.force_login(CouncilContactFactory(council=council))
    EngagementFactory(councils=[council], status=EngagementStatus.REQUESTED)
    few = _queries(client, reverse("councils:engagement_list"))
    for status in (EngagementStatus.SCHEDULED, EngagementStatus.CLOSED):
        for _ in range(3):
            ScheduledEngagementFactory(councils=[council, CouncilFactory()], status=status)

    assert _queries(client, reverse("councils:engagement_list")) == few
    html = client.get(reverse("councils:engagement_list")).content.decode()
    assert "Requested</strong>" in html
    assert "Scheduled</strong>" in html
    assert "Closed</strong>" in html


def test_peer_profile_reads_the_peer_once(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    TrainingRecordFactory(peer=peer)

    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("peers:profile"))

    assert response.status_code == 200
    reads = [q for q in context.captured_queries if 'FROM "peers_peer"' in q["sql"]]
    assert len(reads) == 1
