"""Sign-in protection: lockout by username and address together, with a cool-off."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def _attempt(client, email, password, ip="203.0.113.5"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_five_failures_lock_the_username_on_that_address(client, settings):
    factories.ManagerFactory(email="pm@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "pm@example.org", "wrong")

    response = _attempt(client, "pm@example.org", factories.PASSWORD)

    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()


def test_a_colleague_in_the_same_office_is_not_locked_out(client, settings):
    factories.ManagerFactory(email="pm@example.org")
    factories.ManagerFactory(email="colleague@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "pm@example.org", "wrong")

    response = _attempt(client, "colleague@example.org", factories.PASSWORD)

    assert response.status_code == 302


def test_the_lockout_lifts_after_the_cool_off(client, settings):
    factories.ManagerFactory(email="pm@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "pm@example.org", "wrong")
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        response = _attempt(client, "pm@example.org", factories.PASSWORD)
    assert response.status_code == 302


def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
