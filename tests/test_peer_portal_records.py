"""Peer portal: engagements and calendars, days against the cap, the data download, the
managers' stale-profile list, and the profile prompts end to end with a frozen clock."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from notifications.tasks import notifications_plan_daily
from peers import selectors, services
from programmes.models import EngagementStatus, PlaceStatus
from tests import factories
from tests.factories_peer_portal import (
    AcceptedPlaceFactory,
    DayCapExceptionFactory,
    EqualitiesAnswersFactory,
    UnavailabilityFactory,
    assert_constant_queries,
)
from tests.factories_records import (
    DeliveredEngagementFactory,
    OfficerPeerFactory,
    PeerFactory,
    PeerUserFactory,
    TeamPlaceFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db


def _events(content: bytes) -> list:
    return [c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT"]


# --- Engagements and calendars --------------------------------------------------------------


def test_engagements_are_split_into_upcoming_and_past(client):
    peer = PeerFactory()
    upcoming = AcceptedPlaceFactory(peer=peer)
    past = AcceptedPlaceFactory(peer=peer, engagement=DeliveredEngagementFactory())
    TeamPlaceFactory(peer=peer)  # invited only: not an engagement yet
    AcceptedPlaceFactory()  # someone else's
    client.force_login(peer.user)
    response = client.get(reverse("peers:engagements"))
    assert [p.pk for p in response.context["upcoming"]] == [upcoming.pk]
    assert [p.pk for p in response.context["past"]] == [past.pk]
    html = response.content.decode()
    assert reverse("peers:engagement_calendar", args=[upcoming.pk]) in html


def test_engagement_list_queries_stay_constant(client, django_assert_num_queries):
    peer = PeerFactory()
    client.force_login(peer.user)
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            AcceptedPlaceFactory(
                peer=peer,
                engagement__start_date=timezone.localdate() + timedelta(days=10 * next(counter)),
            )
            AcceptedPlaceFactory(peer=peer, engagement=DeliveredEngagementFactory())

    url = reverse("peers:engagements")
    assert_constant_queries(client, url, add, django_assert_num_queries, most=9)


def test_an_engagement_calendar_file_has_one_event_per_day(client):
    peer = PeerFactory()
    place = AcceptedPlaceFactory(peer=peer)
    client.force_login(peer.user)
    response = client.get(reverse("peers:engagement_calendar", args=[place.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    events = _events(response.content)
    assert len(events) == 3
    assert events[0]["dtstart"].dt == place.engagement.start_date
    assert str(events[0]["uid"]).startswith(f"engagement-{place.engagement.pk}-")


def test_another_peers_calendar_file_is_not_found(client):
    peer = PeerFactory()
    place = AcceptedPlaceFactory()
    declined = TeamPlaceFactory(peer=peer, status=PlaceStatus.DECLINED)
    client.force_login(peer.user)
    assert client.get(reverse("peers:engagement_calendar", args=[place.pk])).status_code == 404
    assert client.get(reverse("peers:engagement_calendar", args=[declined.pk])).status_code == 404


def test_the_calendar_feed_url_is_shown_once_and_stored_hashed(client):
    peer = PeerFactory()
    place = AcceptedPlaceFactory(peer=peer)
    AcceptedPlaceFactory()  # someone else's
    client.force_login(peer.user)
    response = client.post(reverse("peers:calendar"), {"action": "create"}, follow=True)
    feed_url = response.context["feed_url"]
    token = feed_url.rstrip("/").split("/")[-2]
    peer.refresh_from_db()
    assert peer.calendar_token == selectors.calendar_token_hash(token)
    assert token not in peer.calendar_token
    assert "feed_url" not in client.get(reverse("peers:calendar")).context

    client.logout()
    feed = client.get(reverse("peers:calendar_feed", args=[token]))
    assert feed.status_code == 200
    assert {str(e["uid"]).split("-")[1] for e in _events(feed.content)} == {
        str(place.engagement.pk)
    }


def test_a_new_or_revoked_feed_link_stops_the_old_one(client):
    peer = PeerFactory()
    old = services.peer_calendar_token_create(peer=peer)
    new = services.peer_calendar_token_create(peer=peer)
    assert client.get(reverse("peers:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("peers:calendar_feed", args=[new])).status_code == 200
    client.force_login(peer.user)
    client.post(reverse("peers:calendar"), {"action": "revoke"})
    client.logout()
    assert client.get(reverse("peers:calendar_feed", args=[new])).status_code == 404
    peer.refresh_from_db()
    assert peer.calendar_token == ""


def test_unknown_feed_tokens_are_not_found(client):
    PeerFactory()  # with no token: the empty hash must never match
    assert client.get(reverse("peers:calendar_feed", args=["nothing"])).status_code == 404
    assert client.get("/peer/calendar/%20/feed.ics").status_code == 404


def test_the_feed_of_a_peer_who_left_is_not_found(client):
    peer = PeerFactory()
    token = services.peer_calendar_token_create(peer=peer)
    peer.status = "left"
    peer.save()
    assert client.get(reverse("peers:calendar_feed", args=[token])).status_code == 404


def test_the_feed_token_is_not_in_the_peer_history():
    peer = PeerFactory()
    services.peer_calendar_token_create(peer=peer)
    assert not hasattr(peer.history.first(), "calendar_token")


# --- Days -----------------------------------------------------------------------------------


@time_machine.travel(datetime(2025, 6, 1, 12, 0, tzinfo=timezone.get_current_timezone()))
def test_days_are_split_into_invited_accepted_and_delivered_with_the_exception(client):
    peer = PeerFactory()
    TeamPlaceFactory(peer=peer, days=Decimal("2"), engagement__start_date=date(2025, 9, 1))
    AcceptedPlaceFactory(peer=peer, days=Decimal("3"), engagement__start_date=date(2025, 10, 1))
    AcceptedPlaceFactory(
        peer=peer,
        days=Decimal("4"),
        engagement=DeliveredEngagementFactory(start_date=date(2025, 5, 1)),
    )
    AcceptedPlaceFactory(  # last financial year: not counted
        peer=peer, days=Decimal("9"), engagement__start_date=date(2025, 3, 1)
    )
    AcceptedPlaceFactory(  # cancelled: not counted
        peer=peer,
        days=Decimal("9"),
        engagement__start_date=date(2025, 11, 1),
        engagement__status=EngagementStatus.CANCELLED,
    )
    DayCapExceptionFactory(peer=peer, financial_year=2025, extra_days=Decimal("5"))
    client.force_login(peer.user)
    response = client.get(reverse("peers:days"))
    days = response.context["days"]
    assert (days.invited, days.accepted, days.delivered, days.used) == (2, 3, 4, 9)
    assert days.cap == 45
    assert days.remaining == 36
    html = response.content.decode()
    assert "2025 to 2026" in html
    assert "approved 5 extra days" in html
    assert "You have 36 of 45 days left" in html


def test_officer_peers_have_no_cap(client):
    peer = OfficerPeerFactory()
    client.force_login(peer.user)
    assert "no limit on your days" in client.get(reverse("peers:days")).content.decode()


# --- My data --------------------------------------------------------------------------------


def test_a_peer_downloads_everything_held_about_them(client):
    peer = PeerFactory(phone="0700 000000", trained=False)
    peer.conflicts.add(factories.CouncilFactory(name="Conflict Council"))
    UnavailabilityFactory(peer=peer)
    TrainingRecordFactory(peer=peer, course="Induction")
    EqualitiesAnswersFactory(peer=peer, sex="female")
    place = AcceptedPlaceFactory(peer=peer)
    other = PeerFactory(phone="0800 111111")
    EqualitiesAnswersFactory(peer=other)
    client.force_login(peer.user)
    response = client.get(reverse("peers:my_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == peer.user.email
    assert data["profile"]["phone"] == "0700 000000"
    assert data["declared_conflicts"] == ["Conflict Council"]
    assert len(data["unavailability"]) == 1
    assert data["training_records"][0]["course"] == "Induction"
    assert data["equalities"]["sex"] == "Female"
    assert data["team_places"][0]["engagement"] == place.engagement.reference
    assert "0800 111111" not in response.content.decode()
    assert other.user.email not in response.content.decode()


def test_the_export_selector_is_json_ready_without_equalities():
    peer = PeerFactory()
    data = selectors.peer_data_export(peer=peer)
    assert data["equalities"] is None
    json.dumps(data)


# --- Stale profiles (managers) --------------------------------------------------------------


def test_only_managers_see_the_stale_profiles_list(client):
    url = reverse("peers:stale_profiles")
    assert client.get(url).status_code == 302
    for user in (
        PeerFactory().user,
        factories.CouncilContactFactory(),
        factories.BoardMemberFactory(),
        factories.GroupOfficeFactory(),
        PeerUserFactory(),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(factories.DirectorFactory())
    assert client.get(url).status_code == 200


def test_stale_profiles_list_shows_old_and_never_confirmed_profiles(client):
    today = timezone.localdate()
    old = PeerFactory(profile_confirmed_on=today - timedelta(days=400))
    never = PeerFactory(profile_confirmed_on=None)
    PeerFactory(profile_confirmed_on=today - timedelta(days=30))
    PeerFactory(profile_confirmed_on=None, status="left")
    client.force_login(factories.ManagerFactory())
    response = client.get(reverse("peers:stale_profiles"))
    assert {p.pk for p in response.context["peers"]} == {old.pk, never.pk}


def test_stale_profiles_queries_stay_constant(client, django_assert_num_queries):
    client.force_login(factories.ManagerFactory())

    def add(n):
        for _ in range(n):
            PeerFactory(profile_confirmed_on=None)

    url = reverse("peers:stale_profiles")
    assert_constant_queries(client, url, add, django_assert_num_queries, most=7)


def test_profile_prompt_then_reminder_then_the_managers_list(
    client, django_capture_on_commit_callbacks, settings
):
    """Given a stale profile, the daily beat task prompts once, reminds once after 14 days,
    the manager sees both dates, and confirming takes the peer off the list."""
    settings.NOTIFICATION_PLANNERS = ["notifications.planners.profile_reviews_plan"]
    start = datetime(2025, 6, 2, 7, 0, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(start, tick=False):
        peer = PeerFactory(profile_confirmed_on=date(2024, 5, 1))
        TrainingRecordFactory(peer=peer)
        manager = factories.ManagerFactory()
        with django_capture_on_commit_callbacks(execute=True):
            notifications_plan_daily.run()
            notifications_plan_daily.run()

    def profile_emails():
        return [m for m in mail.outbox if peer.user.email in m.to and "profile" in m.subject]

    prompts = profile_emails()
    assert len(prompts) == 1
    assert "/peer/profile/confirm/" in prompts[0].body

    with time_machine.travel(start + timedelta(days=14), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notifications_plan_daily.run()
            notifications_plan_daily.run()
        assert len(profile_emails()) == 2
        client.force_login(manager)
        listed = client.get(reverse("peers:stale_profiles")).context["peers"]
        assert [(p.pk, p.prompted_on, p.reminded_on) for p in listed] == [
            (peer.pk, date(2025, 6, 2), date(2025, 6, 16))
        ]
        client.force_login(peer.user)
        client.post(reverse("peers:profile_confirm"))
        client.force_login(manager)
        assert client.get(reverse("peers:stale_profiles")).context["peers"] == []
        with django_capture_on_commit_callbacks(execute=True):
            notifications_plan_daily.run()
        assert len(profile_emails()) == 2
