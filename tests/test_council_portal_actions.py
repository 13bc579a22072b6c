"""Council portal: documents (checked by content, served privately), postpone or cancel
requests decided by a manager in the admin, and recording publication of the report."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from councils import services
from councils.portal_models import ChangeRequest, ChangeRequestStatus, CouncilRequest
from notifications.models import Notification
from programmes.models import EngagementDocument, EngagementStatus, StatusChange
from tests import factories
from tests.factories_council_portal import (
    PDF_BYTES,
    ChangeRequestFactory,
    DocumentFactory,
    docm_bytes,
    docx_bytes,
    odt_bytes,
    upload,
    xlsx_bytes,
)
from tests.factories_records import (
    DeliveredEngagementFactory,
    EngagementFactory,
    PeerUserFactory,
    ScheduledEngagementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def council():
    return factories.CouncilFactory(name="Eastwick")


@pytest.fixture
def contact(council, client):
    user = factories.CouncilContactFactory(council=council)
    client.force_login(user)
    return user


@pytest.fixture
def engagement(council):
    return ScheduledEngagementFactory(councils=[council])


def _upload(client, engagement, name, data, kind="position_statement"):
    return client.post(
        reverse("councils:document_upload", args=[engagement.reference]),
        {"kind": kind, "file": upload(name, data)},
    )


# --- Documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "extension", "content_type"),
    [
        ("Position statement.pdf", PDF_BYTES, "pdf", "application/pdf"),
        ("Plan.docx", docx_bytes(), "docx", "wordprocessingml.document"),
        ("Budget.xlsx", xlsx_bytes(), "xlsx", "spreadsheetml.sheet"),
        ("Notes.odt", odt_bytes(), "odt", "opendocument.text"),
    ],
)
def test_allowed_documents_are_stored_privately(
    client, contact, engagement, _private_media, name, data, extension, content_type
):
    response = _upload(client, engagement, name, data)
    assert response.status_code == 302
    document = EngagementDocument.objects.get()
    assert document.original_name.endswith(f".{extension}")
    assert content_type in document.content_type
    assert document.uploaded_by == contact
    assert not document.released_to_council
    stored = Path(document.file.path)
    assert stored.is_relative_to(_private_media)
    assert name not in str(stored)  # a random stored name, never the user's
    assert stored.read_bytes() == data
    assert not stored.is_relative_to(Path(django_settings.STATIC_ROOT))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200),  # an executable renamed
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("macro.docx", docm_bytes()),  # macro-enabled Word
        ("archive.docx", docx_bytes(types="<Types/>")),  # a zip that is not a document
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
    ],
)
def test_documents_are_checked_by_content_not_name(client, contact, engagement, name, data):
    response = _upload(client, engagement, name, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The selected file must be a PDF, DOCX, XLSX or ODT" in html
    assert 'href="#id_file"' in html
    assert EngagementDocument.objects.count() == 0


def test_documents_over_the_size_limit_are_refused(client, contact, engagement, settings):
    settings.COUNCIL_DOCUMENT_MAX_BYTES = 1024
    response = _upload(client, engagement, "big.pdf", PDF_BYTES + b"0" * 2048)
    assert "smaller than" in response.content.decode()
    assert EngagementDocument.objects.count() == 0


def test_missing_choices_are_listed_with_links(client, contact, engagement):
    response = client.post(reverse("councils:document_upload", args=[engagement.reference]), {})
    html = response.content.decode()
    assert 'href="#id_kind"' in html and 'href="#id_file"' in html
    assert "Select a file" in html


def test_names_are_sanitised():
    assert services.document_name_sanitise("../../etc/passwd", "pdf") == "passwd.pdf"
    assert services.document_name_sanitise("C:\\Users\\a\\My plan.exe", "docx") == "My_plan.docx"
    assert services.document_name_sanitise("\x00\u202e.pdf", "pdf") == "document.pdf"
    assert len(services.document_name_sanitise("a" * 400 + ".pdf", "pdf")) == 150


def test_download_is_an_attachment_with_nosniff(client, contact, engagement):
    _upload(client, engagement, "Position statement.pdf", PDF_BYTES)
    document = EngagementDocument.objects.get()
    response = client.get(reverse("councils:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Position_statement.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_download_permissions(client, council, engagement):
    released = DocumentFactory(engagement=engagement, released_to_council=True)
    unreleased = DocumentFactory(engagement=engagement)
    url = reverse("councils:document_download", args=[released.pk])
    hidden = reverse("councils:document_download", args=[unreleased.pk])

    assert client.get(url).status_code == 302  # anonymous: sign in
    client.force_login(factories.CouncilContactFactory(council=council))
    assert client.get(url).status_code == 200
    assert client.get(hidden).status_code == 404  # not released to the council
    client.force_login(factories.CouncilContactFactory())  # another council
    assert client.get(url).status_code == 404
    for user in (PeerUserFactory(), factories.BoardMemberFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(factories.ManagerFactory())
    assert client.get(hidden).status_code == 200


def test_stored_files_have_no_public_url(client, contact, engagement):
    _upload(client, engagement, "Position statement.pdf", PDF_BYTES)
    document = EngagementDocument.objects.get()
    for url in (f"/{document.file.name}", f"/media/{document.file.name}", document.file.url):
        assert client.get(url).status_code == 404, url


# --- Postpone or cancel -----------------------------------------------------------------------


def test_contact_asks_to_postpone_and_managers_are_told(
    client, contact, engagement, django_capture_on_commit_callbacks
):
    manager = factories.ManagerFactory()
    url = reverse("councils:change_request", args=[engagement.reference])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"kind": "postpone", "reason": "Elections in May"})
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert (change.kind, change.reason, change.requested_by) == (
        "postpone",
        "Elections in May",
        contact,
    )
    assert change.status == ChangeRequestStatus.PENDING
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCHEDULED  # the manager decides
    assert Notification.objects.filter(kind="council_change_request", recipient=manager.email)
    # A second request waits for the first decision; nothing changes.
    response = client.get(url)
    assert "already asked" in response.content.decode()
    response = client.post(url, {"kind": "cancel", "reason": "Changed our mind"})
    assert response.status_code == 409
    assert ChangeRequest.objects.count() == 1


def test_change_request_needs_a_reason(client, contact, engagement):
    url = reverse("councils:change_request", args=[engagement.reference])
    response = client.post(url, {"kind": "cancel", "reason": ""})
    html = response.content.decode()
    assert "Enter why you want to postpone or cancel" in html
    assert 'href="#id_reason"' in html
    assert ChangeRequest.objects.count() == 0


def test_a_delivered_engagement_cannot_be_postponed(client, contact, council):
    delivered = DeliveredEngagementFactory(councils=[council])
    url = reverse("councils:change_request", args=[delivered.reference])
    assert "can no longer be postponed" in client.get(url).content.decode()
    response = client.post(url, {"kind": "postpone", "reason": "Too late"})
    assert response.status_code == 409
    assert ChangeRequest.objects.count() == 0


def test_manager_agrees_in_the_admin_and_the_engagement_moves(client, engagement):
    change = ChangeRequestFactory(engagement=engagement, kind="cancel")
    manager = factories.ManagerFactory()
    client.force_login(manager)
    response = client.post(
        reverse("admin:councils_changerequest_changelist"),
        {"action": "approve_selected", "_selected_action": [change.pk]},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    engagement.refresh_from_db()
    assert change.status == ChangeRequestStatus.APPROVED
    assert change.decided_by == manager
    assert engagement.status == EngagementStatus.CANCELLED
    assert StatusChange.objects.filter(engagement=engagement, to_status="cancelled").exists()


def test_manager_refuses_in_the_admin_and_nothing_moves(client, engagement):
    change = ChangeRequestFactory(engagement=engagement)
    client.force_login(factories.ManagerFactory())
    client.post(
        reverse("admin:councils_changerequest_changelist"),
        {"action": "refuse_selected", "_selected_action": [change.pk]},
    )
    change.refresh_from_db()
    engagement.refresh_from_db()
    assert change.status == ChangeRequestStatus.REFUSED
    assert engagement.status == EngagementStatus.SCHEDULED


def test_only_managers_decide(engagement, contact):
    change = ChangeRequestFactory(engagement=engagement)
    with pytest.raises(services.PermissionDenied):
        services.change_request_decide(change_request=change, user=contact, approve=True)
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.PENDING


def test_request_queue_in_the_admin_lists_new_requests_first(client, council):
    contact = factories.CouncilContactFactory(council=council)
    older = EngagementFactory(councils=[council], requested_by=contact)
    newer = EngagementFactory(councils=[council], requested_by=contact)
    EngagementFactory()  # recorded by a manager, not a council request
    client.force_login(factories.ManagerFactory())
    response = client.get(reverse("admin:councils_councilrequest_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [newer, older]
    assert CouncilRequest.objects.count() == 3
    client.force_login(contact)
    response = client.get(reverse("admin:councils_councilrequest_changelist"))
    assert response.status_code == 302  # not staff: the admin's sign-in


# --- Publication ------------------------------------------------------------------------------


def test_contact_records_publication_of_a_delivered_engagement(client, contact, council):
    delivered = DeliveredEngagementFactory(councils=[council])
    url = reverse("councils:publication", args=[delivered.reference])
    response = client.post(
        url,
        {
            "publication_decision": "publish",
            "published_report_url": "https://www.eastwick.gov.uk/peer-challenge",
        },
    )
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.publication_decision == "publish"
    assert delivered.published_report_url == "https://www.eastwick.gov.uk/peer-challenge"
    client.post(url, {"publication_decision": "not_publish", "published_report_url": "x"})
    delivered.refresh_from_db()
    assert (delivered.publication_decision, delivered.published_report_url) == ("not_publish", "")


def test_publication_url_must_be_a_web_address(client, contact, council):
    delivered = DeliveredEngagementFactory(councils=[council])
    url = reverse("councils:publication", args=[delivered.reference])
    response = client.post(
        url, {"publication_decision": "publish", "published_report_url": "not a url"}
    )
    html = response.content.decode()
    assert "Enter a web address in the correct format" in html
    assert 'value="not a url"' in html
    delivered.refresh_from_db()
    assert delivered.publication_decision == ""


def test_publication_waits_for_delivery(client, contact, engagement):
    url = reverse("councils:publication", args=[engagement.reference])
    response = client.post(url, {"publication_decision": "publish"})
    assert response.status_code == 409
    engagement.refresh_from_db()
    assert engagement.publication_decision == ""


def test_no_uploads_to_a_cancelled_engagement(client, contact, council):
    cancelled = EngagementFactory(councils=[council], status=EngagementStatus.CANCELLED)
    response = _upload(client, cancelled, "a.pdf", PDF_BYTES)
    assert response.status_code == 409
    assert EngagementDocument.objects.count() == 0
