"""The handover order: the ledger says "sending" before the mail server can accept a message.

notifications.services writes the COMMIT of the "sending" row and the SMTP end-of-data
mark back to back (notifications.commit). These tests check that order against a real
PostgreSQL server and a real SMTP server on loopback, and the path where PostgreSQL
refuses the COMMIT after the mark went out.
"""

import asyncio
import socket
import time
from email import message_from_bytes

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection, transaction

from notifications import commit, services
from notifications.commit import CommitFailed, commit_then
from notifications.models import Notification, NotificationStatus
from notifications.services import (
    NOT_CONFIRMED,
    Outcome,
    notification_deliver,
    notification_queue,
    notifications_sweep_run,
)

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pipelined COMMIT is PostgreSQL's"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _connection_kwargs() -> dict:
    database = settings.DATABASES["default"]
    return {
        "dbname": database["NAME"],
        "user": database["USER"],
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or "127.0.0.1",
        "port": database.get("PORT") or 5432,
        "autocommit": True,
    }


class _StatusAtEndOfDataHandler:
    """Records the row's status as another database session sees it when the mark arrives.

    It waits up to two seconds for the COMMIT to become visible: the worker sends the
    COMMIT before the mark but does not wait for it, so it may land a moment later. A
    worker that sent the mark before its COMMIT would be waiting for this server's reply
    with its transaction open, so the status would never be seen.
    """

    def __init__(self, notification_id: int):
        self.notification_id = notification_id
        self.statuses: list[str] = []
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        deadline = time.monotonic() + 2
        with psycopg.connect(**_connection_kwargs()) as observer:
            while True:
                status = observer.execute(
                    "SELECT status FROM notifications_notification WHERE id = %s",
                    [self.notification_id],
                ).fetchone()[0]
                if status != NotificationStatus.PENDING or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.005)
        self.statuses.append(status)
        self.message_ids.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 Message accepted for delivery"


def _smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "notifications.backends.HandoverSMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def _queue_one(monkeypatch) -> Notification:
    monkeypatch.setattr(services, "_delivery_enqueue", lambda notification_id: None)
    return notification_queue(
        kind="notice",
        recipient="peer@example.org",
        key="handover-test:1:peer@example.org",
        context={"subject": "Handover", "body": "Hello"},
    )


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_row_is_committed_as_sending_before_the_server_can_accept_it(settings, monkeypatch):
    notification = _queue_one(monkeypatch)
    handler = _StatusAtEndOfDataHandler(notification.pk)
    smtp = Controller(handler, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    _smtp_settings(settings, smtp.port)
    pipelined = []
    real_commit_then = services.commit_then
    monkeypatch.setattr(
        services, "commit_then", lambda action: pipelined.append(real_commit_then(action)) or True
    )
    try:
        result = notification_deliver(notification_id=notification.pk)
    finally:
        smtp.stop()

    notification.refresh_from_db()
    assert pipelined == [True]  # the COMMIT really went out before the mark
    assert handler.statuses == [NotificationStatus.SENDING]
    assert handler.message_ids == [notification.message_id]
    assert result.outcome == Outcome.SENT
    assert notification.status == NotificationStatus.SENT


@pytest.mark.django_db
def test_a_commit_refused_after_the_mark_is_recorded_as_handed_over_and_not_resent(
    settings, monkeypatch
):
    notification = _queue_one(monkeypatch)
    accepted = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            accepted.append(message_from_bytes(envelope.content)["Message-ID"])
            return "250 OK"

    smtp = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    smtp.start()
    _smtp_settings(settings, smtp.port)

    def refused_commit(action):
        action()  # the mark goes out...
        raise CommitFailed("COMMIT failed: server closed the connection")  # ...the COMMIT not

    monkeypatch.setattr(services, "commit_then", refused_commit)
    try:
        result = notification_deliver(notification_id=notification.pk)
        time.sleep(0.2)  # let the server finish taking the message
        swept = notifications_sweep_run(handover_timeout=None)
    finally:
        smtp.stop()

    notification.refresh_from_db()
    assert result.outcome == Outcome.NOT_CONFIRMED
    assert accepted == [notification.message_id]
    assert notification.status == NotificationStatus.SENDING
    assert notification.last_error.startswith(NOT_CONFIRMED)
    assert swept == {"settled": 0}  # not sent again


@pytest.mark.django_db
def test_commit_then_leaves_a_transaction_it_does_not_own_alone():
    ran = []
    with transaction.atomic():  # inside the test's own transaction: a savepoint
        assert commit.commit_can_pipeline() is False
        assert commit_then(lambda: ran.append(True)) is False
    assert ran == []  # the caller runs the action after its block


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_commit_then_runs_the_action_after_postgresql_has_the_commit(monkeypatch):
    """When the action runs, PostgreSQL's session for this connection is running COMMIT."""
    monkeypatch.setattr(services, "_delivery_enqueue", lambda notification_id: None)
    seen = []

    def action():
        backend_pid = connection.connection.info.backend_pid
        deadline = time.monotonic() + 2
        with psycopg.connect(**_connection_kwargs()) as observer:
            while True:
                state, query = observer.execute(
                    "SELECT state, query FROM pg_stat_activity WHERE pid = %s", [backend_pid]
                ).fetchone()
                if query == "COMMIT" or time.monotonic() > deadline:
                    break
                time.sleep(0.005)
        seen.append((state, query))

    with transaction.atomic():
        row = _queue_one(monkeypatch)
        assert commit_then(action) is True
    assert seen and seen[0][1] == "COMMIT"
    assert Notification.objects.filter(pk=row.pk).exists()  # committed
