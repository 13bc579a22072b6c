"""The programme's rules, enforced in the service layer (records issue, rules 1–6)."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from peers.models import PeerStatus, Unavailability
from programmes import services, workflow
from programmes.models import (
    DayMode,
    EngagementStatus,
    PlaceStatus,
    StatusChange,
    TeamPlace,
    TeamRole,
)
from programmes.selectors import (
    cpc_entitlement_warning,
    financial_year_of,
    peer_days_used,
)
from tests.factories import CouncilFactory, DirectorFactory, DistrictFactory, ManagerFactory
from tests.factories_council_portal import DocumentFactory
from tests.factories_records import (
    EngagementFactory,
    OfficerPeerFactory,
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    offer,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _engagement_on(start: date, days: int = 1, **kwargs):
    return ScheduledEngagementFactory(
        start_date=start, end_date=start + timedelta(days=days - 1), **kwargs
    )


# Rule 1: the day cap -------------------------------------------------------------------


def test_financial_year_runs_april_to_march():
    assert financial_year_of(date(2026, 3, 31)) == 2025
    assert financial_year_of(date(2026, 4, 1)) == 2026


def test_member_peer_cannot_go_over_40_days_in_a_financial_year():
    peer = PeerFactory()
    TeamPlaceFactory(peer=peer, engagement=_engagement_on(date(2026, 5, 4)), days=Decimal("38"))
    engagement = _engagement_on(date(2026, 9, 7))

    with pytest.raises(ValidationError) as error:
        services.team_place_add(engagement=engagement, peer=peer, role=TeamRole.MEMBER, days=3)

    assert "over the cap of 40" in str(error.value)
    assert not TeamPlace.objects.filter(engagement=engagement).exists()


def test_exactly_40_days_is_allowed():
    peer = PeerFactory()
    TeamPlaceFactory(peer=peer, engagement=_engagement_on(date(2026, 5, 4)), days=Decimal("37"))
    place = services.team_place_add(
        engagement=_engagement_on(date(2026, 9, 7)), peer=peer, role=TeamRole.MEMBER, days=3
    )
    assert place.status == PlaceStatus.INVITED
    assert peer_days_used(peer=peer, financial_year=2026) == Decimal("40")


def test_days_count_by_the_engagement_start_date_financial_year():
    peer = PeerFactory()
    TeamPlaceFactory(peer=peer, engagement=_engagement_on(date(2026, 3, 30)), days=Decimal("39"))
    # 2026-04-02 is in the next financial year, so the 39 days do not count.
    services.team_place_add(
        engagement=_engagement_on(date(2026, 4, 2)), peer=peer, role=TeamRole.MEMBER, days=4
    )


def test_declined_places_and_cancelled_engagements_do_not_count():
    peer = PeerFactory()
    TeamPlaceFactory(
        peer=peer,
        engagement=_engagement_on(date(2026, 5, 4)),
        days=Decimal("30"),
        status=PlaceStatus.DECLINED,
    )
    TeamPlaceFactory(
        peer=peer,
        engagement=_engagement_on(date(2026, 6, 1), status=EngagementStatus.CANCELLED),
        days=Decimal("30"),
        status=PlaceStatus.ACCEPTED,
    )
    assert peer_days_used(peer=peer, financial_year=2026) == 0


def test_officer_peers_have_no_day_cap():
    peer = OfficerPeerFactory()
    TeamPlaceFactory(
        peer=peer,
        role=TeamRole.OFFICER,
        engagement=_engagement_on(date(2026, 5, 4)),
        days=Decimal("45"),
    )
    services.team_place_add(
        engagement=_engagement_on(date(2026, 9, 7)), peer=peer, role=TeamRole.OFFICER, days=3
    )


def test_an_approved_exception_raises_the_cap_and_records_who_and_why():
    peer = PeerFactory()
    director = DirectorFactory()
    TeamPlaceFactory(peer=peer, engagement=_engagement_on(date(2026, 5, 4)), days=Decimal("38"))
    exception = services.day_cap_exception_approve(
        peer=peer,
        financial_year=2026,
        extra_days=Decimal("5"),
        reason="Unique skills",
        user=director,
    )
    services.team_place_add(
        engagement=_engagement_on(date(2026, 9, 7)), peer=peer, role=TeamRole.MEMBER, days=3
    )
    assert exception.approved_by == director and exception.approved_at


def test_only_the_director_may_approve_an_exception():
    with pytest.raises(PermissionDenied):
        services.day_cap_exception_approve(
            peer=PeerFactory(),
            financial_year=2026,
            extra_days=Decimal("5"),
            reason="Busy year",
            user=ManagerFactory(),
        )


def test_accepting_rechecks_the_cap():
    peer = PeerFactory()
    place = TeamPlaceFactory(peer=peer, engagement=_engagement_on(date(2026, 9, 7)), days=3)
    # A manager later confirms other places directly, using the peer's remaining days.
    TeamPlace.objects.create(
        engagement=_engagement_on(date(2026, 5, 4)),
        peer=peer,
        role=TeamRole.MEMBER,
        days=Decimal("38"),
        status=PlaceStatus.ACCEPTED,
    )
    with pytest.raises(ValidationError, match="over the cap"):
        services.team_place_respond(place=place, accept=True, no_conflict_declared=True)
    place.refresh_from_db()
    assert place.status == PlaceStatus.INVITED


# Rule 2: own council, two-tier area, declared conflicts ---------------------------------


def test_a_peer_never_reviews_their_own_council():
    peer = PeerFactory()
    engagement = ScheduledEngagementFactory(councils=[peer.home_council])
    with pytest.raises(ValidationError, match="own council"):
        services.team_place_add(engagement=engagement, peer=peer, role=TeamRole.MEMBER, days=3)


def test_two_districts_of_one_county_are_the_same_two_tier_area():
    district = DistrictFactory()
    sibling = DistrictFactory(county=district.county)
    peer = PeerFactory(home_council=district)
    with pytest.raises(ValidationError, match="same two-tier area"):
        services.team_place_add(
            engagement=ScheduledEngagementFactory(councils=[sibling]),
            peer=peer,
            role=TeamRole.MEMBER,
            days=3,
        )
    with pytest.raises(ValidationError, match="same two-tier area"):
        services.team_place_add(
            engagement=ScheduledEngagementFactory(councils=[district.county]),
            peer=peer,
            role=TeamRole.MEMBER,
            days=3,
        )


def test_a_declared_conflict_refuses_the_place():
    council = CouncilFactory()
    peer = PeerFactory()
    peer.conflicts.add(council)
    with pytest.raises(ValidationError, match="declared a conflict"):
        services.team_place_add(
            engagement=ScheduledEngagementFactory(councils=[council]),
            peer=peer,
            role=TeamRole.MEMBER,
            days=3,
        )


# Rule 3: clashes and unavailability -----------------------------------------------------


def test_overlapping_engagements_clash():
    peer = PeerFactory()
    TeamPlaceFactory(peer=peer, engagement=_engagement_on(date(2026, 9, 7), days=3))
    with pytest.raises(ValidationError, match="overlaps"):
        services.team_place_add(
            engagement=_engagement_on(date(2026, 9, 9), days=2),
            peer=peer,
            role=TeamRole.MEMBER,
            days=2,
        )
    # The day after the first ends is fine.
    services.team_place_add(
        engagement=_engagement_on(date(2026, 9, 10)), peer=peer, role=TeamRole.MEMBER, days=1
    )


def test_unavailability_refuses_the_place():
    peer = PeerFactory()
    Unavailability.objects.create(peer=peer, starts_on=date(2026, 8, 1), ends_on=date(2026, 9, 7))
    with pytest.raises(ValidationError, match="unavailable"):
        services.team_place_add(
            engagement=_engagement_on(date(2026, 9, 7)), peer=peer, role=TeamRole.MEMBER, days=1
        )


def test_inactive_peers_and_wrong_kinds_are_refused():
    paused = PeerFactory(status=PeerStatus.PAUSED)
    with pytest.raises(ValidationError, match="not active"):
        services.team_place_add(
            engagement=ScheduledEngagementFactory(), peer=paused, role=TeamRole.MEMBER, days=1
        )
    with pytest.raises(ValidationError, match="not a member peer"):
        services.team_place_add(
            engagement=ScheduledEngagementFactory(),
            peer=OfficerPeerFactory(),
            role=TeamRole.LEAD_MEMBER,
            days=1,
        )
    services.team_place_add(
        engagement=ScheduledEngagementFactory(),
        peer=OfficerPeerFactory(),
        role=TeamRole.SHADOW,
        days=1,
    )


def test_half_days_are_allowed_but_not_other_fractions():
    services.team_place_add(
        engagement=ScheduledEngagementFactory(), peer=PeerFactory(), role=TeamRole.MEMBER, days=0.5
    )
    with pytest.raises(ValidationError, match="half days"):
        services.team_place_add(
            engagement=ScheduledEngagementFactory(),
            peer=PeerFactory(),
            role=TeamRole.MEMBER,
            days=Decimal("1.3"),
        )


# Rule 4: an onsite element for CPCs -----------------------------------------------------


def test_a_cpc_cannot_be_scheduled_without_an_onsite_day():
    engagement = EngagementFactory(offer=offer("CPC"), status=EngagementStatus.SCOPING)
    services.engagement_activity_days_set(
        engagement=engagement,
        days=[(date(2026, 10, 5), DayMode.REMOTE), (date(2026, 10, 6), DayMode.REMOTE)],
    )
    with pytest.raises(ValidationError, match="at least one onsite"):
        services.engagement_transition(engagement=engagement, to_status=EngagementStatus.SCHEDULED)
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCOPING

    services.engagement_activity_days_set(
        engagement=engagement,
        days=[(date(2026, 10, 5), DayMode.ONSITE), (date(2026, 10, 6), DayMode.REMOTE)],
    )
    services.engagement_transition(engagement=engagement, to_status=EngagementStatus.SCHEDULED)


def test_a_scheduled_cpc_cannot_lose_its_last_onsite_day():
    engagement = ScheduledEngagementFactory(offer=offer("CPC"))
    with pytest.raises(ValidationError, match="at least one onsite"):
        services.engagement_activity_days_set(
            engagement=engagement, days=[(date(2026, 10, 5), DayMode.REMOTE)]
        )


# Rule 5: the workflow ------------------------------------------------------------------


def test_only_allowed_transitions_succeed_and_each_is_recorded():
    manager = ManagerFactory()
    engagement = EngagementFactory()
    with pytest.raises(ValidationError, match="cannot move to delivered"):
        services.engagement_transition(
            engagement=engagement, to_status=EngagementStatus.DELIVERED, user=manager
        )
    services.engagement_transition(
        engagement=engagement, to_status=EngagementStatus.SCOPING, user=manager
    )
    change = StatusChange.objects.filter(engagement=engagement).last()
    assert (change.from_status, change.to_status, change.changed_by) == (
        "requested",
        "scoping",
        manager,
    )


def test_postponed_can_return_to_scheduled_and_cancelled_is_final():
    assert workflow.is_allowed("team_confirmed", "postponed")
    assert workflow.is_allowed("postponed", "scheduled")
    assert not workflow.is_allowed("cancelled", "scheduled")
    assert not workflow.is_allowed("delivered", "cancelled")
    assert workflow.allowed_transitions("closed") == set()


def test_a_full_cpc_runs_from_request_to_closed():
    manager = ManagerFactory()
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=LONDON), tick=False):
        engagement = services.engagement_create(
            offer=offer("CPC"),
            councils=[CouncilFactory()],
            title="Corporate peer challenge",
            user=manager,
        )
        assert engagement.reference.startswith("CPC-")
        services.engagement_transition(engagement=engagement, to_status="scoping", user=manager)
        services.engagement_activity_days_set(
            engagement=engagement,
            days=[(date(2027, 2, d), DayMode.ONSITE) for d in (2, 3, 4, 5)],
            user=manager,
        )
        services.engagement_transition(engagement=engagement, to_status="scheduled", user=manager)
        TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
        services.engagement_transition(
            engagement=engagement, to_status="team_confirmed", user=manager
        )
    with time_machine.travel(datetime(2027, 2, 5, 17, tzinfo=LONDON), tick=False):
        for status in ("in_delivery", "delivered"):
            services.engagement_transition(engagement=engagement, to_status=status, user=manager)
        DocumentFactory(engagement=engagement)
        for status in ("feedback_issued", "follow_up", "closed"):
            services.engagement_transition(engagement=engagement, to_status=status, user=manager)
    engagement.refresh_from_db()
    assert engagement.status == "closed"
    assert engagement.status_changes.count() == 9
    assert not engagement.status_changes.exclude(guards_overridden="").exists()


# Milestones ----------------------------------------------------------------------------


def test_milestones_follow_the_activity_days_unless_fixed_by_hand():
    engagement = EngagementFactory(offer=offer("CPC"))
    services.engagement_activity_days_set(
        engagement=engagement, days=[(date(2027, 2, 1), DayMode.ONSITE)]
    )
    scoping = engagement.milestones.get(code="scoping_meeting")
    follow_up = engagement.milestones.get(code="follow_up")
    assert scoping.due_on == date(2027, 2, 1) - timedelta(days=180)
    assert follow_up.due_on == date(2027, 2, 1) + timedelta(days=90)

    follow_up.due_on, follow_up.fixed_by_hand = date(2027, 6, 1), True
    follow_up.save()
    services.engagement_activity_days_set(
        engagement=engagement, days=[(date(2027, 3, 1), DayMode.ONSITE)]
    )
    scoping.refresh_from_db()
    follow_up.refresh_from_db()
    assert scoping.due_on == date(2027, 3, 1) - timedelta(days=180)
    assert follow_up.due_on == date(2027, 6, 1)


def test_an_early_repeat_cpc_gets_a_warning_not_a_block():
    council = CouncilFactory()
    ScheduledEngagementFactory(offer=offer("CPC"), councils=[council], start_date=date(2025, 1, 10))
    warning = cpc_entitlement_warning(council=council, offer=offer("CPC"), on=date(2026, 6, 1))
    assert "every 3 to 4 years" in warning
    assert cpc_entitlement_warning(council=council, offer=offer("CPC"), on=date(2028, 6, 1)) is None


# Rule 6: concurrency (PostgreSQL) -------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_managers_placing_one_peer_at_once_cannot_break_the_cap():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL feature; SQLite serialises writes anyway")
    peer = PeerFactory()
    TeamPlaceFactory(peer=peer, engagement=_engagement_on(date(2026, 5, 4)), days=Decimal("30"))
    first, second = _engagement_on(date(2026, 9, 7)), _engagement_on(date(2026, 10, 5))
    barrier = threading.Barrier(2)
    outcomes = []

    def place(engagement):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.team_place_add(
                engagement=engagement, peer=peer, role=TeamRole.MEMBER, days=Decimal("8")
            )
            outcomes.append("placed")
        except ValidationError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=place, args=(e,)) for e in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["placed", "refused"]
    assert peer_days_used(peer=peer, financial_year=2026) == Decimal("38")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_managers_placing_one_peer_on_overlapping_dates_at_once_make_one_place():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL feature")
    peer = PeerFactory()
    first, second = _engagement_on(date(2026, 9, 7), 3), _engagement_on(date(2026, 9, 8), 3)
    barrier = threading.Barrier(2)
    outcomes = []

    def place(engagement):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.team_place_add(
                engagement=engagement, peer=peer, role=TeamRole.MEMBER, days=Decimal("3")
            )
            outcomes.append("placed")
        except ValidationError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=place, args=(e,)) for e in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["placed", "refused"]
