"""Day arithmetic for notification schedules: quarters and the catch-up rule.

Month and year windows (training validity, profile staleness, financial years) are
defined once in ``programmes.periods``.

Response-time days (calendar or England and Wales working days, per
settings.INVITATION_WORKING_DAYS) are counted by the one helper the records use,
``programmes.dates.add_response_days``; nothing here counts working days again.
"""

from datetime import date, timedelta

from django.conf import settings


def quarter_of(day: date) -> str:
    """Return the calendar quarter of a day, for example "2025-Q2"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def is_due(due: date, today: date) -> bool:
    """Return True when a step due on ``due`` should be queued on ``today``.

    A step is queued on its day, or within settings.NOTIFICATION_CATCH_UP_DAYS after it
    so that a day without a planner run (an outage) is caught up; the unique key keeps
    it to one email however many runs see it due.
    """
    return due <= today < due + timedelta(days=settings.NOTIFICATION_CATCH_UP_DAYS)
