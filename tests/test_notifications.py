"""The notification mechanism: queue, deliver at most once, sweep, resend, planners."""

import socket
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notifications import planners, services
from notifications.days import is_due, quarter_of
from notifications.models import Notification, NotificationStatus
from notifications.services import (
    Outcome,
    is_temporary_failure,
    notification_deliver,
    notification_key,
    notification_planners_run,
    notification_queue,
    notification_resend,
    notifications_sweep_run,
)
from notifications.tasks import notification_deliver_task
from peers.models import PeerKind
from programmes.models import DayMode, EngagementMilestone, EngagementStatus, PlaceStatus
from tests.factories import CouncilContactFactory, ManagerFactory, UserFactory
from tests.factories_records import (
    DeliveredEngagementFactory,
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _at(day: date, hour: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def _queue(key="notice:1:someone@example.org", **overrides):
    arguments = {
        "kind": "notice",
        "recipient": "someone@example.org",
        "key": key,
        "context": {"subject": "Hello there", "body": "Tom & Jerry <3"},
    }
    arguments.update(overrides)
    return notification_queue(**arguments)


# Queue ---------------------------------------------------------------------------------


def test_queue_is_idempotent_on_the_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = _queue()
    with django_capture_on_commit_callbacks() as second_callbacks:
        second = _queue(context={"subject": "Different", "body": "Different"})

    assert second.pk == first.pk
    assert Notification.objects.count() == 1
    assert len(first_callbacks) == 1 and first.queued_now
    assert second_callbacks == [] and not second.queued_now
    assert second.subject == "Hello there"


def test_the_database_refuses_a_duplicate_key():
    _queue()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            key="notice:1:someone@example.org",
            kind="notice",
            recipient="other@example.org",
            subject="x",
            body_text="x",
        )


def test_queue_renders_branded_text_and_html_without_escaping_the_text():
    notification = _queue(context={"subject": "A  subject\n", "body": "Tom & Jerry <3"})

    assert notification.subject == "A subject"
    assert "Tom & Jerry <3" in notification.body_text
    assert "Tom &amp; Jerry &lt;3" in notification.body_html
    for body in (notification.body_text, notification.body_html):
        assert "Peer Support Manager" in body
        assert "crown" not in body.lower() and "gov.uk" not in body.lower()


def test_notification_key_names_objects_and_lowercases_addresses():
    manager = ManagerFactory(email="Boss@Example.org")
    key = notification_key("kind", manager, manager.email, "7d")
    assert key == f"kind:accounts.user.{manager.pk}:boss@example.org:7d"
    assert len(notification_key("k", "x" * 400)) == 255


def test_a_notification_due_later_is_not_queued_as_a_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = _queue(send_after=timezone.now() + timedelta(days=3))

    assert callbacks == []
    assert notifications_sweep_run() == {"settled": 0}
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert notifications_sweep_run() == {"settled": 0, "sent": 1}
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


# Deliver -------------------------------------------------------------------------------


def test_delivery_sends_text_html_and_calendar_with_a_message_id_from_the_key(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _queue(ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 1 and notification.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["someone@example.org"]
    assert message.extra_headers["Message-ID"] == notification.message_id
    assert message.alternatives[0][1] == "text/html"
    assert message.attachments[0][0] == "invitation.ics"
    assert notification.message_id == Notification(key=notification.key).message_id


def test_running_the_delivery_task_again_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _queue()

    assert notification_deliver_task.delay(notification.pk).get() == Outcome.SKIPPED
    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.SKIPPED
    assert len(mail.outbox) == 1


class _Handler:
    """An SMTP server's behaviour: records Message-IDs, or refuses as told."""

    def __init__(self):
        self.message_ids: list[str] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = _Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "notifications.backends.HandoverSMTPBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def test_smtp_delivery_hands_over_and_records_sent(smtp_server):
    notification = _queue(ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.SENT
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.handed_over_at is not None
    assert smtp_server.message_ids == [notification.message_id]


def test_a_temporary_refusal_is_retried_later_with_backoff(smtp_server):
    smtp_server.data_reply = "451 Try again later"
    notification = _queue()

    result = notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert result.outcome == Outcome.RETRY and result.retry_in == 60
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1 and "451" in notification.last_error
    assert notification.send_after > timezone.now() + timedelta(seconds=50)
    assert notifications_sweep_run() == {"settled": 0}  # not due yet
    smtp_server.data_reply = None
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert notifications_sweep_run() == {"settled": 0, "sent": 1}
    assert smtp_server.message_ids == [notification.message_id]


def test_a_permanent_refusal_marks_the_notification_failed(smtp_server):
    smtp_server.rcpt_reply = "550 No such user here"
    notification = _queue()

    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.FAILED
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "550" in notification.last_error and "No such user" in notification.last_error
    assert smtp_server.message_ids == []


def test_an_unreachable_server_is_temporary_until_the_last_attempt(settings):
    settings.EMAIL_BACKEND = "notifications.backends.HandoverSMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nothing listening
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = _queue()

    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.RETRY
    Notification.objects.filter(pk=notification.pk).update(send_after=timezone.now())
    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.FAILED
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert "ConnectionRefusedError" in notification.last_error


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (__import__("smtplib").SMTPServerDisconnected("gone"), True),
        (__import__("smtplib").SMTPConnectError(421, b"busy"), True),
        (__import__("smtplib").SMTPDataError(452, b"full"), True),
        (__import__("smtplib").SMTPDataError(554, b"rejected"), False),
        (__import__("smtplib").SMTPRecipientsRefused({"a@b": (450, b"later")}), True),
        (__import__("smtplib").SMTPRecipientsRefused({"a@b": (550, b"unknown")}), False),
        (__import__("smtplib").SMTPAuthenticationError(535, b"bad"), False),
        (TimeoutError("timed out"), True),
        (ConnectionResetError(), True),
        (OSError(101, "Network is unreachable"), True),
        (__import__("smtplib").SMTPNotSupportedError("no AUTH"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_temporary_failures_are_retried(error, temporary):
    assert is_temporary_failure(error) is temporary


class _DisconnectingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise __import__("smtplib").SMTPServerDisconnected("lost after the handover")


def test_an_error_after_the_handover_is_not_retried(settings):
    settings.EMAIL_BACKEND = "tests.test_notifications._DisconnectingBackend"
    notification = _queue()

    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.NOT_CONFIRMED
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENDING
    assert notification.last_error.startswith("Not confirmed")
    assert notifications_sweep_run() == {"settled": 0}  # not resent


def test_the_sweep_settles_stale_handovers_without_sending_again():
    notification = _queue()
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING,
        handed_over_at=timezone.now() - timedelta(minutes=20),
        attempts=1,
    )

    assert notifications_sweep_run() == {"settled": 1}
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.last_error.startswith("Not confirmed")
    assert mail.outbox == []


def test_the_sweep_sends_each_due_row_once():
    notifications = [_queue(key=f"notice:{n}:someone@example.org") for n in range(5)]

    assert notifications_sweep_run() == {"settled": 0, "sent": 5}
    assert notifications_sweep_run() == {"settled": 0}
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        n.message_id for n in notifications
    )


class _SlowBackend(LocmemBackend):
    def send_messages(self, messages):
        time.sleep(0.02)
        return super().send_messages(messages)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_never_send_the_same_row_twice(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.test_notifications._SlowBackend"
    monkeypatch.setattr(services, "_delivery_enqueue", lambda notification_id: None)
    for n in range(30):
        _queue(key=f"notice:{n}:someone@example.org")
    start = threading.Barrier(4)
    outcomes = []

    def sweep():
        start.wait()
        try:
            outcomes.append(notifications_sweep_run())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(ids) == len(set(ids)) == 30
    assert sum(o.get("sent", 0) for o in outcomes) == 30
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_row_claimed_by_another_worker_is_skipped(monkeypatch):
    monkeypatch.setattr(services, "_delivery_enqueue", lambda notification_id: None)
    notification = _queue()
    claimed, release = threading.Event(), threading.Event()

    def hold_the_row():
        with transaction.atomic():
            Notification.objects.select_for_update().get(pk=notification.pk)
            claimed.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    claimed.wait(10)
    try:
        assert notification_deliver(notification_id=notification.pk).outcome == Outcome.SKIPPED
    finally:
        release.set()
        holder.join()
    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.SENT


# Resend and the admin ------------------------------------------------------------------


def test_resend_queues_a_new_row_with_a_numbered_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        original = _queue()
    manager = ManagerFactory()

    with django_capture_on_commit_callbacks(execute=True):
        first = notification_resend(notification=original, user=manager)
    with django_capture_on_commit_callbacks(execute=True):
        second = notification_resend(notification=first, user=manager)

    assert first.key == f"{original.key}:resend:1"
    assert second.key == f"{original.key}:resend:2"
    assert first.resend_of == second.resend_of == original
    assert first.resent_by == manager
    assert len(mail.outbox) == 3
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 3


def test_resend_refuses_a_notification_still_being_sent():
    notification = _queue()
    with pytest.raises(Exception, match="still being sent"):
        notification_resend(notification=notification)


def test_managers_see_the_ledger_and_resend_from_the_admin(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _queue()
    manager = ManagerFactory()
    client.force_login(manager)
    url = reverse("admin:notifications_notification_changelist")

    listing = client.get(url, {"status": "sent", "q": "someone@"})
    detail = client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "resend", "_selected_action": [notification.pk]}, follow=True
        )

    assert listing.status_code == 200 and b"someone@example.org" in listing.content
    assert detail.status_code == 200 and b"Hello there" in detail.content
    assert response.status_code == 200
    assert Notification.objects.filter(key=f"{notification.key}:resend:1").exists()
    assert len(mail.outbox) == 2


def test_people_without_the_resend_permission_cannot_resend(client):
    notification = _queue()
    user = UserFactory(is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:notifications_notification_changelist"))

    assert response.status_code == 403
    assert not Notification.objects.filter(resend_of=notification).exists()


# Schedules and the planner registry ----------------------------------------------------


def test_a_fresh_database_has_the_beat_schedules():
    sweep = PeriodicTask.objects.get(task="notifications.sweep")
    daily = PeriodicTask.objects.get(task="notifications.plan_daily")
    assert (sweep.interval.every, sweep.interval.period) == (1, "minutes")
    assert (daily.crontab.hour, daily.crontab.minute) == ("7", "0")
    assert str(daily.crontab.timezone) == "Europe/London"


def failing_planner(*, today):
    raise RuntimeError("broken planner")


def counting_planner(*, today):
    return len(planners.profile_reviews_plan.__name__)


def test_the_daily_run_runs_every_planner_and_survives_a_failing_one(settings):
    settings.NOTIFICATION_PLANNERS = [
        "tests.test_notifications.failing_planner",
        "tests.test_notifications.counting_planner",
    ]
    counts = notification_planners_run(today=date(2025, 6, 2))
    assert counts == {
        "tests.test_notifications.failing_planner": -1,
        "tests.test_notifications.counting_planner": len("profile_reviews_plan"),
    }


def test_the_real_planners_run_twice_without_queueing_twice():
    PeerFactory(profile_confirmed_on=None)
    today = timezone.localdate()
    first = notification_planners_run(today=today)
    second = notification_planners_run(today=today)
    assert sum(first.values()) >= 1
    assert sum(second.values()) == 0


def test_day_helpers():
    assert quarter_of(date(2025, 4, 1)) == "2025-Q2"
    assert quarter_of(date(2025, 12, 31)) == "2025-Q4"
    assert not is_due(date(2025, 6, 2), date(2025, 6, 1))
    assert is_due(date(2025, 6, 2), date(2025, 6, 2))
    assert is_due(date(2025, 6, 2), date(2025, 6, 4))
    assert not is_due(date(2025, 6, 2), date(2025, 6, 5))


# Planners: each sends on its day and nothing on the wrong one ---------------------------


def _run_each_day(planner, start: date, end: date):
    """Run a planner on every day from start to end; return the count queued per day."""
    return {day: planner(today=day) for day in _span(start, end)}


def _engagement_on(day: date):
    return ScheduledEngagementFactory(start_date=day, end_date=day)


def _span(start: date, end: date):
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_invitation_chaser_goes_to_the_peer_5_days_after_the_invitation():
    with time_machine.travel(_at(date(2025, 3, 3), 10), tick=False):  # a Monday
        place = TeamPlaceFactory()

    counts = _run_each_day(planners.invitation_chasers_plan, date(2025, 3, 3), date(2025, 3, 20))

    assert {day for day, count in counts.items() if count} == {date(2025, 3, 8)}
    chaser = Notification.objects.get(kind="invitation_chaser")
    assert chaser.recipient == place.peer.user.email
    assert "13 March 2025" in chaser.body_text  # the response due date


def test_invitation_chaser_counts_working_days_when_the_setting_says_so(settings):
    settings.INVITATION_WORKING_DAYS = True
    with time_machine.travel(_at(date(2025, 4, 14), 10), tick=False):  # before Easter
        TeamPlaceFactory(response_due=None)

    counts = _run_each_day(planners.invitation_chasers_plan, date(2025, 4, 14), date(2025, 5, 2))

    # Good Friday 18 April and Easter Monday 21 April are bank holidays.
    assert {day for day, count in counts.items() if count} == {date(2025, 4, 23)}


def test_an_answered_invitation_is_not_chased():
    with time_machine.travel(_at(date(2025, 3, 3), 10), tick=False):
        TeamPlaceFactory(status=PlaceStatus.ACCEPTED)
    assert planners.invitation_chasers_plan(today=date(2025, 3, 8)) == 0


def test_overdue_invitation_tells_the_engagement_manager_on_the_response_due_day():
    manager, other_manager = ManagerFactory(), ManagerFactory()
    with time_machine.travel(_at(date(2025, 3, 3), 10), tick=False):
        place = TeamPlaceFactory(engagement=ScheduledEngagementFactory(manager=manager))
        TeamPlaceFactory(engagement=ScheduledEngagementFactory(manager=None))
    assert place.response_due == date(2025, 3, 13)

    counts = _run_each_day(planners.invitations_overdue_plan, date(2025, 3, 3), date(2025, 3, 25))

    assert {day for day, count in counts.items() if count} == {date(2025, 3, 13)}
    recipients = sorted(Notification.objects.values_list("recipient", flat=True))
    # The first engagement's own manager; the second has none, so every manager.
    assert recipients == sorted([manager.email, manager.email, other_manager.email])


def test_a_missed_day_is_caught_up_once():
    with time_machine.travel(_at(date(2025, 3, 3), 10), tick=False):
        TeamPlaceFactory()
    assert planners.invitation_chasers_plan(today=date(2025, 3, 9)) == 1  # 8 March was missed
    assert planners.invitation_chasers_plan(today=date(2025, 3, 10)) == 0


def test_upcoming_engagement_goes_to_team_and_council_7_days_and_1_day_before():
    first_day = date(2025, 6, 16)
    engagement = ScheduledEngagementFactory(
        start_date=first_day,
        end_date=first_day + timedelta(days=1),
        activity_days=DayMode.REMOTE,
        remote_joining_details="Teams link: https://example.org/join",
    )
    accepted = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.DECLINED)
    contact = CouncilContactFactory(council=engagement.councils.first())
    CouncilContactFactory()  # another council's contact

    counts = _run_each_day(planners.upcoming_engagements_plan, date(2025, 6, 1), first_day)

    assert {day for day, count in counts.items() if count} == {date(2025, 6, 9), date(2025, 6, 15)}
    assert counts[date(2025, 6, 9)] == counts[date(2025, 6, 15)] == 2
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {accepted.peer.user.email, contact.email}
    reminder = Notification.objects.filter(key__contains=":1d:").first()
    assert "Tomorrow" in reminder.subject
    assert "Teams link" in reminder.body_text
    assert "BEGIN:VEVENT" in reminder.ics and "DTSTART;VALUE=DATE:20250616" in reminder.ics


def test_a_cancelled_engagement_sends_no_upcoming_reminder():
    ScheduledEngagementFactory(
        start_date=date(2025, 6, 16),
        end_date=date(2025, 6, 16),
        status=EngagementStatus.CANCELLED,
    )
    CouncilContactFactory()
    assert planners.upcoming_engagements_plan(today=date(2025, 6, 9)) == 0


def test_cpc_milestone_reminder_goes_to_the_manager_14_days_before():
    manager = ManagerFactory()
    engagement = DeliveredEngagementFactory(manager=manager)
    due = date(2025, 9, 30)
    EngagementMilestone.objects.create(
        engagement=engagement, code="follow_up", name="Follow-up session", due_on=due
    )
    EngagementMilestone.objects.create(
        engagement=engagement, code="feedback_letter", name="Feedback letter", due_on=due
    )
    done = EngagementMilestone.objects.create(
        engagement=engagement,
        code="progress_review",
        name="Remote progress review",
        due_on=due,
        done_on=date(2025, 9, 1),
    )

    counts = _run_each_day(planners.milestone_reminders_plan, date(2025, 9, 1), due)

    assert {day for day, count in counts.items() if count} == {date(2025, 9, 16)}
    [reminder] = Notification.objects.all()
    assert reminder.recipient == manager.email
    assert "Follow-up session" in reminder.subject
    assert done.pk != reminder.about_object_id


def test_training_reminder_once_a_quarter_to_peer_and_managers():
    manager = ManagerFactory()
    lapsed = PeerFactory(trained=False)
    TrainingRecordFactory(peer=lapsed, attended_on=date(2022, 3, 31))
    recent = PeerFactory(trained=False)
    TrainingRecordFactory(peer=recent, attended_on=date(2022, 4, 2))
    PeerFactory(training_waived=True, trained=False)
    PeerFactory(kind=PeerKind.OFFICER, political_group="")

    counts = _run_each_day(planners.training_lapsed_plan, date(2025, 3, 31), date(2025, 6, 30))

    # On the quarter's first day: the first peer and one digest to the manager. The second
    # peer's training turns 3 years old on 2 April: told next quarter.
    assert {day: count for day, count in counts.items() if count} == {date(2025, 4, 1): 2}
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted(
        [lapsed.user.email, manager.email]
    )
    assert planners.training_lapsed_plan(today=date(2025, 7, 1)) == 3  # the next quarter
    digest = Notification.objects.get(kind="training_lapsed_manager", key__contains="2025-Q3")
    assert lapsed.name in digest.body_text and recent.name in digest.body_text


def test_day_cap_tells_managers_at_80_and_100_percent_once_each():
    manager = ManagerFactory()
    peer = PeerFactory()
    TeamPlaceFactory(
        peer=peer,
        status=PlaceStatus.ACCEPTED,
        days=Decimal("31"),
        engagement=ScheduledEngagementFactory(
            start_date=date(2025, 5, 5), end_date=date(2025, 5, 6)
        ),
    )
    today = date(2025, 6, 2)
    assert planners.day_cap_plan(today=today) == 0  # 31 of 40 is under 80%

    TeamPlaceFactory(
        peer=peer,
        status=PlaceStatus.INVITED,
        days=Decimal("1"),
        engagement=ScheduledEngagementFactory(
            start_date=date(2025, 7, 7), end_date=date(2025, 7, 7)
        ),
    )
    assert planners.day_cap_plan(today=today) == 1  # 32 of 40: 80%
    assert planners.day_cap_plan(today=today + timedelta(days=1)) == 0

    TeamPlaceFactory(
        peer=peer,
        status=PlaceStatus.ACCEPTED,
        days=Decimal("8"),
        engagement=ScheduledEngagementFactory(
            start_date=date(2025, 9, 1), end_date=date(2025, 9, 1)
        ),
    )
    assert planners.day_cap_plan(today=today + timedelta(days=2)) == 1  # 40 of 40: 100%
    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert [k.split(":")[-2:] for k in keys] == [["2025", "100pc"], ["2025", "80pc"]]
    assert set(Notification.objects.values_list("recipient", flat=True)) == {manager.email}


def test_profile_review_prompt_at_12_months_and_a_reminder_14_days_later():
    peer = PeerFactory(profile_confirmed_on=date(2024, 1, 10))
    days = _span(date(2025, 1, 1), date(2025, 2, 15))

    counts = {}
    for day in days:
        with time_machine.travel(_at(day), tick=False):
            counts[day] = planners.profile_reviews_plan(today=day)

    assert {day for day, count in counts.items() if count} == {
        date(2025, 1, 10),
        date(2025, 1, 24),
    }
    prompt = Notification.objects.get(kind="profile_review")
    assert "http://127.0.0.1:8000/peer/profile/confirm/" in prompt.body_text
    assert Notification.objects.get(kind="profile_review_reminder").recipient == peer.user.email


def test_a_confirmed_profile_gets_no_reminder():
    peer = PeerFactory(profile_confirmed_on=None)
    with time_machine.travel(_at(date(2025, 1, 10)), tick=False):
        assert planners.profile_reviews_plan(today=date(2025, 1, 10)) == 1
    peer.profile_confirmed_on = date(2025, 1, 12)
    peer.save(update_fields=["profile_confirmed_on"])
    with time_machine.travel(_at(date(2025, 1, 24)), tick=False):
        assert planners.profile_reviews_plan(today=date(2025, 1, 24)) == 0


def test_delivery_through_gov_uk_notify_sends_subject_and_body_only(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django_gov_notify.backends.NotifyEmailBackend"
    settings.GOVUK_NOTIFY_API_KEY = "test-key"
    settings.GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = "11111111-1111-1111-1111-111111111111"
    sent = []

    class _Client:
        def send_email_notification(self, **kwargs):
            sent.append(kwargs)

    monkeypatch.setattr(
        "django_gov_notify.backends.NotifyEmailBackend.open",
        lambda self: setattr(self, "client", _Client()),
    )
    notification = _queue(ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.SENT
    assert sent[0]["email_address"] == "someone@example.org"
    assert sent[0]["personalisation"]["subject"] == "Hello there"


def test_services_module_documents_the_delivery_order():
    assert "claim, hand over, record" in services.__doc__
