# The delivered-in-period condition (end date in the period) of stocktakes and the board
# dashboard: a range scan instead of reading every engagement, in each of its queries.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0005_engagement_agenda"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="engagement",
            index=models.Index(fields=["end_date"], name="engagement_end_date_idx"),
        ),
    ]
