"""Survey tasks: thin, take ids, call one service, safe to run twice."""

import logging

from celery import shared_task

from surveys import services

logger = logging.getLogger(__name__)


@shared_task(name="surveys.invitations_send")
def survey_invitations_send_task(engagement_id: int, to_status: str) -> int:
    """Send the surveys that follow an engagement reaching `to_status`; return emails queued.

    Idempotent: invitations are unique per (survey, engagement, email) and each email has
    a unique notification key, so a retried or repeated task queues nothing new.
    """
    queued = services.survey_invitations_send(engagement_id=engagement_id, to_status=to_status)
    logger.info(
        "Engagement %s reached %s: %s survey email(s) queued", engagement_id, to_status, queued
    )
    return queued
