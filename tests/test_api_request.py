"""POST /api/v1/engagements/ is the council portal's request path: the same service
(councils.services.engagement_request_submit), the same notices, the same idempotency
(an Idempotency-Key header mapped onto the portal's submission token), the same warnings.

The refusals, door by door against the portal, are in tests/test_doors.py.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from api.models import ApiWrite
from councils.portal_models import RequestSubmission
from notifications.models import Notification
from programmes.models import Engagement
from tests import factories
from tests.factories_api import client_for
from tests.factories_records import DeliveredEngagementFactory, offer

pytestmark = pytest.mark.django_db

URL = "/api/v1/engagements/"


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contact():
    return factories.CouncilContactFactory(
        council=factories.CountyFactory(name="Northshire"), email="ceo@northshire.example"
    )


def _cpc(**overrides):
    start = timezone.localdate() + timedelta(days=200)
    body = {
        "offer": "CPC",
        "focus": "Our new corporate plan",
        "themes": ["finance"],
        "acknowledged": True,
        "preferred_from": start.isoformat(),
        "preferred_to": (start + timedelta(days=30)).isoformat(),
        "scoping_availability": "Any Monday in spring",
        "requested_days": "4",
        "delivery": "blended",
    }
    body.update(overrides)
    return body


def test_a_contacts_request_is_the_portals_request_with_its_notices(
    contact, django_capture_on_commit_callbacks
):
    """Given a council contact's token, when it requests a CPC, then the engagement is
    recorded as the portal records it and the confirmation and the managers' alert are
    queued through the notification ledger."""
    manager = factories.ManagerFactory(email="pm@example.org")
    client = client_for(contact)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _cpc(), format="json")

    assert response.status_code == 201, response.content
    engagement = Engagement.objects.get()
    assert response.json()["id"] == engagement.pk
    assert response.json()["warnings"] == []
    assert list(engagement.councils.all()) == [contact.council]
    assert engagement.requested_by == contact
    assert engagement.title == "Corporate Peer Challenge for Northshire"
    assert (engagement.focus, engagement.delivery, engagement.requested_days) == (
        "Our new corporate plan",
        "blended",
        4,
    )
    details = engagement.request_details
    assert details["form"] == "api"
    assert details["answers"]["focus_areas"] == "Our new corporate plan"
    assert details["answers"]["acknowledged"] is True
    assert details["answers"]["scoping_availability"] == "Any Monday in spring"
    assert RequestSubmission.objects.get().engagement == engagement
    assert set(Notification.objects.values_list("kind", "recipient")) == {
        ("council_request_received", contact.email),
        ("council_request_new", manager.email),
    }


def test_a_retry_with_the_same_idempotency_key_returns_the_first_engagement(
    contact, django_capture_on_commit_callbacks
):
    factories.ManagerFactory()
    client = client_for(contact)
    headers = {"HTTP_IDEMPOTENCY_KEY": "crm-request-0001"}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, _cpc(), format="json", **headers)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL, _cpc(), format="json", **headers)

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Engagement.objects.count() == 1
    assert RequestSubmission.objects.count() == 1
    assert Notification.objects.count() == 2  # one confirmation, one alert: not resent


def test_without_a_key_each_post_is_a_new_request(contact):
    client = client_for(contact)
    assert client.post(URL, _cpc(), format="json").status_code == 201
    assert client.post(URL, _cpc(), format="json").status_code == 201
    assert Engagement.objects.count() == 2


def test_a_key_reused_for_a_different_request_is_refused_and_nothing_is_created(contact):
    client = client_for(contact)
    headers = {"HTTP_IDEMPOTENCY_KEY": "crm-request-0002"}
    assert client.post(URL, _cpc(), format="json", **headers).status_code == 201

    response = client.post(URL, _cpc(focus="Something else"), format="json", **headers)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "Idempotency-Key": [
            "This request has already been sent with different details. "
            "Send a new request to ask for something else."
        ]
    }
    assert Engagement.objects.count() == 1


def test_keys_belong_to_their_caller(contact):
    """The same key from two councils' integrations is two requests, not one."""
    other = factories.CouncilContactFactory()
    headers = {"HTTP_IDEMPOTENCY_KEY": "request-1"}
    ours = client_for(contact).post(URL, _cpc(), format="json", **headers)
    theirs = client_for(other).post(URL, _cpc(), format="json", **headers)
    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert ours.json()["id"] != theirs.json()["id"]
    assert theirs.json()["councils"] == [other.council.gss_code]


@pytest.mark.parametrize("key", ["", "has spaces", "x" * 256, "caf\u00e9"])
def test_an_unusable_key_is_refused_by_name(contact, key):
    response = client_for(contact).post(
        URL, _cpc(), format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert not Engagement.objects.exists()


def test_the_lead_in_and_entitlement_warnings_come_back_in_the_answer(contact):
    DeliveredEngagementFactory(
        offer=offer("CPC"),
        councils=[contact.council],
        start_date=timezone.localdate() - timedelta(days=400),
    )
    soon = timezone.localdate() + timedelta(days=60)
    response = client_for(contact).post(
        URL,
        _cpc(preferred_from=soon.isoformat(), preferred_to=soon.isoformat()),
        format="json",
    )
    assert response.status_code == 201, response.content
    warnings = response.json()["warnings"]
    assert len(warnings) == 2
    assert "less than 4 months away" in warnings[0]
    assert "A free CPC is usually offered every 3 to 4 years" in warnings[1]
    engagement = Engagement.objects.get(pk=response.json()["id"])
    assert engagement.request_details["warnings"] == warnings


def test_a_managers_request_alerts_the_other_managers_and_links_to_the_engagement(
    django_capture_on_commit_callbacks,
):
    """A manager may request for any council (on its behalf). The other managers are
    alerted; the manager gets no council-portal confirmation (they cannot open that page)."""
    requester = factories.ManagerFactory(email="pa@example.org")
    colleague = factories.ManagerFactory(email="pm@example.org")
    council = factories.CouncilFactory(name="Westshire")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(requester).post(
            URL,
            {"offer": "BRPS", "councils": [council.gss_code], "focus": "Licensing backlog"},
            format="json",
        )

    assert response.status_code == 201, response.content
    engagement = Engagement.objects.get()
    assert engagement.title == "Bespoke Remote Peer Support for Westshire"
    assert engagement.request_details["answers"]["issue"] == "Licensing backlog"
    alert = Notification.objects.get()
    assert (alert.kind, alert.recipient) == ("council_request_new", colleague.email)
    assert f"/admin/programmes/engagement/{engagement.pk}/change/" in alert.body_text


def test_the_write_is_audited_once_with_its_answer_code(contact):
    client = client_for(contact)
    headers = {"HTTP_IDEMPOTENCY_KEY": "audit-1"}
    client.post(URL, _cpc(), format="json", **headers)
    client.post(URL, _cpc(), format="json", **headers)
    assert list(ApiWrite.objects.order_by("id").values_list("status_code", flat=True)) == [
        201,
        200,
    ]


def test_the_schema_documents_the_idempotency_key_and_the_warnings():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/engagements/"]["post"]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    key = headers["Idempotency-Key"]
    assert key.get("required", False) is False
    assert "retry" in key["description"].lower()
    assert key["schema"]["maxLength"] == 255
    assert {"200", "201"} <= set(operation["responses"])
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][created.rsplit("/", 1)[1]]
    assert "warnings" in component["properties"]
