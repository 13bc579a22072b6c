"""Create the notification schedules in django-celery-beat, so a fresh deployment has them.

The sweep runs every minute; the daily planners at 07:00 Europe/London, away from the
01:00–02:00 hour that daylight-saving changes skip or repeat. Managers can edit both in
the admin; this migration does not overwrite an edited schedule.
"""

from django.db import migrations
from django.utils import timezone

SWEEP = "Notifications: send due emails (sweep)"
DAILY = "Notifications: daily planners"


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    seven_am, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "notifications.sweep",
            "interval": every_minute,
            "description": "Deliver due notifications and settle stale handovers.",
            # A sweep not started within 50 seconds is dropped: the next one is due.
            "expire_seconds": 50,
        },
    )
    PeriodicTask.objects.get_or_create(
        name=DAILY,
        defaults={
            "task": "notifications.plan_daily",
            "crontab": seven_am,
            "description": "Queue the day's reminders (every planner in NOTIFICATION_PLANNERS).",
        },
    )
    # Tell a running beat to reload its schedule.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[SWEEP, DAILY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_notification_ledger"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
