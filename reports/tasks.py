"""Report tasks: take ids, call one service. Run by the worker started with
--max-tasks-per-child=50 (Makefile, docker compose): WeasyPrint is memory-hungry, so its
child process is replaced after a bounded number of tasks."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="reports.report_job_build", acks_late=True)
def report_job_build(job_id: int) -> str:
    """Build one report job (compute, then render HTML, PDF and XLSX)."""
    from reports.services import report_job_build as build

    job = build(job_id=job_id)
    status = job.status if job else "skipped or failed"
    logger.info("Report job %s: %s", job_id, status)
    return str(status)


@shared_task(name="reports.dashboard_warm")
def dashboard_warm() -> bool:
    """Keep the board dashboard's figures for this year in the cache (beat: every 5 minutes)."""
    from reports.selectors import board_dashboard_warm

    return board_dashboard_warm()
