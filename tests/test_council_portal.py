"""Council portal: what a council contact sees, and who may see it (every role).

A contact sees only their own council's engagements and documents; another council's by URL
answers 404; peers and board members get 403; anonymous users are sent to sign in.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from councils import selectors
from programmes.models import EngagementMilestone, EngagementStatus, PlaceStatus, TeamRole
from tests import factories
from tests.factories_council_portal import DocumentFactory, status_history
from tests.factories_records import (
    DeliveredEngagementFactory,
    EngagementFactory,
    PeerFactory,
    PeerUserFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    return factories.CouncilFactory(name="Westborough")


@pytest.fixture
def contact(council):
    return factories.CouncilContactFactory(council=council)


@pytest.fixture
def engagement(council):
    return ScheduledEngagementFactory(councils=[council])


def _engagement_urls(engagement):
    ref = engagement.reference
    return [
        reverse("councils:engagement_detail", args=[ref]),
        reverse("councils:request_confirmation", args=[ref]),
        reverse("councils:document_upload", args=[ref]),
        reverse("councils:change_request", args=[ref]),
        reverse("councils:publication", args=[ref]),
    ]


def _portal_urls():
    return [
        reverse("councils:engagement_list"),
        reverse("councils:request_offers"),
        reverse("councils:request_offer", args=["CPC"]),
        reverse("councils:request_step", args=["CPC", "focus"]),
        reverse("councils:request_check", args=["CPC"]),
    ]


# --- Permissions ----------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, engagement):
    document = DocumentFactory(engagement=engagement, released_to_council=True)
    urls = [
        *_portal_urls(),
        *_engagement_urls(engagement),
        reverse("councils:document_download", args=[document.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: PeerUserFactory(),
        lambda: factories.BoardMemberFactory(),
        lambda: factories.GroupOfficeFactory(),
        lambda: factories.ManagerFactory(),
        # A council contact role without a council is not a council contact.
        lambda: factories.UserFactory(roles=[Role.COUNCIL_CONTACT]),
    ],
    ids=["peer", "board", "group-office", "manager", "contact-without-council"],
)
def test_other_roles_are_forbidden_the_portal_pages(client, engagement, make_user):
    client.force_login(make_user())
    for url in [*_portal_urls(), *_engagement_urls(engagement)]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x", "kind": "cancel"}).status_code == 403, url
    assert engagement.change_requests.count() == 0
    assert engagement.documents.count() == 0


def test_another_councils_engagement_is_not_found_and_nothing_changes(
    client, engagement, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(factories.CouncilContactFactory())
    for url in _engagement_urls(engagement):
        assert client.get(url).status_code == 404, url
    from tests.factories_council_portal import PDF_BYTES, upload

    ref = engagement.reference
    responses = [
        client.post(
            reverse("councils:document_upload", args=[ref]),
            {"kind": "preparatory", "file": upload("a.pdf", PDF_BYTES)},
        ),
        client.post(
            reverse("councils:change_request", args=[ref]), {"kind": "cancel", "reason": "x"}
        ),
        client.post(
            reverse("councils:publication", args=[ref]), {"publication_decision": "publish"}
        ),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    engagement.refresh_from_db()
    assert engagement.documents.count() == 0
    assert engagement.change_requests.count() == 0
    assert engagement.publication_decision == ""
    assert engagement.status == EngagementStatus.SCHEDULED
    assert list(tmp_path.iterdir()) == []


def test_unknown_reference_is_not_found(client, contact):
    client.force_login(contact)
    url = reverse("councils:engagement_detail", args=["CPC-2099-0001"])
    assert client.get(url).status_code == 404


# --- List and detail ------------------------------------------------------------------------


def test_list_shows_current_and_past_engagements_of_the_council_only(
    client, contact, council, engagement
):
    delivered = DeliveredEngagementFactory(councils=[council])
    cancelled = EngagementFactory(councils=[council], status=EngagementStatus.CANCELLED)
    other = EngagementFactory()
    client.force_login(contact)
    response = client.get(reverse("councils:engagement_list"))
    assert response.status_code == 200
    assert response.context["current"] == [engagement]
    assert set(response.context["past"]) == {delivered, cancelled}
    assert other.reference not in response.content.decode()


def _grow_history(council, count):
    for _ in range(count):
        engagement = ScheduledEngagementFactory(councils=[council])
        status_history(engagement, "requested", "scoping", "scheduled")
        DeliveredEngagementFactory(councils=[council])


def test_list_queries_stay_constant_as_the_history_grows(
    client, contact, council, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(contact)
    _grow_history(council, 2)
    client.get(reverse("councils:engagement_list"))  # warm up (session, content types)
    with django_assert_max_num_queries(7) as small:
        client.get(reverse("councils:engagement_list"))
    _grow_history(council, 4)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("councils:engagement_list"))
    assert len(response.context["current"]) + len(response.context["past"]) == 12


def _rich_engagement(council, places):
    engagement = ScheduledEngagementFactory(councils=[council])
    status_history(engagement, "requested", "scoping", "scheduled", "team_confirmed")
    for _ in range(places):
        TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
        DocumentFactory(engagement=engagement, released_to_council=True)
    return engagement


def test_detail_queries_stay_constant_as_the_engagement_grows(
    client,
    contact,
    council,
    django_assert_num_queries,
    django_assert_max_num_queries,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(contact)
    small = _rich_engagement(council, 2)
    large = _rich_engagement(council, 6)
    client.get(reverse("councils:engagement_detail", args=[small.reference]))
    with django_assert_max_num_queries(15) as captured:
        client.get(reverse("councils:engagement_detail", args=[small.reference]))
    with django_assert_num_queries(len(captured.captured_queries)):
        response = client.get(reverse("councils:engagement_detail", args=[large.reference]))
    assert len(response.context["engagement"].confirmed_places) == 6


def test_team_shows_names_and_roles_once_confirmed(client, contact, council, engagement):
    peer = PeerFactory(user__first_name="Ada", user__last_name="Lovelace", phone="07700 900000")
    TeamPlaceFactory(
        engagement=engagement, peer=peer, role=TeamRole.LEAD_MEMBER, status=PlaceStatus.ACCEPTED
    )
    TeamPlaceFactory(
        engagement=engagement,
        peer=PeerFactory(user__first_name="Invited", user__last_name="Only"),
        status=PlaceStatus.INVITED,
    )
    client.force_login(contact)
    url = reverse("councils:engagement_detail", args=[engagement.reference])
    html = client.get(url).content.decode()
    assert "Ada Lovelace" not in html  # scheduled: the team is not confirmed yet
    status_history(engagement, "requested", "scoping", "scheduled", "team_confirmed")
    html = client.get(url).content.decode()
    assert "Ada Lovelace" in html
    assert "Lead member peer" in html
    assert "Invited Only" not in html
    assert peer.user.email not in html
    assert "07700 900000" not in html


def test_timeline_marks_steps_done_current_and_to_do(council):
    engagement = ScheduledEngagementFactory(councils=[council])
    status_history(engagement, "requested", "scoping", "scheduled")
    EngagementMilestone.objects.create(
        engagement=engagement,
        code="feedback_letter",
        name="Feedback letter",
        due_on=timezone.localdate() + timedelta(days=90),
    )
    user = factories.CouncilContactFactory(council=council)
    loaded = selectors.council_engagement_get(user=user, reference=engagement.reference)
    steps = selectors.engagement_timeline(loaded)
    assert [s.state for s in steps] == ["done", "done", "done", "current", "todo", "todo", "todo"]
    assert steps[2].detail  # the dates agreed
    assert steps[5].detail.startswith("Planned for")


def test_timeline_of_a_postponed_engagement_has_no_current_step(council):
    engagement = EngagementFactory(councils=[council])
    status_history(engagement, "requested", "scoping", "postponed")
    user = factories.CouncilContactFactory(council=council)
    loaded = selectors.council_engagement_get(user=user, reference=engagement.reference)
    states = [s.state for s in selectors.engagement_timeline(loaded)]
    assert states == ["done", "done", "todo", "todo", "todo", "todo", "todo"]


def test_detail_shows_released_documents_and_own_uploads_only(
    client, contact, council, engagement, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    released = DocumentFactory(engagement=engagement, released_to_council=True)
    draft = DocumentFactory(engagement=engagement, original_name="Draft letter.pdf")
    own = DocumentFactory(engagement=engagement, uploaded_by=contact, original_name="Ours.pdf")
    client.force_login(contact)
    response = client.get(reverse("councils:engagement_detail", args=[engagement.reference]))
    assert set(response.context["engagement"].visible_documents) == {released, own}
    assert draft.original_name not in response.content.decode()


def test_home_page_links_to_the_portal(client, contact):
    client.force_login(contact)
    html = client.get(reverse("accounts:council_home")).content.decode()
    assert reverse("councils:engagement_list") in html
    assert reverse("councils:request_offers") in html


def test_requested_days_are_shown(client, contact, council):
    engagement = EngagementFactory(councils=[council], requested_days=Decimal("4"))
    client.force_login(contact)
    html = client.get(reverse("councils:engagement_detail", args=[engagement.reference]))
    assert "Days requested" in html.content.decode()
