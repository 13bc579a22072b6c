"""Door by door: a write the product offers through more than one door refuses the same
bad input with the same words at every door, and changes nothing.

WRITES is the table: for each write, the services it goes through, its doors (a callable
each that drives a bad input through that door over HTTP and returns the messages the
door shows), its bad inputs and its API operations. Three checks keep the table honest:

- ``test_each_door_refuses_like_the_service``: for each bad input the service is first
  called directly (in a savepoint that is rolled back); its words are the reference, and a
  rule that only a form or a serializer holds fails here. Then every door is driven with
  the same input: it must show those words and leave the records as they were.
- ``test_every_api_write_is_in_the_table``: the API's POST, PUT, PATCH and DELETE
  operations come from its OpenAPI schema; one without a row here fails.
- ``test_every_module_reaching_a_write_is_a_door``: the code is scanned for references to
  each write's services; a module that reaches one without being listed as a door (or as
  a named non-door, like the demo builder) fails, and so does a door that does not reach
  the write's services (a door that writes around them).
"""

import ast
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from councils.portal_models import ChangeRequest, RequestSubmission
from notifications.models import Notification
from peers.models import WorkRegion
from programmes.models import (
    Engagement,
    EngagementStatus,
    PlaceStatus,
    StatusChange,
    TeamPlace,
    TeamRole,
)
from tests import factories
from tests.factories_admin import add_inline_row, admin_form_data, inline_prefix
from tests.factories_api import client_for
from tests.factories_records import (
    EngagementFactory,
    OfficerPeerFactory,
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    offer,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    cache.clear()
    yield
    cache.clear()


@dataclass(frozen=True)
class Door:
    """One way in: `attempt(world, bad)` drives the bad input through it, returns the
    messages it shows (none when it accepted the input)."""

    name: str
    module: str  # the module of this door that reaches the write's services
    attempt: Callable[[dict, dict], list[str]]


@dataclass(frozen=True)
class Case:
    """A bad input. `given()` builds the records and returns the world the doors act on."""

    name: str
    given: Callable[[], dict]
    bad: dict
    # Doors that cannot even express this input, each with the reason.
    not_at: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Write:
    services: tuple[str, ...]  # the service (and the services wrapping it) every door calls
    call: Callable[[dict, dict], object]  # the service itself, given the bad input
    snapshot: Callable[[dict], object]  # what a refusal must leave as it was
    doors: tuple[Door, ...]
    cases: tuple[Case, ...]
    api: tuple[tuple[str, str], ...] = ()  # (method, path) of its API operations


# --- How a door answers ---------------------------------------------------------------------


def _messages(errors) -> list[str]:
    """Every message of a form's errors, a formset's, an admin error list or a JSON body."""
    if isinstance(errors, dict):
        items = errors.values()
    elif isinstance(errors, list | tuple):  # ErrorList is a list of its messages
        items = errors
    else:
        return [str(errors)]
    return [message for item in items for message in _messages(item)]


def _form_answer(response, name="form") -> list[str]:
    if response.status_code == 302:
        return []
    assert response.status_code in (200, 400), response.status_code
    return _messages(response.context[name].errors)


def _admin_answer(response) -> list[str]:
    if response.status_code == 302:
        return []
    assert response.status_code == 200, response.status_code
    return _messages(response.context["errors"])


def _admin_action_answer(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def _api_answer(response) -> list[str]:
    if response.status_code < 300:
        return []
    assert response.status_code == 400, (response.status_code, response.content)
    return _messages(response.json()["errors"])


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _admin_action(world, changelist, action, pk) -> list[str]:
    response = _signed_in(world["manager"]).post(
        reverse(changelist), {"action": action, "_selected_action": [pk]}, follow=True
    )
    return _admin_action_answer(response)


def _admin_place_status(world, bad) -> list[str]:
    """The team place's admin page: change its status and save."""
    client = _signed_in(world["manager"])
    url = reverse("admin:programmes_teamplace_change", args=[world["place"].pk])
    data = admin_form_data(client.get(url))
    data["status"] = bad["status"]
    return _admin_answer(client.post(url, data))


# --- Council request: council portal, API ----------------------------------------------------


def _request_answers(bad) -> dict:
    """A CPC request's answers with the bad ones; dates are given in days from today."""
    answers = {
        "offer": "CPC",
        "focus_areas": "Our new corporate plan",
        "acknowledged": True,
        "preferred_from": 200,
        "preferred_to": 230,
        "scoping_availability": "Any Monday in spring",
        "days": 4,
        "delivery": "blended",
        **bad,
    }
    for name in ("preferred_from", "preferred_to"):
        answers[name] = timezone.localdate() + timedelta(days=answers[name])
    return answers


def _request_world(*, abolished=False) -> dict:
    council = factories.CountyFactory(name="Northshire")
    if abolished:
        council.abolished_on = timezone.localdate() - timedelta(days=1)
        council.save()
    factories.ManagerFactory()
    return {"contact": factories.CouncilContactFactory(council=council)}


def _request_call(world, bad):
    from councils.services import engagement_request_submit

    answers = _request_answers(bad)
    code = answers.pop("offer")
    answers = {k: v.isoformat() if isinstance(v, date) else v for k, v in answers.items()}
    return engagement_request_submit(
        user=world["contact"], offer=offer(code), answers=answers, token=uuid.uuid4()
    )


def _date_parts(name, day):
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _portal_request(world, bad) -> list[str]:
    answers = _request_answers(bad)
    code = answers["offer"]
    client = _signed_in(world["contact"])
    client.get(reverse("councils:request_offer", args=[code]))
    steps = [
        ("focus", {"focus_areas": answers["focus_areas"]}),
        ("core-components", {"acknowledged": "on"} if answers["acknowledged"] else {}),
        (
            "timing",
            {
                **_date_parts("preferred_from", answers["preferred_from"]),
                **_date_parts("preferred_to", answers["preferred_to"]),
                "scoping_availability": answers["scoping_availability"],
            },
        ),
        ("days-and-delivery", {"days": str(answers["days"]), "delivery": answers["delivery"]}),
        ("other-councils", {"joining": "no"}),
    ]
    for slug, data in steps:
        response = client.post(reverse("councils:request_step", args=[code, slug]), data)
        if response.status_code != 302:
            return _form_answer(response)
    check = reverse("councils:request_check", args=[code])
    token = client.get(check).context["submit_form"].initial["token"]
    return _form_answer(client.post(check, {"token": token}), "submit_form")


def _api_request(world, bad) -> list[str]:
    answers = _request_answers(bad)
    body = {
        "offer": answers["offer"],
        "focus": answers["focus_areas"],
        "acknowledged": answers["acknowledged"],
        "preferred_from": answers["preferred_from"].isoformat(),
        "preferred_to": answers["preferred_to"].isoformat(),
        "scoping_availability": answers["scoping_availability"],
        "requested_days": str(answers["days"]),
        "delivery": answers["delivery"],
    }
    return _api_answer(
        client_for(world["contact"]).post(f"{API}/engagements/", body, format="json")
    )


COUNCIL_REQUEST = Write(
    services=("engagement_request_submit",),
    call=_request_call,
    snapshot=lambda world: (
        Engagement.objects.count(),
        RequestSubmission.objects.count(),
        Notification.objects.count(),
    ),
    doors=(
        Door("council portal", "councils.views", _portal_request),
        Door("api", "api.views", _api_request),
    ),
    cases=(
        Case("earliest start in the past", _request_world, {"preferred_from": -1}),
        Case("earliest start today", _request_world, {"preferred_from": 0}),
        Case("latest start before the earliest", _request_world, {"preferred_to": 199}),
        Case("core components not confirmed", _request_world, {"acknowledged": False}),
        Case("council no longer exists", lambda: _request_world(abolished=True), {}),
        Case(
            "a challenge fully remote",
            _request_world,
            {"delivery": "remote"},
            not_at={"council portal": "a challenge offers only onsite or blended delivery"},
        ),
        Case(
            "an offer not open to councils",
            _request_world,
            {"offer": "MENTOR"},
            not_at={"council portal": "the portal lists only offers open to councils"},
        ),
    ),
    api=(("POST", "/api/v1/engagements/"),),
)


# --- Peer profile update: peer portal, API ---------------------------------------------------


def _peer_world() -> dict:
    peer = PeerFactory(phone="01234 000000")
    peer.regions.set(WorkRegion.objects.order_by("name")[:2])
    return {"peer": peer}


def _peer_call(world, bad):
    from peers.services import peer_profile_update

    values = dict(bad)
    if "regions" in values:
        values["regions"] = list(WorkRegion.objects.filter(name__in=values["regions"]))
    return peer_profile_update(peer=world["peer"], user=world["peer"].user, **values)


def _portal_profile(world, bad) -> list[str]:
    peer = world["peer"]
    if "regions" in bad:
        section = "regions"
        data = {"regions": [r.pk for r in WorkRegion.objects.filter(name__in=bad["regions"])]}
    elif "work_mode" in bad:
        section, data = "work-mode", bad
    else:
        section = "contact"
        data = {
            "first_name": peer.user.first_name,
            "last_name": peer.user.last_name,
            "phone": peer.phone,
            "job_title": peer.job_title,
            "role_category": peer.role_category,
            **bad,
        }
    url = reverse("peers:profile_edit", args=[section])
    return _form_answer(_signed_in(peer.user).post(url, data))


def _admin_profile(world, bad) -> list[str]:
    peer = world["peer"]
    client = _signed_in(factories.ManagerFactory())
    url = reverse("admin:peers_peer_change", args=[peer.pk])
    data = admin_form_data(client.get(url))
    if "regions" in bad:
        data["regions"] = [str(r.pk) for r in WorkRegion.objects.filter(name__in=bad["regions"])]
    else:
        data.update(bad)
    return _admin_answer(client.post(url, data))


def _api_profile(world, bad) -> list[str]:
    peer = world["peer"]
    response = client_for(peer.user).patch(f"{API}/peers/{peer.pk}/", bad, format="json")
    return _api_answer(response)


def _peer_snapshot(world):
    peer = type(world["peer"]).objects.select_related("user").get(pk=world["peer"].pk)
    return (
        peer.user.first_name,
        peer.user.last_name,
        peer.phone,
        peer.job_title,
        peer.role_category,
        peer.work_mode,
        sorted(peer.regions.values_list("pk", flat=True)),
    )


# A person's names belong to their sign-in account (the user admin), not the peer page.
_NAMES_NOT_AT = {"admin peer page": "the peer page does not show the account's names"}

PEER_PROFILE_UPDATE = Write(
    services=("peer_profile_update",),
    call=_peer_call,
    snapshot=_peer_snapshot,
    doors=(
        Door("peer portal", "peers.views", _portal_profile),
        Door("admin peer page", "peers.admin", _admin_profile),
        Door("api", "api.views", _api_profile),
    ),
    cases=(
        Case("blank first name", _peer_world, {"first_name": ""}, not_at=_NAMES_NOT_AT),
        Case("blank last name", _peer_world, {"last_name": ""}, not_at=_NAMES_NOT_AT),
        Case("blank job title", _peer_world, {"job_title": ""}),
        Case("no role", _peer_world, {"role_category": ""}),
        Case("no region", _peer_world, {"regions": []}),
        Case("no work mode", _peer_world, {"work_mode": ""}),
    ),
    api=(("PATCH", "/api/v1/peers/{id}/"),),
)


# --- Team place respond: peer portal, API, admin (a decline recorded by a manager) -----------


def _respond_world(*, status=PlaceStatus.INVITED, own_council=False) -> dict:
    engagement = ScheduledEngagementFactory()
    home = engagement.councils.get() if own_council else factories.CouncilFactory()
    peer = PeerFactory(home_council=home)
    place = TeamPlaceFactory(engagement=engagement, peer=peer, status=status)
    return {"place": place, "peer": peer, "manager": factories.ManagerFactory()}


def _respond_call(world, bad):
    from programmes.services import team_place_respond

    return team_place_respond(place=world["place"], user=world["peer"].user, **bad)


def _portal_respond(world, bad) -> list[str]:
    client = _signed_in(world["peer"].user)
    pk = world["place"].pk
    if bad["accept"]:
        data = {"no_conflict_declared": "on"} if bad.get("no_conflict_declared") else {}
        response = client.post(reverse("peers:invitation_detail", args=[pk]), data)
    else:
        response = client.post(
            reverse("peers:invitation_decline", args=[pk]), {"reason": bad.get("reason", "")}
        )
    return _form_answer(response)


def _api_respond(world, bad) -> list[str]:
    place = world["place"]
    response = client_for(world["peer"].user).post(
        f"{API}/team-places/{place.pk}/respond/", bad, format="json"
    )
    return _api_answer(response)


def _admin_decline(world, bad) -> list[str]:
    assert not bad["accept"]
    return _admin_place_status(world, {"status": PlaceStatus.DECLINED})


def _place_snapshot(world):
    place = TeamPlace.objects.get(pk=world["place"].pk)
    return (
        place.status,
        place.role,
        place.days,
        place.invited_at,
        place.responded_at,
        place.decline_reason,
        place.no_conflict_declared_at,
        TeamPlace.objects.count(),
    )


_ADMIN_ONLY_DECLINES = "a manager records only declines through this service"

TEAM_PLACE_RESPOND = Write(
    services=("team_place_respond",),
    call=_respond_call,
    snapshot=_place_snapshot,
    doors=(
        Door("peer portal", "peers.views", _portal_respond),
        Door("api", "api.views", _api_respond),
        Door("admin", "programmes.admin", _admin_decline),
    ),
    cases=(
        Case(
            "accept without declaring no conflict",
            _respond_world,
            {"accept": True, "no_conflict_declared": False},
            not_at={"admin": _ADMIN_ONLY_DECLINES},
        ),
        Case(
            "accept against a placement rule",
            lambda: _respond_world(own_council=True),
            {"accept": True, "no_conflict_declared": True},
            not_at={"admin": _ADMIN_ONLY_DECLINES},
        ),
        Case(
            "accept an invitation already withdrawn",
            lambda: _respond_world(status=PlaceStatus.WITHDRAWN),
            {"accept": True, "no_conflict_declared": True},
            not_at={"admin": _ADMIN_ONLY_DECLINES},
        ),
        Case(
            "decline an invitation already accepted",
            lambda: _respond_world(status=PlaceStatus.ACCEPTED),
            {"accept": False, "reason": "Away that week"},
        ),
    ),
    api=(("POST", "/api/v1/team-places/{id}/respond/"),),
)


# --- Engagement transition: staff page, admin action, API ------------------------------------


def _transition_world(*, status=EngagementStatus.REQUESTED, council_asks=None) -> dict:
    engagement = EngagementFactory(status=status)
    world = {"engagement": engagement, "manager": factories.ManagerFactory()}
    if council_asks:
        # Asked while it could still be done; a manager decides once it no longer can.
        world["change_request"] = ChangeRequest.objects.create(
            engagement=engagement,
            kind=council_asks,
            reason="Our chief executive has left",
            requested_by=factories.CouncilContactFactory(council=engagement.councils.get()),
            requested_at=timezone.now(),
        )
    return world


def _transition_call(world, bad):
    from programmes.services import engagement_transition

    return engagement_transition(
        engagement=world["engagement"], user=world["manager"], to_status=bad["to_status"]
    )


def _staff_transition(world, bad) -> list[str]:
    url = reverse("programmes:engagement_status", args=[world["engagement"].pk])
    response = _signed_in(world["manager"]).post(url, {"to_status": bad["to_status"]})
    return _form_answer(response, "status_form")


def _admin_transition(world, bad) -> list[str]:
    return _admin_action(
        world,
        "admin:programmes_engagement_changelist",
        f"move_to_{bad['to_status']}",
        world["engagement"].pk,
    )


def _admin_change_request(world, bad) -> list[str]:
    """The council change requests admin: agree to the council's request."""
    return _admin_action(
        world,
        "admin:councils_changerequest_changelist",
        "approve_selected",
        world["change_request"].pk,
    )


def _api_transition(world, bad) -> list[str]:
    response = client_for(world["manager"]).post(
        f"{API}/engagements/{world['engagement'].pk}/transition/", bad, format="json"
    )
    return _api_answer(response)


_COUNCILS_ASK = "a council asks only to postpone or cancel"

ENGAGEMENT_TRANSITION = Write(
    services=("engagement_transition", "change_request_decide"),
    call=_transition_call,
    snapshot=lambda world: (
        Engagement.objects.get(pk=world["engagement"].pk).status,
        StatusChange.objects.count(),
        sorted(ChangeRequest.objects.values_list("pk", "status")),
    ),
    doors=(
        Door("staff page", "programmes.views", _staff_transition),
        Door("admin action", "programmes.admin", _admin_transition),
        Door("admin change request", "councils.admin_portal", _admin_change_request),
        Door("api", "api.views", _api_transition),
    ),
    cases=(
        Case(
            "a move the workflow does not allow",
            _transition_world,
            {"to_status": "closed"},
            not_at={"admin change request": _COUNCILS_ASK},
        ),
        Case(
            "scheduling before the activity days are set",
            lambda: _transition_world(status=EngagementStatus.SCOPING),
            {"to_status": "scheduled"},
            not_at={"admin change request": _COUNCILS_ASK},
        ),
        Case(
            "cancelling a delivered engagement",
            lambda: _transition_world(status=EngagementStatus.DELIVERED, council_asks="cancel"),
            {"to_status": "cancelled"},
        ),
    ),
    api=(("POST", "/api/v1/engagements/{id}/transition/"),),
)


# --- Team place add: admin (place page and engagement page), staff page, API ----------------


def _add_world(*, own_council=False, status=EngagementStatus.SCHEDULED) -> dict:
    engagement = ScheduledEngagementFactory(status=status)
    home = engagement.councils.get() if own_council else factories.CouncilFactory()
    return {
        "engagement": engagement,
        "peer": OfficerPeerFactory(home_council=home),
        "manager": factories.ManagerFactory(),
    }


def _add_input(bad) -> dict:
    return {"role": TeamRole.OFFICER, "days": "3", **bad}


def _add_call(world, bad):
    from programmes.services import team_place_add

    values = _add_input(bad)
    return team_place_add(
        engagement=world["engagement"],
        peer=world["peer"],
        role=values["role"],
        days=Decimal(values["days"]),
        user=world["manager"],
    )


def _admin_add_page(world, bad) -> list[str]:
    values = _add_input(bad)
    client = _signed_in(world["manager"])
    data = {
        "engagement": world["engagement"].pk,
        "peer": world["peer"].pk,
        "role": values["role"],
        "days": values["days"],
        "status": PlaceStatus.INVITED,
    }
    return _admin_answer(client.post(reverse("admin:programmes_teamplace_add"), data))


def _admin_add_inline(world, bad) -> list[str]:
    values = _add_input(bad)
    client = _signed_in(world["manager"])
    url = reverse("admin:programmes_engagement_change", args=[world["engagement"].pk])
    page = client.get(url)
    data = admin_form_data(page)
    add_inline_row(
        data,
        inline_prefix(page, TeamPlace, adding=True),
        {
            "peer": world["peer"].pk,
            "role": values["role"],
            "days": values["days"],
            "status": PlaceStatus.INVITED,
        },
    )
    return _admin_answer(client.post(url, data))


def _staff_add(world, bad) -> list[str]:
    """The suggestions page: tick the peer (a listed candidate) and invite."""
    values = _add_input(bad)
    client = _signed_in(world["manager"])
    url = reverse("programmes:suggest_team", args=[world["engagement"].pk])
    peer_id, role = world["peer"].pk, values["role"]
    data = {f"pick-{role}-{peer_id}": "invite", f"days-{role}-{peer_id}": values["days"]}
    response = client.post(url, data)
    if response.status_code == 302:
        return []
    assert response.status_code == 400, response.status_code
    return _messages(response.context["form"].errors)


def _api_add(world, bad) -> list[str]:
    values = _add_input(bad)
    body = {
        "engagement": world["engagement"].pk,
        "peer": world["peer"].pk,
        "role": values["role"],
        "days": values["days"],
    }
    return _api_answer(
        client_for(world["manager"]).post(f"{API}/team-places/", body, format="json")
    )


_ONLY_CANDIDATES = "the suggestions page lists only peers the placement rules allow"

TEAM_PLACE_ADD = Write(
    services=("team_place_add", "team_invite_many", "allocation_run_confirm"),
    call=_add_call,
    snapshot=lambda world: (TeamPlace.objects.count(), Notification.objects.count()),
    doors=(
        Door("admin place page", "programmes.admin", _admin_add_page),
        Door("admin engagement page", "programmes.admin", _admin_add_inline),
        Door("staff page", "programmes.views", _staff_add),
        Door("api", "api.views", _api_add),
    ),
    cases=(
        Case(
            "a peer from the engagement's own council",
            lambda: _add_world(own_council=True),
            {},
            not_at={"staff page": _ONLY_CANDIDATES},
        ),
        Case("days not in whole or half days", _add_world, {"days": "2.3"}),
        Case(
            "an engagement that is cancelled",
            lambda: _add_world(status=EngagementStatus.CANCELLED),
            {},
        ),
    ),
    api=(("POST", "/api/v1/team-places/"),),
)


# --- Team place confirm, invite, withdraw: admin, API ----------------------------------------


def _place_world(*, status, own_council=False) -> dict:
    engagement = ScheduledEngagementFactory()
    home = engagement.councils.get() if own_council else factories.CouncilFactory()
    place = TeamPlaceFactory(
        engagement=engagement, peer=OfficerPeerFactory(home_council=home), status=status
    )
    return {"place": place, "engagement": engagement, "manager": factories.ManagerFactory()}


def _place_call(service_name):
    def call(world, bad):
        from programmes import services

        return getattr(services, service_name)(place=world["place"], user=world["manager"])

    return call


def _api_place_action(action):
    def attempt(world, bad) -> list[str]:
        response = client_for(world["manager"]).post(
            f"{API}/team-places/{world['place'].pk}/{action}/"
        )
        return _api_answer(response)

    return attempt


def _admin_place_action(action, changelist="admin:programmes_teamplace_changelist", key="place"):
    def attempt(world, bad) -> list[str]:
        return _admin_action(world, changelist, action, world[key].pk)

    return attempt


TEAM_PLACE_CONFIRM = Write(
    services=("team_place_confirm",),
    call=_place_call("team_place_confirm"),
    snapshot=_place_snapshot,
    doors=(
        Door("admin place action", "programmes.admin", _admin_place_action("confirm_places")),
        Door(
            "admin engagement action",
            "programmes.admin",
            _admin_place_action(
                "confirm_invited_places", "admin:programmes_engagement_changelist", "engagement"
            ),
        ),
        Door("admin place page", "programmes.admin", _admin_place_status),
        Door("api", "api.views", _api_place_action("confirm")),
    ),
    cases=(
        Case(
            "a place the placement rules refuse",
            lambda: _place_world(status=PlaceStatus.INVITED, own_council=True),
            {"status": PlaceStatus.ACCEPTED},
        ),
    ),
    api=(("POST", "/api/v1/team-places/{id}/confirm/"),),
)

TEAM_PLACE_INVITE = Write(
    services=("team_place_invite",),
    call=_place_call("team_place_invite"),
    snapshot=_place_snapshot,
    doors=(
        Door("admin place action", "programmes.admin", _admin_place_action("invite_reserves")),
        Door("admin place page", "programmes.admin", _admin_place_status),
        Door("api", "api.views", _api_place_action("invite")),
    ),
    cases=(
        Case(
            "a place already accepted",
            lambda: _place_world(status=PlaceStatus.ACCEPTED),
            {"status": PlaceStatus.INVITED},
        ),
    ),
    api=(("POST", "/api/v1/team-places/{id}/invite/"),),
)

TEAM_PLACE_WITHDRAW = Write(
    services=("team_place_withdraw",),
    call=_place_call("team_place_withdraw"),
    snapshot=_place_snapshot,
    doors=(
        Door("admin place action", "programmes.admin", _admin_place_action("withdraw_places")),
        Door("admin place page", "programmes.admin", _admin_place_status),
        Door("api", "api.views", _api_place_action("withdraw")),
    ),
    cases=(),
    api=(("POST", "/api/v1/team-places/{id}/withdraw/"),),
)


WRITES: dict[str, Write] = {
    "council request": COUNCIL_REQUEST,
    "peer profile update": PEER_PROFILE_UPDATE,
    "team place respond": TEAM_PLACE_RESPOND,
    "engagement transition": ENGAGEMENT_TRANSITION,
    "team place add": TEAM_PLACE_ADD,
    "team place confirm": TEAM_PLACE_CONFIRM,
    "team place invite": TEAM_PLACE_INVITE,
    "team place withdraw": TEAM_PLACE_WITHDRAW,
}

# Writes with no bad input yet, each with the reason (a write missing here and from the
# cases fails test_every_write_has_bad_inputs).
NO_CASES_YET = {
    "team place withdraw": (
        "no rule guards a withdrawal yet (issue 17: no lock or state guard); add the cases "
        "with the guard"
    ),
}

# Modules that reach a write's services without being a door anyone types into.
NOT_DOORS = {
    "accounts.demo": "builds the demonstration programme from code",
}


# --- The checks ------------------------------------------------------------------------------


def _door_cases():
    for write_name, write in WRITES.items():
        for case in write.cases:
            for door in write.doors:
                if door.name not in case.not_at:
                    yield pytest.param(
                        write_name, case, door, id=f"{write_name}|{case.name}|{door.name}"
                    )


class _Undo(Exception):
    pass


def _service_refusal(call) -> list[str]:
    """The words of the service's own refusal (nothing it did is kept)."""
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except ValidationError as error:
        return error.messages
    except _Undo:
        pass
    pytest.fail(
        "The service accepts this input: the rule is held only by some door, or by none. "
        "Put it in the service."
    )


@pytest.mark.parametrize(("write_name", "case", "door"), list(_door_cases()))
def test_each_door_refuses_like_the_service(write_name, case, door):
    """Given the records of the case, when the bad input goes through the door, then the
    door shows the service's own words and nothing changed."""
    write = WRITES[write_name]
    world = case.given()
    before = write.snapshot(world)
    expected = _service_refusal(lambda: write.call(world, case.bad))
    assert write.snapshot(world) == before

    shown = door.attempt(world, case.bad)

    assert shown, f"{door.name} accepted what the service refuses: {expected}"
    for message in expected:
        assert any(message in text for text in shown), (message, shown)
    assert write.snapshot(world) == before


def test_every_write_has_bad_inputs_and_two_doors():
    for name, write in WRITES.items():
        assert len(write.doors) >= 2, name
        assert write.cases or name in NO_CASES_YET, f"{name}: add a bad input (or say why not)"
        for case in write.cases:
            doors = {door.name for door in write.doors}
            assert set(case.not_at) <= doors, (name, case.name)
            assert doors - set(case.not_at), (name, case.name)


def _api_write_operations() -> set[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }


def test_every_api_write_is_in_the_table():
    """A write endpoint added to the API without a row in WRITES fails here."""
    in_table = {operation for write in WRITES.values() for operation in write.api}
    offered = _api_write_operations()
    assert offered - in_table == set(), "API writes with no row in tests/test_doors.py WRITES"
    assert in_table - offered == set(), "rows for API writes that no longer exist"


def _project_modules():
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob("*/**/*.py")):
        parts = path.relative_to(root).parts
        if parts[0] in ("tests", "bench", "scripts", "docs") or parts[0].startswith("."):
            continue
        if "migrations" in parts or not (root / parts[0] / "__init__.py").exists():
            continue
        yield ".".join(path.relative_to(root).with_suffix("").parts), path


def _is_service_module(module: str) -> bool:
    # A service calling another service is not a door: its callers are doors.
    return module.split(".")[-1] == "services"


def _modules_reaching(names: tuple[str, ...]) -> set[str]:
    found = set()
    for module, path in _project_modules():
        if _is_service_module(module):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.id
                if isinstance(node, ast.Name)
                else None
            )
            if name in names:
                found.add(module)
                break
    return found


def test_every_module_reaching_a_write_is_a_door():
    """A page, command or API view that calls a write's service must be a door in the table,
    and every door listed must call its write's services (not write around them)."""
    problems = []
    for name, write in WRITES.items():
        reaching = _modules_reaching(write.services) - set(NOT_DOORS)
        doors = {door.module for door in write.doors}
        problems += [f"{m} reaches {name!r} but is not one of its doors" for m in reaching - doors]
        problems += [
            f"{m} is a door of {name!r} but never calls {write.services}" for m in doors - reaching
        ]
    assert problems == []
