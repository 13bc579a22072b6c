"""Security headers, crafted requests for another council's things, survey erasure and retention."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.erasure import person_erase
from surveys.models import Answer, Invitation
from tests import factories
from tests.factories_council_portal import DocumentFactory
from tests.factories_records import DeliveredEngagementFactory, PeerFactory
from tests.factories_security import FORGED_TOKEN
from tests.factories_surveys import InvitationFactory, respond

pytestmark = pytest.mark.django_db


# --- Headers -------------------------------------------------------------------------------


def test_every_page_has_a_strict_csp_and_frame_and_referrer_policies(client):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@override_settings(
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_SSL_REDIRECT=True,
)
def test_production_settings_send_hsts_and_secure_cookies(client):
    """With the production block's settings: HTTPS only, cookies never sent in clear."""
    assert client.get(reverse("accounts:login")).status_code == 301  # to https
    response = client.get(reverse("accounts:login"), secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert response.cookies["csrftoken"]["secure"]
    user = factories.BoardMemberFactory()
    signed_in = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": factories.PASSWORD},
        secure=True,
    )
    assert signed_in.cookies["sessionid"]["secure"]
    assert signed_in.cookies["sessionid"]["httponly"]


# --- Crafted requests for another council's things ----------------------------------------


def test_council_contact_cannot_open_another_councils_engagement_or_document(client):
    engagement = DeliveredEngagementFactory()
    document = DocumentFactory(engagement=engagement, released_to_council=True)
    client.force_login(factories.CouncilContactFactory())
    detail = reverse("councils:engagement_detail", args=[engagement.reference])
    assert client.get(detail).status_code == 404
    response = client.get(reverse("councils:document_download", args=[document.pk]))
    assert response.status_code == 404
    api = client.get(reverse("api:engagement-detail", args=[engagement.pk]))
    assert api.status_code == 404


def test_a_guessed_survey_link_or_calendar_feed_is_not_found(client):
    InvitationFactory()
    assert client.get(reverse("surveys:answer", args=[FORGED_TOKEN])).status_code == 404
    feed = reverse("peers:calendar_feed", args=[FORGED_TOKEN])
    assert client.get(feed).status_code == 404


def test_a_peer_cannot_fetch_another_peers_engagement_calendar(client):
    from tests.factories_records import TeamPlaceFactory

    place = TeamPlaceFactory(status="accepted")
    client.force_login(PeerFactory().user)
    url = reverse("peers:engagement_calendar", args=[place.engagement.pk])
    assert client.get(url).status_code == 404


# --- Erasure of survey free text and retention --------------------------------------------


def test_erasure_blanks_the_persons_survey_free_text_and_email_but_keeps_choices():
    contact = factories.CouncilContactFactory(email="kim@council.example")
    invitation = InvitationFactory(email="kim@council.example", user=None)
    respond(invitation, satisfaction="very_satisfied", comment="Kim Patel from finance said …")
    other = respond(comment="Someone else's words")

    person_erase(user=contact)

    invitation.refresh_from_db()
    assert invitation.email.endswith("@erased.invalid")
    assert not Invitation.objects.filter(email__iexact="kim@council.example").exists()
    answers = Answer.objects.filter(response__invitation=invitation)
    assert not answers.exclude(text="").exists()
    assert answers.filter(choice__isnull=False).count() == 1  # the figure stays
    assert Answer.objects.filter(response=other, text="Someone else's words").exists()


def test_retention_command_blanks_free_text_older_than_the_setting(settings):
    settings.SURVEY_FREE_TEXT_RETENTION_DAYS = 365
    old = respond(
        submitted_at=timezone.now() - timedelta(days=366),
        satisfaction="neither",
        comment="Old words",
    )
    recent = respond(submitted_at=timezone.now() - timedelta(days=364), comment="New words")

    call_command("purge_survey_comments")

    assert not Answer.objects.filter(response=old).exclude(text="").exists()
    assert Answer.objects.filter(response=old, choice__isnull=False).count() == 1
    assert Answer.objects.filter(response=recent, text="New words").exists()


def test_retention_defaults_to_two_years(settings):
    del settings.SURVEY_FREE_TEXT_RETENTION_DAYS
    kept = respond(submitted_at=timezone.now() - timedelta(days=700), comment="Kept")
    gone = respond(submitted_at=timezone.now() - timedelta(days=731), comment="Gone")

    call_command("purge_survey_comments")

    assert Answer.objects.filter(response=kept, text="Kept").exists()
    assert not Answer.objects.filter(response=gone, text="Gone").exists()


# --- Equalities -----------------------------------------------------------------------------


def test_board_equalities_tables_show_nothing_when_fewer_than_five_shared():
    from peers.models import EqualitiesAnswers
    from reports.dashboard import DIMENSIONS, _equalities_table
    from tests.factories_peer_portal import EqualitiesAnswersFactory

    for _ in range(4):
        EqualitiesAnswersFactory()

    table = _equalities_table(EqualitiesAnswers.objects.all())

    assert table["shared"] is None
    for field, _label, _choices in DIMENSIONS:
        assert all(row["count"] is None for row in table[field]["rows"])


def test_board_equalities_tables_hide_cells_below_five():
    from peers.models import EqualitiesAnswers
    from reports.dashboard import _equalities_table
    from tests.factories_peer_portal import EqualitiesAnswersFactory

    for _ in range(6):
        EqualitiesAnswersFactory(sex="female")
    for _ in range(2):
        EqualitiesAnswersFactory(sex="male")

    rows = {
        r["value"]: r["count"]
        for r in _equalities_table(EqualitiesAnswers.objects.all())["sex"]["rows"]
    }

    assert rows["female"] is None or rows["female"] >= 5  # secondary suppression may hide it
    assert rows["male"] is None
    assert all(count is None or count == 0 or count >= 5 for count in rows.values())


def test_equalities_admin_opens_only_with_the_dedicated_permission(client):
    from django.contrib.auth.models import Permission

    from tests.factories_peer_portal import EqualitiesAnswersFactory

    answers = EqualitiesAnswersFactory()
    manager = factories.ManagerFactory()
    client.force_login(manager)
    change = reverse("admin:peers_equalitiesanswers_change", args=[answers.pk])
    listing = reverse("admin:peers_equalitiesanswers_changelist")
    assert client.get(listing).status_code == 403
    assert client.get(change).status_code == 403
    assert b"equalities" not in client.get(reverse("admin:index")).content.lower()

    manager.user_permissions.add(Permission.objects.get(codename="view_equalities"))
    assert client.get(listing).status_code == 200
    assert client.get(change).status_code == 200
