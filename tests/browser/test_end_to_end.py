"""The programme end to end in a real Chromium, each person signing in as themselves.

A council asks for a Corporate Peer Challenge and uploads a position statement; a manager
schedules it and invites a suggested team; a peer accepts, confirms their profile and takes
the calendar file; the manager marks it delivered and the council answers the emailed survey;
a stocktake is built by a real Celery worker and the board reads the dashboard; and a council
cannot see another council's engagement. axe (WCAG 2.2 AA) scans every page visited.
"""

import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from celery import Celery
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from programmes import services
from programmes.models import DayMode, Engagement, EngagementStatus, PlaceStatus, TeamPlace
from reports import tasks as report_tasks
from tests import factories
from tests.browser.helpers import (
    assert_accessible,
    assert_error_handling,
    follow,
    screenshot,
    sign_in,
    visit,
)
from tests.factories_matching import MatchableOfficerFactory, MatchablePeerFactory
from tests.factories_reports import build_known_data_set

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKER_REDIS_URL = os.environ.get("BROWSER_WORKER_REDIS_URL", "redis://127.0.0.1:6379/13")


def minimal_pdf() -> bytes:
    """A small, valid one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "private")


def _continue(page) -> None:
    follow(page.get_by_role("button", name="Continue"))


def _fill_date(page, prefix: str, day) -> None:
    page.locator(f"#id_{prefix}_0").fill(str(day.day))
    page.locator(f"#id_{prefix}_1").fill(str(day.month))
    page.locator(f"#id_{prefix}_2").fill(str(day.year))


def _sign_out(page) -> None:
    follow(page.get_by_role("button", name="Sign out"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def _path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


# Journey 1 ---------------------------------------------------------------------------------


def council_requests_a_cpc(page, tmp_path) -> Engagement:
    """A council contact requests a CPC, uploads a position statement, sees it in their list."""
    sign_in(page, "policy@brightwater.example.org", factories.PASSWORD)
    assert_accessible(page)
    visit(page, "/council/request/")
    follow(page.get_by_role("link", name="Corporate Peer Challenge"))
    assert_accessible(page)
    follow(page.get_by_role("button", name="Start now"))
    assert_accessible(page)
    page.get_by_label("Describe the areas").fill("Our medium-term financial plan")
    page.get_by_label("Finance", exact=True).check()
    _continue(page)
    assert_accessible(page)
    page.get_by_label("I understand").check()
    _continue(page)
    assert_accessible(page)
    start = timezone.localdate() + timedelta(days=150)
    _fill_date(page, "preferred_from", start)
    _fill_date(page, "preferred_to", start + timedelta(days=30))
    page.get_by_label("When could your leader").fill("Any Tuesday morning")
    _continue(page)
    assert_accessible(page)
    _continue(page)  # 3 days, the district default
    assert_accessible(page)
    page.get_by_label("No").check()
    _continue(page)
    expect(page).to_have_title(re.compile("Check your answers"))
    assert_accessible(page)
    follow(page.get_by_role("button", name="Accept and send"))
    assert_accessible(page)
    engagement = Engagement.objects.get(offer__code="CPC")
    assert engagement.status == EngagementStatus.REQUESTED

    follow(page.get_by_role("link", name="its page"))
    assert_accessible(page)
    follow(page.get_by_role("link", name="Upload a document"))
    assert_accessible(page)
    document = tmp_path / "position-statement.pdf"
    document.write_bytes(minimal_pdf())
    page.get_by_label("Position statement").check()
    page.get_by_label("Upload a file").set_input_files(str(document))
    follow(page.get_by_role("button", name="Upload document"))
    assert_accessible(page)
    expect(page.get_by_role("link", name="position-statement.pdf")).to_be_visible()

    visit(page, "/council/")
    expect(page.get_by_text(engagement.reference).first).to_be_visible()
    screenshot(page, "e2e-1-council-request-list")
    _sign_out(page)
    return engagement


# Journey 2 ---------------------------------------------------------------------------------


def _change_status(page, label: str) -> None:
    page.get_by_label("New status").select_option(label=label)
    follow(page.get_by_role("button", name="Change status"))
    assert_accessible(page)
    expect(page.get_by_text(f"is now {label.lower()}"), label).to_be_visible()


def manager_invites_a_team(page, engagement: Engagement) -> None:
    """A manager opens the request, schedules it, asks for suggestions and invites a team."""
    first_day = timezone.localdate() + timedelta(days=150)
    # The activity days are agreed at the scoping meeting; no staff page edits them yet.
    services.engagement_activity_days_set(
        engagement=engagement,
        days=[
            (first_day, DayMode.ONSITE),
            (first_day + timedelta(days=1), DayMode.ONSITE),
            (first_day + timedelta(days=2), DayMode.REMOTE),
        ],
    )
    sign_in(page, "pm@example.org", factories.PASSWORD)
    assert_accessible(page)
    visit(page, "/manage/")
    visit(page, "/manage/engagements/")
    follow(page.get_by_role("link", name=engagement.reference).first)
    assert_accessible(page)

    _change_status(page, "Scoping")
    _change_status(page, "Scheduled")

    follow(page.get_by_role("link", name="Suggest a team"))
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggest a team")
    follow(page.get_by_role("button", name="Invite the chosen peers"))
    assert_accessible(page)
    expect(page.get_by_text("invitations sent")).to_be_visible()
    screenshot(page, "e2e-2-manager-team-invited")
    _sign_out(page)


# Journey 3 ---------------------------------------------------------------------------------


def peer_accepts_and_takes_the_calendar(page, place: TeamPlace) -> None:
    """The peer accepts, updates and confirms their profile, downloads the .ics file."""
    sign_in(page, "sam.leader@example.org", factories.PASSWORD)
    assert_accessible(page)
    visit(page, "/peer/invitations/")
    follow(page.get_by_role("link", name=place.engagement.title))
    assert_accessible(page)
    # A single checkbox left unticked: the summary link focuses it.
    follow(page.get_by_role("button", name="Accept invitation"))
    assert_error_handling(page)
    page.get_by_label("I declare that I have no conflict of interest").check()
    follow(page.get_by_role("button", name="Accept invitation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your engagements")
    assert_accessible(page)

    visit(page, "/peer/profile/")
    visit(page, "/peer/profile/contact/")
    page.get_by_label("Job title").fill("Leader and portfolio holder for finance")
    follow(page.get_by_role("button", name="Save"))
    assert_accessible(page)
    assert "Leader and portfolio holder for finance" in page.content()
    visit(page, "/peer/profile/confirm/")
    follow(page.get_by_role("button", name="Confirm my profile is up to date"))
    assert_accessible(page)

    visit(page, "/peer/engagements/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download calendar file")).click()
    ics = download.value
    assert ics.suggested_filename.endswith(".ics")
    assert b"BEGIN:VCALENDAR" in Path(ics.path()).read_bytes()
    screenshot(page, "e2e-3-peer-engagements")
    _sign_out(page)

    place.refresh_from_db()
    place.peer.refresh_from_db()
    assert place.status == PlaceStatus.ACCEPTED
    assert place.peer.job_title == "Leader and portfolio holder for finance"
    assert place.peer.profile_confirmed_on == timezone.localdate()


# Journey 4 ---------------------------------------------------------------------------------


def _answer_every_question(page) -> None:
    names = page.evaluate(
        """() => [...new Set([...document.querySelectorAll(
            'main input[type=radio], main input[type=checkbox]')].map(i => i.name))]"""
    )
    for name in names:
        page.locator(f"main input[name='{name}']").first.check()
    for field in page.locator("main textarea").all():
        field.fill("The team understood our finances and were practical.")
    for field in page.locator("main input[type=text]").all():
        field.fill("9")


def manager_delivers_and_council_answers_the_survey(page, engagement: Engagement) -> None:
    # The other peers accepted by telephone; the manager records it (the team is confirmed
    # only when every place is accepted).
    for place in engagement.places.filter(status=PlaceStatus.INVITED):
        services.team_place_confirm(place=place)
    engagement.refresh_from_db()
    sign_in(page, "pm@example.org", factories.PASSWORD)
    visit(page, f"/manage/engagements/{engagement.pk}/")
    _change_status(page, "Team confirmed")
    _sign_out(page)
    # Delivery cannot start before the first activity day: the clock moves to the last one.
    last_day = datetime.combine(engagement.end_date, datetime.min.time()).replace(hour=17)
    with time_machine.travel(last_day.replace(tzinfo=ZoneInfo("Europe/London"))):
        sign_in(page, "pm@example.org", factories.PASSWORD)
        visit(page, f"/manage/engagements/{engagement.pk}/")
        mail.outbox.clear()
        for label in ("In delivery", "Delivered"):
            _change_status(page, label)
        screenshot(page, "e2e-4-manager-delivered")
        _sign_out(page)
        _council_answers_the_survey(page)


def _council_answers_the_survey(page) -> None:

    message = next(m for m in mail.outbox if m.to == ["policy@brightwater.example.org"])
    url = re.search(r"https?://\S+/surveys/[A-Za-z0-9_-]{20,64}/", message.body).group(0)
    # The emailed link works without signing in.
    visit(page, _path_of(url))
    follow(page.get_by_role("button", name=re.compile("Send|Submit")))
    assert_error_handling(page)
    _answer_every_question(page)
    follow(page.get_by_role("button", name=re.compile("Send|Submit")))
    expect(page).to_have_url(re.compile("/thank-you/"))
    assert_accessible(page)
    screenshot(page, "e2e-4-council-survey-thank-you")


def test_a_cpc_from_request_to_the_councils_survey(page, tmp_path):
    council = factories.DistrictFactory(name="Brightwater District Council")
    factories.CouncilContactFactory(
        email="policy@brightwater.example.org", council=council, first_name="Ada"
    )
    factories.ManagerFactory(email="pm@example.org", first_name="Priya", last_name="Shah")
    leader = MatchablePeerFactory(
        user__email="sam.leader@example.org", user__first_name="Sam", user__last_name="Okafor"
    )
    MatchableOfficerFactory()
    MatchablePeerFactory(role_category="cabinet_member")
    MatchableOfficerFactory(role_category="director")
    MatchableOfficerFactory(role_category="director")

    engagement = council_requests_a_cpc(page, tmp_path)
    manager_invites_a_team(page, engagement)
    place = TeamPlace.objects.get(engagement=engagement, peer=leader)
    assert place.status == PlaceStatus.INVITED
    peer_accepts_and_takes_the_calendar(page, place)
    manager_delivers_and_council_answers_the_survey(page, engagement)


# Journey 5 ---------------------------------------------------------------------------------


def _live_database_url() -> str:
    """The live server's test database, for a worker running in another process."""
    db = django_settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(settings):
    """A real `celery worker` on Redis db 13, reading and writing the live test database."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "journey 5 needs PostgreSQL: the Celery worker is another process and cannot "
            "share SQLite's test database (set DATABASE_URL=postgres://...)"
        )
    try:
        redis.Redis.from_url(WORKER_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {WORKER_REDIS_URL}")
        pytest.skip(f"journey 5 needs Redis at {WORKER_REDIS_URL}")
    redis.Redis.from_url(WORKER_REDIS_URL).flushdb()
    env = {
        **os.environ,
        "REDIS_URL": WORKER_REDIS_URL,
        "DATABASE_URL": _live_database_url(),
        "PRIVATE_MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "peersupport", "worker", "--pool=solo",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    yield Celery(broker=WORKER_REDIS_URL, backend=WORKER_REDIS_URL, set_as_current=False)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.worker
@pytest.mark.postgres
def test_a_stocktake_built_by_a_real_worker_and_the_board_dashboard(
    page, celery_worker_process, monkeypatch
):
    build_known_data_set()
    factories.ManagerFactory(email="pm@example.org")
    factories.BoardMemberFactory(email="board@example.org")
    # The live server queues eagerly by default; send the build to the real worker instead.
    monkeypatch.setattr(
        report_tasks.report_job_build,
        "delay",
        lambda job_id: celery_worker_process.send_task("reports.report_job_build", args=[job_id]),
    )

    sign_in(page, "pm@example.org", factories.PASSWORD)
    visit(page, "/board/reports/")
    visit(page, "/board/reports/stocktake/new/")
    _fill_date(page, "period_from", date(2020, 7, 1))
    _fill_date(page, "period_to", date(2020, 11, 30))
    _continue(page)
    assert_accessible(page)
    # The progress page reloads itself on a 2-second timer; axe on a loaded machine can take
    # longer than that and would be cut off by the reload. Hold the page's clock still while
    # axe scans whichever page the build leads to, then let it run.
    page.clock.install()
    page.clock.pause_at(datetime.now() + timedelta(seconds=1))
    follow(page.get_by_role("button", name="Build the stocktake"))
    # the progress page, or the report if the worker was quick
    assert_accessible(page, clock_paused=True)
    page.clock.resume()
    heading = page.get_by_role("heading", level=1, name="Stocktake of the peer support programme")
    started = time.monotonic()
    heading.wait_for(timeout=120_000)  # the page refreshes itself until the job is done
    assert time.monotonic() - started < 120
    assert_accessible(page)
    assert "6 programmes of peer support were delivered" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF for a board paper").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF-")
    screenshot(page, "e2e-5-manager-stocktake")
    _sign_out(page)

    sign_in(page, "board@example.org", factories.PASSWORD)
    visit(page, "/board/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Board dashboard")
    charts = page.locator("figure.app-chart-figure svg")
    assert charts.count() >= 2
    assert all(chart.is_visible() for chart in charts.all())
    screenshot(page, "e2e-5-board-dashboard")


# Journey 6 ---------------------------------------------------------------------------------


def test_a_council_cannot_open_another_councils_engagement(page):
    from tests.factories_records import ScheduledEngagementFactory

    ours, theirs = factories.CouncilFactory(), factories.CouncilFactory()
    mine = ScheduledEngagementFactory(councils=[ours])
    other = ScheduledEngagementFactory(councils=[theirs])
    factories.CouncilContactFactory(email="clerk@ours.example.org", council=ours)
    sign_in(page, "clerk@ours.example.org", factories.PASSWORD)
    visit(page, f"/council/engagements/{mine.reference}/")
    for path in (
        f"/council/engagements/{other.reference}/",
        f"/council/engagements/{other.reference}/documents/new/",
        f"/council/engagements/{other.reference}/change/",
    ):
        response = page.goto(path)
        assert response.status == 404, path
        assert_accessible(page)
        assert other.title not in page.content()
    screenshot(page, "e2e-6-council-not-found")
