"""The peer admin writes through peers.services: the portal's rules in the portal's words,
nothing kept of a refused submission, and each change in the history with the manager's name."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from peers.models import Peer, TrainingKind, TrainingRecord, Unavailability
from tests.factories import CouncilFactory, ManagerFactory, UserFactory
from tests.factories_admin import add_inline_row, admin_form_data, inline_prefix
from tests.factories_peer_portal import UnavailabilityFactory
from tests.factories_records import OfficerPeerFactory, PeerFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))):
        yield


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _change_url(peer):
    return reverse("admin:peers_peer_change", args=[peer.pk])


def _day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# The portal's refusals (tests/test_peer_portal.py), on the existing period of days 20 to 26.
PERIOD_REFUSALS = [
    pytest.param(10, 5, "The last day must be the same as or after the first day", id="reversed"),
    pytest.param(-20, -10, "The end date must be today or in the future", id="past"),
    pytest.param(10, 500, "A period must be a year or shorter", id="over-a-year"),
    pytest.param(22, 24, "These dates overlap a period you already added", id="overlapping"),
]


# --- Unavailability --------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "words"), PERIOD_REFUSALS)
def test_the_peer_page_refuses_a_period_the_portal_refuses_and_saves_nothing(
    manager_client, start, end, words
):
    peer = PeerFactory(job_title="Leader", trained=False)
    UnavailabilityFactory(peer=peer)
    page = manager_client.get(_change_url(peer))
    data = admin_form_data(page)
    data["job_title"] = "Changed in the same submission"
    add_inline_row(
        data,
        inline_prefix(page, Unavailability),
        {"starts_on": _day(start), "ends_on": _day(end), "reason": "Surgery"},
    )

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 200
    assert words in response.content.decode()
    assert peer.unavailability.count() == 1
    peer.refresh_from_db()
    assert peer.job_title == "Leader"


@pytest.mark.parametrize(("start", "end", "words"), PERIOD_REFUSALS)
def test_the_unavailability_admin_refuses_what_the_portal_refuses(
    manager_client, start, end, words
):
    peer = PeerFactory(trained=False)
    UnavailabilityFactory(peer=peer)

    response = manager_client.post(
        reverse("admin:peers_unavailability_add"),
        {"peer": peer.pk, "starts_on": _day(start), "ends_on": _day(end), "reason": ""},
    )

    assert response.status_code == 200
    assert words in response.content.decode()
    assert peer.unavailability.count() == 1


def test_moving_a_period_onto_another_is_refused(manager_client):
    peer = PeerFactory(trained=False)
    UnavailabilityFactory(peer=peer)  # days 20 to 26
    later = UnavailabilityFactory(peer=peer, starts_on=_day(40), ends_on=_day(45))
    url = reverse("admin:peers_unavailability_change", args=[later.pk])
    data = admin_form_data(manager_client.get(url))
    data["starts_on"] = str(_day(25))

    response = manager_client.post(url, data)

    assert response.status_code == 200
    assert "These dates overlap a period you already added" in response.content.decode()
    later.refresh_from_db()
    assert later.starts_on == _day(40)


def test_a_manager_adds_changes_and_removes_periods_on_the_peer_page(manager_client, manager):
    peer = PeerFactory(trained=False)
    kept = UnavailabilityFactory(peer=peer)  # days 20 to 26
    gone = UnavailabilityFactory(peer=peer, starts_on=_day(40), ends_on=_day(45))
    page = manager_client.get(_change_url(peer))
    data = admin_form_data(page)
    prefix = inline_prefix(page, Unavailability)
    forms = {data[f"{prefix}-{i}-id"]: i for i in range(int(data[f"{prefix}-INITIAL_FORMS"]))}
    data[f"{prefix}-{forms[str(kept.pk)]}-ends_on"] = str(_day(28))
    data[f"{prefix}-{forms[str(gone.pk)]}-DELETE"] = "on"
    # The new period overlaps the removed one: removals are made first.
    add_inline_row(data, prefix, {"starts_on": _day(42), "ends_on": _day(50)})

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(peer.unavailability.values_list("starts_on", "ends_on")) == [
        (_day(20), _day(28)),
        (_day(42), _day(50)),
    ]
    changes = Unavailability.history.filter(peer_id=peer.pk, history_user__isnull=False)
    assert {(c.history_type, c.history_user) for c in changes} == {
        ("~", manager),
        ("-", manager),
        ("+", manager),
    }


def test_removing_periods_from_the_list_goes_through_the_service(manager_client, manager):
    period = UnavailabilityFactory()

    response = manager_client.post(
        reverse("admin:peers_unavailability_changelist"),
        {"action": "delete_selected", "_selected_action": [period.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Unavailability.objects.filter(pk=period.pk).exists()
    removal = Unavailability.history.get(id=period.pk, history_type="-")
    assert removal.history_user == manager
    assert removal.history_change_reason == "Removed by the programme team"


# --- Training records ------------------------------------------------------------------------

TRAINING_REFUSALS = [
    pytest.param(
        {"attended_on": _day(1)},
        "The date attended must be today or in the past",
        id="future",
    ),
    pytest.param({"course": ""}, "Enter the name of the course or conference", id="no-course"),
    pytest.param({"attended_on": ""}, "Enter the date attended", id="no-date"),
    pytest.param(
        {"attended_on": _day(-200)},
        f"Peer training on {_day(-200):%-d %B %Y} is already recorded",
        id="twice",
    ),
]


def _training(**values):
    return {
        "kind": TrainingKind.TRAINING,
        "course": "Member peer training",
        "attended_on": _day(-10),
        **values,
    }


@pytest.mark.parametrize(("values", "words"), TRAINING_REFUSALS)
def test_the_peer_page_refuses_a_training_record_the_rules_refuse(manager_client, values, words):
    peer = PeerFactory(job_title="Leader", trained=False)
    TrainingRecordFactory(peer=peer)  # 200 days ago
    page = manager_client.get(_change_url(peer))
    data = admin_form_data(page)
    data["job_title"] = "Changed in the same submission"
    add_inline_row(data, inline_prefix(page, TrainingRecord), _training(**values))

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 200
    assert words in response.content.decode()
    assert peer.training_records.count() == 1
    peer.refresh_from_db()
    assert peer.job_title == "Leader"


@pytest.mark.parametrize(("values", "words"), TRAINING_REFUSALS)
def test_the_training_record_admin_refuses_what_the_rules_refuse(manager_client, values, words):
    peer = PeerFactory(trained=False)
    TrainingRecordFactory(peer=peer)

    response = manager_client.post(
        reverse("admin:peers_trainingrecord_add"), {"peer": peer.pk, **_training(**values)}
    )

    assert response.status_code == 200
    assert words in response.content.decode()
    assert peer.training_records.count() == 1


def test_a_manager_records_training_with_their_name_in_the_history(manager_client, manager):
    peer = PeerFactory(trained=False)

    response = manager_client.post(
        reverse("admin:peers_trainingrecord_add"), {"peer": peer.pk, **_training()}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    record = peer.training_records.get()
    assert (record.course, record.attended_on) == ("Member peer training", _day(-10))
    assert record.history.get().history_user == manager


def test_a_training_record_cannot_be_moved_into_the_future(manager_client):
    record = TrainingRecordFactory()
    url = reverse("admin:peers_trainingrecord_change", args=[record.pk])
    data = admin_form_data(manager_client.get(url))
    data["attended_on"] = str(_day(3))

    response = manager_client.post(url, data)

    assert response.status_code == 200
    assert "The date attended must be today or in the past" in response.content.decode()
    record.refresh_from_db()
    assert record.attended_on == _day(-200)


# --- The peer's own profile, conflicts and the pool details ----------------------------------


def test_profile_changes_in_the_admin_are_recorded_with_the_manager(manager_client, manager):
    peer = PeerFactory(trained=False)
    data = admin_form_data(manager_client.get(_change_url(peer)))
    data["phone"] = "01234 567890"

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    peer.refresh_from_db()
    assert peer.phone == "01234 567890"
    latest = peer.history.first()
    assert latest.history_user == manager
    assert latest.history_change_reason == "Updated by the programme team"


def test_a_blank_job_title_is_refused_as_in_the_portal(manager_client):
    peer = PeerFactory(job_title="Leader", trained=False)
    data = admin_form_data(manager_client.get(_change_url(peer)))
    data["job_title"] = ""

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 200
    assert "Enter your job title" in response.content.decode()
    peer.refresh_from_db()
    assert peer.job_title == "Leader"


def test_conflicts_changed_in_the_admin_are_in_the_history(manager_client, manager):
    old = CouncilFactory(name="Oldshire")
    new = CouncilFactory(name="Newshire")
    peer = PeerFactory(trained=False)
    peer.conflicts.add(old)
    data = admin_form_data(manager_client.get(_change_url(peer)))
    data["conflicts"] = [str(new.pk)]

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(peer.conflicts.all()) == [new]
    reasons = {
        (h.history_change_reason, h.history_user) for h in peer.history.filter(history_type="~")
    }
    assert ("Conflict of interest declared with Newshire", manager) in reasons
    assert ("Conflict of interest with Oldshire removed", manager) in reasons


def test_an_abolished_council_is_refused_as_a_conflict(manager_client):
    gone = CouncilFactory(name="Gone District", abolished_on=date(2023, 4, 1))
    peer = PeerFactory(trained=False)
    data = admin_form_data(manager_client.get(_change_url(peer)))
    data["conflicts"] = [str(gone.pk)]

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 200
    assert "Gone District no longer exists. Select another." in response.content.decode()
    assert not peer.conflicts.exists()


def test_a_training_waiver_needs_a_reason(manager_client):
    peer = PeerFactory(trained=False)
    data = admin_form_data(manager_client.get(_change_url(peer)))
    data["training_waived"] = "on"
    data["training_waiver_reason"] = ""

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 200
    assert "Enter why the training expectation is waived" in response.content.decode()
    peer.refresh_from_db()
    assert not peer.training_waived


def test_pool_details_changed_in_the_admin_are_recorded_with_the_manager(manager_client, manager):
    peer = PeerFactory(trained=False)
    data = admin_form_data(manager_client.get(_change_url(peer)))
    data["status"] = "paused"

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    peer.refresh_from_db()
    assert peer.status == "paused"
    assert peer.history.first().history_user == manager


def test_only_member_peers_have_a_political_group(manager_client):
    peer = OfficerPeerFactory(trained=False)
    data = admin_form_data(manager_client.get(_change_url(peer)))
    data["political_group"] = "labour"

    response = manager_client.post(_change_url(peer), data)

    assert response.status_code == 200
    assert "Only member peers have a political group." in response.content.decode()
    peer.refresh_from_db()
    assert peer.political_group == ""


def test_a_manager_adds_a_peer_with_a_period_through_the_services(manager_client, manager):
    account = UserFactory()
    council = CouncilFactory()
    page = manager_client.get(reverse("admin:peers_peer_add"))
    data = admin_form_data(page)
    data.update(
        {
            "user": account.pk,
            "kind": "officer",
            "home_council": council.pk,
            "job_title": "Director of finance",
            "role_category": "finance",
            "work_mode": "both",
            "status": "active",
        }
    )
    add_inline_row(
        data, inline_prefix(page, Unavailability), {"starts_on": _day(5), "ends_on": _day(6)}
    )

    response = manager_client.post(reverse("admin:peers_peer_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    peer = Peer.objects.get(user=account)
    assert (peer.kind, peer.home_council, peer.job_title) == (
        "officer",
        council,
        "Director of finance",
    )
    assert account.groups.filter(name="Peer").exists()
    assert peer.history.get().history_user == manager
    assert list(peer.unavailability.values_list("starts_on", flat=True)) == [_day(5)]


def test_a_refused_new_peer_is_not_created(manager_client):
    account = UserFactory()
    page = manager_client.get(reverse("admin:peers_peer_add"))
    data = admin_form_data(page)
    data.update(
        {
            "user": account.pk,
            "kind": "member",
            "home_council": CouncilFactory().pk,
            "job_title": "Leader",
            "role_category": "leader",
            "work_mode": "both",
            "status": "active",
        }
    )
    add_inline_row(
        data, inline_prefix(page, Unavailability), {"starts_on": _day(-9), "ends_on": _day(-8)}
    )

    response = manager_client.post(reverse("admin:peers_peer_add"), data)

    assert response.status_code == 200
    assert "The end date must be today or in the future" in response.content.decode()
    assert not Peer.objects.filter(user=account).exists()


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("admin:peers_peer_simple_history", PeerFactory),
        ("admin:peers_unavailability_simple_history", UnavailabilityFactory),
        ("admin:peers_trainingrecord_simple_history", TrainingRecordFactory),
    ],
)
def test_the_history_can_be_read_but_not_reverted_around_the_services(
    manager_client, url_name, make
):
    record = make()
    version = record.history.first()
    url = reverse(url_name, args=[record.pk, version.history_id])
    page = manager_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {form.add_prefix(name): form[name].value() for name in form.fields}
    data = {key: value for key, value in data.items() if value not in (None, "")}

    response = manager_client.post(url, data)

    assert response.status_code == 403
    assert type(record).history.filter(id=record.pk).count() == 1
