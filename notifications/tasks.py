"""Celery tasks of the notification mechanism: thin, taking ids, safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from notifications import services


@shared_task(bind=True, name="notifications.deliver", max_retries=None)
def notification_deliver_task(self, notification_id: int) -> str:
    """Deliver one notification at most once; retry temporary failures with backoff.

    The ledger row decides: a row that is no longer pending and due is skipped, so a
    duplicated or redelivered task message sends nothing. The number of attempts is
    capped by the service (settings.NOTIFICATION_MAX_ATTEMPTS), not by Celery. The
    retry countdown is at most 30 minutes, well inside the broker's visibility timeout.
    """
    result = services.notification_deliver(notification_id=notification_id)
    if result.outcome == services.Outcome.RETRY and not self.request.is_eager:
        raise self.retry(countdown=result.retry_in)
    return result.outcome


@shared_task(name="notifications.sweep")
def notifications_sweep(handover_timeout_seconds: int | None = None) -> dict[str, int]:
    """Settle stale handovers and deliver due pending notifications (beat: every minute)."""
    timeout = (
        None if handover_timeout_seconds is None else timedelta(seconds=handover_timeout_seconds)
    )
    return services.notifications_sweep_run(handover_timeout=timeout)


@shared_task(name="notifications.plan_daily")
def notifications_plan_daily() -> dict[str, int]:
    """Run every notification planner for today (beat: daily at 07:00 Europe/London)."""
    return services.notification_planners_run(today=timezone.localdate())
