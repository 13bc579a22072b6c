"""The access matrix: every URL of the site, for every role, against another council's objects.

The URLs come from the resolver, not from a hand-kept list: a URL without a row in EXPECTED
(or, for the admin, the admin rule) fails `test_every_url_has_an_expectation`, so a new page
cannot be forgotten. Path parameters point at council B's and peer B's objects
(tests/factories_security.py) while the signed-in users belong to council A / peer A, so a
200 where 404 is expected is a leak. Tokens in paths are forged (bearer links are tested by
name in tests/test_security.py).

Two sweeps the role columns cannot express follow the table: a director's session that has
only the password (every URL, GET and POST, must send it to the code page and change
nothing), and the user, group and token admin as a manager without director rights (every
way to raise rights is refused or ignored, and nothing changes).

Answers: 200; LOGIN = 302 to /accounts/sign-in/; ADMIN_LOGIN = 302 to /admin/login/;
REDIRECT = 302 elsewhere (the start page sending a signed-in user home, a wizard sending
back to its first step); 401 (the API without credentials); 403; 404; 405 (POST only; the
POST pass covers these).
"""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from tests.factories_security import (
    ROLES,
    access_snapshot,
    admin_values,
    path_values,
    state_snapshot,
    world_build,
)

pytestmark = pytest.mark.django_db

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
REDIRECT = "redirect"

STAFF = ("manager", "director")

