"""Create the beat schedule that keeps the board dashboard's figures in the cache.

Every 5 minutes the worker rebuilds this year's figures if the records changed, so board
members read them from the cache instead of waiting for them. Editable in the admin; this
migration does not overwrite an edited schedule.
"""

from django.db import migrations
from django.utils import timezone

NAME = "Reports: keep the board dashboard warm"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "reports.dashboard_warm",
            "interval": every_five_minutes,
            "description": "Rebuild this year's board dashboard figures when the records changed.",
            "expire_seconds": 240,
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_report_jobs_and_dip_write_ups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
