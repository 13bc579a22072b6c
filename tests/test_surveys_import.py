"""import_survey_responses: all or nothing, line numbers in errors, upserts, no email."""

from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from programmes.models import PlaceStatus
from surveys.models import Answer, Response
from surveys.selectors import survey_counts
from tests.factories import CouncilContactFactory, CouncilFactory
from tests.factories_records import DeliveredEngagementFactory, TeamPlaceFactory, offer
from tests.factories_surveys import InvitationFactory, respond

pytestmark = pytest.mark.django_db

HEADER = (
    "engagement,audience,respondent_email,submitted_on,satisfaction,goals_achieved,"
    "would_recommend,understood_issues,comment,quote_consent\n"
)


@pytest.fixture
def records():
    engagement = DeliveredEngagementFactory(reference="CPC-2020-0001", offer=offer("CPC"))
    place = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    return engagement, place.peer.user.email


def write(tmp_path, body: str) -> Path:
    path = tmp_path / "responses.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def good_file(tmp_path, peer_email):
    return write(
        tmp_path,
        "CPC-2020-0001,council,Chief.Exec@Example.org,2020-11-02,very_satisfied,fully,"
        'very_likely,great_extent,"Sharp, kind and useful.",yes\n'
        "CPC-2020-0001,council,policy@example.org,2020-11-03,fairly_satisfied,partly,,,,\n"
        f"CPC-2020-0001,peer,{peer_email},2020-11-04,very_satisfied,,,,Learned a lot,no\n",
    )


def test_a_good_file_imports_and_is_counted(tmp_path, records, capsys):
    engagement, peer_email = records

    call_command("import_survey_responses", str(good_file(tmp_path, peer_email)))

    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert Response.objects.filter(source="imported").count() == 3
    council = survey_counts(audience="council")
    assert council["respondents"] == 2
    assert council["headline"]["satisfied"] == 100
    assert council["headline"]["would_recommend"] == 100  # 1 of the 1 who answered
    assert council["questions"]["would_recommend"]["answered"] == 1
    assert [q["text"] for q in council["quotes"]] == ["Sharp, kind and useful."]
    assert survey_counts(audience="peer")["respondents"] == 1
    first = Response.objects.get(invitation__email="chief.exec@example.org")
    assert first.council == engagement.councils.get()
    assert first.submitted_at.date().isoformat() == "2020-11-02"
    assert mail.outbox == []


def test_importing_twice_changes_nothing(tmp_path, records, capsys):
    path = good_file(tmp_path, records[1])
    call_command("import_survey_responses", str(path))
    answers = list(Answer.objects.order_by("id").values_list("id", flat=True))

    call_command("import_survey_responses", str(path))

    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert list(Answer.objects.order_by("id").values_list("id", flat=True)) == answers


def test_a_changed_row_updates_its_response(tmp_path, records, capsys):
    call_command("import_survey_responses", str(good_file(tmp_path, records[1])))
    path = write(tmp_path, "CPC-2020-0001,council,policy@example.org,2020-11-03,neither,,,,,\n")

    call_command("import_survey_responses", str(path))

    assert "0 created, 1 updated, 0 unchanged" in capsys.readouterr().out
    response = Response.objects.get(invitation__email="policy@example.org")
    assert list(response.answers.values_list("choice__code", flat=True)) == ["neither"]


