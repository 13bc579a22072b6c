"""Door by door: each write to a peer's records refuses the same things in the same words
through every door that offers it (the peer portal, the admin, the API), and keeps nothing.

Every URL of the peer portal, the peer admin and the peer API is listed in PEER_URLS with the
writes it offers. A URL added later fails `test_every_peer_url_is_listed` until it is listed;
a URL listed for a write this module drives fails `test_every_door_of_a_driven_write_is_driven`
until a door below sends that write through it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import URLResolver, get_resolver, reverse

from peers.models import TrainingKind, TrainingRecord, Unavailability, WorkRegion
from tests.factories import CouncilFactory, ManagerFactory
from tests.factories_admin import add_inline_row, admin_form_data, inline_prefix
from tests.factories_api import client_for
from tests.factories_peer_portal import UnavailabilityFactory
from tests.factories_records import PeerFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))):
        yield


def _day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@dataclass
class World:
    client: object
    peer: object
    period: Unavailability  # days 20 to 26
    later: Unavailability  # days 40 to 45
    record: TrainingRecord  # 200 days ago
    gone: object  # an abolished council


@pytest.fixture
def world(client):
    peer = PeerFactory(job_title="Leader")
    peer.regions.add(WorkRegion.objects.first())
    return World(
        client=client,
        peer=peer,
        period=UnavailabilityFactory(peer=peer),
        later=UnavailabilityFactory(peer=peer, starts_on=_day(40), ends_on=_day(45)),
        record=TrainingRecordFactory(peer=peer),
        gone=CouncilFactory(name="Gone District", abolished_on=date(2023, 4, 1)),
    )


def _snapshot(peer) -> tuple:
    """Everything a refused write must leave as it was."""
    peer.refresh_from_db()
    return (
        sorted(peer.unavailability.values_list("starts_on", "ends_on", "reason")),
        sorted(peer.training_records.values_list("kind", "course", "attended_on")),
        sorted(peer.conflicts.values_list("pk", flat=True)),
        sorted(peer.regions.values_list("pk", flat=True)),
        (peer.job_title, peer.phone, peer.work_mode),
        peer.history.count(),
    )


# --- The doors -------------------------------------------------------------------------------


def _as_peer(world):
    world.client.force_login(world.peer.user)
    return world.client


def _as_manager(world):
    world.client.force_login(ManagerFactory())
    return world.client


def _date_fields(name: str, day: date | None) -> dict:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def _text(response) -> str:
    assert response.status_code in (200, 400), (response.status_code, response.content[:500])
    return response.content.decode()


def _peer_page(world, change: Callable[[dict, object], None]) -> str:
    """Post the admin's peer page as it stands, changed by `change(data, page)`."""
    client = _as_manager(world)
    url = reverse("admin:peers_peer_change", args=[world.peer.pk])
    page = client.get(url)
    data = admin_form_data(page)
    change(data, page)
    return _text(client.post(url, data))


def _inline_row(page, data, model, instance) -> str:
    """The form prefix of `instance`'s row in the inline of `model`."""
    prefix = inline_prefix(page, model)
    for index in range(int(data[f"{prefix}-INITIAL_FORMS"])):
        if data[f"{prefix}-{index}-id"] == str(instance.pk):
            return f"{prefix}-{index}"
    raise LookupError(instance)


def _iso(value) -> str:
    return "" if value is None else str(value)


# Unavailability: values are {"starts_on": date | None, "ends_on": date}.


def unavailability_add_portal(world, values):
    client = _as_peer(world)
    data = {
        **_date_fields("starts_on", values["starts_on"]),
        **_date_fields("ends_on", values["ends_on"]),
        "reason": "",
    }
    return _text(client.post(reverse("peers:unavailability"), data))


def unavailability_add_peer_page(world, values):
    def change(data, page):
        row = {"starts_on": _iso(values["starts_on"]), "ends_on": _iso(values["ends_on"])}
        add_inline_row(data, inline_prefix(page, Unavailability), row)

    return _peer_page(world, change)


