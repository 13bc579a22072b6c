"""The service's error pages (peersupport/errors.py): GOV.UK wording, status codes, layout.

Each is requested as a user would meet it, with DEBUG off. The 500 and 400 pages must render
with no request context and no database, so they are also rendered with database access
blocked (tests without the django_db mark).
"""

import re

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse

from peersupport import errors
from peersupport import urls as project_urls
from tests import factories
from tests.factories_records import EngagementFactory

# A URLconf for these tests: the project's, plus views that fail. Django reads the error
# handlers from the root URLconf, so it carries the project's.
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def _raise_error(request):
    raise RuntimeError("a bug")


def _raise_suspicious(request):
    raise SuspiciousOperation("a tampered request")


urlpatterns = [
    path("test-errors/500/", _raise_error),
    path("test-errors/400/", _raise_suspicious),
    *project_urls.urlpatterns,
]

with_failing_views = override_settings(ROOT_URLCONF=__name__)


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)
    assert match, "no h1"
    return match.group(1).strip()


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1).strip()


def _has_service_layout(html: str) -> bool:
    return (
        '<header class="govuk-header"' in html
        and settings.SERVICE_NAME in html
        and '<footer class="govuk-footer"' in html
        and 'id="main-content"' in html
    )


# --- 404 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_address_is_page_not_found(client):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert _h1(html) == "Page not found"
    assert _title(html) == f"Page not found – {settings.SERVICE_NAME}"
    assert "If you typed the web address, check it is correct." in html
    assert "If you pasted the web address, check you copied the entire address." in html
    assert _has_service_layout(html)


@pytest.mark.django_db
def test_a_record_outside_the_users_scope_is_page_not_found_with_their_header(client):
    contact = factories.CouncilContactFactory()
    other_councils = EngagementFactory()
    client.force_login(contact)

    response = client.get(reverse("councils:engagement_detail", args=[other_councils.reference]))

    html = response.content.decode()
    assert response.status_code == 404
    assert _h1(html) == "Page not found"
    assert "Sign out</button>" in html  # the signed-in header, from base.html
    assert reverse("accounts:home") in html


# --- 403 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_for_another_role_is_forbidden_with_a_way_to_sign_in_as_someone_else(client):
    contact = factories.CouncilContactFactory(email="officer@example.org")
    client.force_login(contact)

    response = client.get(reverse("accounts:manager_home"))

    html = response.content.decode()
    assert response.status_code == 403
    assert _h1(html) == "You do not have permission to view this page"
    assert _title(html).startswith("You do not have permission to view this page – ")
    assert "officer@example.org" in html
    assert "Sign out and sign in as someone else</button>" in html
    assert html.count(f'action="{reverse("accounts:logout")}"') == 2  # header and page
    assert _has_service_layout(html)


# --- 400 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_host_not_allowed_is_a_bad_request(client):
    response = client.get(reverse("start"), HTTP_HOST="attacker.example")

    html = response.content.decode()
    assert response.status_code == 400
    assert _h1(html) == "Sorry, there is a problem with your request"
    assert _has_service_layout(html)


@pytest.mark.django_db
@with_failing_views
def test_a_suspicious_request_is_a_bad_request(client):
    response = client.get("/test-errors/400/")

    assert response.status_code == 400
    assert _h1(response.content.decode()) == "Sorry, there is a problem with your request"


def test_the_400_page_needs_no_database():
    response = errors.bad_request(RequestFactory().get("/"), SuspiciousOperation("x"))

    assert response.status_code == 400
    assert _h1(response.content.decode()) == "Sorry, there is a problem with your request"


# --- 500 -------------------------------------------------------------------------------------


@pytest.mark.django_db
@with_failing_views
def test_a_bug_is_a_problem_with_the_service(client):
    client.raise_request_exception = False

    response = client.get("/test-errors/500/")

    html = response.content.decode()
    assert response.status_code == 500
    assert _h1(html) == "Sorry, there is a problem with the service"
    assert _title(html) == f"Sorry, there is a problem with the service – {settings.SERVICE_NAME}"
    assert "Try again later." in html
    assert _has_service_layout(html)
    assert "a bug" not in html


@pytest.mark.django_db
@with_failing_views
def test_a_bug_for_a_signed_in_user_shows_no_account_details(client):
    user = factories.ManagerFactory(first_name="Priya", last_name="Shah")
    client.force_login(user)
    client.raise_request_exception = False

    response = client.get("/test-errors/500/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "Priya" not in html  # rendered without the request, so without the user
    assert "Sign out" not in html


def test_the_500_page_renders_without_a_request_context_or_database():
    """No django_db mark: any database access here fails the test."""
    response = errors.server_error(RequestFactory().get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert _h1(html) == "Sorry, there is a problem with the service"
    assert _has_service_layout(html)


def test_the_500_page_falls_back_to_plain_html_when_its_template_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry")

    monkeypatch.setattr(errors, "render_to_string", broken)

    response = errors.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert _h1(response.content.decode()) == "Sorry, there is a problem with the service"


# --- CSRF ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_form_sent_without_its_security_token_gets_the_csrf_page():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"username": "a@example.org"})

    html = response.content.decode()
    assert response.status_code == 403
    assert _h1(html) == "Sorry, we could not send your form"
    assert "Go back to the page, refresh it and try again." in html
    assert reverse("accounts:login") in html
    assert _has_service_layout(html)


@pytest.mark.django_db
def test_a_signed_in_users_stale_form_gets_the_csrf_page_with_their_header():
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.ManagerFactory())

    response = client.post(reverse("accounts:logout"))

    html = response.content.decode()
    assert response.status_code == 403
    assert _h1(html) == "Sorry, we could not send your form"
    assert "Sign out</button>" in html


def test_the_csrf_failure_view_is_ours():
    assert settings.CSRF_FAILURE_VIEW == "peersupport.errors.csrf_failure"
