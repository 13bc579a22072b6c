"""The council contact's journey in a real Chromium, as a new user would take it: axe
(WCAG 2.2 AA) on every page, error summaries that move focus, and the whole request
working with JavaScript turned off."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programmes.models import Engagement
from tests import factories
from tests.browser.conftest import chromium_available
from tests.browser.helpers import (
    assert_accessible,
    assert_error_handling,
    follow,
    screenshot,
    sign_in,
)
from tests.factories_council_portal import PDF_BYTES
from tests.factories_records import DeliveredEngagementFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed"),
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "private")


def _fill_date(browser_page, prefix, day):
    browser_page.locator(f"#id_{prefix}_0").fill(str(day.day))
    browser_page.locator(f"#id_{prefix}_1").fill(str(day.month))
    browser_page.locator(f"#id_{prefix}_2").fill(str(day.year))


def _continue(browser_page):
    follow(browser_page.get_by_role("button", name="Continue"))


def test_a_contact_requests_a_cpc_uploads_a_document_and_records_publication(page, tmp_path):
    council = factories.DistrictFactory(name="Brightwater District Council")
    factories.CouncilContactFactory(email="policy@brightwater.example.org", council=council)
    delivered = DeliveredEngagementFactory(councils=[council])
    sign_in(page, "policy@brightwater.example.org", factories.PASSWORD)

    follow(page.get_by_role("link", name="Request peer support"))
    assert_accessible(page)
    follow(page.get_by_role("link", name="Corporate Peer Challenge"))
    assert_accessible(page)
    follow(page.get_by_role("button", name="Start now"))

    _continue(page)  # nothing entered
    assert_error_handling(page)
    page.get_by_label("Describe the areas").fill("Our medium-term financial plan")
    page.get_by_label("Finance", exact=True).check()
    _continue(page)

    assert_accessible(page)
    _continue(page)
    assert_error_handling(page)
    page.get_by_label("I understand").check()
    _continue(page)

    assert_accessible(page)
    _continue(page)
    assert_error_handling(page)
    start = timezone.localdate() + timedelta(days=60)  # sooner than the lead-in: a warning
    _fill_date(page, "preferred_from", start)
    _fill_date(page, "preferred_to", start + timedelta(days=30))
    page.get_by_label("When could your leader").fill("Any Tuesday morning")
    _continue(page)

    assert_accessible(page)
    expect(page.get_by_label("3 days")).to_be_checked()  # a district
    _continue(page)

    assert_accessible(page)
    _continue(page)
    assert_error_handling(page)
    page.get_by_label("No").check()
    _continue(page)

    expect(page).to_have_title(re.compile("Check your answers"))
    assert_accessible(page)
    expect(page.get_by_text("less than 4 months away")).to_be_visible()
    screenshot(page, "council-check-answers")
    follow(page.get_by_role("button", name="Accept and send"))
    assert_accessible(page)
    engagement = Engagement.objects.get(offer__code="CPC")
    expect(page.get_by_text(engagement.reference)).to_be_visible()

    follow(page.get_by_role("link", name="its page"))
    assert_accessible(page)
    follow(page.get_by_role("link", name="Upload a document"))
    assert_accessible(page)
    follow(page.get_by_role("button", name="Upload document"))
    assert_error_handling(page)
    document = tmp_path / "statement.pdf"
    document.write_bytes(PDF_BYTES)
    page.get_by_label("Position statement").check()
    page.get_by_label("Upload a file").set_input_files(str(document))
    follow(page.get_by_role("button", name="Upload document"))
    assert_accessible(page)
    expect(page.get_by_role("link", name="statement.pdf")).to_be_visible()

    page.goto(f"/council/engagements/{delivered.reference}/publication/")
    assert_accessible(page)
    page.get_by_label("Yes, we will publish it").check()
    page.get_by_label("Web address").fill("not a web address")
    follow(page.get_by_role("button", name="Save"))
    assert_error_handling(page)
    page.get_by_label("Web address").fill("https://www.brightwater.example.org/lga-report")
    follow(page.get_by_role("button", name="Save"))
    assert_accessible(page)
    page.goto("/council/")
    assert_accessible(page)
    screenshot(page, "council-engagements")


def test_a_remote_request_works_without_javascript(javascript_free_page):
    browser_page = javascript_free_page
    factories.CouncilContactFactory(email="ceo@harbour.example.org")
    sign_in_without_axe(browser_page, "ceo@harbour.example.org")
    browser_page.goto("/council/request/BRPS/")
    follow(browser_page.get_by_role("button", name="Start now"))
    browser_page.get_by_label("Describe the issue").fill("Licensing backlog")
    _continue(browser_page)
    browser_page.get_by_label("When would suit you?").fill("Mornings in March")
    browser_page.get_by_label("Spread out over a few weeks").check()
    _continue(browser_page)
    follow(browser_page.get_by_role("button", name="Accept and send"))
    expect(browser_page.get_by_text("Request sent")).to_be_visible()
    engagement = Engagement.objects.get(offer__code="BRPS")
    assert engagement.request_details["answers"]["pattern"] == "spread"
    assert engagement.delivery == "remote"


def sign_in_without_axe(browser_page, email):
    browser_page.goto("/accounts/sign-in/")
    browser_page.get_by_label("Email address").fill(email)
    browser_page.get_by_label("Password").fill(factories.PASSWORD)
    follow(browser_page.get_by_role("button", name="Sign in"))
    expect(browser_page).not_to_have_title(re.compile(r"^Error: "))
