"""Two-factor sign-in: optional for staff, required for managers when the setting says so."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db


def _code(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_a_manager_with_a_device_must_give_a_code_before_any_page(client):
    manager = factories.ManagerFactory()
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    client.force_login(manager)

    response = client.get(reverse("accounts:manager_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))

    client.post(reverse("accounts:two_factor_verify"), {"token": _code(device)})
    assert client.get(reverse("accounts:manager_home")).status_code == 200


def test_a_wrong_code_is_refused_with_a_clear_message(client):
    manager = factories.ManagerFactory()
    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    client.force_login(manager)
    wrong = client.post(reverse("accounts:two_factor_verify"), {"token": "000000"})
    assert "The security code is wrong or has expired" in wrong.content.decode()
    assert client.get(reverse("accounts:manager_home")).status_code == 302


def test_two_factor_is_optional_unless_required(client, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = False
    client.force_login(factories.ManagerFactory())
    assert client.get(reverse("accounts:manager_home")).status_code == 200


def test_when_required_a_manager_without_a_device_is_sent_to_set_one_up(client, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True
    manager = factories.ManagerFactory()
    client.force_login(manager)

    response = client.get(reverse("accounts:manager_home"))
    assert response["Location"] == reverse("accounts:two_factor_setup")

    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    client.post(reverse("accounts:two_factor_setup"), {"token": _code(device)})

    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:manager_home")).status_code == 200


def test_council_contacts_are_never_forced_into_two_factor(client, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True
    client.force_login(factories.CouncilContactFactory())
    assert client.get(reverse("accounts:council_home")).status_code == 200


def test_production_requires_two_factor_for_managers_by_default():
    import importlib
    import os

    from peersupport import settings as project_settings

    os.environ.update(DJANGO_ENV="production", SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org")
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.TWO_FACTOR_REQUIRED_FOR_MANAGERS is True
    finally:
        for key in ("DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS"):
            os.environ.pop(key)
        importlib.reload(project_settings)


# --- Set-up needs the owner's proof once a device is confirmed (issue #18, item 1) ---------


def _password_only_director(client, settings):
    """A director with a confirmed authenticator, and a client that knows only the password."""
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True  # the production profile
    director = factories.DirectorFactory()
    device = TOTPDevice.objects.create(user=director, name="Owner's phone", confirmed=True)
    signed_in = client.post(
        reverse("accounts:login"), {"username": director.email, "password": factories.PASSWORD}
    )
    assert signed_in.status_code == 302
    return director, device


def _is_sent_to_verify(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:two_factor_verify")
    )


def test_a_password_only_session_opening_set_up_is_sent_to_verify(client, settings):
    director, device = _password_only_director(client, settings)

    response = client.get(reverse("accounts:two_factor_setup"))

    assert _is_sent_to_verify(response)
    assert "secret" not in (response.context or {})  # no fresh key shown
    assert list(TOTPDevice.objects.filter(user=director)) == [device]  # none created
    assert _is_sent_to_verify(client.get(reverse("programmes:dashboard")))


def test_a_password_only_session_cannot_confirm_a_new_device_or_delete_the_owners(client, settings):
    director, device = _password_only_director(client, settings)
    # Given a device the attacker holds the key of (an abandoned set-up, say) ...
    planted = TOTPDevice.objects.create(user=director, name="Authenticator app", confirmed=False)

    # ... when they post a valid code for it to set-up
    response = client.post(reverse("accounts:two_factor_setup"), {"token": _code(planted)})

    # then they are sent to verify, the owner's device is untouched and nothing opened.
    assert _is_sent_to_verify(response)
    owners = TOTPDevice.objects.get(pk=device.pk)
    assert owners.confirmed and owners.key == device.key
    planted.refresh_from_db()
    assert not planted.confirmed
    assert _is_sent_to_verify(client.get(reverse("programmes:dashboard")))
    assert _is_sent_to_verify(client.get(reverse("accounts:manager_home")))


def test_a_verified_owner_may_replace_their_device_through_set_up(client, settings):
    director, device = _password_only_director(client, settings)
    client.post(reverse("accounts:two_factor_verify"), {"token": _code(device)})

    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    new = TOTPDevice.objects.get(user=director, confirmed=False)
    client.post(reverse("accounts:two_factor_setup"), {"token": _code(new)})

    assert list(TOTPDevice.objects.filter(user=director, confirmed=True)) == [new]
    assert client.get(reverse("programmes:dashboard")).status_code == 200


def test_set_up_itself_refuses_an_unverified_session_when_a_device_is_confirmed(rf):
    """The view checks too, not only the middleware in front of it (defence in depth)."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.two_factor import setup

    director = factories.DirectorFactory()
    device = TOTPDevice.objects.create(user=director, name="Owner's phone", confirmed=True)
    planted = TOTPDevice.objects.create(user=director, name="Authenticator app", confirmed=False)
    request = rf.post(reverse("accounts:two_factor_setup"), {"token": _code(planted)})
    request.user, request.session = director, SessionStore()
    request._messages = FallbackStorage(request)
    director.is_verified = lambda: False  # what django_otp's middleware sets without a code

    response = setup(request)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    planted.refresh_from_db()
    assert not planted.confirmed
