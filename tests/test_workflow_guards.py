"""The guarded workflow (issue 17): each status change checks its conditions in one place,
every door refuses with the same words, and a manager may go ahead only with a recorded
reason. Changes to an engagement's days re-check every held place; withdrawing tells the peer.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from notifications.models import Notification
from peers.models import PeerKind, Unavailability
from programmes import services
from programmes.models import (
    DayMode,
    Engagement,
    EngagementStatus,
    PlaceStatus,
    StatusChange,
    TeamPlace,
    TeamRole,
)
from tests.factories import CouncilContactFactory, ManagerFactory, UserFactory
from tests.factories_api import client_for
from tests.factories_council_portal import DocumentFactory
from tests.factories_records import (
    OfficerPeerFactory,
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    offer,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=LONDON), tick=False):
        yield


def _engagement(status, *, start, days=3, **kwargs):
    return ScheduledEngagementFactory(
        status=status,
        offer=offer("CPC"),
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        **kwargs,
    )


def _refusal(engagement, to_status, **kwargs):
    before = (engagement.status, StatusChange.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.engagement_transition(engagement=engagement, to_status=to_status, **kwargs)
    engagement.refresh_from_db()
    assert (engagement.status, StatusChange.objects.count()) == before
    return " ".join(refused.value.messages)


# Team confirmed ---------------------------------------------------------------------------


def test_team_confirmed_needs_every_place_accepted_and_names_those_only_invited():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    waiting = [
        TeamPlaceFactory(engagement=engagement, status=PlaceStatus.INVITED) for _ in range(2)
    ]
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.DECLINED)

    words = _refusal(engagement, EngagementStatus.TEAM_CONFIRMED, user=ManagerFactory())

    assert "2 of 3 places are only invited" in words
    for place in waiting:
        assert str(place.peer) in words


def test_team_confirmed_needs_a_team():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    assert "no accepted places" in _refusal(engagement, EngagementStatus.TEAM_CONFIRMED)


def test_team_confirmed_when_every_place_is_accepted():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    TeamPlaceFactory.create_batch(2, engagement=engagement, status=PlaceStatus.ACCEPTED)
    services.engagement_transition(engagement=engagement, to_status="team_confirmed")
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.TEAM_CONFIRMED


# Dates: in delivery and delivered, at their boundaries -------------------------------------


@pytest.mark.parametrize(
    ("offset", "allowed"), [(1, False), (0, True), (-1, True)], ids=["day before", "on", "after"]
)
def test_in_delivery_not_before_the_first_activity_day(offset, allowed):
    engagement = _engagement(EngagementStatus.TEAM_CONFIRMED, start=TODAY + timedelta(offset))
    if allowed:
        services.engagement_transition(engagement=engagement, to_status="in_delivery")
        engagement.refresh_from_db()
        assert engagement.status == EngagementStatus.IN_DELIVERY
    else:
        words = _refusal(engagement, EngagementStatus.IN_DELIVERY)
        assert words == "Delivery cannot start before the first activity day, 3 December 2026."


@pytest.mark.parametrize(
    ("offset", "allowed"), [(1, False), (0, True), (-1, True)], ids=["day before", "on", "after"]
)
def test_delivered_not_before_the_last_activity_day(offset, allowed):
    last = TODAY + timedelta(offset)
    engagement = _engagement(EngagementStatus.IN_DELIVERY, start=last - timedelta(2))
    if allowed:
        services.engagement_transition(engagement=engagement, to_status="delivered")
        engagement.refresh_from_db()
        assert engagement.status == EngagementStatus.DELIVERED
    else:
        words = _refusal(engagement, EngagementStatus.DELIVERED)
        assert "before its last activity day, 3 December 2026" in words


def test_a_future_cpc_cannot_be_delivered_so_no_survey_goes_out(
    django_capture_on_commit_callbacks,
):
    """The reported case: a CPC dated June 2027 went to delivered on 2 December 2026."""
    engagement = _engagement(EngagementStatus.IN_DELIVERY, start=date(2027, 6, 7))
    CouncilContactFactory(council=engagement.councils.get())
    with django_capture_on_commit_callbacks(execute=True):
        _refusal(engagement, EngagementStatus.DELIVERED)
    assert not Notification.objects.exists()


# Feedback issued --------------------------------------------------------------------------


def test_feedback_issued_needs_the_feedback_letter():
    engagement = _engagement(EngagementStatus.DELIVERED, start=date(2026, 11, 2))
    assert "Upload the feedback letter" in _refusal(engagement, EngagementStatus.FEEDBACK_ISSUED)
    DocumentFactory(engagement=engagement)
    services.engagement_transition(engagement=engagement, to_status="feedback_issued")
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.FEEDBACK_ISSUED


# Overrides: only a manager, only with a reason, always recorded ---------------------------


def test_a_manager_may_go_ahead_with_a_recorded_reason():
    manager = ManagerFactory()
    engagement = _engagement(EngagementStatus.DELIVERED, start=date(2026, 11, 2))
    services.engagement_transition(
        engagement=engagement,
        to_status="feedback_issued",
        user=manager,
        override_reason="Letter sent by the principal adviser from her own mailbox.",
    )
    change = StatusChange.objects.get(engagement=engagement, to_status="feedback_issued")
    assert change.changed_by == manager
    assert change.note.startswith("Override: Letter sent by the principal adviser")
    assert "Upload the feedback letter" in change.guards_overridden
    assert engagement.history.latest().history_user == manager


def test_an_override_without_a_reason_or_by_a_non_manager_is_refused():
    engagement = _engagement(EngagementStatus.DELIVERED, start=date(2026, 11, 2))
    _refusal(engagement, "feedback_issued", user=ManagerFactory(), override_reason="   ")
    with pytest.raises(PermissionDenied):
        services.engagement_transition(
            engagement=engagement,
            to_status="feedback_issued",
            user=UserFactory(),
            override_reason="Because I say so",
        )
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.DELIVERED


def test_no_override_skips_the_order_of_the_workflow():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2026, 11, 2))
    words = _refusal(engagement, "delivered", user=ManagerFactory(), override_reason="Skip ahead")
    assert "cannot move to delivered" in words


# The doors: staff page, admin action and API refuse with the same words --------------------


def test_every_door_refuses_an_early_delivery_with_the_same_words(client):
    manager = ManagerFactory()
    client.force_login(manager)
    engagement = _engagement(EngagementStatus.TEAM_CONFIRMED, start=date(2027, 6, 7))
    words = "Delivery cannot start before the first activity day, 7 June 2027."

    staff = client.post(
        reverse("programmes:engagement_status", args=[engagement.pk]),
        {"to_status": "in_delivery", "note": ""},
    )
    assert staff.status_code == 400
    assert words in staff.content.decode()

    admin = client.post(
        reverse("admin:programmes_engagement_changelist"),
        {"action": "move_to_in_delivery", "_selected_action": [engagement.pk]},
        follow=True,
    )
    assert any(words in str(m) for m in admin.context["messages"])

    api = client_for(manager).post(
        f"/api/v1/engagements/{engagement.pk}/transition/",
        {"to_status": "in_delivery"},
        format="json",
    )
    assert api.status_code == 400
    assert words in api.content.decode()

    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.TEAM_CONFIRMED
    assert not StatusChange.objects.filter(engagement=engagement).exists()


def test_the_staff_page_records_an_override_with_its_reason(client):
    client.force_login(ManagerFactory())
    engagement = _engagement(EngagementStatus.DELIVERED, start=date(2026, 11, 2))
    response = client.post(
        reverse("programmes:engagement_status", args=[engagement.pk]),
        {"to_status": "feedback_issued", "override_reason": "Letter posted by hand."},
    )
    assert response.status_code == 302
    page = client.get(reverse("programmes:engagement_detail", args=[engagement.pk]))
    assert "Conditions overridden" in page.content.decode()


# Cancelling and postponing withdraw the team and tell the peers and the council -------------


@pytest.mark.parametrize("to_status", ["cancelled", "postponed"])
def test_cancelling_or_postponing_withdraws_places_and_tells_peers_and_council(
    to_status, django_capture_on_commit_callbacks
):
    engagement = _engagement(EngagementStatus.TEAM_CONFIRMED, start=date(2027, 6, 7))
    contact = CouncilContactFactory(council=engagement.councils.get())
    accepted = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    reserve = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.RESERVE)
    declined = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.DECLINED)

    with django_capture_on_commit_callbacks(execute=True):
        services.engagement_transition(
            engagement=engagement, to_status=to_status, user=ManagerFactory()
        )

    statuses = dict(TeamPlace.objects.values_list("pk", "status"))
    assert statuses[accepted.pk] == statuses[reserve.pk] == PlaceStatus.WITHDRAWN
    assert statuses[declined.pk] == PlaceStatus.DECLINED
    told = set(Notification.objects.values_list("recipient", flat=True))
    assert told == {accepted.peer.user.email, contact.email}
    council_notice = Notification.objects.get(recipient=contact.email)
    assert f"has been {to_status}" in council_notice.subject


# Activity days re-check every held place ----------------------------------------------------


def _held(engagement, peer=None, days="3"):
    peer = peer or OfficerPeerFactory()
    return TeamPlaceFactory(
        engagement=engagement,
        peer=peer,
        role=TeamRole.MEMBER if peer.kind == PeerKind.MEMBER else TeamRole.OFFICER,
        status=PlaceStatus.ACCEPTED,
        days=Decimal(days),
    )


def _days(start, count=3):
    return [(start + timedelta(n), DayMode.ONSITE) for n in range(count)]


def test_moving_days_onto_a_peers_unavailability_is_refused_naming_them():
    engagement = _engagement(EngagementStatus.TEAM_CONFIRMED, start=date(2027, 6, 7))
    place = _held(engagement)
    Unavailability.objects.create(
        peer=place.peer, starts_on=date(2027, 7, 1), ends_on=date(2027, 7, 20)
    )
    with pytest.raises(ValidationError) as refused:
        services.engagement_activity_days_set(engagement=engagement, days=_days(date(2027, 7, 5)))
    words = " ".join(refused.value.messages)
    assert f"{place.peer} is unavailable from 1 Jul 2027" in words
    assert f"would break the rules above for {place.peer}" in words
    engagement.refresh_from_db()
    assert engagement.start_date == date(2027, 6, 7)
    assert sorted(engagement.activity_days.values_list("date", flat=True))[0] == date(2027, 6, 7)


def test_moving_days_onto_another_accepted_engagement_is_refused():
    peer = OfficerPeerFactory()
    other = _engagement(EngagementStatus.TEAM_CONFIRMED, start=date(2027, 7, 5))
    _held(other, peer)
    engagement = _engagement(EngagementStatus.TEAM_CONFIRMED, start=date(2027, 6, 7))
    _held(engagement, peer)
    with pytest.raises(ValidationError) as refused:
        services.engagement_activity_days_set(engagement=engagement, days=_days(date(2027, 7, 6)))
    assert f"already has a place on {other.reference}" in " ".join(refused.value.messages)


def test_moving_days_into_another_financial_year_past_the_day_cap_is_refused():
    peer = PeerFactory(training_waived=True)
    # 38 days already held in 2027/28; the engagement sits in 2026/27 with 3 days.
    TeamPlaceFactory(
        peer=peer,
        engagement=_engagement(EngagementStatus.TEAM_CONFIRMED, start=date(2027, 5, 3)),
        status=PlaceStatus.ACCEPTED,
        days=Decimal("38"),
    )
    engagement = _engagement(EngagementStatus.TEAM_CONFIRMED, start=date(2027, 3, 1))
    _held(engagement, peer)
    with pytest.raises(ValidationError) as refused:
        services.engagement_activity_days_set(engagement=engagement, days=_days(date(2027, 4, 5)))
    assert "41 days in 2027/28, over the cap of 40" in " ".join(refused.value.messages)


def test_a_manager_may_withdraw_the_places_the_new_days_break_and_the_peers_are_told(
    django_capture_on_commit_callbacks,
):
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    breaking = _held(engagement)
    fine = _held(engagement)
    Unavailability.objects.create(
        peer=breaking.peer, starts_on=date(2027, 7, 1), ends_on=date(2027, 7, 20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.engagement_activity_days_set(
            engagement=engagement,
            days=_days(date(2027, 7, 5)),
            user=ManagerFactory(),
            withdraw_breaching=True,
        )
    breaking.refresh_from_db()
    fine.refresh_from_db()
    assert (breaking.status, fine.status) == (PlaceStatus.WITHDRAWN, PlaceStatus.ACCEPTED)
    notice = Notification.objects.get(recipient=breaking.peer.user.email)
    assert "has been withdrawn" in notice.body_text
    assert "activity days changed" in notice.body_text


def test_changing_the_councils_rechecks_every_rule_for_held_places():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    place = _held(engagement)
    with pytest.raises(ValidationError) as refused:
        services.engagement_update(engagement=engagement, councils=[place.peer.home_council])
    assert f"is {place.peer}'s own council" in " ".join(refused.value.messages)
    assert list(engagement.councils.all()) != [place.peer.home_council]


# Withdrawing a place ------------------------------------------------------------------------


def test_withdrawing_tells_the_peer_and_cannot_be_done_twice(django_capture_on_commit_callbacks):
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    place = _held(engagement)
    with django_capture_on_commit_callbacks(execute=True):
        services.team_place_withdraw(place=place, user=ManagerFactory())
    place.refresh_from_db()
    assert place.status == PlaceStatus.WITHDRAWN
    assert Notification.objects.filter(recipient=place.peer.user.email).count() == 1
    with pytest.raises(ValidationError, match="nothing to withdraw"):
        services.team_place_withdraw(place=place)


def test_a_declined_place_cannot_be_withdrawn():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    place = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.DECLINED)
    with pytest.raises(ValidationError, match="is declined, so there is nothing to withdraw"):
        services.team_place_withdraw(place=place)


# Importers record history, but never a future delivery ------------------------------------


def test_an_importer_cannot_record_a_future_engagement_as_delivered():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2027, 6, 7))
    with pytest.raises(ValidationError, match="before the first activity day"):
        services.engagement_status_record(engagement=engagement, to_status="delivered")
    assert Engagement.objects.get(pk=engagement.pk).status == EngagementStatus.SCHEDULED


def test_an_importer_records_a_past_delivery_and_what_it_took_on_trust():
    engagement = _engagement(EngagementStatus.SCHEDULED, start=date(2025, 6, 2))
    services.engagement_status_record(engagement=engagement, to_status="closed", note="Imported")
    change = StatusChange.objects.get(engagement=engagement, to_status="closed")
    assert "feedback letter" not in change.guards_overridden  # only checked on the step itself
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.CLOSED
