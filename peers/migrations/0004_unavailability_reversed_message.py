# The check constraint's message in the words of peers.services and the peer portal, so a
# reversed period is refused alike by the portal, the admin's forms and the services.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("peers", "0003_training_waiver_approval"),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name="unavailability",
            name="unavailability_ends_after_start",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                name="unavailability_ends_after_start",
                violation_error_message="The last day must be the same as or after the first day",
            ),
        ),
    ]
