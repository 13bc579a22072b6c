"""Every user's journey in a real Chromium, each page scanned by axe (WCAG 2.2 AA)."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import (
    assert_accessible,
    assert_error_handling,
    follow,
    screenshot,
    sign_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_sign_in_errors_are_announced_and_linked_to_their_fields(page):
    page.goto("/accounts/sign-in/")
    follow(page.get_by_role("button", name="Sign in"))
    assert_error_handling(page)
    screenshot(page, "sign-in-errors")


def test_a_manager_signs_in_and_out(page):
    factories.ManagerFactory(email="pm@example.org", first_name="Priya", last_name="Shah")
    page.goto("/")
    assert_accessible(page)
    sign_in(page, "pm@example.org", factories.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme management")
    assert_accessible(page)
    screenshot(page, "manager-home")
    follow(page.get_by_role("button", name="Sign out"))
    expect(page).to_have_url(re.compile("/accounts/sign-in/"))


def test_the_site_works_without_javascript(javascript_free_page):
    factories.ManagerFactory(email="pm@example.org")
    page = javascript_free_page
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("pm@example.org")
    page.get_by_label("Password").fill(factories.PASSWORD)
    follow(page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme management")
