"""Matching tasks: long allocation runs go to a worker; progress is kept on the run."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="programmes.allocation_run_execute", soft_time_limit=240, time_limit=300)
def allocation_run_execute(run_id: int) -> None:
    """Solve one allocation run and store its proposal (safe to run twice)."""
    from programmes.matching.services import allocation_run_execute as execute

    run = execute(run_id=run_id)
    logger.info("Allocation run %s: %s (objective %s)", run_id, run.status, run.objective)
