"""Council portal: requesting an engagement through the multi-step GOV.UK flow."""

import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from councils import services
from councils.portal_models import RequestSubmission
from notifications.models import Notification
from programmes.models import Engagement, EngagementStatus
from tests import factories
from tests.factories_records import DeliveredEngagementFactory, offer

pytestmark = pytest.mark.django_db


def _date_parts(name, day):
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _step(code, slug):
    return reverse("councils:request_step", args=[code, slug])


def _check(code):
    return reverse("councils:request_check", args=[code])


@pytest.fixture
def contact(client):
    user = factories.CouncilContactFactory(council=factories.CountyFactory(name="Northshire"))
    client.force_login(user)
    return user


def _fill_cpc(client, *, start_in_days=200):
    today = timezone.localdate()
    start = today + timedelta(days=start_in_days)
    client.get(reverse("councils:request_offer", args=["CPC"]))
    responses = [
        client.post(
            _step("CPC", "focus"),
            {"focus_areas": "Our new corporate plan", "themes": ["finance", "governance"]},
        ),
        client.post(_step("CPC", "core-components"), {"acknowledged": "on"}),
        client.post(
            _step("CPC", "timing"),
            {
                **_date_parts("preferred_from", start),
                **_date_parts("preferred_to", start + timedelta(days=30)),
                "scoping_availability": "Any Monday in spring",
            },
        ),
        client.post(_step("CPC", "days-and-delivery"), {"days": "4", "delivery": "blended"}),
        client.post(_step("CPC", "other-councils"), {"joining": "no"}),
    ]
    for response in responses:
        assert response.status_code == 302, response.content.decode()[:3000]
    assert responses[-1]["Location"] == _check("CPC")
    return start


