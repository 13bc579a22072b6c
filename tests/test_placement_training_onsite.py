"""Training and onsite ability are placement rules, enforced at every door (issue 17, item 4).

A member peer is placed only with peer training or a member peer conference that counts on
the engagement's first day (programmes.periods), unless a manager or the Director recorded
a training waiver; a peer who works remotely only is never placed on an engagement with
onsite days. The service, the admin's team inline, import_team, an allocation proposal
and the API refuse with the same words, and save nothing.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from councils.reference import councils_load_reference
from peers.models import Peer, TrainingRecord, WorkMode
from programmes import rules, services
from programmes.matching.services import allocation_run_confirm
from programmes.matching.validator import proposal_breaches
from programmes.models import DayMode, TeamPlace, TeamRole
from programmes.models_matching import AllocationRun, AllocationRunStatus
from tests.factories import ManagerFactory
from tests.factories_admin import add_inline_row, admin_form_data, inline_prefix
from tests.factories_api import client_for
from tests.factories_records import (
    EngagementFactory,
    OfficerPeerFactory,
    PeerFactory,
    ScheduledEngagementFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 4)
START = date(2026, 7, 6)  # a Monday: three onsite days, 6 to 8 July 2026


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))):
        yield


def _engagement(mode=DayMode.ONSITE):
    return ScheduledEngagementFactory(
        start_date=START, end_date=START + timedelta(days=2), activity_days=mode
    )


def _untrained(**fields):
    return PeerFactory(trained=False, user__first_name="Sam", user__last_name="Jones", **fields)


def _lapsed():
    """Trained on 5 July 2023: it counts until 5 July 2026, the day before the start."""
    return PeerFactory(trained=date(2023, 7, 5), user__first_name="Sam", user__last_name="Jones")


def _remote_only():
    return PeerFactory(work_mode=WorkMode.REMOTE, user__first_name="Sam", user__last_name="Jones")


NEVER = (
    "Sam Jones has no peer training or member peer conference recorded (training lasts 3 "
    "years). Record a training waiver to place them anyway."
)
EXPIRED = (
    "Sam Jones's peer training expired after 5 July 2026 (it lasts 3 years) and this "
    "engagement starts on 6 July 2026. Record a training waiver to place them anyway."
)
REMOTE = (
    "Sam Jones works remotely only, and this engagement has onsite days. Choose a peer who "
    "can work onsite, or update their profile if that has changed."
)


def _messages(breaches):
    return [b.message for b in breaches]


# --- The rules -------------------------------------------------------------------------------


def test_a_member_peer_without_training_breaks_the_training_rule():
    engagement = _engagement()
    peer = _untrained()
    breaches = rules.placement_breaches(
        peer=peer, engagement=engagement, role=TeamRole.MEMBER, days=Decimal("3")
    )
    assert [(b.code, b.message) for b in breaches] == [("training", NEVER)]


@pytest.mark.parametrize(
    ("attended_on", "allowed"),
    [
        (date(2023, 7, 5), False),  # counts until the day before the first day
        (date(2023, 7, 6), True),  # counts on the first day itself (the third anniversary)
        (date(2023, 7, 7), True),
    ],
)
def test_training_is_judged_on_the_engagement_s_first_day(attended_on, allowed):
    engagement = _engagement()
    peer = PeerFactory(trained=attended_on, user__first_name="Sam", user__last_name="Jones")
    breaches = rules.placement_breaches(
        peer=peer, engagement=engagement, role=TeamRole.MEMBER, days=Decimal("3")
    )
    assert _messages(breaches) == ([] if allowed else [EXPIRED])


def test_an_engagement_without_dates_is_judged_on_today():
    engagement = EngagementFactory()  # requested, remote, no days yet
    peer = PeerFactory(trained=date(2023, 5, 3), user__first_name="Sam", user__last_name="Jones")
    assert _messages(
        rules.placement_breaches(
            peer=peer, engagement=engagement, role=TeamRole.MEMBER, days=Decimal("3")
        )
    ) == [
        "Sam Jones's peer training expired after 3 May 2026 (it lasts 3 years). "
        "Record a training waiver to place them anyway."
    ]


def test_officer_peers_need_no_peer_training():
    engagement = _engagement()
    officer = OfficerPeerFactory()
    assert not officer.training_records.exists()
    assert (
        rules.placement_breaches(
            peer=officer, engagement=engagement, role=TeamRole.OFFICER, days=Decimal("3")
        )
        == []
    )


def test_a_remote_only_peer_breaks_the_onsite_rule_only_with_onsite_days():
    peer = _remote_only()
    onsite, remote = _engagement(), _engagement(mode=DayMode.REMOTE)
    assert [
        (b.code, b.message)
        for b in rules.placement_breaches(
            peer=peer, engagement=onsite, role=TeamRole.MEMBER, days=Decimal("3")
        )
    ] == [("onsite", REMOTE)]
    assert (
        rules.placement_breaches(
            peer=peer, engagement=remote, role=TeamRole.MEMBER, days=Decimal("3")
        )
        == []
    )


# --- Every door ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_peer", "message"),
    [
        (_untrained, NEVER),
        (_lapsed, EXPIRED),
        (_remote_only, REMOTE),
    ],
    ids=["untrained", "lapsed", "remote_only"],
)
def test_the_service_refuses(make_peer, message):
    engagement = _engagement()
    peer = make_peer()
    with pytest.raises(ValidationError) as refused:
        services.team_place_add(
            engagement=engagement, peer=peer, role=TeamRole.MEMBER, days=Decimal("3")
        )
    assert refused.value.messages == [message]
    assert not TeamPlace.objects.exists()


def test_accepting_an_invitation_re_checks_the_training(settings):
    """Invited while trained; the training lapses before the peer answers."""
    engagement = _engagement()
    peer = _untrained()
    record = TrainingRecord.objects.create(
        peer=peer, kind="training", course="Peer training", attended_on=date(2024, 1, 10)
    )
    place = services.team_place_add(
        engagement=engagement, peer=peer, role=TeamRole.MEMBER, days=Decimal("3")
    )
    record.attended_on = date(2023, 7, 5)  # corrected by the programme team
    record.save()
    with pytest.raises(ValidationError) as refused:
        services.team_place_respond(place=place, accept=True, no_conflict_declared=True)
    assert refused.value.messages == [EXPIRED]


@pytest.mark.parametrize(
    ("make_peer", "message"),
    [(_untrained, NEVER), (_lapsed, EXPIRED)],
    ids=["untrained", "lapsed"],
)
def test_the_admin_team_inline_refuses_and_saves_nothing(client, make_peer, message):
    client.force_login(ManagerFactory())
    engagement = _engagement()
    peer = make_peer()
    url = reverse("admin:programmes_engagement_change", args=[engagement.pk])
    page = client.get(url)
    data = admin_form_data(page)
    add_inline_row(
        data,
        inline_prefix(page, TeamPlace, adding=True),
        {"peer": peer.pk, "role": TeamRole.MEMBER, "days": "3", "status": "accepted"},
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not TeamPlace.objects.exists()


def test_the_admin_team_inline_refuses_a_remote_only_peer_on_onsite_days(client):
    client.force_login(ManagerFactory())
    engagement = _engagement()
    peer = _remote_only()
    url = reverse("admin:programmes_engagement_change", args=[engagement.pk])
    page = client.get(url)
    data = admin_form_data(page)
    add_inline_row(
        data,
        inline_prefix(page, TeamPlace, adding=True),
        {"peer": peer.pk, "role": TeamRole.MEMBER, "days": "3", "status": "invited"},
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert REMOTE in response.content.decode()
    assert not TeamPlace.objects.exists()


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_team_refuses_untrained_and_remote_only_peers(tmp_path, capsys):
    councils_load_reference()
    peers = (
        "email,first_name,last_name,kind,home_council,political_group,job_title,role_category,"
        "expertise,regions,last_trained_on\n"
        "sam.jones@example.org,Sam,Jones,member,E07000110,labour,,leader,,South East,\n"
        "ann.old@example.org,Ann,Old,member,E07000110,labour,,leader,,South East,2023-05-03\n"
        "kim.new@example.org,Kim,New,member,E07000110,labour,,leader,,South East,2026-01-12\n"
        "raj.far@example.org,Raj,Far,member,E07000110,labour,,leader,,South East,2026-01-12\n"
    )
    call_command("import_peers", str(_write(tmp_path, "p.csv", peers)))
    Peer.objects.filter(user__email="raj.far@example.org").update(work_mode=WorkMode.REMOTE)
    engagements = (
        "reference,offer,councils,title,status,start_date,end_date,delivery,themes\n"
        "CPC-2026-0500,CPC,E06000001,Hartlepool CPC,scheduled,2026-07-06,2026-07-08,,\n"
    )
    call_command("import_engagements", str(_write(tmp_path, "e.csv", engagements)))
    team = (
        "engagement,peer_email,role,days,status\n"
        "CPC-2026-0500,sam.jones@example.org,member,3,accepted\n"
        "CPC-2026-0500,ann.old@example.org,member,3,invited\n"
        "CPC-2026-0500,kim.new@example.org,member,3,accepted\n"
        "CPC-2026-0500,raj.far@example.org,member,3,accepted\n"
        "CPC-2026-0500,sam.jones@example.org,member,3,reserve\n"
    )
    capsys.readouterr()

    with pytest.raises(CommandError, match="3 row"):
        call_command("import_team", str(_write(tmp_path, "t.csv", team)))

    err = capsys.readouterr().err
    assert f"Line 2: {NEVER}" in err
    assert (
        "Line 3: Ann Old's peer training expired after 3 May 2026 (it lasts 3 years) and this "
        "engagement starts on 6 July 2026." in err
    )
    assert "Line 4" not in err
    assert "Line 5: Raj Far works remotely only, and this engagement has onsite days." in err
    assert not TeamPlace.objects.exists()


def test_import_peers_records_the_last_training_date_once(tmp_path):
    councils_load_reference()
    peers = (
        "email,first_name,last_name,kind,home_council,political_group,job_title,role_category,"
        "expertise,regions,last_trained_on\n"
        "kim.new@example.org,Kim,New,member,E07000110,labour,,leader,,South East,2026-01-12\n"
    )
    path = _write(tmp_path, "p.csv", peers)
    call_command("import_peers", str(path))
    call_command("import_peers", str(path))
    peer = Peer.objects.get(user__email="kim.new@example.org")
    assert list(peer.training_records.values_list("attended_on", flat=True)) == [date(2026, 1, 12)]


def _proposal_run(engagement, peer, manager):
    run = AllocationRun.objects.create(
        created_by=manager,
        status=AllocationRunStatus.PROPOSED,
        proposal=[
            {
                "engagement_id": engagement.pk,
                "peer_id": peer.pk,
                "role": TeamRole.MEMBER,
                "days": "3",
            }
        ],
    )
    run.engagements.set([engagement])
    return run


@pytest.mark.parametrize(
    ("make_peer", "message"),
    [
        (_untrained, NEVER),
        (_lapsed, EXPIRED),
        (_remote_only, REMOTE),
    ],
    ids=["untrained", "lapsed", "remote_only"],
)
def test_an_allocation_proposal_edited_or_gone_stale_is_refused_on_confirm(make_peer, message):
    """A proposal is a list of places a manager confirms later: a peer put in it by hand,
    or whose training lapsed since, is refused when it is confirmed, and nothing is sent."""
    manager = ManagerFactory()
    engagement = _engagement()
    peer = make_peer()
    run = _proposal_run(engagement, peer, manager)

    with pytest.raises(ValidationError) as refused:
        allocation_run_confirm(run=run, user=manager)

    assert refused.value.messages == [f"{engagement.reference}: Sam Jones: {message}"]
    assert not TeamPlace.objects.exists()
    run.refresh_from_db()
    assert run.status == AllocationRunStatus.PROPOSED


def test_the_allocation_validator_names_the_training_breach_once():
    engagement = _engagement()
    peer = _untrained()
    run = _proposal_run(engagement, peer, ManagerFactory())

    class Item:
        engagement_id, peer_id, role, days = engagement.pk, peer.pk, TeamRole.MEMBER, "3"

    problems = proposal_breaches([Item()])
    assert problems.count(f"{engagement.reference}: {NEVER}") == 1
    assert run.status == AllocationRunStatus.PROPOSED


def test_the_api_refuses_with_the_same_words():
    engagement = _engagement()
    peer = _untrained()
    client = client_for(ManagerFactory())

    response = client.post(
        "/api/v1/team-places/",
        {"engagement": engagement.pk, "peer": peer.pk, "role": "member", "days": "3"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [NEVER]
    assert not TeamPlace.objects.exists()