def unavailability_add_admin(world, values):
    client = _as_manager(world)
    data = {
        "peer": world.peer.pk,
        "starts_on": _iso(values["starts_on"]),
        "ends_on": _iso(values["ends_on"]),
        "reason": "",
    }
    return _text(client.post(reverse("admin:peers_unavailability_add"), data))


def unavailability_update_peer_page(world, values):
    def change(data, page):
        row = _inline_row(page, data, Unavailability, world.later)
        data[f"{row}-starts_on"] = _iso(values["starts_on"])
        data[f"{row}-ends_on"] = _iso(values["ends_on"])

    return _peer_page(world, change)


def unavailability_update_admin(world, values):
    client = _as_manager(world)
    url = reverse("admin:peers_unavailability_change", args=[world.later.pk])
    data = admin_form_data(client.get(url))
    data.update(starts_on=_iso(values["starts_on"]), ends_on=_iso(values["ends_on"]))
    return _text(client.post(url, data))


# Training records: values are the fields that differ from a good record.


def _training(values) -> dict:
    good = {"kind": TrainingKind.TRAINING, "course": "Member peer training"}
    good["attended_on"] = _day(-10)
    return {name: _iso(value) for name, value in {**good, **values}.items()}


def training_add_peer_page(world, values):
    def change(data, page):
        add_inline_row(data, inline_prefix(page, TrainingRecord), _training(values))

    return _peer_page(world, change)


def training_add_admin(world, values):
    client = _as_manager(world)
    data = {"peer": world.peer.pk, **_training(values)}
    return _text(client.post(reverse("admin:peers_trainingrecord_add"), data))


def training_update_peer_page(world, values):
    def change(data, page):
        row = _inline_row(page, data, TrainingRecord, world.record)
        for name, value in values.items():
            data[f"{row}-{name}"] = _iso(value)

    return _peer_page(world, change)


def training_update_admin(world, values):
    client = _as_manager(world)
    url = reverse("admin:peers_trainingrecord_change", args=[world.record.pk])
    data = admin_form_data(client.get(url))
    data.update({name: _iso(value) for name, value in values.items()})
    return _text(client.post(url, data))


# Conflicts: values are {"council": "gone"} (a name of a World attribute).


def conflict_add_portal(world, values):
    client = _as_peer(world)
    council = getattr(world, values["council"])
    return _text(client.post(reverse("peers:conflicts"), {"council": council.pk}))


def conflict_add_peer_page(world, values):
    council = getattr(world, values["council"])

    def change(data, page):
        data["conflicts"] = [*data.get("conflicts", []), str(council.pk)]

    return _peer_page(world, change)


# The profile: values are the fields to change ("regions" a list of regions).


def profile_update_portal(world, values):
    client = _as_peer(world)
    if "regions" in values:
        section, data = "regions", {"regions": values["regions"]}
    else:
        peer, user = world.peer, world.peer.user
        section = "contact"
        data = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": peer.phone,
            "job_title": peer.job_title,
            "role_category": peer.role_category,
            **values,
        }
    url = reverse("peers:profile_edit", kwargs={"section": section})
    return _text(client.post(url, data))


def profile_update_peer_page(world, values):
    def change(data, page):
        data.update(values)
        if not values.get("regions", True):
            del data["regions"]  # a browser sends nothing for an empty multiple select

    return _peer_page(world, change)


def profile_update_api(world, values):
    client = client_for(world.peer.user)
    if "regions" in values:
        values = {"regions": [WorkRegion.objects.get(pk=pk).name for pk in values["regions"]]}
    response = client.patch(f"/api/v1/peers/{world.peer.pk}/", values, format="json")
    return _text(response)


# --- Each write, its doors and its refusals --------------------------------------------------


@dataclass
class Door:
    name: str
    url_names: tuple[str, ...]
    send: Callable[[World, dict], str]


PORTAL, PEER_PAGE, ADMIN_LIST, API = "peer portal", "admin peer page", "admin list", "API"

