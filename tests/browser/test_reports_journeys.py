"""The reports pages in a real Chromium, scanned by axe (WCAG 2.2 AA), with and without JS."""

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
from tests.factories_reports import build_known_data_set

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "private")


def _fill_period(tab, prefix: str, day: str, month: str, year: str) -> None:
    tab.locator(f"#id_{prefix}_0").fill(day)
    tab.locator(f"#id_{prefix}_1").fill(month)
    tab.locator(f"#id_{prefix}_2").fill(year)


def test_a_manager_builds_a_stocktake_and_the_board_reads_it(page):
    build_known_data_set()
    factories.ManagerFactory(email="pm@example.org")
    factories.BoardMemberFactory(email="board@example.org")

    sign_in(page, "pm@example.org", factories.PASSWORD)
    page.goto("/board/reports/stocktake/new/")
    assert_accessible(page)
    follow(page.get_by_role("button", name="Continue"))
    assert_error_handling(page)
    _fill_period(page, "period_from", "1", "7", "2020")
    _fill_period(page, "period_to", "30", "11", "2020")
    follow(page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What should the stocktake say?")
    assert_accessible(page)
    page.get_by_label("Recommendations (optional)").fill("Share good practice.")
    follow(page.get_by_role("button", name="Build the stocktake"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stocktake of the peer support programme"
    )
    assert_accessible(page)
    screenshot(page, "stocktake-report")
    follow(page.get_by_role("button", name="Sign out"))

    sign_in(page, "board@example.org", factories.PASSWORD)
    page.goto("/board/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Board dashboard")
    assert_accessible(page)
    screenshot(page, "board-dashboard")
    page.goto("/board/reports/")
    assert_accessible(page)


def test_the_stocktake_journey_works_without_javascript(javascript_free_page):
    tab = javascript_free_page
    tab.set_default_timeout(15_000)
    build_known_data_set()
    factories.ManagerFactory(email="pm@example.org")
    # axe needs JavaScript, so this journey signs in without the scanning helper.
    tab.goto("/accounts/sign-in/")
    tab.get_by_label("Email address").fill("pm@example.org")
    tab.get_by_label("Password").fill(factories.PASSWORD)
    follow(tab.get_by_role("button", name="Sign in"))
    tab.goto("/board/reports/stocktake/new/")
    _fill_period(tab, "period_from", "1", "7", "2020")
    _fill_period(tab, "period_to", "30", "11", "2020")
    tab.get_by_label("Recovery and Renewal Panel (RRP)").check()
    follow(tab.get_by_role("button", name="Continue"))
    follow(tab.get_by_role("button", name="Build the stocktake"))
    assert "2 programmes of peer support were delivered" in tab.content()
    tab.goto("/board/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Board dashboard")
