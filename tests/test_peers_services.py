"""The peer services every door calls: the rules on unavailability, training records, conflicts
and the pool details, and who each change is attributed to in the history."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from peers import services, services_pool
from peers.models import TrainingKind, TrainingRecord, Unavailability, WorkRegion
from tests.factories import CouncilFactory, ManagerFactory, UserFactory
from tests.factories_peer_portal import UnavailabilityFactory
from tests.factories_records import OfficerPeerFactory, PeerFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))):
        yield


def _day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# --- Unavailability --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (None, 5, "starts_on", "Enter the first day you are unavailable"),
        (5, None, "ends_on", "Enter the last day you are unavailable"),
        (10, 5, "ends_on", "The last day must be the same as or after the first day"),
        (-20, -1, "ends_on", "The end date must be today or in the future"),
        (0, 366, "ends_on", "A period must be a year or shorter"),
        (26, 30, "starts_on", "overlap a period you already added (24 May 2026 to 30 May 2026)"),
    ],
)
def test_a_period_is_refused_on_the_field_that_is_wrong(start, end, field, words):
    peer = PeerFactory(trained=False)
    UnavailabilityFactory(peer=peer)  # days 20 to 26

    with pytest.raises(ValidationError) as refused:
        services.peer_unavailability_add(
            peer=peer,
            starts_on=None if start is None else _day(start),
            ends_on=None if end is None else _day(end),
        )

    assert words in refused.value.message_dict[field][0]
    assert peer.unavailability.count() == 1


def test_a_period_may_end_today_and_last_a_year():
    peer = PeerFactory(trained=False)
    services.peer_unavailability_add(peer=peer, starts_on=_day(-5), ends_on=_day(0))
    services.peer_unavailability_add(peer=peer, starts_on=_day(1), ends_on=_day(365))
    assert peer.unavailability.count() == 2


def test_a_period_can_be_changed_within_its_own_dates_but_not_onto_another():
    peer = PeerFactory(trained=False)
    UnavailabilityFactory(peer=peer)  # days 20 to 26
    later = UnavailabilityFactory(peer=peer, starts_on=_day(40), ends_on=_day(45))

    services.peer_unavailability_update(period=later, starts_on=_day(41), ends_on=_day(47))
    with pytest.raises(ValidationError, match="overlap a period you already added"):
        services.peer_unavailability_update(period=later, starts_on=_day(26), ends_on=_day(47))

    later.refresh_from_db()
    assert (later.starts_on, later.ends_on) == (_day(41), _day(47))


def test_changes_are_attributed_to_the_acting_user_or_left_to_the_request():
    manager = ManagerFactory()
    peer = PeerFactory(trained=False)

    by_manager = services.peer_unavailability_add(
        peer=peer, starts_on=_day(1), ends_on=_day(2), user=manager
    )
    by_task = services.peer_unavailability_add(peer=peer, starts_on=_day(5), ends_on=_day(6))
    by_peer = services.peer_unavailability_add(
        peer=peer, starts_on=_day(9), ends_on=_day(9), user=peer.user
    )

    first = {p.pk: p.history.get() for p in (by_manager, by_task, by_peer)}
    assert (first[by_manager.pk].history_user, first[by_manager.pk].history_change_reason) == (
        manager,
        "Added by the programme team",
    )
    assert first[by_task.pk].history_user is None
    assert first[by_peer.pk].history_user == peer.user
    assert first[by_peer.pk].history_change_reason == "Added by the peer"


def test_removing_a_period_twice_is_refused():
    period = UnavailabilityFactory()
    services.peer_unavailability_remove(peer=period.peer, period_id=period.pk)
    with pytest.raises(ValidationError, match="already been removed"):
        services.peer_unavailability_remove(peer=period.peer, period_id=period.pk)
    assert not Unavailability.objects.filter(pk=period.pk).exists()


# --- Training records ------------------------------------------------------------------------


def test_training_is_recorded_with_the_manager():
    manager = ManagerFactory()
    peer = PeerFactory(trained=False)

    record = services_pool.training_record_add(
        peer=peer,
        kind=TrainingKind.CONFERENCE,
        course="  Member peer conference ",
        attended_on=TODAY,
        user=manager,
    )

    assert record.course == "Member peer conference"
    assert record.history.get().history_user == manager


def test_every_missing_part_of_a_training_record_is_named_at_once():
    peer = PeerFactory(trained=False)
    with pytest.raises(ValidationError) as refused:
        services_pool.training_record_add(peer=peer, kind="webinar", course=" ", attended_on=None)
    assert refused.value.message_dict == {
        "kind": ["Select peer training or member peer conference"],
        "course": ["Enter the name of the course or conference"],
        "attended_on": ["Enter the date attended"],
    }
    assert not TrainingRecord.objects.exists()


def test_training_cannot_be_in_the_future_or_recorded_twice():
    record = TrainingRecordFactory(attended_on=_day(-30), peer=PeerFactory(trained=False))
    with pytest.raises(ValidationError, match="must be today or in the past"):
        services_pool.training_record_add(
            peer=record.peer, kind="training", course="X", attended_on=_day(1)
        )
    with pytest.raises(ValidationError, match="Peer training on 4 April 2026 is already recorded"):
        services_pool.training_record_add(
            peer=record.peer, kind="training", course="Again", attended_on=_day(-30)
        )
    # The same day at a conference is another record; a correction may keep its own day.
    services_pool.training_record_add(
        peer=record.peer, kind="conference", course="Conference", attended_on=_day(-30)
    )
    services_pool.training_record_update(
        record=record, kind="training", course="Corrected", attended_on=_day(-30)
    )
    assert record.peer.training_records.count() == 2


def test_removing_a_training_record_is_in_the_history():
    manager = ManagerFactory()
    record = TrainingRecordFactory()
    services_pool.training_record_remove(record=record, user=manager)
    removal = TrainingRecord.history.get(id=record.pk, history_type="-")
    assert (removal.history_user, removal.history_change_reason) == (
        manager,
        "Removed by the programme team",
    )


# --- The profile and conflicts -------------------------------------------------------------


def test_profile_rules_hold_for_every_door():
    peer = PeerFactory(job_title="Leader")
    peer.regions.add(WorkRegion.objects.first())
    with pytest.raises(ValidationError, match="Enter your job title"):
        services.peer_profile_update(peer=peer, job_title="  ")
    with pytest.raises(ValidationError, match="Select at least one region"):
        services.peer_profile_update(peer=peer, regions=[])
    peer.refresh_from_db()
    assert peer.job_title == "Leader" and peer.regions.count() == 1


def test_a_manager_changing_expertise_only_is_in_the_history():
    manager = ManagerFactory()
    peer = PeerFactory(trained=False)
    services.peer_profile_update(peer=peer, user=manager, regions=WorkRegion.objects.all()[:2])
    latest = peer.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        manager,
        "Updated by the programme team",
    )


def test_conflicts_are_in_the_history_with_who_declared_them():
    peer = PeerFactory(trained=False)
    council = CouncilFactory(name="Conflictshire")

    services.peer_conflict_add(peer=peer, council=council, user=peer.user)
    services.peer_conflict_remove(peer=peer, council=council, user=ManagerFactory())

    # (The many-to-many history adds rows of its own; these are the services' own.)
    added, removed = peer.history.filter(history_change_reason__startswith="Conflict").order_by(
        "history_date"
    )
    assert added.history_change_reason == "Conflict of interest declared with Conflictshire"
    assert added.history_user == peer.user
    assert removed.history_change_reason == "Conflict of interest with Conflictshire removed"
    assert removed.history_user.groups.filter(name="Programme manager").exists()


# --- The pool details ------------------------------------------------------------------------


def test_a_new_peer_gets_the_peer_role_and_an_attributed_history():
    manager = ManagerFactory()
    account = UserFactory()
    peer = services_pool.peer_create(
        account=account,
        user=manager,
        kind="officer",
        home_council=CouncilFactory(),
        job_title=" Director ",
    )
    assert peer.job_title == "Director"
    assert account.groups.filter(name="Peer").exists()
    assert peer.history.get().history_user == manager
    with pytest.raises(ValidationError, match="already in the peer pool"):
        services_pool.peer_create(account=account, kind="officer", home_council=peer.home_council)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"political_group": "labour"}, "Only member peers have a political group."),
        ({"home_council": "abolished"}, "Gone District no longer exists. Select another."),
    ],
)
def test_pool_details_are_refused_in_plain_words(changes, words):
    peer = OfficerPeerFactory(trained=False)
    if changes.get("home_council") == "abolished":
        changes = {"home_council": CouncilFactory(name="Gone District", abolished_on=TODAY)}
    with pytest.raises(ValidationError, match=words):
        services_pool.peer_pool_details_update(peer=peer, **changes)
    peer.refresh_from_db()
    assert (peer.political_group, peer.training_waived) == ("", False)
