from django.db import migrations, models

SECRET_KINDS = ["peer_account_invite"]
REMOVED_NOTE = "Removed after sending: this email contained a single-use sign-in link."


def existing_invitations_mark_secret(apps, schema_editor):
    """Mark account invitations already in the ledger as secret; blank the finished ones.

    Their bodies hold a set-password link that managers could read in the admin.
    """
    Notification = apps.get_model("notifications", "Notification")
    secret = Notification.objects.filter(kind__in=SECRET_KINDS)
    secret.update(contains_secret=True)
    secret.filter(status__in=["sent", "failed"]).update(
        body_text=REMOVED_NOTE, body_html=REMOVED_NOTE
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_beat_schedules"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="contains_secret",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The email holds a single-use sign-in link: its body is hidden in the "
                    "admin, removed once sent or failed, and it cannot be resent."
                ),
            ),
        ),
        # Removed bodies cannot come back; reversing leaves the rows as they are.
        migrations.RunPython(existing_invitations_mark_secret, migrations.RunPython.noop),
    ]
