"""Bulk import from CSV: the examples import cleanly, all or nothing, idempotent, silent."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from accounts.roles import Role
from councils.models import Council
from councils.reference import councils_load_reference
from peers.models import Expertise, Peer
from programmes.importers import csvfile
from programmes.models import (
    ActivityDay,
    DayMode,
    Engagement,
    EngagementStatus,
    PlaceStatus,
    StatusChange,
    TeamPlace,
)

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


@pytest.fixture
def councils():
    councils_load_reference()


def _import(command, path, *args):
    call_command(command, str(path), *args)


def _all_examples():
    _import("import_peers", EXAMPLES / "peers.csv")
    _import("import_engagements", EXAMPLES / "engagements.csv")
    _import("import_team", EXAMPLES / "team.csv")


def _state():
    """Everything an import can touch, history included."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "user_history": User.history.count(),
        "peers": list(Peer.objects.order_by("pk").values()),
        "peer_history": Peer.history.count(),
        "peer_links": sorted(
            (p.pk, tuple(p.expertise.values_list("pk", flat=True)), tuple(p.regions.all()))
            for p in Peer.objects.all()
        ),
        "expertise": list(Expertise.objects.order_by("pk").values()),
        "engagements": list(Engagement.objects.order_by("pk").values()),
        "engagement_history": Engagement.history.count(),
        "councils": sorted(Engagement.councils.through.objects.values_list("pk", flat=True)),
        "themes": sorted(Engagement.themes.through.objects.values_list("pk", flat=True)),
        "days": list(ActivityDay.objects.order_by("pk").values()),
        "day_history": ActivityDay.history.count(),
        "timeline": StatusChange.objects.count(),
        "places": list(TeamPlace.objects.order_by("pk").values()),
        "place_history": TeamPlace.history.count(),
    }


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# The examples --------------------------------------------------------------------------


