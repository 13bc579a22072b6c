import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

# The whole suite can run with the clock moved to one day (issue 17, item 8): set
# TEST_TODAY=YYYY-MM-DD (`make test-dates` runs it on 31 March, 1 April and 2 December of
# the current year). The clock still ticks from 10:00 London time on that day.
_TEST_TODAY = os.environ.get("TEST_TODAY", "")


@pytest.fixture(autouse=True, scope="session")
def _suite_today():
    if not _TEST_TODAY:
        yield
        return
    start = datetime.combine(date.fromisoformat(_TEST_TODAY), time(10), ZoneInfo("Europe/London"))
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture(autouse=True)
def _email_backend(settings):
    """Tests never send real email: Django's locmem outbox only."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing strength is Django's concern; tests use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Data migrations seed reference rows (offers, vocabulary, survey templates, role groups,
# beat schedules). A transactional test flushes the database afterwards, and
# serialized_rollback does not always restore them (browser tests run the server in
# another thread), so every transactional test makes sure they are there first.
_SEEDS = [
    ("accounts.migrations.0003_create_role_groups", "create_groups"),
    ("peers.migrations.0002_seed_vocabulary", "seed"),
    ("programmes.migrations.0002_seed_offers", "seed"),
    ("surveys.migrations.0002_seed_templates", "seed"),
    ("notifications.migrations.0002_beat_schedules", "create_schedules"),
    ("reports.migrations.0003_dashboard_warm_schedule", "create_schedule"),
]


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional:
        return
    import importlib

    from django.apps import apps

    from accounts.roles import roles_sync
    from programmes.models import Offer

    request.getfixturevalue("transactional_db")
    if Offer.objects.exists():
        return
    for module, function in _SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
    roles_sync()


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


def outbox_messages_outside_ledger(outbox) -> list:
    """Return the messages in ``outbox`` whose Message-ID names no notification ledger row."""
    from notifications.models import Notification

    ledger_ids = {
        Notification(key=key).message_id
        for key in Notification.objects.values_list("key", flat=True)
    }
    outside = []
    for message in outbox:
        headers = {name.lower(): value for name, value in message.extra_headers.items()}
        if headers.get("message-id") not in ledger_ids:
            outside.append(message)
    return outside


@pytest.fixture(autouse=True)
def _email_only_through_the_ledger(request):
    """Fail a test that sent email bypassing the notification ledger (issue #9).

    Every message in the outbox must carry the Message-ID of a ledger row. Checked only
    for tests with database access; this fixture sets the database up first, so that its
    check runs before the database is rolled back or flushed. Opt out with
    ``@pytest.mark.email_outside_ledger``.
    """
    uses_database = request.node.get_closest_marker("django_db") is not None or bool(
        _DATABASE_FIXTURES & set(request.fixturenames)
    )
    if not uses_database or request.node.get_closest_marker("email_outside_ledger"):
        yield
        return
    request.getfixturevalue("db")  # transactional when the test is (pytest-django decides)
    yield
    from django.core import mail
    from django.db import DatabaseError

    outbox = list(getattr(mail, "outbox", None) or [])
    if not outbox:
        return
    try:
        outside = outbox_messages_outside_ledger(outbox)
    except DatabaseError as error:  # e.g. the test left its transaction broken
        request.node.warn(
            pytest.PytestWarning(f"Outbox not checked against the notification ledger: {error}")
        )
        return
    if outside:
        described = "; ".join(f"{m.subject!r} to {', '.join(m.to)}" for m in outside)
        pytest.fail(
            f"{len(outside)} email(s) bypassed the notification ledger "
            f"(use notifications.services.notification_queue): {described}"
        )
