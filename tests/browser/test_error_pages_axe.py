"""The error pages in a real Chromium, each scanned by axe (WCAG 2.2 AA)."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import assert_accessible, follow, screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _check(page, path: str, status: int, heading: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path} answered {response}"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)


def test_page_not_found(page):
    _check(page, "/no-such-page/", 404, "Page not found")
    screenshot(page, "error-404")


def test_permission_denied_for_a_signed_in_user(page):
    factories.CouncilContactFactory(email="officer@example.org")
    sign_in(page, "officer@example.org", factories.PASSWORD)

    _check(page, "/accounts/home/manager/", 403, "You do not have permission to view this page")
    screenshot(page, "error-403")

    follow(page.get_by_role("button", name="Sign out and sign in as someone else"))
    expect(page).to_have_url(re.compile("/accounts/sign-in/"))


def test_a_form_sent_after_its_session_expired(page):
    page.goto("/accounts/sign-in/")
    page.context.clear_cookies()  # as if the session and its CSRF cookie had expired
    page.get_by_label("Email address").fill("someone@example.org")
    page.get_by_label("Password").fill("a password")

    # Wait for the answer to be shown, not only received: reading the heading before the new
    # page is in place would read the sign-in page's.
    response = follow(page.get_by_role("button", name="Sign in"))

    assert response is not None and response.status == 403, response
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, we could not send your form")
    assert_accessible(page)
    screenshot(page, "error-csrf")


@pytest.fixture
def failing_views(settings):
    settings.ROOT_URLCONF = "tests.test_error_pages"


def test_problem_with_the_service(page, failing_views):
    _check(page, "/test-errors/500/", 500, "Sorry, there is a problem with the service")
    screenshot(page, "error-500")


def test_bad_request(page, failing_views):
    _check(page, "/test-errors/400/", 400, "Sorry, there is a problem with your request")
