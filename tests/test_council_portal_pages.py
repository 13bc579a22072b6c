"""Council portal pages are well-formed GOV.UK pages: one h1, headings in order, unique ids,
error summaries whose every link lands on a field, no inline scripts or styles."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.factories_records import DeliveredEngagementFactory, ScheduledEngagementFactory

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.headings, self.summary_links, self.problems = set(), [], [], []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            if attributes["id"] in self.ids:
                self.problems.append(f"duplicate id {attributes['id']}")
            self.ids.add(attributes["id"])
        if "style" in attributes:
            self.problems.append(f"style attribute on <{tag}>")
        if tag == "script" and "src" not in attributes:
            self.problems.append("inline script")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        classes = (attributes.get("class") or "").split()
        if tag == "div" and "govuk-error-summary" in classes:
            self._in_summary = 1
        elif tag == "div" and self._in_summary:
            self._in_summary += 1
        if tag == "a" and self._in_summary:
            self.summary_links.append(attributes.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "div" and self._in_summary:
            self._in_summary -= 1


def _check_page(response):
    assert response.status_code == 200, response
    page = _Page()
    page.feed(response.content.decode())
    assert page.problems == []
    assert page.headings.count(1) == 1, page.headings
    assert page.headings[0] == 1 or page.headings[0] == 2  # the error summary's h2 may come first
    main = page.headings[page.headings.index(1) :]
    for before, after in zip(main, main[1:], strict=False):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}"
    for href in page.summary_links:
        assert href.startswith("#") and href[1:] in page.ids, f"{href} lands nowhere"
    return page


@pytest.fixture
def contact(client):
    user = factories.CouncilContactFactory(council=factories.DistrictFactory())
    client.force_login(user)
    return user


def test_pages_are_well_formed(client, contact):
    scheduled = ScheduledEngagementFactory(councils=[contact.council])
    delivered = DeliveredEngagementFactory(councils=[contact.council])
    urls = [
        reverse("councils:engagement_list"),
        reverse("councils:engagement_detail", args=[scheduled.reference]),
        reverse("councils:engagement_detail", args=[delivered.reference]),
        reverse("councils:request_offers"),
        reverse("councils:request_offer", args=["CPC"]),
        reverse("councils:document_upload", args=[scheduled.reference]),
        reverse("councils:change_request", args=[scheduled.reference]),
        reverse("councils:publication", args=[delivered.reference]),
        reverse("councils:request_confirmation", args=[scheduled.reference]),
    ]
    for url in urls:
        _check_page(client.get(url))


@pytest.mark.parametrize(
    ("code", "steps"),
    [
        ("CPC", ["focus", "core-components", "timing", "days-and-delivery", "other-councils"]),
        ("FPC", ["focus", "timing", "days-and-delivery", "other-councils"]),
        ("BRPS", ["issue", "dates"]),
        ("DIP", ["panel-dates"]),
    ],
)
def test_every_step_with_errors_has_a_working_error_summary(client, contact, code, steps):
    answers = {
        "focus": {"focus_areas": "Growth"},
        "core-components": {"acknowledged": "on"},
        "timing": {
            "preferred_from_0": "1",
            "preferred_from_1": "1",
            "preferred_from_2": str(timezone.localdate().year + 2),
            "preferred_to_0": "1",
            "preferred_to_1": "2",
            "preferred_to_2": str(timezone.localdate().year + 2),
            "scoping_availability": "Mondays",
        },
        "days-and-delivery": {"days": "3", "delivery": "onsite"},
        "other-councils": {"joining": "no"},
        "issue": {"issue": "Planning"},
        "dates": {"preferred_dates": "May", "pattern": "consecutive", "delivery": "remote"},
        "panel-dates": {"preferred_panel_dates": "June"},
    }
    client.get(reverse("councils:request_offer", args=[code]))
    for slug in steps:
        url = reverse("councils:request_step", args=[code, slug])
        _check_page(client.get(url))
        page = _check_page(client.post(url, {}))
        assert page.summary_links, slug
        response = client.post(url, answers[slug])
        assert response.status_code == 302, (slug, response.content.decode()[:2000])
    _check_page(client.get(reverse("councils:request_check", args=[code])))


def test_change_from_the_check_page_returns_to_it(client, contact):
    client.get(reverse("councils:request_offer", args=["RRP"]))
    client.post(reverse("councils:request_step", args=["RRP", "issue"]), {"issue": "Recovery"})
    client.post(
        reverse("councils:request_step", args=["RRP", "dates"]),
        {"preferred_dates": "May", "delivery": "remote"},
    )
    check = reverse("councils:request_check", args=["RRP"])
    change = reverse("councils:request_step", args=["RRP", "issue"]) + "?change=1"
    assert change in client.get(check).content.decode()
    page = client.get(change)
    assert "Recovery" in page.content.decode()
    assert f'href="{check}"' in page.content.decode()  # back goes to the check page
    response = client.post(change, {"issue": "Recovery and renewal"})
    assert response["Location"] == check
    assert "Recovery and renewal" in client.get(check).content.decode()


def test_the_form_posts_to_its_own_address_with_the_change_flag(client, contact):
    client.get(reverse("councils:request_offer", args=["RRP"]))
    html = client.get(reverse("councils:request_step", args=["RRP", "issue"]) + "?change=1")
    form_tag = re.findall(r"<form[^>]*>", html.content.decode())[-1]  # after the header's
    assert "action=" not in form_tag or 'action=""' in form_tag


def test_preferred_window_in_the_past_is_refused(client, contact):
    client.get(reverse("councils:request_offer", args=["CPC"]))
    client.post(reverse("councils:request_step", args=["CPC", "focus"]), {"focus_areas": "x"})
    client.post(
        reverse("councils:request_step", args=["CPC", "core-components"]), {"acknowledged": "on"}
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        reverse("councils:request_step", args=["CPC", "timing"]),
        {
            "preferred_from_0": str(yesterday.day),
            "preferred_from_1": str(yesterday.month),
            "preferred_from_2": str(yesterday.year),
            "preferred_to_0": str(yesterday.day),
            "preferred_to_1": str(yesterday.month),
            "preferred_to_2": str(yesterday.year + 1),
            "scoping_availability": "Mondays",
        },
    )
    assert "The earliest start date must be in the future" in response.content.decode()
