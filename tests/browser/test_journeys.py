"""Every user's journey in a real Chromium, each page scanned by axe (WCAG 2.2 AA)."""

import pytest

from tests import factories
from tests.browser.helpers import assert_accessible, assert_error_handling, screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_sign_in_errors_are_announced_and_linked_to_their_fields(page):
    page.goto("/accounts/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    assert_error_handling(page)
    screenshot(page, "sign-in-errors")


def test_a_manager_signs_in_and_out(page):
    factories.ManagerFactory(email="pm@example.org", first_name="Priya", last_name="Shah")
    page.goto("/")
    assert_accessible(page)
    sign_in(page, "pm@example.org", factories.PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Programme management"
    assert_accessible(page)
    screenshot(page, "manager-home")
    page.get_by_role("button", name="Sign out").click()
    assert "/accounts/sign-in/" in page.url


def test_the_site_works_without_javascript(javascript_free_page):
    factories.ManagerFactory(email="pm@example.org")
    page = javascript_free_page
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("pm@example.org")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Programme management"