def test_the_example_files_import_cleanly(councils, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _all_examples()

    out = capsys.readouterr().out
    assert "4 peers were created" in out
    assert "Place-based partnerships" in out  # new vocabulary is listed
    assert "4 engagements were created" in out
    assert "7 team places were created" in out
    # Importers send nothing: no email, no task queued.
    assert callbacks == []
    assert mail.outbox == []

    amina = Peer.objects.get(user__email="amina.khan@example.org")
    assert amina.home_council.name == "Manchester"
    assert not amina.user.has_usable_password()
    assert amina.user.has_role(Role.PEER)
    assert {e.name for e in amina.expertise.all()} == {
        "Leadership",
        "Finance",
        "Housing and homelessness",
    }
    assert amina.regions.count() == 3

    cpc = Engagement.objects.get(reference="CPC-2025-0101")
    assert cpc.status == EngagementStatus.CLOSED
    assert list(cpc.activity_days.values_list("date", "mode")) == [
        (date(2025, 6, 9), DayMode.ONSITE),
        (date(2025, 6, 10), DayMode.REMOTE),
        (date(2025, 6, 11), DayMode.REMOTE),
        (date(2025, 6, 12), DayMode.REMOTE),
    ]
    panel = Engagement.objects.get(reference="RRP-2026-0103")
    assert (panel.start_date, panel.end_date) == (date(2026, 9, 15), date(2026, 9, 15))
    assert panel.activity_days.get().mode == DayMode.REMOTE  # the offer's default
    dip = Engagement.objects.get(reference="DIP-2027-0104")
    assert dip.councils.count() == 2 and dip.start_date is None
    assert Expertise.objects.filter(name="Cost of living").exists()

    place = TeamPlace.objects.get(engagement__reference="RRP-2026-0103", peer=amina)
    assert (place.days, place.status) == (Decimal("0.5"), PlaceStatus.ACCEPTED)


def test_importing_the_examples_twice_changes_nothing(councils, capsys):
    _all_examples()
    before = _state()
    capsys.readouterr()

    _all_examples()

    assert _state() == before
    out = capsys.readouterr().out
    assert "0 peers were created, 0 updated, 4 unchanged." in out
    assert "0 engagements were created, 0 updated, 4 unchanged." in out
    assert "0 team places were created, 0 updated, 7 unchanged." in out


def test_a_changed_row_updates_only_that_record(councils, tmp_path, capsys):
    _all_examples()
    text = (
        (EXAMPLES / "engagements.csv")
        .read_text()
        .replace("Manchester corporate peer challenge,scheduled", "Manchester CPC,team_confirmed")
    )
    capsys.readouterr()

    _import("import_engagements", _write(tmp_path, "e.csv", text))

    assert "0 engagements were created, 1 updated, 3 unchanged." in capsys.readouterr().out
    cpc = Engagement.objects.get(reference="CPC-2027-0102")
    assert (cpc.title, cpc.status) == ("Manchester CPC", EngagementStatus.TEAM_CONFIRMED)
    assert cpc.status_changes.last().note == "Imported"


# All or nothing ----------------------------------------------------------------------------


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(councils, tmp_path, capsys):
    good = (EXAMPLES / "peers.csv").read_text()
    bad = good + "nobody@example.org,No,Body,member,E99999999,labour,,leader,,,\n"
    before = _state()

    with pytest.raises(CommandError, match="Nothing was imported: 1 row"):
        _import("import_peers", _write(tmp_path, "peers.csv", bad))

    assert "Line 6: No council has the ONS code “E99999999”" in capsys.readouterr().err
    assert _state() == before
    assert not Expertise.objects.filter(name="Place-based partnerships").exists()


def test_every_bad_row_is_reported_with_its_line_and_reason(councils, tmp_path, capsys):
    _import("import_peers", EXAMPLES / "peers.csv")
    _import("import_engagements", EXAMPLES / "engagements.csv")
    team = (
        "engagement,peer_email,role,days,status\n"
        "CPC-2027-0102,sarah.jones@example.org,lead_member,4,accepted\n"
        "CPC-2027-0102,amina.khan@example.org,member,4,accepted\n"  # own council
        "CPC-2027-0102,david.price@example.org,lead_member,4,accepted\n"  # officer as member
        "NOPE-1,david.price@example.org,officer,4,invited\n"
        "CPC-2027-0102,tom.hughes@example.org,officer,x,invited\n"
    )
    capsys.readouterr()

    with pytest.raises(CommandError, match="4 row"):
        _import("import_team", _write(tmp_path, "team.csv", team))

    err = capsys.readouterr().err
    assert "Line 3: Manchester is Amina Khan's own council." in err
    assert "Line 4: David Price is not a member peer" in err
    assert "Line 5: No engagement has the reference “NOPE-1”" in err
    assert "Line 6: days must be a number" in err
    assert not TeamPlace.objects.exists()


def test_a_remote_cpc_from_scheduled_on_is_an_error(councils, tmp_path, capsys):
    text = (
        "reference,offer,councils,title,status,start_date,end_date,delivery,themes\n"
        "CPC-2027-0900,CPC,E06000001,Remote CPC,scheduled,2027-05-10,2027-05-12,remote,\n"
    )

    with pytest.raises(CommandError):
        _import("import_engagements", _write(tmp_path, "e.csv", text))

    assert "Line 2: A CPC cannot be delivered fully remotely." in capsys.readouterr().err
    assert not Engagement.objects.exists()


def test_a_scheduled_engagement_needs_dates(councils, tmp_path, capsys):
    text = (
        "reference,offer,councils,title,status,start_date,end_date,delivery,themes\n"
        "BRPS-1,BRPS,E07000110,Remote support,in_delivery,,,,\n"
    )
    with pytest.raises(CommandError):
        _import("import_engagements", _write(tmp_path, "e.csv", text))
    assert "Line 2: An engagement that is in delivery needs its start_date." in (
        capsys.readouterr().err
    )


def test_the_team_import_applies_the_day_cap(councils, tmp_path, capsys):
    _import("import_peers", EXAMPLES / "peers.csv")
    rows = ["reference,offer,councils,title,status,start_date,end_date,delivery,themes"]
    team = ["engagement,peer_email,role,days,status"]
    for number in range(11):
        start = date(2027, 5, 3 + number * 2)
        rows.append(f"BRPS-{number},BRPS,E06000001,Support {number},scheduled,{start},,,")
        team.append(f"BRPS-{number},sarah.jones@example.org,member,4,accepted")
    _import("import_engagements", _write(tmp_path, "e.csv", "\n".join(rows) + "\n"))
    capsys.readouterr()

    with pytest.raises(CommandError, match="1 row"):
        _import("import_team", _write(tmp_path, "t.csv", "\n".join(team) + "\n"))

    # (PostgreSQL's sums print as 44.0 in the rule's message: reported to the rules' owner.)
    assert re.search(
        r"Line 12: Sarah Jones would have 44(\.0)? days in 2027/28, over the cap of 40",
        capsys.readouterr().err,
    )
    assert not TeamPlace.objects.exists()


# Dry run, file checks --------------------------------------------------------------------


def test_dry_run_validates_and_writes_nothing(councils, capsys):
    before = _state()

    _import("import_peers", EXAMPLES / "peers.csv", "--dry-run")

    out = capsys.readouterr().out
    assert "Dry run: every row is valid. Nothing was written." in out
    assert "4 peers would be created" in out
    assert _state() == before


def test_dry_run_reports_errors_too(councils, tmp_path, capsys):
    text = (EXAMPLES / "peers.csv").read_text().replace(",labour,", ",whig,")
    with pytest.raises(CommandError):
        _import("import_peers", _write(tmp_path, "p.csv", text), "--dry-run")
    assert "Line 2: political_group must be one of" in capsys.readouterr().err


def test_wrong_header_is_refused(tmp_path):
    path = _write(tmp_path, "p.csv", "email,name\nx@example.org,X\n")
    with pytest.raises(CommandError, match="missing the columns first_name"):
        _import("import_peers", path)


def test_files_over_the_size_limit_are_refused(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = _write(tmp_path, "p.csv", (EXAMPLES / "peers.csv").read_text())
    with pytest.raises(CommandError, match="an import takes files up to"):
        _import("import_peers", path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(
        (EXAMPLES / "peers.csv").read_text().replace("Amina", "Amína").encode("latin-1")
    )
    with pytest.raises(CommandError, match=r"not UTF-8 text \(line 2\)"):
        _import("import_peers", path)


def test_a_byte_order_mark_and_blank_lines_are_accepted(councils, tmp_path, capsys):
    text = (EXAMPLES / "peers.csv").read_text()
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\n\n", 1).encode())
    _import("import_peers", path)
    assert "4 peers were created" in capsys.readouterr().out


def test_split_cell_drops_blanks():
    assert csvfile.split_cell(" a; b ;;c ") == ["a", "b", "c"]


def test_councils_come_from_the_reference_list(councils):
    assert Council.objects.get(gss_code="E07000110").county.gss_code == "E10000016"