PERIOD_REFUSALS = {
    "reversed": (
        {"starts_on": _day(50), "ends_on": _day(48)},
        "The last day must be the same as or after the first day",
    ),
    "past": (
        {"starts_on": _day(-20), "ends_on": _day(-10)},
        "The end date must be today or in the future",
    ),
    "over a year": (
        {"starts_on": _day(50), "ends_on": _day(450)},
        "A period must be a year or shorter. Add longer absences in parts.",
    ),
    "overlapping": (
        {"starts_on": _day(22), "ends_on": _day(24)},
        "These dates overlap a period you already added (",
    ),
    "no first day": (
        {"starts_on": None, "ends_on": _day(60)},
        "Enter the first day you are unavailable",
    ),
}

TRAINING_REFUSALS = {
    "future": ({"attended_on": _day(1)}, "The date attended must be today or in the past"),
    "no course": ({"course": ""}, "Enter the name of the course or conference"),
    "no date": ({"attended_on": None}, "Enter the date attended"),
    "no kind": ({"kind": ""}, "Select peer training or member peer conference"),
}

WRITES = {
    "unavailability add": (
        [
            Door(PORTAL, ("peers:unavailability",), unavailability_add_portal),
            Door(PEER_PAGE, ("admin:peers_peer_change",), unavailability_add_peer_page),
            Door(ADMIN_LIST, ("admin:peers_unavailability_add",), unavailability_add_admin),
        ],
        PERIOD_REFUSALS,
    ),
    "unavailability update": (
        [
            Door(PEER_PAGE, ("admin:peers_peer_change",), unavailability_update_peer_page),
            Door(ADMIN_LIST, ("admin:peers_unavailability_change",), unavailability_update_admin),
        ],
        PERIOD_REFUSALS,
    ),
    "training record add": (
        [
            Door(PEER_PAGE, ("admin:peers_peer_change",), training_add_peer_page),
            Door(ADMIN_LIST, ("admin:peers_trainingrecord_add",), training_add_admin),
        ],
        {
            **TRAINING_REFUSALS,
            "twice": (
                {"attended_on": _day(-200)},
                f"Peer training on {_day(-200):%-d %B %Y} is already recorded",
            ),
        },
    ),
    "training record update": (
        [
            Door(PEER_PAGE, ("admin:peers_peer_change",), training_update_peer_page),
            Door(ADMIN_LIST, ("admin:peers_trainingrecord_change",), training_update_admin),
        ],
        TRAINING_REFUSALS,
    ),
    "conflict add": (
        [
            Door(PORTAL, ("peers:conflicts",), conflict_add_portal),
            Door(PEER_PAGE, ("admin:peers_peer_change",), conflict_add_peer_page),
        ],
        {"abolished council": ({"council": "gone"}, "Gone District no longer exists.")},
    ),
    "profile update": (
        [
            Door(PORTAL, ("peers:profile_edit",), profile_update_portal),
            Door(PEER_PAGE, ("admin:peers_peer_change",), profile_update_peer_page),
            Door(API, ("api:peer-detail",), profile_update_api),
        ],
        {
            "blank job title": ({"job_title": ""}, "Enter your job title"),
            "no region": ({"regions": []}, "Select at least one region"),
        },
    ),
    # Names are on the sign-in account: the peer page of the admin does not offer them.
    "name update": (
        [
            Door(PORTAL, ("peers:profile_edit",), profile_update_portal),
            Door(API, ("api:peer-detail",), profile_update_api),
        ],
        {
            "blank first name": ({"first_name": " "}, "Enter your first name"),
            "blank last name": ({"last_name": ""}, "Enter your last name"),
        },
    ),
}


def _cases():
    for write, (doors, refusals) in WRITES.items():
        for door in doors:
            for case, (values, words) in refusals.items():
                yield pytest.param(door, values, words, id=f"{write}: {door.name}: {case}")


@pytest.mark.parametrize(("door", "values", "words"), list(_cases()))
def test_each_door_refuses_with_the_same_words_and_keeps_nothing(world, door, values, words):
    before = _snapshot(world.peer)

    text = door.send(world, values)

    assert words in text
    assert _snapshot(world.peer) == before


# --- Every door is known ---------------------------------------------------------------------

