"""DIP write-ups recorded by managers, and the national rough-sleeping report across panels."""

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from councils.models import Region
from reports import services
from reports.models import DIPWriteUp
from reports.render.html import render_html
from reports.render.xlsx import render_xlsx
from reports.rough_sleeping import rough_sleeping_compute
from tests.factories import CouncilFactory, ManagerFactory
from tests.factories_reports import engagement_with_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def panels():
    a = CouncilFactory(name="Alpha", region=Region.NORTH_WEST)
    b = CouncilFactory(name="Beta", region=Region.NORTH_WEST)
    d = CouncilFactory(name="Delta", region=Region.LONDON)
    manager = ManagerFactory()
    one = engagement_with_days("DIP", "delivered", [a, b], [date(2021, 5, 10)])
    two = engagement_with_days("DIP", "feedback_issued", [d], [date(2021, 6, 1)])
    outside = engagement_with_days("DIP", "closed", [d], [date(2020, 1, 1)])
    bespoke = engagement_with_days("BRPS", "delivered", [a], [date(2021, 5, 10)])
    services.dip_write_up_record(
        engagement=one,
        user=manager,
        strengths="Strong partnership with health.",
        gaps="=Data on hidden homelessness.",
    )
    services.dip_write_up_record(engagement=outside, user=manager, strengths="Old panel.")
    return {"one": one, "two": two, "outside": outside, "bespoke": bespoke, "manager": manager}


def test_the_report_aggregates_the_panels_of_the_period(panels):
    result = rough_sleeping_compute(period_from="2021-04-01", period_to="2022-03-31")
    assert result["totals"] == {
        "panels": 2,
        "councils": 3,
        "write_ups": 1,
        "panels_without_write_up": 1,
    }
    assert result["regions"]["North West"] == {"panels": 1, "councils": 2}
    assert result["regions"]["London"] == {"panels": 1, "councils": 1}
    assert result["strengths"] == [
        {
            "engagement": panels["one"].reference,
            "councils": ["Alpha", "Beta"],
            "text": "Strong partnership with health.",
        }
    ]
    assert result["good_practice"] == [] and result["emerging_issues"] == []
    assert [p["engagement"] for p in result["panels"]] == [
        panels["one"].reference,
        panels["two"].reference,
    ]
    checks = {check["code"]: check for check in result["data_checks"]}
    assert checks["panels_without_write_up"]["examples"] == [panels["two"].reference]
    assert checks["delivered_without_team"]["count"] == 2


def test_the_report_renders_in_every_format_from_one_result(panels):
    result = rough_sleeping_compute(period_from="2021-04-01", period_to="2022-03-31")
    html = render_html(result).decode()
    assert "2 Delivery and Impact Panels met with 3 councils" in html
    assert "Strong partnership with health." in html
    workbook = load_workbook(BytesIO(render_xlsx(result)))
    assert "Strengths" in workbook.sheetnames and "Gaps" in workbook.sheetnames
    gaps = list(workbook["Gaps"].iter_rows(min_row=2, values_only=True))
    assert gaps[0][2] == "'=Data on hidden homelessness."


def test_only_panels_have_write_ups_and_one_section_is_needed(panels):
    with pytest.raises(ValidationError, match="Delivery and Impact Panel"):
        services.dip_write_up_record(
            engagement=panels["bespoke"], user=panels["manager"], strengths="x"
        )
    with pytest.raises(ValidationError, match="Enter at least one"):
        services.dip_write_up_record(engagement=panels["two"], user=panels["manager"])
    assert not DIPWriteUp.objects.filter(engagement=panels["two"]).exists()


def test_recording_again_updates_the_write_up(panels):
    services.dip_write_up_record(
        engagement=panels["one"], user=panels["manager"], emerging_issues="Move-on housing."
    )
    write_up = DIPWriteUp.objects.get(engagement=panels["one"])
    assert write_up.emerging_issues == "Move-on housing."
    assert write_up.strengths == ""
    assert write_up.history.count() == 2


def test_managers_record_write_ups_in_the_admin(client, panels):
    client.force_login(panels["manager"])
    response = client.post(
        reverse("admin:reports_dipwriteup_add"),
        {
            "engagement": panels["two"].pk,
            "strengths": "Good data sharing.",
            "good_practice": "",
            "emerging_issues": "",
            "gaps": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    write_up = DIPWriteUp.objects.get(engagement=panels["two"])
    assert write_up.recorded_by == panels["manager"]
    response = client.post(
        reverse("admin:reports_dipwriteup_add"),
        {"engagement": panels["bespoke"].pk, "strengths": "x"},
    )
    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()  # only DIP panels can be chosen
    assert not DIPWriteUp.objects.filter(engagement=panels["bespoke"]).exists()


BLANK_WRITE_UP = {"strengths": "", "good_practice": " ", "emerging_issues": "", "gaps": ""}


def test_a_blank_write_up_in_the_admin_is_refused_with_a_message(client, panels):
    client.force_login(panels["manager"])

    response = client.post(
        reverse("admin:reports_dipwriteup_add"),
        {"engagement": panels["two"].pk, **BLANK_WRITE_UP},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Enter at least one of strengths, good practice, issues or gaps" in html
    assert not DIPWriteUp.objects.filter(engagement=panels["two"]).exists()


def test_blanking_a_write_up_in_the_admin_changes_nothing(client, panels):
    client.force_login(panels["manager"])
    write_up = DIPWriteUp.objects.get(engagement=panels["one"])
    url = reverse("admin:reports_dipwriteup_change", args=[write_up.pk])

    response = client.post(url, {"engagement": panels["one"].pk, **BLANK_WRITE_UP})

    assert response.status_code == 200
    assert "Enter at least one of strengths" in response.content.decode()
    write_up.refresh_from_db()
    assert write_up.strengths == "Strong partnership with health."
    assert write_up.history.count() == 1


def test_an_old_version_of_a_write_up_is_read_not_reverted(client, panels):
    client.force_login(panels["manager"])
    write_up = DIPWriteUp.objects.get(engagement=panels["one"])
    version = write_up.history.get()
    url = reverse("admin:reports_dipwriteup_simple_history", args=[write_up.pk, version.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"strengths": "", "gaps": ""})

    assert response.status_code == 403
    write_up.refresh_from_db()
    assert write_up.strengths == "Strong partnership with health."
