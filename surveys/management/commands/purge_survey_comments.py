"""Blank survey free text older than SURVEY_FREE_TEXT_RETENTION_DAYS (default 730)."""

from django.core.management.base import BaseCommand

from surveys.erasure import survey_free_text_purge, survey_free_text_retention_days


class Command(BaseCommand):
    help = "Blank survey free-text answers older than the retention period (choices stay)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Override the retention period in days."
        )

    def handle(self, *args, days=None, **options):
        days = survey_free_text_retention_days() if days is None else days
        blanked = survey_free_text_purge(days=days)
        self.stdout.write(f"Blanked {blanked} free-text answers older than {days} days.")
