"""The programme manager's admin: a CPC from request to closed, refusals, permissions."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from peers.models import EqualitiesAnswers
from programmes.models import (
    ActivityDay,
    DayCapException,
    DayMode,
    Engagement,
    EngagementStatus,
    PlaceStatus,
    StatusChange,
    TeamPlace,
    TeamRole,
)
from tests.factories import CouncilFactory, DirectorFactory, ManagerFactory
from tests.factories_admin import add_inline_row, admin_form_data, inline_prefix
from tests.factories_council_portal import DocumentFactory
from tests.factories_records import (
    OfficerPeerFactory,
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    offer,
)

pytestmark = pytest.mark.django_db

# The day-cap tests book days 60 and 120 days ahead and expect them in one financial year:
# the clock is frozen in early May so that holds whatever today's date is.
TODAY = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))):
        yield


CHANGELIST = "admin:programmes_engagement_changelist"


@pytest.fixture
def manager_client(client):
    client.force_login(ManagerFactory())
    return client


def _change_url(engagement):
    return reverse("admin:programmes_engagement_change", args=[engagement.pk])


def _act(client, action, *engagements):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [e.pk for e in engagements]},
        follow=True,
    )


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def _start(days_ahead=90):
    day = TODAY + timedelta(days=days_ahead)
    while day.weekday() != 0:  # a Monday
        day += timedelta(days=1)
    return day


# The whole journey --------------------------------------------------------------------


def test_manager_runs_a_cpc_from_request_to_closed_in_the_admin(manager_client):
    council = CouncilFactory(name="Hartlepool")
    member = PeerFactory()
    officer = OfficerPeerFactory()
    start = _start()

    # Given a council's request, recorded on the add page with its activity days
    page = manager_client.get(reverse("admin:programmes_engagement_add"))
    assert page.status_code == 200
    data = admin_form_data(page)
    data.update(
        offer=str(offer("CPC").pk),
        councils=[str(council.pk)],
        title="Corporate peer challenge",
        funding="sector_support_grant",
    )
    days_prefix = inline_prefix(page, ActivityDay)
    add_inline_row(data, days_prefix, {"date": start, "mode": DayMode.ONSITE})
    for offset in (1, 2):
        add_inline_row(
            data, days_prefix, {"date": start + timedelta(days=offset), "mode": DayMode.REMOTE}
        )
    response = manager_client.post(reverse("admin:programmes_engagement_add"), data)
    assert response.status_code == 302, list(response.context["errors"])
    engagement = Engagement.objects.get(title="Corporate peer challenge")
    assert engagement.reference.startswith("CPC-")
    assert engagement.status == EngagementStatus.REQUESTED
    assert (engagement.start_date, engagement.end_date) == (start, start + timedelta(days=2))
    assert engagement.milestones.exists()

    # When the manager scopes and schedules it with the status actions
    for status in ("scoping", "scheduled"):
        response = _act(manager_client, f"move_to_{status}", engagement)
        assert not [m for m in response.context["messages"] if m.level_tag == "error"]
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCHEDULED

    # …builds the team on the engagement page and confirms the places
    page = manager_client.get(_change_url(engagement))
    data = admin_form_data(page)
    places_prefix = inline_prefix(page, TeamPlace, adding=True)
    add_inline_row(
        data,
        places_prefix,
        {"peer": member.pk, "role": TeamRole.LEAD_MEMBER, "days": "3", "status": "invited"},
    )
    add_inline_row(
        data,
        places_prefix,
        {"peer": officer.pk, "role": TeamRole.LEAD_OFFICER, "days": "3", "status": "invited"},
    )
    response = manager_client.post(_change_url(engagement), data)
    assert response.status_code == 302, list(response.context["errors"])
    assert engagement.places.filter(status=PlaceStatus.INVITED).count() == 2

    response = _act(manager_client, "confirm_invited_places", engagement)
    assert "Confirmed 2 place(s)." in _messages(response)
    assert engagement.places.filter(status=PlaceStatus.ACCEPTED).count() == 2

    # …confirms the team, but cannot start delivery before the first activity day
    _act(manager_client, "move_to_team_confirmed", engagement)
    response = _act(manager_client, "move_to_in_delivery", engagement)
    errors = [m for m in _messages(response) if "before the first activity day" in m]
    assert errors, _messages(response)
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.TEAM_CONFIRMED

    # …and, once the days have come and the feedback letter is uploaded, moves it to closed
    manager = page.wsgi_request.user
    with time_machine.travel(datetime.combine(start + timedelta(days=2), datetime.min.time())):
        manager_client.force_login(manager)  # the session would have expired by then
        for status in ("in_delivery", "delivered"):
            _act(manager_client, f"move_to_{status}", engagement)
        DocumentFactory(engagement=engagement)
        for status in ("feedback_issued", "follow_up", "closed"):
            _act(manager_client, f"move_to_{status}", engagement)
    engagement.refresh_from_db()

    # Then every step is on the timeline with who did it
    assert engagement.status == EngagementStatus.CLOSED
    timeline = list(engagement.status_changes.values_list("to_status", flat=True))
    assert timeline == [
        "requested",
        "scoping",
        "scheduled",
        "team_confirmed",
        "in_delivery",
        "delivered",
        "feedback_issued",
        "follow_up",
        "closed",
    ]
    assert StatusChange.objects.filter(engagement=engagement, changed_by__isnull=True).count() == 0
    assert engagement.history.count() > 1
    page = manager_client.get(_change_url(engagement))
    assert b"Status timeline" in page.content


# Refusals: the rule's words, and nothing saved -----------------------------------------


def test_admin_refuses_a_place_over_the_day_cap_and_saves_nothing(manager_client):
    peer = PeerFactory()
    earlier = ScheduledEngagementFactory(start_date=_start(60), end_date=_start(60))
    TeamPlaceFactory(peer=peer, engagement=earlier, days=Decimal("38"))
    engagement = ScheduledEngagementFactory(start_date=_start(120), end_date=_start(120))
    page = manager_client.get(_change_url(engagement))
    data = admin_form_data(page)
    data["title"] = "Changed in the same submission"
    add_inline_row(
        data,
        inline_prefix(page, TeamPlace, adding=True),
        {"peer": peer.pk, "role": TeamRole.MEMBER, "days": "3", "status": "invited"},
    )

    response = manager_client.post(_change_url(engagement), data)

    assert response.status_code == 200
    assert "over the cap of 40" in response.content.decode()
    assert not engagement.places.exists()
    engagement.refresh_from_db()
    assert engagement.title != "Changed in the same submission"


def test_admin_refuses_a_peer_for_their_own_council(manager_client):
    council = CouncilFactory()
    peer = PeerFactory(home_council=council)
    engagement = ScheduledEngagementFactory(councils=[council])
    page = manager_client.get(_change_url(engagement))
    data = admin_form_data(page)
    add_inline_row(
        data,
        inline_prefix(page, TeamPlace, adding=True),
        {"peer": peer.pk, "role": TeamRole.MEMBER, "days": "3", "status": "accepted"},
    )

    response = manager_client.post(_change_url(engagement), data)

    assert response.status_code == 200
    assert f"{council} is {peer}&#x27;s own council." in response.content.decode()
    assert not TeamPlace.objects.filter(peer=peer).exists()


def test_admin_refuses_to_make_a_scheduled_cpc_fully_remote(manager_client):
    engagement = ScheduledEngagementFactory(offer=offer("CPC"))
    before = sorted(engagement.activity_days.values_list("date", "mode"))
    page = manager_client.get(_change_url(engagement))
    data = admin_form_data(page)
    prefix = inline_prefix(page, ActivityDay)
    for index in range(int(data[f"{prefix}-INITIAL_FORMS"])):
        data[f"{prefix}-{index}-mode"] = DayMode.REMOTE

    response = manager_client.post(_change_url(engagement), data)

    assert response.status_code == 200
    assert "must have at least one onsite activity day" in response.content.decode()
    assert sorted(engagement.activity_days.values_list("date", "mode")) == before


def test_status_action_reports_each_refusal_with_its_reason(manager_client):
    remote_cpc = ScheduledEngagementFactory(
        offer=offer("CPC"), status=EngagementStatus.SCOPING, activity_days=DayMode.REMOTE
    )
    fine = ScheduledEngagementFactory(status=EngagementStatus.SCOPING)

    response = _act(manager_client, "move_to_scheduled", remote_cpc, fine)

    texts = _messages(response)
    assert any(
        t.startswith(remote_cpc.reference) and "at least one onsite activity day" in t
        for t in texts
    )
    assert "Moved 1 engagement(s) to scheduled." in texts
    remote_cpc.refresh_from_db()
    fine.refresh_from_db()
    assert remote_cpc.status == EngagementStatus.SCOPING
    assert fine.status == EngagementStatus.SCHEDULED


def test_a_closed_engagement_cannot_move_back(manager_client):
    engagement = ScheduledEngagementFactory(status=EngagementStatus.CLOSED)

    response = _act(manager_client, "move_to_scoping", engagement)

    assert any("cannot move to scoping" in t for t in _messages(response))
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.CLOSED


def test_team_inline_shows_days_used_and_remaining(manager_client):
    peer = PeerFactory()
    start = _start(60)
    TeamPlaceFactory(
        peer=peer, engagement=ScheduledEngagementFactory(start_date=start), days=Decimal("10")
    )
    engagement = ScheduledEngagementFactory(start_date=start + timedelta(days=14))
    TeamPlaceFactory(peer=peer, engagement=engagement, days=Decimal("4"))

    page = manager_client.get(_change_url(engagement))

    assert "14 of 40 used in" in page.content.decode()
    assert "26 remaining" in page.content.decode()


def test_invite_next_reserve_invites_the_first_ranked(manager_client):
    engagement = ScheduledEngagementFactory()
    second = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.RESERVE, reserve_rank=2)
    first = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.RESERVE, reserve_rank=1)

    _act(manager_client, "invite_next_reserve", engagement)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (PlaceStatus.INVITED, PlaceStatus.RESERVE)


def test_place_edits_go_through_the_rules(manager_client):
    peer = PeerFactory()
    TeamPlaceFactory(
        peer=peer, engagement=ScheduledEngagementFactory(start_date=_start(60)), days=36
    )
    place = TeamPlaceFactory(
        peer=peer, engagement=ScheduledEngagementFactory(start_date=_start(120)), days=2
    )
    url = reverse("admin:programmes_teamplace_change", args=[place.pk])
    data = admin_form_data(manager_client.get(url))
    data["days"] = "6"

    response = manager_client.post(url, data)

    assert response.status_code == 200
    assert "over the cap of 40" in response.content.decode()
    place.refresh_from_db()
    assert place.days == 2


# Day-cap exceptions and equalities: permissions ---------------------------------------


def test_only_the_director_may_add_a_day_cap_exception(client):
    peer = PeerFactory()
    url = reverse("admin:programmes_daycapexception_add")
    client.force_login(ManagerFactory())
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:programmes_daycapexception_changelist")).status_code == 200

    director = DirectorFactory()
    client.force_login(director)
    response = client.post(
        url,
        {"peer": peer.pk, "financial_year": 2026, "extra_days": "5", "reason": "Interim lead"},
    )

    assert response.status_code == 302
    exception = DayCapException.objects.get(peer=peer)
    assert (exception.approved_by, exception.extra_days) == (director, Decimal("5"))


def test_equalities_answers_are_hidden_without_the_permission(client):
    from django.utils import timezone

    peer = PeerFactory()
    EqualitiesAnswers.objects.create(peer=peer, consent_given_at=timezone.now(), sex="female")
    manager = ManagerFactory()
    client.force_login(manager)
    list_url = reverse("admin:peers_equalitiesanswers_changelist")

    assert client.get(list_url).status_code == 403
    page = client.get(reverse("admin:peers_peer_change", args=[peer.pk]))
    assert b"Sexual orientation" not in page.content
    export = client.get(reverse("admin:peers_equalitiesanswers_export"))
    assert export.status_code == 403

    manager.user_permissions.add(
        Permission.objects.get(codename="view_equalities", content_type__app_label="peers")
    )
    client.force_login(type(manager).objects.get(pk=manager.pk))
    assert client.get(list_url).status_code == 200
    page = client.get(reverse("admin:peers_peer_change", args=[peer.pk]))
    assert b"Sexual orientation" in page.content


# Export -------------------------------------------------------------------------------


def test_export_escapes_formulae(manager_client):
    ScheduledEngagementFactory(title='=HYPERLINK("http://evil")', reference="EXP-1")
    ScheduledEngagementFactory(title="@SUM(1+1)", reference="EXP-2")
    ScheduledEngagementFactory(title="-2+3", reference="EXP-3")

    response = manager_client.post(
        reverse("admin:programmes_engagement_export"),
        {
            "format": "0",
            "resource": "0",
            "engagementresource_title": "on",
            "engagementresource_reference": "on",
        },
    )

    body = response.content.decode()
    assert response.status_code == 200, body[:500]
    assert "'=HYPERLINK" in body
    assert "'@SUM(1+1)" in body
    assert "'-2+3" in body


# The queue, milestones, actions, and who may use the admin ------------------------------


def test_new_requests_queue_shows_newest_requests_first(manager_client):
    older = ScheduledEngagementFactory(status=EngagementStatus.REQUESTED, reference="Q-1")
    newer = ScheduledEngagementFactory(status=EngagementStatus.REQUESTED, reference="Q-2")
    ScheduledEngagementFactory(status=EngagementStatus.SCOPING, reference="Q-3")

    response = manager_client.get(reverse(CHANGELIST), {"status__exact": "requested"})

    assert list(response.context["cl"].result_list) == [newer, older]


def test_editing_a_milestone_date_fixes_it_by_hand(manager_client):
    engagement = ScheduledEngagementFactory(offer=offer("CPC"))
    from programmes import services

    services.engagement_milestones_recompute(engagement=engagement)
    page = manager_client.get(_change_url(engagement))
    data = admin_form_data(page)
    prefix = inline_prefix(page, type(engagement.milestones.first()))
    data[f"{prefix}-0-due_on"] = "2030-01-15"
    add_inline_row(
        data,
        inline_prefix(page, type(engagement).improvement_actions.rel.related_model),
        {"recommendation": "Refresh the medium-term financial plan", "progress": "not_started"},
    )

    response = manager_client.post(_change_url(engagement), data)

    assert response.status_code == 302, list(response.context["errors"])
    milestone = engagement.milestones.get(due_on=date(2030, 1, 15))
    assert milestone.fixed_by_hand
    assert engagement.improvement_actions.get().recommendation.startswith("Refresh")


@pytest.mark.parametrize("role_factory", ["council_contact", "peer", "board"])
def test_other_roles_cannot_use_the_admin(client, role_factory):
    from tests.factories import BoardMemberFactory, CouncilContactFactory
    from tests.factories_records import PeerUserFactory

    user = {
        "council_contact": CouncilContactFactory,
        "peer": PeerUserFactory,
        "board": BoardMemberFactory,
    }[role_factory]()
    engagement = ScheduledEngagementFactory()
    client.force_login(user)

    assert client.get(reverse(CHANGELIST)).status_code == 302  # to the admin sign-in
    response = client.post(
        reverse(CHANGELIST), {"action": "move_to_scoping", "_selected_action": [engagement.pk]}
    )
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCHEDULED


def test_a_missing_engagement_is_not_found(manager_client):
    response = manager_client.get(
        reverse("admin:programmes_engagement_change", args=[999999]), follow=True
    )
    # The admin redirects to its index with "doesn't exist" rather than showing anything.
    assert b"doesn\xe2\x80\x99t exist" in response.content or response.status_code == 404
