"""Password reset and account invitation emails go through the notification ledger as
secret rows: delivered once, body hidden in the admin, removed once sent, never resent."""

import re
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.services import password_reset_email_queue
from notifications.models import Notification, NotificationStatus
from notifications.services import (
    SECRET_REMOVED_NOTE,
    Outcome,
    notification_deliver,
    notification_queue,
    notification_resend,
    notifications_stale_handovers_settle,
)
from peers import services as peer_services
from tests.factories import CouncilContactFactory, ManagerFactory
from tests.factories_peer_portal import NewPeerFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "correct-horse-battery-staple-9"


def _reset_request(client, email):
    # Delivery is queued on commit; the test's transaction never commits, so run it here.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)


def _reset_path(body: str) -> str:
    url = re.search(r"https?://\S+/accounts/password-reset/[^/\s]+/[^/\s]+/", body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


# Password reset --------------------------------------------------------------------------


def test_a_reset_request_is_one_secret_ledger_row_delivered_once(client):
    contact = CouncilContactFactory(email="officer@example.org")

    _reset_request(client, "officer@example.org")

    notification = Notification.objects.get()
    assert notification.kind == "password_reset"
    assert notification.recipient == "officer@example.org"
    assert notification.user == contact
    assert notification.contains_secret
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@example.org"]
    assert message.subject == "Reset your Peer Support Manager password"
    assert message.extra_headers["Message-ID"] == notification.message_id
    assert "/accounts/password-reset/" in message.body
    assert "/accounts/password-reset/" in message.alternatives[0][0]


def test_the_body_is_removed_from_the_ledger_once_sent_and_the_key_hides_the_token(client):
    CouncilContactFactory(email="officer@example.org")

    _reset_request(client, "officer@example.org")

    notification = Notification.objects.get()
    token = _reset_path(mail.outbox[0].body).rstrip("/").rsplit("/", 1)[-1]
    assert notification.body_text == SECRET_REMOVED_NOTE
    assert notification.body_html == SECRET_REMOVED_NOTE
    assert token not in notification.key


def test_the_link_in_the_email_sets_a_new_password_once(client):
    contact = CouncilContactFactory(email="officer@example.org")
    _reset_request(client, "officer@example.org")
    path = _reset_path(mail.outbox[0].body)

    form_page = client.get(path, follow=True)
    form_url = form_page.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert "Set a new password" in form_page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    contact.refresh_from_db()
    assert contact.check_password(NEW_PASSWORD)
    again = client.get(path, follow=True)
    assert "expired or was already used" in again.content.decode()


def test_two_requests_are_two_rows_and_a_repeated_call_is_one():
    contact = CouncilContactFactory(email="officer@example.org")

    with time_machine.travel(timezone.now(), tick=False):
        first_token = default_token_generator.make_token(contact)
        first = password_reset_email_queue(user=contact, token=first_token)
        repeated = password_reset_email_queue(user=contact, token=first_token)
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        second = password_reset_email_queue(
            user=contact, token=default_token_generator.make_token(contact)
        )

    assert repeated.pk == first.pk and not repeated.queued_now
    assert second.pk != first.pk
    assert Notification.objects.filter(kind="password_reset").count() == 2


def test_two_reset_requests_send_two_emails(client):
    CouncilContactFactory(email="officer@example.org")

    with time_machine.travel(timezone.now(), tick=False):
        _reset_request(client, "officer@example.org")
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        _reset_request(client, "officer@example.org")

    assert Notification.objects.filter(kind="password_reset").count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("email", ["nobody@example.org", "inactive@example.org"])
def test_an_unknown_or_inactive_address_queues_nothing_and_gets_the_same_page(client, email):
    CouncilContactFactory(email="officer@example.org")
    CouncilContactFactory(email="inactive@example.org", is_active=False)

    known = _reset_request(client, "officer@example.org")
    Notification.objects.all().delete()
    mail.outbox.clear()
    unknown = _reset_request(client, email)

    assert Notification.objects.count() == 0
    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content


def test_resending_a_reset_is_refused(client):
    CouncilContactFactory(email="officer@example.org")
    _reset_request(client, "officer@example.org")
    notification = Notification.objects.get()

    with pytest.raises(ValidationError, match="single-use link"):
        notification_resend(notification=notification)

    assert Notification.objects.count() == 1


def test_the_admin_refuses_to_resend_a_reset_and_says_why(client):
    CouncilContactFactory(email="officer@example.org")
    _reset_request(client, "officer@example.org")
    notification = Notification.objects.get()
    client.force_login(ManagerFactory())

    response = client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "resend", "_selected_action": [notification.pk]},
        follow=True,
    )

    assert "cannot be sent again" in response.content.decode()
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_managers_never_see_the_link_of_a_pending_secret_row_in_the_admin(
    client, django_capture_on_commit_callbacks
):
    contact = CouncilContactFactory(email="officer@example.org")
    with django_capture_on_commit_callbacks(execute=False):  # not delivered yet: pending
        notification = password_reset_email_queue(user=contact, token="abc123-secrettoken")
    client.force_login(ManagerFactory())
    url = reverse("admin:notifications_notification_change", args=[notification.pk])

    pending_page = client.get(url).content.decode()
    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.SENT
    sent_page = client.get(url).content.decode()

    assert notification.status == NotificationStatus.PENDING
    assert "secrettoken" in notification.body_text
    assert "Hidden: contains a single-use link" in pending_page
    assert "secrettoken" not in pending_page
    assert SECRET_REMOVED_NOTE in sent_page
    assert "secrettoken" not in sent_page