# The URLs of the peer portal, the peer admin and the peer API, with the writes to a peer's
# records each offers. Writes not in WRITES have one door, or no rule that can refuse them
# (removing, confirming, turning a feed off); they still go through peers.services.
PEER_URLS = {
    # The peer portal.
    "peers:dashboard": set(),
    "peers:account_set_password": {"password set (accounts)"},
    "peers:profile": set(),
    "peers:profile_confirm": {"profile confirm"},
    "peers:profile_edit": {"profile update", "name update"},
    "peers:conflicts": {"conflict add"},
    "peers:conflict_remove": {"conflict remove"},
    "peers:unavailability": {"unavailability add"},
    "peers:unavailability_remove": {"unavailability remove"},
    "peers:equalities": {"equalities save"},
    "peers:equalities_withdraw": {"equalities withdraw"},
    "peers:invitations": set(),
    "peers:invitation_detail": {"team place answer (programmes)"},
    "peers:invitation_decline": {"team place answer (programmes)"},
    "peers:engagements": set(),
    "peers:engagement_calendar": set(),
    "peers:calendar": {"calendar feed"},
    "peers:calendar_feed": set(),
    "peers:days": set(),
    "peers:my_data": set(),
    "peers:my_data_download": set(),
    "peers:stale_profiles": set(),
    # The API.
    "api:peer-list": set(),
    "api:peer-detail": {"profile update", "name update"},
    # The admin.
    "admin:peers_peer_add": {
        "peer create",
        "unavailability add",
        "training record add",
        "conflict add",
    },
    "admin:peers_peer_change": {
        "pool details update",
        "profile update",
        "conflict add",
        "conflict remove",
        "unavailability add",
        "unavailability update",
        "unavailability remove",
        "training record add",
        "training record update",
        "training record remove",
    },
    "admin:peers_peer_delete": {"peer delete"},
    "admin:peers_unavailability_add": {"unavailability add"},
    "admin:peers_unavailability_change": {"unavailability update"},
    "admin:peers_unavailability_delete": {"unavailability remove"},
    "admin:peers_unavailability_changelist": {"unavailability remove"},  # delete selected
    "admin:peers_trainingrecord_add": {"training record add"},
    "admin:peers_trainingrecord_change": {"training record update"},
    "admin:peers_trainingrecord_delete": {"training record remove"},
    "admin:peers_trainingrecord_changelist": {"training record remove"},  # delete selected
    # Reverting to an old version would write around the services: refused (403).
    "admin:peers_peer_simple_history": set(),
    "admin:peers_unavailability_simple_history": set(),
    "admin:peers_trainingrecord_simple_history": set(),
    "admin:peers_peer_changelist": {"peer delete"},  # delete selected
    # Vocabulary the peers choose from, and read-only equalities answers.
    **{
        f"admin:peers_{model}_{view}": set()
        for model in ("expertise", "workregion", "equalitiesanswers")
        for view in ("changelist", "add", "change", "delete", "history", "export")
    },
    **{
        f"admin:peers_{model}_{view}": set()
        for model in ("peer", "unavailability", "trainingrecord")
        for view in ("history", "export")
    },
}
# A URL in PEER_URLS for a write below, that no door in WRITES sends it through: say why.
NOT_DRIVEN = {
    # The new-peer page offers the same inline rows as the peer page, through the same code.
    ("admin:peers_peer_add", "unavailability add"),
    ("admin:peers_peer_add", "training record add"),
    ("admin:peers_peer_add", "conflict add"),
}


def _peer_url_names() -> set[str]:
    names = set()

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, inner)
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver(), "")
    return {n for n in names if n.startswith(("peers:", "admin:peers_", "api:peer-"))}


def test_every_peer_url_is_listed():
    names = _peer_url_names()
    assert sorted(names - set(PEER_URLS)) == [], "List these URLs in PEER_URLS"
    assert sorted(set(PEER_URLS) - names) == [], "These URLs no longer exist"


def test_every_door_of_a_driven_write_is_driven():
    driven = {
        (url_name, write)
        for write, (doors, _) in WRITES.items()
        for door in doors
        for url_name in door.url_names
    }
    offered = {
        (url_name, write)
        for url_name, writes in PEER_URLS.items()
        for write in writes
        if write in WRITES
    }
    assert sorted(offered - driven - NOT_DRIVEN) == [], "Add a Door to WRITES for these"
    assert sorted(driven - offered) == [], "List these in PEER_URLS"
