"""Staff pages for managers: dashboard, engagement list and detail, status actions, the check."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import EngagementStatus, StatusChange
from tests.factories import (
    CouncilContactFactory,
    CouncilFactory,
    DistrictFactory,
    ManagerFactory,
    UserFactory,
)
from tests.factories_matching import MatchablePeerFactory, dated_engagement
from tests.factories_records import (
    EngagementFactory,
    PeerUserFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    offer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(ManagerFactory())
    return client


def _many_engagements(n):
    for i in range(n):
        engagement = ScheduledEngagementFactory(
            start_date=timezone.localdate() + timedelta(days=10 + i),
            councils=[CouncilFactory(), CouncilFactory()],
        )
        TeamPlaceFactory(engagement=engagement)
        EngagementFactory()  # a new request


STAFF_URLS = [
    ("programmes:dashboard", False),
    ("programmes:engagement_list", False),
    ("programmes:engagement_detail", True),
    ("programmes:suggest_team", True),
    ("programmes:peer_check", False),
    ("programmes:weights", False),
    ("programmes:allocation", False),
]


@pytest.mark.parametrize(("name", "with_pk"), STAFF_URLS)
def test_anonymous_users_are_sent_to_sign_in(client, name, with_pk):
    url = reverse(name, args=[EngagementFactory().pk] if with_pk else [])

    response = client.get(url)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(("name", "with_pk"), STAFF_URLS)
@pytest.mark.parametrize(
    "user_factory", [CouncilContactFactory, PeerUserFactory, UserFactory], ids=str
)
def test_other_roles_are_forbidden(client, name, with_pk, user_factory):
    client.force_login(user_factory())
    url = reverse(name, args=[EngagementFactory().pk] if with_pk else [])

    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("name", "with_pk"), STAFF_URLS)
def test_managers_see_every_staff_page(manager_client, name, with_pk):
    engagement = dated_engagement()
    url = reverse(name, args=[engagement.pk] if with_pk else [])

    assert manager_client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["programmes:engagement_detail", "programmes:suggest_team"])
def test_missing_engagement_is_not_found(manager_client, name):
    assert manager_client.get(reverse(name, args=[999999])).status_code == 404


def test_dashboard_counts_by_status_and_lists_new_requests_first(manager_client):
    old = EngagementFactory(title="Older request")
    new = EngagementFactory(title="Newest request")
    ScheduledEngagementFactory(title="Coming soon")

    response = manager_client.get(reverse("programmes:dashboard"))

    html = response.content.decode()
    assert html.index(new.title) < html.index(old.title)
    assert "Coming soon" in html
    counts = {status: count for status, _, count in response.context["status_counts"]}
    assert counts[EngagementStatus.REQUESTED] == 2
    assert counts[EngagementStatus.SCHEDULED] == 1


@pytest.mark.parametrize("rows", [2, 6])
def test_dashboard_query_count_is_constant(manager_client, django_assert_num_queries, rows):
    _many_engagements(rows)

    with django_assert_num_queries(9):
        manager_client.get(reverse("programmes:dashboard"))


@pytest.mark.parametrize("rows", [3, 9])
def test_engagement_list_query_count_is_constant(manager_client, django_assert_num_queries, rows):
    _many_engagements(rows)

    with django_assert_num_queries(8):
        response = manager_client.get(reverse("programmes:engagement_list"))
    assert len(response.context["engagements"]) == rows * 2


def test_engagement_list_filters_by_offer_status_council_region_and_dates(manager_client):
    council = CouncilFactory(name="Borsetshire", region="South West")
    wanted = dated_engagement(code="CPC", councils=[council], mode="onsite")
    dated_engagement(code="BRPS")
    dated_engagement(code="CPC", start=timezone.localdate() + timedelta(days=300))
    start = wanted.start_date
    query = {
        "filter": "1",
        "offer": offer("CPC").pk,
        "status": EngagementStatus.SCHEDULED,
        "council": "borset",
        "region": "South West",
        "starts_from_0": start.day,
        "starts_from_1": start.month,
        "starts_from_2": start.year,
        "starts_to_0": start.day,
        "starts_to_1": start.month,
        "starts_to_2": start.year,
    }

    response = manager_client.get(reverse("programmes:engagement_list"), query)

    assert response.context["engagements"] == [wanted]


def test_engagement_list_paginates(manager_client):
    for _ in range(27):
        EngagementFactory()

    first = manager_client.get(reverse("programmes:engagement_list"))
    second = manager_client.get(reverse("programmes:engagement_list"), {"page": 2})

    assert len(first.context["engagements"]) == 25
    assert len(second.context["engagements"]) == 2
    assert "page=2" in first.content.decode()


def test_engagement_list_team_counts_are_not_inflated_by_council_filters(manager_client):
    engagement = dated_engagement(councils=[CouncilFactory(), CouncilFactory()])
    TeamPlaceFactory(engagement=engagement)

    response = manager_client.get(
        reverse("programmes:engagement_list"), {"filter": "1", "region": "North West"}
    )

    assert [e.team_size for e in response.context["engagements"]] == [1]


def test_detail_shows_team_days_used_and_remaining(manager_client):
    engagement = dated_engagement()
    peer = MatchablePeerFactory()
    other = dated_engagement(start=engagement.start_date + timedelta(days=20))
    TeamPlaceFactory(engagement=other, peer=peer, days=Decimal("10"))
    TeamPlaceFactory(engagement=engagement, peer=peer, days=Decimal("3"))

    response = manager_client.get(reverse("programmes:engagement_detail", args=[engagement.pk]))

    row = response.context["team"][0]
    assert row.days_used == Decimal("13")
    assert row.days_remaining == Decimal("27")
    assert "13 of 40" in response.content.decode()


@pytest.mark.parametrize("rows", [2, 6])
def test_detail_query_count_is_constant(manager_client, django_assert_num_queries, rows):
    engagement = dated_engagement()
    for _ in range(rows):
        TeamPlaceFactory(engagement=engagement)

    with django_assert_num_queries(14):
        manager_client.get(reverse("programmes:engagement_detail", args=[engagement.pk]))


def test_status_change_goes_through_the_workflow(manager_client):
    engagement = EngagementFactory()

    response = manager_client.post(
        reverse("programmes:engagement_status", args=[engagement.pk]),
        {"to_status": EngagementStatus.SCOPING, "note": "Scoping call booked"},
    )

    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCOPING
    assert StatusChange.objects.filter(engagement=engagement, note="Scoping call booked").exists()


def test_status_refusal_is_shown_in_plain_words_and_nothing_changes(manager_client):
    engagement = EngagementFactory(status=EngagementStatus.SCOPING)  # no activity days

    response = manager_client.post(
        reverse("programmes:engagement_status", args=[engagement.pk]),
        {"to_status": EngagementStatus.SCHEDULED},
    )

    assert response.status_code == 400
    assert "Set the activity days before scheduling the engagement." in response.content.decode()
    assert response.content.decode().count("There is a problem") == 1
    assert "<title>Error: " in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCOPING


def test_status_change_is_forbidden_to_other_roles(client):
    engagement = EngagementFactory()
    client.force_login(CouncilContactFactory(council=engagement.councils.first()))

    response = client.post(
        reverse("programmes:engagement_status", args=[engagement.pk]),
        {"to_status": EngagementStatus.SCOPING},
    )

    assert response.status_code == 403
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.REQUESTED


def test_check_says_why_a_peer_cannot_work_with_a_council(manager_client):
    district = DistrictFactory(name="Ambridge District")
    neighbour = DistrictFactory(name="Loxley District", county=district.county)
    peer = MatchablePeerFactory(home_council=neighbour)

    response = manager_client.get(
        reverse("programmes:peer_check"), {"peer": peer.user.email, "council": "Ambridge District"}
    )

    html = response.content.decode()
    assert "No: " in html
    assert "same two-tier area" in html


def test_check_with_an_engagement_adds_dates_cap_onsite_and_training(manager_client):
    engagement = dated_engagement(mode="onsite")
    peer = MatchablePeerFactory(work_mode="remote", trained=False)

    response = manager_client.get(
        reverse("programmes:peer_check"),
        {
            "peer": peer.user.get_full_name(),
            "council": engagement.councils.first().gss_code,
            "engagement": engagement.reference,
        },
    )

    codes = {b.code for b in response.context["result"]["breaches"]}
    assert codes == {"onsite", "training"}


def test_check_says_yes_when_nothing_blocks(manager_client):
    peer = MatchablePeerFactory()
    council = CouncilFactory()

    response = manager_client.get(
        reverse("programmes:peer_check"), {"peer": peer.user.email, "council": council.name}
    )

    assert response.context["result"]["breaches"] == []
    assert "Yes: " in response.content.decode()


def test_check_asks_for_missing_answers_in_govuk_words(manager_client):
    response = manager_client.get(reverse("programmes:peer_check"), {"peer": "", "council": ""})

    html = response.content.decode()
    assert "Enter the peer&#x27;s email address or full name" in html
    assert "<title>Error: " in html


def test_manager_links_appear_on_the_manager_home(manager_client):
    response = manager_client.get(reverse("accounts:home"), follow=True)

    assert reverse("programmes:dashboard") in response.content.decode()
