"""The survey reminder planner, run daily by notifications.plan_daily.

Listed in settings.NOTIFICATION_PLANNERS. Reminders go 7 and 14 days after the
invitation to those who have not answered, while the survey is open. Each reminder's key
names the invitation and the step, so a re-run (or a catch-up day) sends nothing twice,
and answering stops the chasing because answered invitations are left out.
"""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from notifications.days import is_due
from surveys.models import Invitation
from surveys.services import survey_reminder_queue

REMINDER_DAYS = (7, 14)


def survey_reminders_plan(*, today: date) -> int:
    """Queue the 7- and 14-day reminders due today; return how many were newly queued."""
    reminder_days = getattr(settings, "SURVEY_REMINDER_DAYS", REMINDER_DAYS)
    oldest = today - timedelta(days=max(reminder_days) + settings.NOTIFICATION_CATCH_UP_DAYS)
    invitations = (
        Invitation.objects.filter(
            sent_at__isnull=False,
            sent_at__date__gte=oldest,
            response__isnull=True,
            closes_at__gt=timezone.now(),
        )
        .select_related("template", "engagement__offer", "council", "user")
        .order_by("id")
    )
    queued = 0
    for invitation in invitations:
        sent_on = timezone.localdate(invitation.sent_at)
        for days in reminder_days:
            if is_due(sent_on + timedelta(days=days), today):
                queued += survey_reminder_queue(invitation=invitation, step=f"reminder_{days}d")
    return queued
