"""The progress bar with a REAL Celery worker: the page shows the job's progress, then the report.

PostgreSQL only: the worker is a separate process that must see the test database.
"""

import os
import subprocess
import sys
import time
from datetime import date

import pytest
import redis
from celery import Celery
from django.db import connection
from django.urls import reverse

from reports import tasks
from reports.models import JobStatus, ReportJob
from tests.factories import ManagerFactory
from tests.factories_reports import build_known_data_set

REDIS_URL = os.environ.get("REPORTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def report_worker(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("The real-worker test needs PostgreSQL (set DATABASE_URL)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings.MEDIA_ROOT = str(tmp_path / "private")
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": _database_url(),
        "PRIVATE_MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "peersupport",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--max-tasks-per-child=50",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_progress_bar_follows_a_real_worker(client, report_worker, monkeypatch):
    """Given a manager asks for a stocktake, when a real worker builds it, then the page
    shows its progress (refreshing without JavaScript) and finally the report."""
    build_known_data_set()
    # The test process runs tasks eagerly; send this one to the real worker through Redis.
    monkeypatch.setattr(
        tasks.report_job_build,
        "delay",
        lambda job_id: report_worker.send_task("reports.report_job_build", args=[job_id]),
    )
    client.force_login(ManagerFactory())
    session = client.session
    session["reports_stocktake_draft"] = {
        "period_from": "2020-07-01",
        "period_to": "2020-11-30",
        "planned_until": "2021-03-31",
        "offers": [],
    }
    session.save()
    response = client.post(reverse("reports:stocktake_content"), {"recommendations": ""})
    job = ReportJob.objects.get()
    url = reverse("reports:report_detail", args=[job.pk])
    assert response["Location"] == url

    seen_progress, pages = set(), []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen_progress.add(job.progress)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        pages.append(client.get(url).content.decode())
        time.sleep(0.02)
    assert job.status == JobStatus.DONE, job.error
    assert pages, "the progress page was never shown"
    assert '<meta http-equiv="refresh" content="2">' in pages[0]
    assert '<progress id="report-progress"' in pages[0]
    assert any(0 < value < 100 for value in seen_progress), seen_progress
    assert job.code_version and job.data_as_of and job.result["totals"]["delivered"] == 6
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at

    page = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "6 programmes of peer support were delivered" in page
    pdf = client.get(reverse("reports:report_download", args=[job.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert date.fromisoformat(job.result["period"]["to"]) == date(2020, 11, 30)
