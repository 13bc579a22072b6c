"""Sending surveys on a status change, and chasing those who have not answered."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications.models import Notification
from programmes.models import EngagementStatus, PlaceStatus
from programmes.services import engagement_transition
from surveys.models import Invitation
from surveys.planners import survey_reminders_plan
from surveys.services import survey_invitations_send
from tests.factories import CouncilContactFactory, CouncilFactory, DistrictFactory, UserFactory
from tests.factories_records import (
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    offer,
)
from tests.factories_surveys import respond

pytestmark = pytest.mark.django_db


def in_delivery(**kwargs):
    """An engagement in delivery whose last activity day is today (so it may be delivered)."""
    kwargs.setdefault("start_date", timezone.localdate() - timedelta(days=2))
    return ScheduledEngagementFactory(status=EngagementStatus.IN_DELIVERY, **kwargs)


def deliver(engagement, capture):
    with capture(execute=True):
        engagement_transition(engagement=engagement, to_status=EngagementStatus.DELIVERED)


def test_delivery_sends_council_survey_to_contacts_and_peer_survey_to_accepted_peers(
    django_capture_on_commit_callbacks,
):
    engagement = in_delivery(offer=offer("CPC"))
    council = engagement.councils.get()
    contacts = CouncilContactFactory.create_batch(2, council=council)
    CouncilContactFactory()  # another council's contact: not asked
    UserFactory(council=council, is_active=False)  # left the council: not asked
    accepted = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.DECLINED)
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.INVITED)

    deliver(engagement, django_capture_on_commit_callbacks)

    invitations = Invitation.objects.filter(engagement=engagement)
    assert sorted((i.template.code, i.email) for i in invitations) == sorted(
        [("council_feedback", c.email) for c in contacts]
        + [("peer_feedback", accepted.peer.user.email)]
    )
    assert all(i.council == council for i in invitations)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.email for i in invitations)
    for invitation in invitations:
        assert len(invitation.token) >= 43
        assert invitation.closes_at == invitation.sent_at + timedelta(days=28)
    message = next(m for m in mail.outbox if m.to == [contacts[0].email])
    token = invitations.get(email=contacts[0].email).token
    assert f"/surveys/{token}/" in message.body
    assert council.name in message.body


def test_tokens_are_unique_per_invitation(django_capture_on_commit_callbacks):
    engagement = in_delivery()
    CouncilContactFactory.create_batch(5, council=engagement.councils.get())
    deliver(engagement, django_capture_on_commit_callbacks)
    tokens = list(Invitation.objects.values_list("token", flat=True))
    assert len(tokens) == len(set(tokens)) == 5


def test_each_council_of_a_group_engagement_gets_its_own_survey(django_capture_on_commit_callbacks):
    county = CouncilFactory()
    district = DistrictFactory()
    engagement = in_delivery(offer=offer("DIP"), councils=[county, district])
    county_contact = CouncilContactFactory(council=county)
    district_contact = CouncilContactFactory(council=district)

    deliver(engagement, django_capture_on_commit_callbacks)

    councils = dict(Invitation.objects.values_list("email", "council"))
    assert councils == {county_contact.email: county.pk, district_contact.email: district.pk}


def test_sending_again_sends_nothing_twice(django_capture_on_commit_callbacks):
    engagement = in_delivery()
    CouncilContactFactory(council=engagement.councils.get())
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    deliver(engagement, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        again = survey_invitations_send(engagement_id=engagement.pk, to_status="delivered")

    assert again == 0
    assert len(mail.outbox) == 2
    assert Invitation.objects.count() == 2
    assert Notification.objects.filter(kind="survey_invitation").count() == 2


def test_a_contact_added_later_is_invited_on_a_rerun_without_resending_the_others(
    django_capture_on_commit_callbacks,
):
    engagement = in_delivery()
    CouncilContactFactory(council=engagement.councils.get())
    deliver(engagement, django_capture_on_commit_callbacks)
    CouncilContactFactory(council=engagement.councils.get())
    with django_capture_on_commit_callbacks(execute=True):
        assert survey_invitations_send(engagement_id=engagement.pk, to_status="delivered") == 1
    assert len(mail.outbox) == 2


def test_rrp_scheduled_sends_the_pre_panel_survey_only(django_capture_on_commit_callbacks):
    rrp = ScheduledEngagementFactory(offer=offer("RRP"), status=EngagementStatus.SCOPING)
    contact = CouncilContactFactory(council=rrp.councils.get())

    with django_capture_on_commit_callbacks(execute=True):
        engagement_transition(engagement=rrp, to_status=EngagementStatus.SCHEDULED)

    assert list(Invitation.objects.values_list("template__code", "email")) == [
        ("pre_panel", contact.email)
    ]
    assert "Before your panel" in mail.outbox[0].subject


def test_other_offers_get_no_pre_panel_survey(django_capture_on_commit_callbacks):
    cpc = ScheduledEngagementFactory(offer=offer("CPC"), status=EngagementStatus.SCOPING)
    CouncilContactFactory(council=cpc.councils.get())
    with django_capture_on_commit_callbacks(execute=True):
        engagement_transition(engagement=cpc, to_status=EngagementStatus.SCHEDULED)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_cancelled_engagement_is_not_surveyed_by_a_late_task():
    engagement = ScheduledEngagementFactory(status=EngagementStatus.CANCELLED)
    CouncilContactFactory(council=engagement.councils.get())
    assert survey_invitations_send(engagement_id=engagement.pk, to_status="delivered") == 0
    assert not Invitation.objects.exists()


def test_an_inactive_survey_or_an_unlinked_offer_is_not_sent(django_capture_on_commit_callbacks):
    from surveys.models import SurveyTemplate

    SurveyTemplate.objects.filter(code="peer_feedback").update(is_active=False)
    SurveyTemplate.objects.get(code="council_feedback").offers.remove(offer("MENTOR"))
    engagement = in_delivery(offer=offer("MENTOR"))
    CouncilContactFactory(council=engagement.councils.get())
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    deliver(engagement, django_capture_on_commit_callbacks)
    assert not Invitation.objects.exists()


# --- reminders -------------------------------------------------------------------------


def sent_invitations(capture, contacts=2):
    engagement = in_delivery()
    users = CouncilContactFactory.create_batch(contacts, council=engagement.councils.get())
    deliver(engagement, capture)
    mail.outbox.clear()
    return engagement, users


def run_planner(day, capture):
    with capture(execute=True):
        return survey_reminders_plan(today=day)


def test_reminders_at_7_and_14_days_to_those_who_have_not_answered(
    django_capture_on_commit_callbacks,
):
    _, (answers, waits) = sent_invitations(django_capture_on_commit_callbacks)
    respond(Invitation.objects.get(email=answers.email), satisfaction="very_satisfied")
    sent_on = timezone.localdate()

    assert run_planner(sent_on + timedelta(days=6), django_capture_on_commit_callbacks) == 0
    assert run_planner(sent_on + timedelta(days=7), django_capture_on_commit_callbacks) == 1
    assert run_planner(sent_on + timedelta(days=7), django_capture_on_commit_callbacks) == 0
    assert run_planner(sent_on + timedelta(days=8), django_capture_on_commit_callbacks) == 0
    assert run_planner(sent_on + timedelta(days=14), django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [[waits.email], [waits.email]]
    assert mail.outbox[0].subject.startswith("Reminder:")
    token = Invitation.objects.get(email=waits.email).token
    assert f"/surveys/{token}/" in mail.outbox[1].body


def test_answering_stops_the_chasing(django_capture_on_commit_callbacks):
    _, (user,) = sent_invitations(django_capture_on_commit_callbacks, contacts=1)
    sent_on = timezone.localdate()
    assert run_planner(sent_on + timedelta(days=7), django_capture_on_commit_callbacks) == 1
    respond(Invitation.objects.get(email=user.email))
    assert run_planner(sent_on + timedelta(days=14), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1


def test_a_missed_day_is_caught_up_once(django_capture_on_commit_callbacks):
    sent_invitations(django_capture_on_commit_callbacks, contacts=1)
    sent_on = timezone.localdate()
    assert run_planner(sent_on + timedelta(days=9), django_capture_on_commit_callbacks) == 1
    assert run_planner(sent_on + timedelta(days=10), django_capture_on_commit_callbacks) == 0


def test_a_closed_survey_is_not_chased(django_capture_on_commit_callbacks):
    sent_invitations(django_capture_on_commit_callbacks, contacts=1)
    Invitation.objects.update(closes_at=timezone.now() + timedelta(days=10))
    later = timezone.now() + timedelta(days=14)
    with time_machine.travel(later, tick=False):
        assert run_planner(timezone.localdate(), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_the_planner_is_registered_with_the_daily_run(settings):
    assert "surveys.planners.survey_reminders_plan" in settings.NOTIFICATION_PLANNERS
