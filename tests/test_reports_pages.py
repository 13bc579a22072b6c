"""The reports pages: who may see what, the stocktake journey, downloads, the dashboard."""

import json
from datetime import date
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from peers.models import EqualitiesAnswers
from programmes.models import ImprovementAction
from reports import services
from reports.models import JobStatus, ReportJob, ReportKind
from tests.factories import (
    BoardMemberFactory,
    CouncilContactFactory,
    DirectorFactory,
    GroupOfficeFactory,
    ManagerFactory,
)
from tests.factories_records import PeerFactory
from tests.factories_reports import (
    DIPWriteUpFactory,
    ReportJobFactory,
    build_known_data_set,
    build_volume,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Built reports are stored privately: in a temporary folder for the tests."""
    settings.MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _built_job(user=None, **parameters) -> ReportJob:
    job = services.report_job_request(
        user=user or ManagerFactory(),
        kind=ReportKind.STOCKTAKE,
        period_from=parameters.pop("period_from", date(2020, 7, 1)),
        period_to=parameters.pop("period_to", date(2020, 11, 30)),
        **parameters,
    )
    return services.report_job_build(job_id=job.pk)


def _roles():
    return {
        "council contact": CouncilContactFactory(),
        "peer": PeerFactory().user,
        "group office": GroupOfficeFactory(),
        "board member": BoardMemberFactory(),
        "manager": ManagerFactory(),
        "director": DirectorFactory(),
    }


BOARD_PAGES = ["reports:dashboard", "reports:report_list"]
MANAGER_PAGES = [
    "reports:stocktake_new",
    "reports:rough_sleeping_new",
    "reports:peer_pool",
    "reports:day_caps",
]


def test_every_page_sends_anonymous_visitors_to_sign_in(client):
    job = ReportJobFactory(status=JobStatus.DONE, result={})
    urls = [reverse(name) for name in BOARD_PAGES + MANAGER_PAGES] + [
        reverse("reports:stocktake_content"),
        reverse("reports:report_detail", args=[job.pk]),
        reverse("reports:report_download", args=[job.pk, "json"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize(
    ("role", "board_pages", "manager_pages"),
    [
        ("council contact", 403, 403),
        ("peer", 403, 403),
        ("group office", 403, 403),
        ("board member", 200, 403),
        ("manager", 200, 200),
        ("director", 200, 200),
    ],
)
def test_pages_per_role(client, role, board_pages, manager_pages):
    user = _roles()[role]
    client.force_login(user)
    for name in BOARD_PAGES:
        assert client.get(reverse(name)).status_code == board_pages, name
    for name in MANAGER_PAGES:
        assert client.get(reverse(name)).status_code == manager_pages, name


def test_a_finished_report_is_open_to_the_board_but_its_progress_is_not(client):
    owner = ManagerFactory()
    done = _built_job(user=owner)
    running = ReportJobFactory(owner=owner, status=JobStatus.RUNNING, progress=40)
    client.force_login(BoardMemberFactory())
    assert client.get(reverse("reports:report_detail", args=[done.pk])).status_code == 200
    assert client.get(reverse("reports:report_detail", args=[running.pk])).status_code == 404
    assert client.get(reverse("reports:report_detail", args=[99999])).status_code == 404
    listed = client.get(reverse("reports:report_list")).content.decode()
    assert f"Stocktake {done.pk}" in listed
    assert f"Stocktake {running.pk}" not in listed
    for fmt in ("html", "pdf", "xlsx", "json"):
        url = reverse("reports:report_download", args=[done.pk, fmt])
        assert client.get(url).status_code == 200, fmt
    assert (
        client.get(reverse("reports:report_download", args=[running.pk, "json"])).status_code == 404
    )
    assert client.get(reverse("reports:report_download", args=[done.pk, "exe"])).status_code == 404
    client.force_login(CouncilContactFactory())
    assert client.get(reverse("reports:report_detail", args=[done.pk])).status_code == 403


def test_progress_is_shown_to_the_owner_and_managers_with_a_refresh(client):
    owner = ManagerFactory()
    job = ReportJobFactory(
        owner=owner, status=JobStatus.RUNNING, progress=60, progress_message="Laying out the PDF"
    )
    for user in (owner, ManagerFactory()):
        client.force_login(user)
        page = client.get(reverse("reports:report_detail", args=[job.pk])).content.decode()
        assert '<meta http-equiv="refresh" content="2">' in page
        assert '<progress id="report-progress" class="app-progress" max="100" value="60">' in page
        assert "60% done: Laying out the PDF" in page
        assert "<script>" not in page


def test_a_failed_job_says_so_without_the_error(client):
    job = ReportJobFactory(status=JobStatus.FAILED, error="KeyError: secret detail")
    client.force_login(job.owner)
    page = client.get(reverse("reports:report_detail", args=[job.pk])).content.decode()
    assert "The report could not be built" in page
    assert "secret detail" not in page
    assert 'http-equiv="refresh"' not in page


def test_the_stocktake_journey_builds_a_report_in_the_background(
    client, django_capture_on_commit_callbacks
):
    known = build_known_data_set()
    manager = ManagerFactory()
    client.force_login(manager)
    response = client.post(
        reverse("reports:stocktake_new"),
        {
            "period_from_0": "1",
            "period_from_1": "7",
            "period_from_2": "2020",
            "period_to_0": "30",
            "period_to_1": "11",
            "period_to_2": "2020",
            "offers": ["RRP", "BRPS"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:stocktake_content")
    page = client.get(response["Location"]).content.decode()
    assert "31 March 2021" in page  # the default 'planned until'
    assert "A chatbot guided residents to support." in page  # a good-practice candidate
    e1 = known["engagements"]["E1"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("reports:stocktake_content"),
            {
                "recommendations": "Share good practice.\r\n\r\nKeep onsite work for CPCs.",
                "good_practice": [str(e1.pk)],
            },
        )
    assert len(callbacks) == 1
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("reports:report_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.progress == 100
    assert job.owner == manager
    assert job.parameters["offers"] == ["BRPS", "RRP"]
    assert job.result["totals"]["delivered"] == 4
    assert job.result["recommendations"] == ["Share good practice.", "Keep onsite work for CPCs."]
    assert [g["engagement"] for g in job.result["good_practice"]] == [e1.reference]
    assert job.code_version and job.data_as_of
    page = client.get(response["Location"]).content.decode()
    assert "Recommendation 2" in page and "Keep onsite work for CPCs." in page


def test_the_forms_refuse_bad_periods_with_gov_uk_wording(client):
    client.force_login(ManagerFactory())
    response = client.post(
        reverse("reports:stocktake_new"),
        {
            "period_from_0": "1",
            "period_from_1": "12",
            "period_from_2": "2020",
            "period_to_0": "",
            "period_to_1": "",
            "period_to_2": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Error: " in page
    assert "Enter the last day of the period" in page
    response = client.post(
        reverse("reports:rough_sleeping_new"),
        {
            "period_from_0": "1",
            "period_from_1": "12",
            "period_from_2": "2020",
            "period_to_0": "1",
            "period_to_1": "11",
            "period_to_2": "2020",
        },
    )
    assert "The last day must be the same as or after the first day" in response.content.decode()
    assert not ReportJob.objects.exists()


def test_step_two_without_step_one_goes_back_to_step_one(client):
    client.force_login(ManagerFactory())
    response = client.get(reverse("reports:stocktake_content"))
    assert response["Location"] == reverse("reports:stocktake_new")


def test_board_members_cannot_ask_for_reports(client):
    client.force_login(BoardMemberFactory())
    response = client.post(reverse("reports:stocktake_content"), {"recommendations": "x"})
    assert response.status_code == 403
    assert not ReportJob.objects.exists()


def test_downloads_all_come_from_the_one_frozen_result(client):
    known = build_known_data_set()
    job = _built_job(recommendations=["Keep going"])
    client.force_login(BoardMemberFactory())
    data = json.loads(client.get(reverse("reports:report_download", args=[job.pk, "json"])).content)
    assert data == json.loads(json.dumps(job.result))
    xlsx = b"".join(
        client.get(reverse("reports:report_download", args=[job.pk, "xlsx"])).streaming_content
    )
    workbook = load_workbook(BytesIO(xlsx))
    totals = {row[0]: row[1] for row in workbook["Totals"].iter_rows(min_row=2, values_only=True)}
    assert totals == data["totals"]
    html = b"".join(
        client.get(reverse("reports:report_download", args=[job.pk, "html"])).streaming_content
    ).decode()
    assert f"{data['totals']['delivered']} programmes of peer support were delivered" in html
    pdf = client.get(reverse("reports:report_download", args=[job.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")

    # The snapshot is frozen: changing the records changes no download.
    known["engagements"]["E1"].councils.clear()
    job.refresh_from_db()
    assert job.result["totals"] == data["totals"]


def test_building_twice_leaves_a_finished_report_alone():
    job = _built_job()
    finished_at = job.finished_at
    assert services.report_job_build(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.finished_at == finished_at


def test_a_failing_build_is_recorded_as_failed(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "stocktake_compute", broken)
    job = services.report_job_request(
        user=ManagerFactory(),
        kind=ReportKind.STOCKTAKE,
        period_from=date(2020, 7, 1),
        period_to=date(2020, 11, 30),
    )
    assert services.report_job_build(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "database went away" in job.error


def _personal_data(known) -> list[str]:
    values = []
    for peer in known["peers"].values():
        values += [peer.user.first_name, peer.user.last_name, peer.user.email]
    return values


def test_no_page_open_to_the_board_shows_a_person(client, django_capture_on_commit_callbacks):
    known = build_known_data_set()
    for peer in known["peers"].values():
        EqualitiesAnswers.objects.create(
            peer=peer, consent_given_at="2020-01-01T00:00:00Z", sex="female"
        )
    ImprovementAction.objects.create(
        engagement=known["engagements"]["E2"], recommendation="Refresh the plan", progress="done"
    )
    DIPWriteUpFactory()
    stocktake = _built_job(user=ManagerFactory(first_name="Magnolia", last_name="Reportwright"))
    rough = services.report_job_request(
        user=ManagerFactory(),
        kind=ReportKind.ROUGH_SLEEPING,
        period_from=date(2020, 1, 1),
        period_to=date(2030, 1, 1),
    )
    rough = services.report_job_build(job_id=rough.pk)
    board = BoardMemberFactory(first_name="Boardy", last_name="Member")
    client.force_login(board)
    pages = [
        reverse("reports:dashboard"),
        reverse("reports:dashboard") + "?year=2020",
        reverse("reports:report_list"),
        reverse("accounts:board_home"),
    ]
    for job in (stocktake, rough):
        pages.append(reverse("reports:report_detail", args=[job.pk]))
        for fmt in ("html", "json"):
            pages.append(reverse("reports:report_download", args=[job.pk, fmt]))
    forbidden = _personal_data(known) + [stocktake.owner.email, stocktake.owner.last_name]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        for value in forbidden:
            assert value not in body, (url, value)
    # Seven peers shared "female": shown as a count; every other answer is 0.
    dashboard = client.get(reverse("reports:dashboard") + "?year=2020").content.decode()
    assert "Diversity of the pool" in dashboard


def test_diversity_counts_below_five_are_suppressed():
    from peersupport.suppression import suppress

    assert suppress({"a": 10, "b": 3, "c": 0, "d": 7}) == {"a": 10, "b": None, "c": 0, "d": None}
    assert suppress({"a": 10, "b": 3, "c": 4}) == {"a": 10, "b": None, "c": None}
    assert suppress({"a": 10, "b": 12}) == {"a": 10, "b": 12}


def test_the_dashboard_shows_withheld_counts(client):
    peers = [PeerFactory() for _ in range(8)]
    for index, peer in enumerate(peers):
        EqualitiesAnswers.objects.create(
            peer=peer,
            consent_given_at="2020-01-01T00:00:00Z",
            sex="female" if index < 6 else "male",
        )
    client.force_login(BoardMemberFactory())
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert "withheld" in page
    assert ">2<" not in page.split("Diversity of the pool")[1].split("Day-cap use")[0]


def _dashboard_queries(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    return len(captured)


def test_dashboard_queries_do_not_grow_with_the_data(client):
    client.force_login(BoardMemberFactory())
    today = date.today()
    build_volume(2, on=today)
    small = _dashboard_queries(client)
    build_volume(6, on=today)
    large = _dashboard_queries(client)
    assert small == large


def test_the_dashboard_is_cached_until_records_change(client):
    client.force_login(BoardMemberFactory())
    build_volume(2, on=date.today())
    first = _dashboard_queries(client)
    with CaptureQueriesContext(connection) as cached:
        page = client.get(reverse("reports:dashboard")).content.decode()
    assert len(cached) < first / 3
    assert "Figures as of" in page
    assert ">2</span> engagements delivered" in page
    build_volume(1, on=date.today())
    with CaptureQueriesContext(connection) as recomputed:
        page = client.get(reverse("reports:dashboard")).content.decode()
    assert len(recomputed) >= first - 2
    assert ">3</span> engagements delivered" in page


def test_managers_see_the_peer_pool_and_day_cap_reports(client):
    peer = PeerFactory(user__first_name="Octavia", user__last_name="Busy")
    build_volume(1, on=date.today())
    client.force_login(ManagerFactory())
    page = client.get(reverse("reports:day_caps")).content.decode()
    assert "Octavia Busy" in page
    page = client.get(reverse("reports:peer_pool")).content.decode()
    assert "Peer-pool report" in page
    assert peer.user.email not in page


def test_the_day_cap_report_query_count_is_constant(client):
    client.force_login(ManagerFactory())
    build_volume(2)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("reports:day_caps"))
    build_volume(6)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("reports:day_caps"))
    assert len(small) == len(large)