def test_cpc_request_end_to_end_creates_one_engagement_with_the_answers(
    client, contact, django_capture_on_commit_callbacks
):
    manager = factories.ManagerFactory(email="pm@example.org")
    start = _fill_cpc(client)
    page = client.get(_check("CPC"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Our new corporate plan" in html
    assert "Finance, Governance" in html
    assert "4 days" in html
    token = page.context["submit_form"].initial["token"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_check("CPC"), {"token": token})

    engagement = Engagement.objects.get()
    assert response["Location"] == reverse(
        "councils:request_confirmation", args=[engagement.reference]
    )
    assert engagement.offer.code == "CPC"
    assert list(engagement.councils.all()) == [contact.council]
    assert engagement.requested_by == contact
    assert engagement.status == EngagementStatus.REQUESTED
    assert engagement.delivery == "blended"
    assert engagement.requested_days == 4
    assert engagement.focus == "Our new corporate plan"
    assert sorted(engagement.themes.values_list("slug", flat=True)) == ["finance", "governance"]
    answers = engagement.request_details["answers"]
    assert answers["preferred_from"] == start.isoformat()
    assert answers["scoping_availability"] == "Any Monday in spring"
    assert answers["acknowledged"] is True
    assert engagement.request_details["warnings"] == []
    confirmation = client.get(response["Location"])
    assert engagement.reference in confirmation.content.decode()
    # The email confirmation and the managers' alert, queued once each by the task.
    kinds = set(Notification.objects.values_list("kind", "recipient"))
    assert kinds == {
        ("council_request_received", contact.email),
        ("council_request_new", manager.email),
    }
    assert services.engagement_request_notifications_queue(engagement_id=engagement.pk) == 0
    assert Notification.objects.count() == 2


def test_double_submission_creates_one_request(client, contact):
    _fill_cpc(client)
    token = client.get(_check("CPC")).context["submit_form"].initial["token"]
    first = client.post(_check("CPC"), {"token": token})
    # The second click (or back and submit again) carries the same token.
    second = client.post(_check("CPC"), {"token": token})
    assert Engagement.objects.count() == 1
    assert RequestSubmission.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_same_token_in_the_service_returns_the_first_engagement(contact):
    token = uuid.uuid4()
    answers = {"issue": "Planning backlog", "preferred_dates": "March", "delivery": "remote"}
    first, created = services.engagement_request_submit(
        user=contact, offer=offer("RRP"), answers=answers, token=token
    )
    again, created_again = services.engagement_request_submit(
        user=contact, offer=offer("RRP"), answers=answers, token=token
    )
    assert created and not created_again
    assert first == again
    assert Engagement.objects.count() == 1


def test_failed_validation_keeps_every_typed_value(client, contact):
    client.get(reverse("councils:request_offer", args=["CPC"]))
    client.post(_step("CPC", "focus"), {"focus_areas": "Budget gap"})
    client.post(_step("CPC", "core-components"), {"acknowledged": "on"})
    response = client.post(
        _step("CPC", "timing"),
        {
            "preferred_from_0": "31",
            "preferred_from_1": "2",
            "preferred_from_2": "2030",
            **_date_parts("preferred_to", timezone.localdate() + timedelta(days=400)),
            "scoping_availability": "Tuesdays after 2pm",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Error: " in html
    assert "There is a problem" in html
    assert 'href="#id_preferred_from' in html
    assert "Enter a real date" in html
    assert "Tuesdays after 2pm" in html
    assert 'value="31"' in html and 'value="2030"' in html
    # Earlier answers are still in the session: going back shows them.
    assert "Budget gap" in client.get(_step("CPC", "focus")).content.decode()


def test_every_missing_answer_is_listed_in_the_error_summary(client, contact):
    client.get(reverse("councils:request_offer", args=["RRP"]))
    response = client.post(_step("RRP", "issue"), {})
    html = response.content.decode()
    assert 'href="#id_issue"' in html
    assert "Enter the issue or service area you would like help with" in html
    response = client.post(_step("RRP", "issue"), {"issue": "Recovery"})
    response = client.post(_step("RRP", "dates"), {})
    html = response.content.decode()
    assert 'href="#id_preferred_dates"' in html
    assert 'href="#id_delivery"' in html


def test_a_later_step_sends_the_user_back_to_the_first_unanswered_one(client, contact):
    response = client.get(_step("CPC", "timing"))
    assert response["Location"] == _step("CPC", "focus")


def test_check_page_without_answers_goes_back_to_the_start(client, contact):
    response = client.get(_check("CPC"))
    assert response["Location"] == reverse("councils:request_offer", args=["CPC"])


def test_lead_in_warning_shows_but_does_not_block(client, contact):
    _fill_cpc(client, start_in_days=60)
    page = client.get(_check("CPC"))
    assert "less than 4 months away" in page.content.decode()
    client.post(_check("CPC"), {"token": page.context["submit_form"].initial["token"]})
    engagement = Engagement.objects.get()
    assert "less than 4 months" in engagement.request_details["warnings"][0]


def test_cpc_days_default_follows_the_council_tier(client):
    district = factories.CouncilContactFactory(council=factories.DistrictFactory())
    county = factories.CouncilContactFactory(council=factories.CountyFactory())
    for user, days in ((district, 3), (county, 4)):
        client.force_login(user)
        client.get(reverse("councils:request_offer", args=["CPC"]))
        client.post(_step("CPC", "focus"), {"focus_areas": "Growth"})
        client.post(_step("CPC", "core-components"), {"acknowledged": "on"})
        start = timezone.localdate() + timedelta(days=200)
        client.post(
            _step("CPC", "timing"),
            {
                **_date_parts("preferred_from", start),
                **_date_parts("preferred_to", start),
                "scoping_availability": "Any time",
            },
        )
        form = client.get(_step("CPC", "days-and-delivery")).context["form"]
        assert form.fields["days"].initial == days


def test_cpc_is_never_fully_remote(client, contact):
    _fill_cpc(client)
    form = client.get(_step("CPC", "days-and-delivery")).context["form"]
    assert "remote" not in dict(form.fields["delivery"].choices)
    response = client.post(_step("CPC", "days-and-delivery"), {"days": "4", "delivery": "remote"})
    assert response.status_code == 200
    assert (
        "Select a valid choice" in response.content.decode()
        or response.context["form"].errors["delivery"]
    )


def test_cpc_other_councils_must_be_named_when_joining(client, contact):
    district = factories.DistrictFactory(county=contact.council, name="Riverdale")
    _fill_cpc(client)
    response = client.post(_step("CPC", "other-councils"), {"joining": "yes"})
    assert "Enter the councils that will take part" in response.content.decode()
    assert "Riverdale" in response.content.decode()
    response = client.post(
        _step("CPC", "other-councils"), {"joining": "yes", "joining_councils": [district.pk]}
    )
    assert response["Location"] == _check("CPC")


@pytest.mark.parametrize(
    ("code", "asks_pattern"), [("RRP", False), ("BRPS", True), ("RCHC", False)]
)
def test_remote_offers_ask_the_issue_and_dates_remote_by_default(
    client, contact, code, asks_pattern
):
    client.get(reverse("councils:request_offer", args=[code]))
    client.post(_step(code, "issue"), {"issue": "Licensing backlog", "themes": ["licensing"]})
    form = client.get(_step(code, "dates")).context["form"]
    assert ("pattern" in form.fields) is asks_pattern
    assert form.fields["delivery"].initial == "remote"
    data = {"preferred_dates": "Mornings in March", "delivery": "remote"}
    if asks_pattern:
        response = client.post(_step(code, "dates"), data)
        assert "Select whether the days should be consecutive or spread" in (
            response.content.decode()
        )
        data["pattern"] = "spread"
    assert client.post(_step(code, "dates"), data)["Location"] == _check(code)
    token = client.get(_check(code)).context["submit_form"].initial["token"]
    client.post(_check(code), {"token": token})
    engagement = Engagement.objects.get(offer__code=code)
    assert engagement.focus == "Licensing backlog"
    assert engagement.delivery == "remote"
    assert engagement.request_details["answers"]["preferred_dates"] == "Mornings in March"
    if asks_pattern:
        assert engagement.request_details["answers"]["pattern"] == "spread"


def test_dip_asks_panel_dates_and_comes_first_for_nsap_councils(client):
    user = factories.CouncilContactFactory(council=factories.CouncilFactory(nsap_funded=True))
    client.force_login(user)
    offers = client.get(reverse("councils:request_offers")).context["offers"]
    assert offers[0].code == "DIP"
    client.get(reverse("councils:request_offer", args=["DIP"]))
    response = client.post(_step("DIP", "panel-dates"), {"preferred_panel_dates": "June"})
    assert response["Location"] == _check("DIP")
    token = client.get(_check("DIP")).context["submit_form"].initial["token"]
    client.post(_check("DIP"), {"token": token})
    engagement = Engagement.objects.get(offer__code="DIP")
    assert engagement.request_details["answers"]["preferred_panel_dates"] == "June"


def test_dip_comes_last_for_other_councils(client, contact):
    offers = client.get(reverse("councils:request_offers")).context["offers"]
    assert offers[-1].code == "DIP"
    assert "MENTOR" not in [o.code for o in offers]


def test_offer_not_open_to_councils_is_not_found(client, contact):
    assert client.get(reverse("councils:request_offer", args=["MENTOR"])).status_code == 404


def test_entitlement_warning_on_the_offer_page(client, contact):
    DeliveredEngagementFactory(
        offer=offer("CPC"),
        councils=[contact.council],
        start_date=timezone.localdate() - timedelta(days=400),
    )
    html = client.get(reverse("councils:request_offer", args=["CPC"])).content.decode()
    assert "A free CPC is usually offered every 3 to 4 years" in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submissions_with_one_token_create_one_request():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite serialises writes anyway")
    contact = factories.CouncilContactFactory()
    token = uuid.uuid4()
    answers = {"issue": "Governance", "preferred_dates": "April", "delivery": "remote"}
    barrier = threading.Barrier(4)
    results = []

    def submit():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            engagement, created = services.engagement_request_submit(
                user=contact, offer=offer("RRP"), answers=answers, token=token
            )
            results.append((engagement.pk, created))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Engagement.objects.count() == 1
    assert len(results) == 4
    assert {pk for pk, _ in results} == {Engagement.objects.get().pk}
    assert sorted(created for _, created in results) == [False, False, False, True]


def test_a_refusal_from_the_service_is_shown_on_the_check_page_and_nothing_is_saved(
    client, contact
):
    _fill_cpc(client)
    token = client.get(_check("CPC")).context["submit_form"].initial["token"]
    contact.council.abolished_on = timezone.localdate()
    contact.council.save()
    response = client.post(_check("CPC"), {"token": token})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "no longer exists" in html
    assert Engagement.objects.count() == 0
    assert RequestSubmission.objects.count() == 0


def test_a_new_contact_requests_and_follows_the_engagement_to_delivery(client, contact):
    """Given a signed-in contact, when they request a CPC and the manager runs it through,
    then each status shows on their timeline, the team appears once confirmed, and the
    report's publication can be recorded after delivery."""
    from decimal import Decimal

    from programmes import services as programme_services
    from tests.factories_records import PeerFactory

    manager = factories.ManagerFactory()
    _fill_cpc(client)
    token = client.get(_check("CPC")).context["submit_form"].initial["token"]
    client.post(_check("CPC"), {"token": token})
    engagement = Engagement.objects.get()
    detail = reverse("councils:engagement_detail", args=[engagement.reference])

    def states():
        return [step.state for step in client.get(detail).context["timeline"]]

    assert states()[:2] == ["done", "current"]
    programme_services.engagement_transition(
        engagement=engagement, to_status="scoping", user=manager
    )
    start = timezone.localdate() + timedelta(days=150)
    programme_services.engagement_activity_days_set(
        engagement=engagement,
        days=[(start + timedelta(days=n), "onsite") for n in range(4)],
        user=manager,
    )
    programme_services.engagement_transition(
        engagement=engagement, to_status="scheduled", user=manager
    )
    peer = PeerFactory(user__first_name="Grace", user__last_name="Hopper")
    programme_services.team_place_add(
        engagement=engagement,
        peer=peer,
        role="lead_member",
        days=Decimal("4"),
        user=manager,
        status="accepted",
    )
    assert "Grace Hopper" not in client.get(detail).content.decode()
    programme_services.engagement_transition(
        engagement=engagement, to_status="team_confirmed", user=manager
    )
    assert "Grace Hopper" in client.get(detail).content.decode()
    with time_machine.travel(start + timedelta(days=3)):
        for status in ("in_delivery", "delivered"):
            programme_services.engagement_transition(
                engagement=engagement, to_status=status, user=manager
            )
    assert states() == ["done", "done", "done", "done", "done", "current", "todo"]
    page = client.get(detail).content.decode()
    assert reverse("councils:publication", args=[engagement.reference]) in page
    assert reverse("councils:change_request", args=[engagement.reference]) not in page