# Columns: anonymous, council contact (A), peer (A), board member, programme manager,
# director, political group office.
EXPECTED = {
    "start": (200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "healthz": (200, 200, 200, 200, 200, 200, 200),
    "accessibility": (200, 200, 200, 200, 200, 200, 200),
    "privacy": (200, 200, 200, 200, 200, 200, 200),
    "accounts:login": (200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "accounts:logout": (405, 405, 405, 405, 405, 405, 405),
    "accounts:password_reset": (200, 200, 200, 200, 200, 200, 200),
    "accounts:password_reset_done": (200, 200, 200, 200, 200, 200, 200),
    "accounts:password_reset_confirm": (200, 200, 200, 200, 200, 200, 200),
    "accounts:password_reset_complete": (200, 200, 200, 200, 200, 200, 200),
    "accounts:two_factor_setup": (LOGIN, 200, 200, 200, 200, 200, 200),
    "accounts:two_factor_verify": (
        LOGIN,
        REDIRECT,
        REDIRECT,
        REDIRECT,
        REDIRECT,
        REDIRECT,
        REDIRECT,
    ),
    "accounts:home": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "accounts:manager_home": (LOGIN, 403, 403, 403, 200, 200, 403),
    "accounts:board_home": (LOGIN, 403, 403, 200, 200, 200, 403),
    "accounts:council_home": (LOGIN, 200, 403, 403, 403, 403, 403),
    "accounts:peer_home": (LOGIN, 403, 200, 403, 403, 403, 403),
    "accounts:group_office_home": (LOGIN, 403, 403, 403, 403, 403, 200),
    "councils:engagement_list": (LOGIN, 200, 403, 403, 403, 403, 403),
    "councils:engagement_detail": (LOGIN, 404, 403, 403, 403, 403, 403),
    "councils:request_confirmation": (LOGIN, 404, 403, 403, 403, 403, 403),
    "councils:document_upload": (LOGIN, 404, 403, 403, 403, 403, 403),
    "councils:change_request": (LOGIN, 404, 403, 403, 403, 403, 403),
    "councils:publication": (LOGIN, 404, 403, 403, 403, 403, 403),
    "councils:document_download": (LOGIN, 404, 403, 403, 200, 200, 403),
    "councils:request_offers": (LOGIN, 200, 403, 403, 403, 403, 403),
    "councils:request_offer": (LOGIN, 200, 403, 403, 403, 403, 403),
    "councils:request_check": (LOGIN, REDIRECT, 403, 403, 403, 403, 403),
    "councils:request_step": (LOGIN, 404, 403, 403, 403, 403, 403),
    "peers:dashboard": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:account_set_password": (200, 200, 200, 200, 200, 200, 200),
    "peers:profile": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:profile_confirm": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:conflicts": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:conflict_remove": (LOGIN, 403, 405, 403, 403, 403, 403),
    "peers:unavailability": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:unavailability_remove": (LOGIN, 403, 405, 403, 403, 403, 403),
    "peers:profile_edit": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:equalities": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:equalities_withdraw": (LOGIN, 403, REDIRECT, 403, 403, 403, 403),
    "peers:invitations": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:invitation_detail": (LOGIN, 403, 404, 403, 403, 403, 403),
    "peers:invitation_decline": (LOGIN, 403, 404, 403, 403, 403, 403),
    "peers:engagements": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:engagement_calendar": (LOGIN, 403, 404, 403, 403, 403, 403),
    "peers:calendar": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:calendar_feed": (404, 404, 404, 404, 404, 404, 404),
    "peers:days": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:my_data": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:my_data_download": (LOGIN, 403, 200, 403, 403, 403, 403),
    "peers:stale_profiles": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:dashboard": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:engagement_list": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:engagement_detail": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:engagement_status": (LOGIN, 403, 403, 403, 405, 405, 403),
    "programmes:suggest_team": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:peer_check": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:weights": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:allocation": (LOGIN, 403, 403, 403, 200, 200, 403),
    "programmes:allocation_run": (LOGIN, 403, 403, 403, 200, 200, 403),
    "surveys:answer": (404, 404, 404, 404, 404, 404, 404),
    "surveys:thank_you": (404, 404, 404, 404, 404, 404, 404),
    "reports:dashboard": (LOGIN, 403, 403, 200, 200, 200, 403),
    "reports:report_list": (LOGIN, 403, 403, 200, 200, 200, 403),
    "reports:stocktake_new": (LOGIN, 403, 403, 403, 200, 200, 403),
    "reports:stocktake_content": (LOGIN, 403, 403, 403, REDIRECT, REDIRECT, 403),
    "reports:rough_sleeping_new": (LOGIN, 403, 403, 403, 200, 200, 403),
    "reports:report_detail": (LOGIN, 403, 403, 404, 200, 200, 403),
    "reports:report_download": (LOGIN, 403, 403, 404, 404, 404, 403),
    "reports:peer_pool": (LOGIN, 403, 403, 403, 200, 200, 403),
    "reports:day_caps": (LOGIN, 403, 403, 403, 200, 200, 403),
    "api:council-list": (401, 200, 200, 200, 200, 200, 200),
    "api:council-detail": (401, 200, 200, 200, 200, 200, 200),
    "api:offer-list": (401, 200, 200, 200, 200, 200, 200),
    "api:offer-detail": (401, 200, 200, 200, 200, 200, 200),
    "api:engagement-list": (401, 200, 200, 403, 200, 200, 403),
    "api:engagement-detail": (401, 404, 404, 403, 200, 200, 403),
    "api:engagement-transition": (401, 405, 405, 403, 405, 405, 403),
    "api:team-place-list": (401, 200, 200, 403, 200, 200, 403),
    "api:team-place-detail": (401, 404, 404, 403, 200, 200, 403),
    "api:team-place-confirm": (401, 405, 405, 403, 405, 405, 403),
    "api:team-place-invite": (401, 405, 405, 403, 405, 405, 403),
    "api:team-place-respond": (401, 405, 405, 403, 405, 405, 403),
    "api:team-place-withdraw": (401, 405, 405, 403, 405, 405, 403),
    "api:peer-list": (401, 403, 200, 403, 200, 200, 403),
    "api:peer-detail": (401, 403, 404, 403, 200, 200, 403),
    "api:survey-results": (401, 403, 403, 200, 200, 200, 403),
    "api:stocktake": (401, 403, 403, 400, 400, 400, 403),
    "api:schema": (401, 200, 200, 200, 200, 200, 200),
    "api:docs": (LOGIN, 200, 200, 200, 200, 200, 200),
    "api:<unnamed api/^.*$>": (404, 404, 404, 404, 404, 404, 404),
}

# Admin rule: everyone but staff is sent to the admin's sign-in page; staff get a page, a
# redirect (an object that does not exist, or a change list), 403 where their role has no
# permission, 404 for a missing object's history. The exceptions below are exact.
ADMIN_STAFF_ANSWERS = {200, REDIRECT, 403, 404}
ADMIN_EXACT = {
    # Anyone may see the admin's sign-in page; staff are sent on to the index.
    "admin:login": (200, 200, 200, 200, REDIRECT, REDIRECT, 200),
    "admin:logout": (REDIRECT, REDIRECT, REDIRECT, REDIRECT, 405, 405, REDIRECT),
}
# Special-category data and security machinery: no role sees them without a named grant.
ADMIN_FORBIDDEN_TO_STAFF = (
    "admin:peers_equalitiesanswers_",
    "admin:auth_group_",
    "admin:otp_totp_totpdevice_",
    "admin:axes_accessattempt_",
    "admin:axes_accesslog_",
    "admin:axes_accessfailurelog_",
)
ADMIN_FORBIDDEN_EXCEPT = {
    # Their history pages redirect to the index when the object does not exist.
    "admin:peers_equalitiesanswers_history",
    "admin:axes_accessattempt_history",
    "admin:axes_accessfailurelog_history",
}
# Only the director (programmes.approve_daycapexception) may add a day-cap exception.
ADMIN_BY_ROLE = {
    "admin:programmes_daycapexception_add": {"manager": 403, "director": 200},
}

# POST-only URLs (405 on GET) where a role that may use the URL on its own objects must
# still be refused on B's: checked by the POST pass as well.
POST_ALSO_REFUSED = {
    "peers:unavailability_remove": ("peer",),
    "api:engagement-transition": ("council", "peer"),
    "api:team-place-confirm": ("council", "peer"),
    "api:team-place-invite": ("council", "peer"),
    "api:team-place-respond": ("council", "peer"),
    "api:team-place-withdraw": ("council", "peer"),
}
REFUSALS = {LOGIN, ADMIN_LOGIN, 401, 403, 404}


def site_urls() -> list[tuple[str, object, str]]:
    """(key, pattern, full route) for every URL pattern, walked from the root resolver."""
    found = []

    def walk(resolver, namespace, prefix):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, inner, prefix + str(pattern.pattern))
                continue
            route = prefix + str(pattern.pattern)
            name = pattern.name or f"<unnamed {route}>"
            found.append((f"{namespace}:{name}" if namespace else name, pattern, route))

    walk(get_resolver(), "", "")
    return found


def url_for(world, key: str, pattern, route: str) -> str:
    """The path to request for a pattern, its parameters pointing at B's objects."""
    regex = pattern.pattern.regex
    names = list(regex.groupindex)
    if "<unnamed" in key:
        # The admin's old-style object URLs and the catch-alls of the admin and the API.
        path = "/" + re.sub(r"<(?:\w+:)?object_id>", "1", route)
        return re.sub(r"\(\?P<url>\.\*\)\$$|\^\.\*\$$", "no-such-page/", path).replace("^", "")
    if key.startswith("admin:"):
        args, kwargs = admin_values(key)
    else:
        args, kwargs = [], path_values(world, key)
    if regex.groups > len(names):
        return reverse(key, args=args)
    return reverse(key, kwargs={name: kwargs[name] for name in names})


def answer(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/sign-in/"):
            return LOGIN
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        return REDIRECT
    return response.status_code


def expected_for(key: str, role: str):
    """The exact answer, or a set of acceptable answers (staff in the admin)."""
    column = ROLES.index(role)
    if key in EXPECTED:
        return EXPECTED[key][column]
    if key in ADMIN_EXACT:
        return ADMIN_EXACT[key][column]
    if role not in STAFF:
        return ADMIN_LOGIN
    if key in ADMIN_BY_ROLE:
        return ADMIN_BY_ROLE[key][role]
    if key.startswith(ADMIN_FORBIDDEN_TO_STAFF) and key not in ADMIN_FORBIDDEN_EXCEPT:
        return 403
    return ADMIN_STAFF_ANSWERS


def client_for(world, role: str) -> Client:
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def test_every_url_has_an_expectation():
    """A URL the matrix does not know fails here: add its row to EXPECTED."""
    urls = site_urls()
    keys = {key for key, _, _ in urls}
    unknown = sorted(k for k in keys if not k.startswith("admin:") and k not in EXPECTED)
    stale = sorted(set(EXPECTED) - keys)
    assert unknown == [], f"URLs without an access expectation: {unknown}"
    assert stale == [], f"Expectations for URLs that no longer exist: {stale}"
    assert len(keys) == len(urls) > 350  # one key per URL; the walk reached the admin


@pytest.mark.parametrize("role", ROLES)
def test_get_every_url_as(role):
    """Every URL answers each role as the table says, with B's objects in the path."""
    world = world_build()
    client = client_for(world, role)
    wrong = []
    for key, pattern, route in site_urls():
        url = url_for(world, key, pattern, route)
        got = answer(client.get(url))
        want = expected_for(key, role)
        if got != want and not (isinstance(want, set) and got in want):
            wrong.append(f"{key} {url}: expected {want}, got {got}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_post_to_every_refused_url_changes_nothing(role):
    """A POST by a role refused on GET is refused too, and changes nothing."""
    world = world_build()
    client = client_for(world, role)
    before = state_snapshot(world)
    wrong = []
    checked = 0
    for key, pattern, route in site_urls():
        if key.startswith("admin:"):
            continue
        refused = expected_for(key, role) in REFUSALS or role in POST_ALSO_REFUSED.get(key, ())
        if not refused:
            continue
        url = url_for(world, key, pattern, route)
        got = answer(client.post(url, {}))
        checked += 1
        if got not in REFUSALS | {405}:
            wrong.append(f"POST {key} {url}: got {got}")
    assert wrong == []
    assert state_snapshot(world) == before
    assert checked > 0


# --- An attacker who has only a director's password (issue #18) ---------------------------

# The only pages a signed-in session that has not given its code may open: the code page
# itself, signing out (POST only) and the health check. Everything else, set-up included,
# sends it to the verify page.
PASSWORD_ONLY_OPEN = {
    "accounts:two_factor_verify": 200,
    "accounts:logout": 405,
    "healthz": 200,
}


def _password_only_client(world, settings) -> Client:
    """A client signed in with a director's password; the director has an authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD

    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True  # the production profile
    director = world.users["director"]
    TOTPDevice.objects.create(user=director, name="Owner's phone", confirmed=True)
    client = Client()
    signed_in = client.post(
        reverse("accounts:login"), {"username": director.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    return client


def _sent_to_verify(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:two_factor_verify")
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_password_only_session_opens_nothing_but_the_code_page(method, settings):
    """GET and POST to every URL, the admin's included, with only the password."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world = world_build()
    client = _password_only_client(world, settings)
    devices = list(TOTPDevice.objects.values_list("pk", "key", "confirmed"))
    before = (state_snapshot(world), access_snapshot())
    wrong = []
    for key, pattern, route in site_urls():
        if key == "accounts:logout" and method == "post":
            continue  # signing out is always allowed
        url = url_for(world, key, pattern, route)
        response = getattr(client, method)(url, {})
        want = PASSWORD_ONLY_OPEN.get(key)
        if want is None and not _sent_to_verify(response):
            wrong.append(f"{method.upper()} {key} {url}: got {answer(response)}")
        elif want is not None and method == "get" and response.status_code != want:
            wrong.append(f"GET {key} {url}: expected {want}, got {answer(response)}")
    assert wrong == []
    assert (state_snapshot(world), access_snapshot()) == before
    assert list(TOTPDevice.objects.values_list("pk", "key", "confirmed")) == devices


# --- The user, group and token admin as a manager without director rights ----------------


def _user_change_data(client, user) -> dict:
    """The user's change form as it stands, plus the date it splits into two inputs."""
    from tests.factories_admin import admin_form_data

    data = admin_form_data(client.get(reverse("admin:accounts_user_change", args=[user.pk])))
    joined = user.date_joined
    data.update(
        date_joined_0=joined.strftime("%Y-%m-%d"), date_joined_1=joined.strftime("%H:%M:%S")
    )
    return data


def test_the_user_group_and_token_admin_give_a_manager_no_more_rights():
    """Every way a manager could raise rights in the admin is refused or ignored."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import Role
    from tests.factories import SuperuserFactory

    world = world_build()
    manager, director = world.users["manager"], world.users["director"]
    peer_user = world.peer_b.user
    superuser = SuperuserFactory()
    client = client_for(world, "manager")
    director_group = Group.objects.get(name=Role.DIRECTOR)
    equalities = Permission.objects.get(codename="view_equalities")
    day_cap = Permission.objects.get(codename="approve_daycapexception")
    escalation = {
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [str(director_group.pk)],
        "user_permissions": [str(equalities.pk), str(day_cap.pk)],
    }
    user_url = "admin:accounts_user_change"
    password_url = "admin:auth_user_password_change"
    new_password = {"password1": "taken-over-9876", "password2": "taken-over-9876"}

    # GET: their own record and a peer's open with access read-only; a director's and a
    # superuser's are view-only; the group admin is closed.
    for user in (manager, peer_user):
        page = client.get(reverse(user_url, args=[user.pk]))
        assert page.status_code == 200
        assert "is_superuser" not in page.context["adminform"].form.fields
    for user in (director, superuser):
        page = client.get(reverse(user_url, args=[user.pk]))
        assert page.status_code == 200 and not page.context["has_change_permission"]
        assert client.get(reverse(password_url, args=[user.pk])).status_code == 403
    assert client.get(reverse(password_url, args=[peer_user.pk])).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:api_integrationtoken_add")).status_code == 200

    before = access_snapshot()
    answers = {
        "own record": client.post(
            reverse(user_url, args=[manager.pk]),
            {**_user_change_data(client, manager), **escalation},
        ),
        "peer's record": client.post(
            reverse(user_url, args=[peer_user.pk]),
            {**_user_change_data(client, peer_user), **escalation},
        ),
        "director's record": client.post(
            reverse(user_url, args=[director.pk]), {"email": "mine@example.org", **escalation}
        ),
        "superuser's record": client.post(
            reverse(user_url, args=[superuser.pk]), {"email": "mine@example.org"}
        ),
        "director's password": client.post(reverse(password_url, args=[director.pk]), new_password),
        "peer's password": client.post(reverse(password_url, args=[peer_user.pk]), new_password),
        "add a user": client.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "new@example.org",
                "password1": "x-Long-pass-9876",
                "password2": "x-Long-pass-9876",
                **escalation,
            },
        ),
        "group": client.post(
            reverse("admin:auth_group_change", args=[director_group.pk]),
            {"name": director_group.name, "permissions": [str(day_cap.pk)]},
        ),
        "add a group": client.post(
            reverse("admin:auth_group_add"),
            {"name": "Mine", "permissions": [str(day_cap.pk)]},
        ),
        "director's token": client.post(
            reverse("admin:api_integrationtoken_add"),
            {"name": "Mine", "user": str(director.pk), "scope": "read_write"},
        ),
        "superuser's token": client.post(
            reverse("admin:api_integrationtoken_add"),
            {"name": "Mine", "user": str(superuser.pk), "scope": "read_write"},
        ),
    }
    after = access_snapshot()

    # The new user was added, with no access at all; nothing else changed.
    from accounts.models import User

    added = User.objects.get(email="new@example.org")
    assert after["users"].pop(added.pk)[2:] == (True, False, False, [], [])
    assert after == before
    assert {name: answer(response) for name, response in answers.items()} == {
        "own record": REDIRECT,
        "peer's record": REDIRECT,
        "director's record": 403,
        "superuser's record": 403,
        "director's password": 403,
        "peer's password": 403,
        "add a user": REDIRECT,
        "group": 403,
        "add a group": 403,
        "director's token": 200,  # the form again, with the reason
        "superuser's token": 200,
    }
