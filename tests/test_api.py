"""The REST API's contract: tokens, each role's view, writes through the services, errors,
filters, throttling, the write audit and constant query counts."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from api.models import ApiWrite, IntegrationToken, TokenScope
from api.services import integration_token_revoke, token_secret_hash
from programmes.models import Engagement, EngagementStatus, PlaceStatus, TeamPlace
from tests import factories
from tests.factories_api import client_for, token_for
from tests.factories_council_portal import status_history
from tests.factories_records import (
    EngagementFactory,
    OfficerPeerFactory,
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
)

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    """Throttle history lives in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Tokens ----------------------------------------------------------------------------


def test_a_token_is_stored_only_as_a_hash_and_works_as_bearer_or_token():
    manager = factories.ManagerFactory()
    token, secret = token_for(manager)
    assert token.secret_hash == token_secret_hash(secret)
    assert secret not in {token.name, token.prefix, token.secret_hash}
    for keyword in ("Bearer", "Token"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
        assert client.get(f"{V1}/offers/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer wrong-secret", "Bearer a b", "Basic dXNlcjpwYXNz", "Token " + "x" * 300],
)
def test_missing_or_wrong_credentials_answer_401_in_json(header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(f"{V1}/engagements/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_answers_401():
    token, secret = token_for(factories.ManagerFactory())
    integration_token_revoke(token=token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get(f"{V1}/offers/")
    assert response.status_code == 401
    assert response.json() == {"detail": "The token has been revoked."}


def test_the_token_of_a_deactivated_user_answers_401():
    manager = factories.ManagerFactory()
    client = client_for(manager)
    manager.is_active = False
    manager.save()
    assert client.get(f"{V1}/offers/").status_code == 401


def test_a_read_only_token_cannot_write_and_nothing_changes():
    council = factories.CouncilFactory()
    client = client_for(factories.ManagerFactory(), scope=TokenScope.READ)
    response = client.post(
        f"{V1}/engagements/",
        {"offer": "BRPS", "councils": [council.gss_code], "title": "Help"},
        format="json",
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not Engagement.objects.exists()
    assert client.get(f"{V1}/engagements/").status_code == 200


def test_the_admin_shows_the_secret_once_and_keeps_only_its_hash(client):
    manager = factories.ManagerFactory(is_superuser=True)
    client.force_login(manager)
    contact = factories.CouncilContactFactory()
    response = client.post(
        "/admin/api/integrationtoken/add/",
        {"name": "CRM sync", "user": contact.pk, "scope": TokenScope.READ},
    )
    assert response.status_code == 200
    token = IntegrationToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("psm_") and secret.encode() in response.content
    assert token.secret_hash == token_secret_hash(secret)
    assert token.created_by == manager and token.user == contact
    assert "no-store" in response["Cache-Control"]
    change_page = client.get(f"/admin/api/integrationtoken/{token.pk}/change/")
    assert secret.encode() not in change_page.content

    client.post(
        "/admin/api/integrationtoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- What each role's token sees ---------------------------------------------------------


@pytest.fixture
def programme():
    """Two councils' engagements, a peer placed on one, another peer placed on the other."""
    ours, theirs = factories.CouncilFactory(), factories.CouncilFactory()
    our_engagement = ScheduledEngagementFactory(councils=[ours])
    their_engagement = ScheduledEngagementFactory(councils=[theirs])
    peer, other_peer = PeerFactory(), PeerFactory()
    our_place = TeamPlaceFactory(engagement=our_engagement, peer=peer, status=PlaceStatus.ACCEPTED)
    their_place = TeamPlaceFactory(engagement=their_engagement, peer=other_peer)
    return {
        "ours": ours,
        "our_engagement": our_engagement,
        "their_engagement": their_engagement,
        "peer": peer,
        "other_peer": other_peer,
        "our_place": our_place,
        "their_place": their_place,
    }


@pytest.mark.parametrize("factory", [factories.ManagerFactory, factories.DirectorFactory])
def test_managers_and_directors_see_every_record(programme, factory):
    client = client_for(factory())
    assert _ids(client.get(f"{V1}/engagements/")) == {
        programme["our_engagement"].pk,
        programme["their_engagement"].pk,
    }
    assert _ids(client.get(f"{V1}/team-places/")) == {
        programme["our_place"].pk,
        programme["their_place"].pk,
    }
    assert _ids(client.get(f"{V1}/peers/")) == {programme["peer"].pk, programme["other_peer"].pk}


def test_a_council_contacts_token_sees_only_its_council(programme):
    client = client_for(factories.CouncilContactFactory(council=programme["ours"]))
    assert _ids(client.get(f"{V1}/engagements/")) == {programme["our_engagement"].pk}
    assert client.get(f"{V1}/engagements/{programme['our_engagement'].pk}/").status_code == 200
    outside = client.get(f"{V1}/engagements/{programme['their_engagement'].pk}/")
    assert outside.status_code == 404
    assert outside.json() == {"detail": "Not found."}
    # The accepted team on their own engagement once confirmed (as the portal), nothing else.
    assert _ids(client.get(f"{V1}/team-places/")) == set()  # scheduled: not confirmed yet
    status_history(
        programme["our_engagement"], "requested", "scoping", "scheduled", "team_confirmed"
    )
    assert _ids(client.get(f"{V1}/team-places/")) == {programme["our_place"].pk}
    assert client.get(f"{V1}/team-places/{programme['their_place'].pk}/").status_code == 404
    assert client.get(f"{V1}/peers/").status_code == 403
    assert client.get(f"{V1}/councils/").status_code == 200


def test_a_peers_token_sees_its_own_engagements_places_and_profile(programme):
    peer = programme["peer"]
    client = client_for(peer.user)
    assert _ids(client.get(f"{V1}/engagements/")) == {programme["our_engagement"].pk}
    assert client.get(f"{V1}/engagements/{programme['their_engagement'].pk}/").status_code == 404
    assert _ids(client.get(f"{V1}/team-places/")) == {programme["our_place"].pk}
    assert _ids(client.get(f"{V1}/peers/")) == {peer.pk}
    assert client.get(f"{V1}/peers/{peer.pk}/").json()["email"] == peer.user.email
    assert client.get(f"{V1}/peers/{programme['other_peer'].pk}/").status_code == 404


@pytest.mark.parametrize(
    "factory", [factories.BoardMemberFactory, factories.GroupOfficeFactory, factories.UserFactory]
)
def test_board_members_and_others_get_no_record_or_person_endpoints(programme, factory):
    client = client_for(factory())
    for path in (
        "/engagements/",
        f"/engagements/{programme['our_engagement'].pk}/",
        "/team-places/",
        f"/team-places/{programme['our_place'].pk}/",
        "/peers/",
        f"/peers/{programme['peer'].pk}/",
    ):
        response = client.get(V1 + path)
        assert response.status_code == 403, path
        assert response.json()["detail"]
    assert client.get(f"{V1}/councils/").status_code == 200
    assert client.get(f"{V1}/offers/").status_code == 200


def test_anonymous_callers_get_401_everywhere(programme):
    client = APIClient()
    for path in ("/councils/", "/offers/", "/engagements/", "/team-places/", "/peers/"):
        assert client.get(V1 + path).status_code == 401


def test_a_signed_in_browser_session_works_too(client, programme):
    client.force_login(factories.CouncilContactFactory(council=programme["ours"]))
    response = client.get(f"{V1}/engagements/")
    assert {row["id"] for row in response.json()["results"]} == {programme["our_engagement"].pk}


# --- Equalities ---------------------------------------------------------------------------


def _equalities(peer):
    from peers.models import EqualitiesAnswers

    return EqualitiesAnswers.objects.create(
        peer=peer, consent_given_at=timezone.now(), sex="female", ethnic_group="white"
    )


def test_equalities_never_leave_the_api_without_the_permission(programme):
    _equalities(programme["peer"])
    for user in (factories.ManagerFactory(), programme["peer"].user):
        client = client_for(user)
        listed = client.get(f"{V1}/peers/").json()["results"]
        detail = client.get(f"{V1}/peers/{programme['peer'].pk}/").json()
        assert all("equalities" not in row for row in listed)
        assert "equalities" not in detail
        assert b"female" not in client.get(f"{V1}/peers/").content


def test_holders_of_the_equalities_permission_see_the_answers(programme):
    from django.contrib.auth.models import Permission

    _equalities(programme["peer"])
    manager = factories.ManagerFactory()
    manager.user_permissions.add(Permission.objects.get(codename="view_equalities"))
    client = client_for(manager)
    detail = client.get(f"{V1}/peers/{programme['peer'].pk}/").json()
    assert detail["equalities"]["sex"] == "female"
    other = client.get(f"{V1}/peers/{programme['other_peer'].pk}/").json()
    assert other["equalities"] is None


# --- Writes through the services ---------------------------------------------------------


def test_a_manager_requests_an_engagement_and_the_write_is_audited():
    council = factories.CouncilFactory()
    manager = factories.ManagerFactory()
    token, secret = token_for(manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(
        f"{V1}/engagements/",
        {"offer": "BRPS", "councils": [council.gss_code], "title": "Planning support"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested" and body["councils"] == [council.gss_code]
    engagement = Engagement.objects.get(pk=body["id"])
    assert engagement.requested_by == manager
    assert engagement.status_changes.get().to_status == EngagementStatus.REQUESTED
    audit = ApiWrite.objects.get()
    assert (audit.token, audit.user, audit.method, audit.status_code) == (
        token,
        manager,
        "POST",
        201,
    )
    assert audit.path == f"{V1}/engagements/"


def test_the_service_refuses_with_the_same_words_per_field():
    councils = [factories.CouncilFactory(), factories.CouncilFactory()]
    client = client_for(factories.ManagerFactory())
    response = client.post(
        f"{V1}/engagements/",
        {"offer": "BRPS", "councils": [c.gss_code for c in councils], "title": "Two"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A BRPS is for one council. Request one for each council.",
        "errors": {"councils": ["A BRPS is for one council. Request one for each council."]},
    }
    assert not Engagement.objects.exists()
    assert ApiWrite.objects.get().status_code == 400


def test_shape_errors_name_each_field():
    client = client_for(factories.ManagerFactory())
    response = client.post(
        f"{V1}/engagements/",
        {"offer": "NOPE", "councils": [], "title": "", "requested_days": "1000"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"offer", "councils", "title", "requested_days"}
    assert errors["offer"] == ["There is no code “NOPE”."]


def test_a_council_contact_may_request_only_for_its_own_council():
    ours, theirs = factories.CouncilFactory(), factories.CouncilFactory()
    client = client_for(factories.CouncilContactFactory(council=ours))
    refused = client.post(
        f"{V1}/engagements/",
        {"offer": "BRPS", "councils": [theirs.gss_code], "title": "Help"},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"councils": [f"You can only request support for {ours}."]}
    assert not Engagement.objects.exists()
    accepted = client.post(
        f"{V1}/engagements/",
        {"offer": "BRPS", "councils": [ours.gss_code], "title": "Help"},
        format="json",
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    "factory", [PeerFactory, factories.BoardMemberFactory, factories.GroupOfficeFactory]
)
def test_other_roles_cannot_request_and_nothing_is_created(factory):
    made = factory()
    user = made.user if hasattr(made, "user") else made
    client = client_for(user)
    response = client.post(
        f"{V1}/engagements/",
        {"offer": "BRPS", "councils": [factories.CouncilFactory().gss_code], "title": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert not Engagement.objects.exists()


def test_a_manager_moves_an_engagement_on_through_the_workflow():
    engagement = EngagementFactory()
    client = client_for(factories.ManagerFactory())
    url = f"{V1}/engagements/{engagement.pk}/transition/"
    response = client.post(url, {"to_status": "scoping", "note": "Call booked"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "scoping"
    refused = client.post(url, {"to_status": "closed"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "non_field_errors": ["An engagement that is scoping cannot move to closed."]
    }
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCOPING


def test_a_council_contact_cannot_change_a_status(programme):
    client = client_for(factories.CouncilContactFactory(council=programme["ours"]))
    engagement = programme["our_engagement"]
    response = client.post(
        f"{V1}/engagements/{engagement.pk}/transition/", {"to_status": "cancelled"}, format="json"
    )
    assert response.status_code == 403
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.SCHEDULED


def test_a_manager_adds_and_confirms_a_team_place_under_the_placement_rules():
    engagement = ScheduledEngagementFactory()
    peer = OfficerPeerFactory()
    client = client_for(factories.ManagerFactory())
    created = client.post(
        f"{V1}/team-places/",
        {"engagement": engagement.pk, "peer": peer.pk, "role": "officer", "days": "3"},
        format="json",
    )
    assert created.status_code == 201, created.content
    place_id = created.json()["id"]
    assert created.json()["status"] == "invited"
    confirmed = client.post(f"{V1}/team-places/{place_id}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "accepted"

    own = PeerFactory(home_council=engagement.councils.get())
    refused = client.post(
        f"{V1}/team-places/",
        {"engagement": engagement.pk, "peer": own.pk, "role": "member", "days": "3"},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"]["non_field_errors"] == [
        f"{engagement.councils.get()} is {own}'s own council."
    ]
    assert not TeamPlace.objects.filter(peer=own).exists()


def test_a_peer_answers_their_own_invitation_only(programme):
    place = programme["their_place"]
    others = client_for(programme["peer"].user)
    assert others.post(f"{V1}/team-places/{place.pk}/respond/", {"accept": False}).status_code in (
        403,
        404,
    )
    client = client_for(programme["other_peer"].user)
    response = client.post(
        f"{V1}/team-places/{place.pk}/respond/",
        {"accept": True, "no_conflict_declared": False},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "no_conflict_declared": ["Confirm that you have no conflict of interest."]
    }
    response = client.post(
        f"{V1}/team-places/{place.pk}/respond/",
        {"accept": False, "reason": "Away that week"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_a_peer_cannot_add_places(programme):
    client = client_for(programme["peer"].user)
    response = client.post(
        f"{V1}/team-places/",
        {
            "engagement": programme["our_engagement"].pk,
            "peer": programme["peer"].pk,
            "role": "member",
            "days": "1",
        },
        format="json",
    )
    assert response.status_code == 403


# --- Filters, ordering, pages and hostile input -----------------------------------------------


def test_engagements_filter_by_offer_status_council_region_and_dates():
    from councils.models import Region

    north = factories.CouncilFactory(region=Region.NORTH_EAST)
    london = factories.CouncilFactory(region=Region.LONDON)
    soon = ScheduledEngagementFactory(councils=[north])
    later = ScheduledEngagementFactory(
        councils=[london], start_date=timezone.localdate() + timedelta(days=200)
    )
    requested = EngagementFactory(councils=[london])
    client = client_for(factories.ManagerFactory())

    def ids(query):
        return _ids(client.get(f"{V1}/engagements/?{query}"))

    assert ids("status=scheduled") == {soon.pk, later.pk}
    assert ids("status=scheduled&status=requested") == {soon.pk, later.pk, requested.pk}
    assert ids(f"council={north.gss_code}") == {soon.pk}
    assert ids("region=London") == {later.pk, requested.pk}
    assert ids("offer=BRPS") == {soon.pk, later.pk, requested.pk}
    assert ids("offer=CPC") == set()
    after = (timezone.localdate() + timedelta(days=100)).isoformat()
    assert ids(f"starts_after={after}") == {later.pk}
    assert ids(f"starts_before={after}") == {soon.pk}
    ordered = client.get(f"{V1}/engagements/?ordering=start_date&status=scheduled").json()
    assert [row["id"] for row in ordered["results"]] == [soon.pk, later.pk]


def test_updated_since_takes_any_offset_python_accepts():
    """PostgreSQL refuses offsets beyond 15:59: the filter converts to UTC first."""
    engagement = EngagementFactory()
    client = client_for(factories.ManagerFactory())
    response = client.get(f"{V1}/engagements/?updated_since=2000-01-01T00:00:00-22:59")
    assert _ids(response) == {engagement.pk}
    # A time the schema allows but UTC cannot hold (before year 1 in UTC): the earliest.
    earliest = client.get(f"{V1}/engagements/?updated_since=0001-01-01T00:00:00%2B01:00")
    assert _ids(earliest) == {engagement.pk}
    latest = client.get(f"{V1}/engagements/?updated_since=9999-12-31T23:59:59-01:00")
    assert _ids(latest) == set()


def test_pages_have_a_maximum_size():
    EngagementFactory.create_batch(3)
    client = client_for(factories.ManagerFactory())
    page = client.get(f"{V1}/engagements/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    too_big = client.get(f"{V1}/engagements/?page_size=101")
    assert too_big.status_code == 400
    assert too_big.json()["errors"] == {"page_size": ["Enter a page size from 1 to 100."]}
    assert client.get(f"{V1}/engagements/?page=99").status_code == 404
    for page in ("", "0", "two", "1.0"):
        assert client.get(f"{V1}/engagements/?page={page}").status_code == 400


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/engagements/?status=bogus", 400),
        ("/engagements/?council=E06%00", 400),
        ("/engagements/?starts_after=2024-13-01", 400),
        ("/engagements/?starts_after=", 400),
        ("/councils/?active=maybe", 400),
        ("/team-places/?engagement=99999999999999999999", 400),
        ("/team-places/?engagement=1.5", 400),
        ("/engagements/99999999999999999999999/", 404),
        ("/engagements/-1/", 404),
        ("/engagements/%00/", 404),
        ("/peers/1e3/", 404),
        ("/nowhere/", 404),
    ],
)
def test_hostile_queries_and_paths_answer_4xx_in_json(path, expected):
    client = client_for(factories.ManagerFactory())
    response = client.get(V1 + path)
    assert response.status_code == expected, response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "body",
    [
        {"offer": "BRPS", "councils": ["E06\x00"], "title": "x"},
        {"offer": "BRPS\x00", "councils": ["E06000001"], "title": "x"},
        {"offer": "BRPS", "councils": ["E06000001"], "title": "Nul \x00 byte"},
        {"offer": "BRPS", "councils": [2**70], "title": "x"},
        {"offer": "BRPS", "councils": "E06000001", "title": "x"},
    ],
)
def test_nul_bytes_and_oversized_numbers_in_a_body_answer_400(body):
    factories.CouncilFactory(gss_code="E06000001")
    client = client_for(factories.ManagerFactory())
    response = client.post(f"{V1}/engagements/", body, format="json")
    assert response.status_code == 400, response.content
    assert not Engagement.objects.exists()


def test_oversized_ids_in_a_body_answer_400():
    client = client_for(factories.ManagerFactory())
    response = client.post(
        f"{V1}/team-places/",
        {"engagement": 2**64, "peer": 2**63, "role": "member", "days": "1"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"engagement", "peer"}


def test_unreadable_json_answers_400_with_errors():
    client = client_for(factories.ManagerFactory())
    response = client.post(f"{V1}/engagements/", b"\x00", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


# --- Rate limits ------------------------------------------------------------------------------


def test_each_token_has_its_own_rate_limit(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/minute", "user": "2/minute", "anon": "2/minute"},
    }
    manager = factories.ManagerFactory()
    first, second = client_for(manager), client_for(manager)
    assert [first.get(f"{V1}/offers/").status_code for _ in range(3)] == [200, 200, 429]
    limited = first.get(f"{V1}/offers/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited.json()["detail"]
    assert second.get(f"{V1}/offers/").status_code == 200


# --- Query counts -----------------------------------------------------------------------------


def _grow(n):
    for _ in range(n):
        engagement = ScheduledEngagementFactory()
        TeamPlaceFactory(engagement=engagement)
        TeamPlaceFactory(engagement=engagement, peer=OfficerPeerFactory(), role="officer")


@pytest.mark.parametrize("path", ["/engagements/", "/team-places/", "/peers/", "/councils/"])
@pytest.mark.parametrize("role", ["manager", "contact", "peer"])
def test_list_endpoints_keep_a_constant_query_count(path, role, django_assert_num_queries):
    _grow(2)
    council = Engagement.objects.first().councils.get()
    user = {
        "manager": lambda: factories.ManagerFactory(roles=[Role.MANAGER]),
        "contact": lambda: factories.CouncilContactFactory(council=council),
        "peer": lambda: TeamPlace.objects.first().peer.user,
    }[role]()
    client = client_for(user)
    client.get(V1 + path)  # the first call records "last used"
    with CaptureQueriesContext(connection) as few:
        small = client.get(V1 + path)
    _grow(6)
    with django_assert_num_queries(len(few.captured_queries)):
        large = client.get(V1 + path)
    assert small.status_code == large.status_code
    if role == "manager" and small.status_code == 200:
        assert large.json()["count"] > small.json()["count"]


# --- Documentation ------------------------------------------------------------------------------


def test_the_schema_and_the_docs_are_for_signed_in_users_and_token_holders(client):
    """Anonymous callers get no schema (401) and the docs page sends them to sign in."""
    schema = client.get("/api/schema/")
    assert schema.status_code == 401
    assert b"openapi" not in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/sign-in/")
    assert client.get("/api/docs/?script=").status_code == 302
    _, secret = token_for(factories.CouncilContactFactory())
    with_token = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert with_token.status_code == 200 and b"openapi" in with_token.content


def test_the_docs_page_runs_under_the_strict_content_security_policy(client):
    client.force_login(factories.BoardMemberFactory())
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = page.content.decode()
    assert "<script>" not in html and "<style" not in html and "style=" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content
    schema = client.get("/api/schema/")
    assert schema.status_code == 200


# --- A peer's own details ---------------------------------------------------------------------


def test_a_peer_updates_their_own_safe_fields_only(programme):
    from peers.models import Expertise

    peer = programme["peer"]
    theme = Expertise.objects.first()
    client = client_for(peer.user)
    response = client.patch(
        f"{V1}/peers/{peer.pk}/",
        {"phone": "01234 567890", "work_mode": "remote", "expertise": [theme.slug]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "01234 567890"
    assert response.json()["expertise"] == [theme.slug]
    peer.refresh_from_db()
    assert (peer.phone, peer.work_mode) == ("01234 567890", "remote")

    refused = client.patch(
        f"{V1}/peers/{peer.pk}/", {"status": "left", "home_council": "E06000001"}, format="json"
    )
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"status", "home_council"}
    peer.refresh_from_db()
    assert peer.status == "active"

    blank = client.patch(f"{V1}/peers/{peer.pk}/", {"first_name": " "}, format="json")
    assert blank.status_code == 400
    # The profile page's words: the service refuses, not the serializer.
    assert blank.json()["errors"] == {"first_name": ["Enter your first name"]}


def test_a_peer_cannot_update_another_peer_and_contacts_cannot_update_peers(programme):
    other = programme["other_peer"]
    assert (
        client_for(programme["peer"].user)
        .patch(f"{V1}/peers/{other.pk}/", {"phone": "1"}, format="json")
        .status_code
        == 404
    )
    contact = client_for(factories.CouncilContactFactory(council=programme["ours"]))
    response = contact.patch(f"{V1}/peers/{other.pk}/", {"phone": "1"}, format="json")
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.phone == ""


def test_a_read_only_peer_token_cannot_update(programme):
    peer = programme["peer"]
    client = client_for(peer.user, scope=TokenScope.READ)
    response = client.patch(f"{V1}/peers/{peer.pk}/", {"phone": "1"}, format="json")
    assert response.status_code == 403


# --- Aggregates: survey results and the stocktake ----------------------------------------------


@pytest.mark.parametrize(
    "factory", [factories.BoardMemberFactory, factories.ManagerFactory, factories.DirectorFactory]
)
def test_board_members_and_managers_read_survey_results_as_aggregates(factory):
    from tests.factories_surveys import respond

    for satisfaction in ["very_satisfied"] * 3 + ["fairly_satisfied"] * 2:
        respond(satisfaction=satisfaction)  # 5: enough to show (fewer are withheld)
    client = client_for(factory())
    response = client.get(f"{V1}/survey-results/?audience=council")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["respondents"] == 5
    assert body["withheld"] is False
    assert body["headline"]["satisfied"] == 100
    assert body["headline"]["very_satisfied"] == 60
    assert body["questions"]["satisfaction"]["choices"]["very_satisfied"]["count"] == 3
    assert b"@example.org" not in response.content  # no respondent, ever


def test_the_stocktake_is_the_reports_document():
    from reports.stocktake import stocktake_compute

    delivered = EngagementFactory(councils=[factories.CouncilFactory()])
    Engagement.objects.filter(pk=delivered.pk).update(
        status=EngagementStatus.DELIVERED, start_date="2024-05-01", end_date="2024-05-03"
    )
    client = client_for(factories.BoardMemberFactory())
    response = client.get(
        f"{V1}/stocktake/?period_from=2024-04-01&period_to=2025-03-31&offers=BRPS"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    expected = stocktake_compute(period_from="2024-04-01", period_to="2025-03-31", offers=["BRPS"])
    body["meta"].pop("data_as_of")
    expected["meta"].pop("data_as_of")
    assert body["totals"] == expected["totals"]
    assert body["totals"]["delivered"] == 1
    assert body["offers_chosen"] == ["BRPS"]
    assert set(body) == set(expected)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period_from=2024-04-01", "period_to"),
        ("period_from=2024-04-01&period_to=2025-03-31&offers=", "offers"),
        ("period_from=2024-04-01&period_to=2024-03-01", "period_to"),
        ("period_from=0001-01-01&period_to=9999-12-31", "period_from"),
        ("period_from=2024-04-01&period_to=2025-03-31&offers=NOPE", "non_field_errors"),
        ("period_from=2024-04-01&period_to=2025-03-31&offers=C%00C", "offers.0"),
        ("period_from=2024-04-01&period_to=2025-03-31&planned_until=2024-01-01", "planned_until"),
    ],
)
def test_stocktake_refusals_name_the_field(query, field):
    client = client_for(factories.ManagerFactory())
    response = client.get(f"{V1}/stocktake/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "path", ["/survey-results/", "/stocktake/?period_from=2024-04-01&period_to=2025-03-31"]
)
def test_aggregates_are_refused_to_contacts_peers_and_group_offices(path, programme):
    for user in (
        factories.CouncilContactFactory(council=programme["ours"]),
        programme["peer"].user,
        factories.GroupOfficeFactory(),
    ):
        assert client_for(user).get(V1 + path).status_code == 403
    assert APIClient().get(V1 + path).status_code == 401


@pytest.mark.parametrize(
    "path", ["/survey-results/", "/stocktake/?period_from=2024-04-01&period_to=2025-03-31"]
)
def test_aggregates_keep_a_constant_query_count(path, django_assert_num_queries):
    from tests.factories_surveys import respond

    respond(satisfaction="very_satisfied")
    client = client_for(factories.BoardMemberFactory())
    client.get(V1 + path)
    with CaptureQueriesContext(connection) as few:
        client.get(V1 + path)
    for _ in range(3):
        respond(satisfaction="fairly_satisfied")
        _grow(1)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(V1 + path).status_code == 200