def test_one_bad_row_imports_nothing_and_names_every_bad_line(tmp_path, records, capsys):
    path = write(
        tmp_path,
        "CPC-2020-0001,council,a@example.org,2020-11-02,very_satisfied,,,,,\n"
        "CPC-2099-0001,council,b@example.org,2020-11-02,very_satisfied,,,,,\n"
        "CPC-2020-0001,council,c@example.org,02/11/2020,ecstatic,,,,,\n"
        "CPC-2020-0001,peer,stranger@example.org,2020-11-02,,,,,,\n"
        "CPC-2020-0001,peer,{peer},2020-11-02,,fully,,,,\n"
        "CPC-2020-0001,board,d@example.org,2020-11-02,,,,,,maybe\n"
        "CPC-2020-0001,council,A@example.org,2020-11-02,,,,,,\n".replace("{peer}", records[1]),
    )

    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_survey_responses", str(path))

    errors = capsys.readouterr().err
    assert "Line 2" not in errors
    assert "Line 3: There is no engagement with the reference “CPC-2099-0001”." in errors
    assert "Line 4: Submitted on must be a date like 2021-03-31, not “02/11/2020”." in errors
    assert "Line 5: stranger@example.org is not a peer with a place on CPC-2020-0001." in errors
    assert "Line 6: The peer survey does not ask goals_achieved: leave it blank." in errors
    assert "Line 7: Audience must be council or peer." in errors
    assert "Line 8: Repeats the response on line 2." in errors
    assert not Response.objects.exists()


def test_a_bad_answer_code_names_the_question_and_the_allowed_codes(tmp_path, records, capsys):
    path = write(tmp_path, "CPC-2020-0001,council,a@example.org,2020-11-02,ecstatic,,,,,\n")
    with pytest.raises(CommandError):
        call_command("import_survey_responses", str(path))
    assert "Line 2: satisfaction: “ecstatic” is not an answer to satisfaction. Use one of: " in (
        capsys.readouterr().err
    )


def test_dry_run_checks_and_writes_nothing(tmp_path, records, capsys):
    call_command("import_survey_responses", str(good_file(tmp_path, records[1])), "--dry-run")
    assert "Dry run, nothing written. Would have: 3 created" in capsys.readouterr().out
    assert not Response.objects.exists()


def test_a_council_contact_of_a_group_engagement_answers_for_their_own_council(tmp_path, capsys):
    first, second = CouncilFactory(), CouncilFactory()
    DeliveredEngagementFactory(
        reference="DIP-2021-0001", offer=offer("DIP"), councils=[first, second]
    )
    contact = CouncilContactFactory(council=second)
    path = write(
        tmp_path,
        f"DIP-2021-0001,council,{contact.email},2021-02-01,very_satisfied,,,,,\n"
        "DIP-2021-0001,council,unknown@example.org,2021-02-01,very_satisfied,,,,,\n",
    )
    with pytest.raises(CommandError):
        call_command("import_survey_responses", str(path))
    assert "Line 3: DIP-2021-0001 has several councils" in capsys.readouterr().err

    call_command(
        "import_survey_responses", str(write(tmp_path, path.read_text().splitlines()[1] + "\n"))
    )
    assert Response.objects.get().council == second


def test_an_answer_given_through_the_link_is_not_replaced(tmp_path, records, capsys):
    engagement, _ = records
    respond(InvitationFactory(engagement=engagement, email="a@example.org"), satisfaction="neither")
    path = write(tmp_path, "CPC-2020-0001,council,a@example.org,2020-11-02,very_satisfied,,,,,\n")
    with pytest.raises(CommandError):
        call_command("import_survey_responses", str(path))
    assert "already answered this survey through the link" in capsys.readouterr().err


def test_a_file_with_wrong_columns_or_missing_is_refused(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("engagement,audience\nX,council\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_survey_responses", str(path))
    assert "Line 1: The header row is missing: respondent_email" in capsys.readouterr().err
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_survey_responses", str(tmp_path / "missing.csv"))


def test_the_documented_example_file_imports_cleanly(capsys):
    engagement = DeliveredEngagementFactory(reference="CPC-2020-0007", offer=offer("CPC"))
    place = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    place.peer.user.email = "peer.one@example.org"
    place.peer.user.save()
    DeliveredEngagementFactory(reference="RCHC-2020-0003", offer=offer("RCHC"))
    example = Path(__file__).resolve().parent.parent / "docs" / "examples" / "survey_responses.csv"

    call_command("import_survey_responses", str(example))

    assert "4 created" in capsys.readouterr().out
