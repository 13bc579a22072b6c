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
    from surveys.tasks import survey_invitations_send_task  # surveys follow delivery and more

    survey_invitations_send_task.delay(engagement_id, to_status)


@shared_task(name="programmes.team_place_invited")
def team_place_invited(place_id: int) -> None:
    """Send the invitation to the peer, with a link to the invitation page."""
    from peers.services import team_place_invitation_send

    queued = team_place_invitation_send(place_id=place_id)
    logger.info("Team place %s invited (%s email queued)", place_id, queued)


@shared_task(name="programmes.team_place_answered")
def team_place_answered(place_id: int) -> None:
    """Tell the engagement's manager (or every manager) the peer answered."""
    from peers.services import team_place_answer_send

    queued = team_place_answer_send(place_id=place_id)
    logger.info("Team place %s answered (%s email queued)", place_id, queued)


@shared_task(name="programmes.team_place_withdrawn")
def team_place_withdrawn(place_id: int, reason: str = "") -> None:
    """Tell the peer their place was withdrawn."""
    from peers.services import team_place_withdrawn_send

    queued = team_place_withdrawn_send(place_id=place_id, reason=reason)
    logger.info("Team place %s withdrawn (%s email queued)", place_id, queued)


@shared_task(name="programmes.engagement_council_notice")
def engagement_council_notice(engagement_id: int, to_status: str) -> None:
    """Tell the council's contacts their engagement was cancelled or postponed."""
    from councils.services import engagement_status_notice_send

    queued = engagement_status_notice_send(engagement_id=engagement_id, to_status=to_status)
    logger.info("Engagement %s %s (%s council email queued)", engagement_id, to_status, queued)


# Matching tasks live in their own module; importing it here registers them with Celery.
from programmes.tasks_matching import allocation_run_execute  # noqa: E402, F401
