"""The peer's journey in a real Chromium, as a new user would take it; axe on every page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from peers import services
from programmes.models import PlaceStatus
from tests import factories
from tests.browser.helpers import (
    assert_accessible,
    assert_error_handling,
    follow,
    screenshot,
    visit,
)
from tests.factories_peer_portal import AcceptedPlaceFactory, NewPeerFactory
from tests.factories_records import PeerFactory, TeamPlaceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-new-peer-password-42"


def _invitation_path() -> str:
    body = mail.outbox[-1].body
    url = re.search(r"https?://\S+/peer/welcome/\S+/", body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_a_new_peer_sets_a_password_keeps_their_profile_and_answers_invitations(page):
    peer = NewPeerFactory(user__email="new.peer@example.org", user__first_name="Sam")
    council = factories.CouncilFactory(name="Invitingshire Council")
    to_accept = TeamPlaceFactory(peer=peer, engagement__councils=[council])
    to_decline = TeamPlaceFactory(
        peer=peer, engagement__start_date=timezone.localdate() + timedelta(days=120)
    )
    AcceptedPlaceFactory(
        peer=peer,
        days=Decimal("2"),
        engagement__start_date=timezone.localdate() + timedelta(days=200),
    )
    services.peer_account_invite(peer=peer)

    # First sign-in from the emailed link.
    visit(page, _invitation_path())
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    follow(page.get_by_role("button", name="Set password"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your peer work")
    assert_accessible(page)
    screenshot(page, "peer-dashboard")

    # Profile, with an error first.
    visit(page, "/peer/profile/")
    visit(page, "/peer/profile/contact/")
    page.get_by_label("Job title").fill("")
    follow(page.get_by_role("button", name="Save"))
    assert_error_handling(page)
    page.get_by_label("Job title").fill("Deputy leader")
    follow(page.get_by_role("button", name="Save"))
    assert "Deputy leader" in page.content()
    for path in ("/peer/profile/expertise/", "/peer/profile/regions/", "/peer/profile/work-mode/"):
        visit(page, path)

    visit(page, "/peer/profile/conflicts/")
    follow(page.get_by_role("button", name="Add conflict"))
    assert_error_handling(page)
    page.get_by_label("Council").select_option(label="Invitingshire Council")
    follow(page.get_by_role("button", name="Add conflict"))
    assert_accessible(page)
    follow(page.get_by_role("button", name="Remove Invitingshire Council"))

    visit(page, "/peer/profile/unavailability/")
    follow(page.get_by_role("button", name="Add period"))
    assert_error_handling(page)
    screenshot(page, "peer-unavailability-errors")

    visit(page, "/peer/profile/confirm/")
    follow(page.get_by_role("button", name="Confirm my profile is up to date"))
    assert_accessible(page)
    peer.refresh_from_db()
    assert peer.profile_confirmed_on == timezone.localdate()

    visit(page, "/peer/equalities/")
    follow(page.get_by_role("button", name="Save my answers"))
    assert_error_handling(page)
    screenshot(page, "peer-equalities-errors")

    # Invitations: accept one (after forgetting the declaration), decline the other.
    visit(page, "/peer/invitations/")
    visit(page, f"/peer/invitations/{to_accept.pk}/")
    follow(page.get_by_role("button", name="Accept invitation"))
    assert_error_handling(page)
    page.get_by_label("I declare that I have no conflict of interest").check()
    follow(page.get_by_role("button", name="Accept invitation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your engagements")
    assert_accessible(page)
    visit(page, f"/peer/invitations/{to_decline.pk}/decline/")
    page.get_by_label("Why are you declining? (optional)").fill("Away that week")
    follow(page.get_by_role("button", name="Decline invitation"))
    assert_accessible(page)
    to_accept.refresh_from_db()
    to_decline.refresh_from_db()
    assert (to_accept.status, to_decline.status) == (PlaceStatus.ACCEPTED, PlaceStatus.DECLINED)

    visit(page, "/peer/calendar/")
    follow(page.get_by_role("button", name="Create a calendar link"))
    assert_accessible(page)
    screenshot(page, "peer-calendar-link")
    for path in ("/peer/days/", "/peer/my-data/", "/peer/engagements/"):
        visit(page, path)
    visit(page, "/peer/my-data/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data").click()
    assert download.value.suggested_filename.endswith(".json")


def test_the_stale_profiles_list_is_accessible(page):
    from tests.browser.helpers import sign_in

    PeerFactory(profile_confirmed_on=None)
    factories.ManagerFactory(email="pm@example.org")
    sign_in(page, "pm@example.org", factories.PASSWORD)
    visit(page, "/peer/stale-profiles/")


def test_a_peer_answers_an_invitation_without_javascript(javascript_free_page):
    peer = PeerFactory(user__email="peer@example.org")
    place = TeamPlaceFactory(peer=peer)
    page = javascript_free_page
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("peer@example.org")
    page.get_by_label("Password").fill(factories.PASSWORD)
    follow(page.get_by_role("button", name="Sign in"))
    page.goto(f"/peer/invitations/{place.pk}/")
    page.get_by_label("I declare that I have no conflict of interest").check()
    follow(page.get_by_role("button", name="Accept invitation"))
    place.refresh_from_db()
    assert place.status == PlaceStatus.ACCEPTED
    page.goto("/peer/profile/unavailability/")
    follow(page.get_by_role("button", name="Add period"))
    expect(page).to_have_title(re.compile(r"^Error: "))
