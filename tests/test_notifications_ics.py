"""Emails about dates carry an .ics attachment: team invitations and survey deadlines."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from programmes import services as programme_services
from programmes.models import EngagementStatus
from programmes.services import engagement_transition
from tests.factories import CouncilContactFactory
from tests.factories_peer_portal import PeerFactory
from tests.factories_records import ScheduledEngagementFactory, offer

pytestmark = pytest.mark.django_db


def _events(message):
    attachments = [a for a in message.attachments if a[0].endswith(".ics")]
    assert len(attachments) == 1, "expected one calendar attachment"
    return list(Calendar.from_ical(attachments[0][1]).walk("VEVENT"))


def test_a_team_invitation_carries_the_activity_days(django_capture_on_commit_callbacks):
    engagement = ScheduledEngagementFactory()
    with django_capture_on_commit_callbacks(execute=True):
        programme_services.team_place_add(
            engagement=engagement, peer=PeerFactory(), role="member", days=Decimal("3")
        )

    events = _events(mail.outbox[0])
    days = [day.date for day in engagement.activity_days.all()]
    assert [event.decoded("dtstart") for event in events] == days
    assert all(engagement.title in str(event["summary"]) for event in events)
    # The same UIDs as the peer's calendar feed and the upcoming-engagement email.
    assert str(events[0]["uid"]).startswith(f"engagement-{engagement.pk}-{days[0]:%Y%m%d}@")


def test_a_survey_invitation_carries_its_closing_day(django_capture_on_commit_callbacks):
    engagement = ScheduledEngagementFactory(
        status=EngagementStatus.IN_DELIVERY,
        offer=offer("CPC"),
        start_date=timezone.localdate() - timedelta(days=2),
    )
    CouncilContactFactory(council=engagement.councils.get())
    with django_capture_on_commit_callbacks(execute=True):
        engagement_transition(engagement=engagement, to_status=EngagementStatus.DELIVERED)

    (event,) = _events(mail.outbox[0])
    assert event.decoded("dtstart") == timezone.localdate() + timedelta(days=28)
    assert str(event["summary"]).startswith("Last day to answer:")
    assert "/surveys/" in str(event["url"])
