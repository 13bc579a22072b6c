"""A declined or lapsed invitation passes to the next reserve the manager named."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from notifications.planners import invitations_overdue_plan
from programmes import services
from programmes.models import PlaceStatus, TeamRole
from tests.factories import ManagerFactory
from tests.factories_records import PeerFactory, ScheduledEngagementFactory

pytestmark = pytest.mark.django_db


def _team_with_reserve():
    ManagerFactory()
    engagement = ScheduledEngagementFactory()
    invited = services.team_place_add(
        engagement=engagement, peer=PeerFactory(), role=TeamRole.LEAD_MEMBER, days=Decimal("3")
    )
    reserve = services.team_place_add(
        engagement=engagement,
        peer=PeerFactory(),
        role=TeamRole.LEAD_MEMBER,
        days=Decimal("3"),
        status=PlaceStatus.RESERVE,
        reserve_rank=1,
    )
    return invited, reserve


def test_a_decline_invites_the_next_reserve():
    invited, reserve = _team_with_reserve()

    services.team_place_respond(place=invited, accept=False, reason="Away that week")

    reserve.refresh_from_db()
    assert reserve.status == PlaceStatus.INVITED
    assert reserve.response_due is not None


def test_an_overdue_invitation_is_withdrawn_and_the_reserve_invited():
    invited, reserve = _team_with_reserve()
    due_day = timezone.localdate(invited.invited_at) + timedelta(days=10)

    with time_machine.travel(due_day):
        invitations_overdue_plan(today=due_day)

    invited.refresh_from_db()
    reserve.refresh_from_db()
    assert invited.status == PlaceStatus.WITHDRAWN
    assert reserve.status == PlaceStatus.INVITED


def test_nothing_happens_on_the_day_before_the_response_is_due():
    invited, reserve = _team_with_reserve()
    day = timezone.localdate(invited.invited_at) + timedelta(days=9)
    invitations_overdue_plan(today=day)
    reserve.refresh_from_db()
    assert reserve.status == PlaceStatus.RESERVE
