"""Council portal tasks: thin, take ids, call one service, safe to run twice (unique keys)."""

from celery import shared_task

from councils import services


@shared_task(name="councils.engagement_request_received")
def engagement_request_received(engagement_id: int) -> int:
    """Email the council contact a confirmation and the programme managers an alert."""
    return services.engagement_request_notifications_queue(engagement_id=engagement_id)


@shared_task(name="councils.change_request_received")
def change_request_received(change_request_id: int) -> int:
    """Tell the programme managers a council asked to postpone or cancel."""
    return services.change_request_notifications_queue(change_request_id=change_request_id)
