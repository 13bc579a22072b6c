"""The foundation: health check, sign-in by email, roles and their landing pages."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


def test_healthz_answers_503_when_the_cache_fails(client, monkeypatch):
    from peersupport import health

    def broken():
        raise ConnectionError("down")

    monkeypatch.setattr(health, "_check_cache", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("error")


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.ALL)


def test_only_the_director_may_approve_day_cap_exceptions():
    codename = "approve_daycapexception"
    assert Group.objects.get(name=Role.DIRECTOR).permissions.filter(codename=codename).exists()
    assert not Group.objects.get(name=Role.MANAGER).permissions.filter(codename=codename).exists()


def test_nobody_reads_equalities_answers_by_role():
    for group in Group.objects.all():
        assert not group.permissions.filter(codename="view_equalities").exists(), group.name


def test_sign_in_by_email_lands_on_the_role_home(client):
    user = factories.ManagerFactory(email="pm@example.org")
    response = client.post(
        reverse("accounts:login"),
        {"username": "PM@example.org".lower(), "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:manager_home")
    assert user.get_full_name() in response.content.decode()


def test_wrong_password_shows_an_error_summary_and_title_prefix(client):
    factories.ManagerFactory(email="pm@example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "pm@example.org", "password": "wrong"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Enter a correct email address and password" in html


@pytest.mark.parametrize(
    ("factory", "url_name"),
    [
        (factories.ManagerFactory, "accounts:manager_home"),
        (factories.BoardMemberFactory, "accounts:board_home"),
        (factories.CouncilContactFactory, "accounts:council_home"),
        (factories.GroupOfficeFactory, "accounts:group_office_home"),
    ],
)
def test_each_role_reaches_its_own_home_and_not_others(client, factory, url_name):
    client.force_login(factory())
    assert client.get(reverse(url_name)).status_code == 200
    others = {
        "accounts:manager_home",
        "accounts:council_home",
        "accounts:peer_home",
        "accounts:group_office_home",
    } - {url_name}
    if url_name == "accounts:manager_home":
        others.discard("accounts:board_home")
    for other in others:
        assert client.get(reverse(other)).status_code == 403, other


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse("accounts:manager_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_password_reset_sends_a_single_use_link(client, django_capture_on_commit_callbacks):
    factories.CouncilContactFactory(email="officer@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # delivery is queued on commit
        client.post(reverse("accounts:password_reset"), {"email": "officer@example.org"})
    assert len(mail.outbox) == 1
    assert "/accounts/password-reset/" in mail.outbox[0].body


def test_sign_out_needs_post(client):
    client.force_login(factories.ManagerFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302


@override_settings(DEBUG=False)
def test_public_pages_render(client):
    for name in ("start", "accessibility", "privacy", "accounts:login"):
        assert client.get(reverse(name)).status_code == 200
