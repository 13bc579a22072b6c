"""Programme tasks: thin, take ids, call services of the domains that react.

Other domains add their reaction here (surveys on delivery, invitation emails, …) so a
status change has one place that says what follows it.
"""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="programmes.engagement_status_changed")
def engagement_status_changed(engagement_id: int, from_status: str, to_status: str) -> None:
    """React to a status change: surveys, notifications (added by those domains)."""
    logger.info("Engagement %s moved %s → %s", engagement_id, from_status, to_status)


@shared_task(name="programmes.team_place_invited")
def team_place_invited(place_id: int) -> None:
    """Send the invitation to the peer (the notifications mechanism)."""
    logger.info("Team place %s invited", place_id)


@shared_task(name="programmes.team_place_answered")
def team_place_answered(place_id: int) -> None:
    """Tell the engagement's manager the peer answered."""
    logger.info("Team place %s answered", place_id)