def test_other_rows_still_show_their_body_in_the_admin(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_queue(
            kind="notice",
            recipient="someone@example.org",
            key="notice:1:someone@example.org",
            context={"subject": "Hello there", "body": "Plain news"},
        )
    client.force_login(ManagerFactory())

    page = client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))

    assert "Plain news" in page.content.decode()
    assert notification_resend(notification=notification).resend_of == notification


class _RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPDataError(554, b"Message rejected")


def test_a_permanently_failed_secret_row_loses_its_body_too(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}._RefusingBackend"
    contact = CouncilContactFactory(email="officer@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        notification = password_reset_email_queue(user=contact, token="abc123-secrettoken")

    assert notification_deliver(notification_id=notification.pk).outcome == Outcome.FAILED

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.body_text == notification.body_html == SECRET_REMOVED_NOTE


def test_a_settled_stale_handover_of_a_secret_row_loses_its_body(
    django_capture_on_commit_callbacks,
):
    contact = CouncilContactFactory(email="officer@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        notification = password_reset_email_queue(user=contact, token="abc123-secrettoken")
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, handed_over_at=timezone.now() - timedelta(hours=1)
    )

    assert notifications_stale_handovers_settle() == 1

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.body_text == notification.body_html == SECRET_REMOVED_NOTE


# Account invitation ----------------------------------------------------------------------


def test_an_account_invitation_is_secret_and_cleared_once_sent(django_capture_on_commit_callbacks):
    peer = NewPeerFactory(user__email="new.peer@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        notification = peer_services.peer_account_invite(peer=peer)

    notification.refresh_from_db()
    assert notification.contains_secret
    assert notification.status == NotificationStatus.SENT
    assert "/peer/welcome/" in mail.outbox[0].body
    assert notification.body_text == notification.body_html == SECRET_REMOVED_NOTE
    with pytest.raises(ValidationError, match="single-use link"):
        notification_resend(notification=notification)


def test_a_failure_to_queue_is_logged_and_the_page_is_the_same(client, monkeypatch, caplog):
    CouncilContactFactory(email="officer@example.org")
    known = _reset_request(client, "officer@example.org")

    def broken(**kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr("accounts.forms.password_reset_email_queue", broken)
    failed = _reset_request(client, "officer@example.org")

    assert failed.content == known.content
    assert "Failed to queue the password reset email" in caplog.text
